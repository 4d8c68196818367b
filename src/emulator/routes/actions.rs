//! The item actions (`unplannedFailover`, `testFailover`, `reProtect`, …)
//! and Automation job creation: a request body in, checked as ASR checks it;
//! the simulated vault's job started and the long-running operation's
//! headers out, or ARM's 400 or 409 with the reason.

use axum::http::Method;
use serde_json::Value;

use super::super::Emu;
use super::super::json;
use super::path::{Action, eq};
use super::reply::{Link, Reply, bad_input, refused};
use crate::graph::Operation;
use crate::provider::{
    AsrOperation, JobId, Location, Machine, OperationOptions, Provider, ProviderError,
    RecoveryPoint, Target,
};

impl Emu {
    pub(super) async fn action(
        &self,
        i: usize,
        action: Action,
        body: &[u8],
        link: &Link,
    ) -> Result<Reply, ProviderError> {
        let (target, input, machine) = match self.item_request(i, body).await? {
            Ok(request) => request,
            Err(reply) => return Ok(reply),
        };
        let (operation, options) = match self.translate(action, &input, &machine) {
            Ok(t) => t,
            Err(reply) => return Ok(reply),
        };
        let job = self.sim.start(target, operation, &options).await?;
        Ok(self.accepted(&job, link))
    }

    /// What a request on item `i` with `body` starts from: the item, the
    /// body's JSON and the item's machine; or the answer refusing it.
    pub(super) async fn item_request(
        &self,
        i: usize,
        body: &[u8],
    ) -> Result<Result<(&Target, Value, Machine), Reply>, ProviderError> {
        let Some(item) = self.items.get(i) else {
            return Ok(Err(Reply::error(404, "ResourceNotFound", "No such item.")));
        };
        let input = match request_json(body) {
            Ok(v) => v,
            Err(reply) => return Ok(Err(reply)),
        };
        let machine = self.machine(&item.target).await?;
        Ok(Ok((&item.target, input, machine)))
    }

    /// The simulated vault's machine of an item.
    pub(super) async fn machine(&self, target: &Target) -> Result<Machine, ProviderError> {
        self.sim
            .machines(std::slice::from_ref(target))
            .await?
            .pop()
            .ok_or_else(|| ProviderError::Service("the simulated vault lost an item".into()))
    }

    /// ARM's answer to a long-running operation that started `job`: 202 and
    /// where to follow it.
    pub(super) fn accepted(&self, job: &JobId, link: &Link) -> Reply {
        let vault = &self.names.vault;
        Reply::empty(202)
            .header(
                "Location",
                &format!(
                    "{}{vault}/operationresults/{job}?api-version={}",
                    link.base, link.api
                ),
            )
            .header(
                "Azure-AsyncOperation",
                &format!(
                    "{}{vault}/replicationOperationStatus/{job}?api-version={}",
                    link.base, link.api
                ),
            )
            .header("Retry-After", &self.retry_after_s())
            // spec: asr-model.md: `x-ms-request-id` carries the job's ARM id.
            .header("x-ms-request-id", &self.names.job_id(&job.0))
    }

    /// An action's body, checked, as a simulator operation and its options.
    pub(super) fn translate(
        &self,
        action: Action,
        input: &Value,
        machine: &Machine,
    ) -> Result<(Operation, OperationOptions), Reply> {
        let mut options = OperationOptions::default();
        let operation = match action {
            Action::PlannedFailover => {
                return Err(Reply::error(
                    400,
                    "OperationNotSupported",
                    "Planned failover is not supported for Azure-to-Azure (A2A) items; use unplannedFailover with sourceSiteOperations `Required` to shut the source down first.",
                ));
            }
            Action::FailoverCancel => {
                return Err(Reply::error(
                    400,
                    "OperationNotSupported",
                    "failoverCancel applies to planned failovers, which Azure-to-Azure (A2A) items do not have; commit the failover, or fail back.",
                ));
            }
            Action::UnplannedFailover => {
                let props = properties(input)?;
                require_a2a(props)?;
                let from = direction(props)?;
                options.shutdown_source = match props
                    .get("sourceSiteOperations")
                    .and_then(Value::as_str)
                {
                    Some("Required") => true,
                    None | Some("NotRequired") => false,
                    Some(other) => {
                        return Err(bad(&format!(
                            "`sourceSiteOperations` `{other}` is not `Required` or `NotRequired`."
                        )));
                    }
                };
                let point = optional_string(
                    props
                        .get("providerSpecificDetails")
                        .and_then(|d| d.get("recoveryPointId")),
                    "recoveryPointId",
                )?;
                options.recovery_point = match point {
                    None => RecoveryPoint::Latest,
                    Some(id) if self.is_app_consistent(machine, &id) => {
                        RecoveryPoint::LatestAppConsistent
                    }
                    Some(_) => RecoveryPoint::LatestProcessed,
                };
                // The simulator refuses a failover from the side the item
                // does not run on.
                match from {
                    Location::Primary => Operation::Failover,
                    Location::Recovery => Operation::Failback,
                }
            }
            Action::TestFailover => {
                let props = properties(input)?;
                require_a2a(props)?;
                let from = direction(props)?;
                let network = optional_string(props.get("networkId"), "networkId")?
                    .filter(|n| !n.is_empty())
                    .ok_or_else(|| {
                        bad("`properties.networkId` is required: the isolated network to test in.")
                    })?;
                optional_string(props.get("networkType"), "networkType")?;
                wrong_side(machine, from, AsrOperation::TestFailover)?;
                options.test_network = Some(network);
                Operation::TestFailover
            }
            Action::TestFailoverCleanup => {
                optional_string(properties(input)?.get("comments"), "comments")?;
                Operation::TestCleanup
            }
            Action::FailoverCommit => {
                if !(input.is_null() || input.is_object()) {
                    return Err(bad("The request body is empty or a JSON object."));
                }
                Operation::Commit
            }
            Action::ReProtect => {
                self.check_reprotect(input, machine)?;
                Operation::Reprotect
            }
        };
        Ok((operation, options))
    }

    /// Checks a `reProtect` body: A2A input naming the other region's container.
    pub(super) fn check_reprotect(&self, input: &Value, machine: &Machine) -> Result<(), Reply> {
        let props = properties(input)?;
        require_a2a(props)?;
        let from = direction(props)?;
        let details = props.get("providerSpecificDetails").unwrap_or(&Value::Null);
        let container = optional_string(details.get("recoveryContainerId"), "recoveryContainerId")?
            .ok_or_else(|| {
                bad("`providerSpecificDetails.recoveryContainerId` is required (the item's `recoveryContainerId`).")
            })?;
        let expected = self.names.container_id(machine.active_location.other());
        if !eq(&container, &expected) {
            return Err(bad(&format!(
                "`recoveryContainerId` `{container}` is not the protection container of the other region: `{expected}`."
            )));
        }
        optional_string(
            details.get("recoveryResourceGroupId"),
            "recoveryResourceGroupId",
        )?;
        optional_string(details.get("policyId"), "policyId")?;
        if details
            .get("vmDisks")
            .is_some_and(|d| !d.is_array() && !d.is_null())
        {
            return Err(bad("`vmDisks` is a list."));
        }
        wrong_side(machine, from, AsrOperation::ReverseReplicate)
    }

    pub(super) fn is_app_consistent(&self, machine: &Machine, id: &str) -> bool {
        self.items
            .iter()
            .find(|it| it.target.vm == machine.vm)
            .and_then(|it| self.sim.recovery_points(&it.target).ok())
            .is_some_and(|points| {
                points
                    .iter()
                    .any(|p| p.app_consistent && id.to_ascii_lowercase().ends_with(&p.id))
            })
    }

    pub(super) fn automation_job(
        &self,
        method: &Method,
        account: usize,
        name: &str,
        body: &[u8],
    ) -> Reply {
        let now = self.clock.now();
        if *method == Method::GET {
            return refused(self.automation.get(account, name, now).map(Reply::ok));
        }
        let input: Value = match serde_json::from_slice(body) {
            Ok(v) => v,
            Err(e) => {
                return Reply::error(
                    400,
                    "BadRequest",
                    &format!("The request body is not JSON: {e}."),
                );
            }
        };
        refused(
            self.automation
                .create(&self.sim, account, name, &input, now)
                .map(|(status, body)| Reply::json(status, body)),
        )
    }
}

/// A request's JSON body; an empty body is `null`.
pub(super) fn request_json(body: &[u8]) -> Result<Value, Reply> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Value::Null);
    }
    serde_json::from_slice(body)
        .map_err(|e| bad_input(&format!("The request body is not JSON: {e}.")))
}

pub(super) fn bad(message: &str) -> Reply {
    bad_input(message)
}

/// The body's `properties` object.
pub(super) fn properties(input: &Value) -> Result<&Value, Reply> {
    input
        .get("properties")
        .filter(|p| p.is_object())
        .ok_or_else(|| bad("The request body needs a `properties` object."))
}

/// Checks `providerSpecificDetails.instanceType` is `A2A`.
pub(super) fn require_a2a(props: &Value) -> Result<(), Reply> {
    let kind = props
        .get("providerSpecificDetails")
        .and_then(|d| d.get("instanceType"))
        .and_then(Value::as_str);
    match kind {
        Some("A2A") => Ok(()),
        Some(other) => Err(bad(&format!(
            "`providerSpecificDetails.instanceType` is `{other}`, but the item replicates Azure to Azure: use `A2A`."
        ))),
        None => Err(bad(
            "`properties.providerSpecificDetails.instanceType` is required (`A2A`).",
        )),
    }
}

/// The side `failoverDirection` starts from.
pub(super) fn direction(props: &Value) -> Result<Location, Reply> {
    match props.get("failoverDirection").and_then(Value::as_str) {
        Some("PrimaryToRecovery") => Ok(Location::Primary),
        Some("RecoveryToPrimary") => Ok(Location::Recovery),
        Some(other) => Err(bad(&format!(
            "`failoverDirection` `{other}` is not `PrimaryToRecovery` or `RecoveryToPrimary`."
        ))),
        None => Err(bad(
            "`properties.failoverDirection` is required (`PrimaryToRecovery` or `RecoveryToPrimary`).",
        )),
    }
}

pub(super) fn optional_string(v: Option<&Value>, name: &str) -> Result<Option<String>, Reply> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(bad(&format!("`{name}` is a string."))),
    }
}

/// The direction names the side the item runs on: a mismatch is a state
/// conflict, reported like the simulator's refusals. Left to the simulator
/// when the operation is not allowed anyway, so its reason comes first.
pub(super) fn wrong_side(
    machine: &Machine,
    from: Location,
    needed: AsrOperation,
) -> Result<(), Reply> {
    if from == machine.active_location || !machine.allows(needed) {
        return Ok(());
    }
    Err(Reply::error(
        409,
        "OperationNotAllowed",
        &format!(
            "{}: the item runs in the {} region, so the direction is {}.",
            machine.vm,
            json::location(machine.active_location).to_ascii_lowercase(),
            direction_name(machine.active_location)
        ),
    ))
}

pub(super) fn direction_name(from: Location) -> &'static str {
    match from {
        Location::Primary => "PrimaryToRecovery",
        Location::Recovery => "RecoveryToPrimary",
    }
}
