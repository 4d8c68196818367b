//! What a plan spanning vaults needs of each vault's subscription: the
//! subscription's tenant (`Subscriptions_Get`), so a plan whose vaults sit
//! in different tenants is refused before anything is done, and the
//! subscription's shared request budget ([`Pacer`]).

use std::sync::Arc;

use serde::Deserialize;

use super::client::Pacer;
use super::{AzureProvider, failed};
use crate::provider::ProviderError;

/// The api-version of `GET /subscriptions/{id}` (Microsoft.Resources'
/// subscriptions API, versioned apart from its resources API).
pub const SUBSCRIPTIONS_API_VERSION: &str = "2022-12-01";

/// The part of a `Subscription` drplan reads.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Subscription {
    tenant_id: Option<String>,
}

impl AzureProvider {
    /// This provider, taking its request tokens from `pacer`: the buckets of
    /// its subscription, shared with the providers of the subscription's
    /// other vaults (Resource Manager's budgets are per subscription).
    #[must_use]
    pub fn pace_with(mut self, pacer: Arc<Pacer>) -> AzureProvider {
        self.client.pace_with(pacer);
        self
    }

    /// The tenant the vault's subscription belongs to.
    pub async fn tenant(&self) -> Result<String, ProviderError> {
        let path = self.subscription();
        let sub: Subscription = self
            .client
            .get(&path, SUBSCRIPTIONS_API_VERSION)
            .await
            .map_err(|e| failed("cannot read the vault's subscription", e))?;
        sub.tenant_id
            .filter(|t| !t.is_empty())
            .ok_or_else(|| ProviderError::Service(format!("{path} answered without its tenantId")))
    }
}

/// The subscription id of an ARM id (`/subscriptions/{id}/…`).
pub fn subscription_of(arm_id: &str) -> Option<&str> {
    let mut segments = arm_id.trim_start_matches('/').split('/');
    match (segments.next(), segments.next()) {
        (Some(s), Some(id)) if s.eq_ignore_ascii_case("subscriptions") && !id.is_empty() => {
            Some(id)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_subscription_is_the_second_segment_of_an_arm_id() {
        assert_eq!(
            subscription_of(
                "/subscriptions/s-1/resourceGroups/rg/providers/Microsoft.RecoveryServices/vaults/v"
            ),
            Some("s-1")
        );
        assert_eq!(subscription_of("/SUBSCRIPTIONS/s-2"), Some("s-2"));
        assert_eq!(subscription_of("/tenants/t"), None);
        assert_eq!(subscription_of("/subscriptions/"), None);
    }
}
