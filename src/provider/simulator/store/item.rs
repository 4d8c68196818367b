//! One replicated item of the simulated vault, as the state file holds it:
//! its VM, its place in the cycle, its running job and what the world and
//! faults have done to it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::super::state::ItemState;
use super::super::world::SourceVm;
use crate::clock::Timestamp;
use crate::graph::Operation;
use crate::provider::JobId;
use crate::target::TargetSettings;

/// One replicated item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Item {
    /// The plan VM (ASR's `friendlyName`).
    pub(crate) vm: String,
    /// Where it is in the cycle, between jobs.
    pub(crate) state: ItemState,
    /// The job running on it (`currentScenario.jobId`).
    #[serde(default)]
    pub(crate) current_job: Option<JobId>,
    /// When a test failover was last cleaned up.
    #[serde(default)]
    pub(crate) last_test_failover: Option<Timestamp>,
    /// How many jobs each operation's fault has hit, for `times`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub(crate) fault_hits: BTreeMap<Operation, u32>,
    /// Where a failover brings it up (absent from files of earlier
    /// versions: set as ASR sets it when such a file is read).
    #[serde(default, skip_serializing_if = "TargetSettings::is_empty")]
    pub(crate) target: TargetSettings,
    /// The protected VM (absent from files of earlier versions).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) source: Option<SourceVm>,
    /// A hash of the world file's settings for this item last applied, so
    /// each version of them is applied once and `configure` may change
    /// them after.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) world_edit: Option<u64>,
    /// The VM it runs as now was powered off (see `shutdown`); cleared
    /// when a job brings it up in the other region.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub(crate) powered_off: bool,
}

impl Item {
    pub(super) fn fresh(vm: &str) -> Item {
        Item {
            vm: vm.to_owned(),
            state: ItemState::FRESH,
            current_job: None,
            last_test_failover: None,
            fault_hits: BTreeMap::new(),
            target: TargetSettings::default(),
            source: None,
            world_edit: None,
            powered_off: false,
        }
    }
}
