//! Where the simulated vault's VMs stand: an item (its state, settings and
//! the job creating a VM for it, if any) in, its [`Placement`]s out. The
//! vault keeps a [`Tally`] of them (see `store`) that the world turns into
//! quota and reservation use (see `world`).
//!
//! An item's protected VM counts in the region it is active in (a failover
//! moves it to the recovery region, a failback back); a test failover's VM
//! counts in the other region until its cleanup ends; a job creating a VM
//! counts it from its start, as ASR holds what it is bringing up.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::jobs::JobRecord;
use super::state::Stage;
use super::store::Item;
use crate::provider::Location;

/// A VM the simulated vault has created or runs: where, what size, in
/// which capacity reservation group and zone.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub(crate) struct Placement {
    pub(crate) region: Location,
    pub(crate) size: String,
    /// The capacity reservation group's lowercased ARM id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) reservation: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) zone: Option<u8>,
}

/// How many VMs stand at each placement.
pub(crate) type Tally = HashMap<Placement, u64>;

/// The VM of `item` in `region`: in the primary region the protected VM
/// as it is, in the recovery region as the item's target settings say.
pub(crate) fn placement(item: &Item, region: Location) -> Option<Placement> {
    let source = item.source.as_ref()?;
    Some(match region {
        Location::Primary => Placement {
            region,
            size: source.size.clone(),
            reservation: None,
            zone: None,
        },
        Location::Recovery => Placement {
            region,
            size: item
                .target
                .size
                .clone()
                .unwrap_or_else(|| source.size.clone()),
            reservation: item
                .target
                .capacity_reservation
                .as_ref()
                .map(|id| id.trim_end_matches('/').to_ascii_lowercase()),
            zone: item.target.zone,
        },
    })
}

/// The VMs that `item` stands for now; `running` is its current job.
pub(crate) fn footprint(item: &Item, running: Option<&JobRecord>) -> Vec<Placement> {
    let active = item.state.active;
    let mut out: Vec<Placement> = placement(item, active).into_iter().collect();
    if item.state.stage == Stage::TestFailedOver {
        out.extend(placement(item, active.other()));
    }
    out.extend(running.and_then(|job| job.creates.clone()));
    out
}
