//! Reading a vault without a plan, for `drplan import`: a vault's ARM id,
//! an [`Endpoint`] and a [`Credential`] in; its recovery plans
//! ([`RecoveryPlan`], GET `replicationRecoveryPlans[/{name}]`) and its
//! protected items out, through the same client (retries, pacing,
//! permissions) as runs use.

use std::sync::Arc;

use super::client::{ArmClient, ClientError};
use super::items::vault_path;
use super::models::ProtectedItem;
use super::{ASR_API_VERSION, AzureOptions, Credential, Endpoint, failed};
use crate::interop::asr::RecoveryPlan;
use crate::provider::ProviderError;

/// The reads of one vault.
#[derive(Debug)]
pub struct VaultReader {
    vault: String,
    client: ArmClient,
}

impl VaultReader {
    /// A reader of the vault `vault_id` at `endpoint` as `credential`;
    /// nothing is sent until the first read.
    pub fn new(
        vault_id: &str,
        endpoint: &Endpoint,
        credential: Credential,
        options: &AzureOptions,
    ) -> Result<VaultReader, ProviderError> {
        let vault = vault_path(vault_id)?;
        let client = ArmClient::new(endpoint, Arc::new(credential), options.client.clone())?;
        Ok(VaultReader { vault, client })
    }

    /// This reader, recording every request it sends in `log` (tests: the
    /// RBAC actions import needs, see [`super::permissions`]).
    #[must_use]
    pub fn with_request_log(mut self, log: super::RequestLog) -> VaultReader {
        self.client.record_in(log);
        self
    }

    /// `vault_id` checked to be a Recovery Services vault's ARM id, as
    /// [`VaultReader::new`] wants it.
    pub fn check(vault_id: &str) -> Result<String, ProviderError> {
        vault_path(vault_id)
    }

    /// The vault's ARM id.
    pub fn vault(&self) -> &str {
        &self.vault
    }

    /// The recovery plan `name`; a plan the vault does not have is
    /// [`ProviderError::Service`] saying so.
    pub async fn get(&self, name: &str) -> Result<RecoveryPlan, ProviderError> {
        let path = format!("{}/replicationRecoveryPlans/{name}", self.vault);
        match self.client.get(&path, ASR_API_VERSION).await {
            Ok(plan) => Ok(plan),
            Err(ClientError::Status { status: 404, .. }) => {
                let names: Vec<String> = self
                    .list()
                    .await
                    .map(|all| all.into_iter().map(|p| p.name).collect())
                    .unwrap_or_default();
                let known = if names.is_empty() {
                    "it has none".to_owned()
                } else {
                    format!("it has {}", names.join(", "))
                };
                Err(ProviderError::Service(format!(
                    "the vault {} has no recovery plan `{name}`; {known}",
                    self.vault
                )))
            }
            Err(e) => Err(failed(
                &format!("cannot read the recovery plan `{name}`"),
                e,
            )),
        }
    }

    /// Every recovery plan of the vault.
    pub async fn list(&self) -> Result<Vec<RecoveryPlan>, ProviderError> {
        let path = format!("{}/replicationRecoveryPlans", self.vault);
        self.client
            .get_all(&path, ASR_API_VERSION, &[])
            .await
            .map_err(|e| failed("cannot list the vault's recovery plans", e))
    }

    /// Every protected item of the vault, across its fabrics and containers.
    pub async fn protected_items(&self) -> Result<Vec<ProtectedItem>, ProviderError> {
        let path = format!("{}/replicationProtectedItems", self.vault);
        self.client
            .get_all(&path, ASR_API_VERSION, &[])
            .await
            .map_err(|e| failed("cannot list the vault's replicated items", e))
    }
}
