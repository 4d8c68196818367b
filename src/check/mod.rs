//! Syntax tree to checked plan: `check` reads the AST against the schema,
//! resolves names and each VM's `target` settings, finds cycles, makes sure
//! every operation's estimates can be added up and estimates the failover
//! against the RTO. It
//! reports every problem of the file in one pass and returns a [`Plan`] only
//! when none of them is an error, so a plan with errors can never execute.

mod arm_id;
mod azure_values;
mod coverage;
mod cycles;
pub mod estimates;
mod hooks;
mod names;
mod plan_level;
mod resources;
pub mod schema;
mod settings;
mod sites;
mod state_url;
mod target;
mod url_value;
mod values;

use std::path::PathBuf;
use std::sync::Arc;

use crate::ast::{GroupStmt, Name, PlanFile, Setting};
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::duration::Duration;
use crate::plan::{
    Defaults, FailbackOrder, FailoverOptions, Group, HookBlock, Objectives, OnError, Plan,
    RecoveryPoint, Vm,
};
use crate::source::{SourceFile, Span};
use crate::target::TargetSettings;

use schema::BlockKind;
use settings::Entries;
use target::TargetDraft;

/// Checks a parsed file. Returns the plan only if no error was found;
/// warnings (`empty_group`, `rto_exceeded`) leave the plan usable.
pub fn check(source: &SourceFile, file: &PlanFile, diags: &mut Diagnostics) -> Option<Plan> {
    let errors_before = diags.error_count();
    // Only a plan that is a file has a folder to find its scripts in: a plan
    // read from stdin would otherwise have them looked up in the current folder.
    let base_dir = source
        .path
        .parent()
        .map(|p| {
            if p.as_os_str().is_empty() {
                PathBuf::from(".")
            } else {
                p.to_path_buf()
            }
        })
        .filter(|p| p.is_dir() && source.path.is_file());
    let mut checker = Checker { diags, base_dir };
    let plan = checker.file(file);
    if checker.diags.error_count() > errors_before {
        return None;
    }
    let plan = plan?;
    if estimates::overflow(&plan, checker.diags) {
        return None;
    }
    estimates::rto(&plan, checker.diags);
    Some(plan)
}

/// The state of one check: where diagnostics go and where scripts are looked up.
pub(crate) struct Checker<'d> {
    diags: &'d mut Diagnostics,
    /// The plan's folder, when the plan is a file on disk (not stdin, nor an
    /// editor buffer that was never saved).
    base_dir: Option<PathBuf>,
}

/// A group as read, before names are resolved.
pub(crate) struct DraftGroup {
    name: Name,
    needs: Vec<Name>,
    parallelism: Option<u32>,
    vms: Vec<DraftVm>,
    hooks: Vec<HookBlock>,
    /// Its `target` block.
    target: Option<Box<TargetDraft>>,
    /// Its own vault and regions.
    site: sites::GroupSite,
    /// Whether the group lists any VM or hook block, even one with errors of
    /// its own (then `empty_group` would only be noise).
    has_content: bool,
}

/// A VM as read, before names are resolved.
pub(crate) struct DraftVm {
    name: Name,
    item: Option<String>,
    estimate: Option<Duration>,
    needs: Vec<Name>,
    /// Its own `target` block (boxed: most VMs have none).
    target: Option<Box<TargetDraft>>,
}

impl Checker<'_> {
    fn file(&mut self, file: &PlanFile) -> Option<Plan> {
        let top = self.read(BlockKind::File, &[], &file.statements);
        let Some(plan) = top.get("plan") else {
            // Only when nothing else was wrong at the top level: otherwise the
            // unknown statements already explain it.
            if !self.diags.has_errors() {
                let at = file.statements.first().map_or(Span::new(0, 0), |s| {
                    Span::new(s.span().start as usize, s.span().start as usize)
                });
                self.diags.push(Diagnostic::Syntax {
                    message: "this file has no plan".into(),
                    at,
                    label: "expected `plan NAME { … }`".into(),
                    help: Some("a plan file holds exactly one `plan NAME { … }` block".into()),
                });
            }
            return None;
        };
        self.plan(plan)
    }

    fn plan(&mut self, setting: &Setting) -> Option<Plan> {
        let name = setting.args.first().and_then(crate::ast::Value::as_name);
        let name = match name {
            Some(name) if self.valid_name(&name) => name,
            Some(_) => return None,
            None => {
                self.invalid(
                    setting.key.span,
                    "the plan's name must be a name".into(),
                    "not a name",
                    Some("write `plan my-plan { … }`".into()),
                );
                return None;
            }
        };
        let block = setting.block.as_ref()?;
        let e = self.read(BlockKind::Plan, &[], &block.statements);
        let owner = format!("plan `{}`", name.text);

        let vault = self.vault(&e);
        let primary = self.region(&e, "primary");
        let recovery = self.region(&e, "recovery");
        for (key, given) in [
            ("vault", e.get("vault").is_some()),
            ("primary", e.get("primary").is_some()),
            ("recovery", e.get("recovery").is_some()),
        ] {
            if !given && !Self::was_given(&block.statements, key) {
                let example = schema::find(BlockKind::Plan, key)
                    .map(|s| s.example)
                    .unwrap_or_default();
                self.diags.push(Diagnostic::MissingSetting {
                    owner: owner.clone(),
                    setting: key.into(),
                    at: name.span,
                    help: Some(format!("add `{example}` to the plan")),
                });
            }
        }
        if let (Some((p, p_span)), Some((r, r_span))) = (&primary, &recovery)
            && p == r
        {
            self.diags.push(Diagnostic::SameRegion {
                region: p.clone(),
                primary: *p_span,
                recovery: *r_span,
            });
        }
        let description = self.text(&e, "description").map(|(t, _)| t);
        let state = self.state(&e);

        let objectives = self.objectives(&e);
        // Read first: `target` blocks warn about test settings without it.
        let test_block = e.get("test").and_then(|s| s.block.as_ref());
        let has_test_network =
            test_block.is_some_and(|b| Self::was_given(&b.statements, "network"));
        let test_network = test_block.and_then(|b| {
            let t = self.read(BlockKind::Test, &[], &b.statements);
            self.resource_id_of(&t, "network")
        });
        let (defaults, defaults_target) = self.defaults(&e, has_test_network);
        let failover = self.failover_options(&e);
        let failback_order = self.failback_order(&e);
        let coverage = self.coverage(&e);

        let drafts: Vec<DraftGroup> = e
            .groups
            .iter()
            .filter_map(|g| self.group(g, &defaults, has_test_network))
            .collect();
        let plan_site = sites::PlanSite {
            vault: vault.as_ref(),
            primary: primary.as_ref(),
            recovery: recovery.as_ref(),
        };
        for g in &drafts {
            self.check_site(&g.name.text, &g.site, &plan_site);
        }
        let groups = self.finish_groups(drafts, &defaults, defaults_target.as_deref());
        let hooks = self.plan_hooks(&e, &defaults);
        let on_failure = self.on_failure(&e, &defaults);
        let notify = self.notify(&e);

        Some(Plan {
            name: name.text.into(),
            description,
            vault: vault?,
            primary: primary?.0,
            recovery: recovery?.0,
            state,
            objectives,
            coverage,
            defaults,
            failover,
            failback_order,
            test_network,
            groups: groups?,
            hooks,
            on_failure,
            notify,
        })
    }

    fn objectives(&mut self, e: &Entries<'_>) -> Objectives {
        let Some(b) = e.get("objectives").and_then(|s| s.block.as_ref()) else {
            return Objectives::default();
        };
        let o = self.read(BlockKind::Objectives, &[], &b.statements);
        Objectives {
            rto: self.duration(&o, "rto"),
            rto_span: o.get("rto").and_then(|s| s.args.first()).map(|v| v.span),
            rpo: self.duration(&o, "rpo"),
            drill: self.duration(&o, "drill"),
        }
    }

    /// `defaults { … }`, with its `target` block apart (`Defaults` is the
    /// steps' and groups', and `Copy`).
    fn defaults(
        &mut self,
        e: &Entries<'_>,
        test_network: bool,
    ) -> (Defaults, Option<Box<TargetDraft>>) {
        let mut defaults = Defaults::default();
        let mut target = None;
        if let Some(b) = e.get("defaults").and_then(|s| s.block.as_ref()) {
            let d = self.read(BlockKind::Defaults, &[], &b.statements);
            defaults.timeout = self.duration(&d, "timeout");
            defaults.retries = self.integer_u32(&d, "retries").unwrap_or(defaults.retries);
            defaults.on_error = on_error(self.word(&d, "on_error")).unwrap_or(defaults.on_error);
            defaults.parallelism = self
                .integer_u32(&d, "parallelism")
                .unwrap_or(defaults.parallelism);
            if let Some(estimate) = self.duration(&d, "estimate") {
                defaults.estimate = estimate;
                defaults.estimate_declared = true;
            }
            target = self.target(&d, test_network);
        }
        (defaults, target)
    }

    fn failover_options(&mut self, e: &Entries<'_>) -> FailoverOptions {
        let mut failover = FailoverOptions::default();
        if let Some(b) = e.get("failover").and_then(|s| s.block.as_ref()) {
            let f = self.read(BlockKind::Failover, &[], &b.statements);
            failover.recovery_point = self
                .word(&f, "recovery_point")
                .and_then(RecoveryPoint::from_plan_word)
                .unwrap_or(failover.recovery_point);
            failover.shutdown_source = self
                .word(&f, "shutdown_source")
                .map_or(failover.shutdown_source, |w| w == "true");
        }
        failover
    }

    fn failback_order(&mut self, e: &Entries<'_>) -> FailbackOrder {
        let Some(b) = e.get("failback").and_then(|s| s.block.as_ref()) else {
            return FailbackOrder::default();
        };
        let f = self.read(BlockKind::Failback, &[], &b.statements);
        self.word(&f, "order")
            .and_then(FailbackOrder::from_word)
            .unwrap_or_default()
    }

    /// Whether a setting was written at all (maybe with a bad value, which is
    /// reported on its own), so that "missing" is said only when it is missing.
    fn was_given(statements: &[crate::ast::Statement], key: &str) -> bool {
        statements
            .iter()
            .any(|s| matches!(s, crate::ast::Statement::Setting(set) if set.key.text == key))
    }

    fn group(
        &mut self,
        stmt: &GroupStmt,
        defaults: &Defaults,
        test_network: bool,
    ) -> Option<DraftGroup> {
        let Some(name) = stmt.name.clone() else {
            self.invalid(
                stmt.keyword,
                "a group needs a name".into(),
                "name missing",
                Some("write `group db { vm sql-01 }`".into()),
            );
            return None;
        };
        let name_ok = self.valid_name(&name);
        let mut needs = Vec::new();
        if let Some(clause) = &stmt.needs {
            if clause.names.is_empty() {
                self.invalid(
                    clause.keyword,
                    "`needs` lists no group".into(),
                    "no names after `needs`",
                    Some("write `needs db, cache`, or remove `needs`".into()),
                );
            }
            needs = clause
                .names
                .iter()
                .filter(|n| self.valid_name(n))
                .cloned()
                .collect();
        }
        let Some(block) = &stmt.block else {
            self.invalid(
                name.span,
                format!("group `{}` has no `{{ … }}` body", name.text),
                "body missing",
                Some(format!("write `group {} {{ vm … }}`", name.text)),
            );
            return None;
        };
        let e = self.read(BlockKind::Group, &[], &block.statements);
        let parallelism = self.integer_u32(&e, "parallelism");
        let target = self.target(&e, test_network);
        let site = self.group_site(&e);
        let mut vms = Vec::new();
        let mut hooks = Vec::new();
        let mut has_content = false;
        for (spec, setting) in e.iter() {
            match spec.name {
                "vm" => {
                    has_content = true;
                    self.vms(setting, &mut vms, test_network);
                }
                "before" | "after" => {
                    has_content = true;
                    if let Some(block) = self.hook_block(setting, defaults) {
                        hooks.push(block);
                    }
                }
                _ => {}
            }
        }
        name_ok.then_some(DraftGroup {
            name,
            needs,
            parallelism,
            vms,
            hooks,
            target,
            site,
            has_content,
        })
    }

    fn vms(&mut self, setting: &Setting, out: &mut Vec<DraftVm>, test_network: bool) {
        let names = self.names(setting);
        let Some(block) = &setting.block else {
            out.extend(names.into_iter().map(|name| DraftVm {
                name,
                item: None,
                estimate: None,
                needs: Vec::new(),
                target: None,
            }));
            return;
        };
        if setting.args.len() > 1 {
            self.invalid(
                block.span,
                "a `vm` block describes one VM".into(),
                "block after a list",
                Some("write `vm a { … }` and `vm b { … }` separately".into()),
            );
            return;
        }
        let e = self.read(BlockKind::Vm, &[], &block.statements);
        let item = self.text(&e, "item").map(|(t, _)| t);
        let estimate = self.duration(&e, "estimate");
        let needs = e.get("needs").map(|s| self.names(s)).unwrap_or_default();
        let mut target = self.target(&e, test_network);
        // One name (a block after several is refused above).
        out.extend(names.into_iter().map(|name| DraftVm {
            name,
            item: item.clone(),
            estimate,
            needs: needs.clone(),
            target: target.take(),
        }));
    }

    /// Resolves names, finds cycles and empty groups, and builds the groups.
    fn finish_groups(
        &mut self,
        drafts: Vec<DraftGroup>,
        defaults: &Defaults,
        defaults_target: Option<&TargetDraft>,
    ) -> Option<Vec<Group>> {
        let errors_before = self.diags.error_count();
        let (group_needs, vm_needs) = self.resolve(&drafts);
        if self.diags.error_count() == errors_before {
            for d in cycles::find(&drafts, &group_needs, &vm_needs) {
                self.diags.push(d);
            }
        }
        self.check_targets(&drafts, defaults_target);
        for g in &drafts {
            if !g.has_content {
                self.diags.push(Diagnostic::EmptyGroup {
                    name: g.name.text.to_string(),
                    at: g.name.span,
                });
            }
        }
        if self.diags.error_count() > errors_before {
            return None;
        }
        // Resolved once per level and shared: a VM without a `target` of
        // its own holds its group's settings, a group without one the plan's.
        let plan_wide = Arc::new(target::resolve(defaults_target, &TargetSettings::default()));
        let groups = drafts
            .into_iter()
            .zip(group_needs)
            .zip(vm_needs)
            .map(|((g, needs), vm_needs)| {
                let group_wide = match g.target.as_deref() {
                    None => Arc::clone(&plan_wide),
                    own => Arc::new(target::resolve(own, &plan_wide)),
                };
                Group {
                    name: g.name.text.into(),
                    span: g.name.span,
                    needs: needs.into_iter().map(|(id, _)| id).collect(),
                    vault: g.site.vault.map(|(v, _)| v),
                    primary: g.site.primary.map(|(r, _)| r),
                    recovery: g.site.recovery.map(|(r, _)| r),
                    parallelism: g.parallelism.unwrap_or(defaults.parallelism),
                    vms: g
                        .vms
                        .into_iter()
                        .zip(vm_needs)
                        .map(|(v, needs)| Vm {
                            target: match v.target.as_deref() {
                                None => Arc::clone(&group_wide),
                                own => Arc::new(target::resolve(own, &group_wide)),
                            },
                            name: v.name.text.into(),
                            span: v.name.span,
                            item: v.item,
                            estimate: v.estimate.unwrap_or(defaults.estimate),
                            estimate_declared: v.estimate.is_some() || defaults.estimate_declared,
                            // Most VMs need nothing: skip the iterator machinery for them.
                            needs: if needs.is_empty() {
                                Vec::new()
                            } else {
                                needs.into_iter().map(|(r, _)| r).collect()
                            },
                        })
                        .collect(),
                    hooks: g.hooks,
                }
            })
            .collect();
        Some(groups)
    }
}

fn on_error(word: Option<&str>) -> Option<OnError> {
    match word? {
        "abort" => Some(OnError::Abort),
        "continue" => Some(OnError::Continue),
        _ => None,
    }
}
