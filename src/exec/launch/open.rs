//! Which vault a run or a command talks to: a checked plan, its file,
//! `--simulate` and the credential choice in; the simulated vault (state
//! beside the plan) or the Azure client for the plan's vault out, or why it
//! cannot be opened.

use std::path::Path;

use crate::clock::Clock;
use crate::plan::{Plan, Vault};
use crate::provider::azure::{self, CredentialKind};
use crate::provider::{Provider, ProviderError};

/// The provider of a plan: the simulated vault for `vault simulator` and
/// `--simulate`; the Azure vault otherwise, reached with `credential` at the
/// endpoint `DRPLAN_ARM_ENDPOINT` / `DRPLAN_CLOUD` name (public Azure by
/// default). Says on stderr which credential it used.
pub async fn open_provider(
    plan: &Plan,
    plan_path: &Path,
    simulate: bool,
    credential: CredentialKind,
    clock: Clock,
) -> Result<Box<dyn Provider>, ProviderError> {
    let Vault::Arm(vault) = &plan.vault else {
        return open_simulator(plan, plan_path, clock);
    };
    if simulate {
        return open_simulator(plan, plan_path, clock);
    }
    let endpoint = azure::Endpoint::from_env(&azure::process_env)?;
    let credential = azure::credential(credential, &endpoint).await?;
    eprintln!(
        "using {} for {}",
        credential.describe(),
        endpoint.resource_manager
    );
    let provider = azure::AzureProvider::new(vault, plan, &endpoint, credential)?;
    Ok(Box::new(provider))
}

fn open_simulator(
    plan: &Plan,
    plan_path: &Path,
    clock: Clock,
) -> Result<Box<dyn Provider>, ProviderError> {
    let speed = crate::provider::simulator::speed_from_env()?;
    let sim = crate::provider::simulator::Simulator::open(plan, plan_path, clock, speed)?;
    Ok(Box::new(sim))
}
