//! Tests of the language's schema: the words it lists are the plan's own
//! enums, and what it documents.

use super::*;

#[test]
fn phase_and_order_words_are_the_plan_enums() {
    let phases: Vec<&str> = crate::plan::Phase::ALL.iter().map(|p| p.as_str()).collect();
    assert_eq!(phases, PHASES);
    let orders: Vec<&str> = crate::plan::FailbackOrder::ALL
        .iter()
        .map(|o| o.as_str())
        .collect();
    assert_eq!(orders, FAILBACK_ORDERS);
}

#[test]
fn notify_words_are_the_notify_enums() {
    let formats: Vec<&str> = crate::notify::NotifyFormat::ALL
        .iter()
        .map(|f| f.as_str())
        .collect();
    assert_eq!(formats, NOTIFY_FORMATS);
    let events: Vec<&str> = crate::notify::NotifyEvent::ALL
        .iter()
        .map(|e| e.as_str())
        .collect();
    assert_eq!(events, NOTIFY_EVENTS);
}

#[test]
fn every_enum_word_has_a_value_doc() {
    let enums = ALL_BLOCKS
        .iter()
        .flat_map(|b| settings(*b))
        .filter_map(|s| match s.value {
            ValueType::Enum(words) | ValueType::EnumList(words) | ValueType::EnumArray(words) => {
                Some(words)
            }
            ValueType::Vault => Some(&["simulator"][..]),
            _ => None,
        });
    for word in enums.flatten() {
        assert!(value_doc(word).is_some(), "`{word}` has no value doc");
    }
    for (word, _) in VALUE_DOCS {
        let known = [
            PHASES,
            FAILBACK_ORDERS,
            ON_ERROR,
            RECOVERY_POINTS,
            METHODS,
            NOTIFY_FORMATS,
            NOTIFY_EVENTS,
            &["simulator"],
        ]
        .iter()
        .any(|list| list.contains(word));
        assert!(known, "value doc for `{word}`, which no setting takes");
    }
}
