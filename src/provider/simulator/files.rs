//! Where a simulated vault lives on disk: a plan and its file's path (or a
//! state file and a fault file named on the command line) in; a
//! [`Simulator`] that loads and saves its state there out, with the state's
//! folder made private (see [`crate::owner_only`]).

use std::path::Path;
use std::sync::PoisonError;

use super::{Faults, Simulator, pair, store};
use crate::clock::Clock;
use crate::plan::Plan;
use crate::provider::ProviderError;

impl Simulator {
    /// The simulated vault of the plan at `plan_path`: loads its state file
    /// (creating `.drplan/` if missing) or starts fresh, adds VMs the plan
    /// gained, and reads the fault file beside the plan, if any.
    pub fn open(
        plan: &Plan,
        plan_path: &Path,
        clock: Clock,
        speed: f64,
    ) -> Result<Simulator, ProviderError> {
        let dir = plan_path.parent().unwrap_or(Path::new(""));
        let stem = plan_path
            .file_stem()
            .map_or_else(|| plan.name.clone(), |s| s.to_string_lossy().into_owned());
        let state = dir.join(".drplan").join(format!("{stem}.vault.json"));
        let faults = dir.join(format!("{stem}.faults.json"));
        // An unreadable fault file is reported by reading it.
        let faults = faults.try_exists().unwrap_or(true).then_some(faults);
        Simulator::open_files(plan, &state, faults.as_deref(), clock, speed)
    }

    /// The simulated vault kept in the file `state` (created, with its
    /// folder, if missing), with the faults of the file `faults` when given
    /// (`drplan emulator --state FILE --faults FILE`).
    pub fn open_files(
        plan: &Plan,
        state: &Path,
        faults: Option<&Path>,
        clock: Clock,
        speed: f64,
    ) -> Result<Simulator, ProviderError> {
        if let Some(dir) = state.parent().filter(|d| !d.as_os_str().is_empty()) {
            // The `.drplan` folder beside a plan is drplan's own, tightened
            // if an earlier version made it open; a folder the user named
            // for `--state` keeps its mode.
            let made = if dir.file_name().is_some_and(|n| n == ".drplan") {
                crate::owner_only::create_dir_all(dir.parent().unwrap_or(Path::new("")), dir)
            } else {
                crate::owner_only::create_missing(dir)
            };
            made.map_err(|source| ProviderError::Io {
                path: store::display(dir),
                source,
            })?;
        }
        let faults = match faults {
            Some(path) => read_faults(path, plan)?,
            None => Faults::default(),
        };
        let mut sim = Simulator::in_memory(plan, clock, speed).with_faults(faults);
        let now = clock.now();
        let inner = sim.inner.get_mut().unwrap_or_else(PoisonError::into_inner);
        let added = match store::load(state, now)? {
            Some(mut vault) => {
                let added = vault.add_missing(sim.plan_items.iter().map(pair));
                inner.vault = vault;
                added
            }
            None => true,
        };
        inner.seen = if added {
            store::save(state, &inner.vault)?
        } else {
            store::fingerprint(state)?
        };
        sim.path = Some(state.to_path_buf());
        Ok(sim)
    }
}

fn read_faults(path: &Path, plan: &Plan) -> Result<Faults, ProviderError> {
    let bad = |message: String| ProviderError::BadFile {
        path: store::display(path),
        message,
    };
    match std::fs::read_to_string(path) {
        Ok(text) => Faults::parse(&text, plan).map_err(|e| {
            bad(format!(
                "{e}; fix the fault file or delete it to run without faults"
            ))
        }),
        Err(e) => Err(bad(format!("cannot read the fault file ({e})"))),
    }
}
