//! Reads a block's statements against the schema: `drplan::unknown_setting`,
//! `drplan::duplicate_setting`, values and blocks of the wrong shape, and
//! `drplan::missing_setting`. What comes out is the statements of known
//! settings, each checked to have the number of values and the block it takes.

use std::fmt::Write as _;

use crate::ast::{GroupStmt, MapEntry, Name, Setting, Statement};
use crate::diagnostic::Diagnostic;

use super::Checker;
use super::schema::{self, BlockKind, BlockRule, SettingSpec, ValueType};
use crate::suggest;

/// The known settings of one block, in source order, each with the right shape.
pub(super) struct Entries<'a> {
    settings: Vec<(&'static SettingSpec, &'a Setting)>,
    /// `group` statements (only in a plan block).
    pub(super) groups: Vec<&'a GroupStmt>,
    /// `KEY = value` entries (only in maps).
    pub(super) map: Vec<&'a MapEntry>,
}

impl<'a> Entries<'a> {
    /// The setting `name`, if given (with the right shape).
    pub(super) fn get(&self, name: &str) -> Option<&'a Setting> {
        self.settings
            .iter()
            .find(|(spec, _)| spec.name == name)
            .map(|(_, s)| *s)
    }

    /// The schema entry of a setting that was given.
    pub(super) fn spec(&self, name: &str) -> Option<&'static SettingSpec> {
        self.settings
            .iter()
            .find(|(spec, _)| spec.name == name)
            .map(|(spec, _)| *spec)
    }

    /// Every known statement, in order.
    pub(super) fn iter(&self) -> impl Iterator<Item = (&'static SettingSpec, &'a Setting)> + '_ {
        self.settings.iter().copied()
    }
}

impl Checker<'_> {
    /// Reads a block: the statements of `block` plus, for hooks, the step
    /// settings written on the hook's own statement (`inline`).
    pub(super) fn read<'a>(
        &mut self,
        kind: BlockKind,
        inline: &'a [Setting],
        statements: &'a [Statement],
    ) -> Entries<'a> {
        let mut entries = Entries {
            settings: Vec::new(),
            groups: Vec::new(),
            map: Vec::new(),
        };
        let mut seen: Vec<&'a Name> = Vec::new();
        let mut seen_keys: Vec<&'a Name> = Vec::new();
        for setting in inline {
            self.read_setting(kind, setting, &mut entries, &mut seen);
        }
        for statement in statements {
            match statement {
                Statement::Setting(setting) => {
                    self.read_setting(kind, setting, &mut entries, &mut seen);
                }
                Statement::Group(group) => {
                    if kind == BlockKind::Plan {
                        entries.groups.push(group);
                    } else {
                        let help = if kind == BlockKind::File {
                            "groups go inside the plan: `plan NAME { group db { … } }`"
                        } else {
                            "groups go directly inside the `plan` block"
                        };
                        self.diags.push(Diagnostic::UnknownSetting {
                            name: "group".into(),
                            context: kind.describe().into(),
                            at: group.keyword,
                            help: Some(help.into()),
                        });
                    }
                }
                Statement::MapEntry(entry) => {
                    if kind == BlockKind::Map {
                        if let Some(first) = seen_keys.iter().find(|k| k.text == entry.key.text) {
                            self.diags.push(Diagnostic::DuplicateSetting {
                                name: entry.key.text.to_string(),
                                context: "this map".into(),
                                first: first.span,
                                second: entry.key.span,
                            });
                        } else {
                            seen_keys.push(&entry.key);
                            entries.map.push(entry);
                        }
                    } else {
                        let key = &entry.key.text;
                        let value = entry.value.as_ref().map(self_src_hint).unwrap_or_default();
                        let mut help = format!("settings are written without `=`: `{key}{value}`");
                        if schema::find(kind, key).is_none() {
                            match suggest::did_you_mean(key, names(kind)) {
                                Some(d) => {
                                    help.push_str("; ");
                                    help.push_str(&d);
                                }
                                None => {
                                    if let Some(other) = schema::blocks_with(key).first() {
                                        let _ = write!(
                                            help,
                                            "; `{key}` belongs in {}",
                                            other.describe()
                                        );
                                    }
                                }
                            }
                        }
                        self.diags.push(Diagnostic::Syntax {
                            message: format!(
                                "`{key} = …` is map syntax, but {} holds settings",
                                kind.describe()
                            ),
                            at: entry.span,
                            label: "`KEY = value` is only for maps such as `env { … }`".into(),
                            help: Some(help),
                        });
                    }
                }
                // Strays were reported by the parser.
                Statement::Stray(_) => {}
            }
        }
        entries
    }

    fn read_setting<'a>(
        &mut self,
        kind: BlockKind,
        setting: &'a Setting,
        entries: &mut Entries<'a>,
        seen: &mut Vec<&'a Name>,
    ) {
        let name = &setting.key.text;
        if kind == BlockKind::Map {
            self.diags.push(Diagnostic::UnknownSetting {
                name: name.to_string(),
                context: kind.describe().into(),
                at: setting.key.span,
                help: Some(format!(
                    "a map holds `KEY = value` entries: `{name} = \"value\"`"
                )),
            });
            return;
        }
        let Some(spec) = schema::find(kind, name) else {
            self.unknown_setting(kind, &setting.key);
            return;
        };
        if !spec.repeat {
            if let Some(first) = seen.iter().find(|n| n.text == *name) {
                self.diags.push(Diagnostic::DuplicateSetting {
                    name: name.to_string(),
                    context: kind.this().into(),
                    first: first.span,
                    second: setting.key.span,
                });
                return;
            }
            seen.push(&setting.key);
        }
        if self.shape_ok(spec, setting) {
            entries.settings.push((spec, setting));
        }
    }

    fn unknown_setting(&mut self, kind: BlockKind, key: &Name) {
        let name = &key.text;
        let mut help = suggest::did_you_mean(name, names(kind));
        if help.is_none() {
            let elsewhere = schema::blocks_with(name);
            if let Some(other) = elsewhere.first() {
                help = Some(format!(
                    "`{name}` belongs in {}, not here",
                    other.describe()
                ));
            }
        }
        if help.is_none()
            && kind == BlockKind::Hooks
            && schema::STEP_SETTINGS.contains(&name.as_str())
        {
            help = Some(format!(
                "step settings go on the hook's statement or in its block: `script \"x.sh\" {name} …`"
            ));
        }
        if help.is_none() {
            let valid: Vec<String> = names(kind).map(|n| format!("`{n}`")).collect();
            if !valid.is_empty() {
                help = Some(format!("valid here: {}", valid.join(", ")));
            }
        }
        let context = if kind == BlockKind::File {
            "the top level of the file".into()
        } else {
            kind.describe().into()
        };
        self.diags.push(Diagnostic::UnknownSetting {
            name: name.to_string(),
            context,
            at: key.span,
            help,
        });
    }

    /// Whether a setting has the number of values and the block its spec says,
    /// reporting what is off.
    fn shape_ok(&mut self, spec: &SettingSpec, setting: &Setting) -> bool {
        let name = spec.name;
        let mut ok = true;
        let many = matches!(spec.value, ValueType::Names | ValueType::EnumList(_));
        match (spec.value, setting.args.as_slice()) {
            (ValueType::Nothing, []) => {}
            (ValueType::Nothing, [first, ..]) => {
                ok = false;
                self.invalid(
                    first.span,
                    format!("`{name}` takes no value"),
                    "unexpected value",
                    Some(format!("write it as `{}`", spec.example)),
                );
            }
            (_, []) => {
                ok = false;
                self.invalid(
                    setting.key.span,
                    format!("`{name}` needs a value"),
                    "value missing",
                    Some(format!("for example `{}`", spec.example)),
                );
            }
            (_, [_, second, ..]) if !many => {
                ok = false;
                self.invalid(
                    second.span,
                    format!("`{name}` takes one value"),
                    "extra value",
                    Some(format!("for example `{}`", spec.example)),
                );
            }
            _ => {}
        }
        match (spec.block, &setting.block) {
            (BlockRule::None, Some(block)) => {
                ok = false;
                self.invalid(
                    block.span,
                    format!("`{name}` takes no `{{ … }}` block"),
                    "unexpected block",
                    Some(format!("write it as `{}`", spec.example)),
                );
            }
            (BlockRule::Required(_), None) => {
                ok = false;
                self.invalid(
                    setting.key.span,
                    format!("`{name}` needs a `{{ … }}` block"),
                    "block missing",
                    Some(format!("for example `{}`", spec.example)),
                );
            }
            _ => {}
        }
        ok
    }
}

/// ` 5m` for a value that reads well after a key in a help line.
fn self_src_hint(value: &crate::ast::Value) -> String {
    use crate::ast::ValueKind;
    match &value.kind {
        ValueKind::Ident(t) | ValueKind::Number(t) => format!(" {t}"),
        ValueKind::Str(t) => format!(" {t:?}"),
        _ => " …".into(),
    }
}

/// The setting names of a block, for suggestions.
fn names(kind: BlockKind) -> impl Iterator<Item = &'static str> {
    schema::settings(kind).iter().map(|s| s.name)
}
