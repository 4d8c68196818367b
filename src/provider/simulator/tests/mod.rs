//! The simulated vault as the executor and the CLI use it: through
//! [`Provider`], on paused tokio time, in memory and on disk.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::*;
use crate::plan::Plan;
use crate::provider::{AsrOperation, Health, IssueKind, JobState, Location, RecoveryPoint};
use crate::source::SourceFile;
use AsrOperation as A;

const PLAN: &str = r#"
plan shop {
  vault simulator
  primary "westeurope"
  recovery "northeurope"
  group db {
    vm db-01 { estimate 10m }
    vm db-02 { item "db-02-replica" }
  }
  group app needs db {
    vm app-01
    before failback {
      runbook "Drain-AppServers" { account "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.Automation/automationAccounts/aa" }
    }
  }
}
"#;

fn plan_from(text: &str) -> Plan {
    let (plan, diags) = crate::compile(&SourceFile::new("shop.drplan", text));
    plan.unwrap_or_else(|| panic!("{diags:?}"))
}

fn plan() -> Plan {
    plan_from(PLAN)
}

fn targets(plan: &Plan) -> Vec<Target> {
    plan.groups
        .iter()
        .flat_map(|g| {
            g.vms.iter().map(|vm| Target {
                vm: vm.name.clone(),
                item: vm.item.clone().unwrap_or_else(|| vm.name.clone()),
                group: g.name.clone(),
            })
        })
        .collect()
}

fn target(plan: &Plan, vm: &str) -> Target {
    targets(plan).into_iter().find(|t| t.vm == vm).unwrap()
}

fn opts() -> OperationOptions {
    OperationOptions {
        recovery_point: RecoveryPoint::LatestProcessed,
        shutdown_source: true,
        test_network: None,
        points: std::collections::BTreeMap::new(),
    }
}

async fn machine(sim: &Simulator, t: &Target) -> Machine {
    sim.machines(std::slice::from_ref(t))
        .await
        .unwrap()
        .remove(0)
}

async fn run(sim: &Simulator, t: &Target, op: Operation) -> Job {
    let id = sim.start(t, op, &opts()).await.unwrap();
    sim.follow(&id, &|_| {}).await.unwrap()
}

fn faults(json: &str) -> Faults {
    Faults::parse(json, &plan()).unwrap()
}

/// A temporary folder holding `shop.drplan`'s path (the file itself is not needed).
fn plan_dir() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shop.drplan");
    (dir, path)
}

mod configure;
mod cycle;
mod faults;
mod files;
mod fit;
mod log;
mod shutdown;
mod world;
mod world_file;
