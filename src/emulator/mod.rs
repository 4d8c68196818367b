//! `drplan emulator`: the ASR management API of a plan's vault, the
//! Automation jobs API of its runbook accounts, and the Compute, Network and
//! Resources reads of the subscription beside it, served over HTTP on
//! loopback, for rehearsals and for testing the Azure client (spec: cli.md
//! "The emulator", asr-model.md, readiness.md "Rehearsal").
//!
//! A checked plan, [`EmulatorOptions`] and a bound listener in; an HTTP
//! server that runs until `shutdown` resolves out. ASR's behaviour and the
//! subscription's contents are the simulated vault's ([`Simulator`] and its
//! inventory): the handlers in `routes` only translate requests into its
//! calls and its machines, jobs and resources into the APIs' JSON (`json`,
//! `arm`, `automation`), so the rules live in one place. `faults` adds what
//! only HTTP has: throttling, error storms and dropped connections.
//!
//! Simplifications, kept visible: every item stays in the primary region's
//! fabric and container (ASR moves a reprotected item to the other side's),
//! `failoverCancel` and `plannedFailover` are refused as for A2A items, jobs
//! cannot be cancelled, restarted or resumed, `replicationEvents` is
//! always empty, an item has one NIC with one IP configuration, resource
//! lists hold the subscription's VMs only (the world knows no other
//! listable resources), and a VM's read shows no hardware profile.

mod arm;
mod automation;
mod faults;
mod json;
mod limits;
mod listener;
mod routes;
mod vaults;

use std::collections::BTreeMap;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, PoisonError, RwLock};

use tokio::net::TcpListener;

use crate::clock::Clock;
use crate::plan::{Plan, Vault};
use crate::provider::ProviderError;
use crate::provider::estate;
use crate::provider::simulator::Simulator;

pub use faults::{
    DropConnections, ExpireToken, HttpFaults, Requests, Select, ServerErrors, StatusStorm,
    Throttle, parse_fault_file,
};

use automation::Automation;
use json::{EmuItem, Names};
use limits::HttpState;
pub use limits::PRINCIPALS;
pub(crate) use listener::Connection;
use listener::CuttableListener;
use vaults::VaultFiles;

/// The speed when `--speed` is not given: a 5-minute failover takes 5 seconds.
pub const DEFAULT_SPEED: f64 = 60.0;

/// The tenant every subscription belongs to unless
/// [`Emulator::set_tenant`] (`drplan emulator --tenant SUB=TENANT`) says
/// otherwise.
pub const DEFAULT_TENANT: &str = "72f988bf-0000-0000-0000-00000000d01a";

/// The ASR api-versions the emulator accepts (spec: asr-model.md).
pub const API_VERSIONS: [&str; 4] = ["2025-08-01", "2026-01-01", "2026-02-01", "2026-05-01"];

/// How the emulator runs.
#[derive(Debug, Clone)]
pub struct EmulatorOptions {
    /// How many times faster than Azure jobs run.
    pub speed: f64,
    /// The fault file: the simulator's faults plus an `http` section.
    pub faults: Option<PathBuf>,
    /// The simulated vault's state file; in memory when `None`.
    pub state: Option<PathBuf>,
    /// The world file: the rehearsal world beside the vault, read again
    /// whenever it changes; the world the plan implies when `None`.
    pub world: Option<PathBuf>,
    /// Items and jobs a page of the vault's lists holds; `None`: 3 items
    /// and 5 jobs, small so that a client must follow `nextLink`.
    pub page_size: Option<std::num::NonZeroUsize>,
}

impl Default for EmulatorOptions {
    fn default() -> Self {
        Self {
            speed: DEFAULT_SPEED,
            faults: None,
            state: None,
            world: None,
            page_size: None,
        }
    }
}

/// What can keep the emulator from starting or serving.
#[derive(Debug, thiserror::Error)]
pub enum EmulatorError {
    /// The listener is not on loopback.
    #[error(
        "{0} is not a loopback address: the emulator accepts any token, so it only listens on 127.0.0.1 or ::1"
    )]
    NotLoopback(SocketAddr),
    /// The plan's vault is not a Recovery Services vault id.
    #[error(
        "the plan's vault `{0}` is not a Recovery Services vault id (/subscriptions/{{sub}}/resourceGroups/{{rg}}/providers/Microsoft.RecoveryServices/vaults/{{vault}})"
    )]
    BadVault(String),
    /// The fault file cannot be read or is malformed.
    #[error("{path}: {message}")]
    BadFaults {
        /// The file.
        path: String,
        /// What is wrong.
        message: String,
    },
    /// The simulated vault could not be opened.
    #[error(transparent)]
    Provider(#[from] ProviderError),
    /// Serving failed.
    #[error("serving the emulator: {0}")]
    Io(#[from] io::Error),
}

/// The vault id the emulator serves for `plan`: its ARM id, or a made-up
/// one for `vault simulator` plans.
pub fn vault_id(plan: &Plan) -> String {
    match &plan.vault {
        Vault::Arm(id) => id.trim_end_matches('/').to_owned(),
        Vault::Simulator => format!(
            "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/drplan-emulator/providers/Microsoft.RecoveryServices/vaults/{}",
            plan.name
        ),
    }
}

/// Refuses addresses other than loopback ones.
pub fn check_loopback(addr: SocketAddr) -> Result<(), EmulatorError> {
    if crate::loopback::is_loopback_ip(addr.ip()) {
        Ok(())
    } else {
        Err(EmulatorError::NotLoopback(addr))
    }
}

/// An emulator ready to serve: the simulated vaults opened, faults read.
/// Clones share the vaults and the counters.
#[derive(Debug, Clone)]
pub struct Emulator {
    /// The plan vault's.
    state: Arc<Emu>,
    /// The other vaults of a plan across vaults, in the plan's order.
    others: Vec<Arc<Emu>>,
    /// Subscription → tenant, shared with every vault's handlers.
    tenants: Tenants,
}

/// Which tenant each subscription belongs to (`Subscriptions_Get`).
pub(crate) type Tenants = Arc<RwLock<BTreeMap<String, String>>>;

/// What every request handler shares.
#[derive(Debug)]
pub(crate) struct Emu {
    /// Shared with the power-offs running in the background.
    sim: Arc<Simulator>,
    clock: Clock,
    speed: f64,
    names: Names,
    items: Vec<EmuItem>,
    automation: Automation,
    /// The vault's recovery plans (in memory).
    recovery_plans: routes::RecoveryPlans,
    /// The VM power-offs asked of Compute (in memory).
    power_offs: routes::PowerOffs,
    /// Shared by the vaults of one subscription: ARM's budgets are per
    /// subscription and principal.
    http: Arc<HttpState>,
    /// Subscription → tenant.
    tenants: Tenants,
    requests: AtomicU64,
    /// Items a page of `replicationProtectedItems` holds.
    items_page: usize,
    /// Jobs a page of `replicationJobs` holds.
    jobs_page: usize,
    /// Answers the ARM reads in place of the simulated vault's world, for
    /// the routes' unit tests.
    #[cfg(test)]
    inventory: Option<routes::tests::StandIn>,
    stats: Counters,
}

/// What the emulator has been asked so far ([`Emulator::stats`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EmulatorStats {
    /// Reads (GET) the buckets let through: each took a read token.
    pub reads: u64,
    /// Writes (PUT, POST, PATCH, DELETE) the buckets let through: each
    /// took a write token.
    pub writes: u64,
    /// Requests the buckets answered 429 (not those of `status_storm`).
    pub throttled: u64,
}

/// [`EmulatorStats`] as it is counted: atomics, so counting costs a
/// request no lock.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    reads: AtomicU64,
    writes: AtomicU64,
    throttled: AtomicU64,
}

impl Counters {
    /// Counts one request let through by the buckets.
    pub(crate) fn count(&self, write: bool) {
        let counter = if write { &self.writes } else { &self.reads };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts one request refused by the buckets.
    pub(crate) fn throttled(&self) {
        self.throttled.fetch_add(1, Ordering::Relaxed);
    }
}

impl Emulator {
    /// Opens the simulated vaults of `plan` as `options` say: one for a
    /// plan in one vault; one per vault for a plan whose groups name
    /// several, each over the plan of its groups, the plan vault's state
    /// in `options.state` and each other's beside it
    /// ([`estate::state_file`]), the world file the plan vault's, and the
    /// fault file every vault's (its HTTP faults counted per subscription).
    pub fn new(plan: &Plan, options: &EmulatorOptions) -> Result<Emulator, EmulatorError> {
        let (faults, http) = match &options.faults {
            Some(path) => {
                let bad = |message: String| EmulatorError::BadFaults {
                    path: path.to_string_lossy().into_owned(),
                    message,
                };
                let text = std::fs::read_to_string(path)
                    .map_err(|e| bad(format!("cannot read the fault file ({e})")))?;
                parse_fault_file(&text, plan).map_err(bad)?
            }
            None => Default::default(),
        };
        let tenants: Tenants = Arc::default();
        let clock = Clock::system();
        if plan.vaults().len() == 1 {
            let id = vault_id(plan);
            let vault = VaultFiles {
                state: options.state.clone(),
                world: options.world.clone(),
            };
            let http = Arc::new(HttpState::new(http));
            let emu = Emu::open(plan, &id, faults, http, &tenants, &vault, clock, options)?;
            return Ok(Emulator {
                state: Arc::new(emu),
                others: Vec::new(),
                tenants,
            });
        }
        let mut budgets: BTreeMap<String, Arc<HttpState>> = BTreeMap::new();
        let mut emus = Vec::new();
        for (i, part) in estate::parts(plan).into_iter().enumerate() {
            let id = match &part.vault {
                Vault::Arm(id) => id.trim_end_matches('/').to_owned(),
                Vault::Simulator => vault_id(&part.plan),
            };
            let subscription = crate::provider::azure::subscription_of(&id)
                .unwrap_or_default()
                .to_ascii_lowercase();
            let http = Arc::clone(
                budgets
                    .entry(subscription)
                    .or_insert_with(|| Arc::new(HttpState::new(http.clone()))),
            );
            let vault = VaultFiles {
                state: options
                    .state
                    .as_ref()
                    .map(|s| estate::state_file(s, i, &part.label)),
                world: options.world.clone().filter(|_| i == 0),
            };
            let emu = Emu::open(
                &part.plan,
                &id,
                faults.clone(),
                http,
                &tenants,
                &vault,
                clock,
                options,
            )?;
            emus.push(Arc::new(emu));
        }
        let mut emus = emus.into_iter();
        let state = emus
            .next()
            .ok_or_else(|| EmulatorError::BadVault(plan.vault.to_string()))?;
        Ok(Emulator {
            state,
            others: emus.collect(),
            tenants,
        })
    }

    /// Says that `subscription` belongs to `tenant` (every subscription is
    /// in [`DEFAULT_TENANT`] until told otherwise).
    pub fn set_tenant(&self, subscription: &str, tenant: &str) {
        self.tenants
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(subscription.to_ascii_lowercase(), tenant.to_owned());
    }

    /// Every vault id it serves, the plan's first.
    pub fn vault_ids(&self) -> Vec<&str> {
        self.all().map(|e| e.names.vault.as_str()).collect()
    }

    fn all(&self) -> impl Iterator<Item = &Arc<Emu>> {
        std::iter::once(&self.state).chain(&self.others)
    }

    /// The vault id it serves.
    pub fn vault_id(&self) -> &str {
        &self.state.names.vault
    }

    /// The requests served so far, by this emulator and its clones (keep a
    /// clone to read them while [`serve`](Self::serve) runs).
    pub fn stats(&self) -> EmulatorStats {
        let mut total = EmulatorStats::default();
        for emu in self.all() {
            let c = &emu.stats;
            total.reads += c.reads.load(Ordering::Relaxed);
            total.writes += c.writes.load(Ordering::Relaxed);
            total.throttled += c.throttled.load(Ordering::Relaxed);
        }
        total
    }

    /// Serves on `listener` (a loopback address) until `shutdown` resolves.
    pub async fn serve(
        self,
        listener: TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), EmulatorError> {
        let local = listener.local_addr()?;
        check_loopback(local)?;
        let vaults = self.all().cloned().collect();
        let app = routes::router(vaults).into_make_service_with_connect_info::<Connection>();
        axum::serve(CuttableListener { listener, local }, app)
            .with_graceful_shutdown(shutdown)
            .await?;
        Ok(())
    }
}

/// Serves the ASR API of `plan`'s vault on `listener` until `shutdown`
/// resolves ([`Emulator::new`] then [`Emulator::serve`]).
pub async fn serve(
    plan: &Plan,
    options: &EmulatorOptions,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), EmulatorError> {
    Emulator::new(plan, options)?
        .serve(listener, shutdown)
        .await
}
