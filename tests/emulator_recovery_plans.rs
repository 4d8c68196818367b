//! `replicationRecoveryPlans` in `drplan emulator`, driven with Microsoft's
//! example bodies (`ReplicationRecoveryPlans_{Create,Get,List,Update,Delete}`)
//! against a vault that serves the examples' items: each write answers 202
//! and is followed through `Location` to the plan, whose shape is the
//! example response's; bad bodies and foreign items answer 400.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::emulator::{Emu, header, keys};

/// Microsoft's example vault and its two items.
const PLAN: &str = r#"plan examples {
  vault "/Subscriptions/c183865e-6077-46f2-a3b1-deb0f4f4650a/resourceGroups/resourceGroupPS1/providers/Microsoft.RecoveryServices/vaults/vault1"
  primary "westeurope"
  recovery "northeurope"
  group one { vm vm-a { item "f8491e4f-817a-40dd-a90c-af773978c75b" } }
  group two needs one { vm vm-b { item "c0c14913-3d7a-48ea-9531-cc99e0e686e6" } }
}
"#;

fn example(name: &str) -> Value {
    let path = format!(
        "{}/tests/fixtures/asr-api/examples/ReplicationRecoveryPlans_{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

async fn start() -> Emu {
    let (plan, diags) = drplan::compile(&drplan::source::SourceFile::new("e.drplan", PLAN));
    assert!(plan.is_some(), "{diags:?}");
    Emu::serving(&plan.unwrap(), None, None).await
}

async fn send(
    emu: &Emu,
    method: reqwest::Method,
    url: &str,
    body: Option<&Value>,
) -> reqwest::Response {
    let mut request = emu.client.request(method, url).bearer_auth(&emu.token);
    if let Some(body) = body {
        request = request.json(body);
    }
    request.send().await.unwrap()
}

/// A write, followed to its end: the final status and body.
async fn write(
    emu: &Emu,
    method: reqwest::Method,
    url: &str,
    body: Option<&Value>,
) -> (StatusCode, Value) {
    let response = send(emu, method, url, body).await;
    assert_eq!(
        response.status(),
        StatusCode::ACCEPTED,
        "{}",
        response.text().await.unwrap()
    );
    let status_url = header(&response, "azure-asyncoperation");
    let location = header(&response, "location");
    let status = emu.get_json(&status_url).await;
    assert_eq!(status["status"], "Succeeded", "{status}");
    let done = emu.wait(&location).await;
    let code = done.status();
    (code, done.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn microsofts_examples_create_read_list_update_and_delete_a_plan() {
    let emu = start().await;
    let url = emu.url("/replicationRecoveryPlans/RPtest1");
    let create = example("Create");
    let (status, created) = write(
        &emu,
        reqwest::Method::PUT,
        &url,
        Some(&create["parameters"]["input"]),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let expected = &create["responses"]["200"]["body"];
    assert_eq!(keys(&created), keys(expected));
    assert_eq!(keys(&created["properties"]), keys(&expected["properties"]));
    assert_eq!(
        created["properties"]["groups"],
        expected["properties"]["groups"]
    );
    assert_eq!(created["name"], "RPtest1");

    let got = emu.get_json(&url).await;
    assert_eq!(got, created);
    let list = emu.get_json(&emu.url("/replicationRecoveryPlans")).await;
    assert_eq!(list["value"], json!([created]));
    assert_eq!(
        keys(&list["value"][0]["properties"]),
        keys(&example("List")["responses"]["200"]["body"]["value"][0]["properties"])
    );

    let update = example("Update");
    let (status, updated) = write(
        &emu,
        reqwest::Method::PATCH,
        &url,
        Some(&update["parameters"]["input"]),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let expected = &example("Get")["responses"]["200"]["body"];
    assert_eq!(
        updated["properties"]["groups"],
        expected["properties"]["groups"]
    );
    assert_eq!(emu.get_json(&url).await, updated);

    let (status, _) = write(&emu, reqwest::Method::DELETE, &url, None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(emu.get(&url).await.status(), StatusCode::NOT_FOUND);
    // Deleting what is gone is ASR's 204, not an operation.
    assert_eq!(
        send(&emu, reqwest::Method::DELETE, &url, None)
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
}

#[tokio::test]
async fn bad_bodies_and_foreign_items_are_refused_with_the_field_named() {
    let emu = start().await;
    let url = emu.url("/replicationRecoveryPlans/bad");
    let input = example("Create")["parameters"]["input"].clone();
    let mut cases = Vec::new();
    let mut no_groups = input.clone();
    no_groups["properties"]
        .as_object_mut()
        .unwrap()
        .remove("groups");
    cases.push((no_groups, "properties.groups"));
    let mut bad_type = input.clone();
    bad_type["properties"]["groups"][0]["groupType"] = json!("Reboot");
    cases.push((bad_type, "groups[0].groupType"));
    let mut foreign = input.clone();
    foreign["properties"]["groups"][0]["replicationProtectedItems"][0]["id"] = json!(
        "/subscriptions/1/resourceGroups/rg/providers/Microsoft.RecoveryServices/vaults/other/replicationFabrics/f/replicationProtectionContainers/c/replicationProtectedItems/f8491e4f-817a-40dd-a90c-af773978c75b"
    );
    cases.push((foreign, "not a replication protected item of this vault"));
    let mut action = input.clone();
    action["properties"]["groups"][0]["endGroupActions"] = json!([{
        "actionName": "x", "failoverTypes": ["TestFailover"], "failoverDirections": ["PrimaryToRecovery"],
        "customDetails": {"instanceType": "AutomationRunbookActionDetails"}
    }]);
    cases.push((action, "customDetails.fabricLocation"));
    for (body, says) in cases {
        let response = send(&emu, reqwest::Method::PUT, &url, Some(&body)).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        let error: Value = response.json().await.unwrap();
        assert_eq!(error["error"]["code"], "InvalidRequestContent");
        let message = error["error"]["message"].as_str().unwrap();
        assert!(message.contains(says), "{message}");
    }
    assert_eq!(emu.get(&url).await.status(), StatusCode::NOT_FOUND);
}
