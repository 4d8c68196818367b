//! Tests of the vault's store: job ids after a counter read from a file,
//! and what a damaged counter is refused with.

use super::*;
use crate::clock::Clock;

fn vault_with_counter(next_id: u64) -> Result<Vault, String> {
    let now = Clock::test().now();
    let mut text: serde_json::Value = serde_json::from_slice(
        &Vault::fresh("p", [("a", "a")], &BTreeMap::new(), now)
            .snapshot()
            .unwrap(),
    )
    .unwrap();
    text["next_id"] = next_id.into();
    super::super::log::parse(text.to_string().as_bytes(), now)
        .map(|parsed| parsed.map(|p| p.vault).unwrap())
}

#[test]
fn a_counter_near_its_end_is_refused_when_read() {
    assert!(vault_with_counter(u64::MAX - ID_HEADROOM).is_ok());
    for damaged in [u64::MAX - ID_HEADROOM + 1, u64::MAX] {
        let err = vault_with_counter(damaged).unwrap_err();
        assert!(err.contains("next_id") && err.contains("restore"), "{err}");
    }
}

#[test]
fn ids_are_never_repeated_even_at_the_end_or_after_a_counter_set_back() {
    let now = Clock::test().now();
    let mut vault = Vault::fresh("p", [("a", "a")], &BTreeMap::new(), now);
    vault.stored.next_id = u64::MAX - 1;
    assert!(vault.next_id().is_ok());
    let err = vault.next_id().unwrap_err();
    assert!(err.contains("next_id"), "{err}");
    assert!(vault.next_id().is_err(), "stays refused");

    let mut vault = Vault::fresh("p", [("a", "a")], &BTreeMap::new(), now);
    let first = vault.next_id().unwrap();
    vault.by_id.insert(JobId(first.clone()), 0);
    vault.stored.next_id = 0;
    let again = vault.next_id().unwrap();
    assert_ne!(again, first);
}
