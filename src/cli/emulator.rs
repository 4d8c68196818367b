//! `drplan emulator --plan PLAN`: serves the ASR management API of the
//! plan's vault on loopback (see `crate::emulator`) until Ctrl-C. The first
//! line of stdout is `listening on http://ADDR`, flushed, so a script or a
//! test can read the port; a `vault simulator` plan's made-up vault id
//! follows it, and for a plan across vaults, one `vault ID` line for each
//! vault it serves.

use std::path::PathBuf;

use super::exit::ExitCode;
use super::{Ctx, output};
use crate::emulator::{Emulator, EmulatorOptions};
use crate::plan::Vault;

/// `drplan emulator`.
#[derive(Debug, clap::Args)]
pub struct EmulatorArgs {
    /// The plan file: each of its VMs becomes a replicated item of its vault.
    #[arg(long)]
    pub plan: PathBuf,
    /// The loopback address and port to listen on (port 0: any free port).
    #[arg(long, default_value = "127.0.0.1:0", value_parser = parse_loopback)]
    pub listen: std::net::SocketAddr,
    /// How many times faster than Azure jobs run.
    #[arg(long, default_value_t = crate::emulator::DEFAULT_SPEED, value_parser = parse_speed)]
    pub speed: f64,
    /// A fault file: the simulated vault's faults plus an `http` section (throttling, error storms,
    /// dropped connections).
    #[arg(long)]
    pub faults: Option<PathBuf>,
    /// Keep the simulated vault in this file (created if missing), so it survives a restart;
    /// default: in memory. A plan across vaults keeps each other vault's beside it
    /// (`FILE.json` → `FILE.<vault>.json`).
    #[arg(long)]
    pub state: Option<PathBuf>,
    /// A world file: the quota, sizes, reservations, networks and VMs of the subscription beside
    /// the vault, read again whenever it changes; default: the world the plan implies.
    #[arg(long)]
    pub world: Option<PathBuf>,
    /// `SUBSCRIPTION=TENANT`: the tenant a subscription belongs to (repeatable); every other
    /// subscription is in the emulator's default tenant.
    #[arg(long = "tenant", value_name = "SUBSCRIPTION=TENANT", value_parser = parse_tenant)]
    pub tenants: Vec<(String, String)>,
    /// Items and jobs a page of the vault's lists holds (default: 3 items and 5 jobs, so that
    /// clients must follow `nextLink`; a larger page makes request counts comparable with ASR's).
    #[arg(long, value_name = "N")]
    pub page_size: Option<std::num::NonZeroUsize>,
}

fn parse_tenant(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((sub, tenant)) if !sub.trim().is_empty() && !tenant.trim().is_empty() => {
            Ok((sub.trim().to_owned(), tenant.trim().to_owned()))
        }
        _ => Err(format!(
            "`{s}` is not SUBSCRIPTION=TENANT; write e.g. --tenant 11111111-1111-1111-1111-111111111111=22222222-2222-2222-2222-222222222222"
        )),
    }
}

fn parse_loopback(s: &str) -> Result<std::net::SocketAddr, String> {
    let addr: std::net::SocketAddr = s
        .parse()
        .map_err(|e| format!("{e}; give an address and port, e.g. 127.0.0.1:8443"))?;
    crate::emulator::check_loopback(addr).map_err(|e| e.to_string())?;
    Ok(addr)
}

fn parse_speed(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(speed) if speed.is_finite() && speed > 0.0 => Ok(speed),
        _ => Err(format!(
            "`{s}` is not a positive number of times faster than Azure (e.g. 60)"
        )),
    }
}

pub(super) fn run(args: &EmulatorArgs, ctx: &Ctx) -> ExitCode {
    let (_, plan) = match ctx.load_plan(&args.plan) {
        Ok(loaded) => loaded,
        Err(code) => return code,
    };
    let options = EmulatorOptions {
        speed: args.speed,
        faults: args.faults.clone(),
        state: args.state.clone(),
        world: args.world.clone(),
        page_size: args.page_size,
    };
    // Faults, state and world are read before binding, so a bad file fails fast.
    let emulator = match Emulator::new(&plan, &options) {
        Ok(e) => e,
        Err(e) => {
            output::error(&e.to_string());
            return ExitCode::Usage;
        }
    };
    for (subscription, tenant) in &args.tenants {
        emulator.set_tenant(subscription, tenant);
    }
    let Ok(rt) = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    else {
        output::error("cannot start the async runtime");
        return ExitCode::Failed;
    };
    rt.block_on(async {
        let listener = match tokio::net::TcpListener::bind(args.listen).await {
            Ok(l) => l,
            Err(e) => {
                output::error(&format!("cannot listen on {}: {e}", args.listen));
                return ExitCode::Failed;
            }
        };
        let addr = match listener.local_addr() {
            Ok(a) => a,
            Err(e) => {
                output::error(&format!("cannot read the listening address: {e}"));
                return ExitCode::Failed;
            }
        };
        output::print(&format!("listening on http://{addr}\n"));
        let ids = emulator.vault_ids();
        if plan.vault == Vault::Simulator || ids.len() > 1 {
            for id in ids {
                output::print(&format!("vault {id}\n"));
            }
        }
        let shutdown = async {
            // Without a Ctrl-C handler, run until killed.
            if tokio::signal::ctrl_c().await.is_err() {
                std::future::pending::<()>().await;
            }
        };
        match emulator.serve(listener, shutdown).await {
            Ok(()) => ExitCode::Success,
            Err(e) => {
                output::error(&e.to_string());
                ExitCode::Failed
            }
        }
    })
}
