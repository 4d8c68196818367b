//! Azure resources as a plan names them: `vault` (a Recovery Services
//! vault's ARM id or `simulator`), other ARM resource ids (`test.network`, a
//! runbook's `account`) and regions (`primary`, `recovery`), each checked to a
//! typed value or a `drplan::invalid_value`.

use crate::ast::ValueKind;
use crate::plan::Vault;
use crate::source::Span;

use super::Checker;
use super::regions;
use super::settings::Entries;
use crate::suggest;

impl Checker<'_> {
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
}

/// Checks `/subscriptions/{guid}/resourceGroups/{rg}/providers/{provider}/{kind}/{name}`;
/// ARM compares the fixed segments without regard to case.
fn arm_id(id: &str, provider: &str, kind: &str) -> Result<(), String> {
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
