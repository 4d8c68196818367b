//! The language's vocabulary: which settings exist in which block, what values
//! and blocks they take, their defaults and what they do. The single source of
//! truth for the checker, the language server and the editor grammars' tests.
//! The tables are by concept: the plan's own blocks (`plan`), hooks (`hooks`)
//! and `target` blocks (`target`).

mod hooks;
mod plan;
mod target;

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
    /// `failback { … }`.
    Failback,
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
    /// `target { … }` in `defaults`, a group or a VM: where VMs come up.
    Target,
    /// `coverage { … }`: which of the subscription's VMs belong to the plan.
    Coverage,
    /// `notify { … }` in the plan: where the run's events are sent.
    Notify,
    /// `webhook URL { … }` in `notify`: one target's format and events.
    NotifyTarget,
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
            BlockKind::Failback => "this `failback` block",
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
            BlockKind::Target => "this `target` block",
            BlockKind::Coverage => "this `coverage` block",
            BlockKind::Notify => "this `notify` block",
            BlockKind::NotifyTarget => "this notify target",
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
            BlockKind::Failback => "a `failback` block",
            BlockKind::Test => "a `test` block",
            BlockKind::Group => "a `group` block",
            BlockKind::Vm => "a `vm` block",
            BlockKind::Hooks => "a hook block (`before`, `after`, `on_failure`)",
            BlockKind::Script => "a `script` hook",
            BlockKind::Runbook => "a `runbook` hook",
            BlockKind::Webhook => "a `webhook` hook",
            BlockKind::Probe => "a `probe` hook",
            BlockKind::Manual => "a `manual` hook",
            BlockKind::Wait => "a `wait` hook",
            BlockKind::Map => "a map",
            BlockKind::Target => "a `target` block",
            BlockKind::Coverage => "a `coverage` block",
            BlockKind::Notify => "a `notify` block",
            BlockKind::NotifyTarget => "a notify target (`webhook … { }` in `notify`)",
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
    /// `[a, b]`: a list of the listed words.
    EnumArray(&'static [&'static str]),
    /// A URL string, or `env("NAME")` to read it when the run starts.
    UrlOrEnv,
    /// `["a", "b"]`.
    StringList,
    /// A string, or the word `simulator`.
    Vault,
    /// A string: the ARM id of a resource of this type
    /// (`Microsoft.Network/virtualNetworks`, or `resourceGroups` for a
    /// resource group).
    ResourceId(&'static str),
    /// `["…", "…"]`: ARM ids of resources of this type.
    ResourceIds(&'static str),
    /// A string: an IPv4 address, `"10.2.1.4"`.
    Ipv4,
    /// A string: an Azure VM size, `"Standard_D4s_v5"`.
    VmSize,
    /// A string: `"name=value"`, or `"name"` for any value.
    Tag,
    /// A string: where run state is kept, the URL of a Blob Storage
    /// container with an optional folder, and no SAS.
    StateUrl,
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

/// The phases a hook block names ([`crate::plan::Phase::as_str`], kept
/// equal by a test).
pub const PHASES: &[&str] = &[
    "failover",
    "failback",
    "test",
    "commit",
    "reprotect",
    "test_cleanup",
];
/// `failback { order … }` values ([`crate::plan::FailbackOrder::as_str`]).
pub const FAILBACK_ORDERS: &[&str] = &["reversed", "shutdown_reversed"];
/// `on_error` values.
pub const ON_ERROR: &[&str] = &["abort", "continue"];
/// `recovery_point` values.
pub const RECOVERY_POINTS: &[&str] = &["latest", "latest_processed", "latest_app_consistent"];
/// `format` values of a notify target (`crate::notify::NotifyFormat`).
pub const NOTIFY_FORMATS: &[&str] = &["teams", "slack", "json"];
/// `events` of a notify target (`crate::notify::NotifyEvent`).
pub const NOTIFY_EVENTS: &[&str] = &[
    "run_started",
    "step_failed",
    "approval_waiting",
    "rto_exceeded",
    "run_finished",
];
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

/// The settings valid in a block.
pub fn settings(block: BlockKind) -> &'static [SettingSpec] {
    match block {
        BlockKind::File => plan::FILE,
        BlockKind::Plan => plan::PLAN,
        BlockKind::Objectives => plan::OBJECTIVES,
        BlockKind::Defaults => plan::DEFAULTS,
        BlockKind::Failover => plan::FAILOVER,
        BlockKind::Failback => plan::FAILBACK,
        BlockKind::Test => plan::TEST,
        BlockKind::Coverage => plan::COVERAGE,
        BlockKind::Group => plan::GROUP,
        BlockKind::Vm => plan::VM,
        BlockKind::Target => target::TARGET,
        BlockKind::Hooks => hooks::HOOKS,
        BlockKind::Script => &hooks::SCRIPT,
        BlockKind::Runbook => &hooks::RUNBOOK,
        BlockKind::Webhook => &hooks::WEBHOOK,
        BlockKind::Probe => &hooks::PROBE,
        BlockKind::Manual => &hooks::MANUAL,
        BlockKind::Wait => &hooks::WAIT,
        BlockKind::Notify => plan::NOTIFY,
        BlockKind::NotifyTarget => plan::NOTIFY_TARGET,
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
    BlockKind::Failback,
    BlockKind::Test,
    BlockKind::Coverage,
    BlockKind::Notify,
    BlockKind::NotifyTarget,
    BlockKind::Group,
    BlockKind::Vm,
    BlockKind::Target,
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
    words.extend_from_slice(FAILBACK_ORDERS);
    words.extend_from_slice(RECOVERY_POINTS);
    words.extend_from_slice(NOTIFY_FORMATS);
    words.extend_from_slice(NOTIFY_EVENTS);
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
        "commit",
        "Failover commit (`drplan run commit`): after it the recovery point can no longer be changed. VMs in no order.",
    ),
    (
        "reprotect",
        "Reprotect (`drplan run reprotect`): replication turned around, 45 minutes to 2 hours a VM. VMs in no order.",
    ),
    (
        "test_cleanup",
        "Test-failover cleanup (`drplan run test-cleanup`): the test VMs deleted; groups in reverse order. `after test_cleanup` tears down what a drill set up.",
    ),
    (
        "reversed",
        "Failback walks the groups in reverse order: a group fails back after every group that needs it (right for shutting down; the default).",
    ),
    (
        "shutdown_reversed",
        "Failback shuts the recovery-side VMs down in reverse order first, then fails them back in the failover's order, so what others need comes up first in the primary region.",
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
    (
        "teams",
        "A Microsoft Teams incoming webhook: each event as a message card with its facts.",
    ),
    (
        "slack",
        "A Slack incoming webhook: each event as a message (`text` and `blocks`).",
    ),
    (
        "json",
        "Any endpoint: each event as a JSON document, `{\"schema\": \"drplan.notification/1\", \"event\": …}` (the default).",
    ),
    ("run_started", "The run (or a resumed part of it) began."),
    (
        "step_failed",
        "A step failed; the message says whether `on_error continue` tolerated it.",
    ),
    (
        "approval_waiting",
        "A `manual` step waits; the message gives the `drplan approve` command.",
    ),
    (
        "rto_exceeded",
        "The run has taken longer than `objectives.rto` and steps still run (sent once).",
    ),
    (
        "run_finished",
        "The run ended: succeeded, failed or cancelled.",
    ),
];

/// What a value word of an enum-valued setting means.
pub fn value_doc(word: &str) -> Option<&'static str> {
    VALUE_DOCS
        .iter()
        .find(|(w, _)| *w == word)
        .map(|(_, doc)| *doc)
}

#[cfg(test)]
mod tests;
