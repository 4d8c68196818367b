//! The settings of `before`/`after` blocks and of each hook kind, with the
//! step settings every hook takes.

use super::{ANY_DURATION, NO_ZERO, NONE, repeated, s};
use super::{BlockKind, BlockRule, METHODS, ON_ERROR, SettingSpec, ValueType};

pub(super) const HOOKS: &[SettingSpec] = &[
    repeated(s(
        "script",
        ValueType::Str,
        BlockRule::Optional(BlockKind::Script),
        "Runs a local executable (path relative to the plan) with arguments as given, never through a shell.",
        None,
        "script \"hooks/check.sh\" { args [\"--fast\"] }",
    )),
    repeated(s(
        "runbook",
        ValueType::Name,
        BlockRule::Required(BlockKind::Runbook),
        "Starts an Azure Automation runbook job and waits for it.",
        None,
        "runbook \"Drain-AppServers\" { account \"/subscriptions/…/providers/Microsoft.Automation/automationAccounts/aa-dr\" }",
    )),
    repeated(s(
        "webhook",
        ValueType::Str,
        BlockRule::Optional(BlockKind::Webhook),
        "Sends one HTTP request (https, except to loopback).",
        None,
        "webhook \"https://example.com/hook\" { method POST  expect 200 }",
    )),
    repeated(s(
        "probe",
        ValueType::Str,
        BlockRule::Optional(BlockKind::Probe),
        "Polls a URL until it answers as expected: a readiness gate.",
        None,
        "probe \"https://example.com/health\" { expect 200  within 10m }",
    )),
    repeated(s(
        "manual",
        ValueType::Str,
        BlockRule::Optional(BlockKind::Manual),
        "Pauses until an operator approves (prompt, `--yes`, or `drplan approve`).",
        None,
        "manual \"Confirm the listener answers\"",
    )),
    repeated(s(
        "wait",
        ANY_DURATION,
        BlockRule::Optional(BlockKind::Wait),
        "Sleeps.",
        None,
        "wait 2m",
    )),
];

const STEP: [SettingSpec; 4] = [
    s(
        "timeout",
        NO_ZERO,
        NONE,
        "How long one attempt of the step may run.",
        Some("the plan's `defaults.timeout`, else none"),
        "timeout 5m",
    ),
    s(
        "retries",
        ValueType::Integer { min: 0, max: 100 },
        NONE,
        "How many times the step is tried again after a failure.",
        Some("the plan's `defaults.retries`, else 0"),
        "retries 3",
    ),
    s(
        "on_error",
        ValueType::Enum(ON_ERROR),
        NONE,
        "Whether a failure aborts the run or lets it continue.",
        Some("the plan's `defaults.on_error`, else abort"),
        "on_error continue",
    ),
    s(
        "estimate",
        ANY_DURATION,
        NONE,
        "The step's estimated duration, for dry runs and the RTO check.",
        Some(
            "per hook kind: script 1m, runbook 5m, webhook 10s, probe 1m, manual 5m, wait its duration",
        ),
        "estimate 2m",
    ),
];

const fn with_step<const N: usize, const M: usize>(own: [SettingSpec; N]) -> [SettingSpec; M] {
    let mut out = [STEP[0]; M];
    let mut i = 0;
    while i < N {
        out[i] = own[i];
        i += 1;
    }
    let mut j = 0;
    while j < STEP.len() {
        out[N + j] = STEP[j];
        j += 1;
    }
    out
}

pub(super) const SCRIPT: [SettingSpec; 6] = with_step([
    s(
        "args",
        ValueType::StringList,
        NONE,
        "The arguments, passed as given (no shell).",
        Some("none"),
        "args [\"--listener\", \"sql-ag\"]",
    ),
    s(
        "env",
        ValueType::Nothing,
        BlockRule::Required(BlockKind::Map),
        "Extra environment variables; values may be `env(\"NAME\")` secrets.",
        None,
        "env { REGION = \"northeurope\" }",
    ),
]);

pub(super) const RUNBOOK: [SettingSpec; 6] = with_step([
    s(
        "account",
        ValueType::Str,
        NONE,
        "The ARM id of the Automation account that holds the runbook.",
        None,
        "account \"/subscriptions/…/resourceGroups/rg-ops/providers/Microsoft.Automation/automationAccounts/aa-dr\"",
    ),
    s(
        "params",
        ValueType::Nothing,
        BlockRule::Required(BlockKind::Map),
        "The runbook's parameters (strings).",
        Some("the run's context as `RecoveryPlanContext`"),
        "params { Mode = \"drain\" }",
    ),
]);

pub(super) const WEBHOOK: [SettingSpec; 8] = with_step([
    s(
        "method",
        ValueType::Enum(METHODS),
        NONE,
        "The HTTP method.",
        Some("POST"),
        "method POST",
    ),
    s(
        "headers",
        ValueType::Nothing,
        BlockRule::Required(BlockKind::Map),
        "Request headers; values may be `env(\"NAME\")` secrets.",
        None,
        "headers { Authorization = env(\"TOKEN\") }",
    ),
    s(
        "body",
        ValueType::Str,
        NONE,
        "The JSON body.",
        Some("the run's context as JSON"),
        "body \"{\\\"swap\\\": true}\"",
    ),
    s(
        "expect",
        ValueType::Integer { min: 100, max: 599 },
        NONE,
        "The status code that means success.",
        Some("any 2xx"),
        "expect 200",
    ),
]);

pub(super) const PROBE: [SettingSpec; 7] = with_step([
    s(
        "expect",
        ValueType::Integer { min: 100, max: 599 },
        NONE,
        "The status code that means ready.",
        Some("200"),
        "expect 200",
    ),
    s(
        "every",
        NO_ZERO,
        NONE,
        "How often to poll.",
        Some("15s"),
        "every 15s",
    ),
    s(
        "within",
        NO_ZERO,
        NONE,
        "How long to keep polling before the probe fails.",
        Some("10m"),
        "within 10m",
    ),
]);

pub(super) const MANUAL: [SettingSpec; 4] = STEP;
pub(super) const WAIT: [SettingSpec; 4] = STEP;
