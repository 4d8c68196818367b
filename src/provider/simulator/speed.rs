//! How much faster than Azure the simulated vault runs: `DRPLAN_SIM_SPEED`
//! (or a value from elsewhere) in, a positive, finite factor out.

use crate::provider::ProviderError;

/// The speed when `DRPLAN_SIM_SPEED` is not set: the quickstart plan's
/// 21-minute failover takes about 4 seconds.
pub const DEFAULT_SPEED: f64 = 300.0;

/// The environment variable that sets the speed.
pub const SPEED_VAR: &str = "DRPLAN_SIM_SPEED";

/// The speed from `DRPLAN_SIM_SPEED`, or [`DEFAULT_SPEED`] when unset.
pub fn speed_from_env() -> Result<f64, ProviderError> {
    parse_speed(std::env::var(SPEED_VAR).ok().as_deref())
}

/// Parses a speed: a positive, finite number; `None` gives the default.
pub fn parse_speed(value: Option<&str>) -> Result<f64, ProviderError> {
    let Some(text) = value else {
        return Ok(DEFAULT_SPEED);
    };
    match text.trim().parse::<f64>() {
        Ok(speed) if speed.is_finite() && speed > 0.0 => Ok(speed),
        _ => Err(ProviderError::BadFile {
            path: SPEED_VAR.to_owned(),
            message: format!(
                "`{text}` is not a positive number; set it to how many times faster than Azure the simulated vault runs (default {DEFAULT_SPEED}), e.g. {SPEED_VAR}=6000, or unset it"
            ),
        }),
    }
}
