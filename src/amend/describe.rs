//! Step definitions flattened to [`Field`]s: a hook's action and its
//! timeout, retries and `on_error`; a VM's replicated item and target
//! settings, and the plan-wide settings its operation uses. Estimates are
//! left out: they shape the schedule, not what a step does.

use super::compare::{Field, Origin, or_none, quoted};
use crate::graph::Operation;
use crate::plan::{Defaults, Hook, HookAction, MapValue, OnError, Plan, Vm};
use crate::target::{SettingValue, TargetSetting};

/// `abort` or `continue`.
pub(crate) fn on_error(value: OnError) -> &'static str {
    match value {
        OnError::Abort => "abort",
        OnError::Continue => "continue",
    }
}

/// A hook's action and settings. A setting equal to the plan's default is
/// taken as inherited from `defaults`.
pub(crate) fn hook(hook: &Hook, defaults: &Defaults) -> Vec<Field> {
    let mut fields = action(&hook.action);
    let origin = |same: bool| if same { Origin::Defaults } else { Origin::Own };
    let s = &hook.step;
    fields.push(Field::from(
        origin(s.timeout == defaults.timeout),
        "timeout",
        or_none(s.timeout),
    ));
    fields.push(Field::from(
        origin(s.retries == defaults.retries),
        "retries",
        s.retries.to_string(),
    ));
    fields.push(Field::from(
        origin(s.on_error == defaults.on_error),
        "on_error",
        on_error(s.on_error),
    ));
    fields
}

/// What a hook does, setting by setting (its kind is compared before).
fn action(action: &HookAction) -> Vec<Field> {
    match action {
        HookAction::Script { path, args, env } => {
            let mut fields = vec![
                Field::own("path", quoted(path)),
                Field::own("args", format!("{args:?}")),
            ];
            fields.extend(map("env", env));
            fields
        }
        HookAction::Runbook {
            name,
            account,
            params,
        } => {
            let mut fields = vec![
                Field::own("runbook", quoted(name)),
                Field::own("account", quoted(account)),
            ];
            fields.extend(map("param", params));
            fields
        }
        HookAction::Webhook {
            url,
            method,
            headers,
            body,
            expect,
        } => {
            let mut fields = vec![
                Field::own("url", quoted(url)),
                Field::own("method", method.clone()),
            ];
            fields.extend(map("header", headers));
            fields.push(Field::hidden("body", or_none(body.as_deref().map(quoted))));
            fields.push(Field::own(
                "expect",
                expect.map_or_else(|| "any 2xx".to_string(), |e| e.to_string()),
            ));
            fields
        }
        HookAction::Probe {
            url,
            expect,
            every,
            within,
        } => vec![
            Field::own("url", quoted(url)),
            Field::own("expect", expect.to_string()),
            Field::own("every", every.to_string()),
            Field::own("within", within.to_string()),
        ],
        HookAction::Manual { instructions } => {
            vec![Field::own("instructions", quoted(instructions))]
        }
        HookAction::Wait { duration } => vec![Field::own("duration", duration.to_string())],
    }
}

/// One hidden field per entry of a map (`env`, `params`, `headers`).
fn map<'a>(
    what: &'static str,
    entries: impl IntoIterator<Item = (&'a String, &'a MapValue)>,
) -> Vec<Field> {
    entries
        .into_iter()
        .map(|(key, value)| {
            let value = match value {
                MapValue::Literal(text) => quoted(text),
                MapValue::Secret(secret) => secret.to_string(),
            };
            Field::hidden(format!("{what} {}", quoted(key)), value)
        })
        .collect()
}

/// A VM's own definition: its replicated item and target settings.
pub(crate) fn vm_own(vm: &Vm) -> Vec<Field> {
    let mut fields = vec![Field::own("item", or_none(vm.item.as_deref().map(quoted)))];
    for setting in TargetSetting::ALL {
        if let Some(value) = vm.target.get(setting) {
            let shown = match value {
                SettingValue::Text(text) => quoted(&text),
                other => other.to_string(),
            };
            fields.push(Field::own(format!("target {setting}"), shown));
        }
    }
    fields
}

/// The plan-wide settings a VM step of `operation` runs with.
pub(crate) fn vm_inherited(plan: &Plan, operation: Operation) -> Vec<Field> {
    let d = &plan.defaults;
    let mut fields = Vec::new();
    // A reprotect runs as long as ASR takes, whatever `defaults { timeout }` says.
    if operation != Operation::Reprotect {
        fields.push(Field::from(Origin::Defaults, "timeout", or_none(d.timeout)));
    }
    fields.push(Field::from(
        Origin::Defaults,
        "retries",
        d.retries.to_string(),
    ));
    fields.push(Field::from(
        Origin::Defaults,
        "on_error",
        on_error(d.on_error),
    ));
    if matches!(
        operation,
        Operation::Failover | Operation::Failback | Operation::TestFailover
    ) {
        fields.push(Field::from(
            Origin::Failover,
            "recovery_point",
            plan.failover.recovery_point.plan_word(),
        ));
    }
    if matches!(operation, Operation::Failover | Operation::Failback) {
        fields.push(Field::from(
            Origin::Failover,
            "shutdown_source",
            plan.failover.shutdown_source.to_string(),
        ));
    }
    if operation == Operation::TestFailover {
        fields.push(Field::from(
            Origin::TestNetwork,
            "test_network",
            or_none(plan.test_network.as_deref().map(quoted)),
        ));
    }
    fields
}
