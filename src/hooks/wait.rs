//! `wait <duration>`: a duration in; after that long (divided by the run's
//! `wait_scale`, so a fast simulated vault waits less), `waited <duration>` out.

use std::time::Duration as StdDuration;

use super::{HookContext, HookError, HookOutput};
use crate::duration::Duration;
use crate::provider::Progress;

/// Sleeps for the scaled duration.
pub(super) async fn run(
    duration: Duration,
    ctx: &HookContext,
    progress: &(dyn Fn(Progress) + Send + Sync),
) -> Result<HookOutput, HookError> {
    progress(Progress {
        percent: None,
        message: format!("waiting {duration}"),
    });
    tokio::time::sleep(scaled(duration, ctx.wait_scale)).await;
    Ok(HookOutput::new(format!("waited {duration}")))
}

/// `duration / scale`; a scale that is not a positive number counts as 1.
fn scaled(duration: Duration, scale: f64) -> StdDuration {
    let scale = if scale.is_finite() && scale > 0.0 {
        scale
    } else {
        1.0
    };
    StdDuration::try_from_secs_f64(duration.to_std().as_secs_f64() / scale)
        .unwrap_or(StdDuration::MAX)
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;
    use std::sync::Mutex;

    use super::*;
    use crate::hooks::context::tests::context;

    #[tokio::test(start_paused = true)]
    async fn waits_the_duration_divided_by_the_scale() {
        let mut ctx = context(PathBuf::from("."));
        let seen = Mutex::new(Vec::new());
        let report = |p: Progress| seen.lock().unwrap().push(p.message);

        let start = tokio::time::Instant::now();
        let out = run(Duration::from_mins(1), &ctx, &report).await.unwrap();
        assert_eq!(out.summary, "waited 1m");
        assert_eq!(start.elapsed(), StdDuration::from_secs(60));
        assert_eq!(*seen.lock().unwrap(), ["waiting 1m"]);

        ctx.wait_scale = 60.0;
        let start = tokio::time::Instant::now();
        run(Duration::from_mins(1), &ctx, &report).await.unwrap();
        assert_eq!(start.elapsed(), StdDuration::from_secs(1));
    }

    #[test]
    fn odd_scales_count_as_one() {
        let minute = Duration::from_mins(1);
        for scale in [0.0, -2.0, f64::NAN, f64::INFINITY] {
            assert_eq!(scaled(minute, scale), StdDuration::from_secs(60));
        }
        assert_eq!(scaled(minute, 1e-300), StdDuration::MAX);
    }
}
