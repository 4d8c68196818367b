//! Least privilege: every request the Azure client can send, as an HTTP
//! method and an ARM path pattern, with the RBAC action Resource Manager
//! checks for it. One table: the custom role in `drplan-role.json` holds
//! exactly its actions (a test keeps the two equal, and another that every
//! request the end-to-end flows send has a row), and a 403 names the action
//! of the request it refused from here when ARM's message does not say.
//!
//! A method and a concrete path (an ARM id and what follows, without the
//! query) in; the row whose pattern it matches out. Patterns name variable
//! segments `{like-this}`; literal segments compare without regard to case,
//! as ARM's do.

use std::collections::BTreeSet;
use std::fmt;

use reqwest::Method;

/// The HTTP methods the client sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum HttpMethod {
    /// Reads.
    Get,
    /// Creates an Automation job.
    Put,
    /// Starts an ASR action.
    Post,
    /// Updates an item's target settings.
    Patch,
}

impl HttpMethod {
    /// The method of a request, when it is one the client sends.
    pub fn of(method: &Method) -> Option<HttpMethod> {
        match *method {
            Method::GET => Some(HttpMethod::Get),
            Method::PUT => Some(HttpMethod::Put),
            Method::POST => Some(HttpMethod::Post),
            Method::PATCH => Some(HttpMethod::Patch),
            _ => None,
        }
    }

    /// `GET`, `PUT`, `POST`, `PATCH`.
    pub fn as_str(self) -> &'static str {
        match self {
            HttpMethod::Get => "GET",
            HttpMethod::Put => "PUT",
            HttpMethod::Post => "POST",
            HttpMethod::Patch => "PATCH",
        }
    }
}

impl fmt::Display for HttpMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One kind of request and the RBAC action it needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Permission {
    /// Its method.
    pub method: HttpMethod,
    /// Its path pattern, from `/subscriptions/…`.
    pub path: &'static str,
    /// The RBAC action Resource Manager checks.
    pub action: &'static str,
    /// What drplan sends it for.
    pub purpose: &'static str,
}

// Path and action prefixes, as macros so the table is built at compile time.
macro_rules! vault {
    ($rest:expr) => {
        concat!(
            "/subscriptions/{subscription}/resourceGroups/{group}/providers/Microsoft.RecoveryServices/vaults/{vault}",
            $rest
        )
    };
}
macro_rules! item {
    ($rest:expr) => {
        vault!(concat!(
            "/replicationFabrics/{fabric}/replicationProtectionContainers/{container}/replicationProtectedItems/{item}",
            $rest
        ))
    };
}
macro_rules! item_action {
    ($verb:expr) => {
        concat!(
            "Microsoft.RecoveryServices/vaults/replicationFabrics/replicationProtectionContainers/replicationProtectedItems",
            $verb
        )
    };
}
macro_rules! job {
    ($rest:expr) => {
        concat!(
            "/subscriptions/{subscription}/resourceGroups/{group}/providers/Microsoft.Automation/automationAccounts/{account}/jobs/{job}",
            $rest
        )
    };
}
macro_rules! group {
    ($rest:expr) => {
        concat!(
            "/subscriptions/{subscription}/resourceGroups/{group}",
            $rest
        )
    };
}
macro_rules! network {
    ($rest:expr) => {
        group!(concat!("/providers/Microsoft.Network", $rest))
    };
}
macro_rules! compute {
    ($rest:expr) => {
        group!(concat!("/providers/Microsoft.Compute", $rest))
    };
}

use HttpMethod::{Get, Patch, Post, Put};

const fn row(
    method: HttpMethod,
    path: &'static str,
    action: &'static str,
    purpose: &'static str,
) -> Permission {
    Permission {
        method,
        path,
        action,
        purpose,
    }
}

/// The table: every request the client can send.
#[rustfmt::skip]
const PERMISSIONS: &[Permission] = &[
    // Site Recovery: items, their actions and update, jobs, health.
    row(Get, vault!("/replicationProtectedItems"), "Microsoft.RecoveryServices/vaults/replicationProtectedItems/read", "list the vault's replicated items (status, finding plan VMs)"),
    row(Get, item!(""), item_action!("/read"), "read an item before acting on it"),
    row(Patch, item!(""), item_action!("/write"), "`run configure`: update an item's target settings"),
    row(Post, item!("/unplannedFailover"), item_action!("/unplannedFailover/action"), "failover and failback"),
    row(Post, item!("/failoverCommit"), item_action!("/failoverCommit/action"), "commit"),
    row(Post, item!("/reProtect"), item_action!("/reProtect/action"), "reprotect"),
    row(Post, item!("/testFailover"), item_action!("/testFailover/action"), "test failover"),
    row(Post, item!("/testFailoverCleanup"), item_action!("/testFailoverCleanup/action"), "test failover cleanup"),
    row(Get, item!("/recoveryPoints"), item_action!("/recoveryPoints/read"), "pick the recovery point of a failover"),
    row(Get, vault!("/replicationJobs"), "Microsoft.RecoveryServices/vaults/replicationJobs/read", "`drplan jobs`"),
    row(Get, vault!("/replicationJobs/{job}"), "Microsoft.RecoveryServices/vaults/replicationJobs/read", "follow a job"),
    row(Get, vault!("/replicationVaultHealth"), "Microsoft.RecoveryServices/vaults/replicationVaultHealth/read", "the vault's own health"),
    row(Get, vault!("/replicationRecoveryPlans"), "Microsoft.RecoveryServices/vaults/replicationRecoveryPlans/read", "`drplan import`: name the vault's recovery plans"),
    row(Get, vault!("/replicationRecoveryPlans/{plan}"), "Microsoft.RecoveryServices/vaults/replicationRecoveryPlans/read", "`drplan import`: read a recovery plan"),
    row(Put, vault!("/replicationRecoveryPlans/{plan}"), "Microsoft.RecoveryServices/vaults/replicationRecoveryPlans/write", "`drplan export --apply`: create or update a recovery plan"),
    row(Get, vault!("/operationresults/{operation}"), "Microsoft.RecoveryServices/vaults/replicationJobs/read", "`drplan export --apply`: follow a recovery plan's write to its end"),
    // Automation: runbook hooks.
    row(Put, job!(""), "Microsoft.Automation/automationAccounts/jobs/write", "start a runbook hook's job"),
    row(Get, job!(""), "Microsoft.Automation/automationAccounts/jobs/read", "follow a runbook job"),
    row(Get, job!("/output"), "Microsoft.Automation/automationAccounts/jobs/output/read", "a runbook job's output"),
    row(Get, job!("/streams"), "Microsoft.Automation/automationAccounts/jobs/streams/read", "a failed runbook job's error streams"),
    row(Get, job!("/streams/{stream}"), "Microsoft.Automation/automationAccounts/jobs/streams/read", "a failed runbook job's error text"),
    // Compute: quota, sizes, reservations, placement.
    row(Get, "/subscriptions/{subscription}/providers/Microsoft.Compute/locations/{region}/usages", "Microsoft.Compute/locations/usages/read", "readiness: vCPU quota of a region"),
    row(Get, "/subscriptions/{subscription}/providers/Microsoft.Compute/skus", "Microsoft.Compute/skus/read", "readiness: the VM sizes a region offers"),
    row(Get, compute!("/capacityReservationGroups/{reservations}"), "Microsoft.Compute/capacityReservationGroups/read", "readiness: a capacity reservation group"),
    row(Get, compute!("/capacityReservationGroups/{reservations}/capacityReservations"), "Microsoft.Compute/capacityReservationGroups/capacityReservations/read", "readiness: the reservations of a group"),
    row(Get, compute!("/virtualMachines/{vm}/instanceView"), "Microsoft.Compute/virtualMachines/read", "`failback { order shutdown_reversed }`: whether a VM is stopped"),
    row(Post, compute!("/virtualMachines/{vm}/powerOff"), "Microsoft.Compute/virtualMachines/powerOff/action", "`failback { order shutdown_reversed }`: power a VM off before its failback"),
    row(Get, compute!("/availabilitySets/{set}"), "Microsoft.Compute/availabilitySets/read", "readiness: a target availability set"),
    row(Get, compute!("/proximityPlacementGroups/{placement}"), "Microsoft.Compute/proximityPlacementGroups/read", "readiness: a target proximity placement group"),
    // Network: target references and free addresses.
    row(Get, network!("/virtualNetworks/{network}"), "Microsoft.Network/virtualNetworks/read", "readiness: a target network and its subnets; the test network"),
    row(Get, network!("/virtualNetworks/{network}/checkIPAddressAvailability"), "Microsoft.Network/virtualNetworks/checkIpAddressAvailability/read", "readiness: whether a static IP is free"),
    row(Get, network!("/networkSecurityGroups/{nsg}"), "Microsoft.Network/networkSecurityGroups/read", "readiness: a target NSG"),
    row(Get, network!("/publicIPAddresses/{address}"), "Microsoft.Network/publicIPAddresses/read", "readiness: a target public IP"),
    row(Get, network!("/loadBalancers/{balancer}"), "Microsoft.Network/loadBalancers/read", "readiness: a target load balancer's backend pools"),
    // Resources: the subscription's tenant, resource groups and coverage.
    row(Get, "/subscriptions/{subscription}", "Microsoft.Resources/subscriptions/read", "plans across vaults: the tenant of each vault's subscription"),
    row(Get, group!(""), "Microsoft.Resources/subscriptions/resourceGroups/read", "readiness: a target resource group"),
    row(Get, "/subscriptions/{subscription}/resources", "Microsoft.Resources/subscriptions/resources/read", "coverage: the VMs carrying a tag"),
    row(Get, group!("/resources"), "Microsoft.Resources/subscriptions/resourceGroups/resources/read", "coverage: the VMs of a resource group"),
];

/// The table, in the order above.
pub fn permissions() -> &'static [Permission] {
    PERMISSIONS
}

/// The distinct actions of the table: the custom role's `Actions`.
pub fn actions() -> BTreeSet<&'static str> {
    permissions().iter().map(|p| p.action).collect()
}

/// The row a request matches, `None` for a request drplan never sends.
pub fn permission(method: HttpMethod, path: &str) -> Option<&'static Permission> {
    let path = path.split(['?', '#']).next().unwrap_or(path);
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    permissions()
        .iter()
        .find(|p| p.method == method && matches(p.path, &segments))
}

fn matches(pattern: &str, segments: &[&str]) -> bool {
    let wanted: Vec<&str> = pattern.trim_matches('/').split('/').collect();
    wanted.len() == segments.len()
        && wanted.iter().zip(segments).all(|(w, s)| {
            if w.starts_with('{') {
                !s.is_empty()
            } else {
                w.eq_ignore_ascii_case(s)
            }
        })
}

/// The action a refused request needed: the one ARM's message names
/// (`…does not have authorization to perform action 'X' over scope…`), else
/// the table's for the request, else a description of the request.
pub(crate) fn refused_action(method: &Method, path: &str, arm_message: &str) -> String {
    if let Some(named) = named_action(arm_message) {
        return named.to_owned();
    }
    HttpMethod::of(method)
        .and_then(|m| permission(m, path))
        .map_or_else(
            || format!("the action of {method} {path}"),
            |p| p.action.to_owned(),
        )
}

/// The action ARM's `AuthorizationFailed` message names, when it names a
/// full one (`Provider/type/…/verb`).
fn named_action(message: &str) -> Option<&str> {
    let lower = message.to_ascii_lowercase();
    let at = lower.find("perform action '")? + "perform action '".len();
    let rest = &message[at..];
    let action = &rest[..rest.find('\'')?];
    (action.contains('/') && !action.contains(char::is_whitespace)).then_some(action)
}

#[cfg(test)]
mod tests {
    use super::*;

    const V: &str =
        "/subscriptions/s/resourceGroups/rg/providers/Microsoft.RecoveryServices/vaults/v";

    #[test]
    fn paths_match_their_row_whatever_the_case() {
        let item = format!(
            "{V}/replicationFabrics/f/replicationProtectionContainers/c/replicationProtectedItems/i"
        );
        let action = |m, p: &str| permission(m, p).map(|p| p.action);
        assert_eq!(
            action(Post, &format!("{item}/unplannedFailover")),
            Some(
                "Microsoft.RecoveryServices/vaults/replicationFabrics/replicationProtectionContainers/replicationProtectedItems/unplannedFailover/action"
            )
        );
        assert_eq!(
            action(Patch, &item.to_ascii_lowercase()),
            Some(
                "Microsoft.RecoveryServices/vaults/replicationFabrics/replicationProtectionContainers/replicationProtectedItems/write"
            )
        );
        assert_eq!(
            action(Get, &format!("{V}/replicationJobs/j?api-version=1")),
            Some("Microsoft.RecoveryServices/vaults/replicationJobs/read")
        );
        assert_eq!(
            action(Get, "/subscriptions/s/resourceGroups/rg"),
            Some("Microsoft.Resources/subscriptions/resourceGroups/read")
        );
        assert_eq!(
            action(Get, "/subscriptions/s/resources"),
            Some("Microsoft.Resources/subscriptions/resources/read")
        );
        // Not a request drplan sends: no row.
        assert_eq!(action(Post, &format!("{item}/plannedFailover")), None);
        assert_eq!(action(Put, &item), None);
        assert_eq!(
            action(
                Get,
                "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm"
            ),
            None
        );
    }

    #[test]
    fn every_row_is_its_own_and_no_pattern_shadows_another() {
        for (i, p) in permissions().iter().enumerate() {
            let concrete = p
                .path
                .split('/')
                .map(|s| if s.starts_with('{') { "x" } else { s })
                .collect::<Vec<_>>()
                .join("/");
            let found = permission(p.method, &concrete).unwrap();
            // (method, path) are unique, so equal rows are the same row.
            assert!(
                permissions()
                    .iter()
                    .filter(|q| q.method == p.method && q.path == p.path)
                    .count()
                    == 1
                    && found == &permissions()[i],
                "{} {}",
                p.method,
                p.path
            );
            assert!(!p.action.contains('*'), "{}", p.action);
        }
    }

    #[test]
    fn a_refusal_names_arms_action_else_the_tables() {
        let arm = "The client 'c' with object id 'o' does not have authorization to perform action \
                   'Microsoft.Compute/locations/usages/read' over scope '/subscriptions/s' or the scope is invalid.";
        assert_eq!(
            refused_action(&Method::GET, "/whatever", arm),
            "Microsoft.Compute/locations/usages/read"
        );
        assert_eq!(
            refused_action(
                &Method::GET,
                &format!("{V}/replicationVaultHealth"),
                "does not have authorization to perform action 'read'."
            ),
            "Microsoft.RecoveryServices/vaults/replicationVaultHealth/read"
        );
        assert_eq!(
            refused_action(&Method::DELETE, "/subscriptions/s", "denied"),
            "the action of DELETE /subscriptions/s"
        );
    }
}
