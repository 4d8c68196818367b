//! The runs a store keeps, read once for what looks back at them: a run
//! store in; each run's journal, its replayed state and where it came from
//! ([`Origin`]) out. `drplan runs`, the drill gate and learned estimates
//! read runs through it.

use crate::journal::{Event, JournalError, Origin, Record, RunState, RunStore};

/// One run as its journal tells it.
#[derive(Debug, Clone)]
pub struct PastRun {
    /// The run, replayed.
    pub state: RunState,
    /// Where it came from, as its first `run_started` says (none for
    /// journals older than origins).
    pub origin: Option<Origin>,
    /// Its journal.
    pub records: Vec<Record>,
}

impl PastRun {
    /// A run from its journal; `None` when the journal has no `run_started`.
    pub fn from_records(records: Vec<Record>) -> Option<PastRun> {
        let state = RunState::replay(&records)?;
        let origin = records.iter().find_map(|r| match &r.event {
            Event::RunStarted { origin, .. } => Some(origin.clone()),
            _ => None,
        })?;
        Some(PastRun {
            state,
            origin,
            records,
        })
    }
}

/// Every run of `store` whose journal can be read (the others are logged
/// and left out: one damaged journal must not hide the rest); none, with a
/// warning, when the store cannot list its runs.
pub async fn read(store: &dyn RunStore) -> Vec<PastRun> {
    newest(store, usize::MAX).await.unwrap_or_else(|e| {
        tracing::warn!("{e}");
        Vec::new()
    })
}

/// The newest `at_most` runs of `store` whose journal can be read, oldest
/// first (run ids start with their start time); an error only when the
/// store cannot list its runs.
pub async fn newest(store: &dyn RunStore, at_most: usize) -> Result<Vec<PastRun>, JournalError> {
    let mut runs = store.list().await?;
    runs.sort();
    let skip = runs.len().saturating_sub(at_most);
    let mut out = Vec::with_capacity(runs.len() - skip);
    for run in &runs[skip..] {
        match store.read(run).await {
            Ok(records) => out.extend(PastRun::from_records(records)),
            Err(e) => tracing::warn!("{e}"),
        }
    }
    Ok(out)
}
