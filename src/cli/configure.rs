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
    let found = match super::dry_run::online(args, ctx.credential, plan, graph) {
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
            output::json(&Report {
                plan: &plan.name,
                operation: "configure",
                changes: &rows,
                readiness: &assessment.readiness,
            });
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
    let mut vms: Vec<&str> = rows.iter().map(|r| r.vm.as_str()).collect();
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
        "{} of {with_targets} VMs differ from the plan: {} {} to change\n",
        vms.len(),
        rows.len(),
        if rows.len() == 1 {
            "setting"
        } else {
            "settings"
        }
    );
    let cells: Vec<[String; 5]> =
        std::iter::once(["VM", "GROUP", "SETTING", "VAULT", "PLAN"].map(str::to_owned))
            .chain(rows.iter().map(|r| {
                [
                    r.vm.clone(),
                    r.group.clone(),
                    r.setting.to_string(),
                    r.vault
                        .as_ref()
                        .map_or_else(|| "(unset)".to_owned(), ToString::to_string),
                    r.plan.as_ref().map(ToString::to_string).unwrap_or_default(),
                ]
            }))
            .collect();
    let widths: Vec<usize> = (0..5)
        .map(|i| {
            cells
                .iter()
                .map(|c| c[i].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    for row in &cells {
        let mut line = String::from(" ");
        for (i, cell) in row.iter().enumerate() {
            if i == 4 {
                let _ = write!(line, " {cell}");
            } else {
                let _ = write!(line, " {cell:<w$} ", w = widths[i]);
            }
        }
        let _ = writeln!(out, "{}", line.trim_end());
    }
    let _ = writeln!(
        out,
        "\n`drplan run configure {}` sends one update per VM with these settings",
        path.display()
    );
    out
}
