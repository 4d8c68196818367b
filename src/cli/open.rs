//! Which vault a command talks to: a checked plan, its file, `--simulate`
//! and the credential choice in; the simulated vault (state beside the
//! plan) or the Azure client for the plan's vault out, or why it cannot be
//! opened with the exit code that says so.

use std::path::Path;

use super::exit::ExitCode;
use crate::clock::Clock;
use crate::plan::{Plan, Vault};
use crate::provider::Provider;
use crate::provider::azure::{self, CredentialKind};

/// The provider of a plan: the simulated vault for `vault simulator` and
/// `--simulate`; the Azure vault otherwise, reached with `credential` at the
/// endpoint `DRPLAN_ARM_ENDPOINT` / `DRPLAN_CLOUD` name (public Azure by
/// default). Says on stderr which credential it used.
pub(super) async fn open_provider(
    plan: &Plan,
    plan_path: &Path,
    simulate: bool,
    credential: CredentialKind,
    clock: Clock,
) -> Result<Box<dyn Provider>, (String, ExitCode)> {
    // A bad speed, a damaged state or fault file, a failed login: failures
    // of the run's surroundings (exit 1), not of the command line.
    let failed = |e: crate::provider::ProviderError| (e.to_string(), ExitCode::Failed);
    let Vault::Arm(vault) = &plan.vault else {
        return open_simulator(plan, plan_path, clock);
    };
    if simulate {
        return open_simulator(plan, plan_path, clock);
    }
    let endpoint = azure::Endpoint::from_env(&azure::process_env).map_err(failed)?;
    let credential = azure::credential(credential, &endpoint)
        .await
        .map_err(failed)?;
    eprintln!(
        "using {} for {}",
        credential.describe(),
        endpoint.resource_manager
    );
    let provider = azure::AzureProvider::new(vault, plan, &endpoint, credential).map_err(failed)?;
    Ok(Box::new(provider))
}

fn open_simulator(
    plan: &Plan,
    plan_path: &Path,
    clock: Clock,
) -> Result<Box<dyn Provider>, (String, ExitCode)> {
    let failed = |e: crate::provider::ProviderError| (e.to_string(), ExitCode::Failed);
    let speed = crate::provider::simulator::speed_from_env().map_err(failed)?;
    let sim = crate::provider::simulator::Simulator::open(plan, plan_path, clock, speed)
        .map_err(failed)?;
    Ok(Box::new(sim))
}
