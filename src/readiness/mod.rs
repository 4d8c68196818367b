//! Plan × operation × what the vault and the subscription say now, to the
//! findings that would make the operation fail or that an operator should
//! know before acting (see [`FindingKind`]): computed once, used by
//! `run --dry-run --online`, by every run's preflight and by `status`.

mod finding;

pub use finding::{Finding, FindingKind, Readiness, Severity};
