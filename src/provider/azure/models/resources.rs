//! Microsoft.Resources answers, and any resource read for its region only
//! (spec excerpt in `tests/fixtures/azure-api/resources/`): resources listed
//! by tag or resource group, and a resource by id.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::null_default;

/// `GenericResourceExpanded` (and any ARM resource): the envelope.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct GenericResource {
    /// Its ARM id.
    pub id: Option<String>,
    /// Its name.
    pub name: Option<String>,
    /// `Microsoft.Compute/virtualMachines`, ….
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// Its region.
    pub location: Option<String>,
    /// Its tags (left out of a listing filtered by tag).
    #[serde(deserialize_with = "null_default")]
    pub tags: BTreeMap<String, String>,
}
