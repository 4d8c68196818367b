//! What a hook's URL may be, for the checker and again for the hooks that
//! send requests: a URL in; out, whether it carries credentials or goes to
//! a loopback host, and how to quote a URL that does not parse without the
//! credentials it may hold.

use std::borrow::Cow;

use url::Url;

/// Whether the URL carries a user name or a password (`https://user:pw@host/`).
/// Plans, journals, run folders and messages keep URLs in plain text, so a
/// credential belongs in a header read from the environment instead.
pub fn has_credentials(url: &Url) -> bool {
    !url.username().is_empty() || url.password().is_some()
}

/// Whether the URL's host is `localhost`, 127.0.0.0/8 or `::1`.
pub fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
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
