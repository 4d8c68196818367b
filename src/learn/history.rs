//! The runs a store keeps, read once for what looks back at them: a run
//! store in; each run's journal, its replayed state and where it came from
//! ([`Origin`]) out. `drplan runs`, the drill gate and learned estimates
//! read runs through it.

use crate::journal::{Event, Origin, Record, RunState, RunStore};

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
/// and left out: one damaged journal must not hide the rest).
pub async fn read(store: &dyn RunStore) -> Vec<PastRun> {
    let runs = match store.list().await {
        Ok(runs) => runs,
        Err(e) => {
            tracing::warn!("{e}");
            return Vec::new();
        }
    };
    let mut out = Vec::with_capacity(runs.len());
    for run in runs {
        match store.read(&run).await {
            Ok(records) => out.extend(PastRun::from_records(records)),
            Err(e) => tracing::warn!("{e}"),
        }
    }
    out
}
