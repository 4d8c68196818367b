//! One vault the emulator serves: the plan of its groups, its ARM id, the
//! faults, the subscription's shared budgets and where its state and world
//! live in; the handlers' state of that vault ([`Emu`]) out, and the tenant
//! each subscription belongs to.

use std::path::PathBuf;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, PoisonError};

use super::automation::Automation;
use super::json::{EmuItem, Names};
use super::limits::HttpState;
use super::{Counters, DEFAULT_TENANT, Emu, EmulatorError, EmulatorOptions, Tenants};
use crate::clock::Clock;
use crate::plan::Plan;
use crate::provider::Target;
use crate::provider::simulator::Simulator;

/// Where one vault's simulated state and world live (`None`: in memory,
/// the world the plan implies).
pub(super) struct VaultFiles {
    pub(super) state: Option<PathBuf>,
    pub(super) world: Option<PathBuf>,
}

impl Emu {
    /// The handlers' state of one vault: `plan` holds that vault's groups.
    #[allow(clippy::too_many_arguments)] // one private constructor, called twice
    pub(super) fn open(
        plan: &Plan,
        id: &str,
        faults: crate::provider::simulator::Faults,
        http: Arc<HttpState>,
        tenants: &Tenants,
        files: &VaultFiles,
        clock: Clock,
        options: &EmulatorOptions,
    ) -> Result<Emu, EmulatorError> {
        let names = Names::new(plan, id).ok_or_else(|| EmulatorError::BadVault(id.to_owned()))?;
        let sim = match &files.state {
            Some(state) => Simulator::open_files(plan, state, None, clock, options.speed)?,
            None => Simulator::in_memory(plan, clock, options.speed),
        }
        .with_faults(faults);
        let sim = match &files.world {
            Some(world) => sim.with_world_file(world)?,
            None => sim,
        };
        let items = plan
            .groups
            .iter()
            .flat_map(|g| {
                g.vms.iter().map(|vm| {
                    let target = Target::of(&g.name, vm);
                    EmuItem::new(&plan.name, target, vm.item.as_deref())
                })
            })
            .collect();
        Ok(Emu {
            speed: sim.speed(),
            sim: Arc::new(sim),
            clock,
            names,
            items,
            automation: Automation::new(plan),
            recovery_plans: super::routes::RecoveryPlans::default(),
            power_offs: super::routes::PowerOffs::default(),
            http,
            tenants: Arc::clone(tenants),
            requests: AtomicU64::new(0),
            items_page: options
                .page_size
                .map_or(super::routes::ITEMS_PAGE, std::num::NonZeroUsize::get),
            jobs_page: options
                .page_size
                .map_or(super::routes::JOBS_PAGE, std::num::NonZeroUsize::get),
            #[cfg(test)]
            inventory: None,
            stats: Counters::default(),
        })
    }

    /// The tenant of a subscription.
    pub(crate) fn tenant_of(&self, subscription: &str) -> String {
        self.tenants
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&subscription.to_ascii_lowercase())
            .cloned()
            .unwrap_or_else(|| DEFAULT_TENANT.to_owned())
    }
}
