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
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use azure_core::credentials::{AccessToken, TokenCredential};

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

mod chain;
#[cfg(test)]
mod tests;

pub(crate) use chain::{auto_attempts, first_that_works};
use chain::{azure_cli, client_secret, managed_identity, workload_identity};
