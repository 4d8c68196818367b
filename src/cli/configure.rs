//! `drplan run configure PLAN --dry-run`: the drift a `configure` would
//! correct, read from the vault: one row per VM and setting with the
//! vault's value and the plan's, for people or as JSON
//! (`{"plan","operation":"configure","changes":[{"vm","group","setting","vault","plan"}],"readiness":{…}}`).
//! Nothing is changed. Exit 3 when readiness refuses the update (an item in
//! the middle of a failover, a target resource that does not exist).

use std::fmt::Write as _;

use serde::Serialize;

use crate::graph::StepGraph;
use crate::plan::Plan;
use crate::printable::printable;
use crate::target::{SettingValue, TargetSetting, drift};

use super::args::{Format, RunArgs};
use super::exit::ExitCode;
use super::{Ctx, output};

/// One setting of one VM that differs.
#[derive(Debug, Serialize)]
struct Row {
    vm: String,
    group: String,
    setting: TargetSetting,
    vault: Option<SettingValue>,
    plan: Option<SettingValue>,
}

pub(super) fn dry_run(args: &RunArgs, ctx: &Ctx, plan: &Plan, graph: &StepGraph) -> ExitCode {
    let found = match super::dry_run::online(args, ctx, plan, graph) {
        Ok(found) => found,
        Err(code) => return code,
    };
    let assessment = &found.assessment;
    let mut rows = Vec::new();
    for (target, machine) in assessment.targets.iter().zip(&assessment.machines) {
        let Some(vm) = plan
            .groups
            .iter()
            .find(|g| g.name == target.group)
            .and_then(|g| g.vms.iter().find(|v| v.name == target.vm))
        else {
            continue;
        };
        rows.extend(drift(&machine.target, &vm.target).into_iter().map(|c| Row {
            vm: target.vm.clone(),
            group: target.group.clone(),
            setting: c.setting,
            plan: c.plan_value(),
            vault: c.vault,
        }));
    }
    match args.format {
        Format::Json => {
            #[derive(Serialize)]
            struct Report<'a> {
                plan: &'a str,
                operation: &'static str,
                changes: &'a [Row],
                readiness: &'a crate::readiness::Readiness,
            }
            output::document(
                output::Schema::Configure,
                &Report {
                    plan: &plan.name,
                    operation: "configure",
                    changes: &rows,
                    readiness: &assessment.readiness,
                },
            );
        }
        Format::Human => {
            let mut text = human(plan, &rows, assessment.targets.len(), &args.plan);
            let _ = writeln!(text);
            text.push_str(&crate::readiness::human(
                &assessment.readiness,
                graph.operation,
            ));
            output::print(&printable(&text));
        }
    }
    if assessment.readiness.refuses(args.strict) {
        ExitCode::NotReady
    } else {
        ExitCode::Success
    }
}

fn human(plan: &Plan, rows: &[Row], with_targets: usize, path: &std::path::Path) -> String {
    let mut out = format!(
        "configure of plan {} (dry run: nothing is changed)\n",
        plan.name
    );
    let mut vms: Vec<(&str, &str)> = rows
        .iter()
        .map(|r| (r.vm.as_str(), r.group.as_str()))
        .collect();
    vms.dedup();
    if rows.is_empty() {
        let _ = writeln!(
            out,
            "the vault matches the plan's target settings for all {with_targets} VMs that have them"
        );
        return out;
    }
    let _ = writeln!(
        out,
        "{} of {with_targets} VMs differ from the plan: {} {} to change (vault → plan; ARM ids as resource group/name, `--format json` has them whole)",
        vms.len(),
        rows.len(),
        if rows.len() == 1 {
            "setting"
        } else {
            "settings"
        }
    );
    let width = rows
        .iter()
        .map(|r| r.setting.as_str().len())
        .max()
        .unwrap_or(0);
    for (vm, group) in vms {
        let _ = writeln!(out, "\n  {vm} (group {group})");
        for r in rows.iter().filter(|r| r.vm == vm) {
            let shown = |v: &Option<SettingValue>| {
                v.as_ref()
                    .map_or_else(|| "(unset)".to_owned(), |v| short(&v.to_string()))
            };
            let _ = writeln!(
                out,
                "    {:<width$}  {} → {}",
                r.setting.as_str(),
                shown(&r.vault),
                shown(&r.plan)
            );
        }
    }
    let _ = writeln!(
        out,
        "\n`drplan run configure {}` sends one update per VM with these settings",
        path.display()
    );
    out
}

/// An ARM id as its resource group and names (`rg-net-ne/vnet-ne`,
/// `rg-ne/lb-web/pool-a`); anything else as it is. Lists keep their commas.
fn short(text: &str) -> String {
    text.split(", ")
        .map(short_one)
        .collect::<Vec<_>>()
        .join(", ")
}

fn short_one(id: &str) -> String {
    let parts: Vec<&str> = id.split('/').collect();
    let Some(rg_at) = parts
        .iter()
        .position(|p| p.eq_ignore_ascii_case("resourceGroups"))
    else {
        return id.to_owned();
    };
    let Some(rg) = parts.get(rg_at + 1) else {
        return id.to_owned();
    };
    let Some(providers) = parts
        .iter()
        .position(|p| p.eq_ignore_ascii_case("providers"))
    else {
        return (*rg).to_owned();
    };
    // After `providers/<namespace>`: type/name pairs; keep the names.
    let names: Vec<&str> = parts
        .iter()
        .skip(providers + 2)
        .skip(1)
        .step_by(2)
        .copied()
        .collect();
    if names.is_empty() {
        return id.to_owned();
    }
    format!("{rg}/{}", names.join("/"))
}

#[cfg(test)]
mod tests {
    use super::short;

    #[test]
    fn ids_show_their_group_and_names() {
        let s = "/subscriptions/0/resourceGroups";
        assert_eq!(short(&format!("{s}/rg-ne")), "rg-ne");
        assert_eq!(
            short(&format!(
                "{s}/rg-net/providers/Microsoft.Network/virtualNetworks/vnet-ne"
            )),
            "rg-net/vnet-ne"
        );
        assert_eq!(
            short(&format!(
                "{s}/rg/providers/Microsoft.Network/loadBalancers/lb/backendAddressPools/web, {s}/rg/providers/Microsoft.Network/loadBalancers/lb/backendAddressPools/api"
            )),
            "rg/lb/web, rg/lb/api"
        );
        assert_eq!(short("Standard_D4s_v5"), "Standard_D4s_v5");
        assert_eq!(short("10.2.1.4"), "10.2.1.4");
    }
}
