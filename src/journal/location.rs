//! Where a run's state lives: the text of `--state`, `DRPLAN_STATE` or the
//! plan's `state "URL"` in; a [`StateLocation`] out (the local `.drplan/`
//! folder, or a container of Azure Blob Storage, with an optional prefix and
//! SAS), or a [`LocationError`] that says what is wrong and how to write it.

use std::fmt;

use url::Url;

/// Where runs are kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StateLocation {
    /// `.drplan/` beside the plan file (the default).
    Local,
    /// A container of Azure Blob Storage (or Azurite).
    Blob(BlobLocation),
}

/// Which setting chose the location, for messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LocationSource {
    /// `--state URL`.
    Flag,
    /// `DRPLAN_STATE`.
    Env,
    /// The plan's `state "URL"`.
    Plan,
    /// Nothing was set.
    Default,
}

impl fmt::Display for LocationSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            LocationSource::Flag => "--state",
            LocationSource::Env => "DRPLAN_STATE",
            LocationSource::Plan => "the plan's `state` setting",
            LocationSource::Default => "the default",
        })
    }
}

/// A container of Blob Storage, as a state URL names it.
#[derive(Clone, PartialEq, Eq)]
pub struct BlobLocation {
    /// The blob service's URL: `https://ACCOUNT.blob.core.windows.net`, or
    /// `http://127.0.0.1:10000/devstoreaccount1` for Azurite (path style,
    /// no trailing slash).
    pub service: Url,
    /// The storage account.
    pub account: String,
    /// The container.
    pub container: String,
    /// Folders inside the container (`""`, or `team/shop` without slashes
    /// at either end).
    pub prefix: String,
    /// The SAS query string, without `?`, when the URL carries one.
    pub sas: Option<String>,
}

// A SAS is a secret: `Debug` shows that there is one, never its signature.
impl fmt::Debug for BlobLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BlobLocation")
            .field("service", &self.service.as_str())
            .field("account", &self.account)
            .field("container", &self.container)
            .field("prefix", &self.prefix)
            .field("sas", &self.sas.as_ref().map(|_| "***"))
            .finish()
    }
}

/// Shown without its SAS: `https://acct.blob.core.windows.net/runs/shop`.
impl fmt::Display for BlobLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}/{}",
            self.service.as_str().trim_end_matches('/'),
            self.container
        )?;
        if !self.prefix.is_empty() {
            write!(f, "/{}", self.prefix)?;
        }
        Ok(())
    }
}

/// Why a state URL cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LocationError {
    /// Not a URL at all.
    #[error(
        "`{text}` is not a URL ({reason}); write https://ACCOUNT.blob.core.windows.net/CONTAINER[/PREFIX]"
    )]
    NotAUrl {
        /// What was given (a SAS cut off).
        text: String,
        /// The parser's reason.
        reason: String,
    },
    /// A scheme other than https (or http to loopback).
    #[error(
        "`{text}`: run state is kept over https (plain http only to Azurite on 127.0.0.1); write https://ACCOUNT.blob.core.windows.net/CONTAINER[/PREFIX]"
    )]
    Scheme {
        /// What was given.
        text: String,
    },
    /// No container in the path.
    #[error("`{text}` names no container; write {example}")]
    NoContainer {
        /// What was given.
        text: String,
        /// The form for this host.
        example: String,
    },
    /// A container name Blob Storage does not allow.
    #[error(
        "`{name}` is not a container name: 3 to 63 lowercase letters, digits and single hyphens, starting with a letter or digit (e.g. `drplan-runs`)"
    )]
    ContainerName {
        /// The name.
        name: String,
    },
    /// A host that is not a blob endpoint.
    #[error(
        "`{host}` is not a Blob Storage endpoint; write https://ACCOUNT.blob.core.windows.net/CONTAINER[/PREFIX]"
    )]
    Host {
        /// The host.
        host: String,
    },
    /// A query string that is not a SAS.
    #[error(
        "the query string of `{text}` is not a SAS (it has no `sig=`); remove it, or paste the whole SAS URL"
    )]
    NotSas {
        /// What was given, without its query.
        text: String,
    },
}

impl std::str::FromStr for StateLocation {
    type Err = LocationError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        BlobLocation::parse(text).map(StateLocation::Blob)
    }
}

impl BlobLocation {
    /// Parses a state URL.
    pub fn parse(text: &str) -> Result<BlobLocation, LocationError> {
        let text = text.trim();
        // Messages never repeat a SAS.
        let shown = text.split('?').next().unwrap_or(text).to_string();
        let url = Url::parse(text).map_err(|e| LocationError::NotAUrl {
            text: shown.clone(),
            reason: e.to_string(),
        })?;
        let host = url.host_str().unwrap_or_default().to_string();
        let loopback = crate::loopback::is_loopback(&url);
        match url.scheme() {
            "https" => {}
            "http" if loopback => {}
            _ => return Err(LocationError::Scheme { text: shown }),
        }
        let sas = match url.query() {
            None | Some("") => None,
            Some(q) if q.split('&').any(|p| p.starts_with("sig=")) => Some(q.to_string()),
            Some(_) => return Err(LocationError::NotSas { text: shown }),
        };
        let mut segments: Vec<&str> = url
            .path_segments()
            .map(|s| s.filter(|s| !s.is_empty()).collect())
            .unwrap_or_default();
        // Azurite and other loopback endpoints name the account in the path;
        // Azure names it in the host.
        let (service, account) = if loopback {
            if segments.is_empty() {
                return Err(LocationError::NoContainer {
                    text: shown,
                    example: "http://127.0.0.1:10000/devstoreaccount1/CONTAINER".into(),
                });
            }
            let account = segments.remove(0).to_string();
            let mut service = url.clone();
            service.set_query(None);
            service.set_fragment(None);
            service.set_path(&format!("/{account}"));
            (service, account)
        } else {
            let Some((account, rest)) = host.split_once('.') else {
                return Err(LocationError::Host { host });
            };
            if !rest.starts_with("blob.") || account.is_empty() {
                return Err(LocationError::Host { host });
            }
            let mut service = url.clone();
            service.set_query(None);
            service.set_fragment(None);
            service.set_path("");
            (service, account.to_string())
        };
        let Some(container) = segments.first().map(|s| (*s).to_string()) else {
            return Err(LocationError::NoContainer {
                text: shown,
                example: format!(
                    "{}/CONTAINER[/PREFIX]",
                    service.as_str().trim_end_matches('/')
                ),
            });
        };
        if !valid_container(&container) {
            return Err(LocationError::ContainerName { name: container });
        }
        let prefix = segments[1..].join("/");
        Ok(BlobLocation {
            service,
            account,
            container,
            prefix,
            sas,
        })
    }

    /// The name of a blob below the prefix.
    pub fn blob_name(&self, rest: &str) -> String {
        if self.prefix.is_empty() {
            rest.to_string()
        } else {
            format!("{}/{rest}", self.prefix)
        }
    }
}

/// Blob Storage's container naming rule.
fn valid_container(name: &str) -> bool {
    (3..=63).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && name.chars().next().is_some_and(|c| c != '-')
        && !name.ends_with('-')
        && !name.contains("--")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn azure_urls_name_account_container_and_prefix() {
        let l = BlobLocation::parse("https://contoso.blob.core.windows.net/drplan-runs/shop/prod/")
            .unwrap();
        assert_eq!(l.account, "contoso");
        assert_eq!(l.container, "drplan-runs");
        assert_eq!(l.prefix, "shop/prod");
        assert_eq!(l.service.as_str(), "https://contoso.blob.core.windows.net/");
        assert_eq!(
            l.to_string(),
            "https://contoso.blob.core.windows.net/drplan-runs/shop/prod"
        );
        assert_eq!(l.blob_name("runs/x"), "shop/prod/runs/x");
    }

    #[test]
    fn azurite_urls_are_path_style_without_a_trailing_slash() {
        let l = BlobLocation::parse("http://127.0.0.1:10000/devstoreaccount1/runs").unwrap();
        assert_eq!(l.account, "devstoreaccount1");
        assert_eq!(
            l.service.as_str(),
            "http://127.0.0.1:10000/devstoreaccount1"
        );
        assert_eq!(l.prefix, "");
        assert_eq!(
            l.to_string(),
            "http://127.0.0.1:10000/devstoreaccount1/runs"
        );
    }

    #[test]
    fn a_sas_is_kept_but_never_shown() {
        let l = BlobLocation::parse(
            "https://contoso.blob.core.windows.net/runs?sv=2021-08-06&sp=racwl&sig=abc%2Bdef",
        )
        .unwrap();
        assert_eq!(
            l.sas.as_deref(),
            Some("sv=2021-08-06&sp=racwl&sig=abc%2Bdef")
        );
        assert!(!l.to_string().contains("sig"));
        assert!(!format!("{l:?}").contains("abc"));
        let err =
            BlobLocation::parse("https://contoso.blob.core.windows.net/runs?x=1").unwrap_err();
        assert!(matches!(err, LocationError::NotSas { .. }));
    }

    #[test]
    fn bad_urls_say_what_to_write() {
        for (text, want) in [
            ("runs", "is not a URL"),
            ("http://contoso.blob.core.windows.net/runs", "over https"),
            ("ftp://127.0.0.1/devstoreaccount1/runs", "over https"),
            (
                "https://contoso.blob.core.windows.net",
                "names no container",
            ),
            (
                "http://127.0.0.1:10000/devstoreaccount1",
                "names no container",
            ),
            (
                "https://contoso.blob.core.windows.net/Runs",
                "not a container name",
            ),
            (
                "https://contoso.blob.core.windows.net/a--b",
                "not a container name",
            ),
            ("https://example.com/runs", "not a Blob Storage endpoint"),
        ] {
            let err = BlobLocation::parse(text).unwrap_err().to_string();
            assert!(err.contains(want), "{text}: {err}");
        }
    }
}
