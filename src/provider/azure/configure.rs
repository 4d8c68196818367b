//! `configure`: a plan VM and the target settings where the vault differs
//! from the plan ([`Change`]s) in; one `ReplicationProtectedItems_Update`
//! (PATCH) with exactly those fields sent, and the ASR job it started out.
//! The item must allow what a failover needs (protected, idle, active in
//! the primary region, see [`crate::provider::requirement`]); the answer is
//! followed as an action's is, and a PATCH whose outcome is unknown is never
//! re-sent (see `operations`).

use super::{ASR_API_VERSION, AzureProvider, mapping, service};
use crate::graph::Operation;
use crate::provider::{JobId, ProviderError, Target};
use crate::target::Change;

impl AzureProvider {
    /// [`Provider::configure`](crate::provider::Provider::configure).
    pub(super) async fn configure_item(
        &self,
        target: &Target,
        changes: &[Change],
    ) -> Result<JobId, ProviderError> {
        let operation = Operation::Configure;
        let (known, item) = self.fresh_allowed(target, operation).await?;
        let body = mapping::update_input(&item, changes).map_err(|e| {
            service(format!(
                "{}: cannot update its target settings: {e}",
                target.vm
            ))
        })?;
        let since = self.clock.now();
        let sent = self.client.patch(&known.id, ASR_API_VERSION, &body).await;
        self.started(target, &known, operation, since, sent).await
    }
}
