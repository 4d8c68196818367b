//! Where results and messages go: results to stdout, errors to stderr (or,
//! under `--format json`, to stdout as a `drplan.error/1` document), JSON
//! written whole and named by its `schema` first key; the terminal width for
//! wrapping diagnostics.

use std::io::Write;

use serde::Serialize;

use super::exit::ExitCode;

/// The JSON documents drplan prints on stdout; each is named by its first
/// key, `"schema": "drplan.<document>/1"`, so programs know what they read
/// and which version of its shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Schema {
    /// `drplan approve` / `reject`.
    Approve,
    /// `drplan check --format json`.
    Check,
    /// `drplan configure --format json`.
    Configure,
    /// `drplan diff --format json`.
    Diff,
    /// `drplan run --dry-run --format json`.
    DryRun,
    /// An error or refusal.
    Error,
    /// `drplan export --report json` (on stderr).
    Export,
    /// One event of a run, a line each (`run`/`resume --format json`).
    Event,
    /// `drplan graph --format json`.
    Graph,
    /// `drplan jobs --format json`.
    Jobs,
    /// `drplan output --format json`.
    Output,
    /// `drplan runs --format json`.
    Runs,
    /// `drplan status --format json`.
    Status,
}

impl Schema {
    /// `drplan.check/1`.
    pub(super) fn as_str(self) -> &'static str {
        match self {
            Schema::Approve => "drplan.approve/1",
            Schema::Check => "drplan.check/1",
            Schema::Diff => "drplan.diff/1",
            Schema::Configure => "drplan.configure/1",
            Schema::DryRun => "drplan.dry_run/1",
            Schema::Error => "drplan.error/1",
            Schema::Export => "drplan.export/1",
            Schema::Event => "drplan.event/1",
            Schema::Graph => "drplan.graph/1",
            Schema::Jobs => "drplan.jobs/1",
            Schema::Output => "drplan.output/1",
            Schema::Runs => "drplan.runs/1",
            Schema::Status => "drplan.status/1",
        }
    }
}

/// A document: `schema` first, then the fields of the body (an object).
#[derive(Serialize)]
struct Document<'a, T: ?Sized> {
    schema: &'static str,
    #[serde(flatten)]
    body: &'a T,
}

/// One line of JSON for `body` named by `schema`, ending in a newline.
pub(super) fn document_line<T: Serialize + ?Sized>(
    schema: Schema,
    body: &T,
) -> Result<String, serde_json::Error> {
    let text = serde_json::to_string(&Document {
        schema: schema.as_str(),
        body,
    })?;
    Ok(text + "\n")
}

/// Writes `body` as one line of JSON to stdout, named by `schema`.
pub(super) fn document<T: Serialize + ?Sized>(schema: Schema, body: &T) {
    match document_line(schema, body) {
        Ok(text) => print(&text),
        Err(e) => error(&format!("cannot write JSON: {e}")),
    }
}

/// What went wrong, as programs match on it (`error.code` of `drplan.error/1`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum ErrorCode {
    /// The plan has errors (`error.diagnostics` says which).
    PlanInvalid,
    /// A file or folder could not be read (or stdin).
    Unreadable,
    /// The command line asks for something that does not exist or cannot be.
    Usage,
    /// No run with that id is kept.
    RunNotFound,
    /// The run cannot do what is asked in the state it is in.
    RunState,
    /// Another `drplan` holds the plan's lock.
    Locked,
    /// The machines are not ready for the operation (`error.readiness`).
    NotReady,
    /// Secrets the plan reads are not set.
    MissingSecrets,
    /// The plan's vaults cannot be used together (different tenants).
    Refused,
    /// Talking to the vault, the run store or the hooks failed.
    Failed,
    /// Interrupted before anything was done.
    Interrupted,
}

/// An error with its code, as commands pass it up before it is said.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub(crate) struct Refusal {
    /// What went wrong, as a code.
    pub(crate) code: ErrorCode,
    /// What went wrong, for people.
    pub(crate) message: String,
}

impl Refusal {
    /// A refusal of `code` that says `message`.
    pub(crate) fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}

/// The error document: `{"schema":"drplan.error/1","error":{…}}`.
#[derive(Debug, Serialize)]
pub(crate) struct ErrorBody<'a> {
    /// What went wrong, as a code.
    pub(crate) code: ErrorCode,
    /// What went wrong, for people.
    pub(crate) message: &'a str,
    /// The exit code drplan ends with.
    pub(crate) exit: i32,
    /// Details of some codes (`diagnostics`, `readiness`, `holder`, …).
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub(crate) details: Option<serde_json::Value>,
}

/// How errors are said: text on stderr for people, a JSON document on
/// stdout for programs (`--format json`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ErrorsAs {
    /// `error: …` on stderr.
    Text,
    /// `drplan.error/1` on stdout.
    Json,
}

impl ErrorsAs {
    /// JSON when `json` is set.
    pub(crate) fn json_if(json: bool) -> Self {
        if json { ErrorsAs::Json } else { ErrorsAs::Text }
    }

    /// Says an error once, the way chosen, and gives the exit code back.
    pub(crate) fn fail(self, code: ErrorCode, message: &str, exit: ExitCode) -> ExitCode {
        self.fail_with(code, message, exit, None)
    }

    /// [`ErrorsAs::fail`] with details: `details` is an object whose fields
    /// join `error` in JSON; text shows only the message.
    pub(crate) fn fail_with(
        self,
        code: ErrorCode,
        message: &str,
        exit: ExitCode,
        details: Option<serde_json::Value>,
    ) -> ExitCode {
        match self {
            ErrorsAs::Text => error(message),
            ErrorsAs::Json => document(
                Schema::Error,
                &serde_json::json!({
                    "error": ErrorBody {
                        code,
                        message,
                        exit: exit.code(),
                        details,
                    }
                }),
            ),
        }
        exit
    }
}

/// Prints `error: …` to stderr. Errors quote what came from outside (a
/// vault's answer, a file's name), so control characters are escaped.
pub(super) fn error(message: &str) {
    eprintln!("error: {}", crate::printable::printable(message));
}

/// Writes text to stdout; a closed pipe (`drplan … | head`) is not an error.
pub(super) fn print(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
}

/// Writes a value as one line of JSON to stdout, for standard formats that
/// carry no `schema` of ours (SARIF).
pub(super) fn json<T: serde::Serialize>(value: &T) {
    match serde_json::to_string(value) {
        Ok(text) => print(&(text + "\n")),
        Err(e) => error(&format!("cannot write JSON: {e}")),
    }
}

/// The width diagnostics wrap at: `COLUMNS`, else 100.
pub(super) fn width() -> usize {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse().ok())
        .filter(|w: &usize| *w >= 40)
        .unwrap_or(100)
}
