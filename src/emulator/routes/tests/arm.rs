//! The ARM routes through the emulator's request path with the stand-in
//! world: what each answers, 404s, api-versions, paging and denied actions.

use axum::http::Method;
use serde_json::json;

use super::{CRG, LB, NET, NSG, PIP, RG, SHOP, SUB, emulator, get, header, json_of, send};

const COMPUTE: &str = "api-version=2025-11-01";
const NETWORK: &str = "api-version=2025-09-01";
const RESOURCES: &str = "api-version=2025-04-01";

#[tokio::test]
async fn compute_answers_usages_skus_reservations_and_vms() {
    let (emulator, _dir) = emulator(None);
    let emu = &emulator.state;
    let (status, body) = get(
        emu,
        &format!("{SUB}/providers/Microsoft.Compute/locations/northeurope/usages?{COMPUTE}"),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body["value"][0]["name"]["value"], "standardDSv5Family");
    assert_eq!(body["value"][0]["currentValue"], 8);

    let skus = format!("{SUB}/providers/Microsoft.Compute/skus?api-version=2021-07-01");
    let (_, all) = get(emu, &skus).await;
    let names: Vec<&str> = all["value"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s["name"].as_str())
        .collect();
    assert_eq!(
        names,
        ["Standard_D4s_v5_westeurope", "Standard_D4s_v5_northeurope"]
    );
    let (_, one) = get(
        emu,
        &format!("{skus}&$filter=location%20eq%20%27northeurope%27"),
    )
    .await;
    assert_eq!(one["value"].as_array().map(Vec::len), Some(1));
    assert_eq!(one["value"][0]["locations"], json!(["northeurope"]));
    let (status, bad) = get(emu, &format!("{skus}&$filter=name%20eq%20%27x%27")).await;
    assert_eq!(
        (status, bad["error"]["code"].as_str()),
        (400, Some("InvalidFilterInQueryString"))
    );

    let (status, crg) = get(emu, &format!("{CRG}?{COMPUTE}&$expand=instanceView")).await;
    assert_eq!(status, 200);
    assert_eq!(crg["id"], CRG);
    assert_eq!(
        crg["properties"]["instanceView"]["capacityReservations"][0]["utilizationInfo"]["currentCapacity"],
        2
    );
    let (_, list) = get(emu, &format!("{CRG}/capacityReservations?{COMPUTE}")).await;
    assert_eq!(list["value"][0]["sku"]["name"], "Standard_D4s_v5");
    let (status, one) = get(emu, &format!("{CRG}/capacityReservations/D4?{COMPUTE}")).await;
    assert_eq!((status, one["name"].as_str()), (200, Some("d4")));
    let (status, missing) = get(emu, &format!("{CRG}/capacityReservations/d8?{COMPUTE}")).await;
    assert_eq!(
        (status, missing["error"]["code"].as_str()),
        (404, Some("ResourceNotFound"))
    );

    let vm = format!("{SHOP}/providers/Microsoft.Compute/virtualMachines/app-02");
    let (status, body) = get(emu, &format!("{vm}?{COMPUTE}")).await;
    assert_eq!(status, 200);
    assert_eq!(body["tags"], json!({"app": "shop"}));
    assert_eq!(body["location"], "westeurope");
}

#[tokio::test]
async fn network_answers_networks_subnets_nsgs_public_ips_load_balancers_and_ip_checks() {
    let (emulator, _dir) = emulator(None);
    let emu = &emulator.state;
    let (status, net) = get(emu, &format!("{NET}?{NETWORK}")).await;
    assert_eq!(status, 200);
    assert_eq!(net["properties"]["subnets"][0]["name"], "app");
    let (status, subnet) = get(emu, &format!("{NET}/subnets/APP?{NETWORK}")).await;
    assert_eq!(
        (status, subnet["properties"]["addressPrefix"].as_str()),
        (200, Some("10.2.1.0/24"))
    );
    let (_, pip) = get(emu, &format!("{PIP}?{NETWORK}")).await;
    assert!(pip["properties"]["ipConfiguration"]["id"].is_string());
    let (_, nsg) = get(emu, &format!("{NSG}?{NETWORK}")).await;
    assert_eq!(
        nsg["location"], "northeurope",
        "an NSG without a region takes its group's"
    );
    let (_, lb) = get(emu, &format!("{LB}?{NETWORK}")).await;
    assert_eq!(lb["properties"]["backendAddressPools"][0]["name"], "be");
    let check = format!("{NET}/CheckIPAddressAvailability?{NETWORK}&ipAddress=");
    let (_, taken) = get(emu, &format!("{check}10.2.1.4")).await;
    assert_eq!(
        taken,
        json!({"available": false, "availableIPAddresses": ["10.2.1.5"]})
    );
    let (_, free) = get(emu, &format!("{check}10.2.1.9")).await;
    assert_eq!(free["available"], true);
    let (status, bad) = get(emu, &format!("{check}10.2.1")).await;
    assert_eq!(
        (status, bad["error"]["code"].as_str()),
        (400, Some("InvalidParameter"))
    );
}

#[tokio::test]
async fn what_does_not_exist_answers_arms_404s() {
    let (emulator, _dir) = emulator(None);
    let emu = &emulator.state;
    let (status, body) = get(
        emu,
        &format!("{RG}/providers/Microsoft.Network/virtualNetworks/vnet-gone?{NETWORK}"),
    )
    .await;
    assert_eq!(status, 404);
    assert_eq!(body["error"]["code"], "ResourceNotFound");
    assert_eq!(
        body["error"]["message"],
        "The Resource 'Microsoft.Network/virtualNetworks/vnet-gone' under resource group 'rg-ne' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix"
    );
    let (status, body) = get(emu, &format!("{NET}/subnets/db?{NETWORK}")).await;
    assert_eq!(status, 404);
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("virtualNetworks/vnet-ne/subnets/db"))
    );
    let gone = "/subscriptions/s1/resourceGroups/rg-gone";
    for path in [
        format!("{gone}?{RESOURCES}"),
        format!("{gone}/resources?{RESOURCES}"),
        format!("{gone}/providers/Microsoft.Network/publicIPAddresses/pip?{NETWORK}"),
        format!("{gone}/providers/Microsoft.Compute/virtualMachines/vm?{COMPUTE}"),
    ] {
        let (status, body) = get(emu, &path).await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (404, Some("ResourceGroupNotFound")),
            "{path}"
        );
        assert_eq!(
            body["error"]["message"],
            "Resource group 'rg-gone' could not be found."
        );
    }
    let (status, body) = get(emu, &format!("{NET}/peerings?{NETWORK}")).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (404, Some("ResourceNotFound"))
    );
    // A read the world cannot answer is the service's failure, not a 404.
    let (status, _) = get(
        emu,
        &format!("{SUB}/providers/Microsoft.Compute/locations/nowhere/usages?{COMPUTE}"),
    )
    .await;
    assert_eq!(status, 500);
}

#[tokio::test]
async fn resources_list_by_tag_and_group_in_pages() {
    let (emulator, _dir) = emulator(None);
    let emu = &emulator.state;
    let (status, group) = get(emu, &format!("{SHOP}?{RESOURCES}")).await;
    assert_eq!(status, 200);
    assert_eq!(group["type"], "Microsoft.Resources/resourceGroups");
    assert_eq!(group["location"], "westeurope");

    let mut url = format!(
        "{SUB}/resources?{RESOURCES}&$filter=tagName%20eq%20%27app%27%20and%20tagValue%20eq%20%27shop%27"
    );
    let mut names = Vec::new();
    let mut pages = 0;
    loop {
        let (status, page) = get(emu, &url).await;
        assert_eq!(status, 200, "{url}: {page}");
        for r in page["value"].as_array().into_iter().flatten() {
            assert!(r.get("tags").is_none(), "a tag filter leaves tags out: {r}");
            names.extend(r["name"].as_str().map(str::to_owned));
        }
        pages += 1;
        match page["nextLink"].as_str() {
            Some(next) => {
                url = next
                    .strip_prefix("http://127.0.0.1:8080")
                    .unwrap_or_else(|| panic!("{next}"))
                    .to_owned();
            }
            None => break,
        }
    }
    assert_eq!(pages, 2);
    assert_eq!(names, ["app-01", "app-02", "app-04", "app-05"]);

    let (_, typed) = get(
        emu,
        &format!(
            "{SHOP}/resources?{RESOURCES}&$filter=resourceType%20eq%20%27Microsoft.Compute%2FvirtualMachines%27"
        ),
    )
    .await;
    assert_eq!(typed["value"][0]["tags"], json!({"app": "shop"}));
    assert!(
        typed["nextLink"]
            .as_str()
            .is_some_and(|l| l.contains("%24filter=resourceType"))
    );
    for refused in [
        format!("{SUB}/resources?{RESOURCES}"),
        format!("{SUB}/resources?{RESOURCES}&$filter=resourceType%20eq%20%27x%27"),
        format!("{SHOP}/resources?{RESOURCES}&$filter=nonsense"),
    ] {
        let (status, body) = get(emu, &refused).await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (400, Some("InvalidFilterInQueryString")),
            "{refused}"
        );
    }
    let (status, _) = get(emu, &format!("{SHOP}/resources?{RESOURCES}&$skipToken=99")).await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn arm_routes_take_the_excerpts_api_versions_and_later_dates() {
    let (emulator, _dir) = emulator(None);
    let emu = &emulator.state;
    for (path, oldest, older) in [
        (NET.to_owned(), "2025-09-01", "2024-05-01"),
        (SHOP.to_owned(), "2025-04-01", "2024-11-01"),
        (CRG.to_owned(), "2025-11-01", "2025-04-01"),
        (
            format!("{SUB}/providers/Microsoft.Compute/skus"),
            "2021-07-01",
            "2019-04-01",
        ),
    ] {
        for newer in [oldest, "2026-07-01", "2027-01-01-preview"] {
            let (status, _) = get(emu, &format!("{path}?api-version={newer}")).await;
            assert_eq!(status, 200, "{path} {newer}");
        }
        for refused in [older, "2026-02-30x", "newest"] {
            let (status, body) = get(emu, &format!("{path}?api-version={refused}")).await;
            assert_eq!(
                (status, body["error"]["code"].as_str()),
                (400, Some("InvalidApiVersionParameter")),
                "{path} {refused}"
            );
            assert!(
                body["error"]["message"]
                    .as_str()
                    .is_some_and(|m| m.contains(oldest))
            );
        }
    }
    let (status, body) = get(emu, NET).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (400, Some("MissingApiVersionParameter"))
    );
    let posted = send(emu, Method::POST, &format!("{NET}?{NETWORK}"), "{}").await;
    assert_eq!(posted.status.as_u16(), 405);
}

#[tokio::test]
async fn denied_actions_answer_authorization_failed_and_the_rest_is_served() {
    let (emulator, _dir) = emulator(Some(
        r#"{"http": {"deny": ["Microsoft.Compute/locations/usages/read", "Microsoft.Network/virtualNetworks/subnets/*"]}}"#,
    ));
    let emu = &emulator.state;
    let usages = format!("{SUB}/providers/Microsoft.Compute/locations/northeurope/usages");
    let reply = send(emu, Method::GET, &format!("{usages}?{COMPUTE}"), "").await;
    assert_eq!(reply.status.as_u16(), 403);
    let body = json_of(&reply);
    assert_eq!(body["error"]["code"], "AuthorizationFailed");
    let message = body["error"]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains(&format!(
            "does not have authorization to perform action 'Microsoft.Compute/locations/usages/read' over scope '{usages}' or the scope is invalid. If access was recently granted, please refresh your credentials."
        )),
        "{message}"
    );
    assert!(message.starts_with("The client '"), "{message}");
    // Throttling counted it: the remaining reads header is there.
    assert!(header(&reply, "x-ms-ratelimit-remaining-subscription-reads").is_some());
    let (status, _) = get(emu, &format!("{NET}/subnets/app?{NETWORK}")).await;
    assert_eq!(status, 403);
    let (status, _) = get(emu, &format!("{NET}?{NETWORK}")).await;
    assert_eq!(status, 200);
}
