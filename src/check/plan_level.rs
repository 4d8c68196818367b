//! The plan block's own hooks and notifications: `before`/`after` blocks
//! around the whole operation, `on_failure { … }`, and `notify { webhook … }`
//! targets, read to [`HookBlock`]s, [`Hook`]s and [`NotifyTarget`]s, with
//! `drplan::unknown_event`, `drplan::duplicate_notify_target` and
//! `drplan::invalid_value` for what is off.

use crate::ast::{Setting, Value, ValueKind};
use crate::diagnostic::Diagnostic;
use crate::notify::{NotifyEvent, NotifyFormat, NotifyTarget};
use crate::plan::{Defaults, Hook, HookBlock, MapValue};
use crate::suggest;

use super::Checker;
use super::schema::{self, BlockKind};
use super::settings::Entries;
use super::url_value::UrlHook;

impl Checker<'_> {
    /// The plan's `before`/`after` blocks, in source order.
    pub(super) fn plan_hooks(&mut self, e: &Entries<'_>, defaults: &Defaults) -> Vec<HookBlock> {
        let blocks: Vec<&Setting> = e
            .iter()
            .filter(|(spec, _)| matches!(spec.name, "before" | "after"))
            .map(|(_, s)| s)
            .collect();
        blocks
            .into_iter()
            .filter_map(|s| self.hook_block(s, defaults))
            .collect()
    }

    /// `on_failure { … }`: its hooks, in order.
    pub(super) fn on_failure(&mut self, e: &Entries<'_>, defaults: &Defaults) -> Vec<Hook> {
        let Some(block) = e.get("on_failure").and_then(|s| s.block.as_ref()) else {
            return Vec::new();
        };
        let hooks = self.read(BlockKind::Hooks, &[], &block.statements);
        hooks
            .iter()
            .filter_map(|(spec, hook)| self.hook(spec.name, hook, defaults))
            .collect()
    }

    /// `notify { webhook … }`: each target once.
    pub(super) fn notify(&mut self, e: &Entries<'_>) -> Vec<NotifyTarget> {
        let Some(block) = e.get("notify").and_then(|s| s.block.as_ref()) else {
            return Vec::new();
        };
        let n = self.read(BlockKind::Notify, &[], &block.statements);
        let mut out: Vec<NotifyTarget> = Vec::new();
        for (_, setting) in n.iter() {
            let Some(target) = self.notify_target(setting) else {
                continue;
            };
            if let Some(first) = out.iter().find(|t| t.url == target.url) {
                self.diags.push(Diagnostic::DuplicateNotifyTarget {
                    target: match &target.url {
                        MapValue::Secret(s) => format!("`{s}`"),
                        MapValue::Literal(url) => {
                            format!("`{}`", crate::urls::without_userinfo(url))
                        }
                    },
                    first: first.span,
                    second: target.span,
                });
                continue;
            }
            out.push(target);
        }
        out
    }

    fn notify_target(&mut self, setting: &Setting) -> Option<NotifyTarget> {
        let statements = setting
            .block
            .as_ref()
            .map_or(&[][..], |b| &b.statements[..]);
        let t = self.read(BlockKind::NotifyTarget, &setting.inline, statements);
        let value = setting.args.first()?;
        let url = self.notify_url(value);
        let format = self
            .word(&t, "format")
            .and_then(NotifyFormat::from_word)
            .unwrap_or(NotifyFormat::Json);
        let events = self.events(&t);
        Some(NotifyTarget {
            url: url?,
            format,
            events: events?,
            span: value.span,
        })
    }

    fn notify_url(&mut self, value: &Value) -> Option<MapValue> {
        match &value.kind {
            ValueKind::Env(var) => self.env_secret(value.span, var),
            _ => self.url(value, UrlHook::Notify).map(MapValue::Literal),
        }
    }

    /// `events [a, b]`: known events, each once, in the docs' order; every
    /// event when not given.
    fn events(&mut self, t: &Entries<'_>) -> Option<Vec<NotifyEvent>> {
        let Some(value) = t.get("events").and_then(Self::first_value) else {
            return Some(NotifyEvent::ALL.to_vec());
        };
        let example = schema::find(BlockKind::NotifyTarget, "events").map_or("", |s| s.example);
        let ValueKind::List(items) = &value.kind else {
            self.invalid(
                value.span,
                format!("`events` takes a list, found {}", value.describe()),
                "not a list",
                Some(format!("write `{example}`")),
            );
            return None;
        };
        if items.is_empty() {
            self.invalid(
                value.span,
                "`events` lists no event".into(),
                "empty list",
                Some("list the events to send, or remove `events` to send them all".into()),
            );
            return None;
        }
        let mut events = Vec::new();
        let mut ok = true;
        for item in items {
            let word = match &item.kind {
                ValueKind::Ident(w) | ValueKind::Str(w) => w.as_str(),
                _ => "",
            };
            let Some(event) = NotifyEvent::from_word(word) else {
                ok = false;
                let help = suggest::did_you_mean(word, schema::NOTIFY_EVENTS.iter().copied())
                    .unwrap_or_else(|| {
                        let all: Vec<String> = schema::NOTIFY_EVENTS
                            .iter()
                            .map(|e| format!("`{e}`"))
                            .collect();
                        format!("the events are {}", all.join(", "))
                    });
                self.diags.push(Diagnostic::UnknownEvent {
                    event: if word.is_empty() {
                        item.describe().to_owned()
                    } else {
                        word.to_owned()
                    },
                    at: item.span,
                    help: Some(help),
                });
                continue;
            };
            if events.contains(&event) {
                ok = false;
                self.invalid(
                    item.span,
                    format!("event `{word}` listed twice"),
                    "listed again",
                    Some("list each event once".into()),
                );
                continue;
            }
            events.push(event);
        }
        events.sort_unstable();
        ok.then_some(events)
    }
}
