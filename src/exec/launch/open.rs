//! Which vault a run or a command talks to: a checked plan, its file,
//! `--simulate` and the credential choice in; the simulated vault (state
//! beside the plan) or the Azure client for the plan's vault out, or why it
//! cannot be opened. A plan whose groups name several vaults gets one
//! provider per vault behind an [`EstateProvider`]: simulated vaults each
//! with their own state file, Azure vaults sharing one credential and, per
//! subscription, one request budget, refused when their subscriptions sit
//! in different tenants.

use std::path::Path;
use std::sync::Arc;

use crate::clock::Clock;
use crate::plan::{Plan, Vault};
use crate::provider::azure::{self, CredentialKind, SubscriptionPacers};
use crate::provider::estate::{self, EstateProvider, Member};
use crate::provider::simulator::{Simulator, read_faults_if_present};
use crate::provider::{Provider, ProviderError};

/// The provider of a plan: the simulated vault for `vault simulator` and
/// `--simulate`; the Azure vault otherwise, reached with `credential` at the
/// endpoint `DRPLAN_ARM_ENDPOINT` / `DRPLAN_CLOUD` name (public Azure by
/// default). Says on stderr which credential it used. A plan across vaults
/// gets an [`EstateProvider`] over one provider per vault.
pub async fn open_provider(
    plan: &Plan,
    plan_path: &Path,
    simulate: bool,
    credential: CredentialKind,
    clock: Clock,
) -> Result<Box<dyn Provider>, ProviderError> {
    if plan.vaults().len() > 1 {
        return open_estate(plan, plan_path, simulate, credential, clock).await;
    }
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
    let sim = Simulator::open(plan, plan_path, clock, speed)?;
    Ok(Box::new(sim))
}

async fn open_estate(
    plan: &Plan,
    plan_path: &Path,
    simulate: bool,
    credential: CredentialKind,
    clock: Clock,
) -> Result<Box<dyn Provider>, ProviderError> {
    let members = if simulate || plan.vault == Vault::Simulator {
        simulated_members(plan, plan_path, clock)?
    } else {
        azure_members(plan, credential).await?
    };
    Ok(Box::new(EstateProvider::new(plan, members)))
}

/// One simulated vault per vault of the plan, over the plan of its groups:
/// the plan vault's state in `.drplan/<stem>.vault.json`, every other's
/// beside it (see [`estate::state_file`]); the fault file beside the plan
/// (read against the whole plan) applies to every vault, the world file to
/// the plan's vault.
fn simulated_members(
    plan: &Plan,
    plan_path: &Path,
    clock: Clock,
) -> Result<Vec<Member>, ProviderError> {
    let speed = crate::provider::simulator::speed_from_env()?;
    let files = crate::provider::simulator::Beside::of(plan, plan_path);
    // Read against the whole plan: each vault's simulator matches the
    // entries of its own VMs.
    let faults = read_faults_if_present(&files.faults, plan)?;
    let (base, world) = (files.state, files.world);
    estate::parts(plan)
        .into_iter()
        .enumerate()
        .map(|(i, part)| {
            let state = estate::state_file(&base, i, &part.label);
            let sim = Simulator::open_files(&part.plan, &state, None, clock, speed)?
                .with_faults(faults.clone());
            let sim = if i == 0 {
                sim.with_world_file(&world)?
            } else {
                sim
            };
            Ok(Member {
                vault: part.vault,
                label: part.label,
                provider: Box::new(sim),
            })
        })
        .collect()
}

/// One Azure provider per vault, one credential for all, one request
/// budget per subscription; refused when the vaults' subscriptions belong
/// to different tenants (one sign-in cannot act in both).
async fn azure_members(
    plan: &Plan,
    credential: CredentialKind,
) -> Result<Vec<Member>, ProviderError> {
    let endpoint = azure::Endpoint::from_env(&azure::process_env)?;
    let credential = Arc::new(azure::credential(credential, &endpoint).await?);
    eprintln!(
        "using {} for {}",
        credential.describe(),
        endpoint.resource_manager
    );
    let options = azure::AzureOptions::default();
    let pacers = SubscriptionPacers::default();
    let mut members = Vec::new();
    for part in estate::parts(plan) {
        let Vault::Arm(id) = &part.vault else {
            // The checker refuses `vault simulator` beside Azure vaults.
            return Err(ProviderError::Refused(
                "a plan cannot mix `vault simulator` with Azure vaults".into(),
            ));
        };
        let subscription = azure::subscription_of(id).unwrap_or_default();
        let pacer = pacers.of(subscription, options.client.reads, options.client.writes);
        let provider = azure::AzureProvider::sharing(
            id,
            &part.plan,
            &endpoint,
            Arc::clone(&credential),
            options.clone(),
        )?
        .pace_with(pacer);
        members.push((part, provider));
    }
    check_tenants(&members).await?;
    Ok(members
        .into_iter()
        .map(|(part, provider)| Member {
            vault: part.vault,
            label: part.label,
            provider: Box::new(provider),
        })
        .collect())
}

/// Refuses vaults whose subscriptions belong to different tenants, naming
/// the first two that differ and their tenants.
async fn check_tenants(
    members: &[(estate::VaultPart, azure::AzureProvider)],
) -> Result<(), ProviderError> {
    let mut first: Option<(&estate::VaultPart, String)> = None;
    for (part, provider) in members {
        let tenant = provider.tenant().await?;
        match &first {
            None => first = Some((part, tenant)),
            Some((other, theirs)) if !theirs.eq_ignore_ascii_case(&tenant) => {
                return Err(ProviderError::Refused(format!(
                    "the plan's vaults are in different tenants: vault {} ({}) is in tenant {theirs}, \
                     vault {} ({}) in tenant {tenant}; one sign-in acts in one tenant, so split the \
                     plan by tenant (nothing was done)",
                    other.label, other.vault, part.label, part.vault
                )));
            }
            Some(_) => {}
        }
    }
    Ok(())
}
