//! How a plan spanning vaults is cut into one plan per vault: a checked
//! plan in; for each vault of [`Plan::vaults`], the plan of its groups (its
//! simulated vault's and its emulator's view), a short label for messages,
//! and the file its simulated state lives in, out.

use std::path::{Path, PathBuf};

use crate::plan::{Plan, Vault};

/// One vault of a plan: which, its label, and the plan of its groups.
#[derive(Debug, Clone)]
pub struct VaultPart {
    /// The vault.
    pub vault: Vault,
    /// Its short name for messages and tables: the vault's name (the last
    /// segment of its ARM id), made unique among the plan's vaults.
    pub label: String,
    /// The plan restricted to the groups this vault protects (see [`parts`]).
    pub plan: Plan,
}

/// The plan's vaults, the plan's own first, each with the plan of its
/// groups. A vault's plan keeps the plan's settings, hooks and
/// notifications, holds only the groups the vault protects (their `needs`
/// dropped: order is the whole plan's business, not one vault's), takes the
/// regions of its first group as its own, and is named apart from the
/// others (`<plan>.<label>` for every vault but the plan's), so two
/// simulated vaults never hand out the same job ids.
pub fn parts(plan: &Plan) -> Vec<VaultPart> {
    let vaults = plan.vaults();
    let labels = labels(&vaults);
    vaults
        .iter()
        .zip(labels)
        .enumerate()
        .map(|(i, (vault, label))| {
            let mut part = plan.clone();
            let ids: Vec<usize> = (0..plan.groups.len())
                .filter(|g| plan.vault_of(*g) == *vault)
                .collect();
            if let Some(first) = ids.first() {
                let (primary, recovery) = plan.regions_of(*first);
                primary.clone_into(&mut part.primary);
                recovery.clone_into(&mut part.recovery);
            }
            part.groups = ids
                .iter()
                .filter_map(|g| plan.groups.get(*g))
                .cloned()
                .map(|mut g| {
                    g.needs.clear();
                    for vm in &mut g.vms {
                        vm.needs.clear();
                    }
                    g
                })
                .collect();
            part.vault = (*vault).clone();
            if i > 0 {
                part.name = format!("{}.{label}", plan.name);
            }
            VaultPart {
                vault: (*vault).clone(),
                label,
                plan: part,
            }
        })
        .collect()
}

/// Each vault's label: its name, suffixed with its position when another
/// vault of the plan has the same name (in another resource group or
/// subscription).
fn labels(vaults: &[&Vault]) -> Vec<String> {
    let names: Vec<String> = vaults.iter().map(|v| vault_name(v)).collect();
    names
        .iter()
        .enumerate()
        .map(|(i, name)| {
            if names.iter().filter(|n| *n == name).count() > 1 {
                format!("{name}-{}", i + 1)
            } else {
                name.clone()
            }
        })
        .collect()
}

/// A vault's name: the last segment of its ARM id (`simulator` for the
/// embedded one).
pub fn vault_name(vault: &Vault) -> String {
    match vault {
        Vault::Simulator => "simulator".to_owned(),
        Vault::Arm(id) => id
            .trim_end_matches('/')
            .rsplit('/')
            .next()
            .unwrap_or(id)
            .to_owned(),
    }
}

/// Where a simulated vault keeps its state, from the plan vault's file
/// (`.drplan/<stem>.vault.json` beside the plan, or `--state FILE`): the plan
/// vault's is that file; every other vault's sits beside it with the vault's
/// label before the suffix (`.drplan/<stem>.<label>.vault.json`,
/// `FILE` `x.json` → `x.<label>.json`).
pub fn state_file(plan_vault_file: &Path, index: usize, label: &str) -> PathBuf {
    if index == 0 {
        return plan_vault_file.to_path_buf();
    }
    let name = plan_vault_file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let renamed = match name.strip_suffix(".vault.json") {
        Some(stem) => format!("{stem}.{label}.vault.json"),
        None => match name.rsplit_once('.') {
            Some((stem, ext)) => format!("{stem}.{label}.{ext}"),
            None => format!("{name}.{label}"),
        },
    };
    plan_vault_file.with_file_name(renamed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_plan_vault_keeps_its_file_and_others_sit_beside_it() {
        let file = Path::new("/p/.drplan/shop.vault.json");
        assert_eq!(state_file(file, 0, "a"), file);
        assert_eq!(
            state_file(file, 1, "vault-b"),
            Path::new("/p/.drplan/shop.vault-b.vault.json")
        );
        assert_eq!(
            state_file(Path::new("/tmp/emu.json"), 2, "c"),
            Path::new("/tmp/emu.c.json")
        );
        assert_eq!(
            state_file(Path::new("/tmp/state"), 1, "c"),
            Path::new("/tmp/state.c")
        );
    }

    #[test]
    fn vaults_of_the_same_name_get_labels_apart() {
        let a = Vault::Arm(
            "/subscriptions/s1/resourceGroups/r/providers/Microsoft.RecoveryServices/vaults/dr"
                .into(),
        );
        let b = Vault::Arm(
            "/subscriptions/s2/resourceGroups/r/providers/Microsoft.RecoveryServices/vaults/dr"
                .into(),
        );
        let c = Vault::Arm(
            "/subscriptions/s2/resourceGroups/r/providers/Microsoft.RecoveryServices/vaults/other/"
                .into(),
        );
        assert_eq!(labels(&[&a, &b, &c]), ["dr-1", "dr-2", "other"]);
    }
}
