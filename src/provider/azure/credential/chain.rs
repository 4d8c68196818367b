//! `auto`'s chain of credentials: the endpoint and the environment in; the
//! candidates in order (client secret, workload identity, managed identity,
//! Azure CLI), each built or with why it could not be, and the first that
//! hands out a token as a [`Credential`], out (else one error that says
//! what each one said).

use std::fmt::Write as _;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use azure_core::credentials::TokenCredential;
use azure_core::http::ClientOptions as CoreClientOptions;
use azure_identity::{
    AzureCliCredential, ClientAssertionCredentialOptions, ClientSecretCredential,
    ClientSecretCredentialOptions, ManagedIdentityCredential, ManagedIdentityCredentialOptions,
    UserAssignedId, WorkloadIdentityCredential, WorkloadIdentityCredentialOptions,
};

use super::{Credential, FIRST_TOKEN_TIMEOUT, Lookup, MANAGED_IDENTITY_PROBE, Source, cached};
use crate::provider::ProviderError;
use crate::provider::azure::client::Endpoint;

/// One credential `auto` may try: what it is, and the credential or why it
/// could not be built.
pub(crate) struct Attempt {
    pub(crate) name: String,
    pub(crate) credential: Result<Arc<dyn TokenCredential>, String>,
    pub(crate) timeout: Duration,
}

impl Attempt {
    pub(super) fn new(
        name: impl Into<String>,
        credential: Result<Arc<dyn TokenCredential>, String>,
    ) -> Self {
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

pub(super) fn client_secret(endpoint: &Endpoint, env: Lookup<'_>) -> Attempt {
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

pub(super) fn workload_identity(endpoint: &Endpoint, env: Lookup<'_>) -> Attempt {
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

pub(super) fn managed_identity(endpoint: &Endpoint, env: Lookup<'_>) -> Attempt {
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

pub(super) fn azure_cli() -> Attempt {
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
