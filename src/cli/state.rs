//! Where a command keeps or finds run state: `--state URL`, `DRPLAN_STATE`,
//! the plan's `state "URL"` and the plan file in; a [`Place`] (the local
//! `.drplan/` folder beside the plan, or a Blob Storage container) out, and,
//! opened with the command's credential, the [`Store`] itself.

use std::path::Path;

use crate::journal::blob::OpenError;
use crate::journal::{
    BlobLocation, BlobStore, LocalStore, LocationError, LocationSource, RunStore,
};
use crate::plan::Plan;
use crate::provider::azure::CredentialKind;

/// The variable that names the state URL when `--state` does not.
pub(crate) const STATE_VAR: &str = "DRPLAN_STATE";

/// `--state URL`, shared by the commands that read or write run state.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct StateArgs {
    /// Keep run state (journal, lock, approvals, hook output) in Azure Blob Storage:
    /// `https://ACCOUNT.blob.core.windows.net/CONTAINER[/PREFIX]`, with a SAS query or signed in
    /// as `--credential`. Default: `DRPLAN_STATE`, then the plan's `state`, then `.drplan/`
    /// beside the plan.
    #[arg(long = "state", value_name = "URL")]
    pub url: Option<String>,
}

/// Where a command that names a run (`approve`, `reject`, `output`) finds it.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct RunAt {
    /// The plan file or folder whose `.drplan/` holds the run (or whose `state` names the shared
    /// store); default: search below the current folder.
    #[arg(long)]
    pub plan: Option<std::path::PathBuf>,
    /// Where run state is kept.
    #[command(flatten)]
    pub state: StateArgs,
}

/// Why the state location cannot be used.
#[derive(Debug, thiserror::Error)]
pub(crate) enum StateError {
    /// The URL is malformed.
    #[error("{source} (from {from})")]
    Location {
        /// Which setting gave it.
        from: LocationSource,
        /// What is wrong.
        #[source]
        source: LocationError,
    },
    /// The store could not be opened.
    #[error(transparent)]
    Open(#[from] OpenError),
}

/// Where run state is, before it is opened.
#[derive(Debug, Clone)]
pub(crate) enum Place {
    /// `.drplan/` beside the plan.
    Local(LocalStore),
    /// A Blob Storage container.
    Blob(BlobLocation, LocationSource),
}

/// An opened store.
pub(crate) enum Store {
    Local(LocalStore),
    Blob(Box<BlobStore>),
}

impl Store {
    /// The store behind the seam.
    pub(crate) fn get(&self) -> &dyn RunStore {
        match self {
            Store::Local(s) => s,
            Store::Blob(s) => s.as_ref(),
        }
    }

    /// The store holding run `run_id` (see [`Store::holding`]), the run's
    /// id, checked, and its journal.
    pub(crate) async fn with_run(
        run_id: &str,
        at: &RunAt,
        credential: CredentialKind,
    ) -> Result<(Store, crate::journal::RunId, Vec<crate::journal::Record>), RunLookupError> {
        let store = Store::holding(run_id, &at.state, at.plan.as_deref(), credential).await?;
        let id = crate::journal::RunId(run_id.to_string());
        if !crate::journal::RunId::is_valid(run_id) {
            return Err(RunLookupError::NotARunId(run_id.to_string()));
        }
        let records = store.get().read(&id).await?;
        Ok((store, id, records))
    }

    /// The store for a command that names a run: [`for_run`]'s shared
    /// store, else the `.drplan/` folder beside `plan` (or below the
    /// current folder) that holds it.
    pub(crate) async fn holding(
        run_id: &str,
        args: &StateArgs,
        plan: Option<&Path>,
        credential: CredentialKind,
    ) -> Result<Store, RunLookupError> {
        let place = match for_run(args, plan).map_err(RunLookupError::Location)? {
            Some(place) => place,
            None => Place::Local(super::runs::find(run_id, plan).await?),
        };
        Ok(place.open(credential).await?)
    }
}

/// Why the run a command names cannot be had.
#[derive(Debug, thiserror::Error)]
pub(crate) enum RunLookupError {
    /// Not the shape of a run id.
    #[error("`{0}` is not a run id; `drplan runs` lists them")]
    NotARunId(String),
    /// No `.drplan/` folder the command looks in holds it.
    #[error(
        "no run `{run_id}` {place}; `drplan runs` lists the runs, `--plan PATH` points at the plan's folder, and `--state URL` (or `DRPLAN_STATE`) at a shared store"
    )]
    NotFound {
        /// The id given.
        run_id: String,
        /// Where it was looked for.
        place: String,
    },
    /// The shared location given is wrong.
    #[error("{0}")]
    Location(String),
    /// The store cannot be opened.
    #[error(transparent)]
    Open(#[from] StateError),
    /// The store cannot be read (or holds no such run).
    #[error(transparent)]
    Journal(#[from] crate::journal::JournalError),
}

impl From<RunLookupError> for super::output::Refusal {
    fn from(e: RunLookupError) -> Self {
        use super::output::ErrorCode;
        let code = match &e {
            RunLookupError::NotARunId(_) | RunLookupError::Location(_) => ErrorCode::Usage,
            RunLookupError::NotFound { .. }
            | RunLookupError::Journal(crate::journal::JournalError::UnknownRun(_)) => {
                ErrorCode::RunNotFound
            }
            RunLookupError::Open(_) | RunLookupError::Journal(_) => ErrorCode::Failed,
        };
        Self::new(code, e.to_string())
    }
}

/// The shared location named on the command line or in the environment,
/// if any (`--state` first).
pub(crate) fn named(args: &StateArgs) -> Result<Option<Place>, StateError> {
    let (text, from) = match (&args.url, std::env::var(STATE_VAR)) {
        (Some(url), _) => (url.clone(), LocationSource::Flag),
        (None, Ok(url)) if !url.trim().is_empty() => (url, LocationSource::Env),
        _ => return Ok(None),
    };
    let location =
        BlobLocation::parse(&text).map_err(|source| StateError::Location { from, source })?;
    Ok(Some(Place::Blob(location, from)))
}

/// Where a plan's runs are kept: [`named`], else the plan's `state`, else
/// `.drplan/` beside the plan file.
pub(crate) fn of_plan(
    args: &StateArgs,
    plan: &Plan,
    plan_file: &Path,
) -> Result<Place, StateError> {
    if let Some(place) = named(args)? {
        return Ok(place);
    }
    Ok(match &plan.state {
        Some(location) => Place::Blob(location.clone(), LocationSource::Plan),
        None => Place::Local(LocalStore::beside(plan_file)),
    })
}

impl Place {
    /// Opens the store, signing in as `credential` unless a SAS is given.
    pub(crate) async fn open(self, credential: CredentialKind) -> Result<Store, StateError> {
        match self {
            Place::Local(store) => Ok(Store::Local(store)),
            Place::Blob(location, from) => {
                tracing::info!("run state in {location} (from {from})");
                Ok(Store::Blob(Box::new(
                    BlobStore::open(location, credential).await?,
                )))
            }
        }
    }
}

/// The shared store of a command that names a run: [`named`], or the
/// `state` setting of the plan file `--plan` names; `None` means the run is
/// looked for in `.drplan/` folders.
pub(crate) fn for_run(args: &StateArgs, plan: Option<&Path>) -> Result<Option<Place>, String> {
    if let Some(place) = named(args).map_err(|e| e.to_string())? {
        return Ok(Some(place));
    }
    let Some(file) = plan.filter(|p| p.is_file()) else {
        return Ok(None);
    };
    Ok(plan_state(file).map(|location| Place::Blob(location, LocationSource::Plan)))
}

/// The `state` setting of a plan file, if it compiles and has one. Only a
/// file that mentions `state` at all is compiled: `runs` asks this of
/// every plan below a folder, and most have none.
pub(crate) fn plan_state(file: &Path) -> Option<BlobLocation> {
    let source = super::paths::read(file).ok()?;
    if !source.text.contains("state") {
        return None;
    }
    crate::compile(&source).0.and_then(|plan| plan.state)
}
