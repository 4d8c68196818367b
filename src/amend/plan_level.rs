//! The plan's own settings (name, vault, regions, objectives, `defaults`,
//! `failover`, `test_network`, coverage, group parallelism), and the catch-all
//! for differences no step of the run shows (hooks of other phases,
//! estimates, groups left out with `--group`), so that a corrected plan that
//! differs in what it does never reads as "no change".

use super::compare::{self, Field, Found, or_none, quoted};
use super::{Change, Conflict, PlanSetting, describe};
use crate::plan::{Group, GroupId, MapValue, Plan};

/// The settings that identify where a plan's VMs are (name, vault, regions),
/// as (setting, old, new) for each that differs.
pub(crate) fn fixed(old: &Plan, new: &Plan) -> Vec<(PlanSetting, String, String)> {
    let fixed = [
        (PlanSetting::Name, quoted(&old.name), quoted(&new.name)),
        (
            PlanSetting::Vault,
            old.vault.to_string(),
            new.vault.to_string(),
        ),
        (
            PlanSetting::Primary,
            quoted(&old.primary),
            quoted(&new.primary),
        ),
        (
            PlanSetting::Recovery,
            quoted(&old.recovery),
            quoted(&new.recovery),
        ),
    ];
    fixed
        .into_iter()
        .filter(|(_, was, now)| was != now)
        .collect()
}

/// The other plan-wide settings, one change per differing setting, each
/// under its section (`plan`, `objectives`, `defaults`, `failover`,
/// `test_network`, `coverage`): what `resume --plan` and `drplan diff` both
/// report.
pub(crate) fn settings(old: &Plan, new: &Plan) -> Vec<Change> {
    let mut found = Found::default();
    if old.description != new.description {
        found.change("plan", "description changed");
    }
    section(&mut found, "objectives", &objectives(old), &objectives(new));
    section(&mut found, "defaults", &defaults(old), &defaults(new));
    section(&mut found, "failover", &failover(old), &failover(new));
    if old.test_network != new.test_network {
        let shown = |p: &Plan| or_none(p.test_network.as_deref().map(quoted));
        found.change("test_network", format!("{} → {}", shown(old), shown(new)));
    }
    if old.coverage != new.coverage {
        found.change("coverage", "changed (read by `status`, not by runs)");
    }
    notify(&mut found, old, new);
    found.changes
}

/// Notification targets added, removed or told other things, each named as
/// logs name it (a literal URL by its host only: its path may hold a token).
fn notify(found: &mut Found, old: &Plan, new: &Plan) {
    use crate::notify::NotifyTarget;
    let key = |t: &NotifyTarget| match &t.url {
        MapValue::Secret(secret) => format!("env({})", secret.name),
        MapValue::Literal(url) => url.clone(),
    };
    let shape = |t: &NotifyTarget| {
        let events: Vec<&str> = t.events.iter().map(|e| e.as_str()).collect();
        format!(
            "format {}, events [{}]",
            t.format.as_str(),
            events.join(", ")
        )
    };
    for t in &new.notify {
        match old.notify.iter().find(|o| key(o) == key(t)) {
            None => found.change("notify", format!("{} added ({})", t.label(), shape(t))),
            Some(o) if shape(o) != shape(t) => found.change(
                "notify",
                format!("{}: {} → {}", t.label(), shape(o), shape(t)),
            ),
            Some(_) => {}
        }
    }
    for o in &old.notify {
        if !new.notify.iter().any(|t| key(t) == key(o)) {
            found.change("notify", format!("{} removed", o.label()));
        }
    }
}

/// Compares the plan-wide settings. Which steps a `defaults` or `failover`
/// change reaches is the steps' comparison's (see [`describe::vm_inherited`]).
pub(super) fn compare(old: &Plan, new: &Plan, found: &mut Found) {
    for (setting, was, now) in fixed(old, new) {
        found.change("plan", format!("{} {was} → {now}", setting.as_str()));
        found.conflicts.push(Conflict::PlanSetting {
            setting,
            old: was,
            new: now,
        });
    }
    found.changes.extend(settings(old, new));
    for g in &new.groups {
        if let Some(was) = old.groups.iter().find(|o| o.name == g.name)
            && was.parallelism != g.parallelism
        {
            found.change(
                format!("group {}", g.name),
                format!("parallelism {} → {}", was.parallelism, g.parallelism),
            );
            found.mention(&g.name);
        }
    }
}

/// One line per changed setting of a section.
fn section(found: &mut Found, subject: &str, old: &[Field], new: &[Field]) {
    for change in compare::diff(old, new) {
        found.change(subject, change.text);
    }
}

fn objectives(plan: &Plan) -> Vec<Field> {
    let o = &plan.objectives;
    vec![
        Field::own("rto", or_none(o.rto)),
        Field::own("rpo", or_none(o.rpo)),
        Field::own("drill", or_none(o.drill)),
    ]
}

fn defaults(plan: &Plan) -> Vec<Field> {
    let d = &plan.defaults;
    vec![
        Field::own("timeout", or_none(d.timeout)),
        Field::own("retries", d.retries.to_string()),
        Field::own("on_error", describe::on_error(d.on_error)),
        Field::own("parallelism", d.parallelism.to_string()),
        Field::own("estimate", d.estimate.to_string()),
    ]
}

fn failover(plan: &Plan) -> Vec<Field> {
    let f = &plan.failover;
    vec![
        Field::own("recovery_point", f.recovery_point.plan_word()),
        Field::own("shutdown_source", f.shutdown_source.to_string()),
    ]
}

/// A line for each group that differs where no change found so far shows it.
pub(super) fn outside_the_run(old: &Plan, new: &Plan, found: &mut Found) {
    let mut names: Vec<&str> = old.groups.iter().map(|g| g.name.as_str()).collect();
    for g in &new.groups {
        if !names.contains(&g.name.as_str()) {
            names.push(&g.name);
        }
    }
    for name in names {
        if found.groups_mentioned.iter().any(|m| m == name) {
            continue;
        }
        let was = old.groups.iter().position(|g| g.name == name);
        let now = new.groups.iter().position(|g| g.name == name);
        let detail = match (was, now) {
            (Some(_), None) => "removed (it has no step in this run)",
            (None, Some(_)) => "added (it has no step in this run)",
            (Some(w), Some(n)) if comparable(old, w) != comparable(new, n) => {
                "changed where this run has no step (hooks of other phases, estimates, or a group left out with --group)"
            }
            _ => continue,
        };
        found.change(format!("group {name}"), detail);
    }
}

/// A group as it compares across plans: without source positions, and
/// with what it needs by name rather than by index (groups may move).
#[derive(PartialEq)]
struct Comparable<'a> {
    group: Group,
    needs: Vec<&'a str>,
    vm_needs: Vec<Vec<(&'a str, &'a str)>>,
}

fn comparable(plan: &Plan, g: GroupId) -> Option<Comparable<'_>> {
    let source = plan.groups.get(g)?;
    let group_name = |i: GroupId| plan.groups.get(i).map_or("", |g| g.name.as_str());
    let mut group = source.clone();
    group.span = crate::source::Span::default();
    group.needs.clear();
    let mut vm_needs = Vec::with_capacity(group.vms.len());
    for vm in &mut group.vms {
        vm.span = crate::source::Span::default();
        vm_needs.push(
            vm.needs
                .iter()
                .map(|at| {
                    (
                        group_name(at.group),
                        plan.vm(*at).map_or("", |v| v.name.as_str()),
                    )
                })
                .collect(),
        );
        vm.needs.clear();
    }
    for block in &mut group.hooks {
        for hook in &mut block.hooks {
            hook.span = crate::source::Span::default();
        }
    }
    Some(Comparable {
        group,
        needs: source.needs.iter().map(|&i| group_name(i)).collect(),
        vm_needs,
    })
}
