//! Where a simulated vault lives on disk: a plan and its file's path (or a
//! state file, a fault file and a world file named on the command line) in;
//! a [`Simulator`] that loads and saves its state there and reads its
//! rehearsal world's file whenever it changes out, with the state's folder
//! made private (see [`crate::owner_only`]).

use std::path::{Path, PathBuf};
use std::sync::PoisonError;

use super::{Faults, Simulator, World, disk};
use crate::clock::Clock;
use crate::plan::Plan;
use crate::provider::ProviderError;

/// The files of the simulated vault of a plan, beside the plan file: the
/// one place that names them (a plan across vaults names its other vaults'
/// state after the plan vault's, see `provider::estate::state_file`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Beside {
    /// `.drplan/<stem>.vault.json`: the vault's state.
    pub state: PathBuf,
    /// `<stem>.faults.json`: faults to inject, when it exists.
    pub faults: PathBuf,
    /// `<stem>.world.json` (or the suffix in use): the rehearsal world.
    pub world: PathBuf,
}

impl Beside {
    /// The files of the plan at `plan_path` (`plan`'s name when the path
    /// has no file name).
    pub fn of(plan: &Plan, plan_path: &Path) -> Beside {
        let dir = plan_path.parent().unwrap_or(Path::new(""));
        let stem = plan_path
            .file_stem()
            .map_or_else(|| plan.name.clone(), |s| s.to_string_lossy().into_owned());
        Beside {
            state: dir.join(".drplan").join(format!("{stem}.vault.json")),
            faults: dir.join(format!("{stem}.faults.json")),
            world: dir.join(format!("{stem}{}", super::WORLD_FILE_SUFFIX)),
        }
    }
}

impl Simulator {
    /// The simulated vault of the plan at `plan_path`: loads its state file
    /// (creating `.drplan/` if missing) or starts fresh, adds VMs the plan
    /// gained, reads the fault file beside the plan, if any, and the world
    /// file beside it whenever it exists and changes.
    pub fn open(
        plan: &Plan,
        plan_path: &Path,
        clock: Clock,
        speed: f64,
    ) -> Result<Simulator, ProviderError> {
        let files = Beside::of(plan, plan_path);
        // An unreadable fault file is reported by reading it.
        let faults = files
            .faults
            .try_exists()
            .unwrap_or(true)
            .then_some(files.faults);
        Simulator::open_files(plan, &files.state, faults.as_deref(), clock, speed)?
            .with_world_file(&files.world)
    }

    /// The world of the file `path` beside the vault (`drplan emulator
    /// --world FILE`), read now if it exists and again whenever it changes
    /// (a missing file means the world the plan implies).
    pub fn with_world_file(mut self, path: &Path) -> Result<Simulator, ProviderError> {
        let seen = disk::fingerprint(path)?;
        let world = match seen {
            Some(_) => read_world(path, &self.base_world)?,
            None => self.base_world.clone(),
        };
        let inner = self.inner.get_mut().unwrap_or_else(PoisonError::into_inner);
        inner.world = world;
        inner.world_seen = seen;
        inner.world_due = true;
        self.world_path = Some(path.to_path_buf());
        Ok(self)
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
                path: disk::display(dir),
                source,
            })?;
        }
        let faults = match faults {
            Some(path) => read_faults(path, plan)?,
            None => Faults::default(),
        };
        let mut sim = Simulator::in_memory(plan, clock, speed).with_faults(faults);
        sim.path = Some(state.to_path_buf());
        // One change that changes nothing itself: reads the file (a fresh
        // vault when it is new), adds the VMs the plan gained, and writes
        // what that changed (the whole vault to a new file, and a file of
        // the earlier format rewritten in the current one).
        sim.with_vault(true, |_, _| Ok(()))?;
        Ok(sim)
    }
}

fn read_faults(path: &Path, plan: &Plan) -> Result<Faults, ProviderError> {
    faults_file(path, plan, false)
}

/// The fault file at `path`, read against `plan`; no faults when it does not
/// exist. Errors name the file and say how to fix it.
pub fn read_faults_if_present(path: &Path, plan: &Plan) -> Result<Faults, ProviderError> {
    faults_file(path, plan, true)
}

fn faults_file(path: &Path, plan: &Plan, may_be_missing: bool) -> Result<Faults, ProviderError> {
    let bad = |message: String| ProviderError::BadFile {
        path: disk::display(path),
        message,
    };
    match std::fs::read_to_string(path) {
        Ok(text) => Faults::parse(&text, plan).map_err(|e| {
            bad(format!(
                "{e}; fix the fault file or delete it to run without faults"
            ))
        }),
        Err(e) if may_be_missing && e.kind() == std::io::ErrorKind::NotFound => {
            Ok(Faults::default())
        }
        Err(e) => Err(bad(format!("cannot read the fault file ({e})"))),
    }
}

/// The world a world file describes, `base` edited; errors name the file.
pub(super) fn read_world(path: &Path, base: &World) -> Result<World, ProviderError> {
    let bad = |message: String| ProviderError::BadFile {
        path: disk::display(path),
        message,
    };
    match std::fs::read_to_string(path) {
        Ok(text) => base.edited(&text).map_err(|e| {
            bad(format!(
                "{e}; fix the world file, or delete it to rehearse in the world the plan implies"
            ))
        }),
        Err(e) => Err(bad(format!("cannot read the world file ({e})"))),
    }
}
