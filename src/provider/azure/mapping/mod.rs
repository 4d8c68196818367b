//! ASR's words to drplan's: an item, a job, a health error or a recovery
//! point list (the [`models`](super::models) types) in; a [`Machine`], a
//! [`Job`], a [`HealthIssue`] or a choice out. Every choice the public
//! material leaves open (marked *inferred* in asr-model.md) is made here, one
//! function each, so it is easy to find and correct:
//!
//! - [`issue_kind`]: health error category and code → dashboard kind;
//! - [`replicating_from`]: which side replicates, from state and allowed operations;
//! - [`scenario_kind`]: a job's scenario name → drplan operation;
//! - [`failover_origins`]: which way a failover job went (ASR's job does not say);
//! - [`reprotect_input`]: the A2A reprotect input, from the item's own details;
//! - [`pick_recovery_point`]: the recovery point of a failover;
//! - [`recovery_points`]: an item's points, for a point in time;
//! - [`target_settings`], [`update_input`]: the item's target settings, and
//!   the update that changes them (which NIC is the primary one).

mod health;
mod inputs;
mod jobs;
mod target;

use crate::clock::Timestamp;
use crate::graph::Operation;
use crate::provider::{AsrOperation, Health, JobId, Location, Machine, Target};

use super::models::ProtectedItem;
use super::poll;

pub use health::{health_issue, issue_kind, severity, summary_issue, vault_health};
pub use inputs::{pick_recovery_point, recovery_points, reprotect_input};
pub use jobs::{ScenarioKind, failover_origins, job, job_state, scenario_kind, waits_for_input};
pub use target::{UpdateError, primary_nic, target_settings, update_input};

/// An ASR time (`2017-04-27T11:25:56.800358Z`, `2018-02-01T05:53:30.243+00:00`,
/// or without a zone, read as UTC). ASR's "never" (`1753-01-01…`,
/// `0001-01-01…`) and anything unreadable are `None`.
pub fn parse_time(text: &str) -> Option<Timestamp> {
    let text = text.trim();
    let (base, offset_s): (&str, i64) = match text
        .char_indices()
        .rev()
        .find(|(_, c)| *c == '+' || *c == '-')
    {
        // An offset is `±HH:MM` after the time (a `-` in the date is earlier).
        Some((at, sign)) if at > 10 && text[at..].len() == 6 => {
            let hours: i64 = text[at + 1..at + 3].parse().ok()?;
            let minutes: i64 = text[at + 4..at + 6].parse().ok()?;
            let sign = if sign == '-' { -1 } else { 1 };
            (&text[..at], sign * (hours * 3600 + minutes * 60))
        }
        _ => (text.trim_end_matches(['Z', 'z']), 0),
    };
    let local = humantime::parse_rfc3339_weak(base).ok()?;
    let utc = if offset_s >= 0 {
        local.checked_sub(std::time::Duration::from_secs(offset_s.unsigned_abs()))?
    } else {
        local.checked_add(std::time::Duration::from_secs(offset_s.unsigned_abs()))?
    };
    Some(Timestamp(utc))
}

/// `activeLocation` → [`Location`].
pub fn location(active: Option<&str>) -> Option<Location> {
    match active?.trim().to_ascii_lowercase().as_str() {
        "primary" => Some(Location::Primary),
        "recovery" => Some(Location::Recovery),
        _ => None,
    }
}

/// `replicationHealth` → [`Health`]; `None` or unknown reads as healthy.
pub fn health(replication_health: Option<&str>) -> Health {
    match replication_health
        .map(|h| h.trim().to_ascii_lowercase())
        .as_deref()
    {
        Some("critical") => Health::Critical,
        Some("warning") => Health::Warning,
        _ => Health::Healthy,
    }
}

/// `allowedOperations` → [`AsrOperation`]s, in ASR's order; unknown names
/// (`CompleteMigration`, …) are ignored.
pub fn allowed(names: &[String]) -> Vec<AsrOperation> {
    const ALL: [AsrOperation; 8] = [
        AsrOperation::UnplannedFailover,
        AsrOperation::PlannedFailover,
        AsrOperation::TestFailover,
        AsrOperation::TestFailoverCleanup,
        AsrOperation::Commit,
        AsrOperation::ChangePit,
        AsrOperation::ReverseReplicate,
        AsrOperation::DisableProtection,
    ];
    let mut out = Vec::new();
    for name in names {
        let found = ALL
            .into_iter()
            .find(|op| op.as_str().eq_ignore_ascii_case(name.trim()));
        if let Some(op) = found
            && !out.contains(&op)
        {
            out.push(op);
        }
    }
    out
}

/// *(inferred)* The side replication copies from: the active side while
/// the item is protected, none otherwise. Protected means `protectionState`
/// is `Protected`, or ASR allows an operation only a replicating item allows
/// (failover, test failover, its cleanup): the state is free text, the
/// allowed operations are not.
pub fn replicating_from(
    protection_state: Option<&str>,
    active: Location,
    allowed: &[AsrOperation],
) -> Option<Location> {
    let by_state = protection_state.is_some_and(|s| s.trim().eq_ignore_ascii_case("Protected"));
    let by_operations = allowed.iter().any(|op| {
        matches!(
            op,
            AsrOperation::UnplannedFailover
                | AsrOperation::PlannedFailover
                | AsrOperation::TestFailover
                | AsrOperation::TestFailoverCleanup
        )
    });
    (by_state || by_operations).then_some(active)
}

/// Why drplan does not act on `item`: it replicates with another provider
/// than Azure-to-Azure (`InMageRcm`, `HyperVReplicaAzure`, … from `drplan
/// import` of their recovery plans), whose inputs drplan does not build, so
/// an operation on it is refused before its request is sent. `None` for
/// A2A items, and for items that do not say.
pub fn unsupported_provider(item: &ProtectedItem) -> Option<String> {
    let kind = item
        .properties
        .provider_specific_details
        .as_ref()
        .and_then(|d| d.instance_type.as_deref())
        .map(str::trim)
        .filter(|k| !k.is_empty())?;
    (!kind.eq_ignore_ascii_case("A2A")).then(|| {
        format!(
            "it replicates with {kind}; drplan fails over Azure-to-Azure (A2A) items only: \
             run this VM's recovery plan in Azure Site Recovery"
        )
    })
}

/// An item as a [`Machine`] of `target`.
pub fn machine(target: &Target, item: &ProtectedItem) -> Machine {
    let p = &item.properties;
    let active = location(p.active_location.as_deref()).unwrap_or(Location::Primary);
    let allowed = allowed(&p.allowed_operations);
    let health = health(p.replication_health.as_deref());
    let details = p.provider_specific_details.as_ref();
    Machine {
        vm: target.vm.clone(),
        item: target.item.clone(),
        protection_state: p
            .protection_state
            .clone()
            .unwrap_or_else(|| "Unknown".to_owned()),
        active_location: active,
        replicating_from: replicating_from(p.protection_state.as_deref(), active, &allowed),
        allowed,
        health,
        issues: p
            .health_errors
            .iter()
            .map(|e| health_issue(e, health))
            .collect(),
        rpo_s: details
            .and_then(|d| d.rpo_in_seconds)
            .and_then(|s| u64::try_from(s).ok()),
        last_test_failover: p
            .last_successful_test_failover_time
            .as_deref()
            .and_then(parse_time),
        current_job: poll::scenario_job(p.current_scenario.as_ref()).map(JobId),
        target: details.map(target_settings).unwrap_or_default(),
        source_vm: details.and_then(|d| {
            d.fabric_object_id
                .as_deref()
                .map(str::trim)
                .filter(|id| !id.is_empty())
                .map(str::to_owned)
        }),
        consistency_group: details.and_then(|d| {
            d.multi_vm_group_name
                .as_deref()
                .map(str::trim)
                .filter(|name| !name.is_empty())
                .map(str::to_owned)
        }),
    }
}

/// `Ok` when `machine` allows `op` now, else why not (for `NotAllowed`).
pub fn check_allowed(machine: &Machine, op: Operation) -> Result<(), String> {
    let (needed, side) = crate::provider::requirement(op);
    let allowed = machine.allowed_text();
    let state = format!(
        "protection state {}, active in the {} region; allowed operations: {allowed}",
        machine.protection_state,
        match machine.active_location {
            Location::Primary => "primary",
            Location::Recovery => "recovery",
        }
    );
    if let Some(job) = &machine.current_job {
        return Err(format!("job {job} is in progress on it; {state}"));
    }
    if side.is_some_and(|s| s != machine.active_location) {
        return Err(format!(
            "it is not active on the side {op} starts from; {state}"
        ));
    }
    if machine.allows(needed) {
        Ok(())
    } else {
        Err(format!("it needs {needed}; {state}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_with_zones_fractions_and_sentinels() {
        let t = |s: &str| parse_time(s).map(|t| t.to_string());
        assert_eq!(
            t("2017-04-27T11:25:56.800358Z").as_deref(),
            Some("2017-04-27T11:25:56.800Z")
        );
        assert_eq!(
            t("2018-02-01T05:53:30.243+00:00").as_deref(),
            Some("2018-02-01T05:53:30.243Z")
        );
        assert_eq!(
            t("2018-02-01T07:53:30+02:00").as_deref(),
            Some("2018-02-01T05:53:30.000Z")
        );
        assert_eq!(
            t("2018-02-01T03:53:30-02:00").as_deref(),
            Some("2018-02-01T05:53:30.000Z")
        );
        assert_eq!(
            t("2017-04-26T08:42:33.0996129Z").as_deref(),
            Some("2017-04-26T08:42:33.099Z")
        );
        assert_eq!(t("1753-01-01T01:01:01Z"), None);
        assert_eq!(t("not a time"), None);
    }

    #[test]
    fn items_of_other_replication_providers_are_refused_a2a_and_unsaid_are_not() {
        let item = |kind: Option<&str>| ProtectedItem {
            properties: crate::provider::azure::models::ItemProperties {
                provider_specific_details: kind.map(|k| {
                    crate::provider::azure::models::ProviderDetails {
                        instance_type: Some(k.to_owned()),
                        ..Default::default()
                    }
                }),
                ..Default::default()
            },
            ..Default::default()
        };
        let refused = unsupported_provider(&item(Some("InMageRcm"))).unwrap();
        assert!(refused.contains("replicates with InMageRcm"), "{refused}");
        assert_eq!(unsupported_provider(&item(Some("a2a"))), None);
        assert_eq!(unsupported_provider(&item(None)), None);
    }

    #[test]
    fn replicating_from_needs_protection() {
        use AsrOperation::*;
        use Location::*;
        assert_eq!(
            replicating_from(Some("Protected"), Primary, &[]),
            Some(Primary)
        );
        assert_eq!(
            replicating_from(None, Recovery, &[UnplannedFailover]),
            Some(Recovery)
        );
        assert_eq!(
            replicating_from(
                Some("UnplannedFailoverCommitted"),
                Recovery,
                &[ReverseReplicate]
            ),
            None
        );
        assert_eq!(
            replicating_from(Some("ReprotectInProgress"), Recovery, &[]),
            None
        );
    }
}
