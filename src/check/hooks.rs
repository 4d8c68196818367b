//! `before`/`after` blocks and their hooks: phases, hook kinds, step settings
//! (on the hook's statement or in its block) and each kind's own settings, to
//! typed [`HookBlock`]s with the plan's defaults applied.

use crate::ast::{Setting, Value};
use crate::diagnostic::Diagnostic;
use crate::duration::Duration;
use crate::plan::{Defaults, Hook, HookAction, HookBlock, Phase, StepSettings, When, estimates};

use super::Checker;
use super::schema::{self, BlockKind, PHASES};
use super::settings::Entries;
use super::url_value::UrlHook;

impl Checker<'_> {
    /// `before failover, test { … }`.
    pub(super) fn hook_block(
        &mut self,
        setting: &Setting,
        defaults: &Defaults,
    ) -> Option<HookBlock> {
        let when = if setting.key.text == "before" {
            When::Before
        } else {
            When::After
        };
        let mut phases = Vec::new();
        for value in &setting.args {
            let Some(phase) = self
                .word_value(value, &setting.key.text, PHASES)
                .and_then(Phase::from_word)
            else {
                continue;
            };
            if phases.contains(&phase) {
                self.invalid(
                    value.span,
                    "phase listed twice".into(),
                    "listed again",
                    Some("list each phase once".into()),
                );
            } else {
                phases.push(phase);
            }
        }
        let block = setting.block.as_ref()?;
        let e = self.read(BlockKind::Hooks, &[], &block.statements);
        let hooks = e
            .iter()
            .filter_map(|(spec, hook)| self.hook(spec.name, hook, defaults))
            .collect();
        Some(HookBlock {
            when,
            phases,
            hooks,
        })
    }

    pub(super) fn hook(
        &mut self,
        kind: &str,
        setting: &Setting,
        defaults: &Defaults,
    ) -> Option<Hook> {
        let block_kind = schema::hook_block(kind)?;
        let statements = setting
            .block
            .as_ref()
            .map_or(&[][..], |b| &b.statements[..]);
        let e = self.read(block_kind, &setting.inline, statements);
        let value = setting.args.first()?;
        let (action, default_estimate) = match kind {
            "script" => {
                let (path, span) = self.text_value(value, "script")?;
                self.script_exists(&path, span);
                let args = self.string_list(&e, "args");
                let env = self.map_of(&e, "env");
                (HookAction::Script { path, args, env }, estimates::SCRIPT)
            }
            "runbook" => (self.runbook(value, &e)?, estimates::RUNBOOK),
            "webhook" => (self.webhook(value, &e)?, estimates::WEBHOOK),
            "probe" => (self.probe(value, &e)?, estimates::PROBE),
            "manual" => {
                let (instructions, _) = self.text_value(value, "manual")?;
                (HookAction::Manual { instructions }, estimates::MANUAL)
            }
            "wait" => {
                let spec = schema::find(BlockKind::Hooks, "wait")?;
                let duration = self.duration_value(value, "wait", true, spec.example)?;
                (HookAction::Wait { duration }, duration)
            }
            _ => return None,
        };
        let declared = self.duration(&e, "estimate");
        // A `wait`'s duration is written, and is its estimate.
        let estimate_declared = declared.is_some() || matches!(action, HookAction::Wait { .. });
        let step = StepSettings {
            timeout: self.duration(&e, "timeout").or(defaults.timeout),
            retries: self.integer_u32(&e, "retries").unwrap_or(defaults.retries),
            on_error: super::on_error(self.word(&e, "on_error")).unwrap_or(defaults.on_error),
            estimate: declared.unwrap_or(default_estimate),
        };
        Some(Hook {
            action,
            step,
            estimate_declared,
            span: setting.span,
        })
    }

    fn runbook(&mut self, value: &Value, e: &Entries<'_>) -> Option<HookAction> {
        let (name, _) = self.text_value(value, "runbook")?;
        if e.get("account").is_none() {
            self.diags.push(Diagnostic::MissingSetting {
                owner: format!("runbook `{name}`"),
                setting: "account".into(),
                at: value.span,
                help: Some("add `account \"/subscriptions/…/resourceGroups/…/providers/Microsoft.Automation/automationAccounts/…\"` to its block".into()),
            });
        }
        let account = self.arm_resource(
            e,
            "account",
            "Microsoft.Automation",
            "automationAccounts",
            "an Automation account",
        );
        let params = self.map_of(e, "params");
        Some(HookAction::Runbook {
            name,
            account: account?,
            params,
        })
    }

    fn webhook(&mut self, value: &Value, e: &Entries<'_>) -> Option<HookAction> {
        let url = self.url(value, UrlHook::Webhook);
        let method = self.word(e, "method").unwrap_or("POST").to_owned();
        let headers = self.map_of(e, "headers");
        let body = self.text(e, "body");
        if let Some((body, span)) = &body
            && let Err(err) = serde_json::from_str::<serde_json::Value>(body)
        {
            self.invalid(*span, format!("`body` is not valid JSON: {err}"), "invalid JSON", Some("write the body as JSON text, with inner quotes escaped: `body \"{\\\"key\\\": 1}\"`".into()));
        }
        let expect = self
            .integer(e, "expect")
            .and_then(|n| u16::try_from(n).ok());
        Some(HookAction::Webhook {
            url: url?,
            method,
            headers,
            body: body.map(|(b, _)| b),
            expect,
        })
    }

    fn probe(&mut self, value: &Value, e: &Entries<'_>) -> Option<HookAction> {
        let url = self.url(value, UrlHook::Probe);
        let expect = self
            .integer(e, "expect")
            .and_then(|n| u16::try_from(n).ok())
            .unwrap_or(200);
        let every = self.duration(e, "every").unwrap_or(Duration::from_secs(15));
        let within = self
            .duration(e, "within")
            .unwrap_or(Duration::from_mins(10));
        if every > within
            && let Some(at) = e.get("every").and_then(|s| s.args.first())
        {
            self.invalid(
                at.span,
                format!("the probe polls every {every} but gives up after {within}"),
                "longer than `within`",
                Some("make `every` shorter than `within`".into()),
            );
        }
        Some(HookAction::Probe {
            url: url?,
            expect,
            every,
            within,
        })
    }

    fn map_of(
        &mut self,
        e: &Entries<'_>,
        name: &str,
    ) -> std::collections::BTreeMap<String, crate::plan::MapValue> {
        e.get(name)
            .and_then(|s| s.block.as_ref())
            .map(|b| self.map(b))
            .unwrap_or_default()
    }

    /// A script must exist beside the plan (and be executable), or the run would
    /// fail at the worst moment. Skipped for plans that are not files on disk.
    fn script_exists(&mut self, path: &str, span: crate::source::Span) {
        let Some(base) = &self.base_dir else { return };
        let full = base.join(path);
        let Ok(meta) = std::fs::metadata(&full) else {
            self.invalid(
                span,
                format!("script `{path}` does not exist beside the plan"),
                "no such file",
                Some(format!(
                    "create `{}`, or fix the path (it is relative to the plan file)",
                    full.display().to_string().replace('\\', "/")
                )),
            );
            return;
        };
        if !meta.is_file() {
            self.invalid(
                span,
                format!("script `{path}` is not a file"),
                "not a file",
                None,
            );
            return;
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            if meta.permissions().mode() & 0o111 == 0 {
                self.invalid(
                    span,
                    format!("script `{path}` is not executable"),
                    "not executable",
                    Some(format!(
                        "run `chmod +x {}` (and commit the mode)",
                        full.display()
                    )),
                );
            }
        }
    }
}
