//! How URLs are shown and judged wherever they appear (the checker, hooks
//! that send requests, the Resource Manager client): a URL in; out, whether
//! it carries credentials, and how a message shows it (or quotes text that
//! does not parse as one) without the credentials it may hold.

use std::borrow::Cow;

use url::Url;

/// Whether the URL carries a user name or a password (`https://user:pw@host/`).
/// Plans, journals, run folders and messages keep URLs in plain text, so a
/// credential belongs in a header read from the environment instead.
pub fn has_credentials(url: &Url) -> bool {
    !url.username().is_empty() || url.password().is_some()
}

/// A URL as messages show it: without query, fragment or credentials,
/// where tokens tend to hide (webhooks, probes, the Resource Manager
/// endpoint).
pub fn shown(url: &Url) -> String {
    let mut shown = url.clone();
    shown.set_query(None);
    shown.set_fragment(None);
    // Only fails for URLs that cannot have credentials, which then have none.
    let _ = shown.set_username("");
    let _ = shown.set_password(None);
    shown.to_string()
}

/// Text meant as a URL, with what stands before an `@` in its host part shown
/// as `***`: for messages about a URL that does not parse, where a password
/// may still sit (`https://ops:pw@exa mple.com/` → `https://***@exa mple.com/`).
pub fn without_userinfo(text: &str) -> Cow<'_, str> {
    let after_scheme = text.find(':').map_or(0, |i| i + 1);
    let host_start = text[after_scheme..]
        .find(|c| c != '/' && c != '\\')
        .map_or(text.len(), |i| after_scheme + i);
    let host_end = text[host_start..]
        .find(['/', '\\', '?', '#'])
        .map_or(text.len(), |i| host_start + i);
    match text[host_start..host_end].rfind('@') {
        Some(at) => Cow::Owned(format!(
            "{}***{}",
            &text[..host_start],
            &text[host_start + at..]
        )),
        None => Cow::Borrowed(text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_are_any_user_name_or_password() {
        let has = |u: &str| has_credentials(&Url::parse(u).unwrap());
        assert!(has("https://ops:pw@example.com/"));
        assert!(has("https://token@example.com/"));
        assert!(has("https://:pw@example.com/"));
        assert!(!has("https://example.com/a@b"));
        assert!(!has("https://example.com/?to=ops@example.com"));
    }

    #[test]
    fn messages_hide_query_and_credentials() {
        let url = Url::parse("https://user:pw@example.com/a?token=x#f").unwrap();
        assert_eq!(shown(&url), "https://example.com/a");
    }

    #[test]
    fn unparsable_urls_are_quoted_without_userinfo() {
        assert_eq!(
            without_userinfo("https://ops:s3cret@exa mple.com/x@y"),
            "https://***@exa mple.com/x@y"
        );
        assert_eq!(
            without_userinfo("https:\\\\ops:s3cret@h\\x"),
            "https:\\\\***@h\\x"
        );
        assert_eq!(without_userinfo("https://a@b@c/"), "https://***@c/");
        assert_eq!(without_userinfo("not a url"), "not a url");
        assert_eq!(
            without_userinfo("https://ex ample.com/"),
            "https://ex ample.com/"
        );
    }
}
