//! A common point in time (`--recovery-point before:INSTANT`), resolved
//! before anything is done: the VMs a run acts on and the vault in; for
//! each VM the latest recovery point at or before the instant
//! (application-consistent when asked) out, or a blocker per VM that has
//! none (or whose points could not be listed), so that a run refuses
//! naming every one of them at once.

use std::collections::BTreeMap;

use crate::clock::Timestamp;
use crate::provider::{Provider, RecoveryPointInfo, Target, latest_before};
use crate::readiness::{Finding, FindingKind, Severity};

/// What `before:` asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PointInTime {
    /// The instant no point may be after.
    pub before: Timestamp,
    /// Only application-consistent points.
    pub app_consistent: bool,
}

/// The point of each target, by plan VM, and a blocker for each target
/// without one.
pub async fn pick(
    provider: &dyn Provider,
    targets: &[Target],
    wanted: PointInTime,
) -> (BTreeMap<String, RecoveryPointInfo>, Vec<Finding>) {
    let kind = if wanted.app_consistent {
        "application-consistent recovery point"
    } else {
        "recovery point"
    };
    let mut picked = BTreeMap::new();
    let mut findings = Vec::new();
    for target in targets {
        let finding = |message: String, details: serde_json::Value| Finding {
            severity: Severity::Blocker,
            kind: FindingKind::RecoveryPoint,
            vm: Some(target.vm.clone()),
            group: Some(target.group.clone()),
            message,
            remedy: "choose a later instant, or leave these VMs out of the run (`--vm`, `--group`)"
                .to_owned(),
            details,
        };
        let points = match provider.recovery_points(target).await {
            Ok(points) => points,
            Err(e) => {
                findings.push(finding(
                    format!(
                        "{}: its recovery points could not be listed: {e}",
                        target.vm
                    ),
                    serde_json::json!({ "before": wanted.before, "error": e.to_string() }),
                ));
                continue;
            }
        };
        if let Some(point) = latest_before(&points, wanted.before, wanted.app_consistent) {
            picked.insert(target.vm.clone(), point.clone());
            continue;
        }
        let oldest = points
            .iter()
            .filter(|p| !wanted.app_consistent || p.app_consistent)
            .map(|p| p.time)
            .min();
        let has = match oldest {
            Some(t) => format!("its oldest is of {t}"),
            None => format!("it lists no {kind}"),
        };
        findings.push(finding(
            format!(
                "{}: no {kind} at or before {} ({has})",
                target.vm, wanted.before
            ),
            serde_json::json!({
                "before": wanted.before,
                "app_consistent": wanted.app_consistent,
                "oldest": oldest,
            }),
        ));
    }
    (picked, findings)
}
