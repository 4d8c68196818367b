//! Writing native recovery plans (`replicationRecoveryPlans/{name}`): a
//! plan's VMs in, the vault's items for them out ([`FoundItem`]s, for the
//! body's ids); a body in, the recovery plan created or updated (PUT),
//! followed as ASR's long-running operations are: `202` and a `Location`
//! polled until it answers `200` (the plan), waiting as `Retry-After` (else
//! the poll schedule) says. Requests go through the client's pacing,
//! retries and throttling like every other.
//!
//! A PUT of the same body twice leaves the same plan, so a PUT whose outcome
//! is unknown is sent again once. drplan never deletes a recovery plan, so
//! its role holds no delete action.

use reqwest::StatusCode;
use serde::Serialize;
use serde_json::Value;

use super::client::{ClientError, Reply};
use super::items::{Known, find};
use super::{ASR_API_VERSION, AzureProvider, failed, mapping, service};
use crate::interop::export::ids::FoundItem;
use crate::plan::Plan;
use crate::provider::ProviderError;

/// Polls of a recovery plan operation before giving up.
const MAX_POLLS: usize = 240;

impl AzureProvider {
    /// The vault's item for every VM of `plan`, group by group in source
    /// order; an error naming every VM without exactly one item.
    pub async fn recovery_plan_items(&self, plan: &Plan) -> Result<Vec<FoundItem>, ProviderError> {
        let path = format!("{}/replicationProtectedItems", self.vault);
        let items: Vec<Value> = self
            .client
            .get_all(&path, ASR_API_VERSION, &[])
            .await
            .map_err(|e| failed("cannot list the vault's replicated items", e))?;
        let text = |v: &Value, field: &str| v.get(field).and_then(Value::as_str).map(str::to_owned);
        let known: Vec<Known> = items
            .iter()
            .map(|v| {
                let props = v.get("properties").unwrap_or(&Value::Null);
                Known {
                    id: text(v, "id").unwrap_or_default(),
                    name: text(v, "name").unwrap_or_default(),
                    friendly: text(props, "friendlyName").unwrap_or_default(),
                    active: mapping::location(text(props, "activeLocation").as_deref()),
                }
            })
            .collect();
        let mut found = Vec::new();
        let mut problems = Vec::new();
        for vm in plan.groups.iter().flat_map(|g| &g.vms) {
            let item = vm.item.as_deref().unwrap_or(&vm.name);
            match find(&known, &vm.name, item) {
                Ok(k) => {
                    let props = items
                        .iter()
                        .find(|v| text(v, "id").as_deref() == Some(k.id.as_str()))
                        .and_then(|v| v.get("properties"))
                        .unwrap_or(&Value::Null);
                    found.push(FoundItem {
                        id: k.id.clone(),
                        vm_id: props
                            .get("providerSpecificDetails")
                            .and_then(|d| text(d, "fabricObjectId")),
                        recovery_fabric: text(props, "recoveryFabricId"),
                    });
                }
                Err(problem) => problems.push(problem),
            }
        }
        if problems.is_empty() {
            Ok(found)
        } else {
            Err(service(problems.join("\n")))
        }
    }

    /// Creates or updates recovery plan `name` with `body` (a
    /// `CreateRecoveryPlanInput`) and follows the operation to its end: the
    /// recovery plan as the vault then answers.
    pub async fn put_recovery_plan<B: Serialize + Sync>(
        &self,
        name: &str,
        body: &B,
    ) -> Result<Value, ProviderError> {
        let path = self.recovery_plan_path(name)?;
        let what = format!("cannot write recovery plan `{name}`");
        let reply = match self.client.put(&path, ASR_API_VERSION, body).await {
            Err(ClientError::OutcomeUnknown(why)) => {
                tracing::warn!("recovery plan {name}: sending the PUT again ({why})");
                self.client.put(&path, ASR_API_VERSION, body).await
            }
            other => other,
        }
        .map_err(|e| failed(&what, e))?;
        match self.follow(reply, &what).await? {
            Some(plan) => Ok(plan),
            // Some services end a PUT without the resource: read it.
            None => self
                .client
                .get(&path, ASR_API_VERSION)
                .await
                .map_err(|e| failed(&format!("cannot read recovery plan `{name}`"), e)),
        }
    }

    fn recovery_plan_path(&self, name: &str) -> Result<String, ProviderError> {
        let valid = !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if valid {
            Ok(format!("{}/replicationRecoveryPlans/{name}", self.vault))
        } else {
            Err(service(format!(
                "`{name}` is not a recovery plan name: use letters, digits, `-` and `_`"
            )))
        }
    }

    /// Follows a long-running operation from its first answer: the final
    /// body, or `None` when it ends without one.
    async fn follow(&self, mut reply: Reply, what: &str) -> Result<Option<Value>, ProviderError> {
        for polls in 0..MAX_POLLS {
            match reply.status {
                StatusCode::OK | StatusCode::CREATED => {
                    return Ok(Some(reply.json(what).map_err(|e| failed(what, e))?));
                }
                StatusCode::NO_CONTENT => return Ok(None),
                StatusCode::ACCEPTED => {}
                other => return Err(service(format!("{what}: the vault answered {other}"))),
            }
            let Some(location) = reply.header("location").map(str::to_owned) else {
                // Accepted without a place to follow it: nothing more to learn.
                return Ok(None);
            };
            let (path, api) = self.own_path(&location, what)?;
            tokio::time::sleep(self.options.poll.delay(polls, reply.retry_after())).await;
            reply = self
                .client
                .get_reply(&path, &api)
                .await
                .map_err(|e| failed(what, e))?;
        }
        Err(service(format!(
            "{what}: the operation did not end after {MAX_POLLS} polls; look at the vault's jobs"
        )))
    }

    /// A `Location` as a path below the endpoint and its api-version; one
    /// that leads elsewhere is refused (the token goes nowhere else).
    fn own_path(&self, location: &str, what: &str) -> Result<(String, String), ProviderError> {
        let base = self.client.base();
        let url = base
            .join(location)
            .map_err(|e| service(format!("{what}: `Location` is not a URL ({e})")))?;
        if url.origin() != base.origin() {
            return Err(service(format!(
                "{what}: refusing to follow an operation on another host ({})",
                url.host_str().unwrap_or("?")
            )));
        }
        let api = url
            .query_pairs()
            .find(|(k, _)| k == "api-version")
            .map_or_else(|| ASR_API_VERSION.to_owned(), |(_, v)| v.into_owned());
        Ok((self.client.arm_path(&url).to_owned(), api))
    }
}
