//! Microsoft.Compute answers readiness reads (spec excerpt and examples in
//! `tests/fixtures/azure-api/compute/`): quota counters, resource SKUs,
//! capacity reservation groups and their reservations.

use serde::Deserialize;

use super::null_default;

/// `Usage`: one quota counter of a region.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Usage {
    /// What is in use now.
    pub current_value: i64,
    /// The quota.
    pub limit: i64,
    /// The counter's names.
    pub name: UsageName,
}

/// `UsageName`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct UsageName {
    /// `cores`, `standardDSv5Family`, ….
    pub value: Option<String>,
    /// `Total Regional vCPUs`, `Standard DSv5 Family vCPUs`, ….
    pub localized_value: Option<String>,
}

/// `ResourceSku`: a size (or another resource's SKU) as a region offers it.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ResourceSku {
    /// `virtualMachines`, `disks`, ….
    pub resource_type: Option<String>,
    /// `Standard_D4s_v5`.
    pub name: Option<String>,
    /// Its quota family, `standardDSv5Family`.
    pub family: Option<String>,
    /// The regions it is listed for.
    #[serde(deserialize_with = "null_default")]
    pub locations: Vec<String>,
    /// Per region: its zones.
    #[serde(deserialize_with = "null_default")]
    pub location_info: Vec<SkuLocationInfo>,
    /// `vCPUs`, `MemoryGB`, ….
    #[serde(deserialize_with = "null_default")]
    pub capabilities: Vec<SkuCapability>,
    /// Why it may not be used.
    #[serde(deserialize_with = "null_default")]
    pub restrictions: Vec<SkuRestriction>,
}

/// `ResourceSkuLocationInfo`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct SkuLocationInfo {
    /// The region.
    pub location: Option<String>,
    /// The zones it is offered in.
    #[serde(deserialize_with = "null_default")]
    pub zones: Vec<String>,
}

/// `ResourceSkuCapabilities`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct SkuCapability {
    /// `vCPUs`.
    pub name: Option<String>,
    /// `"4"` (always text).
    pub value: Option<String>,
}

/// `ResourceSkuRestrictions`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct SkuRestriction {
    /// `Location` or `Zone`.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// The regions (or zones) it applies to.
    #[serde(deserialize_with = "null_default")]
    pub values: Vec<String>,
    /// Where exactly.
    pub restriction_info: Option<SkuRestrictionInfo>,
    /// `QuotaId` or `NotAvailableForSubscription`.
    pub reason_code: Option<String>,
}

/// `ResourceSkuRestrictionInfo`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct SkuRestrictionInfo {
    /// Regions.
    #[serde(deserialize_with = "null_default")]
    pub locations: Vec<String>,
    /// Zones.
    #[serde(deserialize_with = "null_default")]
    pub zones: Vec<String>,
}

/// `CapacityReservationGroup` (read with `$expand=instanceView`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ReservationGroup {
    /// Its region.
    pub location: Option<String>,
    /// The zones it spans.
    #[serde(deserialize_with = "null_default")]
    pub zones: Vec<String>,
    /// Its properties.
    pub properties: ReservationGroupProperties,
}

/// `CapacityReservationGroupProperties`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ReservationGroupProperties {
    /// Each reservation's use (with `$expand=instanceView`).
    pub instance_view: Option<ReservationGroupView>,
}

/// `CapacityReservationGroupInstanceView`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ReservationGroupView {
    /// Per reservation, by name.
    #[serde(deserialize_with = "null_default")]
    pub capacity_reservations: Vec<ReservationView>,
}

/// `CapacityReservationInstanceViewWithName` (and, without its name,
/// `CapacityReservationInstanceView`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ReservationView {
    /// The reservation's name.
    pub name: Option<String>,
    /// What is allocated in it.
    pub utilization_info: Option<ReservationUse>,
}

/// `CapacityReservationUtilization`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ReservationUse {
    /// What was reserved successfully (and is billed).
    pub current_capacity: Option<i64>,
    /// The VMs allocated against it.
    #[serde(deserialize_with = "null_default")]
    pub virtual_machines_allocated: Vec<SubResource>,
}

/// `CapacityReservation`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct CapacityReservation {
    /// Its name.
    pub name: Option<String>,
    /// The size and how many instances.
    pub sku: ComputeSku,
    /// Its zone, when zonal.
    #[serde(deserialize_with = "null_default")]
    pub zones: Vec<String>,
    /// Its properties.
    pub properties: CapacityReservationProperties,
}

/// `CapacityReservationProperties`, the part readiness reads.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct CapacityReservationProperties {
    /// Its use, when the answer carries it.
    pub instance_view: Option<ReservationView>,
}

/// `Sku` (Compute's): a size and a count.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ComputeSku {
    /// `Standard_D4s_v5`.
    pub name: Option<String>,
    /// Instances.
    pub capacity: Option<i64>,
}

/// `SubResource` / `SubResourceReadOnly`: a reference by ARM id.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct SubResource {
    /// The ARM id.
    pub id: Option<String>,
}
