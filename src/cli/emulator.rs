//! `drplan emulator --plan PLAN`: serves the ASR management API of the
//! plan's vault on loopback (see `crate::emulator`) until Ctrl-C. The first
//! line of stdout is `listening on http://ADDR`, flushed, so a script or a
//! test can read the port; a `vault simulator` plan's made-up vault id
//! follows it, and for a plan across vaults, one `vault ID` line for each
//! vault it serves.

use super::args::EmulatorArgs;
use super::exit::ExitCode;
use super::{Ctx, output};
use crate::emulator::{Emulator, EmulatorOptions};
use crate::plan::Vault;

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
