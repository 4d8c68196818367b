//! `replicationRecoveryPlans`: list, get, create (PUT with a
//! `CreateRecoveryPlanInput`), update (PATCH with an
//! `UpdateRecoveryPlanInput`) and delete, the writes as ASR's long-running
//! operations (202 with `Location` and `Azure-AsyncOperation`, then the
//! operation's status and its result: the plan, or 204 after a delete).
//!
//! Bodies are checked as the specification describes them (required fields,
//! enums, `instanceType`s) and every item must be one of this vault's (its
//! id below the vault, its name an item the vault serves); a bad body is
//! ARM's 400 `InvalidRequestContent` naming the field. An item may be in one
//! group only, and a plan holds at most seven boot groups *(inferred: ASR's
//! documented limit)*. The fabric and container segments of an item's id are
//! not compared, so Microsoft's examples (fabric `cloud1`) are accepted by a
//! vault that serves their items.
//!
//! Plans are kept in memory, for the emulator's life. Operations end at once:
//! their status is `Succeeded` from the first poll.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};

use axum::http::Method;
use serde_json::{Value, json};

use super::super::Emu;
use super::super::json::{
    StoredPlan, fnv1a, group, guid, page, recovery_plan, with_leading_groups,
};
use super::actions::{bad, properties, request_json};
use super::path::{eq, strip};
use super::reply::{Link, Reply};

/// The most boot groups a plan holds.
const MAX_BOOT_GROUPS: usize = 7;

/// The vault's recovery plans and the operations that wrote them.
#[derive(Debug, Default)]
pub(crate) struct RecoveryPlans {
    /// By lower-case name.
    plans: Mutex<BTreeMap<String, StoredPlan>>,
    /// Operation id to the plan it wrote (`None`: a delete).
    operations: Mutex<BTreeMap<String, (Option<String>, String)>>,
    counter: AtomicU64,
}

impl RecoveryPlans {
    /// Whether `id` is one of the operations here.
    pub(super) fn has_operation(&self, id: &str) -> bool {
        lock(&self.operations).contains_key(id)
    }

    fn record(&self, plan: Option<&str>, now: &str) -> String {
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        let id = guid(fnv1a("recovery-plan-operation"), n);
        lock(&self.operations).insert(
            id.clone(),
            (plan.map(str::to_ascii_lowercase), now.to_owned()),
        );
        id
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Emu {
    /// `GET .../replicationRecoveryPlans`.
    pub(super) fn recovery_plans(&self) -> Reply {
        let values = lock(&self.recovery_plans.plans)
            .values()
            .map(|p| recovery_plan(&self.names, p))
            .collect();
        Reply::ok(page(values, None))
    }

    /// Every method on `.../replicationRecoveryPlans/{name}`.
    pub(super) fn recovery_plan(
        &self,
        method: &Method,
        name: &str,
        body: &[u8],
        link: &Link,
    ) -> Reply {
        let key = name.to_ascii_lowercase();
        let now = self.clock.now().to_string();
        let not_found = || {
            Reply::error(
                404,
                "ResourceNotFound",
                &format!("The recovery plan '{name}' was not found in the vault."),
            )
        };
        match *method {
            Method::GET => lock(&self.recovery_plans.plans)
                .get(&key)
                .map_or_else(not_found, |p| Reply::ok(recovery_plan(&self.names, p))),
            Method::DELETE => {
                if lock(&self.recovery_plans.plans).remove(&key).is_none() {
                    return Reply::empty(204);
                }
                let op = self.recovery_plans.record(None, &now);
                self.plan_accepted(&op, link)
            }
            Method::PUT => {
                let plan = match request_json(body).and_then(|input| self.read_create(name, &input))
                {
                    Ok(plan) => plan,
                    Err(reply) => return reply,
                };
                lock(&self.recovery_plans.plans).insert(key, plan);
                let op = self.recovery_plans.record(Some(name), &now);
                self.plan_accepted(&op, link)
            }
            _ => {
                let groups = match request_json(body).and_then(|input| self.read_update(&input)) {
                    Ok(groups) => groups,
                    Err(reply) => return reply,
                };
                let mut plans = lock(&self.recovery_plans.plans);
                let Some(plan) = plans.get_mut(&key) else {
                    return not_found();
                };
                if let Some(groups) = groups {
                    plan.groups = groups;
                }
                drop(plans);
                let op = self.recovery_plans.record(Some(name), &now);
                self.plan_accepted(&op, link)
            }
        }
    }

    /// The 202 of a recovery plan operation.
    fn plan_accepted(&self, op: &str, link: &Link) -> Reply {
        let vault = &self.names.vault;
        Reply::empty(202)
            .header(
                "Location",
                &format!(
                    "{}{vault}/operationresults/{op}?api-version={}",
                    link.base, link.api
                ),
            )
            .header(
                "Azure-AsyncOperation",
                &format!(
                    "{}{vault}/replicationOperationStatus/{op}?api-version={}",
                    link.base, link.api
                ),
            )
            .header("Retry-After", &self.retry_after_s())
    }

    /// The result of operation `id`: the plan it wrote, or 204.
    pub(super) fn plan_operation_result(&self, id: &str) -> Reply {
        let plan = lock(&self.recovery_plans.operations)
            .get(id)
            .and_then(|(plan, _)| plan.clone());
        match plan.and_then(|key| lock(&self.recovery_plans.plans).get(&key).cloned()) {
            Some(plan) => Reply::ok(recovery_plan(&self.names, &plan)),
            None => Reply::empty(204),
        }
    }

    /// The status of operation `id`: done.
    pub(super) fn plan_operation_status(&self, id: &str) -> Reply {
        let started = lock(&self.recovery_plans.operations)
            .get(id)
            .map(|(_, at)| at.clone())
            .unwrap_or_default();
        Reply::ok(json!({
            "id": format!("{}/replicationOperationStatus/{id}", self.names.vault),
            "name": id,
            "status": "Succeeded",
            "startTime": started,
            "endTime": started,
        }))
    }

    /// A `CreateRecoveryPlanInput`, checked.
    fn read_create(&self, name: &str, input: &Value) -> Result<StoredPlan, Reply> {
        let props = properties(input)?;
        let fabric = |field: &str| {
            props
                .get(field)
                .and_then(Value::as_str)
                .filter(|s| !s.trim().is_empty())
                .map(str::to_owned)
                .ok_or_else(|| {
                    bad(&format!(
                        "`properties.{field}` is required: the fabric's ARM id."
                    ))
                })
        };
        let primary_fabric = fabric("primaryFabricId")?;
        let recovery_fabric = fabric("recoveryFabricId")?;
        let deployment_model = match props.get("failoverDeploymentModel") {
            None | Some(Value::Null) => "NotApplicable".to_owned(),
            Some(v) => one_of(
                v,
                "failoverDeploymentModel",
                &["NotApplicable", "Classic", "ResourceManager"],
            )?,
        };
        if let Some(inputs) = props.get("providerSpecificInput").filter(|v| !v.is_null()) {
            for (i, p) in array(inputs, "providerSpecificInput")?.iter().enumerate() {
                if p.get("instanceType").and_then(Value::as_str).is_none() {
                    return Err(bad(&format!(
                        "`providerSpecificInput[{i}].instanceType` is required (`A2A`)."
                    )));
                }
            }
        }
        let groups = props
            .get("groups")
            .ok_or_else(|| bad("`properties.groups` is required: the plan's groups."))?;
        Ok(StoredPlan {
            name: name.to_owned(),
            primary_fabric,
            recovery_fabric,
            deployment_model,
            groups: self.read_groups(groups)?,
        })
    }

    /// An `UpdateRecoveryPlanInput`, checked: its groups, if it has any.
    fn read_update(&self, input: &Value) -> Result<Option<Vec<Value>>, Reply> {
        let props = match input.get("properties") {
            None | Some(Value::Null) => return Ok(None),
            Some(_) => properties(input)?,
        };
        match props.get("groups") {
            None | Some(Value::Null) => Ok(None),
            Some(groups) => self.read_groups(groups).map(Some),
        }
    }

    /// `groups`, checked, with ASR's leading groups.
    fn read_groups(&self, groups: &Value) -> Result<Vec<Value>, Reply> {
        let mut out = Vec::new();
        let mut seen: Vec<String> = Vec::new();
        for (g, entry) in array(groups, "groups")?.iter().enumerate() {
            let at = format!("groups[{g}]");
            if !entry.is_object() {
                return Err(bad(&format!("`{at}` is an object.")));
            }
            let kind = match entry.get("groupType") {
                None | Some(Value::Null) => {
                    return Err(bad(&format!(
                        "`{at}.groupType` is required (`Shutdown`, `Failover` or `Boot`)."
                    )));
                }
                Some(v) => one_of(
                    v,
                    &format!("{at}.groupType"),
                    &["Shutdown", "Boot", "Failover"],
                )?,
            };
            let mut items = Vec::new();
            for (i, item) in list(entry, "replicationProtectedItems", &at)?
                .iter()
                .enumerate()
            {
                let field = format!("{at}.replicationProtectedItems[{i}]");
                let id = item
                    .get("id")
                    .and_then(Value::as_str)
                    .ok_or_else(|| bad(&format!("`{field}.id` is required: the item's ARM id.")))?;
                let name = self.item_in_vault(id).ok_or_else(|| {
                    bad(&format!(
                        "`{field}.id` `{id}` is not a replication protected item of this vault ({}).",
                        self.names.vault
                    ))
                })?;
                if seen.contains(&name) {
                    return Err(bad(&format!(
                        "`{field}`: the item `{id}` is already in another group; an item belongs to one group."
                    )));
                }
                seen.push(name);
                let mut kept = json!({"id": id});
                if let Some(vm) = item.get("virtualMachineId").filter(|v| !v.is_null()) {
                    let vm = vm
                        .as_str()
                        .ok_or_else(|| bad(&format!("`{field}.virtualMachineId` is a string.")))?;
                    kept["virtualMachineId"] = json!(vm);
                }
                items.push(kept);
            }
            let start = actions(
                list(entry, "startGroupActions", &at)?,
                &format!("{at}.startGroupActions"),
            )?;
            let end = actions(
                list(entry, "endGroupActions", &at)?,
                &format!("{at}.endGroupActions"),
            )?;
            out.push(group(&kind, &Value::Array(items), &start, &end));
        }
        let boot = out.iter().filter(|g| g["groupType"] == "Boot").count();
        if boot > MAX_BOOT_GROUPS {
            return Err(bad(&format!(
                "The plan has {boot} boot groups; a recovery plan holds at most {MAX_BOOT_GROUPS}."
            )));
        }
        Ok(with_leading_groups(out))
    }

    /// The name of the vault item `id` names, when it is one.
    fn item_in_vault(&self, id: &str) -> Option<String> {
        let segments: Vec<&str> = id.trim_matches('/').split('/').collect();
        let rest = strip(&segments, &self.names.vault)?;
        match rest {
            [f, _, c, _, i, name]
                if eq(f, "replicationFabrics")
                    && eq(c, "replicationProtectionContainers")
                    && eq(i, "replicationProtectedItems") =>
            {
                self.items
                    .iter()
                    .find(|it| eq(&it.name, name))
                    .map(|it| it.name.to_ascii_lowercase())
            }
            _ => None,
        }
    }
}

/// A list field of a group (none when absent).
fn list<'a>(entry: &'a Value, field: &str, at: &str) -> Result<&'a [Value], Reply> {
    match entry.get(field) {
        None | Some(Value::Null) => Ok(&[]),
        Some(v) => array(v, &format!("{at}.{field}")),
    }
}

fn array<'a>(v: &'a Value, field: &str) -> Result<&'a [Value], Reply> {
    v.as_array()
        .map(Vec::as_slice)
        .ok_or_else(|| bad(&format!("`{field}` is a list.")))
}

/// A string among `allowed`, compared as ASR's enums are (ignoring case),
/// given back as the specification spells it.
fn one_of(v: &Value, field: &str, allowed: &[&str]) -> Result<String, Reply> {
    let text = v
        .as_str()
        .ok_or_else(|| bad(&format!("`{field}` is a string.")))?;
    allowed
        .iter()
        .find(|a| a.eq_ignore_ascii_case(text))
        .map(|a| (*a).to_owned())
        .ok_or_else(|| {
            bad(&format!(
                "`{field}` `{text}` is not one of {}.",
                allowed.join(", ")
            ))
        })
}

const FAILOVER_TYPES: [&str; 14] = [
    "ReverseReplicate",
    "Commit",
    "PlannedFailover",
    "UnplannedFailover",
    "DisableProtection",
    "TestFailover",
    "TestFailoverCleanup",
    "Failback",
    "FinalizeFailback",
    "CancelFailover",
    "ChangePit",
    "RepairReplication",
    "SwitchProtection",
    "CompleteMigration",
];

/// A group's actions, checked.
fn actions(entries: &[Value], at: &str) -> Result<Value, Reply> {
    let mut out = Vec::new();
    for (n, action) in entries.iter().enumerate() {
        let at = format!("{at}[{n}]");
        let required = |field: &str| {
            action
                .get(field)
                .filter(|v| !v.is_null())
                .ok_or_else(|| bad(&format!("`{at}.{field}` is required.")))
        };
        let name = required("actionName")?
            .as_str()
            .ok_or_else(|| bad(&format!("`{at}.actionName` is a string.")))?;
        let mut types = Vec::new();
        for t in array(required("failoverTypes")?, &format!("{at}.failoverTypes"))? {
            types.push(one_of(t, &format!("{at}.failoverTypes"), &FAILOVER_TYPES)?);
        }
        let mut directions = Vec::new();
        for d in array(
            required("failoverDirections")?,
            &format!("{at}.failoverDirections"),
        )? {
            directions.push(one_of(
                d,
                &format!("{at}.failoverDirections"),
                &["PrimaryToRecovery", "RecoveryToPrimary"],
            )?);
        }
        let details = required("customDetails")?;
        let field = format!("{at}.customDetails");
        let kind = match details.get("instanceType") {
            Some(v) if !v.is_null() => one_of(
                v,
                &format!("{field}.instanceType"),
                &[
                    "AutomationRunbookActionDetails",
                    "ManualActionDetails",
                    "ScriptActionDetails",
                ],
            )?,
            _ => {
                return Err(bad(&format!(
                    "`{field}.instanceType` is required (`AutomationRunbookActionDetails`, `ManualActionDetails` or `ScriptActionDetails`)."
                )));
            }
        };
        let location = || match details.get("fabricLocation") {
            Some(v) if !v.is_null() => one_of(
                v,
                &format!("{field}.fabricLocation"),
                &["Primary", "Recovery"],
            ),
            _ => Err(bad(&format!(
                "`{field}.fabricLocation` is required (`Primary` or `Recovery`)."
            ))),
        };
        let text = |f: &str| -> Result<Option<String>, Reply> {
            match details.get(f) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) => Ok(Some(s.clone())),
                Some(_) => Err(bad(&format!("`{field}.{f}` is a string."))),
            }
        };
        let mut custom = json!({"instanceType": kind});
        match kind.as_str() {
            "AutomationRunbookActionDetails" => {
                custom["fabricLocation"] = json!(location()?);
                for f in ["runbookId", "timeout"] {
                    if let Some(v) = text(f)? {
                        custom[f] = json!(v);
                    }
                }
            }
            "ScriptActionDetails" => {
                custom["fabricLocation"] = json!(location()?);
                let path =
                    text("path")?.ok_or_else(|| bad(&format!("`{field}.path` is required.")))?;
                custom["path"] = json!(path);
                if let Some(v) = text("timeout")? {
                    custom["timeout"] = json!(v);
                }
            }
            _ => {
                if let Some(v) = text("description")? {
                    custom["description"] = json!(v);
                }
            }
        }
        out.push(json!({
            "actionName": name,
            "customDetails": custom,
            "failoverDirections": directions,
            "failoverTypes": types,
        }));
    }
    Ok(Value::Array(out))
}
