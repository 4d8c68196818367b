//! `drplan emulator`'s `ReplicationProtectedItems_Update` over real HTTP
//! (see `support::emulator`): an item's target settings as it shows them,
//! a PATCH followed to the end and read back, refusals of items in a
//! failover, and 400s for malformed bodies.

// A test fails by panicking, with a message that says why.
#![allow(clippy::panic)]

use std::collections::BTreeSet;

use reqwest::{Response, StatusCode};
use serde_json::{Value, json};

use crate::support::emulator::{API, Emu, assert_shape, failover, header, spec_keys};

const RG: &str = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-ne";

fn id(kind: &str, name: &str) -> String {
    format!("{RG}/providers/{kind}/{name}")
}

async fn patch(emu: &Emu, item: &Value, body: &Value) -> Response {
    let url = emu.item_url(item, "");
    emu.client
        .patch(&url)
        .bearer_auth(&emu.token)
        .json(body)
        .send()
        .await
        .unwrap()
}

fn details(item: &Value) -> &Value {
    &item["properties"]["providerSpecificDetails"]
}

fn nic(item: &Value) -> &Value {
    &details(item)["vmNics"][0]
}

/// An update of every target setting of `item`'s NIC and placement.
fn update_all(item: &Value) -> Value {
    json!({"properties": {
        "recoveryAzureVMName": "app-01-dr",
        "recoveryAzureVMSize": "Standard_D4s_v5",
        "selectedRecoveryAzureNetworkId": id("Microsoft.Network/virtualNetworks", "vnet-ne"),
        "licenseType": "NoLicenseType",
        "vmNics": [{
            "nicId": nic(item)["nicId"],
            "recoveryNetworkSecurityGroupId": id("Microsoft.Network/networkSecurityGroups", "nsg-ne"),
            "ipConfigs": [{
                "ipConfigName": nic(item)["ipConfigs"][0]["name"],
                "isPrimary": true,
                "recoverySubnetName": "app",
                "recoveryStaticIPAddress": "10.2.1.4",
                "recoveryPublicIPAddressId": id("Microsoft.Network/publicIPAddresses", "pip-app"),
                "recoveryLBBackendAddressPoolIds": [id("Microsoft.Network/loadBalancers", "lb-ne/backendAddressPools/be")],
                "tfoSubnetName": "test",
                "tfoStaticIPAddress": "10.9.1.4",
            }],
        }],
        "providerSpecificDetails": {
            "instanceType": "A2A",
            "recoveryResourceGroupId": RG,
            "recoveryAvailabilityZone": "2",
            "recoveryProximityPlacementGroupId": id("Microsoft.Compute/proximityPlacementGroups", "ppg-ne"),
            "recoveryCapacityReservationGroupId": id("Microsoft.Compute/capacityReservationGroups", "crg-ne"),
        },
    }})
}

#[tokio::test]
async fn items_show_their_target_settings_as_asr_names_them() {
    let emu = Emu::start(None).await;
    let item = emu.item("app-01").await;
    let d = details(&item);
    assert_eq!(d["recoveryAzureVMName"], "app-01");
    assert!(d["recoveryAzureVMSize"].is_string(), "{d}");
    assert!(d["recoveryAzureResourceGroupId"].is_string(), "{d}");
    assert!(d["selectedRecoveryAzureNetworkId"].is_string(), "{d}");
    assert!(
        d["fabricObjectId"]
            .as_str()
            .is_some_and(|id| id.ends_with("/virtualMachines/app-01"))
    );
    let config = &nic(&item)["ipConfigs"][0];
    assert_eq!(config["isPrimary"], true);
    assert_eq!(config["recoverySubnetName"], "default");
    assert!(
        item["properties"]
            .get("lastSuccessfulTestFailoverTime")
            .is_some()
    );
    assert_shape(
        "NIC",
        nic(&item),
        &BTreeSet::new(),
        &spec_keys("VMNicDetails"),
    );
    assert_shape(
        "IP configuration",
        config,
        &BTreeSet::new(),
        &spec_keys("IPConfigDetails"),
    );
}

#[tokio::test]
async fn an_update_is_a_job_and_the_item_shows_its_settings_once_it_succeeded() {
    let emu = Emu::start(None).await;
    let item = emu.item("app-01").await;
    let accepted = patch(&emu, &item, &update_all(&item)).await;
    assert_eq!(accepted.status(), StatusCode::ACCEPTED);
    let status = header(&accepted, "azure-asyncoperation");
    assert!(status.contains("/replicationOperationStatus/"), "{status}");
    let job = header(&accepted, "x-ms-request-id");
    assert!(job.contains("/replicationJobs/"), "{job}");
    let done = emu.wait(&header(&accepted, "location")).await;
    assert_eq!(done.status(), StatusCode::OK);
    let updated: Value = done.json().await.unwrap();

    let read = emu.item("app-01").await;
    // The operation's result is the item as it is after the update.
    assert_eq!(details(&updated)["vmNics"], details(&read)["vmNics"]);
    assert_eq!(
        details(&updated)["recoveryAzureVMName"],
        details(&read)["recoveryAzureVMName"]
    );
    let d = details(&read);
    assert_eq!(d["recoveryAzureVMName"], "app-01-dr");
    assert_eq!(d["recoveryAzureVMSize"], "Standard_D4s_v5");
    assert_eq!(d["recoveryAzureResourceGroupId"], RG);
    assert_eq!(d["recoveryAvailabilityZone"], "2");
    assert_eq!(
        d["recoveryCapacityReservationGroupId"],
        id("Microsoft.Compute/capacityReservationGroups", "crg-ne")
    );
    assert_eq!(
        d["recoveryProximityPlacementGroupId"],
        id("Microsoft.Compute/proximityPlacementGroups", "ppg-ne")
    );
    let nic = nic(&read);
    assert_eq!(
        nic["recoveryNetworkSecurityGroupId"],
        id("Microsoft.Network/networkSecurityGroups", "nsg-ne")
    );
    let config = &nic["ipConfigs"][0];
    assert_eq!(config["recoverySubnetName"], "app");
    assert_eq!(config["recoveryStaticIPAddress"], "10.2.1.4");
    assert_eq!(config["tfoSubnetName"], "test");
    assert_eq!(config["tfoStaticIPAddress"], "10.9.1.4");
    assert_eq!(
        config["recoveryLBBackendAddressPoolIds"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );

    let jobs = emu.get_json(&emu.url("/replicationJobs")).await;
    let name = job.rsplit('/').next().unwrap();
    let listed = jobs["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|j| j["name"] == name)
        .unwrap_or_else(|| panic!("{name} not in {jobs}"));
    assert_eq!(
        listed["properties"]["scenarioName"],
        "UpdateReplicationProtectedItem"
    );
    assert_eq!(listed["properties"]["state"], "Succeeded");

    // Only what a body names changes; an empty value clears.
    let again = patch(
        &emu,
        &read,
        &json!({"properties": {"recoveryAzureVMSize": "Standard_E4s_v5",
            "providerSpecificDetails": {"instanceType": "A2A", "recoveryAvailabilityZone": ""}}}),
    )
    .await;
    assert_eq!(again.status(), StatusCode::ACCEPTED);
    emu.wait(&header(&again, "location")).await;
    let d = details(&emu.item("app-01").await).clone();
    assert_eq!(d["recoveryAzureVMSize"], "Standard_E4s_v5");
    assert_eq!(d["recoveryAzureVMName"], "app-01-dr");
    assert!(d["recoveryAvailabilityZone"].is_null(), "{d}");
}

#[tokio::test]
async fn an_item_in_a_failover_refuses_updates_saying_why() {
    let emu = Emu::start(Some(
        r#"{"operations": [{"vm": "db-01", "operation": "failover", "effect": "hang"}]}"#,
    ))
    .await;
    let item = emu.item("db-01").await;
    let started = emu
        .post(
            &emu.item_url(&item, "/unplannedFailover"),
            &failover("PrimaryToRecovery"),
        )
        .await;
    assert_eq!(started.status(), StatusCode::ACCEPTED);
    let size = json!({"properties": {"recoveryAzureVMSize": "Standard_D8s_v5"}});
    let refused = patch(&emu, &item, &size).await;
    assert_eq!(refused.status(), StatusCode::CONFLICT);
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["error"]["code"], "OperationNotAllowed");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("db-01")),
        "{body}"
    );

    // Failed over and waiting for commit: the settings are the way back's.
    let (done, _) = emu
        .act(
            "app-01",
            "/unplannedFailover",
            &failover("PrimaryToRecovery"),
        )
        .await;
    assert_eq!(done.status(), StatusCode::OK);
    let refused = patch(&emu, &emu.item("app-01").await, &size).await;
    assert_eq!(refused.status(), StatusCode::CONFLICT);
    let unchanged = emu.item("db-01").await;
    assert_ne!(
        details(&unchanged)["recoveryAzureVMSize"],
        "Standard_D8s_v5"
    );
}

#[tokio::test]
async fn malformed_updates_are_refused_and_name_what_is_wrong() {
    let emu = Emu::start(Some(
        r#"{"http": {"deny": ["Microsoft.RecoveryServices/vaults/replicationFabrics/replicationProtectionContainers/replicationProtectedItems/write"]}}"#,
    ))
    .await;
    let item = emu.item("web-01").await;
    let nic_id = nic(&item)["nicId"].clone();
    let denied = patch(&emu, &item, &json!({"properties": {}})).await;
    assert_eq!(denied.status(), StatusCode::FORBIDDEN);
    let body: Value = denied.json().await.unwrap();
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("replicationProtectedItems/write"))
    );

    let emu = Emu::start(None).await;
    for (body, expected) in [
        (
            json!({"properties": {"recoveryAzureVMSize": 4}}),
            "`recoveryAzureVMSize` is a string",
        ),
        (
            json!({"properties": {"providerSpecificDetails": {"instanceType": "InMageRcm"}}}),
            "use `A2A`",
        ),
        (
            json!({"properties": {"vmNics": [{"nicId": nic_id, "ipConfigs": [
                {"isPrimary": true, "recoveryStaticIPAddress": "10.2.1.256"}]}]}}),
            "is not an IPv4 address",
        ),
        (
            json!({"properties": {"selectedRecoveryAzureNetworkId": "vnet-ne"}}),
            "Microsoft.Network/virtualNetworks",
        ),
        (json!([1, 2]), "`properties` object"),
    ] {
        let refused = patch(&emu, &item, &body).await;
        assert_eq!(refused.status(), StatusCode::BAD_REQUEST, "{body}");
        let answer: Value = refused.json().await.unwrap();
        assert_eq!(answer["error"]["code"], "InvalidRequestContent", "{body}");
        let message = answer["error"]["message"].as_str().unwrap();
        assert!(message.contains(expected), "{body}: {message}");
    }
    let not_json = emu
        .client
        .patch(emu.item_url(&item, ""))
        .bearer_auth(&emu.token)
        .body("{")
        .send()
        .await
        .unwrap();
    assert_eq!(not_json.status(), StatusCode::BAD_REQUEST);
    let unknown = emu
        .client
        .patch(emu.url("/replicationFabrics/asr-a2a-default-westeurope/replicationProtectionContainers/asr-a2a-default-westeurope-container/replicationProtectedItems/nope"))
        .bearer_auth(&emu.token)
        .json(&json!({"properties": {}}))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    let put = emu
        .client
        .put(format!(
            "{}{}?{API}",
            emu.base,
            item["id"].as_str().unwrap()
        ))
        .bearer_auth(&emu.token)
        .send()
        .await
        .unwrap();
    assert_eq!(header(&put, "allow"), "GET, PATCH");
}
