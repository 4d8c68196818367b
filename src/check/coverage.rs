//! `coverage { tag "app=shop"  resource_group "/subscriptions/…" }` to a
//! [`Coverage`]: tag selectors checked against Azure's tag rules and
//! resource group ids against their form (`drplan::invalid_value`,
//! `drplan::invalid_resource_id`).

use crate::plan::{Coverage, TagSelector};

use super::schema::{BlockKind, ValueType};
use super::settings::Entries;
use super::{Checker, azure_values};

impl Checker<'_> {
    /// The plan's `coverage` block; empty when there is none.
    pub(super) fn coverage(&mut self, plan: &Entries<'_>) -> Coverage {
        let mut coverage = Coverage::default();
        let Some(block) = plan.get("coverage").and_then(|s| s.block.as_ref()) else {
            return coverage;
        };
        let e = self.read(BlockKind::Coverage, &[], &block.statements);
        for (spec, setting) in e.iter() {
            let Some(value) = Self::first_value(setting) else {
                continue;
            };
            match spec.value {
                ValueType::ResourceId(expected) => {
                    if let Some(id) = self.resource_id(value, spec.name, expected) {
                        coverage.resource_groups.push(id);
                    }
                }
                ValueType::Tag => {
                    let Some((text, span)) = self.text_value(value, spec.name) else {
                        continue;
                    };
                    match azure_values::tag(&text) {
                        Ok((name, value)) => coverage.tags.push(TagSelector { name, value }),
                        Err(why) => self.invalid(
                            span,
                            format!("`tag` is not a valid tag selector: {why}"),
                            "invalid tag",
                            Some("write `tag \"name=value\"`, or `tag \"name\"` for any value of the tag".into()),
                        ),
                    }
                }
                _ => {}
            }
        }
        coverage
    }
}
