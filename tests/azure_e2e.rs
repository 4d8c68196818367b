//! The Azure provider over real HTTP: `drplan emulator` in one process, the
//! binary with `--credential token` and `DRPLAN_ARM_ENDPOINT` in another.
//! The whole seed cycle, then injected faults (429 storms, 5xx bursts,
//! dropped connections, a VM whose failover job fails, a token that
//! expires mid-run): each run either completes with every VM failed over
//! exactly once, or stops with the error and a journal that resumes.

// Helpers outside `#[test]` functions fail with a message, as tests do.
#![allow(clippy::panic)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use serde_json::Value;

use crate::support::sandbox::{Sandbox, assert_stream, ndjson, show, stderr, stdout};

/// The whole cycle, each operation with the side the VMs end on.
pub(crate) const CYCLE: [(&str, &str); 8] = [
    ("failover", "recovery"),
    ("commit", "recovery"),
    ("reprotect", "recovery"),
    ("failback", "primary"),
    ("commit", "primary"),
    ("reprotect", "primary"),
    ("test-failover", "primary"),
    ("test-cleanup", "primary"),
];

/// A plan on an ARM vault, as the emulator serves it.
pub(crate) const PLAN: &str = r#"plan shop {
  vault "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-dr/providers/Microsoft.RecoveryServices/vaults/shop-vault"
  primary "westeurope"
  recovery "northeurope"
  defaults { retries 0 }
  test { network "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-dr/providers/Microsoft.Network/virtualNetworks/vnet-drill" }
  group db { vm sql-01, sql-02 }
  group app needs db { vm app-01, app-02, app-03 }
}
"#;

const VMS: [&str; 5] = ["sql-01", "sql-02", "app-01", "app-02", "app-03"];

/// `drplan emulator` for the sandbox's plan; stopped when dropped.
pub(crate) struct Emulator {
    pub(crate) child: Child,
    pub(crate) url: String,
}

impl Emulator {
    pub(crate) fn start(sandbox: &Sandbox, faults: Option<&str>) -> Emulator {
        Emulator::start_in(sandbox, faults, None)
    }

    /// As [`Emulator::start`], in the rehearsal world `world` changes (a
    /// world file, read again whenever the sandbox's `world.json` changes).
    pub(crate) fn start_in(
        sandbox: &Sandbox,
        faults: Option<&str>,
        world: Option<&str>,
    ) -> Emulator {
        Emulator::start_with(sandbox, faults, world, &[])
    }

    /// As [`Emulator::start_in`], with more arguments (`--tenant SUB=T`).
    pub(crate) fn start_with(
        sandbox: &Sandbox,
        faults: Option<&str>,
        world: Option<&str>,
        more: &[&str],
    ) -> Emulator {
        let mut args = vec!["emulator", "--plan", "shop.drplan", "--speed", "20000"];
        args.extend(more);
        if let Some(text) = faults {
            std::fs::write(sandbox.path().join("emulator-faults.json"), text).unwrap();
            args.extend(["--faults", "emulator-faults.json"]);
        }
        if let Some(text) = world {
            std::fs::write(sandbox.path().join("world.json"), text).unwrap();
            args.extend(["--world", "world.json"]);
        }
        let mut child = Command::new(env!("CARGO_BIN_EXE_drplan"))
            .args(&args)
            .current_dir(sandbox.path())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut first = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut first)
            .unwrap();
        let url = first
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("emulator said {first:?}"))
            .to_string();
        Emulator { child, url }
    }

    /// The binary against this emulator, signed in with a fixed token.
    pub(crate) fn drplan(&self, sandbox: &Sandbox, args: &[&str]) -> std::process::Output {
        self.drplan_as(sandbox, "test-token", args)
    }

    /// GET `path_or_url` (a path below the emulator, or a whole link it gave)
    /// as a signed-in client: the JSON answer.
    pub(crate) async fn get_json(&self, path_or_url: &str) -> Value {
        let url = if path_or_url.starts_with("http") {
            path_or_url.to_owned()
        } else {
            format!("{}{path_or_url}", self.url)
        };
        reqwest::Client::new()
            .get(url)
            .bearer_auth("test-token")
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    /// The binary against this emulator, signed in with `token`.
    pub(crate) fn drplan_as(
        &self,
        sandbox: &Sandbox,
        token: &str,
        args: &[&str],
    ) -> std::process::Output {
        sandbox
            .drplan()
            .env("DRPLAN_ARM_ENDPOINT", &self.url)
            .env("DRPLAN_ACCESS_TOKEN", token)
            .arg("--credential")
            .arg("token")
            .args(args)
            .output()
            .unwrap()
    }

    fn json(&self, sandbox: &Sandbox, args: &[&str]) -> Value {
        let out = self.drplan(sandbox, args);
        assert_eq!(out.status.code(), Some(0), "{}", show(&out));
        serde_json::from_str(&stdout(&out)).unwrap_or_else(|e| panic!("{e}\n{}", show(&out)))
    }

    /// Succeeded failover jobs per VM, from `drplan jobs`.
    fn failovers(&self, sandbox: &Sandbox) -> Vec<(String, usize)> {
        let jobs = self.json(
            sandbox,
            &["jobs", "shop.drplan", "--format", "json", "--limit", "1000"],
        );
        let jobs = jobs["jobs"].as_array().cloned().unwrap_or_default();
        VMS.iter()
            .map(|vm| {
                let n = jobs
                    .iter()
                    .filter(|j| {
                        j["vm"] == *vm && j["operation"] == "failover" && j["state"] == "succeeded"
                    })
                    .count();
                ((*vm).to_string(), n)
            })
            .collect()
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn assert_each_failed_over_once(emulator: &Emulator, sandbox: &Sandbox, what: &str) {
    for (vm, n) in emulator.failovers(sandbox) {
        assert_eq!(n, 1, "{what}: {vm} has {n} succeeded failovers");
    }
}

#[test]
fn the_seed_cycle_against_the_emulator() {
    let sandbox = Sandbox::with_plan("shop", PLAN);
    let emulator = Emulator::start(&sandbox, None);
    for (op, side) in CYCLE {
        let out = emulator.drplan(&sandbox, &["run", op, "shop.drplan", "--format", "json"]);
        assert_eq!(out.status.code(), Some(0), "{op}: {}", show(&out));
        assert_stream(&ndjson(&stdout(&out)), "succeeded", op);
        assert!(
            stderr(&out).contains("DRPLAN_ACCESS_TOKEN"),
            "says which credential: {}",
            show(&out)
        );
        let status = emulator.json(&sandbox, &["status", "shop.drplan", "--format", "json"]);
        for item in status["items"].as_array().unwrap() {
            assert_eq!(item["active_location"], side, "after {op}: {item}");
        }
    }
    let status = emulator.json(&sandbox, &["status", "shop.drplan", "--format", "json"]);
    assert_eq!(status["test_failover"]["status"], "performed", "{status}");
    for item in status["items"].as_array().unwrap() {
        assert_eq!(item["replicating"], "primary_to_recovery", "{item}");
    }
    // One failover and one failback per VM over the whole cycle.
    let jobs = emulator.json(
        &sandbox,
        &["jobs", "shop.drplan", "--format", "json", "--limit", "1000"],
    );
    for vm in VMS {
        for op in ["failover", "failback", "test-failover", "test-cleanup"] {
            let n = jobs["jobs"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|j| j["vm"] == vm && j["operation"] == op)
                .count();
            assert_eq!(n, 1, "{vm} {op}: {jobs}");
        }
    }
}

#[test]
fn throttling_storms_and_server_errors_are_ridden_out() {
    for (what, faults) in [
        (
            "429 storm",
            r#"{"http": {"status_storm": [{"status": 429, "every": 2, "retry_after_s": 1}]}}"#,
        ),
        (
            "5xx burst",
            r#"{"http": {"server_errors": {"status": 503, "times": 6}}}"#,
        ),
    ] {
        let sandbox = Sandbox::with_plan("shop", PLAN);
        let emulator = Emulator::start(&sandbox, Some(faults));
        let out = emulator.drplan(
            &sandbox,
            &["run", "failover", "shop.drplan", "--format", "json"],
        );
        assert_eq!(out.status.code(), Some(0), "{what}: {}", show(&out));
        assert_each_failed_over_once(&emulator, &sandbox, what);
    }
}

#[test]
fn a_dropped_answer_to_a_failover_never_sends_it_twice() {
    // The emulator starts each failover, then hangs up before answering:
    // the client must read the item to learn the job, not post again.
    let faults = r#"{"http": {"drop_connections": {"times": 3, "requests": "writes", "when": "after_processing"}}}"#;
    let sandbox = Sandbox::with_plan("shop", PLAN);
    let emulator = Emulator::start(&sandbox, Some(faults));
    let out = emulator.drplan(
        &sandbox,
        &["run", "failover", "shop.drplan", "--format", "json"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    assert_each_failed_over_once(&emulator, &sandbox, "dropped connections");
}

#[test]
fn a_failing_failover_job_stops_the_run_with_its_error_and_resumes() {
    let faults = r#"{"operations": [{"vm": "sql-02", "operation": "failover", "effect": "fail", "times": 1,
        "message": "The replica VM could not start in northeurope.",
        "possible_causes": "The VM size is not available in the target region.",
        "recommended_action": "Choose another VM size for the replica and retry."}]}"#;
    let sandbox = Sandbox::with_plan("shop", PLAN);
    let emulator = Emulator::start(&sandbox, Some(faults));
    let out = emulator.drplan(&sandbox, &["run", "failover", "shop.drplan"]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    let text = stdout(&out);
    assert!(
        text.contains("The replica VM could not start in northeurope."),
        "{text}"
    );
    assert!(
        text.contains("recommended action: Choose another VM size"),
        "{text}"
    );
    let run_id = sandbox.run_ids().pop().unwrap();
    assert!(text.contains(&format!("drplan resume {run_id}")), "{text}");

    let out = emulator.drplan(&sandbox, &["resume", &run_id, "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    assert_each_failed_over_once(&emulator, &sandbox, "after resume");
}

#[test]
fn a_test_failover_into_a_network_that_does_not_exist_is_refused() {
    let sandbox = Sandbox::with_plan("shop", PLAN);
    let emulator = Emulator::start(&sandbox, None);
    // The same vault and VMs, with a network the emulator does not have.
    let other = PLAN.replace("vnet-drill", "vnet-gone");
    std::fs::write(sandbox.path().join("gone.drplan"), other).unwrap();
    let out = emulator.drplan(
        &sandbox,
        &[
            "run",
            "test-failover",
            "gone.drplan",
            "--dry-run",
            "--online",
        ],
    );
    assert_eq!(out.status.code(), Some(3), "{}", show(&out));
    assert!(
        stdout(&out).contains("vnet-gone does not exist"),
        "{}",
        show(&out)
    );
    let out = emulator.drplan(
        &sandbox,
        &[
            "run",
            "test-failover",
            "shop.drplan",
            "--dry-run",
            "--online",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
}

#[test]
fn the_bearer_token_is_never_logged() {
    let sandbox = Sandbox::with_plan("shop", PLAN);
    let emulator = Emulator::start(&sandbox, None);
    let token = "tok3n-n3ver-log-4c2d";
    let out = sandbox
        .drplan()
        .env("DRPLAN_ARM_ENDPOINT", &emulator.url)
        .env("DRPLAN_ACCESS_TOKEN", token)
        .args([
            "-vvv",
            "--credential",
            "token",
            "run",
            "commit",
            "shop.drplan",
            "--dry-run",
            "--online",
        ])
        .output()
        .unwrap();
    let all = format!("{}{}", stdout(&out), stderr(&out));
    assert!(
        all.contains("TRACE") || all.contains("DEBUG"),
        "logs at trace level: {}",
        show(&out)
    );
    assert!(!all.contains(token), "the token is in the output:\n{all}");
}

#[test]
fn a_token_that_expires_mid_run_stops_it_and_a_new_one_resumes_it() {
    let faults = r#"{"http": {"expire_token": {"token": "old-token", "after": 8}}}"#;
    let sandbox = Sandbox::with_plan("shop", PLAN);
    let emulator = Emulator::start(&sandbox, Some(faults));
    let out = emulator.drplan_as(&sandbox, "old-token", &["run", "failover", "shop.drplan"]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    let said = format!("{}{}", stdout(&out), stderr(&out));
    assert!(said.contains("access token expired"), "{}", show(&out));
    assert!(said.contains("DRPLAN_ACCESS_TOKEN"), "{}", show(&out));
    let run_id = sandbox.run_ids().pop().unwrap();
    assert!(
        said.contains(&format!("drplan resume {run_id}")),
        "{}",
        show(&out)
    );
    let runs = sandbox.json(&["runs", "--format", "json"]);
    let run = runs["runs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["run_id"] == run_id.as_str())
        .unwrap_or_else(|| panic!("{run_id} not in {runs}"));
    assert!(
        run["status"] == "failed" || run["status"] == "interrupted",
        "{run}"
    );

    let out = emulator.drplan_as(
        &sandbox,
        "new-token",
        &["resume", &run_id, "--format", "json"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    assert_each_failed_over_once(&emulator, &sandbox, "after a new token");
}
