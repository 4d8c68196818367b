//! Values to typed values: durations, integers, enums, booleans, strings,
//! ARM resource ids, regions, URLs and maps, each checked against its setting's
//! schema. Problems become `drplan::invalid_value` or `drplan::invalid_duration`.

use std::collections::BTreeMap;

use crate::ast::{Block, Name, Setting, Value, ValueKind};
use crate::diagnostic::Diagnostic;
use crate::duration::Duration;
use crate::plan::{MapValue, Secret, Vault};
use crate::source::Span;

use super::Checker;
use super::regions;
use super::schema::{BlockKind, ValueType};
use super::settings::Entries;
use super::suggest;
use super::urls;

impl Checker<'_> {
    /// Reports a `drplan::invalid_value`.
    pub(super) fn invalid(&mut self, at: Span, message: String, label: &str, help: Option<String>) {
        self.diags.push(Diagnostic::InvalidValue {
            message,
            at,
            label: label.into(),
            help,
        });
    }

    fn first_value(setting: &Setting) -> Option<&Value> {
        setting.args.first()
    }

    /// `name`'s duration in `entries`, checked.
    pub(super) fn duration(&mut self, entries: &Entries<'_>, name: &str) -> Option<Duration> {
        let setting = entries.get(name)?;
        let spec = entries.spec(name)?;
        let ValueType::Duration { zero } = spec.value else {
            return None;
        };
        self.duration_value(Self::first_value(setting)?, name, zero, spec.example)
    }

    /// A value as a duration.
    pub(super) fn duration_value(
        &mut self,
        value: &Value,
        setting: &str,
        zero: bool,
        example: &str,
    ) -> Option<Duration> {
        match &value.kind {
            ValueKind::Number(text) => match Duration::parse(text) {
                Ok(d) if d.is_zero() && !zero => {
                    self.diags.push(Diagnostic::InvalidDuration {
                        text: text.clone(),
                        reason: format!("`{setting}` must be longer than zero"),
                        at: value.span,
                        label: "zero duration".into(),
                        help: Some(format!("a zero `{setting}` would stop the work before it starts; for example `{example}`")),
                    });
                    None
                }
                Ok(d) => Some(d),
                Err(e) => {
                    self.diags.push(Diagnostic::InvalidDuration {
                        text: text.clone(),
                        reason: e.reason,
                        at: value.span,
                        label: "not a valid duration".into(),
                        help: Some(e.help),
                    });
                    None
                }
            },
            ValueKind::Str(text) if Duration::parse(text).is_ok() => {
                self.invalid(
                    value.span,
                    format!("`{setting}` takes a duration, not a string"),
                    "quoted duration",
                    Some(format!("remove the quotes: `{setting} {text}`")),
                );
                None
            }
            _ => {
                self.invalid(
                    value.span,
                    format!("`{setting}` takes a duration, found {}", value.describe()),
                    "not a duration",
                    Some(format!("for example `{example}`")),
                );
                None
            }
        }
    }

    /// `name`'s integer in `entries`, within its schema bounds.
    pub(super) fn integer(&mut self, entries: &Entries<'_>, name: &str) -> Option<u64> {
        let setting = entries.get(name)?;
        let spec = entries.spec(name)?;
        let ValueType::Integer { min, max } = spec.value else {
            return None;
        };
        let value = Self::first_value(setting)?;
        let ValueKind::Number(text) = &value.kind else {
            self.invalid(
                value.span,
                format!("`{name}` takes a whole number, found {}", value.describe()),
                "not a number",
                Some(format!("for example `{}`", spec.example)),
            );
            return None;
        };
        if text.starts_with('-') {
            self.invalid(
                value.span,
                format!("`{name}` cannot be negative"),
                "negative",
                Some(format!("use a number from {min} to {max}")),
            );
            return None;
        }
        let Ok(n) = text.parse::<u64>() else {
            let why = if text.bytes().all(|b| b.is_ascii_digit()) {
                "too large"
            } else {
                "not a whole number"
            };
            self.invalid(
                value.span,
                format!("`{name}` takes a whole number from {min} to {max}, found `{text}`"),
                why,
                Some(format!("for example `{}`", spec.example)),
            );
            return None;
        };
        if n < min || n > max {
            let help = if name == "parallelism" && n == 0 {
                "at least one VM must run at a time; use `parallelism 1` to run them one by one"
                    .to_owned()
            } else {
                format!("use a number from {min} to {max}")
            };
            self.invalid(
                value.span,
                format!("`{name}` must be from {min} to {max}, found {n}"),
                "out of range",
                Some(help),
            );
            return None;
        }
        Some(n)
    }

    /// `name`'s integer as `u32` (every schema bound fits).
    pub(super) fn integer_u32(&mut self, entries: &Entries<'_>, name: &str) -> Option<u32> {
        self.integer(entries, name)
            .and_then(|n| u32::try_from(n).ok())
    }

    /// `name`'s word from its enum.
    pub(super) fn word(&mut self, entries: &Entries<'_>, name: &str) -> Option<&'static str> {
        let setting = entries.get(name)?;
        let spec = entries.spec(name)?;
        let allowed = match spec.value {
            ValueType::Enum(allowed) => allowed,
            ValueType::Bool => &["true", "false"],
            _ => return None,
        };
        self.word_value(Self::first_value(setting)?, name, allowed)
    }

    /// A value as one of `allowed`.
    pub(super) fn word_value(
        &mut self,
        value: &Value,
        setting: &str,
        allowed: &'static [&'static str],
    ) -> Option<&'static str> {
        let text = match &value.kind {
            ValueKind::Ident(t) | ValueKind::Str(t) | ValueKind::Number(t) => t.as_str(),
            _ => "",
        };
        if let Some(word) = allowed.iter().find(|w| **w == text) {
            return Some(word);
        }
        let quoted: Vec<String> = allowed.iter().map(|w| format!("`{w}`")).collect();
        let list = match quoted.as_slice() {
            [init @ .., last] if !init.is_empty() => format!("{} or {last}", init.join(", ")),
            _ => quoted.join(""),
        };
        let help = suggest::did_you_mean(text, allowed.iter().copied())
            .unwrap_or_else(|| format!("use {list}"));
        let shown = if text.is_empty() {
            value.describe().to_owned()
        } else {
            format!("`{text}`")
        };
        self.invalid(
            value.span,
            format!("`{setting}` must be {list}, found {shown}"),
            "not a valid value",
            Some(help),
        );
        None
    }

    /// `name`'s string (a string or an identifier).
    pub(super) fn text(&mut self, entries: &Entries<'_>, name: &str) -> Option<(String, Span)> {
        let setting = entries.get(name)?;
        let value = Self::first_value(setting)?;
        self.text_value(value, name)
    }

    /// A value as text.
    pub(super) fn text_value(&mut self, value: &Value, setting: &str) -> Option<(String, Span)> {
        match &value.kind {
            ValueKind::Str(t) | ValueKind::Ident(t) => Some((t.clone(), value.span)),
            ValueKind::Env(var) => {
                self.invalid(value.span, format!("`{setting}` cannot come from the environment"), "secret not allowed here", Some(format!("`env(\"{var}\")` is for map values such as `headers {{ … }}` and `env {{ … }}`")));
                None
            }
            _ => {
                self.invalid(
                    value.span,
                    format!("`{setting}` takes a string, found {}", value.describe()),
                    "not a string",
                    None,
                );
                None
            }
        }
    }

    /// A setting's values as names (`vm a, b`, `needs x, y`).
    pub(super) fn names(&mut self, setting: &Setting) -> Vec<Name> {
        let mut names = Vec::new();
        for value in &setting.args {
            match value.as_name() {
                Some(name) if self.valid_name(&name) => names.push(name),
                Some(_) => {}
                None => self.invalid(
                    value.span,
                    format!(
                        "`{}` takes names, found {}",
                        setting.key.text,
                        value.describe()
                    ),
                    "not a name",
                    Some("write a name as `web-01` or `\"web 01\"`".into()),
                ),
            }
        }
        names
    }

    /// Names end up in step ids (`vm:db/sql-01`), so they must not be empty
    /// or contain `/` or control characters.
    pub(super) fn valid_name(&mut self, name: &Name) -> bool {
        // Fast path: printable ASCII without `/` is always fine.
        if !name.text.is_empty()
            && name
                .text
                .bytes()
                .all(|b| (b' '..=b'~').contains(&b) && b != b'/')
        {
            return true;
        }
        let bad = if name.text.is_empty() {
            Some("a name cannot be empty")
        } else if name.text.contains('/') {
            Some("a name cannot contain `/`: step ids use it as `vm:GROUP/VM`")
        } else if name.text.chars().any(char::is_control) {
            Some("a name cannot contain control characters")
        } else {
            None
        };
        if let Some(reason) = bad {
            self.invalid(
                name.span,
                format!("invalid name `{}`", name.text.escape_debug()),
                "invalid name",
                Some(reason.into()),
            );
        }
        bad.is_none()
    }

    /// `primary` or `recovery`: an Azure region; a near miss of a known
    /// region is reported, an unknown name far from all of them is let through
    /// (regions are added faster than drplan releases).
    pub(super) fn region(&mut self, entries: &Entries<'_>, name: &str) -> Option<(String, Span)> {
        let (text, span) = self.text(entries, name)?;
        let normal = regions::normalize(&text);
        if regions::is_known(&normal) {
            return Some((normal, span));
        }
        if let Some(close) = suggest::closest(&normal, regions::ALL.iter().copied()) {
            self.invalid(
                span,
                format!("`{text}` is not an Azure region"),
                "unknown region",
                Some(format!("did you mean `{close}`?")),
            );
            return None;
        }
        Some((normal, span))
    }

    /// `vault`: `simulator` or a Recovery Services vault's ARM id.
    pub(super) fn vault(&mut self, entries: &Entries<'_>) -> Option<Vault> {
        let setting = entries.get("vault")?;
        let value = Self::first_value(setting)?;
        match &value.kind {
            ValueKind::Ident(word) if word == "simulator" => Some(Vault::Simulator),
            ValueKind::Ident(word) => {
                let help = suggest::did_you_mean(word, ["simulator"]).unwrap_or_else(|| {
                    "write `vault simulator` or the vault's ARM id in quotes".into()
                });
                self.invalid(
                    value.span,
                    format!(
                        "`vault` must be `simulator` or a vault's ARM resource id, found `{word}`"
                    ),
                    "not a vault",
                    Some(help),
                );
                None
            }
            ValueKind::Str(id) => match arm_id(id, "Microsoft.RecoveryServices", "vaults") {
                Ok(()) => Some(Vault::Arm(id.clone())),
                Err(why) => {
                    let help = if id == "simulator" {
                        "for the simulated vault write `vault simulator`, without quotes".to_owned()
                    } else {
                        "write `/subscriptions/<subscription id>/resourceGroups/<resource group>/providers/Microsoft.RecoveryServices/vaults/<vault name>`".to_owned()
                    };
                    self.invalid(
                        value.span,
                        format!("`vault` is not a Recovery Services vault resource id: {why}"),
                        "not a vault id",
                        Some(help),
                    );
                    None
                }
            },
            _ => {
                self.invalid(
                    value.span,
                    format!(
                        "`vault` takes a vault's ARM id or `simulator`, found {}",
                        value.describe()
                    ),
                    "not a vault",
                    None,
                );
                None
            }
        }
    }

    /// A string that must be the ARM id of a resource of `provider/kind`.
    pub(super) fn arm_resource(
        &mut self,
        entries: &Entries<'_>,
        name: &str,
        provider: &str,
        kind: &str,
        what: &str,
    ) -> Option<String> {
        let (id, span) = self.text(entries, name)?;
        match arm_id(&id, provider, kind) {
            Ok(()) => Some(id),
            Err(why) => {
                self.invalid(span, format!("`{name}` is not {what} resource id: {why}"), "not a resource id", Some(format!("write `/subscriptions/<subscription id>/resourceGroups/<resource group>/providers/{provider}/{kind}/<name>`")));
                None
            }
        }
    }

    /// A hook's URL: `http://` goes only to loopback hosts for a webhook
    /// (it carries secrets), anywhere for a probe. No URL may carry
    /// credentials, and no message repeats them.
    pub(super) fn url(&mut self, value: &Value, hook: UrlHook) -> Option<String> {
        let setting = hook.keyword();
        let (text, span) = self.text_value(value, setting)?;
        let parsed = match url::Url::parse(&text) {
            Ok(u) => u,
            Err(e) => {
                self.invalid(
                    span,
                    format!(
                        "`{}` is not a valid URL: {e}",
                        urls::without_userinfo(&text)
                    ),
                    "invalid URL",
                    Some("write a full URL such as `https://example.com/hook`".into()),
                );
                return None;
            }
        };
        if urls::has_credentials(&parsed) {
            let help = match hook {
                UrlHook::Webhook => {
                    "plans, run journals and their copies of the plan keep URLs as written: send the credential in a header read when the hook runs, `headers { Authorization = env(\"WEBHOOK_TOKEN\") }`"
                }
                UrlHook::Probe => {
                    "plans, run journals and their copies of the plan keep URLs as written, and a probe sends no headers: probe a health endpoint that answers without credentials"
                }
            };
            self.invalid(
                span,
                format!("a {setting} URL must not carry credentials (a user name or password)"),
                "credentials in the URL",
                Some(help.into()),
            );
            return None;
        }
        match parsed.scheme() {
            "https" => Some(text),
            "http" if urls::is_loopback(&parsed) || hook == UrlHook::Probe => Some(text),
            "http" => {
                self.invalid(
                    span,
                    format!("a {setting} must use https, except to a loopback address"),
                    "plain http",
                    Some(format!("use `{}`", text.replacen("http://", "https://", 1))),
                );
                None
            }
            other => {
                self.invalid(
                    span,
                    format!("a {setting} URL must be https, found scheme `{other}`"),
                    "unsupported scheme",
                    None,
                );
                None
            }
        }
    }

    /// A map block: literal strings or `env("NAME")` secrets.
    pub(super) fn map(&mut self, block: &Block) -> BTreeMap<String, MapValue> {
        let entries = self.read(BlockKind::Map, &[], &block.statements);
        let mut map = BTreeMap::new();
        for entry in &entries.map {
            if !self.valid_name(&entry.key) {
                continue;
            }
            let Some(value) = &entry.value else { continue };
            let v = match &value.kind {
                ValueKind::Str(s) | ValueKind::Ident(s) => MapValue::Literal(s.clone()),
                ValueKind::Number(n) => MapValue::Literal(n.clone()),
                ValueKind::Env(var) if valid_env_name(var) => {
                    MapValue::Secret(Secret { name: var.clone() })
                }
                ValueKind::Env(var) => {
                    if !var.is_empty() {
                        self.invalid(
                            value.span,
                            format!("`{var}` is not a valid environment variable name"),
                            "invalid variable",
                            Some("use letters, digits and `_`, not starting with a digit".into()),
                        );
                    }
                    continue;
                }
                ValueKind::List(_) => {
                    self.invalid(
                        value.span,
                        format!(
                            "`{}` takes a string or `env(\"NAME\")`, found a list",
                            entry.key.text
                        ),
                        "not a string",
                        Some("join the items into one string".into()),
                    );
                    continue;
                }
            };
            map.insert(entry.key.text.clone(), v);
        }
        map
    }

    /// `args ["a", "b"]`.
    pub(super) fn string_list(&mut self, entries: &Entries<'_>, name: &str) -> Vec<String> {
        let Some(value) = entries.get(name).and_then(Self::first_value) else {
            return Vec::new();
        };
        let ValueKind::List(items) = &value.kind else {
            self.invalid(
                value.span,
                format!(
                    "`{name}` takes a list such as `[\"--fast\", \"db\"]`, found {}",
                    value.describe()
                ),
                "not a list",
                Some("put the items in `[ ]`, separated by commas".into()),
            );
            return Vec::new();
        };
        let mut out = Vec::new();
        for item in items {
            match &item.kind {
                ValueKind::Str(s) | ValueKind::Ident(s) | ValueKind::Number(s) => out.push(s.clone()),
                ValueKind::Env(_) => self.invalid(item.span, "secrets cannot be passed as arguments".into(), "secret in argv", Some("arguments show in process lists; pass the secret in `env { NAME = env(\"NAME\") }`".into())),
                ValueKind::List(_) => self.invalid(item.span, format!("`{name}` items are strings, found a list"), "nested list", None),
            }
        }
        out
    }
}

/// The hooks whose value is a URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum UrlHook {
    /// Sends a request that may carry secrets.
    Webhook,
    /// Polls a URL with a plain `GET`.
    Probe,
}

impl UrlHook {
    fn keyword(self) -> &'static str {
        match self {
            UrlHook::Webhook => "webhook",
            UrlHook::Probe => "probe",
        }
    }
}

fn valid_env_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Checks `/subscriptions/{guid}/resourceGroups/{rg}/providers/{provider}/{kind}/{name}`;
/// ARM compares the fixed segments without regard to case.
pub(super) fn arm_id(id: &str, provider: &str, kind: &str) -> Result<(), String> {
    let parts: Vec<&str> = id.split('/').collect();
    let [empty, subs, sub, rgs, rg, providers, prov, kinds, name] = parts.as_slice() else {
        return Err(format!(
            "expected 8 segments `/subscriptions/…/resourceGroups/…/providers/{provider}/{kind}/…`, found {}",
            parts.len().saturating_sub(1)
        ));
    };
    let same = |a: &str, b: &str| a.eq_ignore_ascii_case(b);
    if !empty.is_empty() {
        return Err("it must start with `/subscriptions/`".into());
    }
    if !same(subs, "subscriptions") {
        return Err(format!("expected `subscriptions`, found `{subs}`"));
    }
    if !is_guid(sub) {
        return Err(format!("`{sub}` is not a subscription id (a GUID)"));
    }
    if !same(rgs, "resourceGroups") {
        return Err(format!("expected `resourceGroups`, found `{rgs}`"));
    }
    if rg.is_empty() {
        return Err("the resource group is empty".into());
    }
    if !same(providers, "providers") {
        return Err(format!("expected `providers`, found `{providers}`"));
    }
    if !same(prov, provider) || !same(kinds, kind) {
        return Err(format!(
            "it names a `{prov}/{kinds}`, not a `{provider}/{kind}`"
        ));
    }
    if name.is_empty() {
        return Err("the resource name is empty".into());
    }
    Ok(())
}

fn is_guid(s: &str) -> bool {
    let groups: Vec<&str> = s.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, n)| g.len() == n && g.bytes().all(|b| b.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arm_ids_are_checked_segment_by_segment() {
        let ok = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-dr/providers/Microsoft.RecoveryServices/vaults/v";
        assert_eq!(arm_id(ok, "Microsoft.RecoveryServices", "vaults"), Ok(()));
        assert_eq!(
            arm_id(&ok.to_lowercase(), "Microsoft.RecoveryServices", "vaults"),
            Ok(())
        );
        assert!(
            arm_id(
                "/subscriptions/x/resourceGroups/rg/providers/Microsoft.RecoveryServices/vaults/v",
                "Microsoft.RecoveryServices",
                "vaults"
            )
            .unwrap_err()
            .contains("GUID")
        );
        assert!(
            arm_id(ok, "Microsoft.Network", "virtualNetworks")
                .unwrap_err()
                .contains("not a `Microsoft.Network/virtualNetworks`")
        );
        assert!(arm_id("my-vault", "Microsoft.RecoveryServices", "vaults").is_err());
    }
}
