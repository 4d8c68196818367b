use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};

use azure_core::time::{Duration as CoreDuration, OffsetDateTime};

use super::chain::Attempt;
use super::*;

fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + Sync + use<> {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    move |name: &str| map.get(name).cloned()
}

#[derive(Debug)]
struct Fake {
    fail: Option<&'static str>,
    calls: AtomicUsize,
    lifetime: CoreDuration,
}

impl Fake {
    fn failing(why: &'static str) -> Arc<dyn TokenCredential> {
        Arc::new(Fake {
            fail: Some(why),
            calls: AtomicUsize::new(0),
            lifetime: CoreDuration::hours(1),
        })
    }
}

#[async_trait::async_trait]
impl TokenCredential for Fake {
    async fn get_token(
        &self,
        _scopes: &[&str],
        _options: Option<azure_core::credentials::TokenRequestOptions<'_>>,
    ) -> azure_core::Result<AccessToken> {
        let n = self.calls.fetch_add(1, Ordering::SeqCst);
        match self.fail {
            Some(why) => Err(azure_core::Error::with_message(
                azure_core::error::ErrorKind::Credential,
                why,
            )),
            None => Ok(AccessToken::new(
                format!("token-{n}"),
                OffsetDateTime::now_utc() + self.lifetime,
            )),
        }
    }
}

#[tokio::test]
async fn token_kind_reads_the_variable_through_the_lookup() {
    let env = env_of(&[(ACCESS_TOKEN_VAR, " abc.def \n")]);
    let cred = credential_with(CredentialKind::Token, &Endpoint::public().unwrap(), &env)
        .await
        .unwrap();
    assert_eq!(cred.token().await.unwrap(), "abc.def");
    assert!(cred.describe().contains(ACCESS_TOKEN_VAR));
    assert!(!format!("{cred:?}").contains("abc.def"));
}

#[tokio::test]
async fn token_kind_without_the_variable_names_it() {
    let env = env_of(&[]);
    let err = credential_with(CredentialKind::Token, &Endpoint::public().unwrap(), &env)
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains(ACCESS_TOKEN_VAR), "{err}");
    assert!(err.contains("not set"), "{err}");
}

#[tokio::test]
async fn auto_with_nothing_available_lists_every_attempt() {
    let env = env_of(&[]);
    let mut attempts = auto_attempts(&Endpoint::public().unwrap(), &env);
    // The environment-based two are skipped without asking anyone; the
    // machine-based two are replaced by fakes (no IMDS or `az` in tests).
    assert_eq!(attempts.len(), 4);
    assert!(
        attempts[0]
            .credential
            .as_ref()
            .is_err_and(|e| e.contains("AZURE_CLIENT_SECRET"))
    );
    assert!(
        attempts[1]
            .credential
            .as_ref()
            .is_err_and(|e| e.contains("AZURE_FEDERATED_TOKEN_FILE"))
    );
    attempts[2].credential = Ok(Fake::failing("no managed identity endpoint answered"));
    attempts[3].credential = Ok(Fake::failing("Azure CLI not installed"));
    let err = first_that_works(attempts, "https://management.azure.com/.default", true)
        .await
        .unwrap_err()
        .to_string();
    for expected in [
        "client secret: AZURE_CLIENT_ID, AZURE_TENANT_ID, AZURE_CLIENT_SECRET not set",
        "workload identity: AZURE_FEDERATED_TOKEN_FILE, AZURE_CLIENT_ID, AZURE_TENANT_ID not set",
        "managed identity: ",
        "no managed identity endpoint answered",
        "Azure CLI: ",
        "Azure CLI not installed",
        "az login",
    ] {
        assert!(err.contains(expected), "missing {expected:?} in {err}");
    }
}

#[tokio::test]
async fn auto_keeps_the_first_that_gives_a_token_and_caches_it() {
    let good = Arc::new(Fake {
        fail: None,
        calls: AtomicUsize::new(0),
        lifetime: CoreDuration::hours(1),
    });
    let attempts = vec![
        Attempt::new("first", Ok(Fake::failing("nope"))),
        Attempt::new("second", Ok(good.clone())),
        Attempt::new("third", Ok(Fake::failing("never asked"))),
    ];
    let cred = first_that_works(attempts, "s/.default", true)
        .await
        .unwrap();
    assert_eq!(cred.describe(), "second");
    assert_eq!(cred.token().await.unwrap(), "token-0");
    assert_eq!(cred.token().await.unwrap(), "token-0");
    assert_eq!(good.calls.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_token_close_to_expiry_is_refreshed() {
    let short = Arc::new(Fake {
        fail: None,
        calls: AtomicUsize::new(0),
        lifetime: CoreDuration::minutes(2),
    });
    let cred = first_that_works(vec![Attempt::new("short", Ok(short.clone()))], "s", false)
        .await
        .unwrap();
    // Two minutes left is inside the five-minute margin: every call refreshes.
    assert_eq!(cred.token().await.unwrap(), "token-1");
    assert_eq!(cred.token().await.unwrap(), "token-2");
}

#[test]
fn credential_kinds_have_the_cli_names() {
    use clap::ValueEnum;
    let names: Vec<String> = CredentialKind::value_variants()
        .iter()
        .filter_map(|k| k.to_possible_value().map(|v| v.get_name().to_owned()))
        .collect();
    assert_eq!(
        names,
        [
            "auto",
            "cli",
            "managed-identity",
            "workload-identity",
            "client-secret",
            "token"
        ]
    );
}
