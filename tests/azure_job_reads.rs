//! What following a failover's jobs costs in reads, through `drplan
//! emulator` (lists in its small default pages, so paging is exercised) and
//! the real Azure client: the jobs of VMs failed over together are followed
//! through shared pages of the vault's job list, never one GET a job, while
//! each VM's item is still read afresh before its one POST.

// Helpers fail with a message, as tests do.
#![allow(clippy::panic)]

use std::time::Duration;

use drplan::graph::Operation;
use drplan::provider::azure::{
    AzureOptions, AzureProvider, Credential, Endpoint, PollOptions, RequestLog,
};
use drplan::provider::{JobState, OperationOptions, Provider, RecoveryPoint, Target};
use reqwest::Method;

use crate::support::emulator::{Emu, VMS, plan};

fn provider(emu: &Emu, log: &RequestLog) -> AzureProvider {
    let endpoint = Endpoint {
        resource_manager: url::Url::parse(&emu.base).unwrap(),
        audience: emu.base.clone(),
    };
    let options = AzureOptions {
        // Lists at least 0.5 s apart (the first poll interval over 8, while
        // reads are to spare): every start, a few requests to the loopback
        // emulator, comes within that.
        poll: PollOptions {
            first: vec![Duration::from_secs(4)],
            steady: Duration::from_secs(1),
            max_retry_after: Duration::from_secs(1),
        },
        ..AzureOptions::default()
    };
    AzureProvider::with_options(
        &emu.vault,
        &plan(),
        &endpoint,
        Credential::fixed("t0k3n", "test token"),
        options,
    )
    .unwrap()
    .with_request_log(log.clone())
}

fn target(vm: &str) -> Target {
    let plan = plan();
    let (group, vm) = plan
        .groups
        .iter()
        .find_map(|g| g.vms.iter().find(|v| v.name == vm).map(|v| (g, v)))
        .unwrap_or_else(|| panic!("no VM {vm}"));
    Target::of(&group.name, vm)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_jobs_of_vms_failed_over_together_are_followed_through_shared_list_pages() {
    let emu = Emu::start(None).await;
    let log = RequestLog::new();
    let provider = provider(&emu, &log);
    let options = OperationOptions {
        recovery_point: RecoveryPoint::LatestProcessed,
        ..OperationOptions::default()
    };
    let runs = VMS.iter().map(|vm| {
        let provider = &provider;
        let options = &options;
        async move {
            let target = target(vm);
            let job = provider
                .start(&target, Operation::Failover, options)
                .await
                .unwrap_or_else(|e| panic!("{vm}: {e}"));
            provider
                .follow(&job, &|_| {})
                .await
                .unwrap_or_else(|e| panic!("{vm}: {e}"))
        }
    });
    let jobs = futures_util::future::join_all(runs).await;
    for (vm, job) in VMS.iter().zip(&jobs) {
        assert_eq!(job.state, JobState::Succeeded, "{vm}: {job:?}");
        assert_eq!(job.operation, Operation::Failover, "{vm}");
        assert_eq!(&job.vm, vm);
    }

    let sent = log.sent();
    let gets = |f: &dyn Fn(&str) -> bool| {
        sent.iter()
            .filter(|r| r.method == Method::GET && f(&r.path))
            .count()
    };
    let posts = sent.iter().filter(|r| r.method == Method::POST).count();
    assert_eq!(posts, VMS.len(), "one failover POST a VM: {sent:#?}");
    // The item of each VM read afresh before its POST: what ASR allows now.
    let item_reads =
        gets(&|p| p.contains("/replicationProtectedItems/") && !p.ends_with("/recoveryPoints"));
    assert_eq!(item_reads, VMS.len(), "{sent:#?}");
    assert_eq!(gets(&|p| p.ends_with("/recoveryPoints")), VMS.len());
    // No job read on its own. The first follower lists at once, the rest
    // take the list 0.5 s later, which sees the 7 jobs in two pages of 5 and
    // stops there: at most two lists of two pages for 7 jobs.
    assert_eq!(gets(&|p| p.contains("/replicationJobs/")), 0, "{sent:#?}");
    let pages = gets(&|p| p.ends_with("/replicationJobs"));
    assert!(
        (1..=4).contains(&pages),
        "{pages} job list pages for {} jobs: {sent:#?}",
        VMS.len()
    );
}
