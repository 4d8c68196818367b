//! `target` blocks: each one read into [`TargetSettings`] (values checked
//! against Azure's formats and resource types), a VM's settings resolved
//! field by field (its own over its group's over `defaults`'); the checks
//! that need every VM at once (`drplan::duplicate_ip`,
//! `drplan::zone_and_availability_set`) are in `across`.

use std::net::Ipv4Addr;

use crate::ast::{Setting, Value, ValueKind};
use crate::diagnostic::Diagnostic;
use crate::source::Span;
use crate::target::{TargetSetting, TargetSettings};

use super::schema::{BlockKind, ValueType};
use super::settings::Entries;
use super::{Checker, azure_values};

/// A `target` block as read.
#[derive(Debug, Default)]
pub(crate) struct TargetDraft {
    /// Its valid settings.
    settings: TargetSettings,
    /// Where the settings that plan-wide checks point at are written.
    placed: Placed,
}

/// Where a block writes `ip`, `test_ip`, `zone` and `availability_set`
/// (when they are valid).
#[derive(Debug, Default, Clone, Copy)]
struct Placed {
    ip: Option<Span>,
    test_ip: Option<Span>,
    zone: Option<Span>,
    availability_set: Option<Span>,
}

impl Placed {
    fn any(&self) -> bool {
        self.ip.is_some()
            || self.test_ip.is_some()
            || self.zone.is_some()
            || self.availability_set.is_some()
    }
}

/// The `target` blocks that apply to one VM, most specific first.
#[derive(Clone, Copy)]
struct Chain<'a> {
    /// The VM's own.
    vm: Option<&'a TargetDraft>,
    /// Its group's.
    group: Option<&'a TargetDraft>,
    /// The plan's `defaults { target }`.
    defaults: Option<&'a TargetDraft>,
}

/// Which block a setting of a VM comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Level<'a> {
    Vm,
    Group(&'a str),
    Defaults,
}

impl Level<'_> {
    /// How many VMs a block at this level sets: more for higher ranks.
    fn rank(self) -> u8 {
        match self {
            Level::Vm => 0,
            Level::Group(_) => 1,
            Level::Defaults => 2,
        }
    }

    /// "group `app`'s `target`", for labels.
    fn block(self) -> String {
        match self {
            Level::Vm => "the VM's own `target`".into(),
            Level::Group(group) => format!("group `{group}`'s `target`"),
            Level::Defaults => "`defaults { target }`".into(),
        }
    }
}

/// Where a VM's setting is written, and in which block.
#[derive(Debug, Clone, Copy)]
struct Origin<'a> {
    span: Span,
    level: Level<'a>,
}

/// A block's settings over its parent's, already resolved: each setting
/// from the block when it sets it, else the parent's.
pub(super) fn resolve(own: Option<&TargetDraft>, parent: &TargetSettings) -> TargetSettings {
    match own {
        Some(own) => own.settings.clone().inherit(parent),
        None => parent.clone(),
    }
}

impl<'a> Chain<'a> {
    /// The block a placed setting comes from, and where it is written there.
    fn origin(
        self,
        group: &'a str,
        pick: fn(&Placed) -> Option<Span>,
    ) -> Option<(Origin<'a>, &'a TargetDraft)> {
        [
            (self.vm, Level::Vm),
            (self.group, Level::Group(group)),
            (self.defaults, Level::Defaults),
        ]
        .into_iter()
        .find_map(|(draft, level)| {
            let draft = draft?;
            pick(&draft.placed).map(|span| (Origin { span, level }, draft))
        })
    }
}

impl Checker<'_> {
    /// The `target` block of a `defaults`, group or VM block, read and
    /// checked. `test_network`: whether the plan's `test` block names a network.
    pub(super) fn target(
        &mut self,
        entries: &Entries<'_>,
        test_network: bool,
    ) -> Option<Box<TargetDraft>> {
        let block = entries.get("target")?.block.as_ref()?;
        let e = self.read(BlockKind::Target, &[], &block.statements);
        let mut draft = TargetDraft::default();
        for (spec, setting) in e.iter() {
            let (Some(which), Some(value)) =
                (TargetSetting::parse(spec.name), Self::first_value(setting))
            else {
                continue;
            };
            match spec.value {
                ValueType::ResourceId(expected) => {
                    let id = self.resource_id(value, spec.name, expected);
                    if which == TargetSetting::AvailabilitySet && id.is_some() {
                        draft.placed.availability_set = Some(value.span);
                    }
                    if let Some(slot) = text_slot(&mut draft.settings, which) {
                        *slot = id;
                    }
                }
                ValueType::ResourceIds(expected) => {
                    draft.settings.load_balancer_pools =
                        self.resource_ids(value, spec.name, expected);
                }
                ValueType::Ipv4 => {
                    let ip = self.ip(value, spec.name);
                    let at = ip.map(|_| value.span);
                    if which == TargetSetting::Ip {
                        (draft.settings.ip, draft.placed.ip) = (ip, at);
                    } else {
                        (draft.settings.test_ip, draft.placed.test_ip) = (ip, at);
                    }
                }
                ValueType::VmSize => draft.settings.size = self.size(value),
                ValueType::Integer { .. } => {
                    draft.settings.zone = self
                        .integer(&e, spec.name)
                        .and_then(|n| u8::try_from(n).ok());
                    draft.placed.zone = draft.settings.zone.map(|_| value.span);
                }
                _ => {
                    let name = self.azure_name(value, which);
                    if let Some(slot) = text_slot(&mut draft.settings, which) {
                        *slot = name;
                    }
                }
            }
            if matches!(which, TargetSetting::TestSubnet | TargetSetting::TestIp) && !test_network {
                self.no_test_network(setting);
            }
        }
        Some(Box::new(draft))
    }

    fn no_test_network(&mut self, setting: &Setting) {
        self.diags.push(Diagnostic::NoTestNetwork {
            setting: setting.key.text.to_string(),
            at: setting.key.span,
            help: Some(
                "name the isolated network test failovers go to: `test { network \"/subscriptions/…/providers/Microsoft.Network/virtualNetworks/vnet-drill\" }`; without one this setting is never used".into(),
            ),
        });
    }

    /// `ip` or `test_ip`: a string holding a NIC's IPv4 address.
    fn ip(&mut self, value: &Value, setting: &str) -> Option<Ipv4Addr> {
        let text = match &value.kind {
            ValueKind::Str(text) => text,
            ValueKind::Number(text) => {
                self.diags.push(Diagnostic::InvalidIp {
                    setting: setting.into(),
                    reason: "it must be written in quotes".into(),
                    at: value.span,
                    label: "not in quotes".into(),
                    help: Some(format!("did you mean `{text}`?")),
                });
                return None;
            }
            _ => {
                self.diags.push(Diagnostic::InvalidIp {
                    setting: setting.into(),
                    reason: format!("found {}", value.describe()),
                    at: value.span,
                    label: "not an address".into(),
                    help: Some(format!(
                        "write the address in quotes: `{setting} \"10.2.1.4\"`"
                    )),
                });
                return None;
            }
        };
        match azure_values::ipv4(text) {
            Ok(ip) => Some(ip),
            Err(problem) => {
                let help = match problem.meant {
                    Some(meant) => format!("did you mean `{meant}`?"),
                    None => format!(
                        "write one IPv4 address from the subnet's range, as `{setting} \"10.2.1.4\"`"
                    ),
                };
                self.diags.push(Diagnostic::InvalidIp {
                    setting: setting.into(),
                    reason: problem.reason,
                    at: value.span,
                    label: "not a NIC's IPv4 address".into(),
                    help: Some(help),
                });
                None
            }
        }
    }

    /// `size`: an Azure VM size as Azure spells it.
    fn size(&mut self, value: &Value) -> Option<String> {
        let (text, span) = self.text_value(value, "size")?;
        match azure_values::vm_size(&text) {
            Ok(()) => Some(text),
            Err(meant) => {
                let help = match meant {
                    Some(meant) => format!("did you mean `{meant}`?"),
                    None => "Azure sizes read `Standard_<family><vCPUs><features>_<version>`, as `Standard_D4s_v5`; `az vm list-sizes --location <region>` lists a region's sizes".into(),
                };
                self.diags.push(Diagnostic::InvalidSize {
                    text,
                    at: span,
                    help: Some(help),
                });
                None
            }
        }
    }

    /// `vm_name`, `subnet`, `test_subnet`: names Azure restricts.
    fn azure_name(&mut self, value: &Value, which: TargetSetting) -> Option<String> {
        let setting = which.as_str();
        let (text, span) = self.text_value(value, setting)?;
        let problem = if which == TargetSetting::VmName {
            azure_values::vm_name(&text).map_err(|why| (why, None))
        } else {
            azure_values::subnet(&text)
        };
        match problem {
            Ok(()) => Some(text),
            Err((why, meant)) => {
                let help = meant.map(|m| format!("did you mean `{m}`?"));
                self.invalid(
                    span,
                    format!("`{setting}` is not a valid name: {why}"),
                    "invalid name",
                    help,
                );
                None
            }
        }
    }
}

/// The text setting of `settings` that `which` names, for the settings
/// that hold text (names and ARM ids).
fn text_slot(settings: &mut TargetSettings, which: TargetSetting) -> Option<&mut Option<String>> {
    Some(match which {
        TargetSetting::VmName => &mut settings.vm_name,
        TargetSetting::Size => &mut settings.size,
        TargetSetting::ResourceGroup => &mut settings.resource_group,
        TargetSetting::Network => &mut settings.network,
        TargetSetting::Subnet => &mut settings.subnet,
        TargetSetting::TestSubnet => &mut settings.test_subnet,
        TargetSetting::PublicIp => &mut settings.public_ip,
        TargetSetting::Nsg => &mut settings.nsg,
        TargetSetting::AvailabilitySet => &mut settings.availability_set,
        TargetSetting::ProximityGroup => &mut settings.proximity_group,
        TargetSetting::CapacityReservation => &mut settings.capacity_reservation,
        TargetSetting::Ip
        | TargetSetting::TestIp
        | TargetSetting::LoadBalancerPools
        | TargetSetting::Zone => return None,
    })
}

mod across;
#[cfg(test)]
mod tests;
