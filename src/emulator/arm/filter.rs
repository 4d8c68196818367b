//! `$filter`s: a filter's text in, what it selects out. ARM's `OData`
//! subset as the emulator's lists use it: `field eq 'value'` clauses joined
//! by `and`. The resource lists understand the filters they document for
//! these uses: `tagName eq 'x'`, `tagName eq 'x' and tagValue eq 'y'`, and
//! `resourceType eq 'T'`. ARM refuses `resourceType` together with a tag,
//! and so does the emulator (`InvalidFilterInQueryString`).

use super::resources::VM_TYPE;
use crate::provider::inventory::SubscriptionVm;

/// The clauses of an `OData` `$filter` of the form `field eq 'value' [and …]`:
/// each field lowercased (ARM's names ignore case) with its value as written
/// (`''` standing for `'`), `None` when the text has another form.
pub(crate) fn filter_clauses(text: &str) -> Option<Vec<(String, String)>> {
    let mut clauses = Vec::new();
    let mut rest = text;
    loop {
        let (field, after) = rest.trim_start().split_once(char::is_whitespace)?;
        let after = after.trim_start();
        let after = after
            .get(..2)
            .filter(|op| op.eq_ignore_ascii_case("eq"))
            .map(|_| after[2..].trim_start())?;
        let (value, after) = quoted(after)?;
        clauses.push((field.to_ascii_lowercase(), value));
        let after = after.trim_start();
        if after.is_empty() {
            return Some(clauses);
        }
        let (and, after) = after.split_once(char::is_whitespace)?;
        if !and.eq_ignore_ascii_case("and") {
            return None;
        }
        rest = after;
    }
}

/// `'text'` at the start of `s`, and what follows it.
fn quoted(s: &str) -> Option<(String, &str)> {
    let mut chars = s.strip_prefix('\'')?.char_indices().peekable();
    let mut value = String::new();
    while let Some((i, c)) = chars.next() {
        if c == '\'' {
            if chars.peek().is_some_and(|(_, next)| *next == '\'') {
                chars.next();
                value.push('\'');
            } else {
                return Some((value, &s[i + 2..]));
            }
        } else {
            value.push(c);
        }
    }
    None
}

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
        let clauses = filter_clauses(text)?;
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

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::resources::resource;
    use super::*;

    #[test]
    fn filters_are_clauses_joined_by_and() {
        assert_eq!(
            filter_clauses("location eq 'northeurope'"),
            Some(vec![("location".into(), "northeurope".into())])
        );
        assert_eq!(
            filter_clauses("Location EQ 'a b'  and  X eq 'it''s'"),
            Some(vec![
                ("location".into(), "a b".into()),
                ("x".into(), "it's".into())
            ])
        );
        for bad in [
            "location",
            "location eq",
            "location eq ne",
            "a eq 'b' or c eq 'd'",
            "a eq 'b",
        ] {
            assert_eq!(filter_clauses(bad), None, "{bad}");
        }
    }

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
