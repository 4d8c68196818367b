//! Every problem drplan reports about a plan: one variant per stable
//! `drplan::*` code (spec: language.md "Checks"), with labelled spans and help.
//! Produced by `syntax` and `check`; rendered by `render` for the CLI and the LSP.

use miette::LabeledSpan;

use crate::source::Span;

mod bounded;
mod sink;

pub use bounded::MAX_TEXT;
pub use sink::Diagnostics;

/// A problem in a plan file. The `code` strings are a contract: tests and users
/// rely on them. Variants are sorted by name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, miette::Diagnostic)]
pub enum Diagnostic {
    /// A dependency cycle among groups or VMs.
    #[error("dependency cycle: {cycle}")]
    #[diagnostic(
        code(drplan::cycle),
        help("remove one of these `needs` so the dependencies form a DAG")
    )]
    Cycle {
        /// The whole cycle, `app -> web -> app`.
        cycle: String,
        /// Where the first dependency of the cycle is declared.
        #[label(primary, "{first_label}")]
        at: Span,
        /// What the first label says.
        first_label: String,
        /// The other dependencies of the cycle.
        #[label(collection)]
        rest: Vec<LabeledSpan>,
    },

    /// `check --drill-within`: the plan's current content has no drill (a
    /// succeeded test failover, then a succeeded test cleanup) that recent.
    #[error("{message}")]
    #[diagnostic(code(drplan::drill_overdue))]
    DrillOverdue {
        /// What is overdue and what changed since the last drill.
        message: String,
        /// The plan's name.
        #[label("{label}")]
        at: Span,
        /// What the label says.
        label: String,
        /// How to drill the plan.
        #[help]
        help: Option<String>,
    },

    /// Two groups with one name.
    #[error("group `{name}` is defined twice")]
    #[diagnostic(
        code(drplan::duplicate_group),
        help("rename one group or merge the two")
    )]
    DuplicateGroup {
        /// The name.
        name: String,
        /// The first definition.
        #[label("first defined here")]
        first: Span,
        /// The second definition.
        #[label(primary, "defined again here")]
        second: Span,
    },

    /// A setting given twice in one block.
    #[error("`{name}` is set twice in {context}")]
    #[diagnostic(code(drplan::duplicate_setting), help("keep one of the two"))]
    DuplicateSetting {
        /// The setting.
        name: String,
        /// "this `defaults` block", …
        context: String,
        /// The first one.
        #[label("first set here")]
        first: Span,
        /// The second one.
        #[label(primary, "set again here")]
        second: Span,
    },

    /// One VM in two places.
    #[error("VM `{name}` appears twice{detail}")]
    #[diagnostic(
        code(drplan::duplicate_vm),
        help("a VM fails over once: list it in one group only")
    )]
    DuplicateVm {
        /// The VM.
        name: String,
        /// Extra words, e.g. " (both name replicated item `x`)".
        detail: String,
        /// The first place.
        #[label("first listed here")]
        first: Span,
        /// The second place.
        #[label(primary, "listed again here")]
        second: Span,
    },

    /// Two `notify` targets send to the same URL (or read the same variable).
    #[error("{target} is a notify target twice")]
    #[diagnostic(
        code(drplan::duplicate_notify_target),
        help("keep one `webhook` per endpoint; list every event it should get in its `events`")
    )]
    DuplicateNotifyTarget {
        /// The target as written.
        target: String,
        /// The first place.
        #[label("first here")]
        first: Span,
        /// The second place.
        #[label(primary, "again here")]
        second: Span,
    },

    /// One static IP for two VMs of the plan.
    #[error("`{setting} \"{ip}\"` is given to two VMs: `{first_vm}` and `{second_vm}`")]
    #[diagnostic(code(drplan::duplicate_ip))]
    DuplicateIp {
        /// `ip` or `test_ip`.
        setting: String,
        /// The address.
        ip: String,
        /// The VM that has it first.
        first_vm: String,
        /// The VM that has it again.
        second_vm: String,
        /// Where the first VM gets it.
        #[label("{first_label}")]
        first: Span,
        /// What that label says.
        first_label: String,
        /// Where the second VM gets it.
        #[label(primary, "{second_label}")]
        second: Span,
        /// What that label says.
        second_label: String,
        /// Where an inherited address is written (a group's or the plan's `target`).
        #[label(collection)]
        origins: Vec<LabeledSpan>,
        /// How to fix it.
        #[help]
        help: Option<String>,
    },

    /// A group with nothing in it.
    #[error("group `{name}` has no VMs and no hooks")]
    #[diagnostic(
        code(drplan::empty_group),
        severity(Warning),
        help("add `vm` or hooks to it, or remove it")
    )]
    EmptyGroup {
        /// The group.
        name: String,
        /// Its name.
        #[label("empty group")]
        at: Span,
    },

    /// An operation whose estimates add up past what a schedule can count.
    #[error("the estimated time of {operations} is more than drplan can count ({limit})")]
    #[diagnostic(code(drplan::estimate_overflow))]
    EstimateOverflow {
        /// The operations: `failover`, `failover, failback and test-failover`.
        operations: String,
        /// The largest estimate a schedule computes.
        limit: String,
        /// The step with the largest estimate on the way to the overflow.
        #[label("{label}")]
        at: Span,
        /// What the label says.
        label: String,
        /// How to fix it.
        #[help]
        help: Option<String>,
    },

    /// A bug in drplan, not in the plan.
    #[error("internal error, this is a bug in drplan: {message}")]
    #[diagnostic(
        code(drplan::internal),
        help("please report it with the plan that caused it")
    )]
    Internal {
        /// What went wrong.
        message: String,
        /// Where in the plan.
        #[label("here")]
        at: Span,
    },

    /// A malformed or zero duration.
    #[error("invalid duration `{text}`: {reason}")]
    #[diagnostic(code(drplan::invalid_duration))]
    InvalidDuration {
        /// As written.
        text: String,
        /// Why it is invalid.
        reason: String,
        /// The value.
        #[label("{label}")]
        at: Span,
        /// What the label says.
        label: String,
        /// How to fix it.
        #[help]
        help: Option<String>,
    },

    /// A malformed IPv4 address.
    #[error("`{setting}` is not an IPv4 address: {reason}")]
    #[diagnostic(code(drplan::invalid_ip))]
    InvalidIp {
        /// `ip` or `test_ip`.
        setting: String,
        /// Why it is not one.
        reason: String,
        /// The value.
        #[label("{label}")]
        at: Span,
        /// What the label says.
        label: String,
        /// How to fix it.
        #[help]
        help: Option<String>,
    },

    /// Not an ARM resource id, or the id of another type of resource.
    #[error("{message}")]
    #[diagnostic(code(drplan::invalid_resource_id))]
    InvalidResourceId {
        /// What is wrong.
        message: String,
        /// The value.
        #[label("{label}")]
        at: Span,
        /// What the label says.
        label: String,
        /// How to fix it: the right form, or the id it probably means.
        #[help]
        help: Option<String>,
    },

    /// A VM size that does not look like an Azure size.
    #[error("`{text}` does not look like an Azure VM size")]
    #[diagnostic(code(drplan::invalid_size))]
    InvalidSize {
        /// As written.
        text: String,
        /// The value.
        #[label("not an Azure size")]
        at: Span,
        /// The size it probably means, or the form sizes take.
        #[help]
        help: Option<String>,
    },

    /// A `state` URL that names no Blob Storage container drplan can use.
    #[error("{message}")]
    #[diagnostic(code(drplan::invalid_state_url))]
    InvalidStateUrl {
        /// What is wrong, SAS never repeated.
        message: String,
        /// The value.
        #[label("{label}")]
        at: Span,
        /// What the label says.
        label: String,
        /// How to write it.
        #[help]
        help: Option<String>,
    },

    /// A value of the wrong kind or out of range.
    #[error("{message}")]
    #[diagnostic(code(drplan::invalid_value))]
    InvalidValue {
        /// What is wrong.
        message: String,
        /// The value.
        #[label("{label}")]
        at: Span,
        /// What the label says.
        label: String,
        /// How to fix it.
        #[help]
        help: Option<String>,
    },

    /// A required plan setting is missing.
    #[error("{owner} has no `{setting}`")]
    #[diagnostic(code(drplan::missing_setting))]
    MissingSetting {
        /// What lacks it: "plan `contoso-web`", "runbook `Drain`".
        owner: String,
        /// The missing setting.
        setting: String,
        /// The block that lacks it.
        #[label("`{setting}` is required here")]
        at: Span,
        /// An example of the setting.
        #[help]
        help: Option<String>,
    },

    /// Test-failover target settings in a plan without a test network.
    #[error("`{setting}` is set, but the plan has no test network")]
    #[diagnostic(code(drplan::no_test_network), severity(Warning))]
    NoTestNetwork {
        /// `test_subnet` or `test_ip`.
        setting: String,
        /// The setting.
        #[label("for test failovers, which go to `test {{ network }}`")]
        at: Span,
        /// How to fix it.
        #[help]
        help: Option<String>,
    },

    /// The RTO does not fit the estimated failover.
    #[error("estimated failover time {estimate} exceeds the RTO of {rto}")]
    #[diagnostic(code(drplan::rto_exceeded), severity(Warning))]
    RtoExceeded {
        /// The estimate, e.g. `52m`.
        estimate: String,
        /// The objective, e.g. `45m`.
        rto: String,
        /// The `rto` value.
        #[label("objective set here")]
        at: Span,
        /// The critical path and how to shorten it.
        #[help]
        help: Option<String>,
    },

    /// `primary` and `recovery` name the same region.
    #[error("`primary` and `recovery` are both `{region}`")]
    #[diagnostic(
        code(drplan::same_region),
        help("fail over to another region: set `recovery` to the region ASR replicates to")
    )]
    SameRegion {
        /// The region.
        region: String,
        /// `primary`'s value.
        #[label("primary region")]
        primary: Span,
        /// `recovery`'s value.
        #[label(primary, "recovery region is the same")]
        recovery: Span,
    },

    /// A `state` URL with a SAS: a secret in a file kept in version control.
    #[error("the `state` URL carries a SAS, a secret that must not be in a plan file")]
    #[diagnostic(
        code(drplan::state_sas),
        help(
            "a plan file is kept in version control, where everyone who can read the repository could use the SAS: keep only the URL without its `?…` query in the plan, and give the SAS URL in `DRPLAN_STATE` or `--state` from the pipeline's secret store"
        )
    )]
    StateSas {
        /// The URL.
        #[label("this URL's query string is a SAS")]
        at: Span,
    },

    /// The text does not parse.
    #[error("{message}")]
    #[diagnostic(code(drplan::syntax))]
    Syntax {
        /// What was expected.
        message: String,
        /// Where.
        #[label("{label}")]
        at: Span,
        /// What the label says.
        label: String,
        /// How to fix it.
        #[help]
        help: Option<String>,
    },

    /// `needs` names no group.
    #[error("`needs` names an unknown group `{name}`")]
    #[diagnostic(code(drplan::unknown_group))]
    UnknownGroup {
        /// The name.
        name: String,
        /// Where.
        #[label("no group with this name")]
        at: Span,
        /// "did you mean `db`?"
        #[help]
        help: Option<String>,
    },

    /// A region name drplan does not know.
    #[error("`{region}` is not an Azure region drplan knows")]
    #[diagnostic(code(drplan::unknown_region), severity(Warning))]
    UnknownRegion {
        /// As written.
        region: String,
        /// The value.
        #[label("unknown region")]
        at: Span,
        /// "did you mean `northeurope`?", or where to find region names.
        #[help]
        help: Option<String>,
    },

    /// A notify target's `events` names an event drplan does not send.
    #[error("unknown notify event `{event}`")]
    #[diagnostic(code(drplan::unknown_event))]
    UnknownEvent {
        /// As written.
        event: String,
        /// Where.
        #[label("no such event")]
        at: Span,
        /// "did you mean `run_started`?", or the events.
        #[help]
        help: Option<String>,
    },

    /// A setting or keyword that does not exist here.
    #[error("unknown setting `{name}` in {context}")]
    #[diagnostic(code(drplan::unknown_setting))]
    UnknownSetting {
        /// The name.
        name: String,
        /// "a `defaults` block", …
        context: String,
        /// Where.
        #[label("not valid here")]
        at: Span,
        /// "did you mean `timeout`?" or the valid settings.
        #[help]
        help: Option<String>,
    },

    /// A VM's `needs` names no VM.
    #[error("`needs` names an unknown VM `{name}`")]
    #[diagnostic(code(drplan::unknown_vm))]
    UnknownVm {
        /// The name.
        name: String,
        /// Where.
        #[label("no VM with this name")]
        at: Span,
        /// "did you mean `app-01`?"
        #[help]
        help: Option<String>,
    },

    /// A VM placed both in a zone and in an availability set.
    #[error("VM `{vm}` gets both a `zone` and an `availability_set`")]
    #[diagnostic(code(drplan::zone_and_availability_set))]
    ZoneAndAvailabilitySet {
        /// The (first) VM that gets both.
        vm: String,
        /// Where its zone is written.
        #[label("{zone_label}")]
        zone: Span,
        /// What that label says.
        zone_label: String,
        /// Where its availability set is written.
        #[label(primary, "{set_label}")]
        set: Span,
        /// What that label says.
        set_label: String,
        /// How to fix it.
        #[help]
        help: Option<String>,
    },
}

impl Diagnostic {
    /// Errors block execution; warnings do not (unless `--deny-warnings`).
    pub fn is_error(&self) -> bool {
        !matches!(
            self,
            Diagnostic::EmptyGroup { .. }
                | Diagnostic::NoTestNetwork { .. }
                | Diagnostic::RtoExceeded { .. }
                | Diagnostic::UnknownRegion { .. }
        )
    }

    /// The stable code, `drplan::unknown_group`.
    pub fn code_str(&self) -> String {
        miette::Diagnostic::code(self)
            .map(|c| c.to_string())
            .unwrap_or_default()
    }

    /// The byte offset of the primary label, for sorting.
    pub fn offset(&self) -> usize {
        primary_label(self).map_or(0, |l| l.offset())
    }
}

/// The label that positions a diagnostic: the one marked primary, else the first.
pub fn primary_label(d: &dyn miette::Diagnostic) -> Option<LabeledSpan> {
    let labels: Vec<LabeledSpan> = d.labels().map(Iterator::collect).unwrap_or_default();
    labels
        .iter()
        .find(|l| l.primary())
        .or(labels.first())
        .cloned()
}
