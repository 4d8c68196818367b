//! Where Resource Manager is: `DRPLAN_CLOUD` and `DRPLAN_ARM_ENDPOINT` (or
//! a cloud) in; an [`Endpoint`] (the base URL and the token audience) out,
//! or an error that names the variable and how to fix it.
//!
//! Every request carries a bearer token, so an endpoint is https, or plain
//! http only to a loopback host (`crate::loopback`: `localhost`,
//! 127.0.0.0/8, `::1`), which is where `drplan emulator` listens. Anything
//! else is refused before a connection is made.

use url::{Position, Url};

use super::super::credential::Lookup;
use crate::loopback::is_loopback;
use crate::provider::ProviderError;

/// The variable that points the client at another Resource Manager.
pub const ARM_ENDPOINT_VAR: &str = "DRPLAN_ARM_ENDPOINT";

/// The variable that picks a sovereign cloud: `public` (default), `china`, `usgov`.
pub const CLOUD_VAR: &str = "DRPLAN_CLOUD";

/// An Azure cloud.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cloud {
    /// Azure (`DRPLAN_CLOUD=public`, the default).
    Public,
    /// Azure operated by 21Vianet (`DRPLAN_CLOUD=china`).
    China,
    /// Azure US Government (`DRPLAN_CLOUD=usgov`).
    UsGovernment,
}

impl Cloud {
    const ALL: [Cloud; 3] = [Cloud::Public, Cloud::China, Cloud::UsGovernment];

    /// Its Resource Manager endpoint (also the token audience).
    pub fn resource_manager(self) -> &'static str {
        match self {
            Cloud::Public => "https://management.azure.com/",
            Cloud::China => "https://management.chinacloudapi.cn/",
            Cloud::UsGovernment => "https://management.usgovcloudapi.net/",
        }
    }

    /// Its `DRPLAN_CLOUD` name.
    pub fn name(self) -> &'static str {
        match self {
            Cloud::Public => "public",
            Cloud::China => "china",
            Cloud::UsGovernment => "usgov",
        }
    }

    /// `azure_core`'s name for it (the authority the credentials log in at).
    pub fn configuration(self) -> azure_core::cloud::CloudConfiguration {
        use azure_core::cloud::CloudConfiguration;
        match self {
            Cloud::Public => CloudConfiguration::AzurePublic,
            Cloud::China => CloudConfiguration::AzureChina,
            Cloud::UsGovernment => CloudConfiguration::AzureGovernment,
        }
    }

    fn parse(name: &str) -> Option<Cloud> {
        match name.trim().to_ascii_lowercase().as_str() {
            "public" | "azurecloud" => Some(Cloud::Public),
            "china" | "azurechinacloud" => Some(Cloud::China),
            "usgov" | "azureusgovernment" => Some(Cloud::UsGovernment),
            _ => None,
        }
    }

    fn of_host(host: &str) -> Option<Cloud> {
        Cloud::ALL.into_iter().find(|c| {
            Url::parse(c.resource_manager())
                .ok()
                .and_then(|u| u.host_str().map(|h| h.eq_ignore_ascii_case(host)))
                .unwrap_or(false)
        })
    }
}

/// Where Resource Manager is, and the audience its tokens are for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// The base URL requests go to.
    pub resource_manager: Url,
    /// The token audience (the scope is `<audience>/.default`).
    pub audience: String,
}

impl Endpoint {
    /// Public Azure.
    pub fn public() -> Result<Endpoint, ProviderError> {
        Endpoint::of_cloud(Cloud::Public)
    }

    /// The endpoint of `cloud`.
    pub fn of_cloud(cloud: Cloud) -> Result<Endpoint, ProviderError> {
        let audience = cloud.resource_manager().to_owned();
        let resource_manager = Url::parse(&audience).map_err(|e| {
            ProviderError::Service(format!(
                "internal error, this is a bug in drplan: {audience}: {e}"
            ))
        })?;
        Ok(Endpoint {
            resource_manager,
            audience,
        })
    }

    /// From the environment: `DRPLAN_CLOUD` (`public`, `china`, `usgov`)
    /// picks the cloud; `DRPLAN_ARM_ENDPOINT` overrides the URL (a regional
    /// endpoint, or `drplan emulator`). The audience is the cloud's when
    /// `DRPLAN_CLOUD` is set or the URL is a known cloud's, else the URL
    /// itself (the emulator accepts any token).
    pub fn from_env(env: Lookup<'_>) -> Result<Endpoint, ProviderError> {
        let cloud = match env(CLOUD_VAR) {
            Some(name) => Some(Cloud::parse(&name).ok_or_else(|| {
                ProviderError::Service(format!(
                    "{CLOUD_VAR}=`{name}` is not a cloud drplan knows; use public, china or usgov"
                ))
            })?),
            None => None,
        };
        let Some(text) = env(ARM_ENDPOINT_VAR) else {
            return Endpoint::of_cloud(cloud.unwrap_or(Cloud::Public));
        };
        let mut url = Url::parse(text.trim()).map_err(|e| {
            ProviderError::Service(format!(
                "{ARM_ENDPOINT_VAR}=`{text}` is not a URL ({e}); set it to a Resource Manager \
                 endpoint such as https://management.azure.com/ or the address `drplan emulator` printed"
            ))
        })?;
        if !matches!(url.scheme(), "http" | "https") || url.cannot_be_a_base() {
            return Err(ProviderError::Service(format!(
                "{ARM_ENDPOINT_VAR}=`{text}` is not an http(s) URL"
            )));
        }
        check_transport(&url)?;
        if !url.path().ends_with('/') {
            let path = format!("{}/", url.path());
            url.set_path(&path);
        }
        let known = cloud.or_else(|| url.host_str().and_then(Cloud::of_host));
        let audience = match known {
            Some(cloud) => cloud.resource_manager().to_owned(),
            None => url.as_str().to_owned(),
        };
        Ok(Endpoint {
            resource_manager: url,
            audience,
        })
    }

    /// The token scope: `<audience>/.default`.
    pub fn scope(&self) -> String {
        format!("{}/.default", self.audience.trim_end_matches('/'))
    }

    /// The cloud whose login authority the credentials use: the one whose
    /// audience this is, else public Azure.
    pub fn cloud(&self) -> Cloud {
        Cloud::ALL
            .into_iter()
            .find(|c| c.resource_manager() == self.audience)
            .unwrap_or(Cloud::Public)
    }
}

/// Refuses a base URL the bearer token must not travel to: plain http to a
/// host other than a loopback one.
pub(crate) fn check_transport(url: &Url) -> Result<(), ProviderError> {
    if url.scheme() != "http" || is_loopback(url) {
        return Ok(());
    }
    // Host and port only: a URL's user info or query may hold secrets.
    let host = &url[Position::BeforeHost..Position::AfterPort];
    let name = url.host_str().unwrap_or(host);
    Err(ProviderError::Service(format!(
        "{ARM_ENDPOINT_VAR} points at `{host}` over plain http, and `{name}` is not a loopback \
         host, so the bearer token would cross the network in clear text; nothing was sent. \
         Set {ARM_ENDPOINT_VAR} to an https URL (https://{host}/), or for `drplan emulator` to \
         the http://127.0.0.1:PORT address it printed (plain http goes only to localhost, \
         127.0.0.0/8 and ::1)"
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn endpoint(url: &str) -> Result<Endpoint, ProviderError> {
        Endpoint::from_env(&|name: &str| (name == ARM_ENDPOINT_VAR).then(|| url.to_owned()))
    }

    #[test]
    fn plain_http_is_refused_to_any_host_but_a_loopback_one() {
        for ok in [
            "http://127.0.0.1:8080",
            "http://localhost:1/",
            "http://[::1]:9/",
            "https://0.0.0.0:443/",
            "https://management.example.net/",
        ] {
            assert!(endpoint(ok).is_ok(), "{ok}");
        }
        for refused in [
            "http://0.0.0.0:8080/",
            "http://localhost.:8080/",
            "http://user:secret@arm.example.net/?sig=hidden",
        ] {
            let err = endpoint(refused).unwrap_err().to_string();
            for words in [
                ARM_ENDPOINT_VAR,
                "plain http",
                "https://",
                "nothing was sent",
            ] {
                assert!(err.contains(words), "{refused}: no `{words}` in {err}");
            }
            assert!(
                !err.contains("secret") && !err.contains("hidden"),
                "{refused}: {err}"
            );
        }
    }
}
