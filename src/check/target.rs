//! `target` blocks: each one read into [`TargetSettings`] (values checked
//! against Azure's formats and resource types), a VM's settings resolved
//! field by field (its own over its group's over `defaults`'), and the
//! checks that need every VM at once: `drplan::duplicate_ip` and
//! `drplan::zone_and_availability_set`.

use std::net::Ipv4Addr;

use miette::LabeledSpan;
use rustc_hash::{FxHashMap, FxHashSet};

use crate::ast::{Name, Setting, Value, ValueKind};
use crate::diagnostic::Diagnostic;
use crate::source::Span;
use crate::target::{TargetSetting, TargetSettings};

use super::schema::{BlockKind, ValueType};
use super::settings::Entries;
use super::{Checker, DraftGroup, azure_values};

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

    /// `drplan::duplicate_ip` and `drplan::zone_and_availability_set`, on
    /// every VM's resolved settings. Skipped at once when no `target` block
    /// places anything.
    pub(super) fn check_targets(&mut self, groups: &[DraftGroup], defaults: Option<&TargetDraft>) {
        let placed = |d: Option<&TargetDraft>| d.is_some_and(|d| d.placed.any());
        let any = placed(defaults)
            || groups.iter().any(|g| {
                placed(g.target.as_deref()) || g.vms.iter().any(|v| placed(v.target.as_deref()))
            });
        if !any {
            return;
        }
        let mut ips = Addresses::new("ip");
        let mut test_ips = Addresses::new("test_ip");
        let mut both = FxHashSet::default();
        for group in groups {
            for vm in &group.vms {
                let chain = Chain {
                    vm: vm.target.as_deref(),
                    group: group.target.as_deref(),
                    defaults,
                };
                let g = group.name.text.as_str();
                if let Some((origin, draft)) = chain.origin(g, |p| p.ip)
                    && let Some(ip) = draft.settings.ip
                {
                    ips.add(self, ip, &vm.name, origin);
                }
                if let Some((origin, draft)) = chain.origin(g, |p| p.test_ip)
                    && let Some(ip) = draft.settings.test_ip
                {
                    test_ips.add(self, ip, &vm.name, origin);
                }
                if let (Some((zone, _)), Some((set, _))) = (
                    chain.origin(g, |p| p.zone),
                    chain.origin(g, |p| p.availability_set),
                ) && both.insert((zone.span, set.span))
                {
                    self.zone_and_set(&vm.name, zone, set);
                }
            }
        }
    }

    fn zone_and_set(&mut self, vm: &Name, zone: Origin<'_>, set: Origin<'_>) {
        let label = |o: Origin<'_>, setting: &str| match o.level {
            Level::Vm => format!("`{setting}` here"),
            level => format!("`{setting}` here, in {}", level.block()),
        };
        // The one set for more VMs is the one to move down to the VMs that want it.
        let (wider, setting) = if zone.level.rank() >= set.level.rank() {
            (zone, "zone")
        } else {
            (set, "availability_set")
        };
        let help = match wider.level {
            Level::Vm => {
                "a VM is in an availability zone or in an availability set, never both: remove one of the two".to_owned()
            }
            level if zone.level == set.level => format!(
                "a VM is in an availability zone or in an availability set, never both: remove one of the two from {}",
                level.block()
            ),
            level => format!(
                "a VM is in an availability zone or in an availability set, never both, and it cannot drop a setting it inherits: set `{setting}` on the groups or VMs that want it rather than in {}",
                level.block()
            ),
        };
        self.diags.push(Diagnostic::ZoneAndAvailabilitySet {
            vm: vm.text.to_string(),
            zone: zone.span,
            zone_label: label(zone, "zone"),
            set: set.span,
            set_label: label(set, "availability_set"),
            help: Some(help),
        });
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

/// The static addresses of one setting (`ip` or `test_ip`) seen so far.
struct Addresses<'a> {
    setting: &'static str,
    /// The first VM to get each address.
    first: FxHashMap<Ipv4Addr, (&'a Name, Origin<'a>)>,
    /// Inherited settings already reported: a group's `ip` given to all its
    /// VMs is one mistake, reported once.
    shared: FxHashSet<Span>,
}

impl<'a> Addresses<'a> {
    fn new(setting: &'static str) -> Self {
        Self {
            setting,
            first: FxHashMap::default(),
            shared: FxHashSet::default(),
        }
    }

    fn add(&mut self, checker: &mut Checker<'_>, ip: Ipv4Addr, vm: &'a Name, origin: Origin<'a>) {
        let Some(&(first_vm, first)) = self.first.get(&ip) else {
            self.first.insert(ip, (vm, origin));
            return;
        };
        let same = first.span == origin.span;
        if same && !self.shared.insert(origin.span) {
            return;
        }
        let place = |vm: &Name, o: Origin<'_>| match o.level {
            Level::Vm => (o.span, format!("given to `{}` here", vm.text)),
            level => (
                vm.span,
                format!("`{}` inherits it from {}", vm.text, level.block()),
            ),
        };
        let (first_span, first_label) = place(first_vm, first);
        let (second_span, second_label) = place(vm, origin);
        let mut origins: Vec<LabeledSpan> = Vec::new();
        for o in [first, origin] {
            if o.level != Level::Vm && !origins.iter().any(|l| l.offset() == o.span.start as usize)
            {
                origins.push(LabeledSpan::new_with_span(
                    Some(format!("written here, in {}", o.level.block())),
                    o.span,
                ));
            }
        }
        let setting = self.setting;
        let help = if same {
            format!(
                "a static IP is one VM's: move `{setting}` from {} into each VM's own `vm NAME {{ target {{ {setting} \"…\" }} }}`, one address each",
                origin.level.block()
            )
        } else {
            format!("give each VM its own address in its own `target {{ {setting} \"…\" }}`")
        };
        checker.diags.push(Diagnostic::DuplicateIp {
            setting: setting.into(),
            ip: ip.to_string(),
            first_vm: first_vm.text.to_string(),
            second_vm: vm.text.to_string(),
            first: first_span,
            first_label,
            second: second_span,
            second_label,
            origins,
            help: Some(help),
        });
    }
}

#[cfg(test)]
mod tests {
    use std::net::Ipv4Addr;
    use std::sync::Arc;

    use crate::plan::Plan;
    use crate::source::SourceFile;

    const SUB: &str = "/subscriptions/00000000-0000-0000-0000-000000000000";

    fn plan(groups: &str) -> Plan {
        let text = format!(
            "plan p {{\n  vault simulator\n  primary \"westeurope\"\n  recovery \"northeurope\"\n  test {{ network \"{SUB}/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/drill\" }}\n  defaults {{ target {{ resource_group \"{SUB}/resourceGroups/rg-ne\"  size \"Standard_D2s_v5\"  subnet \"default\" }} }}\n{groups}}}\n"
        );
        let (plan, diags) = crate::compile(&SourceFile::new("p.drplan", text.as_str()));
        assert!(diags.is_empty(), "{diags:?}");
        plan.unwrap()
    }

    #[test]
    fn each_setting_comes_from_the_most_specific_block_that_sets_it() {
        let plan = plan(
            "  group app {\n    target { size \"Standard_D4s_v5\"  zone 2 }\n    vm a { target { size \"Standard_D8s_v5\"  ip \"10.2.1.4\" } }\n    vm b\n  }\n  group db {\n    vm c { target { subnet \"db\" } }\n  }\n",
        );
        let [a, b] = &plan.groups[0].vms[..] else {
            unreachable!("two VMs in app")
        };
        let c = &plan.groups[1].vms[0];
        // The VM's own over its group's over the plan's.
        assert_eq!(a.target.size.as_deref(), Some("Standard_D8s_v5"));
        assert_eq!(b.target.size.as_deref(), Some("Standard_D4s_v5"));
        assert_eq!(c.target.size.as_deref(), Some("Standard_D2s_v5"));
        assert_eq!(a.target.zone, Some(2));
        assert_eq!(c.target.zone, None);
        assert_eq!(a.target.ip, Some(Ipv4Addr::new(10, 2, 1, 4)));
        assert_eq!(b.target.ip, None);
        assert_eq!(c.target.subnet.as_deref(), Some("db"));
        assert_eq!(b.target.subnet.as_deref(), Some("default"));
        let rg = format!("{SUB}/resourceGroups/rg-ne");
        for vm in [a, b, c] {
            assert_eq!(vm.target.resource_group.as_deref(), Some(rg.as_str()));
        }
    }

    #[test]
    fn vms_without_their_own_target_share_their_groups_settings() {
        let plan = plan("  group app {\n    vm a, b\n  }\n  group db {\n    vm c\n  }\n");
        let vms: Vec<_> = plan.groups.iter().flat_map(|g| &g.vms).collect();
        assert!(Arc::ptr_eq(&vms[0].target, &vms[1].target));
        assert!(Arc::ptr_eq(&vms[0].target, &vms[2].target));
        assert_eq!(vms[0].target.size.as_deref(), Some("Standard_D2s_v5"));
    }

    #[test]
    fn coverage_and_drill_are_read() {
        let text = format!(
            "plan p {{\n  vault simulator\n  primary \"westeurope\"\n  recovery \"northeurope\"\n  objectives {{ drill 90d }}\n  coverage {{ tag \"app=shop\"  tag \"owner\"  resource_group \"{SUB}/resourceGroups/rg-shop\" }}\n  group g {{ vm a }}\n}}\n"
        );
        let (plan, diags) = crate::compile(&SourceFile::new("p.drplan", text.as_str()));
        assert!(diags.is_empty(), "{diags:?}");
        let plan = plan.unwrap();
        assert_eq!(
            plan.objectives.drill.map(|d| d.to_string()).as_deref(),
            Some("90d")
        );
        let tags: Vec<_> = plan
            .coverage
            .tags
            .iter()
            .map(|t| (t.name.as_str(), t.value.as_deref()))
            .collect();
        assert_eq!(tags, [("app", Some("shop")), ("owner", None)]);
        assert_eq!(
            plan.coverage.resource_groups,
            [format!("{SUB}/resourceGroups/rg-shop")]
        );
    }
}
