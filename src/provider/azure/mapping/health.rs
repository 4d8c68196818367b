//! Health, as the dashboard shows it: an item's or the vault's health
//! errors and summaries (the [`models`](super::super::models) types) in;
//! [`HealthIssue`]s with their dashboard kind and severity out.

use std::fmt::Write as _;

use crate::provider::{Health, HealthIssue, IssueKind, VaultHealth};

use super::super::models::{HealthError, HealthErrorSummary, VaultHealthDetails};

/// *(inferred)* Which dashboard kind a health error is (spec: asr-model.md
/// "The dashboard"): `VersionExpiry` and `AgentAutoUpdate*` categories are
/// software updates; a code or message about a quota is subscription quota;
/// the `Configuration` category is a missing resource when the code or
/// message says something was not found, deleted or does not exist, else a
/// missing configuration; everything else (`Replication`, `TestFailover`,
/// `FabricInfrastructure`, none) is replication.
pub fn issue_kind(category: Option<&str>, code: Option<&str>, message: Option<&str>) -> IssueKind {
    let category = category.unwrap_or("").trim().to_ascii_lowercase();
    let words = format!("{} {}", code.unwrap_or(""), message.unwrap_or("")).to_ascii_lowercase();
    if category == "versionexpiry" || category.starts_with("agentautoupdate") {
        return IssueKind::SoftwareUpdate;
    }
    if words.contains("quota") {
        return IssueKind::SubscriptionQuota;
    }
    if category == "configuration" {
        let missing = [
            "notfound",
            "not found",
            "deleted",
            "does not exist",
            "doesn't exist",
            "missing",
        ];
        return if missing.iter().any(|w| words.contains(w)) {
            IssueKind::MissingResource
        } else {
            IssueKind::MissingConfiguration
        };
    }
    IssueKind::Replication
}

/// `errorLevel` / `severity` → [`Health`]; `fallback` when ASR gives none.
pub fn severity(level: Option<&str>, fallback: Health) -> Health {
    match level.map(|l| l.trim().to_ascii_lowercase()).as_deref() {
        Some("error" | "critical") => Health::Critical,
        Some("warning") => Health::Warning,
        Some("info" | "none") => Health::Healthy,
        _ => fallback,
    }
}

/// One `HealthError` of an item or the vault.
pub fn health_issue(e: &HealthError, fallback: Health) -> HealthIssue {
    let message = e
        .error_message
        .clone()
        .or_else(|| e.summary_message.clone())
        .unwrap_or_else(|| "no message given".to_owned());
    HealthIssue {
        code: e.error_code.clone().unwrap_or_default(),
        kind: issue_kind(
            e.error_category.as_deref(),
            e.error_code.as_deref(),
            Some(&message),
        ),
        severity: severity(e.error_level.as_deref(), fallback),
        message,
        possible_causes: e.possible_causes.clone().filter(|s| !s.is_empty()),
        recommended_action: e.recommended_action.clone().filter(|s| !s.is_empty()),
    }
}

/// The vault's own issues (`replicationVaultHealth`): its errors and the
/// fabric and container summaries; item issues belong to the machines.
pub fn vault_health(health: &VaultHealthDetails) -> VaultHealth {
    let p = &health.properties;
    let mut issues: Vec<HealthIssue> = p
        .vault_errors
        .iter()
        .map(|e| health_issue(e, Health::Warning))
        .collect();
    for summary in [&p.fabrics_health, &p.containers_health]
        .into_iter()
        .flatten()
    {
        issues.extend(summary.issues.iter().filter_map(summary_issue));
    }
    VaultHealth { issues }
}

/// One vault-level summary (`HealthErrorSummary`), unless only informational.
pub fn summary_issue(s: &HealthErrorSummary) -> Option<HealthIssue> {
    let severity = severity(s.severity.as_deref(), Health::Warning);
    if severity == Health::Healthy {
        return None;
    }
    let mut message = s
        .summary_message
        .clone()
        .unwrap_or_else(|| "no message given".to_owned());
    if !s.affected_resource_correlation_ids.is_empty() {
        let n = s.affected_resource_correlation_ids.len();
        let what = s.affected_resource_type.as_deref().unwrap_or("resources");
        let _ = write!(message, " ({n} {what})");
    }
    Some(HealthIssue {
        code: s.summary_code.clone().unwrap_or_default(),
        kind: issue_kind(
            s.category.as_deref(),
            s.summary_code.as_deref(),
            s.summary_message.as_deref(),
        ),
        severity,
        message,
        possible_causes: None,
        recommended_action: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issue_kinds_follow_the_dashboard() {
        use IssueKind::*;
        assert_eq!(
            issue_kind(Some("VersionExpiry"), Some("1"), None),
            SoftwareUpdate
        );
        assert_eq!(
            issue_kind(Some("AgentAutoUpdateRunAsAccountExpired"), None, None),
            SoftwareUpdate
        );
        assert_eq!(
            issue_kind(Some("Configuration"), Some("QuotaExceeded"), None),
            SubscriptionQuota
        );
        assert_eq!(
            issue_kind(
                Some("Replication"),
                None,
                Some("Subscription quota for cores reached")
            ),
            SubscriptionQuota
        );
        assert_eq!(
            issue_kind(
                Some("Configuration"),
                Some("150"),
                Some("The target network was deleted")
            ),
            MissingResource
        );
        assert_eq!(
            issue_kind(
                Some("Configuration"),
                Some("151"),
                Some("No network mapping is configured")
            ),
            MissingConfiguration
        );
        assert_eq!(
            issue_kind(Some("Replication"), Some("10008"), Some("RPO Throttled")),
            Replication
        );
        assert_eq!(issue_kind(None, None, None), Replication);
    }
}
