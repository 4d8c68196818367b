//! A VM's power, for the shutdown before a `failback { order
//! shutdown_reversed }`: Compute's `virtualMachines/{vm}/instanceView` and
//! `…/powerOff` in; the item the VM belongs to found, its power state read
//! from the simulated vault, or its shutdown started there; the instance
//! view, or `202` and where to follow the power-off, out; and the
//! power-off's status (`…/locations/{region}/operations/{id}`).
//!
//! A VM id belongs to an item when it is what the item's JSON names: its
//! `fabricObjectId`, or `recoveryAzureResourceGroupId` and
//! `recoveryAzureVMName`. Its power state is `stopping` while a power-off
//! runs, then `stopped` until a job brings the VM up in the other region.
//! A power-off the item's state does not allow (the VM is not active in the
//! recovery region, or a job runs on it) answers 409, as a failback would,
//! rather than starting something the instance view never shows ending.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};

use super::super::Emu;
use super::super::arm::compute::{self, PowerState};
use super::super::arm::{Below, Group, Kind, resource_id};
use super::super::json::{fnv1a, guid};
use super::reply::{Link, Query, Reply};
use crate::clock::Timestamp;
use crate::provider::{Machine, Provider, ProviderError};

/// The power-offs asked of the vault's VMs, by operation id; shared with
/// the tasks that run them.
#[derive(Debug, Default, Clone)]
pub(crate) struct PowerOffs(Arc<Mutex<BTreeMap<String, PowerOp>>>);

#[derive(Debug, Clone)]
struct PowerOp {
    /// The item whose VM it stops.
    item: usize,
    started: Timestamp,
    /// When it ended, and why it failed if it did.
    ended: Option<(Timestamp, Option<String>)>,
}

impl PowerOffs {
    fn with<T>(&self, f: impl FnOnce(&mut BTreeMap<String, PowerOp>) -> T) -> T {
        f(&mut self.0.lock().unwrap_or_else(PoisonError::into_inner))
    }

    /// Whether a power-off of item `i` is under way: its id.
    fn running(&self, i: usize) -> Option<String> {
        self.with(|ops| {
            ops.iter()
                .find(|(_, op)| op.item == i && op.ended.is_none())
                .map(|(id, _)| id.clone())
        })
    }
}

impl Emu {
    /// `instanceView` (GET) or `powerOff` (POST) of the VM `name` of `group`.
    pub(super) async fn vm_power(
        &self,
        group: &Group,
        name: &str,
        below: &Below,
        link: &Link,
    ) -> Result<Reply, ProviderError> {
        let id = resource_id(group, Kind::VirtualMachine, name);
        let Some((i, machine)) = self.item_of_arm_vm(&id).await? else {
            let what = format!("{}/{name}", Kind::VirtualMachine.arm_type());
            return self.missing(group, &what).await;
        };
        if *below == Below::PowerOff {
            return self.power_off(i, &machine, &group.subscription, link);
        }
        let power = if self.power_offs.running(i).is_some() {
            PowerState::Stopping
        } else if self.sim.powered_off(&self.items[i].target)? {
            PowerState::Stopped
        } else {
            PowerState::Running
        };
        Ok(Reply::ok(compute::instance_view(name, power)))
    }

    /// The item whose VM `id` is, and its machine.
    async fn item_of_arm_vm(&self, id: &str) -> Result<Option<(usize, Machine)>, ProviderError> {
        let targets = self.targets(0..self.items.len());
        let machines = self.sim.machines(&targets).await?;
        Ok(machines.into_iter().enumerate().find(|(_, m)| {
            let recovered = match (&m.target.resource_group, &m.target.vm_name) {
                (Some(group), Some(vm)) => Some(format!(
                    "{}/providers/{}/{vm}",
                    group.trim_end_matches('/'),
                    Kind::VirtualMachine.arm_type()
                )),
                _ => None,
            };
            std::iter::once(self.names.source_vm(m))
                .chain(recovered)
                .any(|vm| vm.eq_ignore_ascii_case(id))
        }))
    }

    /// Starts the shutdown of item `i`'s VM in the simulated vault; `202`
    /// and where to follow it (one already running is followed again).
    fn power_off(
        &self,
        i: usize,
        machine: &Machine,
        subscription: &str,
        link: &Link,
    ) -> Result<Reply, ProviderError> {
        let id = self
            .power_offs
            .running(i)
            .map_or_else(|| self.start_power_off(i), Ok)?;
        let status = format!(
            "{}/subscriptions/{subscription}/providers/Microsoft.Compute/locations/{}/operations/{id}?api-version={}",
            link.base,
            self.names.region(machine.active_location),
            link.api
        );
        Ok(Reply::empty(202)
            .header("Location", &format!("{status}&monitor=true"))
            .header("Azure-AsyncOperation", &status)
            .header("Retry-After", &self.retry_after_s()))
    }

    /// Starts the shutdown of item `i`'s VM in the background: the
    /// operation's id, or the refusal of the item's state.
    fn start_power_off(&self, i: usize) -> Result<String, ProviderError> {
        let target = &self.items[i].target;
        self.sim.may_shut_down(target)?;
        let id = self.power_offs.with(|ops| {
            let id = guid(
                fnv1a(&format!("powerOff:{}", target.item)),
                ops.len() as u64,
            );
            ops.insert(
                id.clone(),
                PowerOp {
                    item: i,
                    started: self.clock.now(),
                    ended: None,
                },
            );
            id
        });
        let (sim, ops, clock) = (Arc::clone(&self.sim), self.power_offs.clone(), self.clock);
        let (target, op) = (target.clone(), id.clone());
        tokio::spawn(async move {
            let failed = sim.shutdown(&target).await.err().map(|e| e.to_string());
            ops.with(|ops| {
                if let Some(op) = ops.get_mut(&op) {
                    op.ended = Some((clock.now(), failed));
                }
            });
        });
        Ok(id)
    }

    /// A power-off's status: the operation's JSON; with `monitor=true` (its
    /// `Location`), `202` while it runs and `200` once it has ended.
    pub(super) fn power_off_status(&self, id: &str, query: &Query, link: &Link) -> Reply {
        let Some(op) = self.power_offs.with(|ops| ops.get(id).cloned()) else {
            return Reply::error(
                404,
                "ResourceNotFound",
                &format!("The operation '{id}' was not found."),
            );
        };
        if query.get("monitor") == Some("true") {
            return match op.ended {
                None => Reply::empty(202)
                    .header(
                        "Location",
                        &format!(
                            "{}{}?api-version={}&monitor=true",
                            link.base, link.path, link.api
                        ),
                    )
                    .header("Retry-After", &self.retry_after_s()),
                Some(_) => Reply::empty(200),
            };
        }
        let started = op.started.to_string();
        let ended = op
            .ended
            .as_ref()
            .map(|(at, why)| (at.to_string(), why.clone()));
        Reply::ok(compute::operation_status(
            id,
            &started,
            ended
                .as_ref()
                .map(|(at, why)| (at.as_str(), why.as_deref())),
        ))
    }
}
