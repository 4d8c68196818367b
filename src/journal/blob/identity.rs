//! Who a bearer token says its holder is: the token in; the user principal
//! name of a person, or the application id of a service principal or
//! managed identity, out. The token's signature is not checked here: the
//! storage service checks it on every request, and the name only labels
//! what that identity did (approvals in the journal).

/// The name a token's claims give, if any.
pub(super) fn name_in(token: &str) -> Option<String> {
    let payload = token.split('.').nth(1)?;
    let bytes = azure_core::base64::decode_url_safe(payload).ok()?;
    let claims: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    let claim = |name: &str| {
        claims
            .get(name)
            .and_then(|v| v.as_str())
            .filter(|s| !s.trim().is_empty())
            .map(str::to_string)
    };
    // A person: their sign-in name. An application: its id (service
    // principals and managed identities have no user name).
    claim("upn")
        .or_else(|| claim("unique_name"))
        .or_else(|| claim("preferred_username"))
        .or_else(|| claim("appid").map(|id| format!("application {id}")))
        .or_else(|| claim("azp").map(|id| format!("application {id}")))
        .or_else(|| claim("oid").map(|id| format!("object {id}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(claims: &str) -> String {
        let b = azure_core::base64::encode_url_safe;
        format!("{}.{}.", b(r#"{"alg":"none"}"#), b(claims))
    }

    #[test]
    fn people_by_their_sign_in_name_applications_by_their_id() {
        assert_eq!(
            name_in(&token(r#"{"upn":"dba@contoso.com","appid":"x"}"#)).as_deref(),
            Some("dba@contoso.com")
        );
        assert_eq!(
            name_in(&token(
                r#"{"appid":"11111111-2222-3333-4444-555555555555"}"#
            ))
            .as_deref(),
            Some("application 11111111-2222-3333-4444-555555555555")
        );
        assert_eq!(name_in("not a token"), None);
        assert_eq!(name_in(&token("[]")), None);
    }
}
