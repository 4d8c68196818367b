//! The `target` checks that need every VM at once: each VM's resolved
//! settings in; `drplan::duplicate_ip` (two VMs given one static address,
//! an inherited one reported once) and `drplan::zone_and_availability_set`
//! out.

use std::net::Ipv4Addr;

use miette::LabeledSpan;
use rustc_hash::{FxHashMap, FxHashSet};

use crate::ast::Name;
use crate::diagnostic::Diagnostic;
use crate::source::Span;

use super::super::{Checker, DraftGroup};
use super::{Chain, Level, Origin, TargetDraft};

impl Checker<'_> {
    /// `drplan::duplicate_ip` and `drplan::zone_and_availability_set`, on
    /// every VM's resolved settings. Skipped at once when no `target` block
    /// places anything.
    pub(in crate::check) fn check_targets(
        &mut self,
        groups: &[DraftGroup],
        defaults: Option<&TargetDraft>,
    ) {
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
