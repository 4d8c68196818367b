//! The language's vocabulary: which settings exist in which block, what values
//! and blocks they take, their defaults and what they do. The single source of
//! truth for the checker, the language server and the editor grammars' tests.

/// The kinds of block, by what they configure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BlockKind {
    /// The top level of a file.
    File,
    /// `plan NAME { … }`.
    Plan,
    /// `objectives { … }`.
    Objectives,
    /// `defaults { … }`.
    Defaults,
    /// `failover { … }`.
    Failover,
    /// `test { … }`.
    Test,
    /// `group NAME { … }`.
    Group,
    /// `vm NAME { … }`.
    Vm,
    /// `before PHASE { … }` / `after PHASE { … }`: a list of hooks.
    Hooks,
    /// `script "…" { … }`.
    Script,
    /// `runbook "…" { … }`.
    Runbook,
    /// `webhook "…" { … }`.
    Webhook,
    /// `probe "…" { … }`.
    Probe,
    /// `manual "…" { … }`.
    Manual,
    /// `wait 5m { … }`.
    Wait,
    /// `env { … }`, `params { … }`, `headers { … }`: `KEY = value` entries.
    Map,
}

impl BlockKind {
    /// How messages name this very block: "this `defaults` block".
    pub fn this(self) -> &'static str {
        match self {
            BlockKind::File => "this file",
            BlockKind::Plan => "this `plan` block",
            BlockKind::Objectives => "this `objectives` block",
            BlockKind::Defaults => "this `defaults` block",
            BlockKind::Failover => "this `failover` block",
            BlockKind::Test => "this `test` block",
            BlockKind::Group => "this group",
            BlockKind::Vm => "this `vm` block",
            BlockKind::Hooks => "this hook block",
            BlockKind::Script
            | BlockKind::Runbook
            | BlockKind::Webhook
            | BlockKind::Probe
            | BlockKind::Manual
            | BlockKind::Wait => "this hook",
            BlockKind::Map => "this map",
        }
    }

    /// How messages name the block: "a `defaults` block".
    pub fn describe(self) -> &'static str {
        match self {
            BlockKind::File => "the top level of the file",
            BlockKind::Plan => "a `plan` block",
            BlockKind::Objectives => "an `objectives` block",
            BlockKind::Defaults => "a `defaults` block",
            BlockKind::Failover => "a `failover` block",
            BlockKind::Test => "a `test` block",
            BlockKind::Group => "a `group` block",
            BlockKind::Vm => "a `vm` block",
            BlockKind::Hooks => "a `before`/`after` block",
            BlockKind::Script => "a `script` hook",
            BlockKind::Runbook => "a `runbook` hook",
            BlockKind::Webhook => "a `webhook` hook",
            BlockKind::Probe => "a `probe` hook",
            BlockKind::Manual => "a `manual` hook",
            BlockKind::Wait => "a `wait` hook",
            BlockKind::Map => "a map",
        }
    }
}

/// What a setting's values are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueType {
    /// No value: only a block.
    Nothing,
    /// A name (identifier or string).
    Name,
    /// One or more names, comma-separated.
    Names,
    /// A string.
    Str,
    /// A duration; `zero` says whether `0s` is allowed.
    Duration {
        /// Whether zero is allowed (it is not where the duration bounds work).
        zero: bool,
    },
    /// A non-negative integer within bounds.
    Integer {
        /// Smallest allowed.
        min: u64,
        /// Largest allowed.
        max: u64,
    },
    /// `true` or `false`.
    Bool,
    /// One of the listed words.
    Enum(&'static [&'static str]),
    /// One or more of the listed words, comma-separated.
    EnumList(&'static [&'static str]),
    /// `["a", "b"]`.
    StringList,
    /// A string, or the word `simulator`.
    Vault,
}

/// Whether a setting has a `{ … }` block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlockRule {
    /// Never.
    None,
    /// Always.
    Required(BlockKind),
    /// Optionally.
    Optional(BlockKind),
}

/// One setting of one block.
#[derive(Debug, Clone, Copy)]
pub struct SettingSpec {
    /// The keyword.
    pub name: &'static str,
    /// Its values.
    pub value: ValueType,
    /// Its block.
    pub block: BlockRule,
    /// Whether it may appear more than once in a block.
    pub repeat: bool,
    /// What it does, for hover and docs.
    pub doc: &'static str,
    /// The default when omitted, for hover and docs.
    pub default: Option<&'static str>,
    /// A complete example statement, for help lines and completion.
    pub example: &'static str,
}

/// `failover`, `failback`, `test`: the phases a hook block names.
pub const PHASES: &[&str] = &["failover", "failback", "test"];
/// `on_error` values.
pub const ON_ERROR: &[&str] = &["abort", "continue"];
/// `recovery_point` values.
pub const RECOVERY_POINTS: &[&str] = &["latest", "latest_processed", "latest_app_consistent"];
/// `method` values.
pub const METHODS: &[&str] = &["GET", "POST", "PUT", "PATCH", "DELETE"];
/// The hook kinds, in the order the docs list them.
pub const HOOK_KINDS: &[&str] = &["script", "runbook", "webhook", "probe", "manual", "wait"];
/// The step settings every hook takes, in its block or on its own statement.
pub const STEP_SETTINGS: &[&str] = &["timeout", "retries", "on_error", "estimate"];
/// Keywords that are neither settings nor values but shape statements.
pub const STRUCTURE_KEYWORDS: &[&str] = &[
    "plan",
    "group",
    "needs",
    "env",
    "true",
    "false",
    "simulator",
];

const fn s(
    name: &'static str,
    value: ValueType,
    block: BlockRule,
    doc: &'static str,
    default: Option<&'static str>,
    example: &'static str,
) -> SettingSpec {
    SettingSpec {
        name,
        value,
        block,
        repeat: false,
        doc,
        default,
        example,
    }
}

const fn repeated(spec: SettingSpec) -> SettingSpec {
    SettingSpec {
        repeat: true,
        ..spec
    }
}

const NO_ZERO: ValueType = ValueType::Duration { zero: false };
const ANY_DURATION: ValueType = ValueType::Duration { zero: true };
const NONE: BlockRule = BlockRule::None;

const FILE: &[SettingSpec] = &[s(
    "plan",
    ValueType::Name,
    BlockRule::Required(BlockKind::Plan),
    "One recovery plan: its vault, regions, objectives and groups. Exactly one per file.",
    None,
    "plan contoso-web { … }",
)];

const PLAN: &[SettingSpec] = &[
    s(
        "description",
        ValueType::Str,
        NONE,
        "What the plan recovers, for people.",
        None,
        "description \"Three-tier web shop\"",
    ),
    s(
        "vault",
        ValueType::Vault,
        NONE,
        "The Recovery Services vault that protects the VMs: its ARM resource id, or `simulator` for the embedded simulated vault.",
        None,
        "vault \"/subscriptions/…/resourceGroups/rg-dr/providers/Microsoft.RecoveryServices/vaults/my-vault\"",
    ),
    s(
        "primary",
        ValueType::Name,
        NONE,
        "The Azure region the VMs normally run in.",
        None,
        "primary \"westeurope\"",
    ),
    s(
        "recovery",
        ValueType::Name,
        NONE,
        "The Azure region ASR replicates to and fails over to.",
        None,
        "recovery \"northeurope\"",
    ),
    s(
        "objectives",
        ValueType::Nothing,
        BlockRule::Required(BlockKind::Objectives),
        "Recovery time and recovery point objectives.",
        None,
        "objectives { rto 45m  rpo 15m }",
    ),
    s(
        "defaults",
        ValueType::Nothing,
        BlockRule::Required(BlockKind::Defaults),
        "Defaults for every step and group.",
        None,
        "defaults { timeout 30m  retries 2  on_error abort }",
    ),
    s(
        "failover",
        ValueType::Nothing,
        BlockRule::Required(BlockKind::Failover),
        "How VMs fail over: recovery point and source shutdown.",
        None,
        "failover { recovery_point latest_processed  shutdown_source true }",
    ),
    s(
        "test",
        ValueType::Nothing,
        BlockRule::Required(BlockKind::Test),
        "Where test failovers go.",
        None,
        "test { network \"/subscriptions/…/providers/Microsoft.Network/virtualNetworks/vnet-drill\" }",
    ),
];

const OBJECTIVES: &[SettingSpec] = &[
    s(
        "rto",
        NO_ZERO,
        NONE,
        "Recovery time objective: the estimated failover must fit in it, else `drplan::rto_exceeded`.",
        None,
        "rto 45m",
    ),
    s(
        "rpo",
        NO_ZERO,
        NONE,
        "Recovery point objective: `drplan status` compares each VM's RPO with it.",
        None,
        "rpo 15m",
    ),
];

const DEFAULTS: &[SettingSpec] = &[
    s(
        "timeout",
        NO_ZERO,
        NONE,
        "How long one attempt of a step may run before it is stopped.",
        Some("none: steps run as long as they take"),
        "timeout 30m",
    ),
    s(
        "retries",
        ValueType::Integer { min: 0, max: 100 },
        NONE,
        "How many times a failed step is tried again, with exponential backoff.",
        Some("0"),
        "retries 2",
    ),
    s(
        "on_error",
        ValueType::Enum(ON_ERROR),
        NONE,
        "What a failed step does to the run: `abort` starts no new steps, `continue` carries on.",
        Some("abort"),
        "on_error abort",
    ),
    s(
        "parallelism",
        ValueType::Integer { min: 1, max: 1000 },
        NONE,
        "How many VMs of a group run at once, for groups that do not set it.",
        Some("10"),
        "parallelism 10",
    ),
    s(
        "estimate",
        ANY_DURATION,
        NONE,
        "The estimated failover time of a VM that does not set its own.",
        Some("5m"),
        "estimate 5m",
    ),
];

const FAILOVER: &[SettingSpec] = &[
    s(
        "recovery_point",
        ValueType::Enum(RECOVERY_POINTS),
        NONE,
        "The recovery point of an unplanned failover: `latest` loses least data, `latest_processed` is fastest, `latest_app_consistent` is application-consistent.",
        Some("latest_processed"),
        "recovery_point latest_processed",
    ),
    s(
        "shutdown_source",
        ValueType::Bool,
        NONE,
        "Whether a failover shuts the source VMs down first (ASR's `sourceSiteOperations`).",
        Some("true"),
        "shutdown_source true",
    ),
];

const TEST: &[SettingSpec] = &[s(
    "network",
    ValueType::Str,
    NONE,
    "The ARM id of the isolated virtual network test failovers go to.",
    None,
    "network \"/subscriptions/…/resourceGroups/rg-dr/providers/Microsoft.Network/virtualNetworks/vnet-drill\"",
)];

const GROUP: &[SettingSpec] = &[
    s(
        "parallelism",
        ValueType::Integer { min: 1, max: 1000 },
        NONE,
        "How many of this group's VMs run at once.",
        Some("the plan's `defaults.parallelism`, else 10"),
        "parallelism 4",
    ),
    repeated(s(
        "vm",
        ValueType::Names,
        BlockRule::Optional(BlockKind::Vm),
        "VMs of the group, failed over together; a block sets one VM's details.",
        None,
        "vm web-01, web-02",
    )),
    repeated(s(
        "before",
        ValueType::EnumList(PHASES),
        BlockRule::Required(BlockKind::Hooks),
        "Hooks that run, in order, before the group's VMs in the named phases.",
        None,
        "before failover { … }",
    )),
    repeated(s(
        "after",
        ValueType::EnumList(PHASES),
        BlockRule::Required(BlockKind::Hooks),
        "Hooks that run, in order, after the group's VMs in the named phases.",
        None,
        "after failover, test { … }",
    )),
];

const VM: &[SettingSpec] = &[
    s(
        "item",
        ValueType::Str,
        NONE,
        "The replicated item's name in the vault, when it differs from the VM name.",
        Some("the VM name"),
        "item \"sql-01-replica\"",
    ),
    s(
        "estimate",
        ANY_DURATION,
        NONE,
        "The VM's estimated failover, failback and test-failover time.",
        Some("the plan's `defaults.estimate`, else 5m"),
        "estimate 8m",
    ),
    s(
        "needs",
        ValueType::Names,
        NONE,
        "VMs of this or earlier groups that must finish first.",
        None,
        "needs sql-01",
    ),
];

const HOOKS: &[SettingSpec] = &[
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

const SCRIPT: [SettingSpec; 6] = with_step([
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

const RUNBOOK: [SettingSpec; 6] = with_step([
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

const WEBHOOK: [SettingSpec; 8] = with_step([
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

const PROBE: [SettingSpec; 7] = with_step([
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

const MANUAL: [SettingSpec; 4] = STEP;
const WAIT: [SettingSpec; 4] = STEP;

/// The settings valid in a block.
pub fn settings(block: BlockKind) -> &'static [SettingSpec] {
    match block {
        BlockKind::File => FILE,
        BlockKind::Plan => PLAN,
        BlockKind::Objectives => OBJECTIVES,
        BlockKind::Defaults => DEFAULTS,
        BlockKind::Failover => FAILOVER,
        BlockKind::Test => TEST,
        BlockKind::Group => GROUP,
        BlockKind::Vm => VM,
        BlockKind::Hooks => HOOKS,
        BlockKind::Script => &SCRIPT,
        BlockKind::Runbook => &RUNBOOK,
        BlockKind::Webhook => &WEBHOOK,
        BlockKind::Probe => &PROBE,
        BlockKind::Manual => &MANUAL,
        BlockKind::Wait => &WAIT,
        BlockKind::Map => &[],
    }
}

/// One setting of a block, by name.
pub fn find(block: BlockKind, name: &str) -> Option<&'static SettingSpec> {
    settings(block).iter().find(|spec| spec.name == name)
}

/// The block kind of a hook keyword.
pub fn hook_block(kind: &str) -> Option<BlockKind> {
    match find(BlockKind::Hooks, kind)?.block {
        BlockRule::Required(block) | BlockRule::Optional(block) => Some(block),
        BlockRule::None => None,
    }
}

/// Every block kind, for walking the whole schema.
pub const ALL_BLOCKS: &[BlockKind] = &[
    BlockKind::File,
    BlockKind::Plan,
    BlockKind::Objectives,
    BlockKind::Defaults,
    BlockKind::Failover,
    BlockKind::Test,
    BlockKind::Group,
    BlockKind::Vm,
    BlockKind::Hooks,
    BlockKind::Script,
    BlockKind::Runbook,
    BlockKind::Webhook,
    BlockKind::Probe,
    BlockKind::Manual,
    BlockKind::Wait,
];

/// Every keyword of the language (settings, hook kinds, structure words, enum
/// values), sorted and deduplicated: what editor grammars must highlight.
pub fn keywords() -> Vec<&'static str> {
    let mut words: Vec<&'static str> = ALL_BLOCKS
        .iter()
        .flat_map(|b| settings(*b).iter().map(|s| s.name))
        .collect();
    words.extend_from_slice(STRUCTURE_KEYWORDS);
    words.extend_from_slice(PHASES);
    words.extend_from_slice(ON_ERROR);
    words.extend_from_slice(RECOVERY_POINTS);
    words.sort_unstable();
    words.dedup();
    words
}

/// Which other blocks accept a setting that is unknown in this one, for help lines.
pub fn blocks_with(name: &str) -> Vec<BlockKind> {
    ALL_BLOCKS
        .iter()
        .copied()
        .filter(|b| find(*b, name).is_some())
        .collect()
}

/// What each word an enum-valued setting takes means, for hover. Every word
/// of [`PHASES`], [`ON_ERROR`], [`RECOVERY_POINTS`], [`METHODS`] and the
/// `simulator` vault has one (kept so by a test).
const VALUE_DOCS: &[(&str, &str)] = &[
    (
        "failover",
        "Failover: from the primary region to the recovery region, planned or unplanned (`drplan run failover`).",
    ),
    (
        "failback",
        "Failback: from the recovery region back to the primary (`drplan run failback`); groups run in reverse order.",
    ),
    (
        "test",
        "Test failover: into the isolated test network, leaving replication untouched (`drplan run test-failover`, then `cleanup`).",
    ),
    (
        "abort",
        "A failure stops the run: no new steps start, running ones finish, and `drplan resume` carries on after a fix.",
    ),
    (
        "continue",
        "A failure is tolerated: the steps that do not depend on this one go on, and the run still succeeds.",
    ),
    (
        "latest",
        "ASR's `Latest`: pending replication data is processed first. The least data lost, the slowest failover.",
    ),
    (
        "latest_processed",
        "ASR's `LatestProcessed`: the newest point already processed. The fastest failover (the default).",
    ),
    (
        "latest_app_consistent",
        "ASR's `LatestApplicationConsistent`: the newest application-consistent snapshot. Older than the others, but applications start cleanly.",
    ),
    (
        "simulator",
        "The embedded simulated vault: runs every operation locally with ASR's behaviour and timings (scaled by `DRPLAN_SIM_SPEED`), state beside the plan in `.drplan/`. No Azure account needed.",
    ),
    (
        "GET",
        "HTTP GET: no body unless `body` gives one (the run's context is not sent).",
    ),
    (
        "POST",
        "HTTP POST (the default): the body is sent as given, or the run's context as JSON.",
    ),
    (
        "PUT",
        "HTTP PUT: the body is sent as given, or the run's context as JSON.",
    ),
    (
        "PATCH",
        "HTTP PATCH: the body is sent as given, or the run's context as JSON.",
    ),
    ("DELETE", "HTTP DELETE."),
];

/// What a value word of an enum-valued setting means.
pub fn value_doc(word: &str) -> Option<&'static str> {
    VALUE_DOCS
        .iter()
        .find(|(w, _)| *w == word)
        .map(|(_, doc)| *doc)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_enum_word_has_a_value_doc() {
        let enums = ALL_BLOCKS
            .iter()
            .flat_map(|b| settings(*b))
            .filter_map(|s| match s.value {
                ValueType::Enum(words) | ValueType::EnumList(words) => Some(words),
                ValueType::Vault => Some(&["simulator"][..]),
                _ => None,
            });
        for word in enums.flatten() {
            assert!(value_doc(word).is_some(), "`{word}` has no value doc");
        }
        for (word, _) in VALUE_DOCS {
            let known = [PHASES, ON_ERROR, RECOVERY_POINTS, METHODS, &["simulator"]]
                .iter()
                .any(|list| list.contains(word));
            assert!(known, "value doc for `{word}`, which no setting takes");
        }
    }
}
