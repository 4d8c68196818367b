//! Microsoft.Resources' answers: the inventory's resource groups and
//! subscription VMs in, `ResourceGroups_Get` and
//! `Resources_List`/`_ListByResourceGroup` entries
//! (`GenericResourceExpanded`) out, and `Subscriptions_Get` from a
//! subscription and its tenant; what a list's `$filter` selects is in
//! `filter`.

use serde_json::{Value, json};

use crate::provider::inventory::SubscriptionVm;

/// The only type the inventory lists.
pub(crate) const VM_TYPE: &str = "Microsoft.Compute/virtualMachines";

/// One entry of a resource list.
pub(crate) fn resource(vm: &SubscriptionVm, with_tags: bool) -> Value {
    let mut body = json!({
        "id": vm.id,
        "name": vm.name,
        "type": VM_TYPE,
        "location": vm.location,
    });
    if with_tags && let Some(b) = body.as_object_mut() {
        b.insert("tags".into(), json!(vm.tags));
    }
    body
}

/// `ResourceGroups_Get`.
pub(crate) fn resource_group(id: &str, name: &str, location: &str) -> Value {
    json!({
        "id": id,
        "name": name,
        "type": "Microsoft.Resources/resourceGroups",
        "location": location,
        "properties": {"provisioningState": "Succeeded"},
    })
}

/// `Subscriptions_Get`: the subscription, enabled, in `tenant`.
pub(crate) fn subscription(id: &str, tenant: &str) -> Value {
    json!({
        "id": format!("/subscriptions/{id}"),
        "subscriptionId": id,
        "tenantId": tenant,
        "displayName": id,
        "state": "Enabled",
        "authorizationSource": "RoleBased",
        "subscriptionPolicies": {
            "locationPlacementId": "Public_2014-09-01",
            "quotaId": "PayAsYouGo_2014-09-01",
            "spendingLimit": "Off",
        },
    })
}
