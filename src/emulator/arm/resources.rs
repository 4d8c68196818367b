//! Microsoft.Resources' answers: a `$filter` in, what it selects out; the
//! inventory's resource groups and subscription VMs in, `ResourceGroups_Get`
//! and `Resources_List`/`_ListByResourceGroup` entries out
//! (`GenericResourceExpanded`).
//!
//! The filters understood are the ones the lists document for these uses:
//! `tagName eq 'x'`, `tagName eq 'x' and tagValue eq 'y'`, and
//! `resourceType eq 'T'`. ARM refuses `resourceType` together with a tag,
//! and so does the emulator (`InvalidFilterInQueryString`).

use serde_json::{Value, json};

use crate::provider::inventory::SubscriptionVm;

/// The only type the inventory lists.
pub(crate) const VM_TYPE: &str = "Microsoft.Compute/virtualMachines";

/// What a list's `$filter` selects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Filter {
    /// Everything.
    All,
    /// Resources carrying a tag, with any value when `value` is `None`.
    Tag {
        /// The tag's name.
        name: String,
        /// Its value.
        value: Option<String>,
    },
    /// Resources of a type.
    Type(String),
}

impl Filter {
    /// The filter a `$filter` text says, `None` when it is not one of the
    /// forms the emulator understands (ARM's keywords ignore case; the
    /// quoted values are taken as they are, `''` standing for `'`).
    pub(crate) fn parse(text: Option<&str>) -> Option<Filter> {
        let Some(text) = text.map(str::trim).filter(|t| !t.is_empty()) else {
            return Some(Filter::All);
        };
        let clauses = super::filter_clauses(text)?;
        let find = |name: &str| {
            clauses
                .iter()
                .filter(|(f, _)| f == name)
                .map(|(_, v)| v.clone())
                .collect::<Vec<_>>()
        };
        let (names, values, types) = (find("tagname"), find("tagvalue"), find("resourcetype"));
        if names.len() + values.len() + types.len() != clauses.len() {
            return None;
        }
        match (names.as_slice(), values.as_slice(), types.as_slice()) {
            ([name], [], []) => Some(Filter::Tag {
                name: name.clone(),
                value: None,
            }),
            ([name], [value], []) => Some(Filter::Tag {
                name: name.clone(),
                value: Some(value.clone()),
            }),
            ([], [], [kind]) => Some(Filter::Type(kind.clone())),
            _ => None,
        }
    }

    /// Whether a VM of the subscription passes.
    pub(crate) fn keeps(&self, vm: &SubscriptionVm) -> bool {
        match self {
            Filter::All => true,
            Filter::Type(kind) => kind.eq_ignore_ascii_case(VM_TYPE),
            Filter::Tag { name, value } => vm.tags.iter().any(|(n, v)| {
                n.eq_ignore_ascii_case(name) && value.as_ref().is_none_or(|want| want == v)
            }),
        }
    }

    /// Whether the answer leaves the resources' tags out: ARM does when it
    /// filters by tag.
    pub(crate) fn hides_tags(&self) -> bool {
        matches!(self, Filter::Tag { .. })
    }
}

/// ARM's answer to a `$filter` it does not understand.
pub(crate) fn bad_filter_message(text: &str) -> String {
    format!(
        "Invalid $filter '{text}' specified in the query string. The emulator understands `tagName eq 'x'` (optionally `and tagValue eq 'y'`) and `resourceType eq 'T'`, and lists a subscription's resources by tag only."
    )
}

/// One entry of a resource list.
pub(crate) fn resource(vm: &SubscriptionVm, with_tags: bool) -> Value {
    let mut body = json!({
        "id": vm.id,
        "name": vm.name,
        "type": VM_TYPE,
        "location": vm.location,
    });
    if with_tags && let Some(b) = body.as_object_mut() {
        b.insert("tags".into(), json!(vm.tags));
    }
    body
}

/// `ResourceGroups_Get`.
pub(crate) fn resource_group(id: &str, name: &str, location: &str) -> Value {
    json!({
        "id": id,
        "name": name,
        "type": "Microsoft.Resources/resourceGroups",
        "location": location,
        "properties": {"provisioningState": "Succeeded"},
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tag(name: &str, value: Option<&str>) -> Filter {
        Filter::Tag {
            name: name.into(),
            value: value.map(Into::into),
        }
    }

    #[test]
    fn filters_by_tag_or_type_are_understood_and_others_refused() {
        let parse = |t: &str| Filter::parse(Some(t));
        assert_eq!(Filter::parse(None), Some(Filter::All));
        assert_eq!(parse("  "), Some(Filter::All));
        assert_eq!(parse("tagName eq 'app'"), Some(tag("app", None)));
        assert_eq!(
            parse("TAGNAME EQ 'app' AND tagvalue eq 'shop floor'"),
            Some(tag("app", Some("shop floor")))
        );
        assert_eq!(parse("tagName eq 'o''brien'"), Some(tag("o'brien", None)));
        assert_eq!(
            parse("resourceType eq 'Microsoft.Compute/virtualMachines'"),
            Some(Filter::Type(VM_TYPE.into()))
        );
        for refused in [
            "resourceType eq 'Microsoft.Compute/virtualMachines' and tagName eq 'app'",
            "tagValue eq 'shop'",
            "tagName eq 'app' or tagName eq 'web'",
            "tagName ne 'app'",
            "tagName eq app",
            "tagName eq 'app",
            "tagName eq 'a' and tagName eq 'b'",
            "location eq 'northeurope'",
            "substringof('app', name)",
            "tagName eq 'app' and",
        ] {
            assert_eq!(parse(refused), None, "{refused}");
        }
    }

    #[test]
    fn filters_keep_what_they_select_and_tag_filters_hide_tags() {
        let vm = SubscriptionVm {
            id: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/app-01".into(),
            name: "app-01".into(),
            location: "westeurope".into(),
            tags: [("App".to_owned(), "shop".to_owned())].into(),
        };
        assert!(tag("app", None).keeps(&vm));
        assert!(tag("app", Some("shop")).keeps(&vm));
        assert!(!tag("app", Some("Shop")).keeps(&vm));
        assert!(Filter::Type("microsoft.compute/VIRTUALMACHINES".into()).keeps(&vm));
        assert!(!Filter::Type("Microsoft.Network/virtualNetworks".into()).keeps(&vm));
        assert!(tag("app", None).hides_tags());
        assert_eq!(resource(&vm, false).get("tags"), None);
        assert_eq!(resource(&vm, true)["tags"], json!({"App": "shop"}));
    }
}
