//! Azure resources as a plan names them: `vault` (a Recovery Services
//! vault's ARM id or `simulator`) and a runbook's `account`, checked to a
//! typed value or a `drplan::invalid_value`; the ARM ids of `target`,
//! `coverage` and `test.network`, checked to their resource type or a
//! `drplan::invalid_resource_id`; regions (`primary`, `recovery`), with
//! `drplan::unknown_region` for names drplan does not know.

use crate::ast::{Value, ValueKind};
use crate::diagnostic::Diagnostic;
use crate::plan::Vault;
use crate::source::Span;
use crate::target::TargetSetting;

use super::Checker;
use super::arm_id::{self, ArmId};
use super::schema::ValueType;
use super::settings::Entries;
use crate::regions;
use crate::suggest;

impl Checker<'_> {
    /// `primary` or `recovery`: an Azure region. A near miss of a known
    /// region is an error; a name far from all of them is a
    /// `drplan::unknown_region` warning and let through (Azure adds regions
    /// faster than drplan releases).
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
        let help = match by_words(&normal) {
            Some(region) => format!("did you mean `{region}`?"),
            None => "Azure regions are written `northeurope` or `\"North Europe\"`; `az account list-locations --query \"[].name\"` lists them. A region newer than this drplan is fine as it is".into(),
        };
        self.diags.push(Diagnostic::UnknownRegion {
            region: text,
            at: span,
            help: Some(help),
        });
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
                Ok(()) => Some(Vault::Arm(id.to_string())),
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
}

impl Checker<'_> {
    /// `name`'s ARM id in `entries`, of the resource type its schema names.
    pub(super) fn resource_id_of(&mut self, entries: &Entries<'_>, name: &str) -> Option<String> {
        let setting = entries.get(name)?;
        let ValueType::ResourceId(expected) = entries.spec(name)?.value else {
            return None;
        };
        self.resource_id(Self::first_value(setting)?, name, expected)
    }

    /// A value that must be the ARM id of a resource of `expected` type: the
    /// id, or a `drplan::invalid_resource_id` that says what it names
    /// instead and, where it can tell, the id it meant.
    pub(super) fn resource_id(
        &mut self,
        value: &Value,
        setting: &str,
        expected: &str,
    ) -> Option<String> {
        let what = arm_id::noun(expected).unwrap_or("a resource");
        let (message, label, help) = match &value.kind {
            ValueKind::Str(id) => match ArmId::parse(id) {
                Ok(parsed) if parsed.is_type(expected) => return Some(id.to_string()),
                Ok(parsed) => {
                    let given = parsed.resource_type();
                    let given_noun =
                        arm_id::noun(&given).map_or_else(|| format!("a `{given}`"), str::to_owned);
                    (
                        format!(
                            "`{setting}` takes the ARM id of {what} (`{expected}`), but this one names {given_noun}"
                        ),
                        given_noun,
                        retype_help(&parsed, &given, expected, setting, id),
                    )
                }
                Err(why) => {
                    let name = if id.is_empty() || id.contains('/') {
                        "<name>"
                    } else {
                        id.as_str()
                    };
                    (
                        format!("`{setting}` is not an ARM resource id: {why}"),
                        "not a resource id".to_owned(),
                        format!("write `{}`", arm_id::form(expected, name)),
                    )
                }
            },
            ValueKind::Ident(name) => (
                format!("`{setting}` takes the ARM id of {what}, not a bare name"),
                "not a resource id".to_owned(),
                format!(
                    "write the whole id, in quotes: `{setting} \"{}\"`",
                    arm_id::form(expected, name)
                ),
            ),
            _ => (
                format!(
                    "`{setting}` takes the ARM id of {what}, found {}",
                    value.describe()
                ),
                "not a resource id".to_owned(),
                format!("write `{setting} \"{}\"`", arm_id::form(expected, "<name>")),
            ),
        };
        self.diags.push(Diagnostic::InvalidResourceId {
            message,
            at: value.span,
            label,
            help: Some(help),
        });
        None
    }

    /// `["…", "…"]`: ARM ids of resources of `expected` type, each once.
    pub(super) fn resource_ids(
        &mut self,
        value: &Value,
        setting: &str,
        expected: &str,
    ) -> Option<Vec<String>> {
        let ValueKind::List(items) = &value.kind else {
            let help = match &value.kind {
                ValueKind::Str(id) => format!("put the ids in brackets: `{setting} [\"{id}\"]`"),
                _ => format!(
                    "write `{setting} [\"{}\"]`",
                    arm_id::form(expected, "<name>")
                ),
            };
            self.invalid(
                value.span,
                format!(
                    "`{setting}` takes a list of ARM ids in `[ ]`, found {}",
                    value.describe()
                ),
                "not a list",
                Some(help),
            );
            return None;
        };
        let mut ids: Vec<String> = Vec::with_capacity(items.len());
        let mut ok = true;
        for item in items {
            let Some(id) = self.resource_id(item, setting, expected) else {
                ok = false;
                continue;
            };
            if ids.iter().any(|known| known.eq_ignore_ascii_case(&id)) {
                ok = false;
                self.invalid(
                    item.span,
                    format!("`{setting}` lists this id twice"),
                    "listed again",
                    Some("list each id once".into()),
                );
            } else {
                ids.push(id);
            }
        }
        ok.then_some(ids)
    }
}

/// What to write instead of an id of the `given` type where `expected` is
/// wanted: the resource it lies in, the setting it belongs to, the same id
/// under the right type, or the form of the id.
fn retype_help(parsed: &ArmId<'_>, given: &str, expected: &str, setting: &str, id: &str) -> String {
    if let Some(ancestor) = parsed.ancestor(expected) {
        let subnet = format!("{expected}/subnets");
        return if given.eq_ignore_ascii_case(&subnet) {
            let name = id.rsplit('/').next().unwrap_or_default();
            format!(
                "did you mean `{ancestor}`? The subnet goes in its own setting: `subnet \"{name}\"`"
            )
        } else {
            format!("did you mean `{ancestor}`?")
        };
    }
    let belongs = TargetSetting::ALL.into_iter().find(|s| {
        s.resource_type()
            .is_some_and(|t| t.eq_ignore_ascii_case(given))
    });
    if let Some(other) = belongs {
        return format!(
            "{} id belongs in `{other}`; `{setting}` takes {}",
            arm_id::noun(given).unwrap_or("this"),
            arm_id::noun(expected).unwrap_or("another type")
        );
    }
    let below = expected.len() > given.len()
        && expected.as_bytes()[given.len()] == b'/'
        && expected[..given.len()].eq_ignore_ascii_case(given);
    if below {
        let mut rest = String::new();
        for kind in expected[given.len() + 1..].split('/') {
            rest.push('/');
            rest.push_str(kind);
            rest.push_str("/<name>");
        }
        return format!(
            "{} is below it: write `{id}{rest}`",
            arm_id::noun(expected).unwrap_or("the resource")
        );
    }
    let typo = suggest::closest(given, [expected]).and_then(|_| parsed.retyped(expected));
    match typo {
        Some(meant) => format!("did you mean `{meant}`?"),
        None => format!("write `{}`", arm_id::form(expected, "<name>")),
    }
}

/// The known region whose name holds every word of `name`, for names in
/// other clouds' style: `eu-north-1` → `northeurope`, `us-east-1` →
/// `eastus`. The shortest such region; none for fewer than two words.
fn by_words(name: &str) -> Option<&'static str> {
    let words: Vec<&str> = name
        .split(|c: char| !c.is_ascii_alphabetic())
        .filter(|w| w.len() >= 2)
        .map(|w| match w {
            "eu" => "europe",
            "ap" => "asia",
            w => w,
        })
        .collect();
    if words.len() < 2 {
        return None;
    }
    regions::ALL
        .iter()
        .copied()
        .filter(|region| words.iter().all(|w| region.contains(w)))
        .min_by_key(|region| region.len())
}

/// Checks that `id` is the ARM id of a resource of `provider/kind`, saying
/// what is off otherwise.
fn arm_id(id: &str, provider: &str, kind: &str) -> Result<(), String> {
    let parsed = ArmId::parse(id).map_err(|e| e.to_string())?;
    let expected = format!("{provider}/{kind}");
    if parsed.is_type(&expected) {
        Ok(())
    } else {
        Err(format!(
            "it names a `{}`, not a `{expected}`",
            parsed.resource_type()
        ))
    }
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

    #[test]
    fn other_clouds_region_names_find_the_azure_region() {
        assert_eq!(by_words("eu-north-1"), Some("northeurope"));
        assert_eq!(by_words("us-east-1"), Some("eastus"));
        assert_eq!(by_words("asia-southeast1"), Some("southeastasia"));
        assert_eq!(by_words("ireland"), None);
        assert_eq!(by_words("mars-north"), None);
    }
}
