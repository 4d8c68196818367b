//! Names for the imported plan: ASR's names (friendly names, multi-VM group
//! names, plan names) in; valid drplan names, unique where the plan needs
//! them to be, out.

use rustc_hash::FxHashSet;

/// `raw` as a valid drplan name: no `/` (step ids use it), no control
/// characters, not empty; `None` when nothing of it is left. Characters
/// that cannot stay become `-`.
pub(super) fn valid(raw: &str) -> Option<String> {
    let cleaned: String = raw
        .trim()
        .chars()
        .map(|c| if c == '/' || c.is_control() { '-' } else { c })
        .collect();
    let cleaned = cleaned.trim_matches('-').to_owned();
    (!cleaned.is_empty()).then_some(cleaned)
}

/// The names already given in one namespace (groups, or VMs).
#[derive(Debug, Default)]
pub(super) struct Taken {
    names: FxHashSet<String>,
}

impl Taken {
    /// `wanted`, or `wanted-2`, `wanted-3`, … when it is taken; taken from now on.
    pub(super) fn claim(&mut self, wanted: &str) -> String {
        let mut name = wanted.to_owned();
        let mut n = 2;
        while self.names.contains(&name) {
            name = format!("{wanted}-{n}");
            n += 1;
        }
        self.names.insert(name.clone());
        name
    }
}

/// The last segment of an ARM id (an item's name).
pub(super) fn last_segment(id: &str) -> &str {
    id.trim()
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_lose_slashes_and_control_characters_and_stay_unique() {
        assert_eq!(valid("web/01").as_deref(), Some("web-01"));
        assert_eq!(valid(" sql\t01 ").as_deref(), Some("sql-01"));
        assert_eq!(valid("//"), None);
        let mut taken = Taken::default();
        assert_eq!(taken.claim("web"), "web");
        assert_eq!(taken.claim("web"), "web-2");
        assert_eq!(taken.claim("web"), "web-3");
        assert_eq!(last_segment("/a/b/items/guid-1/"), "guid-1");
    }
}
