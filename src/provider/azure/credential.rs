//! Which Azure identity drplan acts as: a [`CredentialKind`] (the CLI's
//! `--credential`), the [`Endpoint`] and the environment in; a
//! [`Credential`] that hands out bearer tokens for Resource Manager, caches
//! them and refreshes them before they expire, and says which identity it
//! is ([`Credential::describe`]), out.
//!
//! `auto` tries, in order: the client secret in `AZURE_CLIENT_ID` /
//! `AZURE_TENANT_ID` / `AZURE_CLIENT_SECRET`, workload identity
//! (`AZURE_FEDERATED_TOKEN_FILE` with the client and tenant ids), managed
//! identity, then the Azure CLI login. A credential that can be built may
//! still fail when asked for a token (no `az login`, no managed identity on
//! this machine), so each is asked for a token in turn and the first that
//! answers is kept; when none does, one error lists what each one said.
//!
//! `token` reads a bearer token from `DRPLAN_ACCESS_TOKEN` (pipelines that
//! already hold one, and `drplan emulator`). Tokens and secrets are never
//! logged or shown: [`Credential`]'s `Debug` prints only what it is.
//!
//! The environment is read through a [`Lookup`] so tests can supply their
//! own (edition 2024 makes `std::env::set_var` unsafe, and unsafe code is
//! forbidden here).

use std::fmt;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use azure_core::credentials::{AccessToken, TokenCredential};
use azure_core::http::ClientOptions as CoreClientOptions;
use azure_identity::{
    AzureCliCredential, ClientAssertionCredentialOptions, ClientSecretCredential,
    ClientSecretCredentialOptions, ManagedIdentityCredential, ManagedIdentityCredentialOptions,
    UserAssignedId, WorkloadIdentityCredential, WorkloadIdentityCredentialOptions,
};

use super::client::Endpoint;
use crate::provider::ProviderError;

/// Reads one environment variable; `None` when unset.
pub type Lookup<'a> = &'a (dyn Fn(&str) -> Option<String> + Sync);

/// The process environment, as a [`Lookup`]. Empty values count as unset.
pub fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// The variable `--credential token` reads.
pub const ACCESS_TOKEN_VAR: &str = "DRPLAN_ACCESS_TOKEN";

/// A token is refreshed this long before it expires, so a request never
/// leaves with a token that expires on the way.
const REFRESH_MARGIN: Duration = Duration::from_secs(5 * 60);

/// How long `auto` waits for a managed identity to answer: off Azure, the
/// instance metadata endpoint may not answer at all.
const MANAGED_IDENTITY_PROBE: Duration = Duration::from_secs(5);

/// How long any other credential may take to produce its first token (the
/// Azure CLI starts a Python process).
const FIRST_TOKEN_TIMEOUT: Duration = Duration::from_secs(60);

/// How drplan authenticates to Azure (`--credential`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum CredentialKind {
    /// Client secret from the environment, workload identity, managed
    /// identity, then the Azure CLI: the first that gives a token.
    #[default]
    Auto,
    /// The Azure CLI's login (`az login`).
    Cli,
    /// The machine's managed identity (user-assigned when `AZURE_CLIENT_ID` is set).
    ManagedIdentity,
    /// Workload identity (`AZURE_FEDERATED_TOKEN_FILE`, `AZURE_CLIENT_ID`, `AZURE_TENANT_ID`).
    WorkloadIdentity,
    /// A service principal's secret (`AZURE_CLIENT_ID`, `AZURE_TENANT_ID`, `AZURE_CLIENT_SECRET`).
    ClientSecret,
    /// A bearer token in `DRPLAN_ACCESS_TOKEN`.
    Token,
}

/// A source of bearer tokens for Resource Manager, with a cache.
pub struct Credential {
    describe: String,
    scope: String,
    source: Source,
    cache: tokio::sync::Mutex<Option<Cached>>,
}

enum Source {
    /// A token given as is; its expiry is unknown, so it is never refreshed.
    Fixed(String),
    /// An `azure_identity` credential.
    Azure(Arc<dyn TokenCredential>),
}

struct Cached {
    token: String,
    expires: SystemTime,
}

impl fmt::Debug for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never the token.
        f.debug_struct("Credential")
            .field("describe", &self.describe)
            .field("scope", &self.scope)
            .finish_non_exhaustive()
    }
}

impl Credential {
    /// A credential that always hands out `token` (tests, pipelines).
    pub fn fixed(token: impl Into<String>, describe: impl Into<String>) -> Credential {
        Credential {
            describe: describe.into(),
            scope: String::new(),
            source: Source::Fixed(token.into()),
            cache: tokio::sync::Mutex::new(None),
        }
    }

    /// Which identity this is ("Azure CLI", "managed identity", …), for messages.
    pub fn describe(&self) -> &str {
        &self.describe
    }

    /// A bearer token, from the cache while it has more than five minutes
    /// left, else a fresh one. Never log it.
    pub async fn token(&self) -> Result<String, ProviderError> {
        let credential = match &self.source {
            Source::Fixed(token) => return Ok(token.clone()),
            Source::Azure(credential) => credential,
        };
        let mut cache = self.cache.lock().await;
        let now = SystemTime::now();
        if let Some(cached) = cache.as_ref()
            && now + REFRESH_MARGIN < cached.expires
        {
            return Ok(cached.token.clone());
        }
        match credential.get_token(&[self.scope.as_str()], None).await {
            Ok(access) => {
                let fresh = cached(&access);
                let token = fresh.token.clone();
                *cache = Some(fresh);
                Ok(token)
            }
            // A refresh that fails while the old token is still valid is
            // not worth failing a request for; the next call tries again.
            Err(e) => match cache.as_ref().filter(|c| now < c.expires) {
                Some(still_valid) => {
                    tracing::warn!(credential = %self.describe, error = %e, "token refresh failed; using the current token until it expires");
                    Ok(still_valid.token.clone())
                }
                None => Err(ProviderError::Service(format!(
                    "could not get an Azure token from {}: {e}",
                    self.describe
                ))),
            },
        }
    }

    /// Forgets the cached token (after a 401), so the next [`token`](Self::token) asks afresh.
    pub async fn invalidate(&self) {
        *self.cache.lock().await = None;
    }

    /// Forgets the cached token if it is still `rejected`: when many
    /// requests in flight get 401 at once, the first one's refresh serves
    /// them all instead of each asking for a token of its own.
    pub async fn invalidate_if(&self, rejected: &str) {
        let mut cache = self.cache.lock().await;
        if cache.as_ref().is_some_and(|c| c.token == rejected) {
            *cache = None;
        }
    }

    /// A credential over any `azure_core` token source, with an empty cache
    /// (tests: tokens that change).
    #[cfg(test)]
    pub(crate) fn from_source(
        credential: Arc<dyn TokenCredential>,
        describe: impl Into<String>,
    ) -> Credential {
        Credential {
            describe: describe.into(),
            scope: "test/.default".to_owned(),
            source: Source::Azure(credential),
            cache: tokio::sync::Mutex::new(None),
        }
    }
}

fn cached(access: &AccessToken) -> Cached {
    Cached {
        token: access.token.secret().to_owned(),
        expires: SystemTime::from(access.expires_on),
    }
}

/// The credential of `kind`, reading the process environment. Every kind
/// but `token` is asked for a first token here, so a missing login fails
/// before any plan step starts.
pub async fn credential(
    kind: CredentialKind,
    endpoint: &Endpoint,
) -> Result<Credential, ProviderError> {
    credential_with(kind, endpoint, &process_env).await
}

/// [`credential`] with the environment read through `env`.
pub async fn credential_with(
    kind: CredentialKind,
    endpoint: &Endpoint,
    env: Lookup<'_>,
) -> Result<Credential, ProviderError> {
    if kind == CredentialKind::Token {
        return token_credential(env);
    }
    let attempts = match kind {
        CredentialKind::Auto => auto_attempts(endpoint, env),
        CredentialKind::ClientSecret => vec![client_secret(endpoint, env)],
        CredentialKind::WorkloadIdentity => vec![workload_identity(endpoint, env)],
        CredentialKind::ManagedIdentity => {
            let mut attempt = managed_identity(endpoint, env);
            attempt.timeout = FIRST_TOKEN_TIMEOUT;
            vec![attempt]
        }
        CredentialKind::Cli | CredentialKind::Token => vec![azure_cli()],
    };
    first_that_works(attempts, &endpoint.scope(), kind == CredentialKind::Auto).await
}

fn token_credential(env: Lookup<'_>) -> Result<Credential, ProviderError> {
    match env(ACCESS_TOKEN_VAR).filter(|t| !t.trim().is_empty()) {
        Some(token) => Ok(Credential::fixed(
            token.trim().to_owned(),
            format!("the bearer token in {ACCESS_TOKEN_VAR}"),
        )),
        None => Err(ProviderError::Service(format!(
            "--credential token reads a bearer token from {ACCESS_TOKEN_VAR}, which is not set; \
             set it (for example to the output of `az account get-access-token --query accessToken -o tsv`) \
             or choose another --credential"
        ))),
    }
}

/// One credential `auto` may try: what it is, and the credential or why it
/// could not be built.
pub(crate) struct Attempt {
    pub(crate) name: String,
    pub(crate) credential: Result<Arc<dyn TokenCredential>, String>,
    pub(crate) timeout: Duration,
}

impl Attempt {
    fn new(name: impl Into<String>, credential: Result<Arc<dyn TokenCredential>, String>) -> Self {
        Attempt {
            name: name.into(),
            credential,
            timeout: FIRST_TOKEN_TIMEOUT,
        }
    }
}

fn core_options(endpoint: &Endpoint) -> CoreClientOptions {
    CoreClientOptions {
        cloud: Some(Arc::new(endpoint.cloud().configuration())),
        ..CoreClientOptions::default()
    }
}

/// `auto`'s candidates, in order.
pub(crate) fn auto_attempts(endpoint: &Endpoint, env: Lookup<'_>) -> Vec<Attempt> {
    vec![
        client_secret(endpoint, env),
        workload_identity(endpoint, env),
        managed_identity(endpoint, env),
        azure_cli(),
    ]
}

fn missing(env: Lookup<'_>, names: &[&str]) -> Option<String> {
    let unset: Vec<&str> = names.iter().copied().filter(|n| env(n).is_none()).collect();
    (!unset.is_empty()).then(|| format!("{} not set", unset.join(", ")))
}

fn client_secret(endpoint: &Endpoint, env: Lookup<'_>) -> Attempt {
    const VARS: [&str; 3] = ["AZURE_CLIENT_ID", "AZURE_TENANT_ID", "AZURE_CLIENT_SECRET"];
    let client_id = env("AZURE_CLIENT_ID").unwrap_or_default();
    let name = format!("client secret of AZURE_CLIENT_ID {client_id}");
    if let Some(why) = missing(env, &VARS) {
        return Attempt::new("client secret", Err(why));
    }
    let tenant = env("AZURE_TENANT_ID").unwrap_or_default();
    let secret = env("AZURE_CLIENT_SECRET").unwrap_or_default();
    let options = ClientSecretCredentialOptions {
        client_options: core_options(endpoint),
    };
    let built = ClientSecretCredential::new(&tenant, client_id, secret.into(), Some(options))
        .map(|c| c as Arc<dyn TokenCredential>)
        .map_err(|e| e.to_string());
    Attempt::new(name, built)
}

fn workload_identity(endpoint: &Endpoint, env: Lookup<'_>) -> Attempt {
    const VARS: [&str; 3] = [
        "AZURE_FEDERATED_TOKEN_FILE",
        "AZURE_CLIENT_ID",
        "AZURE_TENANT_ID",
    ];
    if let Some(why) = missing(env, &VARS) {
        return Attempt::new("workload identity", Err(why));
    }
    // Passed explicitly so the injected environment, not the process's, decides.
    let options = WorkloadIdentityCredentialOptions {
        credential_options: ClientAssertionCredentialOptions {
            client_options: core_options(endpoint),
        },
        client_id: env("AZURE_CLIENT_ID"),
        tenant_id: env("AZURE_TENANT_ID"),
        token_file_path: env("AZURE_FEDERATED_TOKEN_FILE").map(PathBuf::from),
    };
    let built = WorkloadIdentityCredential::new(Some(options))
        .map(|c| c as Arc<dyn TokenCredential>)
        .map_err(|e| e.to_string());
    Attempt::new("workload identity", built)
}

fn managed_identity(endpoint: &Endpoint, env: Lookup<'_>) -> Attempt {
    // As Azure's DefaultAzureCredential does: AZURE_CLIENT_ID picks a user-assigned identity.
    let client_id = env("AZURE_CLIENT_ID");
    let name = match &client_id {
        Some(id) => format!("managed identity (user-assigned, client id {id})"),
        None => "managed identity".to_owned(),
    };
    let options = ManagedIdentityCredentialOptions {
        user_assigned_id: client_id.map(UserAssignedId::ClientId),
        client_options: core_options(endpoint),
    };
    let built = ManagedIdentityCredential::new(Some(options))
        .map(|c| c as Arc<dyn TokenCredential>)
        .map_err(|e| e.to_string());
    let mut attempt = Attempt::new(name, built);
    attempt.timeout = MANAGED_IDENTITY_PROBE;
    attempt
}

fn azure_cli() -> Attempt {
    let built = AzureCliCredential::new(None)
        .map(|c| c as Arc<dyn TokenCredential>)
        .map_err(|e| e.to_string());
    Attempt::new("Azure CLI", built)
}

/// Asks each attempt for a token in turn and keeps the first that answers;
/// when none does, one error says what each one said.
pub(crate) async fn first_that_works(
    attempts: Vec<Attempt>,
    scope: &str,
    auto: bool,
) -> Result<Credential, ProviderError> {
    let mut failures = Vec::new();
    for attempt in attempts {
        let credential = match attempt.credential {
            Ok(c) => c,
            Err(why) => {
                failures.push(format!("{}: {why}", attempt.name));
                continue;
            }
        };
        let scopes = [scope];
        let asked = tokio::time::timeout(attempt.timeout, credential.get_token(&scopes, None));
        match asked.await {
            Ok(Ok(access)) => {
                tracing::info!(credential = %attempt.name, "using Azure credential");
                return Ok(Credential {
                    describe: attempt.name,
                    scope: scope.to_owned(),
                    source: Source::Azure(credential),
                    cache: tokio::sync::Mutex::new(Some(cached(&access))),
                });
            }
            Ok(Err(e)) => failures.push(format!("{}: {e}", attempt.name)),
            Err(_) => failures.push(format!(
                "{}: no token within {}",
                attempt.name,
                humantime::format_duration(attempt.timeout)
            )),
        }
    }
    let tried = failures.iter().fold(String::new(), |mut all, f| {
        let _ = write!(all, "\n  - {f}");
        all
    });
    let help = "log in with `az login`, set AZURE_CLIENT_ID, AZURE_TENANT_ID and AZURE_CLIENT_SECRET, \
                or pass a token in DRPLAN_ACCESS_TOKEN with --credential token";
    Err(ProviderError::Service(if auto {
        format!("no Azure credential worked; --credential auto tried, in order:{tried}\n{help}")
    } else {
        format!("the Azure credential did not work:{tried}\n{help}")
    }))
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use azure_core::time::{Duration as CoreDuration, OffsetDateTime};

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
}
