//! Exit codes (spec: cli.md "Exit codes"), mapped in one place.

/// How `drplan` ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitCode {
    /// Success.
    Success = 0,
    /// The plan has errors, or the run failed.
    Failed = 1,
    /// Usage error.
    Usage = 2,
    /// The operation was refused because machines are not ready.
    NotReady = 3,
    /// Interrupted; the run is resumable.
    Interrupted = 130,
}

impl ExitCode {
    /// The process exit code.
    pub fn code(self) -> i32 {
        self as i32
    }
}
