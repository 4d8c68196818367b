//! Target settings against the ASR excerpt (tests/fixtures/asr-api): the
//! A2A fields the client reads are the specification's names, the update
//! it sends uses only the specification's fields, and for the settings of
//! Microsoft's `ReplicationProtectedItems_Update` example it is that
//! example's body (less what drplan never sets).

// Helpers panic with the definition's name: a failed test says which one.
#![allow(clippy::panic)]

use drplan::provider::azure::mapping;
use drplan::provider::azure::models::ProtectedItem;
use drplan::target::{TargetSetting, TargetSettings, drift};
use serde_json::{Value, json};

use crate::azure_inventory::spec_keys;

fn fixture(path: &str) -> Value {
    let path = format!(
        "{}/tests/fixtures/asr-api/{path}",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// `object`, after checking each of its keys is a property of `definition`.
fn checked(spec: &Value, definition: &str, object: Value) -> Value {
    let keys = spec_keys(spec, definition);
    for key in object.as_object().unwrap().keys() {
        assert!(keys.contains(key), "{definition} has no `{key}`");
    }
    object
}

fn a2a_item(spec: &Value) -> ProtectedItem {
    let config = checked(
        spec,
        "IPConfigDetails",
        json!({
            "name": "ipconfig1", "isPrimary": true, "recoverySubnetName": "app",
            "recoveryStaticIPAddress": "10.2.1.4", "tfoSubnetName": "drill",
            "tfoStaticIPAddress": "10.9.1.4", "recoveryPublicIPAddressId": "/pip",
            "recoveryLBBackendAddressPoolIds": ["/pool"]
        }),
    );
    let nic = checked(
        spec,
        "VMNicDetails",
        json!({"nicId": "nic-1", "recoveryNetworkSecurityGroupId": "/nsg", "ipConfigs": [config]}),
    );
    let details = checked(
        spec,
        "A2AReplicationDetails",
        json!({
            "instanceType": "A2A", "fabricObjectId": "/vm",
            "recoveryAzureVMName": "app-01", "recoveryAzureVMSize": "Standard_D2s_v5",
            "recoveryAzureResourceGroupId": "/rg", "selectedRecoveryAzureNetworkId": "/vnet",
            "recoveryAvailabilityZone": "2", "recoveryAvailabilitySet": "/as",
            "recoveryProximityPlacementGroupId": "/ppg",
            "recoveryCapacityReservationGroupId": "/crg", "vmNics": [nic]
        }),
    );
    serde_json::from_value(json!({"id": "/item", "name": "i", "properties": {
        "friendlyName": "app-01", "providerSpecificDetails": details
    }}))
    .unwrap()
}

#[test]
fn every_setting_is_read_from_the_specifications_a2a_fields() {
    let spec = fixture("spec-excerpt.json");
    let item = a2a_item(&spec);
    let details = item.properties.provider_specific_details.unwrap();
    let target = mapping::target_settings(&details);
    for setting in TargetSetting::ALL {
        assert!(target.get(setting).is_some(), "{setting} not read");
    }
    assert_eq!(target.zone, Some(2));
}

/// The keys of an update body, checked level by level against the excerpt.
fn check_update(spec: &Value, body: &Value) {
    let props = checked(
        spec,
        "UpdateReplicationProtectedItemInputProperties",
        body["properties"].clone(),
    );
    for nic in props["vmNics"].as_array().into_iter().flatten() {
        let nic = checked(spec, "VMNicInputDetails", nic.clone());
        for config in nic["ipConfigs"].as_array().into_iter().flatten() {
            checked(spec, "IPConfigInputDetails", config.clone());
        }
    }
    if !props["providerSpecificDetails"].is_null() {
        checked(
            spec,
            "A2AUpdateReplicationProtectedItemInput",
            props["providerSpecificDetails"].clone(),
        );
    }
}

#[test]
fn an_update_of_every_setting_uses_only_the_specifications_fields() {
    let spec = fixture("spec-excerpt.json");
    let item = a2a_item(&spec);
    let plan = TargetSettings {
        vm_name: Some("app-01-dr".into()),
        size: Some("Standard_D4s_v5".into()),
        resource_group: Some("/rg-2".into()),
        network: Some("/vnet-2".into()),
        subnet: Some("app-2".into()),
        ip: Some("10.2.1.5".parse().unwrap()),
        test_subnet: Some("drill-2".into()),
        test_ip: Some("10.9.1.5".parse().unwrap()),
        public_ip: Some("/pip-2".into()),
        load_balancer_pools: Some(vec!["/pool-2".into()]),
        nsg: Some("/nsg-2".into()),
        zone: Some(3),
        availability_set: Some("/as-2".into()),
        proximity_group: Some("/ppg-2".into()),
        capacity_reservation: Some("/crg-2".into()),
    };
    let vault =
        mapping::target_settings(item.properties.provider_specific_details.as_ref().unwrap());
    let changes = drift(&vault, &plan);
    assert_eq!(changes.len(), TargetSetting::ALL.len());
    let body = serde_json::to_value(mapping::update_input(&item, &changes).unwrap()).unwrap();
    check_update(&spec, &body);
    // Every change is in the body, and reading it back gives the plan.
    let p = &body["properties"];
    assert_eq!(p["vmNics"][0]["ipConfigs"][0]["ipConfigName"], "ipconfig1");
    assert_eq!(
        p["providerSpecificDetails"]["recoveryAvailabilityZone"],
        "3"
    );
    assert_eq!(p["recoveryAvailabilitySetId"], "/as-2");
    assert_eq!(
        p["providerSpecificDetails"]["recoveryResourceGroupId"],
        "/rg-2"
    );
}

#[test]
fn the_examples_settings_give_the_examples_body() {
    let spec = fixture("spec-excerpt.json");
    let example = fixture("examples/ReplicationProtectedItems_Update.json");
    let mut sent = example["parameters"]["updateProtectionInput"].clone();
    let nic = sent["properties"]["vmNics"][0].clone();
    // The item as ASR would list it: its NIC under the id the example sends.
    let item: ProtectedItem =
        serde_json::from_value(json!({"id": "/item", "name": "i", "properties": {
            "providerSpecificDetails": {"instanceType": "A2A", "vmNics": [{
                "nicId": nic["nicId"], "ipConfigs": [{"name": "ipconfig1", "isPrimary": true}]
            }]}
        }}))
        .unwrap();
    let p = &sent["properties"];
    let plan = TargetSettings {
        vm_name: p["recoveryAzureVMName"].as_str().map(str::to_owned),
        size: p["recoveryAzureVMSize"].as_str().map(str::to_owned),
        network: p["selectedRecoveryAzureNetworkId"]
            .as_str()
            .map(str::to_owned),
        subnet: nic["ipConfigs"][0]["recoverySubnetName"]
            .as_str()
            .map(str::to_owned),
        ip: nic["ipConfigs"][0]["recoveryStaticIPAddress"]
            .as_str()
            .map(|ip| ip.parse().unwrap()),
        ..TargetSettings::default()
    };
    let changes = drift(&TargetSettings::default(), &plan);
    let body = serde_json::to_value(mapping::update_input(&item, &changes).unwrap()).unwrap();
    check_update(&spec, &body);
    // What drplan never sets: the selection type, the license, and the
    // example's Hyper-V (not A2A) details.
    let props = sent["properties"].as_object_mut().unwrap();
    props.remove("licenseType");
    props.remove("providerSpecificDetails");
    props["vmNics"][0]
        .as_object_mut()
        .unwrap()
        .remove("selectionType");
    assert_eq!(body, sent);
}
