//! The run's facts every hook receives, and secret resolution: a
//! [`HookContext`] in, the same facts out as `DRPLAN_*` environment variables
//! (scripts), a JSON object (webhooks) or an ASR `RecoveryPlanContext`
//! (runbooks); a plan map with `env("NAME")` values in, resolved strings and
//! a [`Redactor`] for those values out.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::graph::Operation;
use crate::plan::MapValue;

use super::HookError;
use super::output::Redactor;

/// `DRPLAN_DIRECTION` of a failover, test failover (and any operation but failback).
pub const PRIMARY_TO_RECOVERY: &str = "primary_to_recovery";
/// `DRPLAN_DIRECTION` of a failback.
pub const RECOVERY_TO_PRIMARY: &str = "recovery_to_primary";

/// The run's facts, the same for every hook kind.
#[derive(Debug, Clone, PartialEq)]
pub struct HookContext {
    /// The run's id.
    pub run_id: String,
    /// The plan's name.
    pub plan: String,
    /// The operation being run.
    pub operation: Operation,
    /// [`PRIMARY_TO_RECOVERY`] or [`RECOVERY_TO_PRIMARY`]; see [`direction`].
    pub direction: &'static str,
    /// The hook's group.
    pub group: String,
    /// The group's VMs, by their plan names.
    pub vms: Vec<String>,
    /// The hook's group's primary region (its own, else the plan's); the
    /// plan's for the plan's own hooks.
    pub primary: String,
    /// The hook's group's recovery region, likewise.
    pub recovery: String,
    /// The step id, e.g. `hook:db/after/1`.
    pub step: String,
    /// The plan file's directory: script paths resolve relative to it and
    /// scripts run in it.
    pub plan_dir: PathBuf,
    /// 1.0 normally; a simulated vault divides `wait` durations by its speed.
    pub wait_scale: f64,
    /// Every `env("NAME")` the plan uses: scripts inherit the environment,
    /// so any hook's output may show any of them, and all are redacted.
    pub secret_names: Vec<String>,
    /// Where scripts take their leases (see [`super::lease`]), so that a
    /// resume can tell whether an earlier copy still runs; none in tests
    /// and for stores without a local folder.
    pub lease_dir: Option<PathBuf>,
    /// The steps whose failure failed the run (or that were still running
    /// when it was interrupted): set for the plan's `on_failure` hooks only.
    pub failed_steps: Vec<String>,
}

/// The direction of an operation, as hooks see it: failback runs from the
/// recovery region back to the primary, everything else away from the primary.
pub fn direction(operation: Operation) -> &'static str {
    match operation {
        Operation::Failback => RECOVERY_TO_PRIMARY,
        Operation::Failover
        | Operation::Commit
        | Operation::Reprotect
        | Operation::TestFailover
        | Operation::TestCleanup
        | Operation::Configure => PRIMARY_TO_RECOVERY,
    }
}

impl HookContext {
    /// The `DRPLAN_*` environment variables of a script, in a fixed order.
    pub fn env_vars(&self) -> Vec<(&'static str, String)> {
        let mut vars = vec![
            ("DRPLAN_RUN_ID", self.run_id.clone()),
            ("DRPLAN_PLAN", self.plan.clone()),
            ("DRPLAN_OPERATION", self.operation.as_str().to_owned()),
            ("DRPLAN_DIRECTION", self.direction.to_owned()),
            ("DRPLAN_GROUP", self.group.clone()),
            ("DRPLAN_VMS", self.vms.join(",")),
            ("DRPLAN_PRIMARY", self.primary.clone()),
            ("DRPLAN_RECOVERY", self.recovery.clone()),
            ("DRPLAN_STEP", self.step.clone()),
        ];
        // Only `on_failure` hooks have failed steps to tell of.
        if !self.failed_steps.is_empty() {
            vars.push(("DRPLAN_FAILED_STEPS", self.failed_steps.join(",")));
        }
        vars
    }

    /// The same facts as a JSON object: a webhook's default body.
    pub fn to_json(&self) -> serde_json::Value {
        let mut json = serde_json::json!({
            "run_id": self.run_id,
            "plan": self.plan,
            "operation": self.operation.as_str(),
            "direction": self.direction,
            "group": self.group,
            "vms": self.vms,
            "primary": self.primary,
            "recovery": self.recovery,
            "step": self.step,
        });
        // Only `on_failure` hooks have failed steps to tell of; other
        // hooks' bodies stay as they were.
        if !self.failed_steps.is_empty()
            && let Some(map) = json.as_object_mut()
        {
            map.insert("failed_steps".into(), self.failed_steps.clone().into());
        }
        json
    }

    /// The ASR `RecoveryPlanContext` a runbook written for recovery plans
    /// expects (spec: asr-model.md "Runbook hooks"), so that such runbooks
    /// run unchanged. Only what drplan knows is filled in: a VM's entry holds
    /// its `RoleName`.
    pub fn recovery_plan_context(&self) -> serde_json::Value {
        let failover_type = match self.operation {
            Operation::TestFailover | Operation::TestCleanup => "Test",
            Operation::Failover
            | Operation::Commit
            | Operation::Reprotect
            | Operation::Failback
            | Operation::Configure => "Unplanned",
        };
        let direction = if self.direction == RECOVERY_TO_PRIMARY {
            "SecondaryToPrimary"
        } else {
            "PrimaryToSecondary"
        };
        let vm_map: serde_json::Map<String, serde_json::Value> = self
            .vms
            .iter()
            .map(|vm| (vm.clone(), serde_json::json!({ "RoleName": vm })))
            .collect();
        serde_json::json!({
            "RecoveryPlanName": self.plan,
            "FailoverType": failover_type,
            "FailoverDirection": direction,
            "GroupId": self.group,
            "VmMap": vm_map,
        })
    }
}

/// Where `env("NAME")` values come from at run time.
pub trait Secrets: Send + Sync {
    /// The value of the variable `name`, or `None` when it is not set.
    fn get(&self, name: &str) -> Option<String>;
}

/// Secrets from the process environment: what `drplan run` uses.
#[derive(Debug, Clone, Copy, Default)]
pub struct ProcessEnv;

impl Secrets for ProcessEnv {
    fn get(&self, name: &str) -> Option<String> {
        // A value that is not Unicode cannot go into a header or parameter;
        // treating it as unset gives the clear "not set" error.
        std::env::var(name).ok()
    }
}

/// Secrets from a fixed map: for tests and embedders that must not touch the
/// process environment.
#[derive(Debug, Clone, Default)]
pub struct MapSecrets(pub BTreeMap<String, String>);

impl Secrets for MapSecrets {
    fn get(&self, name: &str) -> Option<String> {
        self.0.get(name).cloned()
    }
}

/// Resolves a plan map (`env { }`, `headers { }`, `params { }`): literals as
/// written, secrets read now. Every secret value read is added to `redactor`.
/// `what` names the map in errors ("script env", "webhook headers").
pub(super) fn resolve_map(
    map: &BTreeMap<String, MapValue>,
    secrets: &dyn Secrets,
    what: &str,
    redactor: &mut Redactor,
) -> Result<Vec<(String, String)>, HookError> {
    let mut resolved = Vec::with_capacity(map.len());
    for (key, value) in map {
        let text = match value {
            MapValue::Literal(text) => text.clone(),
            MapValue::Secret(secret) => {
                let Some(text) = secrets.get(&secret.name) else {
                    return Err(HookError::new(format!(
                        "{what} `{key}` reads the environment variable `{}`, which is not set",
                        secret.name
                    )));
                };
                redactor.add(&text);
                text
            }
        };
        resolved.push((key.clone(), text));
    }
    Ok(resolved)
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::plan::Secret;

    /// A context as the executor would build it for `hook:db/after/1`.
    pub(in crate::hooks) fn context(plan_dir: PathBuf) -> HookContext {
        HookContext {
            run_id: "20260101-000000-abcd".into(),
            plan: "contoso-web".into(),
            operation: Operation::Failover,
            direction: direction(Operation::Failover),
            group: "db".into(),
            vms: vec!["sql-01".into(), "sql-02".into()],
            primary: "westeurope".into(),
            recovery: "northeurope".into(),
            step: "hook:db/after/1".into(),
            plan_dir,
            wait_scale: 1.0,
            secret_names: Vec::new(),
            lease_dir: None,
            failed_steps: Vec::new(),
        }
    }

    /// Secrets from a list of pairs.
    pub(in crate::hooks) fn secrets(pairs: &[(&str, &str)]) -> MapSecrets {
        MapSecrets(
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        )
    }

    #[test]
    fn failed_steps_reach_on_failure_hooks_only() {
        let mut ctx = context(PathBuf::from("."));
        let has = |ctx: &HookContext| {
            let env = ctx
                .env_vars()
                .iter()
                .any(|(k, _)| *k == "DRPLAN_FAILED_STEPS");
            (env, ctx.to_json().get("failed_steps").is_some())
        };
        assert_eq!(has(&ctx), (false, false));
        ctx.failed_steps = vec!["vm:db/sql-01".into(), "hook:db/after/1".into()];
        assert_eq!(has(&ctx), (true, true));
        let vars: BTreeMap<_, _> = ctx.env_vars().into_iter().collect();
        assert_eq!(vars["DRPLAN_FAILED_STEPS"], "vm:db/sql-01,hook:db/after/1");
        assert_eq!(
            ctx.to_json()["failed_steps"],
            serde_json::json!(["vm:db/sql-01", "hook:db/after/1"])
        );
    }

    #[test]
    fn env_vars_carry_every_fact() {
        let ctx = context(PathBuf::from("/plans"));
        let vars: BTreeMap<_, _> = ctx.env_vars().into_iter().collect();
        assert_eq!(vars["DRPLAN_VMS"], "sql-01,sql-02");
        assert_eq!(vars["DRPLAN_OPERATION"], "failover");
        assert_eq!(vars["DRPLAN_DIRECTION"], "primary_to_recovery");
        assert_eq!(vars["DRPLAN_STEP"], "hook:db/after/1");
        assert_eq!(vars.len(), 9);
    }

    #[test]
    fn failback_runs_recovery_to_primary() {
        assert_eq!(direction(Operation::Failback), RECOVERY_TO_PRIMARY);
        assert_eq!(direction(Operation::TestFailover), PRIMARY_TO_RECOVERY);
    }

    #[test]
    fn a_missing_secret_names_the_variable() {
        let map = BTreeMap::from([
            ("USER".to_owned(), MapValue::Literal("admin".into())),
            (
                "PASS".to_owned(),
                MapValue::Secret(Secret {
                    name: "DB_PASS".into(),
                }),
            ),
        ]);
        let mut redactor = Redactor::default();
        let err = resolve_map(&map, &secrets(&[]), "script env", &mut redactor).unwrap_err();
        assert_eq!(
            err.message,
            "script env `PASS` reads the environment variable `DB_PASS`, which is not set"
        );
        let resolved = resolve_map(
            &map,
            &secrets(&[("DB_PASS", "s3cret-pass")]),
            "script env",
            &mut redactor,
        )
        .unwrap();
        assert_eq!(
            resolved,
            vec![
                ("PASS".to_owned(), "s3cret-pass".to_owned()),
                ("USER".to_owned(), "admin".to_owned())
            ]
        );
        assert_eq!(redactor.redact("pw=s3cret-pass"), "pw=***");
    }
}
