//! What can go wrong talking to a vault: each failure a provider reports, as
//! a [`ProviderError`] whose message says what happened and what to do.

use super::{JobId, Operation};

/// What can go wrong talking to a vault.
#[derive(Debug, thiserror::Error)]
pub enum ProviderError {
    /// The vault has no item for a plan VM.
    #[error("the vault has no replicated item `{item}` for VM `{vm}`")]
    UnknownMachine {
        /// The plan VM.
        vm: String,
        /// The item looked for.
        item: String,
    },
    /// The vault refused the operation in the machine's state.
    #[error("{vm}: {operation} is not allowed now ({reason})")]
    NotAllowed {
        /// The plan VM.
        vm: String,
        /// The operation.
        operation: Operation,
        /// Why, with the allowed operations.
        reason: String,
    },
    /// No such job.
    #[error("the vault has no job `{0}`")]
    UnknownJob(JobId),
    /// Reading or writing local state failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// Local state or a fault file is malformed.
    #[error("{path}: {message}")]
    BadFile {
        /// The file.
        path: String,
        /// What is wrong and how to fix it.
        message: String,
    },
    /// Resource Manager refused a request for lack of permission (403).
    #[error("{message} (the signed-in identity lacks `{permission}`)")]
    Forbidden {
        /// The RBAC action the request needs, `Microsoft.Compute/locations/usages/read`.
        permission: String,
        /// What was asked and what ARM answered.
        message: String,
    },
    /// The vaults cannot be used as the plan asks (a plan whose vaults sit
    /// in different tenants); nothing was done.
    #[error("{0}")]
    Refused(String),
    /// The vault could not be reached or answered with an error.
    #[error("{0}")]
    Service(String),
    /// The vault did not answer within the time a reader allowed
    /// ([`Provider::limit_reads`](super::Provider::limit_reads)): what was
    /// asked, where, for how long, and the last failure.
    #[error("{0}")]
    Unanswered(String),
}
