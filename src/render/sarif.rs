//! Diagnostics as SARIF 2.1.0 (the Static Analysis Results Interchange
//! Format that GitHub code scanning and Azure DevOps read): the diagnostics
//! of every checked file in, one log with one run out. Each diagnostic code
//! that occurs is a rule; each diagnostic a result whose location is its
//! primary label and whose related locations are its other labels. Columns
//! are UTF-16 code units, said explicitly on the run (`columnKind`).

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;

use crate::diagnostic::{Diagnostic, primary_label};
use crate::source::{LineIndex, SourceFile};

use super::location::{CiPath, Region, ci_path, region};

/// The SARIF log `drplan check --format sarif` writes, built a file at a time.
#[derive(Debug, Default)]
pub struct SarifBuilder {
    results: Vec<SarifResult>,
    /// Per code: its level and the help every occurrence gives (`None` once two differ).
    rules: BTreeMap<String, RuleSeen>,
    /// Files that could not be read, as tool notifications.
    unread: Vec<String>,
    /// The current folder, that paths are made relative to.
    cwd: Option<std::path::PathBuf>,
}

#[derive(Debug)]
struct RuleSeen {
    level: Level,
    help: Option<String>,
}

impl SarifBuilder {
    /// An empty log whose paths are relative to `cwd` (the current folder).
    pub fn new(cwd: Option<&Path>) -> Self {
        Self {
            cwd: cwd.map(Path::to_path_buf),
            ..Self::default()
        }
    }

    /// Adds one diagnostic of `source`; `index` is the file's line index.
    pub fn add(&mut self, source: &SourceFile, index: &LineIndex, diagnostic: &Diagnostic) {
        let code = diagnostic.code_str();
        let level = if diagnostic.is_error() {
            Level::Error
        } else {
            Level::Warning
        };
        let help = miette::Diagnostic::help(diagnostic).map(|h| h.to_string());
        self.rules
            .entry(code.clone())
            .and_modify(|seen| {
                if seen.help != help {
                    seen.help = None;
                }
            })
            .or_insert(RuleSeen {
                level,
                help: help.clone(),
            });
        let artifact = artifact(&ci_path(&source.path, self.cwd.as_deref()));
        let text: &str = &source.text;
        let located = |l: &miette::LabeledSpan, id: Option<usize>| Location {
            id,
            physical_location: PhysicalLocation {
                artifact_location: artifact.clone(),
                region: region(text, index, l.offset(), l.len()),
            },
            message: l.label().map(|label| Message {
                text: label.to_owned(),
            }),
        };
        let primary = primary_label(diagnostic);
        let locations = match &primary {
            Some(p) => vec![located(p, None)],
            // Every diagnostic has a label; a file-level one would point at the file alone.
            None => vec![Location {
                id: None,
                physical_location: PhysicalLocation {
                    artifact_location: artifact.clone(),
                    region: region(text, index, 0, 0),
                },
                message: None,
            }],
        };
        let related_locations = super::ordered_labels(diagnostic)
            .iter()
            .filter(|l| Some(*l) != primary.as_ref())
            .enumerate()
            .map(|(i, l)| located(l, Some(i + 1)))
            .collect();
        self.results.push(SarifResult {
            rule_id: code,
            rule_index: 0,
            level,
            message: Message {
                text: super::message_with_help(diagnostic),
            },
            locations,
            related_locations,
        });
    }

    /// Notes a file that could not be read (the run is then unsuccessful).
    pub fn unreadable(&mut self, message: String) {
        self.unread.push(message);
    }

    /// The finished log: rules sorted by code, results in the order added.
    pub fn finish(self) -> SarifLog {
        let rules: Vec<Rule> = self
            .rules
            .into_iter()
            .map(|(id, seen)| Rule {
                name: pascal_case(&id),
                short_description: Message {
                    text: id.strip_prefix("drplan::").unwrap_or(&id).replace('_', " "),
                },
                help: seen.help.map(|text| Message { text }),
                default_configuration: Configuration { level: seen.level },
                id,
            })
            .collect();
        let results = self
            .results
            .into_iter()
            .map(|mut r| {
                r.rule_index = rules
                    .iter()
                    .position(|rule| rule.id == r.rule_id)
                    .unwrap_or(0);
                r
            })
            .collect();
        let successful = self.unread.is_empty();
        SarifLog {
            schema: "https://json.schemastore.org/sarif-2.1.0.json",
            version: "2.1.0",
            runs: [Run {
                tool: Tool {
                    driver: Driver {
                        name: "drplan",
                        version: env!("CARGO_PKG_VERSION"),
                        semantic_version: env!("CARGO_PKG_VERSION"),
                        rules,
                    },
                },
                invocations: [Invocation {
                    execution_successful: successful,
                    tool_execution_notifications: self
                        .unread
                        .into_iter()
                        .map(|text| Notification {
                            level: Level::Error,
                            message: Message { text },
                        })
                        .collect(),
                }],
                column_kind: "utf16CodeUnits",
                results,
            }],
        }
    }
}

/// `drplan::unknown_group` as `UnknownGroup`, SARIF's rule name.
fn pascal_case(code: &str) -> String {
    code.strip_prefix("drplan::")
        .unwrap_or(code)
        .split('_')
        .map(|word| {
            let mut chars = word.chars();
            chars.next().map_or_else(String::new, |first| {
                first.to_uppercase().chain(chars).collect()
            })
        })
        .collect()
}

/// A file as SARIF names it: relative to `%SRCROOT%` (the folder `drplan`
/// ran in, a checkout's root in CI), else an absolute `file:` URI.
fn artifact(path: &CiPath) -> ArtifactLocation {
    match path {
        CiPath::Relative(path) => ArtifactLocation {
            uri: percent_encode(path),
            uri_base_id: Some("%SRCROOT%"),
        },
        CiPath::Absolute(path) => ArtifactLocation {
            uri: url::Url::from_file_path(path)
                .map_or_else(|()| percent_encode(&path.to_string_lossy()), String::from),
            uri_base_id: None,
        },
    }
}

/// A relative path as a URI reference: unreserved characters and `/` as
/// they are, every other byte `%XX` (spaces, `<stdin>`'s brackets, non-ASCII).
fn percent_encode(path: &str) -> String {
    use std::fmt::Write as _;
    let mut out = String::with_capacity(path.len());
    for byte in path.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~/".contains(&byte) {
            out.push(char::from(byte));
        } else {
            let _ = write!(out, "%{byte:02X}");
        }
    }
    out
}

/// A whole SARIF log.
#[derive(Debug, Serialize)]
pub struct SarifLog {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [Run; 1],
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Run {
    tool: Tool,
    invocations: [Invocation; 1],
    column_kind: &'static str,
    results: Vec<SarifResult>,
}

#[derive(Debug, Serialize)]
struct Tool {
    driver: Driver,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver {
    name: &'static str,
    version: &'static str,
    semantic_version: &'static str,
    rules: Vec<Rule>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Rule {
    id: String,
    name: String,
    short_description: Message,
    #[serde(skip_serializing_if = "Option::is_none")]
    help: Option<Message>,
    default_configuration: Configuration,
}

#[derive(Debug, Serialize)]
struct Configuration {
    level: Level,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Invocation {
    execution_successful: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tool_execution_notifications: Vec<Notification>,
}

#[derive(Debug, Serialize)]
struct Notification {
    level: Level,
    message: Message,
}

/// SARIF's levels; drplan's diagnostics are errors or warnings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
enum Level {
    Error,
    Warning,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult {
    rule_id: String,
    rule_index: usize,
    level: Level,
    message: Message,
    locations: Vec<Location>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<Location>,
}

#[derive(Debug, Clone, Serialize)]
struct Message {
    text: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
#[allow(clippy::struct_field_names)] // SARIF's names.
struct Location {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<usize>,
    physical_location: PhysicalLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<Message>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    region: Region,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    uri: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    uri_base_id: Option<&'static str>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_names_and_uris() {
        assert_eq!(pascal_case("drplan::unknown_group"), "UnknownGroup");
        assert_eq!(
            percent_encode("plans/a b/<stdin>é"),
            "plans/a%20b/%3Cstdin%3E%C3%A9"
        );
    }
}
