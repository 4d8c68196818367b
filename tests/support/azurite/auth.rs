//! Credentials Azurite accepts: an account SAS signed with the emulator's
//! well-known account key (a query string out), and an unsigned Entra-style
//! JWT (a bearer token out) for `--oauth basic`, which checks the claims but
//! not the signature.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use azure_core::credentials::Secret;

/// The emulator's one account and its published key (not a secret: Azurite
/// and the Azure SDKs document it; Azurite's `EMULATOR_ACCOUNT_KEY_STR`).
pub(crate) const ACCOUNT: &str = "devstoreaccount1";
const ACCOUNT_KEY: &str =
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

/// The SAS version: new enough for the account SAS string to sign below
/// (with the encryption scope line), old enough for Azurite 3.35.
const SAS_VERSION: &str = "2021-08-06";

/// A SAS is valid from a little before now (clocks of the test and the
/// emulator are the same, but Azurite compares whole seconds) until well
/// after the slowest test ends.
const SAS_BEFORE: Duration = Duration::from_secs(5 * 60);
const SAS_AFTER: Duration = Duration::from_secs(24 * 60 * 60);

/// The tenant in the token's issuer: a made-up GUID (Azurite checks only
/// the issuer's prefix).
pub(crate) const TENANT: &str = "11111111-2222-3333-4444-555555555555";

/// The identity [`token`] carries in its `upn` claim.
pub(crate) const UPN: &str = "dba@contoso.com";

/// An account SAS for blobs (service, container and object level) with
/// `permissions` (`sp`, e.g. `racwdl` or `rl`), as a query string without
/// the leading `?`.
pub(crate) fn account_sas(permissions: &str) -> String {
    let now = SystemTime::now();
    let start = humantime::format_rfc3339_seconds(now - SAS_BEFORE).to_string();
    let expiry = humantime::format_rfc3339_seconds(now + SAS_AFTER).to_string();
    let (services, resource_types, protocols) = ("b", "sco", "https,http");
    // account, sp, ss, srt, st, se, sip, spr, sv, ses: one line each.
    let to_sign = format!(
        "{ACCOUNT}\n{permissions}\n{services}\n{resource_types}\n{start}\n{expiry}\n\n{protocols}\n{SAS_VERSION}\n\n"
    );
    let signature = azure_core::hmac::hmac_sha256(&to_sign, &Secret::new(ACCOUNT_KEY)).unwrap();
    url::form_urlencoded::Serializer::new(String::new())
        .append_pair("sv", SAS_VERSION)
        .append_pair("ss", services)
        .append_pair("srt", resource_types)
        .append_pair("sp", permissions)
        .append_pair("st", &start)
        .append_pair("se", &expiry)
        .append_pair("spr", protocols)
        .append_pair("sig", &signature)
        .finish()
}

/// An unsigned JWT as Entra would issue for Azure Storage, valid for an
/// hour, for the user `upn`.
pub(crate) fn token_for(upn: &str) -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let header = serde_json::json!({"alg": "none", "typ": "JWT"});
    let claims = serde_json::json!({
        "aud": "https://storage.azure.com",
        "iss": format!("https://sts.windows.net/{TENANT}/"),
        "iat": now - 60,
        "nbf": now - 60,
        "exp": now + 3600,
        "tid": TENANT,
        "oid": "00000000-0000-0000-0000-00000000d8a0",
        "upn": upn,
        "name": "Test DBA",
    });
    let encode = |value: &serde_json::Value| {
        azure_core::base64::encode_url_safe(serde_json::to_vec(value).unwrap())
    };
    // No signature: the third part is empty.
    format!("{}.{}.", encode(&header), encode(&claims))
}
