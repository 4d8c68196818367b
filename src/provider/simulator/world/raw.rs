//! The world file's text as serde reads it: every field optional but
//! what an entry needs, unknown fields refused (so typos are caught), zones
//! as text or numbers. `file` validates and applies what these hold.

use std::collections::{BTreeMap, BTreeSet};
use std::net::Ipv4Addr;

use serde::Deserialize;

use super::ZONES;
use crate::clock::Timestamp;
use crate::target::TargetSettings;

/// A zone as written: `"2"` or `2`.
#[derive(Deserialize)]
#[serde(untagged)]
pub(super) enum RawZone {
    Text(String),
    Number(u64),
}

impl RawZone {
    pub(super) fn check(self, at: &str) -> Result<String, String> {
        let text = match self {
            RawZone::Text(t) => t,
            RawZone::Number(n) => n.to_string(),
        };
        if ZONES.contains(&text.as_str()) {
            Ok(text)
        } else {
            Err(format!("{at}: zone `{text}` is not one of 1, 2, 3"))
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawWorld {
    #[serde(default)]
    pub(super) regions: BTreeMap<String, RawRegion>,
    #[serde(default)]
    pub(super) reservations: BTreeMap<String, Vec<RawReservation>>,
    #[serde(default)]
    pub(super) delete: Vec<String>,
    #[serde(default)]
    pub(super) public_ips: BTreeMap<String, RawPublicIp>,
    #[serde(default)]
    pub(super) used_ips: BTreeMap<String, BTreeSet<Ipv4Addr>>,
    #[serde(default)]
    pub(super) vms: Vec<RawVm>,
    #[serde(default)]
    pub(super) items: BTreeMap<String, RawItem>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawRegion {
    #[serde(default)]
    pub(super) quota: BTreeMap<String, RawQuota>,
    #[serde(default)]
    pub(super) sizes: BTreeMap<String, RawSize>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawQuota {
    pub(super) limit: Option<u64>,
    pub(super) usage: Option<u64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSize {
    pub(super) offered: Option<bool>,
    pub(super) zones: Option<Vec<RawZone>>,
    pub(super) restricted: Option<bool>,
    pub(super) restricted_zones: Option<Vec<RawZone>>,
    pub(super) family: Option<String>,
    pub(super) vcpus: Option<u32>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawReservation {
    pub(super) size: String,
    pub(super) zone: Option<RawZone>,
    pub(super) capacity: Option<u32>,
    pub(super) used: Option<u32>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawPublicIp {
    pub(super) bound_to: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawVm {
    pub(super) name: String,
    pub(super) resource_group: String,
    pub(super) region: Option<String>,
    #[serde(default)]
    pub(super) tags: BTreeMap<String, String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawItem {
    pub(super) target: Option<TargetSettings>,
    pub(super) last_test_failover: Option<Timestamp>,
    pub(super) consistency_group: Option<String>,
}
