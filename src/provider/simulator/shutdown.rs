//! Powering a simulated VM off where it runs, for a `failback { order
//! shutdown_reversed }`: a plan VM in; the item's VM marked powered off in
//! the vault (the state file shows `"powered_off": true` until a job brings
//! the VM up in the other region), or a refusal, out.
//!
//! The state is read before anything is done: a VM already off is left as
//! it is and reported so, which makes a retried or resumed shutdown a no-op.
//! A shutdown takes [`VM_SHUTDOWN`] divided by the speed, and is recorded at
//! its end: one interrupted before is simply not done.

use super::Simulator;
use super::store::Vault;
use crate::graph::Operation;
use crate::operation::VM_SHUTDOWN;
use crate::provider::{Location, PowerOff, ProviderError, Target};

impl Simulator {
    /// [`crate::provider::Provider::shutdown`] on the simulated vault.
    pub(super) async fn shutdown_vm(&self, target: &Target) -> Result<PowerOff, ProviderError> {
        if self.with_vault(false, |vault, _| is_off(vault, target))? {
            return Ok(PowerOff::AlreadyStopped);
        }
        tokio::time::sleep(VM_SHUTDOWN.to_std().div_f64(self.speed)).await;
        self.with_vault(true, |vault, _| {
            // Another process may have acted meanwhile: read again.
            if is_off(vault, target)? {
                return Ok(PowerOff::AlreadyStopped);
            }
            vault.power_off(&target.item);
            Ok(PowerOff::Stopped)
        })
    }

    /// Whether the VM an item runs as now is powered off (what `drplan
    /// emulator` shows in the VM's instance view); `false` for an item the
    /// vault does not hold.
    pub(crate) fn powered_off(&self, target: &Target) -> Result<bool, ProviderError> {
        self.with_vault(false, |vault, _| {
            Ok(vault.item(&target.item).is_some_and(|i| i.powered_off))
        })
    }

    /// Whether a shutdown of the VM may start, as [`Self::shutdown_vm`]
    /// checks it first: `Ok(true)` when it is off already, the refusal
    /// when the item's state does not allow it.
    pub(crate) fn may_shut_down(&self, target: &Target) -> Result<bool, ProviderError> {
        self.with_vault(false, |vault, _| is_off(vault, target))
    }
}

/// Whether the VM is off already; refuses one that is not idle and active
/// in the recovery region, as a failback would.
fn is_off(vault: &Vault, target: &Target) -> Result<bool, ProviderError> {
    let Some(item) = vault.item(&target.item) else {
        return Err(ProviderError::UnknownMachine {
            vm: target.vm.clone(),
            item: target.item.clone(),
        });
    };
    let refuse = |reason: String| ProviderError::NotAllowed {
        vm: target.vm.clone(),
        operation: Operation::Failback,
        reason,
    };
    if item.state.active != Location::Recovery {
        return Err(refuse(
            "the shutdown before a failback needs the VM active in the recovery region; it runs in the primary region".to_owned(),
        ));
    }
    if let Some(job) = &item.current_job {
        return Err(refuse(format!(
            "job {job} is in progress on it; wait for it (`drplan jobs`) and resume"
        )));
    }
    Ok(item.powered_off)
}
