//! The reads of one readiness pass: what the checks need from the
//! subscription in; each distinct read made once, all of them concurrently
//! (bounded), and what failed out as `unchecked` findings. Checks ask for
//! what they need first ([`Wanted`]), then read the answers ([`Answers`]),
//! so that 1,000 VMs on one network read that network once, and a region's
//! usages and SKUs are each one list.

use std::collections::{BTreeMap, BTreeSet};
use std::net::Ipv4Addr;

use futures_util::StreamExt as _;

use super::finding::{Finding, FindingKind, Severity};
use crate::provider::inventory::{IpAvailability, Resource, Sku, SubscriptionVm, Usage};
use crate::provider::{Inventory, ProviderError};

/// Reads in flight at once: enough to keep a throttled client's bucket busy
/// (its pacing spaces them), few enough not to open hundreds of connections.
const CONCURRENT_READS: usize = 16;

/// One read readiness may make.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Read {
    /// A region's quota counters.
    Usages(String),
    /// A region's VM sizes.
    Skus(String),
    /// A resource by ARM id (lower-cased: ARM ids ignore case).
    Resource(String),
    /// Whether an address is free in a network (id lower-cased).
    Ip(String, Ipv4Addr),
    /// VMs by tag.
    Tagged(String, Option<String>),
    /// VMs of a resource group (id lower-cased).
    InGroup(String),
}

impl Read {
    /// What the read is for, in a finding's words.
    fn what(&self) -> String {
        match self {
            Read::Usages(region) => format!("the vCPU quota of {region}"),
            Read::Skus(region) => format!("the VM sizes offered in {region}"),
            Read::Resource(id) => format!("whether {id} exists"),
            Read::Ip(network, ip) => format!("whether {ip} is free in {network}"),
            Read::Tagged(name, Some(value)) => format!("the VMs tagged {name}={value}"),
            Read::Tagged(name, None) => format!("the VMs tagged {name}"),
            Read::InGroup(rg) => format!("the VMs of {rg}"),
        }
    }
}

/// A read's answer.
#[derive(Debug, Clone)]
enum Answer {
    Usages(Vec<Usage>),
    Skus(Vec<Sku>),
    Resource(Option<Resource>),
    Ip(IpAvailability),
    Vms(Vec<SubscriptionVm>),
}

/// The reads the checks asked for, each once.
#[derive(Debug, Default)]
pub(super) struct Wanted(BTreeSet<Read>);

impl Wanted {
    pub(super) fn usages(&mut self, region: &str) {
        self.0.insert(Read::Usages(region.to_owned()));
    }
    pub(super) fn skus(&mut self, region: &str) {
        self.0.insert(Read::Skus(region.to_owned()));
    }
    pub(super) fn resource(&mut self, id: &str) {
        self.0.insert(Read::Resource(id.to_ascii_lowercase()));
    }
    pub(super) fn ip(&mut self, network: &str, ip: Ipv4Addr) {
        self.0.insert(Read::Ip(network.to_ascii_lowercase(), ip));
    }
    pub(super) fn tagged(&mut self, name: &str, value: Option<&str>) {
        self.0
            .insert(Read::Tagged(name.to_owned(), value.map(str::to_owned)));
    }
    pub(super) fn in_group(&mut self, rg: &str) {
        self.0.insert(Read::InGroup(rg.to_ascii_lowercase()));
    }

    /// How many distinct reads were asked for.
    pub(super) fn len(&self) -> usize {
        self.0.len()
    }

    /// Makes every read, [`CONCURRENT_READS`] at a time.
    pub(super) async fn read(self, inventory: &dyn Inventory) -> Answers {
        let answers: Vec<(Read, Result<Answer, ProviderError>)> =
            futures_util::stream::iter(self.0)
                .map(|read| async move {
                    let answer = one(inventory, &read).await;
                    (read, answer)
                })
                .buffer_unordered(CONCURRENT_READS)
                .collect()
                .await;
        let mut ok = BTreeMap::new();
        let mut failed = BTreeMap::new();
        for (read, answer) in answers {
            match answer {
                Ok(a) => {
                    ok.insert(read, a);
                }
                Err(e) => {
                    failed.insert(read, e);
                }
            }
        }
        Answers { ok, failed }
    }
}

async fn one(inventory: &dyn Inventory, read: &Read) -> Result<Answer, ProviderError> {
    Ok(match read {
        Read::Usages(region) => Answer::Usages(inventory.usages(region).await?),
        Read::Skus(region) => Answer::Skus(inventory.skus(region).await?),
        Read::Resource(id) => Answer::Resource(inventory.resource(id).await?),
        Read::Ip(network, ip) => Answer::Ip(inventory.ip_available(network, *ip).await?),
        Read::Tagged(name, value) => {
            Answer::Vms(inventory.vms_by_tag(name, value.as_deref()).await?)
        }
        Read::InGroup(rg) => Answer::Vms(inventory.vms_in_resource_group(rg).await?),
    })
}

/// What a read says of a resource.
#[derive(Debug, Clone, Copy)]
pub(super) enum Lookup<'a> {
    /// It exists.
    Found(&'a Resource),
    /// It does not (404).
    Missing,
    /// Its read failed: `unchecked` reports it.
    Unknown,
}

/// What the reads answered. A failed read answers `None` to the checks,
/// which then skip what depends on it; [`Answers::unchecked`] reports it.
#[derive(Debug, Default)]
pub(super) struct Answers {
    ok: BTreeMap<Read, Answer>,
    failed: BTreeMap<Read, ProviderError>,
}

impl Answers {
    pub(super) fn usages(&self, region: &str) -> Option<&[Usage]> {
        match self.ok.get(&Read::Usages(region.to_owned()))? {
            Answer::Usages(u) => Some(u),
            _ => None,
        }
    }

    pub(super) fn skus(&self, region: &str) -> Option<&[Sku]> {
        match self.ok.get(&Read::Skus(region.to_owned()))? {
            Answer::Skus(s) => Some(s),
            _ => None,
        }
    }

    /// What is known of a resource.
    pub(super) fn resource(&self, id: &str) -> Lookup<'_> {
        match self.ok.get(&Read::Resource(id.to_ascii_lowercase())) {
            Some(Answer::Resource(Some(r))) => Lookup::Found(r),
            Some(Answer::Resource(None)) => Lookup::Missing,
            _ => Lookup::Unknown,
        }
    }

    pub(super) fn ip(&self, network: &str, ip: Ipv4Addr) -> Option<&IpAvailability> {
        match self.ok.get(&Read::Ip(network.to_ascii_lowercase(), ip))? {
            Answer::Ip(a) => Some(a),
            _ => None,
        }
    }

    pub(super) fn tagged(&self, name: &str, value: Option<&str>) -> Option<&[SubscriptionVm]> {
        match self
            .ok
            .get(&Read::Tagged(name.to_owned(), value.map(str::to_owned)))?
        {
            Answer::Vms(v) => Some(v),
            _ => None,
        }
    }

    pub(super) fn in_group(&self, rg: &str) -> Option<&[SubscriptionVm]> {
        match self.ok.get(&Read::InGroup(rg.to_ascii_lowercase()))? {
            Answer::Vms(v) => Some(v),
            _ => None,
        }
    }

    /// One `unchecked` warning per read that failed: which check could not
    /// run and why, and what to do about it.
    pub(super) fn unchecked(&self) -> Vec<Finding> {
        self.failed
            .iter()
            // An address cannot be checked in a network that does not
            // exist; `missing_resource` already says the network is gone.
            .filter(|(read, _)| match read {
                Read::Ip(network, _) => !matches!(self.resource(network), Lookup::Missing),
                _ => true,
            })
            .map(|(read, error)| {
                let remedy = match error {
                    ProviderError::Forbidden { permission, .. } => format!(
                        "grant the identity drplan runs as `{permission}` (the role in drplan-role.json has every permission drplan uses), then check again"
                    ),
                    ProviderError::Unanswered(_) => {
                        "check again when Resource Manager answers; DRPLAN_STATUS_TIMEOUT waits longer"
                            .to_owned()
                    }
                    _ => "check again; if it keeps failing, verify this yourself before acting"
                        .to_owned(),
                };
                let permission = match error {
                    ProviderError::Forbidden { permission, .. } => Some(permission.clone()),
                    _ => None,
                };
                Finding {
                    severity: Severity::Warning,
                    kind: FindingKind::Unchecked,
                    vm: None,
                    group: None,
                    message: format!("could not check {}: {error}", read.what()),
                    remedy,
                    details: serde_json::json!({
                        "check": read.what(),
                        "error": error.to_string(),
                        "permission": permission,
                    }),
                }
            })
            .collect()
    }
}
