//! Where a group's VMs live when it is not where the plan's do: a group's
//! own `vault`, `primary` and `recovery`, read from its block, and the checks
//! across the plan (a simulated vault is one vault, a group's regions must
//! differ) to the group's [`GroupSite`] and diagnostics.

use crate::diagnostic::Diagnostic;
use crate::plan::Vault;
use crate::source::Span;

use super::Checker;
use super::settings::Entries;

/// A group's own vault and regions, each `None` when the plan's apply.
#[derive(Debug, Default)]
pub(crate) struct GroupSite {
    pub(crate) vault: Option<(Vault, Span)>,
    pub(crate) primary: Option<(String, Span)>,
    pub(crate) recovery: Option<(String, Span)>,
}

/// The plan's own vault and regions, as the group checks need them.
pub(crate) struct PlanSite<'a> {
    pub(crate) vault: Option<&'a Vault>,
    pub(crate) primary: Option<&'a (String, Span)>,
    pub(crate) recovery: Option<&'a (String, Span)>,
}

impl Checker<'_> {
    /// `vault`, `primary` and `recovery` in a group's block.
    pub(super) fn group_site(&mut self, e: &Entries<'_>) -> GroupSite {
        let vault_span = e.get("vault").and_then(|s| s.args.first()).map(|v| v.span);
        GroupSite {
            vault: self.vault(e).zip(vault_span),
            primary: self.region(e, "primary"),
            recovery: self.region(e, "recovery"),
        }
    }

    /// A group's site against the plan's: `vault simulator` is one vault,
    /// so it cannot be mixed with vaults in Azure, and the regions a group
    /// ends up with must differ.
    pub(super) fn check_site(&mut self, group: &str, site: &GroupSite, plan: &PlanSite<'_>) {
        if let (Some((own, span)), Some(plan_vault)) = (&site.vault, plan.vault)
            && own != plan_vault
            && (matches!(own, Vault::Simulator) || matches!(plan_vault, Vault::Simulator))
        {
            self.invalid(
                *span,
                format!(
                    "group `{group}` names vault `{own}` in a plan on `{plan_vault}`: a plan runs either on the simulated vault or on vaults in Azure"
                ),
                "mixes simulated and Azure vaults",
                Some("to rehearse a plan that spans Azure vaults, give every vault its ARM id and run with `--simulate`: each vault is simulated on its own".into()),
            );
        }
        if site.primary.is_none() && site.recovery.is_none() {
            return;
        }
        let primary = site.primary.as_ref().or(plan.primary);
        let recovery = site.recovery.as_ref().or(plan.recovery);
        if let (Some((p, p_span)), Some((r, r_span))) = (primary, recovery)
            && p == r
        {
            self.diags.push(Diagnostic::SameRegion {
                region: p.clone(),
                primary: *p_span,
                recovery: *r_span,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::plan::Vault;
    use crate::source::SourceFile;

    const V1: &str = "/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg/providers/Microsoft.RecoveryServices/vaults/v1";
    const V2: &str = "/subscriptions/22222222-2222-2222-2222-222222222222/resourceGroups/rg/providers/Microsoft.RecoveryServices/vaults/v2";

    fn compile(groups: &str, vault: &str) -> (Option<crate::plan::Plan>, Vec<String>) {
        let text = format!(
            "plan p {{\n  vault {vault}\n  primary westeurope\n  recovery northeurope\n{groups}}}\n"
        );
        let (plan, diags) = crate::compile(&SourceFile::new("p.drplan", text));
        (plan, diags.iter().map(ToString::to_string).collect())
    }

    #[test]
    fn a_group_may_name_its_own_vault_and_regions() {
        let groups = format!(
            "  group a {{ vm a1 }}\n  group b needs a {{\n    vault \"{V2}\"\n    primary eastus\n    recovery westus\n    vm b1\n  }}\n"
        );
        let (plan, diags) = compile(&groups, &format!("\"{V1}\""));
        let plan = plan.unwrap_or_else(|| panic!("{diags:?}"));
        assert_eq!(plan.vault_of(0), &Vault::Arm(V1.into()));
        assert_eq!(plan.vault_of(1), &Vault::Arm(V2.into()));
        assert_eq!(plan.regions_of(0), ("westeurope", "northeurope"));
        assert_eq!(plan.regions_of(1), ("eastus", "westus"));
        assert_eq!(plan.vaults().len(), 2);
    }

    #[test]
    fn simulated_and_azure_vaults_do_not_mix_and_regions_must_differ() {
        let groups = format!("  group a {{ vault \"{V2}\"  vm a1 }}\n");
        let (plan, diags) = compile(&groups, "simulator");
        assert!(plan.is_none());
        assert!(
            diags
                .iter()
                .any(|d| d.contains("a plan runs either on the simulated vault")),
            "{diags:?}"
        );
        let (plan, diags) = compile("  group a { recovery westeurope  vm a1 }\n", "simulator");
        assert!(plan.is_none());
        assert!(diags.iter().any(|d| d.contains("westeurope")), "{diags:?}");
    }
}
