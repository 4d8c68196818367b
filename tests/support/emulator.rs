//! A `drplan emulator` for the tests that talk to it over real HTTP:
//! `emulator::serve` on `127.0.0.1:0` in the test's runtime, talked to with
//! reqwest as the Azure client would, plus the plan it serves and the checks
//! of answers against the fixtures' API examples and specifications. Jobs
//! run 100 000 times faster than in Azure, so a failover takes milliseconds
//! and `Retry-After` is 0.

// Helpers fail with a message, as tests do.
#![allow(clippy::panic)]

use std::collections::BTreeSet;
use std::time::Duration;

use drplan::emulator::{self, EmulatorOptions};
use drplan::plan::Plan;
use drplan::source::SourceFile;
use reqwest::{Client, Response, StatusCode};
use serde_json::{Value, json};
use tokio::sync::oneshot;

pub(crate) const PLAN: &str = r#"
plan emu {
  vault simulator
  primary "westeurope"
  recovery "northeurope"
  test { network "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-dr/providers/Microsoft.Network/virtualNetworks/vnet-drill" }
  group db {
    vm db-01
    vm db-02 { item "db-02-replica" }
  }
  group app needs db {
    vm app-01, app-02, app-03
    before failback {
      runbook "Drain-AppServers" { account "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-ops/providers/Microsoft.Automation/automationAccounts/aa-dr" }
    }
  }
  group web needs app { vm web-01, web-02 }
}
"#;

pub(crate) const VMS: [&str; 7] = [
    "db-01", "db-02", "app-01", "app-02", "app-03", "web-01", "web-02",
];

pub(crate) const ACCOUNT: &str = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-ops/providers/Microsoft.Automation/automationAccounts/aa-dr";

pub(crate) const API: &str = "api-version=2026-05-01";

pub(crate) fn plan() -> Plan {
    let (plan, diags) = drplan::compile(&SourceFile::new("emu.drplan", PLAN));
    plan.unwrap_or_else(|| panic!("{diags:?}"))
}

/// A running emulator; stops when dropped.
pub(crate) struct Emu {
    pub(crate) base: String,
    pub(crate) vault: String,
    pub(crate) client: Client,
    pub(crate) token: String,
    /// A clone of the one serving: its counters.
    pub(crate) emulator: emulator::Emulator,
    _stop: oneshot::Sender<()>,
    _dir: tempfile::TempDir,
}

impl Emu {
    /// The emulator of [`PLAN`] with a fault file.
    pub(crate) async fn start(faults: Option<&str>) -> Emu {
        Emu::serving(&plan(), faults, None).await
    }

    /// The emulator of `plan` with a fault file and a world file.
    pub(crate) async fn serving(plan: &Plan, faults: Option<&str>, world: Option<&str>) -> Emu {
        let dir = tempfile::tempdir().unwrap();
        let write = |name: &str, text: &str| {
            let path = dir.path().join(name);
            std::fs::write(&path, text).unwrap();
            path
        };
        let options = EmulatorOptions {
            speed: 100_000.0,
            faults: faults.map(|text| write("emu.faults.json", text)),
            state: Some(dir.path().join("vault.json")),
            world: world.map(|text| write("emu.world.json", text)),
            page_size: None,
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = oneshot::channel::<()>();
        let emulator = emulator::Emulator::new(plan, &options).unwrap();
        let vault = emulator.vault_id().to_owned();
        let serving = emulator.clone();
        tokio::spawn(async move {
            serving
                .serve(listener, async {
                    let _ = stopped.await;
                })
                .await
                .unwrap();
        });
        Emu {
            base: format!("http://{addr}"),
            vault,
            client: Client::new(),
            token: "test-token".to_owned(),
            emulator,
            _stop: stop,
            _dir: dir,
        }
    }

    /// An absolute URL for a path below the vault (`""` is the vault).
    pub(crate) fn url(&self, below_vault: &str) -> String {
        let sep = if below_vault.contains('?') { '&' } else { '?' };
        format!("{}{}{below_vault}{sep}{API}", self.base, self.vault)
    }

    pub(crate) async fn get(&self, url: &str) -> Response {
        self.client
            .get(url)
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap()
    }

    pub(crate) async fn get_json(&self, url: &str) -> Value {
        let response = self.get(url).await;
        assert_eq!(response.status(), StatusCode::OK, "{url}");
        response.json().await.unwrap()
    }

    pub(crate) async fn post(&self, url: &str, body: &Value) -> Response {
        self.client
            .post(url)
            .bearer_auth(&self.token)
            .json(body)
            .send()
            .await
            .unwrap()
    }

    /// Every item, following `nextLink` to the end.
    pub(crate) async fn items(&self) -> Vec<Value> {
        let mut items = Vec::new();
        let mut next = Some(self.url("/replicationProtectedItems"));
        let mut pages = 0;
        while let Some(url) = next {
            let page = self.get_json(&url).await;
            items.extend(page["value"].as_array().unwrap().iter().cloned());
            next = page["nextLink"].as_str().map(str::to_owned);
            pages += 1;
            assert!(pages < 20, "nextLink loops");
        }
        items
    }

    pub(crate) async fn item(&self, vm: &str) -> Value {
        self.items()
            .await
            .into_iter()
            .find(|i| i["properties"]["friendlyName"] == vm)
            .unwrap_or_else(|| panic!("no item for {vm}"))
    }

    /// An item's URL below its ARM id.
    pub(crate) fn item_url(&self, item: &Value, action: &str) -> String {
        let id = item["id"].as_str().unwrap();
        format!("{}{id}{action}?{API}", self.base)
    }

    /// Polls `Location` until it stops answering 202.
    pub(crate) async fn wait(&self, location: &str) -> Response {
        for _ in 0..1000 {
            let response = self.get(location).await;
            if response.status() != StatusCode::ACCEPTED {
                return response;
            }
            assert!(response.headers().contains_key("retry-after"));
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        panic!("{location} never finished");
    }

    /// Posts an action and follows it to the end; returns the final
    /// response and the job's name.
    pub(crate) async fn act(&self, vm: &str, action: &str, body: &Value) -> (Response, String) {
        let item = self.item(vm).await;
        let posted = self.post(&self.item_url(&item, action), body).await;
        assert_eq!(
            posted.status(),
            StatusCode::ACCEPTED,
            "{action} {vm}: {}",
            posted.text().await.unwrap()
        );
        let location = header(&posted, "location");
        let job = job_of(&location);
        (self.wait(&location).await, job)
    }
}

/// The job an operation's `Location` follows.
pub(crate) fn job_of(location: &str) -> String {
    location
        .split("/operationresults/")
        .nth(1)
        .unwrap()
        .split('?')
        .next()
        .unwrap()
        .to_owned()
}

pub(crate) fn header(response: &Response, name: &str) -> String {
    response
        .headers()
        .get(name)
        .unwrap_or_else(|| panic!("no {name} header"))
        .to_str()
        .unwrap()
        .to_owned()
}

pub(crate) fn failover(direction: &str) -> Value {
    json!({"properties": {"failoverDirection": direction, "sourceSiteOperations": "Required",
        "providerSpecificDetails": {"instanceType": "A2A", "recoveryPointId": null}}})
}

pub(crate) fn names(values: &Value) -> BTreeSet<String> {
    values
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect()
}

/// The `properties` field names of a resource in an example file.
pub(crate) fn example_keys(file: &str, pick: impl Fn(&Value) -> &Value) -> BTreeSet<String> {
    let path = format!("{}/tests/fixtures/{file}", env!("CARGO_MANIFEST_DIR"));
    let example: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    keys(pick(&example))
}

pub(crate) fn keys(v: &Value) -> BTreeSet<String> {
    v.as_object()
        .unwrap_or_else(|| panic!("not an object: {v}"))
        .keys()
        .cloned()
        .collect()
}

/// The property names a definition of the ASR specification allows.
pub(crate) fn spec_keys(definition: &str) -> BTreeSet<String> {
    spec_keys_in("asr-api/spec-excerpt.json", definition)
}

/// The property names a definition of a specification excerpt in the
/// fixtures allows, its `allOf` parents' included, and those the excerpt
/// trimmed (listed in `x-excerpt-trimmed`).
pub(crate) fn spec_keys_in(file: &str, definition: &str) -> BTreeSet<String> {
    let path = format!("{}/tests/fixtures/{file}", env!("CARGO_MANIFEST_DIR"));
    let spec: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let def = &spec["definitions"][definition];
    assert!(def.is_object(), "{file} has no definition {definition}");
    let mut names = if def["properties"].is_object() {
        keys(&def["properties"])
    } else {
        BTreeSet::new()
    };
    names.extend(
        def["x-excerpt-trimmed"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|n| n.as_str().map(str::to_owned)),
    );
    // `allOf` parents (`instanceType` of provider-specific details, a
    // tracked resource's `id`, `location`, …).
    for parent in def["allOf"].as_array().into_iter().flatten() {
        let name = parent["$ref"].as_str().unwrap().rsplit('/').next().unwrap();
        names.extend(spec_keys_in(file, name));
    }
    names
}

/// `emulator ⊇ example` (nothing the examples show is missing) and
/// `emulator ⊆ specification` (nothing made up).
pub(crate) fn assert_shape(
    what: &str,
    ours: &Value,
    example: &BTreeSet<String>,
    spec: &BTreeSet<String>,
) {
    let ours = keys(ours);
    let missing: Vec<_> = example.difference(&ours).collect();
    assert!(
        missing.is_empty(),
        "{what}: fields of the example missing: {missing:?}"
    );
    if !spec.is_empty() {
        let extra: Vec<_> = ours.difference(spec).collect();
        assert!(
            extra.is_empty(),
            "{what}: fields the specification lacks: {extra:?}"
        );
    }
}
