//! The settings of the plan and its own blocks: the file, `plan`, `objectives`,
//! `defaults`, `failover`, `test`, `coverage`, groups and VMs.

use super::{ANY_DURATION, NO_ZERO, NONE, repeated, s};
use super::{
    BlockKind, BlockRule, FAILBACK_ORDERS, NOTIFY_EVENTS, NOTIFY_FORMATS, ON_ERROR, PHASES,
    RECOVERY_POINTS, SettingSpec, ValueType,
};

pub(super) const FILE: &[SettingSpec] = &[s(
    "plan",
    ValueType::Name,
    BlockRule::Required(BlockKind::Plan),
    "One recovery plan: its vault, regions, objectives and groups. Exactly one per file.",
    None,
    "plan contoso-web { … }",
)];

pub(super) const PLAN: &[SettingSpec] = &[
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
        "state",
        ValueType::StateUrl,
        NONE,
        "Where runs of this plan keep their state (journal, lock, approvals, hook output, plan copy), so the team can watch, approve and resume them from any machine: a container of Azure Blob Storage, optionally with a folder in it. `--state` and `DRPLAN_STATE` win over it. No SAS here, since the plan is kept in version control: give a SAS URL in `DRPLAN_STATE` or `--state`.",
        Some("`.drplan/` beside the plan"),
        "state \"https://contosodr.blob.core.windows.net/drplan-runs/shop\"",
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
        "failback",
        ValueType::Nothing,
        BlockRule::Required(BlockKind::Failback),
        "How VMs fail back: the order groups come back in.",
        None,
        "failback { order shutdown_reversed }",
    ),
    s(
        "test",
        ValueType::Nothing,
        BlockRule::Required(BlockKind::Test),
        "Where test failovers go.",
        None,
        "test { network \"/subscriptions/…/providers/Microsoft.Network/virtualNetworks/vnet-drill\" }",
    ),
    s(
        "coverage",
        ValueType::Nothing,
        BlockRule::Required(BlockKind::Coverage),
        "Which of the subscription's VMs belong to the application: every VM in the primary region that a selector matches must be in the plan and replicated (checked online, before a run).",
        None,
        "coverage { tag \"app=shop\" }",
    ),
    repeated(s(
        "before",
        ValueType::EnumList(PHASES),
        BlockRule::Required(BlockKind::Hooks),
        "Hooks that run, in order, before the whole operation in the named phases: every group's first steps wait for them (a change ticket, a maintenance page). A failback runs them first too.",
        None,
        "before failover { webhook \"https://ops.example.com/ticket\" }",
    )),
    repeated(s(
        "after",
        ValueType::EnumList(PHASES),
        BlockRule::Required(BlockKind::Hooks),
        "Hooks that run, in order, after every step of the operation in the named phases (a DNS switch, a message). A failback runs them last too.",
        None,
        "after failover, test { script \"scripts/dns-switch.sh\" }",
    )),
    s(
        "on_failure",
        ValueType::Nothing,
        BlockRule::Required(BlockKind::Hooks),
        "Hooks that run once, in order, when a run fails or is interrupted (Ctrl-C, a lost lease), after its last step stopped; they get the run's context and the failed steps (`DRPLAN_FAILED_STEPS`). They are journaled as steps but never change the run's status.",
        None,
        "on_failure { webhook \"https://ops.example.com/page\" }",
    ),
    s(
        "notify",
        ValueType::Nothing,
        BlockRule::Required(BlockKind::Notify),
        "Where the run's events are sent (chat or any endpoint). A notification that cannot be delivered is logged and never fails the run.",
        None,
        "notify { webhook env(\"TEAMS_WEBHOOK_URL\") { format teams } }",
    ),
];

pub(super) const NOTIFY: &[SettingSpec] = &[repeated(s(
    "webhook",
    ValueType::UrlOrEnv,
    BlockRule::Optional(BlockKind::NotifyTarget),
    "One endpoint that gets the run's events by HTTP POST: an https URL (http only to a loopback address), or `env(\"NAME\")` to read it when the run starts (chat webhook URLs are secrets). A missing variable stops the run before it starts.",
    None,
    "webhook env(\"SLACK_WEBHOOK_URL\") { format slack  events [step_failed, run_finished] }",
))];

pub(super) const NOTIFY_TARGET: &[SettingSpec] = &[
    s(
        "format",
        ValueType::Enum(NOTIFY_FORMATS),
        NONE,
        "How messages are shaped: `teams` (a Teams message card), `slack` (a Slack message) or `json` (`drplan.notification/1`).",
        Some("json"),
        "format teams",
    ),
    s(
        "events",
        ValueType::EnumArray(NOTIFY_EVENTS),
        NONE,
        "Which events the endpoint gets: `run_started`, `step_failed`, `approval_waiting`, `rto_exceeded`, `run_finished`.",
        Some("all of them"),
        "events [step_failed, approval_waiting, run_finished]",
    ),
];

pub(super) const OBJECTIVES: &[SettingSpec] = &[
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
    s(
        "drill",
        NO_ZERO,
        NONE,
        "The longest a VM may go without a successful test failover: readiness warns about VMs drilled longer ago.",
        None,
        "drill 90d",
    ),
];

pub(super) const DEFAULTS: &[SettingSpec] = &[
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
    s(
        "target",
        ValueType::Nothing,
        BlockRule::Required(BlockKind::Target),
        "Where and how every VM comes up in the recovery region; a group's and a VM's own `target` win over it, setting by setting.",
        Some("none: the vault keeps its own target settings"),
        "target { resource_group \"/subscriptions/…/resourceGroups/rg-shop-ne\" }",
    ),
];

pub(super) const FAILOVER: &[SettingSpec] = &[
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

pub(super) const FAILBACK: &[SettingSpec] = &[s(
    "order",
    ValueType::Enum(FAILBACK_ORDERS),
    NONE,
    "The order of a failback: `reversed` fails groups back in the reverse of the failover's order (what needs others goes first, which is the right order to shut down); `shutdown_reversed` shuts the recovery-side VMs down in that reverse order first, then fails them back in the failover's order, so a database is up in the primary region before the servers that need it. The second takes longer: every VM waits for the shutdowns.",
    Some("reversed"),
    "order shutdown_reversed",
)];

pub(super) const TEST: &[SettingSpec] = &[s(
    "network",
    ValueType::ResourceId("Microsoft.Network/virtualNetworks"),
    NONE,
    "The ARM id of the isolated virtual network test failovers go to.",
    None,
    "network \"/subscriptions/…/resourceGroups/rg-dr/providers/Microsoft.Network/virtualNetworks/vnet-drill\"",
)];

pub(super) const GROUP: &[SettingSpec] = &[
    s(
        "vault",
        ValueType::Vault,
        NONE,
        "The Recovery Services vault that protects this group's VMs, when it is not the plan's: a plan may span vaults (and subscriptions of one tenant). Its ARM resource id.",
        Some("the plan's `vault`"),
        "vault \"/subscriptions/…/resourceGroups/rg-dr2/providers/Microsoft.RecoveryServices/vaults/vault-2\"",
    ),
    s(
        "primary",
        ValueType::Name,
        NONE,
        "The region this group's VMs normally run in, when it is not the plan's.",
        Some("the plan's `primary`"),
        "primary \"eastus\"",
    ),
    s(
        "recovery",
        ValueType::Name,
        NONE,
        "The region this group's VMs fail over to, when it is not the plan's.",
        Some("the plan's `recovery`"),
        "recovery \"westus\"",
    ),
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
    s(
        "target",
        ValueType::Nothing,
        BlockRule::Required(BlockKind::Target),
        "Where and how the group's VMs come up in the recovery region: over the plan's `defaults { target }`, setting by setting; a VM's own `target` wins over it.",
        Some("the plan's `defaults { target }`"),
        "target { subnet \"app\"  size \"Standard_D4s_v5\" }",
    ),
];

pub(super) const VM: &[SettingSpec] = &[
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
    s(
        "target",
        ValueType::Nothing,
        BlockRule::Required(BlockKind::Target),
        "Where and how this VM comes up in the recovery region: over its group's `target` and the plan's `defaults { target }`, setting by setting.",
        Some("its group's `target`, then the plan's `defaults { target }`"),
        "target { ip \"10.2.1.4\"  test_ip \"10.9.1.4\" }",
    ),
];

pub(super) const COVERAGE: &[SettingSpec] = &[
    repeated(s(
        "tag",
        ValueType::Tag,
        NONE,
        "VMs that carry this tag: `\"name=value\"`, or `\"name\"` for any value. Repeat it for more tags; a VM that any selector matches counts.",
        None,
        "tag \"app=shop\"",
    )),
    repeated(s(
        "resource_group",
        ValueType::ResourceId("resourceGroups"),
        NONE,
        "Every VM in this resource group (its ARM id). Repeat it for more groups.",
        None,
        "resource_group \"/subscriptions/…/resourceGroups/rg-shop\"",
    )),
];
