//! Closest-name suggestions: a misspelt name in, "did you mean `timeout`?" out.

/// The candidate closest to `name`, if one is close enough to be a likely typo.
pub fn closest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let lower = name.to_lowercase();
    let mut best: Option<(usize, &'a str)> = None;
    for candidate in candidates {
        if candidate == name {
            continue;
        }
        let distance = if candidate.to_lowercase() == lower {
            0
        } else {
            strsim::damerau_levenshtein(&lower, &candidate.to_lowercase())
        };
        // A third of the length, at least one edit: `timout` → `timeout`, but `db` is no typo of `web`.
        let limit = (name.chars().count().max(candidate.chars().count()) / 3).max(1);
        let prefix =
            candidate.len() >= 3 && (candidate.starts_with(&lower) || lower.starts_with(candidate));
        if distance <= limit || prefix {
            let distance = if prefix {
                distance.min(limit)
            } else {
                distance
            };
            if best.is_none_or(|(d, _)| distance < d) {
                best = Some((distance, candidate));
            }
        }
    }
    best.map(|(_, c)| c)
}

/// "did you mean `x`?" for the closest candidate.
pub fn did_you_mean<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    closest(name, candidates).map(|c| format!("did you mean `{c}`?"))
}

/// The name a [`did_you_mean`] help line suggests, for editors' quick fixes.
pub fn suggested(help: &str) -> Option<&str> {
    let rest = help.strip_prefix("did you mean `")?;
    let end = rest.find("`?")?;
    Some(&rest[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn help_lines_give_back_their_suggestion() {
        let help = did_you_mean("timout", ["timeout"]).unwrap();
        assert_eq!(suggested(&help), Some("timeout"));
        assert_eq!(suggested("add `vm` or hooks to it"), None);
    }

    #[test]
    fn suggests_typos_and_case() {
        assert_eq!(closest("timout", ["timeout", "retries"]), Some("timeout"));
        assert_eq!(closest("dbb", ["db", "cache", "app"]), Some("db"));
        assert_eq!(closest("Retries", ["timeout", "retries"]), Some("retries"));
        assert_eq!(
            closest("onerror", ["on_error", "estimate"]),
            Some("on_error")
        );
        assert_eq!(
            closest("westeurop", ["westeurope", "westus"]),
            Some("westeurope")
        );
    }

    #[test]
    fn does_not_suggest_unrelated_names() {
        assert_eq!(closest("web", ["db", "cache"]), None);
        assert_eq!(closest("zzzz", ["timeout", "retries"]), None);
    }
}
