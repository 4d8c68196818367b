//! Closest-name suggestions: a misspelt name in, "did you mean `timeout`?" out.

/// Names longer than this (in characters) are not compared edit by edit:
/// the comparison takes time and memory in the product of the two lengths,
/// and a plan can hold names of megabytes.
const MAX_COMPARED: usize = 100;

/// The candidate closest to `name`, if one is close enough to be a likely typo.
pub fn closest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let lower = name.to_lowercase();
    let name_chars = name.chars().count();
    let mut best: Option<(usize, &'a str)> = None;
    for candidate in candidates {
        if candidate == name {
            continue;
        }
        let candidate_chars = candidate.chars().count();
        // A third of the length, at least one edit: `timout` → `timeout`, but `db` is no typo of `web`.
        let limit = (name_chars.max(candidate_chars) / 3).max(1);
        let prefix =
            candidate.len() >= 3 && (candidate.starts_with(&lower) || lower.starts_with(candidate));
        // The distance is at least the difference in length: past the limit,
        // or for names too long to compare, only a prefix can qualify.
        let comparable = name_chars.abs_diff(candidate_chars) <= limit
            && name_chars.max(candidate_chars) <= MAX_COMPARED;
        let distance = if candidate.to_lowercase() == lower {
            0
        } else if comparable {
            strsim::damerau_levenshtein(&lower, &candidate.to_lowercase())
        } else {
            limit + 1
        };
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
    fn long_names_are_suggested_by_prefix_only() {
        let long = "g".repeat(200_000);
        let longer = format!("{long}x");
        assert_eq!(closest(&long, [longer.as_str()]), Some(longer.as_str()));
        assert_eq!(closest(&format!("{long}y"), [longer.as_str()]), None);
    }

    #[test]
    fn does_not_suggest_unrelated_names() {
        assert_eq!(closest("web", ["db", "cache"]), None);
        assert_eq!(closest("zzzz", ["timeout", "retries"]), None);
    }
}
