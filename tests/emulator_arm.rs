//! `drplan emulator`'s Compute, Network and Resources reads over real HTTP,
//! answered from the simulated vault's rehearsal world (see
//! `support::rehearsal`), with world files that change it: what each read
//! shows, paging, 404s, api-versions, throttling and denied actions.

// A test fails by panicking, with a message that says why.
#![allow(clippy::panic)]

use std::collections::BTreeSet;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::emulator::header;
use crate::support::rehearsal::{
    COMPUTE, NETWORK, RESOURCES, RG_NE, SHOP, SUB, crg, lb, net, nsg, ok, pip, read, source_vm,
    start,
};

#[tokio::test]
async fn compute_reads_quota_sizes_reservations_and_vms_from_the_world() {
    let emu = start(None, None).await;
    let usages = ok(
        &emu,
        &format!("{SUB}/providers/Microsoft.Compute/locations/northeurope/usages?{COMPUTE}"),
    )
    .await;
    let counters: Vec<&Value> = usages["value"].as_array().unwrap().iter().collect();
    let cores = counters
        .iter()
        .find(|u| u["name"]["value"] == "cores")
        .unwrap_or_else(|| panic!("no cores counter: {usages}"));
    assert!(
        cores["limit"].as_u64() > cores["currentValue"].as_u64(),
        "{cores}"
    );
    assert!(counters.iter().all(|u| u["unit"] == "Count"));

    let skus = ok(
        &emu,
        &format!(
            "{SUB}/providers/Microsoft.Compute/skus?api-version=2021-07-01&$filter=location%20eq%20%27northeurope%27"
        ),
    )
    .await;
    let d4 = skus["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "Standard_D4s_v5")
        .unwrap_or_else(|| panic!("Standard_D4s_v5 not offered: {skus}"));
    assert_eq!(d4["resourceType"], "virtualMachines");
    assert_eq!(d4["locations"], json!(["northeurope"]));
    assert_eq!(d4["locationInfo"][0]["zones"], json!(["1", "2", "3"]));
    assert!(
        d4["capabilities"]
            .as_array()
            .unwrap()
            .contains(&json!({"name": "vCPUs", "value": "4"}))
    );
    assert_eq!(d4["restrictions"], json!([]));
    let family = d4["family"].as_str().unwrap();
    assert!(
        counters.iter().any(|u| u["name"]["value"] == family),
        "the size's family {family} has a quota counter"
    );

    let group = ok(&emu, &format!("{}?{COMPUTE}&$expand=instanceView", crg())).await;
    assert_eq!(
        group["id"].as_str().map(str::to_ascii_lowercase),
        Some(crg().to_ascii_lowercase())
    );
    let view = &group["properties"]["instanceView"]["capacityReservations"][0];
    assert!(
        view["utilizationInfo"]["currentCapacity"].as_u64() >= Some(2),
        "{group}"
    );
    let plain = ok(&emu, &format!("{}?{COMPUTE}", crg())).await;
    assert!(plain["properties"].get("instanceView").is_none());
    let list = ok(&emu, &format!("{}/capacityReservations?{COMPUTE}", crg())).await;
    let reservation = &list["value"][0];
    assert_eq!(reservation["sku"]["name"], "Standard_D4s_v5");
    assert_eq!(reservation["zones"], json!(["2"]));
    let name = reservation["name"].as_str().unwrap();
    let one = ok(
        &emu,
        &format!(
            "{}/capacityReservations/{name}?{COMPUTE}&$expand=instanceView",
            crg()
        ),
    )
    .await;
    assert!(one["properties"]["instanceView"]["utilizationInfo"].is_object());

    let vm = source_vm(&emu, "app-01").await;
    let body = ok(&emu, &format!("{vm}?{COMPUTE}")).await;
    assert_eq!(body["name"], "app-01");
    assert_eq!(body["location"], "westeurope");
    assert_eq!(body["tags"], json!({"app": "shop"}));
}

#[tokio::test]
async fn network_reads_show_subnets_bound_ips_pools_and_taken_addresses() {
    let bound = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-ne/providers/Microsoft.Network/networkInterfaces/old/ipConfigurations/ipconfig1";
    let world = json!({
        "public_ips": {pip(2): {"bound_to": bound}},
        "used_ips": {net(): ["10.0.1.20"]},
    });
    let emu = start(None, Some(&world.to_string())).await;
    let network = ok(&emu, &format!("{}?{NETWORK}", net())).await;
    let subnets: BTreeSet<String> = network["properties"]["subnets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(subnets, ["app", "db", "web"].map(String::from).into());
    let app = ok(&emu, &format!("{}/subnets/app?{NETWORK}", net())).await;
    let prefix = app["properties"]["addressPrefix"].as_str().unwrap();
    assert!(!prefix.is_empty());

    let free = ok(&emu, &format!("{}?{NETWORK}", pip(1))).await;
    assert!(
        free["properties"].get("ipConfiguration").is_none(),
        "{free}"
    );
    let taken = ok(&emu, &format!("{}?{NETWORK}", pip(2))).await;
    assert_eq!(taken["properties"]["ipConfiguration"]["id"], bound);
    let balancer = ok(&emu, &format!("{}?{NETWORK}", lb())).await;
    assert_eq!(
        balancer["properties"]["backendAddressPools"][0]["name"],
        "be"
    );
    let group = ok(&emu, &format!("{}?{NETWORK}", nsg())).await;
    assert_eq!(group["type"], "Microsoft.Network/networkSecurityGroups");

    let check = |ip: &str| {
        format!(
            "{}/CheckIPAddressAvailability?{NETWORK}&ipAddress={ip}",
            net()
        )
    };
    let used = ok(&emu, &check("10.0.1.20")).await;
    assert_eq!(used["available"], false, "{used}");
    assert!(
        used["availableIPAddresses"]
            .as_array()
            .is_some_and(|a| !a.is_empty()),
        "{used}"
    );
    // The plan's own static IPs are free: nothing holds them until a failover.
    let planned = ok(&emu, &check("10.0.1.11")).await;
    assert_eq!(planned["available"], true, "{planned}");
    let (status, body) = read(&emu, &check("ten")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
}

#[tokio::test]
async fn resource_lists_page_by_tag_and_by_group() {
    let world = json!({"vms": [
        {"name": "legacy-01", "resource_group": SHOP, "tags": {"app": "shop"}},
        {"name": "other-01", "resource_group": SHOP, "tags": {"app": "crm"}},
    ]});
    let emu = start(None, Some(&world.to_string())).await;
    let group = ok(&emu, &format!("{SHOP}?{RESOURCES}")).await;
    assert_eq!(group["type"], "Microsoft.Resources/resourceGroups");
    assert_eq!(group["location"], "westeurope");

    let all = |first: String| {
        let emu = &emu;
        async move {
            let mut next = Some(first);
            let (mut entries, mut pages) = (Vec::new(), 0);
            while let Some(url) = next {
                let page = emu.get_json(&url).await;
                entries.extend(page["value"].as_array().unwrap().iter().cloned());
                next = page["nextLink"].as_str().map(str::to_owned);
                pages += 1;
                assert!(pages < 20, "nextLink loops");
            }
            (entries, pages)
        }
    };
    let (tagged, pages) = all(format!(
        "{}{SUB}/resources?{RESOURCES}&$filter=tagName%20eq%20%27app%27%20and%20tagValue%20eq%20%27shop%27",
        emu.base
    ))
    .await;
    assert!(pages > 1, "small pages, followed by nextLink");
    let names: BTreeSet<&str> = tagged.iter().filter_map(|r| r["name"].as_str()).collect();
    assert_eq!(names.len(), 8, "the 7 plan VMs and legacy-01: {names:?}");
    assert!(names.contains("legacy-01") && !names.contains("other-01"));
    assert!(
        tagged
            .iter()
            .all(|r| r["type"] == "Microsoft.Compute/virtualMachines")
    );
    assert!(
        tagged.iter().all(|r| r.get("tags").is_none()),
        "a tag filter leaves tags out"
    );

    let (in_group, _) = all(format!(
        "{}{SHOP}/resources?{RESOURCES}&$filter=resourceType%20eq%20%27Microsoft.Compute%2FvirtualMachines%27",
        emu.base
    ))
    .await;
    assert_eq!(in_group.len(), 9);
    let other = in_group.iter().find(|r| r["name"] == "other-01").unwrap();
    assert_eq!(other["tags"], json!({"app": "crm"}));

    let (status, body) = read(&emu, &format!("{SUB}/resources?{RESOURCES}")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"]["code"], "InvalidFilterInQueryString");
}

#[tokio::test]
async fn what_the_world_lacks_answers_arms_404s() {
    let world = json!({"delete": [format!("{}/subnets/web", net()), pip(1)]});
    let emu = start(None, Some(&world.to_string())).await;
    for (path, what) in [
        (
            format!("{}/subnets/web?{NETWORK}", net()),
            "Microsoft.Network/virtualNetworks/vnet-ne/subnets/web",
        ),
        (
            format!("{}?{NETWORK}", pip(1)),
            "Microsoft.Network/publicIPAddresses/pip-web-01",
        ),
        (
            format!("{RG_NE}/providers/Microsoft.Compute/virtualMachines/nope?{COMPUTE}"),
            "Microsoft.Compute/virtualMachines/nope",
        ),
        (
            format!("{}/capacityReservations/nope?{COMPUTE}", crg()),
            "Microsoft.Compute/capacityReservationGroups/crg-ne/capacityReservations/nope",
        ),
    ] {
        let (status, body) = read(&emu, &path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(body["error"]["code"], "ResourceNotFound", "{path}");
        assert_eq!(
            body["error"]["message"],
            format!(
                "The Resource '{what}' under resource group 'rg-ne' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix"
            )
        );
    }
    let gone = format!("{SUB}/resourceGroups/rg-gone");
    for path in [
        format!("{gone}?{RESOURCES}"),
        format!("{gone}/resources?{RESOURCES}"),
        format!("{gone}/providers/Microsoft.Network/virtualNetworks/v?{NETWORK}"),
    ] {
        let (status, body) = read(&emu, &path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(body["error"]["code"], "ResourceGroupNotFound");
        assert_eq!(
            body["error"]["message"],
            "Resource group 'rg-gone' could not be found."
        );
    }
}

#[tokio::test]
async fn api_versions_from_the_excerpts_on_are_answered_older_ones_refused() {
    let emu = start(None, None).await;
    for (path, oldest, older) in [
        (
            format!("{SUB}/providers/Microsoft.Compute/locations/northeurope/usages"),
            "2025-11-01",
            "2024-07-01",
        ),
        (
            format!("{SUB}/providers/Microsoft.Compute/skus"),
            "2021-07-01",
            "2021-03-01",
        ),
        (net(), "2025-09-01", "2024-05-01"),
        (SHOP.to_owned(), "2025-04-01", "2024-03-01"),
    ] {
        for version in [oldest, "2026-09-01"] {
            let (status, body) = read(&emu, &format!("{path}?api-version={version}")).await;
            assert_eq!(status, StatusCode::OK, "{path} {version}: {body}");
        }
        for version in [older, "2026-9-1", "latest"] {
            let (status, body) = read(&emu, &format!("{path}?api-version={version}")).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{path} {version}");
            assert_eq!(body["error"]["code"], "InvalidApiVersionParameter");
        }
    }
}

#[tokio::test]
async fn arm_reads_are_throttled_counted_and_denied_like_every_request() {
    let emu = start(
        Some(
            r#"{"http": {"throttle": {"reads_per_s": 0.001, "reads_burst": 3},
                          "deny": ["Microsoft.Compute/locations/usages/read"]}}"#,
        ),
        None,
    )
    .await;
    let usages = format!("{SUB}/providers/Microsoft.Compute/locations/northeurope/usages");
    let denied = emu.get(&format!("{}{usages}?{COMPUTE}", emu.base)).await;
    assert_eq!(denied.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        header(&denied, "x-ms-ratelimit-remaining-subscription-reads"),
        "2"
    );
    let body: Value = denied.json().await.unwrap();
    assert_eq!(body["error"]["code"], "AuthorizationFailed");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(
        message.contains(&format!(
            "does not have authorization to perform action 'Microsoft.Compute/locations/usages/read' over scope '{usages}' or the scope is invalid."
        )),
        "{message}"
    );
    let network = emu.get(&format!("{}{}?{NETWORK}", emu.base, net())).await;
    assert_eq!(network.status(), StatusCode::OK);
    assert_eq!(
        header(&network, "x-ms-ratelimit-remaining-subscription-reads"),
        "1"
    );
    let _ = emu.get(&format!("{}{SHOP}?{RESOURCES}", emu.base)).await;
    let throttled = emu.get(&format!("{}{SHOP}?{RESOURCES}", emu.base)).await;
    assert_eq!(throttled.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(!header(&throttled, "retry-after").is_empty());
    let stats = emu.emulator.stats();
    assert_eq!((stats.reads, stats.throttled), (3, 1));
}
