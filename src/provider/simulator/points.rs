//! The recovery points of a simulated item, as `drplan emulator` lists
//! them (`recoveryPoints` of an ASR item): the item's state and RPO in,
//! ASR-like points out.

use std::time::Duration;

use super::{APP_POINT_EVERY_S, CRASH_POINT_EVERY_S, RecoveryPointInfo, Simulator, jobs, state};
use crate::clock::Timestamp;
use crate::graph::Operation;
use crate::provider::{ProviderError, Target};

impl Simulator {
    /// The recovery points a failover of `target` could use now, newest
    /// first: while it replicates, the latest processed (crash-consistent)
    /// point one RPO ago, the two crash-consistent points before it (every 5
    /// minutes) and the latest application-consistent one (every hour);
    /// after a failover, before its commit, the same points as of the
    /// failover's start; none otherwise (committed, not protected).
    pub fn recovery_points(
        &self,
        target: &Target,
    ) -> Result<Vec<RecoveryPointInfo>, ProviderError> {
        let machine = self.machines_now(std::slice::from_ref(target))?;
        let Some(machine) = machine.into_iter().next() else {
            return Ok(Vec::new());
        };
        self.with_vault(false, |vault, now| {
            let Some(item) = vault.item(&target.item) else {
                return Ok(Vec::new());
            };
            let reference = match item.state.stage {
                state::Stage::Replicating | state::Stage::TestFailedOver => now,
                state::Stage::FailedOver => vault
                    .jobs_of(&target.item)
                    .rev()
                    .map(|(_, j)| j)
                    .find(|j| {
                        matches!(j.operation, Operation::Failover | Operation::Failback)
                            && j.is_done(now)
                            && j.error.is_none()
                    })
                    .map_or(now, |j| j.started),
                state::Stage::Committed => return Ok(Vec::new()),
            };
            // A failed-over item no longer reports an RPO: use the one it
            // would have had, as the points were taken while it replicated.
            let rpo = machine
                .rpo_s
                .or_else(|| self.faults.rpo_s.get(&target.vm).copied())
                .unwrap_or_else(|| 30 + jobs::fnv1a(&target.vm) % 61);
            let latest = reference.unix_secs().saturating_sub(rpo);
            let crash = latest - latest % CRASH_POINT_EVERY_S;
            let app = latest - latest % APP_POINT_EVERY_S;
            let point = |secs: u64, app_consistent: bool| RecoveryPointInfo {
                id: jobs::guid(
                    jobs::fnv1a(&target.item),
                    secs * 2 + u64::from(app_consistent),
                ),
                time: Timestamp(std::time::UNIX_EPOCH + Duration::from_secs(secs)),
                app_consistent,
            };
            let mut points = vec![point(latest, false)];
            for k in 0..2 {
                let at = crash.saturating_sub(k * CRASH_POINT_EVERY_S);
                if at != latest {
                    points.push(point(at, false));
                }
            }
            points.push(point(app, true));
            points.sort_by_key(|p| std::cmp::Reverse(p.time));
            Ok(points)
        })
    }
}
