//! A vault's protected items in; a first plan out: one group per multi-VM
//! consistency group (its VMs share recovery points, so they fail over
//! together) and one for the rest, per region pair, with no order between
//! groups (add `needs` for the order the application wants).

use super::draft::{Draft, Group};
use super::names::{Taken, valid};
use super::recovery_plan::{common_pair, finish, friendly_counts, online_vm, unsupported};
use super::{ImportError, Imported, VaultItem};

/// A group of the plan: its consistency group, and its region pair when it
/// is not the plan's.
type GroupKey = (Option<String>, Option<(String, String)>);

/// The plan named `name` of every item of the vault `vault`.
pub fn from_vault(vault: &str, name: &str, items: &[VaultItem]) -> Result<Imported, ImportError> {
    if items.is_empty() {
        return Err(ImportError::EmptyVault(vault.to_owned()));
    }
    let mut draft = Draft {
        name: valid(name).unwrap_or_else(|| "imported".into()),
        description: format!("Imported from the replicated items of the vault {vault}"),
        vault: vault.to_owned(),
        ..Draft::default()
    };
    let all: Vec<&VaultItem> = items.iter().collect();
    let pair = common_pair(&all);
    if let Some((p, r)) = &pair {
        draft.primary = (p.clone(), None);
        draft.recovery = (r.clone(), None);
    } else {
        let note = |side: &str| {
            Some(format!(
                "the items say no {side} region drplan can read: set the region"
            ))
        };
        draft.primary = ("primary".into(), note("primary"));
        draft.recovery = ("recovery".into(), note("recovery"));
    }
    // Groups by (consistency group, region pair), consistency groups
    // first by name, then the rest; VMs by name, so the output is stable.
    let mut keyed: Vec<(GroupKey, &VaultItem)> = items
        .iter()
        .map(|i| {
            let own = common_pair(&[i]).filter(|p| Some(p) != pair.as_ref());
            ((i.multi_vm_group.clone(), own), i)
        })
        .collect();
    keyed.sort_by(|(a, ai), (b, bi)| {
        (a.0.is_none(), a, &ai.friendly_name, &ai.name).cmp(&(
            b.0.is_none(),
            b,
            &bi.friendly_name,
            &bi.name,
        ))
    });
    let friendly = friendly_counts(items);
    let mut group_names = Taken::default();
    let mut vm_names = Taken::default();
    let mut current: Option<GroupKey> = None;
    for (key, item) in keyed {
        if current.as_ref() != Some(&key) {
            let (mvg, own) = &key;
            let base = match (mvg, own) {
                (Some(m), _) => valid(m).unwrap_or_else(|| "consistency-group".into()),
                (None, None) => "other-vms".into(),
                (None, Some((p, r))) => format!("other-vms-{p}-{r}"),
            };
            let comments = match mvg {
                Some(m) => vec![format!(
                    "multi-VM consistency group \"{m}\": its VMs share recovery points; keep them together"
                )],
                None => vec!["VMs in no multi-VM consistency group".into()],
            };
            draft.groups.push(Group {
                name: group_names.claim(&base),
                comments,
                regions: own.clone(),
                ..Group::default()
            });
            current = Some(key);
        }
        if let Some(group) = draft.groups.last_mut() {
            group.vms.push(online_vm(item, &friendly, &mut vm_names));
        }
    }
    let mut providers: Vec<String> = items.iter().filter_map(|i| i.provider.clone()).collect();
    providers.sort();
    providers.dedup();
    let mut warnings = Vec::new();
    if let Some(note) = unsupported(&providers) {
        warnings.push(note.clone());
        draft.header.push(format!("NOT RUNNABLE AS IS: {note}"));
        draft.header.push(String::new());
    }
    draft.header.push(
        "The groups have no order: the vault does not say which tier needs which; add `needs`."
            .into(),
    );
    draft.header.insert(
        0,
        format!("Imported by `drplan import` from the replicated items of the vault {vault}."),
    );
    finish(draft, warnings)
}
