//! Waiting between attempts of a step: the attempt number and the run's
//! seed in; the backoff (2 s doubling to 2 min, half of it random) out,
//! divided by a simulated vault's speed only for what that vault carries
//! out (VM operations, runbook jobs), never for hooks that reach the real
//! world.

use std::time::Duration;

use super::StepFailure;
use super::walker::Walker;
use crate::graph::{Step, StepAction};
use crate::journal::JournalError;
use crate::plan::HookAction;
use crate::provider::Progress;

/// Backoff before retry `attempt` (2, 3, …): 2 s doubling to at most 2 min,
/// with "equal jitter" (half fixed, half random) so that retries of many
/// steps failing together spread out.
pub(super) fn backoff(attempt: u32, seed: u64) -> Duration {
    let half = longest_backoff_ms(attempt) / 2;
    let r = crate::hash::mix(
        (seed ^ u64::from(attempt).wrapping_mul(0x9E37_79B9_7F4A_7C15))
            .wrapping_add(0x9E37_79B9_7F4A_7C15),
    );
    Duration::from_millis(half + r % (half + 1))
}

/// The longest backoff before retry `attempt` (2, 3, …), jitter at its
/// largest: what the dry run's worst case counts.
pub(crate) fn longest_backoff(attempt: u32) -> Duration {
    Duration::from_millis(longest_backoff_ms(attempt))
}

fn longest_backoff_ms(attempt: u32) -> u64 {
    let exp = attempt.saturating_sub(2).min(6);
    (2_000u64 << exp).min(120_000)
}

/// `d` divided by `scale` (a scale that is not a positive number counts as 1).
fn scaled(d: Duration, scale: f64) -> Duration {
    if scale.is_finite() && scale > 0.0 {
        d.div_f64(scale)
    } else {
        d
    }
}

impl Walker<'_, '_> {
    /// Whether the vault carries the step out (a VM operation, a runbook
    /// job): only then does its retry backoff follow the vault's speed.
    fn on_vault_time(&self, step: &Step) -> bool {
        match step.action {
            StepAction::Vm(_) | StepAction::Shutdown(_) => true,
            StepAction::Hook { .. } => self
                .hook(step)
                .is_some_and(|h| matches!(h.action, HookAction::Runbook { .. })),
            StepAction::Join => false,
        }
    }

    /// Says that `attempt` failed and waits the backoff before the next:
    /// real time, or the vault's time for what the vault carries out.
    pub(super) async fn before_retry(
        &self,
        step: &Step,
        attempt: u32,
        failure: &StepFailure,
    ) -> Result<(), JournalError> {
        let mut wait = backoff(attempt + 1, self.run.seed ^ Self::seed_of(step));
        if self.on_vault_time(step) {
            wait = scaled(wait, self.run.vault_speed);
        }
        tracing::info!(
            "{} failed (attempt {attempt}): {}; retrying in {:.1}s",
            step.id,
            failure.message,
            wait.as_secs_f64()
        );
        self.progress(
            &step.id,
            Progress {
                percent: None,
                message: format!(
                    "attempt {attempt} failed: {}; retrying in {:.1}s",
                    failure.message,
                    wait.as_secs_f64()
                ),
            },
            None,
        )
        .await?;
        tokio::time::sleep(wait).await;
        Ok(())
    }

    fn seed_of(step: &Step) -> u64 {
        step.id.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_with_jitter_and_is_capped() {
        for seed in [0, 1, 42, u64::MAX] {
            let b2 = backoff(2, seed);
            assert!(
                b2 >= Duration::from_secs(1) && b2 <= Duration::from_secs(2),
                "{b2:?}"
            );
            let b3 = backoff(3, seed);
            assert!(
                b3 >= Duration::from_secs(2) && b3 <= Duration::from_secs(4),
                "{b3:?}"
            );
            let b20 = backoff(20, seed);
            assert!(
                b20 >= Duration::from_secs(60) && b20 <= Duration::from_secs(120),
                "{b20:?}"
            );
        }
        let spread: std::collections::BTreeSet<_> = (0..50).map(|s| backoff(4, s)).collect();
        assert!(
            spread.len() > 40,
            "jitter spreads retries: {}",
            spread.len()
        );
    }
}
