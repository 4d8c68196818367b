//! Starting an operation on one item: the plan VM, the operation and its
//! options in; the item read afresh, ASR's rules checked, the request body
//! built (recovery point, direction, test network) and sent, and the ASR
//! job it started out. A request whose outcome is unknown is never re-sent:
//! the item's `currentScenario` tells whether it started. An update of
//! target settings (`configure`) goes the same way.

use super::client::{self, ClientError};
use super::items::Known;
use super::job_board::CLOCK_SKEW;
use super::models::{
    A2aFailoverDetails, Input, ProtectedItem, RecoveryPoint, ReprotectProperties,
    TestCleanupProperties, TestFailoverProperties, UnplannedFailoverProperties,
};
use super::{ASR_API_VERSION, AzureProvider, failed, mapping, poll, service};
use crate::clock::Timestamp;
use crate::graph::Operation;
use crate::provider::{JobId, Location, OperationOptions, ProviderError, Target};

/// The comment a test failover cleanup leaves on the job.
const CLEANUP_COMMENT: &str = "drplan test-failover cleanup";

/// How many times the item is read after a failover POST with an unknown
/// outcome before concluding it did not start.
const UNKNOWN_OUTCOME_READS: usize = 3;

/// Whether a job of `kind` carries out `operation` (a failover from the
/// recovery region is a failback).
fn carries(kind: Option<mapping::ScenarioKind>, operation: Operation) -> bool {
    let from = if operation == Operation::Failback {
        Location::Recovery
    } else {
        Location::Primary
    };
    kind.is_some_and(|k| k.operation(from) == operation)
}

impl AzureProvider {
    /// [`Provider::start`](crate::provider::Provider::start).
    pub(super) async fn start_operation(
        &self,
        target: &Target,
        operation: Operation,
        options: &OperationOptions,
    ) -> Result<JobId, ProviderError> {
        let (known, item) = self.fresh_allowed(target, operation).await?;
        let (action, body) = self
            .action(target, &known, &item, operation, options)
            .await?;
        let path = format!("{}/{action}", known.id);
        let since = self.clock.now();
        let sent = self
            .client
            .post(&path, ASR_API_VERSION, body.as_ref())
            .await;
        self.started(target, &known, operation, since, sent).await
    }

    /// The item of `target` read afresh, when ASR allows `operation` on it
    /// now (else `NotAllowed` with the reason).
    pub(super) async fn fresh_allowed(
        &self,
        target: &Target,
        operation: Operation,
    ) -> Result<(Known, ProtectedItem), ProviderError> {
        let known = self.item_of(target).await?;
        let item: ProtectedItem =
            self.client
                .get(&known.id, ASR_API_VERSION)
                .await
                .map_err(|e| {
                    failed(
                        &format!("{}: cannot read its replicated item", target.vm),
                        e,
                    )
                })?;
        if let Some(reason) = mapping::unsupported_provider(&item) {
            return Err(ProviderError::NotAllowed {
                vm: target.vm.clone(),
                operation,
                reason,
            });
        }
        let machine = mapping::machine(target, &item);
        mapping::check_allowed(&machine, operation).map_err(|reason| {
            ProviderError::NotAllowed {
                vm: target.vm.clone(),
                operation,
                reason,
            }
        })?;
        Ok((known, item))
    }

    /// The job an operation's request (sent at `since`) started, from its
    /// answer (the headers, else the item); after an unknown outcome, from
    /// the item and the vault's jobs, never by sending the request again.
    pub(super) async fn started(
        &self,
        target: &Target,
        known: &Known,
        operation: Operation,
        since: Timestamp,
        sent: Result<client::Reply, ClientError>,
    ) -> Result<JobId, ProviderError> {
        match sent {
            Ok(reply) => {
                let job = match poll::started_job(&reply) {
                    Some(job) => job,
                    None => self.job_of_item(known, &reply).await?,
                };
                self.remember_started(&job, operation, since);
                tracing::info!(vm = %target.vm, %operation, %job, "ASR job started");
                Ok(JobId(job))
            }
            Err(ClientError::OutcomeUnknown(why)) => {
                self.after_unknown_outcome(target, known, operation, since, &why)
                    .await
            }
            Err(e) if e.status() == Some(409) => Err(ProviderError::NotAllowed {
                vm: target.vm.clone(),
                operation,
                reason: e.to_string(),
            }),
            Err(e) => Err(failed(
                &format!("{}: {operation} was refused", target.vm),
                e,
            )),
        }
    }

    /// The request body and action of `operation` on `item`.
    async fn action(
        &self,
        target: &Target,
        known: &Known,
        item: &ProtectedItem,
        operation: Operation,
        options: &OperationOptions,
    ) -> Result<(&'static str, Option<serde_json::Value>), ProviderError> {
        let encode = |v: Result<serde_json::Value, serde_json::Error>| {
            v.map_err(|e| service(format!("cannot encode the request: {e}")))
        };
        let active = mapping::location(item.properties.active_location.as_deref());
        let direction = if active == Some(Location::Recovery) {
            "RecoveryToPrimary"
        } else {
            "PrimaryToRecovery"
        };
        Ok(match operation {
            Operation::Failover | Operation::Failback => {
                let recovery_point_id = self.recovery_point(target, known, options).await?;
                let body = Input {
                    properties: UnplannedFailoverProperties {
                        failover_direction: if operation == Operation::Failover {
                            "PrimaryToRecovery"
                        } else {
                            "RecoveryToPrimary"
                        },
                        source_site_operations: if options.shutdown_source {
                            "Required"
                        } else {
                            "NotRequired"
                        },
                        provider_specific_details: A2aFailoverDetails {
                            instance_type: "A2A",
                            recovery_point_id,
                        },
                    },
                };
                (
                    "unplannedFailover",
                    Some(encode(serde_json::to_value(body))?),
                )
            }
            Operation::Commit => ("failoverCommit", None),
            Operation::Configure => {
                return Err(ProviderError::NotAllowed {
                    vm: target.vm.clone(),
                    operation,
                    reason: "an update of target settings is sent with the settings to change (Provider::configure)".to_owned(),
                });
            }
            Operation::TestFailover => {
                let network_id = options.test_network.clone().ok_or_else(|| ProviderError::NotAllowed {
                    vm: target.vm.clone(),
                    operation,
                    reason: "a test failover needs an isolated network; set `test.network` in the plan"
                        .to_owned(),
                })?;
                let recovery_point_id = self.recovery_point(target, known, options).await?;
                let body = Input {
                    properties: TestFailoverProperties {
                        failover_direction: direction,
                        network_type: "VmNetworkAsInput",
                        network_id,
                        provider_specific_details: A2aFailoverDetails {
                            instance_type: "A2A",
                            recovery_point_id,
                        },
                    },
                };
                ("testFailover", Some(encode(serde_json::to_value(body))?))
            }
            Operation::TestCleanup => {
                let body = Input {
                    properties: TestCleanupProperties {
                        comments: CLEANUP_COMMENT.to_owned(),
                    },
                };
                (
                    "testFailoverCleanup",
                    Some(encode(serde_json::to_value(body))?),
                )
            }
            Operation::Reprotect => {
                let (failover_direction, provider_specific_details) =
                    mapping::reprotect_input(item);
                let body = Input {
                    properties: ReprotectProperties {
                        failover_direction,
                        provider_specific_details,
                    },
                };
                ("reProtect", Some(encode(serde_json::to_value(body))?))
            }
        })
    }

    /// The point a failover sends: the one chosen before the run
    /// (`before:`), else the one `recovery_point` names.
    async fn recovery_point(
        &self,
        target: &Target,
        known: &Known,
        options: &OperationOptions,
    ) -> Result<Option<String>, ProviderError> {
        if let Some(chosen) = options.points.get(&target.vm) {
            return Ok(Some(chosen.clone()));
        }
        if options.recovery_point == crate::provider::RecoveryPoint::Latest {
            return Ok(None);
        }
        let points = self.points_of(target, known).await?;
        let picked = mapping::pick_recovery_point(&points, options.recovery_point)
            .map_err(|reason| service(format!("{}: {reason}", target.vm)))?;
        if picked.is_none() {
            tracing::warn!(vm = %target.vm, "no processed recovery point listed; failing over to the latest");
        }
        Ok(picked)
    }

    /// [`Provider::recovery_points`](crate::provider::Provider::recovery_points).
    pub(super) async fn list_recovery_points(
        &self,
        target: &Target,
    ) -> Result<Vec<crate::provider::RecoveryPointInfo>, ProviderError> {
        let known = self.item_of(target).await?;
        let points = self.points_of(target, &known).await?;
        Ok(mapping::recovery_points(&points))
    }

    /// `RecoveryPoints_ListByReplicationProtectedItems` of an item.
    async fn points_of(
        &self,
        target: &Target,
        known: &Known,
    ) -> Result<Vec<RecoveryPoint>, ProviderError> {
        let path = format!("{}/recoveryPoints", known.id);
        self.client
            .get_all(&path, ASR_API_VERSION, &[])
            .await
            .map_err(|e| failed(&format!("{}: cannot list recovery points", target.vm), e))
    }

    /// After a request whose outcome is unknown: the job, if the item shows
    /// it running, or the vault lists one of the operation on the item that
    /// started since (a quick job may have ended before the item was read),
    /// else an error saying it most likely did not start (never re-sent).
    async fn after_unknown_outcome(
        &self,
        target: &Target,
        known: &Known,
        operation: Operation,
        since: Timestamp,
        why: &str,
    ) -> Result<JobId, ProviderError> {
        tracing::warn!(vm = %target.vm, %operation, "outcome unknown ({why}); reading the item before anything else");
        let mut last = None;
        for n in 0..UNKNOWN_OUTCOME_READS {
            if n > 0 {
                tokio::time::sleep(self.options.poll.delay(n - 1, None)).await;
            }
            let item: ProtectedItem = match self.client.get(&known.id, ASR_API_VERSION).await {
                Ok(item) => item,
                Err(e) => {
                    last = Some(e.to_string());
                    continue;
                }
            };
            let scenario = item.properties.current_scenario.as_ref();
            if let Some(job) = poll::scenario_job(scenario) {
                let kind =
                    mapping::scenario_kind(scenario.and_then(|s| s.scenario_name.as_deref()), None);
                if carries(kind, operation) {
                    tracing::warn!(vm = %target.vm, %operation, job, "the request had started the job after all");
                    self.remember_started(&job, operation, since);
                    return Ok(JobId(job));
                }
                return Err(service(format!(
                    "{}: the {operation} request's outcome is unknown ({why}), and the item now runs \
                     another job ({job}, {}); check `drplan jobs` before running again",
                    target.vm,
                    scenario
                        .and_then(|s| s.scenario_name.as_deref())
                        .unwrap_or("?")
                )));
            }
            match self.job_since(known, operation, since).await {
                Ok(Some(job)) => {
                    tracing::warn!(vm = %target.vm, %operation, job, "the request had started the job after all (it has ended)");
                    self.remember_started(&job, operation, since);
                    return Ok(JobId(job));
                }
                Ok(None) => {}
                Err(e) => tracing::debug!(error = %e, "cannot list the vault's jobs"),
            }
            let allowed = mapping::allowed(&item.properties.allowed_operations);
            last = Some(format!(
                "the item shows no job in progress (allowed operations: {})",
                allowed
                    .iter()
                    .map(|a| a.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        Err(service(format!(
            "{}: the {operation} request's outcome is unknown ({why}); {}: it most likely did not \
             start. drplan does not re-send it blindly: check `drplan status` and run again",
            target.vm,
            last.unwrap_or_else(|| "the item could not be read".to_owned())
        )))
    }

    /// The newest job of `operation` on the item that started at `since` or
    /// after (less `CLOCK_SKEW`: the vault's clock is not this machine's).
    async fn job_since(
        &self,
        known: &Known,
        operation: Operation,
        since: Timestamp,
    ) -> Result<Option<String>, ClientError> {
        let jobs = self.list_jobs().await?;
        let earliest = Timestamp(since.0.checked_sub(CLOCK_SKEW).unwrap_or(since.0));
        Ok(jobs
            .iter()
            .filter(|j| {
                let p = &j.properties;
                let on_item = p
                    .target_object_id
                    .as_deref()
                    .is_some_and(|id| id.eq_ignore_ascii_case(&known.name))
                    || p.target_object_name
                        .as_deref()
                        .is_some_and(|n| n.eq_ignore_ascii_case(&known.friendly));
                let kind =
                    mapping::scenario_kind(p.scenario_name.as_deref(), p.friendly_name.as_deref());
                on_item && carries(kind, operation)
            })
            .filter_map(|j| {
                let started = j
                    .properties
                    .start_time
                    .as_deref()
                    .and_then(mapping::parse_time)?;
                (started >= earliest).then_some((started, j))
            })
            .max_by_key(|(started, _)| *started)
            .map(|(_, j)| j.name.clone())
            .filter(|name| !name.is_empty()))
    }

    /// The job of an accepted action whose answer named none.
    async fn job_of_item(
        &self,
        known: &Known,
        reply: &client::Reply,
    ) -> Result<String, ProviderError> {
        let item: ProtectedItem = self.client.get(&known.id, ASR_API_VERSION).await?;
        poll::scenario_job(item.properties.current_scenario.as_ref())
            .or_else(|| poll::async_operation_id(reply))
            .ok_or_else(|| {
                service(format!(
                    "the vault accepted the request for {} but named no job; see `drplan jobs`",
                    known.friendly
                ))
            })
    }
}
