//! The headline of `drplan status`: the plan, the dashboard's items and the
//! plan's two regions in; where the plan's VMs run and where they stand in
//! the cycle out, in one line ("shop: running in North Europe, failover
//! committed, not protected"), with a line of counts when they stand in
//! different regions or stages, and the same as data for `--format json`.
//!
//! Regions are shown by their display names ("North Europe"), or as the
//! plan writes them when drplan does not know them.

use serde::Serialize;

use crate::plan::Plan;
use crate::provider::{Location, Stage};
use crate::regions;

use super::Item;

/// Where the plan stands, for people and for programs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Headline {
    /// One line: "shop: running in North Europe, failed over, waiting for commit".
    pub text: String,
    /// When the VMs stand in different regions or stages, the counts: "3 VMs
    /// in North Europe (failover committed, not protected), 2 in West Europe
    /// (protected)"; null when they all stand together.
    pub detail: Option<String>,
    /// The VMs the vault reported, grouped by region and stage, most first.
    pub positions: Vec<Position>,
}

/// Some of the plan's VMs that stand in the same place.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Position {
    /// Where they run.
    pub active_location: Location,
    /// That region as the plan names it, in normal form (`northeurope`).
    pub region: String,
    /// Its display name (`North Europe`), else as written.
    pub region_name: String,
    /// Where they stand in the cycle.
    pub stage: Stage,
    /// The stage in words, as the headline says it ("failed over, waiting for commit").
    pub stage_text: String,
    /// How many VMs.
    pub vms: usize,
}

/// The stage in words, for a machine active at `at`: the same stage reads
/// differently after a failover and after a failback.
fn stage_text(stage: Stage, at: Location) -> &'static str {
    match (stage, at) {
        (Stage::Protected, Location::Primary) => "protected",
        (Stage::Protected, Location::Recovery) => "replicating back",
        (Stage::TestFailedOver, _) => "test failover waiting for cleanup",
        (Stage::FailedOver, Location::Recovery) => "failed over, waiting for commit",
        (Stage::FailedOver, Location::Primary) => "failed back, waiting for commit",
        (Stage::Committed, Location::Recovery) => "failover committed, not protected",
        (Stage::Committed, Location::Primary) => "failback committed, not protected",
        (Stage::Busy, _) => "job in progress",
        (Stage::Unsettled, _) => "no operation allowed now",
    }
}

/// The region a location stands for in `plan`, as written and by name.
fn region(plan: &Plan, at: Location) -> (&str, &str) {
    let written = match at {
        Location::Primary => plan.primary.as_str(),
        Location::Recovery => plan.recovery.as_str(),
    };
    (written, regions::display_name(written).unwrap_or(written))
}

/// The headline of `plan` from its dashboard items.
pub(super) fn headline(plan: &Plan, items: &[Item]) -> Headline {
    let mut positions: Vec<Position> = Vec::new();
    for it in items {
        if let Some(p) = positions
            .iter_mut()
            .find(|p| p.active_location == it.active_location && p.stage == it.stage)
        {
            p.vms += 1;
            continue;
        }
        let (written, name) = region(plan, it.active_location);
        positions.push(Position {
            active_location: it.active_location,
            region: written.to_owned(),
            region_name: name.to_owned(),
            stage: it.stage,
            stage_text: stage_text(it.stage, it.active_location).to_owned(),
            vms: 1,
        });
    }
    // Most VMs first; ties in the order of the cycle, primary region first.
    positions.sort_by_key(|p| {
        (
            std::cmp::Reverse(p.vms),
            p.active_location == Location::Recovery,
            p.stage,
        )
    });

    let text = match positions.as_slice() {
        [] => format!("{}: none of its VMs was found in the vault", plan.name),
        [only] => format!(
            "{}: running in {}, {}",
            plan.name, only.region_name, only.stage_text
        ),
        [first, rest @ ..]
            if rest
                .iter()
                .all(|p| p.active_location == first.active_location) =>
        {
            format!(
                "{}: running in {}, its VMs at different stages",
                plan.name, first.region_name
            )
        }
        _ => format!(
            "{}: split between {} and {}",
            plan.name,
            region(plan, Location::Primary).1,
            region(plan, Location::Recovery).1
        ),
    };
    let detail = (positions.len() > 1).then(|| {
        positions
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let vms = match (i, p.vms) {
                    (0, 1) => "1 VM".to_owned(),
                    (0, n) => format!("{n} VMs"),
                    (_, n) => n.to_string(),
                };
                format!("{vms} in {} ({})", p.region_name, p.stage_text)
            })
            .collect::<Vec<_>>()
            .join(", ")
    });
    Headline {
        text,
        detail,
        positions,
    }
}
