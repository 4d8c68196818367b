//! What a request's path names: the path in, a [`Route`] (or ARM's 404
//! message) out: the vault's ASR resources, the runbook accounts' jobs, or
//! the Compute, Network and Resources APIs ([`ArmRoute`]). ARM paths are
//! case-insensitive, so every segment is compared ignoring case. When the
//! emulator serves several vaults, [`candidates`] first chooses the vault a path
//! is for.

use std::sync::Arc;

use axum::http::Method;

use super::super::Emu;
use super::super::arm::ArmRoute;
use crate::provider::Location;

/// What a path names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Route {
    Items,
    Item(usize),
    Action(usize, Action),
    RecoveryPoints(usize),
    RecoveryPoint(usize, String),
    Jobs,
    Job(String),
    VaultHealth,
    Events,
    OperationResult(String),
    OperationStatus(String),
    /// `replicationRecoveryPlans`.
    RecoveryPlans,
    /// `replicationRecoveryPlans/{name}`.
    RecoveryPlan(String),
    AutomationJob(usize, String),
    AutomationOutput(usize, String),
    AutomationStreams(usize, String),
    AutomationStream(usize, String, String),
    /// The Compute, Network and Resources APIs.
    Arm(ArmRoute),
}

/// The item actions, by their path segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Action {
    UnplannedFailover,
    PlannedFailover,
    TestFailover,
    TestFailoverCleanup,
    FailoverCommit,
    FailoverCancel,
    ReProtect,
}

impl Action {
    const ALL: [(Action, &'static str); 7] = [
        (Action::UnplannedFailover, "unplannedFailover"),
        (Action::PlannedFailover, "plannedFailover"),
        (Action::TestFailover, "testFailover"),
        (Action::TestFailoverCleanup, "testFailoverCleanup"),
        (Action::FailoverCommit, "failoverCommit"),
        (Action::FailoverCancel, "failoverCancel"),
        (Action::ReProtect, "reProtect"),
    ];

    /// Its path segment, which also names its RBAC action.
    pub(super) fn segment(self) -> &'static str {
        Action::ALL
            .iter()
            .find(|(a, _)| *a == self)
            .map_or("", |(_, name)| name)
    }

    pub(super) fn parse(segment: &str) -> Option<Action> {
        Action::ALL
            .iter()
            .find(|(_, name)| name.eq_ignore_ascii_case(segment))
            .map(|(a, _)| *a)
    }
}

impl Route {
    pub(super) fn methods(&self) -> &'static [Method] {
        match self {
            Route::Action(..) => &[Method::POST],
            Route::Item(_) => &[Method::GET, Method::PATCH],
            Route::AutomationJob(..) => &[Method::GET, Method::PUT],
            Route::RecoveryPlan(_) => &[Method::GET, Method::PUT, Method::PATCH, Method::DELETE],
            Route::Arm(arm) => arm.methods(),
            _ => &[Method::GET],
        }
    }

    pub(super) fn is_automation(&self) -> bool {
        matches!(
            self,
            Route::AutomationJob(..)
                | Route::AutomationOutput(..)
                | Route::AutomationStreams(..)
                | Route::AutomationStream(..)
        )
    }
}

/// Whether `segments` start with the ARM id `id`'s segments, ignoring case;
/// the rest when they do.
pub(super) fn strip<'a, 'b>(segments: &'b [&'a str], id: &str) -> Option<&'b [&'a str]> {
    let prefix: Vec<&str> = id.trim_matches('/').split('/').collect();
    if segments.len() < prefix.len() {
        return None;
    }
    let (head, rest) = segments.split_at(prefix.len());
    head.iter()
        .zip(&prefix)
        .all(|(a, b)| a.eq_ignore_ascii_case(b))
        .then_some(rest)
}

pub(super) fn eq(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
}

/// The vaults that may answer a request, in the order to ask them: the one
/// whose ARM id (or one of whose runbook accounts) the path starts with,
/// alone; else (the subscription reads) the vaults of the path's
/// subscription, then the others, since each vault's rehearsal world holds
/// its own resources and a 404 from one is not the last word.
pub(super) fn candidates<'v>(vaults: &'v [Arc<Emu>], path: &str) -> Vec<&'v Arc<Emu>> {
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    let owns = |emu: &&Arc<Emu>| {
        strip(&segments, &emu.names.vault).is_some()
            || emu
                .automation
                .accounts()
                .iter()
                .any(|a| strip(&segments, &a.id).is_some())
    };
    if let Some(owner) = vaults.iter().find(owns) {
        return vec![owner];
    }
    let of_subscription = |emu: &Arc<Emu>| match segments.as_slice() {
        [root, subscription, ..] if eq(root, "subscriptions") => {
            eq(subscription, &emu.names.subscription)
        }
        _ => false,
    };
    let (mut first, rest): (Vec<_>, Vec<_>) = vaults.iter().partition(|e| of_subscription(e));
    first.extend(rest);
    first
}

impl Emu {
    pub(super) fn route(&self, path: &str) -> Result<Route, String> {
        let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
        let not_found = || format!("The resource path '{path}' was not found.");
        if let Some(rest) = strip(&segments, &self.names.vault) {
            return self.vault_route(rest).ok_or_else(not_found)?;
        }
        for (i, account) in self.automation.accounts().iter().enumerate() {
            if let Some(rest) = strip(&segments, &account.id) {
                let owned = |s: &str| s.to_owned();
                return match rest {
                    [j, name] if eq(j, "jobs") => Ok(Route::AutomationJob(i, owned(name))),
                    [j, name, o] if eq(j, "jobs") && eq(o, "output") => {
                        Ok(Route::AutomationOutput(i, owned(name)))
                    }
                    [j, name, s] if eq(j, "jobs") && eq(s, "streams") => {
                        Ok(Route::AutomationStreams(i, owned(name)))
                    }
                    [j, name, s, id] if eq(j, "jobs") && eq(s, "streams") => {
                        Ok(Route::AutomationStream(i, owned(name), owned(id)))
                    }
                    _ => Err(not_found()),
                };
            }
        }
        ArmRoute::parse(path).map(Route::Arm).ok_or_else(not_found)
    }

    /// A path below the vault; `Some(Err)` names an unknown item.
    pub(super) fn vault_route(&self, rest: &[&str]) -> Option<Result<Route, String>> {
        let route = match rest {
            [p] if eq(p, "replicationProtectedItems") => Route::Items,
            [j] if eq(j, "replicationJobs") => Route::Jobs,
            [j, id] if eq(j, "replicationJobs") => Route::Job(id.to_ascii_lowercase()),
            [h] if eq(h, "replicationVaultHealth") => Route::VaultHealth,
            [r] if eq(r, "replicationRecoveryPlans") => Route::RecoveryPlans,
            [r, name] if eq(r, "replicationRecoveryPlans") => {
                Route::RecoveryPlan((*name).to_owned())
            }
            [e] if eq(e, "replicationEvents") => Route::Events,
            [o, id] if eq(o, "operationresults") => Route::OperationResult(id.to_ascii_lowercase()),
            [o, id] if eq(o, "replicationOperationStatus") => {
                Route::OperationStatus(id.to_ascii_lowercase())
            }
            [fabrics, fabric, containers, container, items, rest @ ..]
                if eq(fabrics, "replicationFabrics")
                    && eq(containers, "replicationProtectionContainers")
                    && eq(items, "replicationProtectedItems")
                    && eq(fabric, &self.names.fabric(Location::Primary))
                    && eq(container, &self.names.container(Location::Primary)) =>
            {
                if rest.is_empty() {
                    return Some(Ok(Route::Items));
                }
                let name = rest[0];
                let Some(index) = self.items.iter().position(|it| eq(&it.name, name)) else {
                    return Some(Err(format!(
                        "The replication protected item '{name}' was not found in the vault."
                    )));
                };
                match &rest[1..] {
                    [] => Route::Item(index),
                    [points] if eq(points, "recoveryPoints") => Route::RecoveryPoints(index),
                    [points, id] if eq(points, "recoveryPoints") => {
                        Route::RecoveryPoint(index, (*id).to_owned())
                    }
                    [action] => Route::Action(index, Action::parse(action)?),
                    _ => return None,
                }
            }
            _ => return None,
        };
        Some(Ok(route))
    }
}
