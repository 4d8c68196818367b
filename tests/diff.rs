//! `drplan diff` as reviewers use it: each example plan against a copy with
//! one kind of edit shows exactly that edit (and the order, waves and RTO
//! fit it leads to); comments and layout are no difference; reviewed human
//! and Markdown output. `REV:PATH` and bad input: `diff_git.rs`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use drplan::graph::Operation;
use serde_json::Value;

use crate::support;

pub(crate) fn drplan(dir: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_drplan"));
    cmd.current_dir(dir)
        .env("NO_COLOR", "1")
        .env("COLUMNS", "80")
        .env_remove("RUST_LOG");
    cmd
}

/// A temporary folder with `plans/hooks/` copied in, so edited copies of the
/// example plans find their scripts.
pub(crate) fn folder() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let hooks = dir.path().join("hooks");
    std::fs::create_dir(&hooks).unwrap();
    for entry in std::fs::read_dir(support::root().join("plans/hooks")).unwrap() {
        let from = entry.unwrap().path();
        std::fs::copy(&from, hooks.join(from.file_name().unwrap())).unwrap();
    }
    dir
}

/// `drplan diff OLD NEW --format json`: exit code and document.
fn diff_json(old: &Path, new: &Path) -> (i32, Value) {
    let out = drplan(&support::root())
        .args(["diff", "--format", "json"])
        .arg(old)
        .arg(new)
        .output()
        .unwrap();
    let code = out.status.code().unwrap();
    // The schema is the document's first key.
    assert!(out.stdout.starts_with(b"{\"schema\":\"drplan.diff/1\","));
    let json = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| unreachable!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    (code, json)
}

/// Diffs `plan` against a copy edited by `edit`; `None` when the edit does
/// not apply to this plan.
fn diff_edited(plan: &Path, edit: impl FnOnce(&str) -> Option<String>) -> Option<Value> {
    let text = std::fs::read_to_string(plan).unwrap();
    let edited = edit(&text)?;
    let dir = folder();
    let copy = dir.path().join(plan.file_name().unwrap());
    std::fs::write(&copy, edited).unwrap();
    let (code, json) = diff_json(plan, &copy);
    assert_eq!(code, 1, "{} {json}", plan.display());
    assert_eq!(json["schema"], "drplan.diff/1");
    Some(json)
}

/// The categories other than `except` list nothing.
pub(crate) fn assert_only(json: &Value, except: &[&str]) {
    if !except.contains(&"settings") {
        assert_eq!(json["settings"], serde_json::json!([]), "{json}");
    }
    for category in ["groups", "vms", "hooks"] {
        if !except.contains(&category) {
            for list in ["added", "removed", "changed"] {
                assert_eq!(
                    json[category][list],
                    serde_json::json!([]),
                    "{category} {json}"
                );
            }
        }
    }
}

pub(crate) fn names(list: &Value) -> BTreeSet<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|v| v["name"].as_str().unwrap().to_string())
        .collect()
}

fn operation<'a>(json: &'a Value, op: &str) -> &'a Value {
    json["operations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["operation"] == op)
        .unwrap()
}

fn edges(list: &Value) -> Vec<(String, String)> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["from"].as_str().unwrap().to_string(),
                e["to"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// The group a `  group NAME … {` header line names.
fn header_name(line: &str) -> Option<&str> {
    line.strip_prefix("  group ")?.split_whitespace().next()
}

#[test]
fn adding_a_vm_shows_the_vm_and_only_its_edges() {
    for plan in support::plans() {
        let json = diff_edited(&plan, |text| {
            let mut out = String::new();
            let mut done = false;
            for line in text.lines() {
                if !done && line.starts_with("    vm ") {
                    out.push_str("    vm zz-added-01\n");
                    done = true;
                }
                out.push_str(line);
                out.push('\n');
            }
            Some(out)
        })
        .unwrap();
        assert_only(&json, &["vms"]);
        let added = names(&json["vms"]["added"]);
        assert_eq!(added.len(), 1, "{json}");
        assert!(added.iter().all(|n| n.ends_with("/zz-added-01")));
        assert_eq!(json["vms"]["removed"], serde_json::json!([]));
        assert_eq!(json["vms"]["changed"], serde_json::json!([]));
        for op in ["failover", "failback"] {
            let o = operation(&json, op);
            assert!(!edges(&o["edges_added"]).is_empty(), "{op} {json}");
            assert!(
                edges(&o["edges_added"])
                    .iter()
                    .all(|(a, b)| a.ends_with("/zz-added-01") || b.ends_with("/zz-added-01")),
                "{op} {json}"
            );
            assert_eq!(o["edges_removed"], serde_json::json!([]), "{op}");
        }
    }
}

#[test]
fn removing_a_group_shows_the_group_its_vms_and_hooks() {
    for plan in support::plans() {
        let text = std::fs::read_to_string(&plan).unwrap();
        // The last group no other group needs.
        let headers: Vec<&str> = text.lines().filter(|l| l.starts_with("  group ")).collect();
        let needed: BTreeSet<&str> = headers
            .iter()
            .filter_map(|l| l.split_once(" needs ").map(|(_, rest)| rest))
            .flat_map(|rest| rest.trim_end_matches('{').split(',').map(str::trim))
            .collect();
        let group = headers
            .iter()
            .filter_map(|l| header_name(l))
            .rfind(|n| !needed.contains(n))
            .unwrap()
            .to_string();
        let json = diff_edited(&plan, |text| {
            let mut out = String::new();
            let mut inside = false;
            for line in text.lines() {
                if header_name(line) == Some(group.as_str()) {
                    inside = true;
                }
                if !inside {
                    out.push_str(line);
                    out.push('\n');
                }
                if inside && line == "  }" {
                    inside = false;
                }
            }
            Some(out)
        })
        .unwrap();
        assert_only(&json, &["groups", "vms", "hooks"]);
        assert_eq!(
            names(&json["groups"]["removed"]),
            BTreeSet::from([group.clone()])
        );
        let old = support::compile_clean(&plan);
        let g = old.groups.iter().find(|g| g.name == group).unwrap();
        let vms: BTreeSet<String> = g
            .vms
            .iter()
            .map(|v| format!("{group}/{}", v.name))
            .collect();
        assert_eq!(names(&json["vms"]["removed"]), vms, "{json}");
        let mut hooks = BTreeSet::new();
        for op in [
            Operation::Failover,
            Operation::Failback,
            Operation::TestFailover,
        ] {
            let graph = drplan::graph::build(&old, op, None);
            hooks.extend(
                graph
                    .steps()
                    .filter(|(_, s)| s.kind.is_hook() && graph.group_name(s) == group)
                    .map(|(_, s)| s.id.clone()),
            );
        }
        assert_eq!(names(&json["hooks"]["removed"]), hooks, "{json}");
        for list in ["added", "changed"] {
            for category in ["groups", "vms", "hooks"] {
                assert_eq!(json[category][list], serde_json::json!([]), "{json}");
            }
        }
        let in_group = |id: &str| id.contains(&format!(":{group}/"));
        for op in ["failover", "failback"] {
            let o = operation(&json, op);
            // The plan's own hooks around the operation attach to what is
            // left; nothing else gains an edge.
            assert!(
                edges(&o["edges_added"])
                    .iter()
                    .all(|(a, b)| a.starts_with("plan:") || b.starts_with("plan:")),
                "{op} {json}"
            );
            assert!(
                edges(&o["edges_removed"])
                    .iter()
                    .all(|(a, b)| in_group(a) || in_group(b)),
                "{op} {json}"
            );
        }
    }
}

#[test]
fn changing_a_hook_timeout_shows_that_setting_only() {
    let mut tried = 0;
    for plan in support::plans() {
        let Some(json) = diff_edited(&plan, |text| {
            let mut out = String::new();
            let mut done = false;
            for line in text.lines() {
                let hook = ["script ", "runbook ", "webhook ", "probe "]
                    .iter()
                    .any(|k| line.trim_start().starts_with(k));
                if !done
                    && hook
                    && let Some((head, rest)) = line.split_once("  timeout ")
                {
                    let (value, tail) = rest.split_once(' ').unwrap_or((rest, ""));
                    if value != "59m" {
                        out.push_str(head);
                        out.push_str("  timeout 59m ");
                        out.push_str(tail);
                        out.push('\n');
                        done = true;
                        continue;
                    }
                }
                out.push_str(line);
                out.push('\n');
            }
            done.then_some(out)
        }) else {
            continue;
        };
        tried += 1;
        assert_only(&json, &["hooks"]);
        let changed = json["hooks"]["changed"].as_array().unwrap();
        assert_eq!(changed.len(), 1, "{json}");
        assert_eq!(json["hooks"]["added"], serde_json::json!([]));
        assert_eq!(json["hooks"]["removed"], serde_json::json!([]));
        let line = changed[0]["changes"].as_array().unwrap();
        assert_eq!(line.len(), 1, "{json}");
        let was = line[0].as_str().unwrap();
        assert!(
            was.starts_with("timeout ") && was.ends_with(" → 59m"),
            "{was}"
        );
        for op in ["failover", "failback"] {
            let o = operation(&json, op);
            assert_eq!(o["edges_added"], serde_json::json!([]));
            assert_eq!(o["edges_removed"], serde_json::json!([]));
            assert_eq!(o["before"], o["after"], "a timeout is no estimate");
        }
    }
    assert!(tried >= 3, "only {tried} plans have a hook with a timeout");
}

#[test]
fn adding_a_needs_edge_changes_failover_and_failback_order() {
    let mut tried = 0;
    for plan in support::plans() {
        let text = std::fs::read_to_string(&plan).unwrap();
        let headers: Vec<&str> = text.lines().filter(|l| l.starts_with("  group ")).collect();
        let last = *headers.last().unwrap();
        let b = header_name(last).unwrap().to_string();
        let needs: Vec<&str> = last
            .split_once(" needs ")
            .map(|(_, r)| r.trim_end_matches('{').split(',').map(str::trim).collect())
            .unwrap_or_default();
        // Nobody needs the last group of the examples, so no cycle can form.
        let Some(a) = headers
            .iter()
            .filter_map(|l| header_name(l))
            .find(|n| *n != b && !needs.contains(n))
            .map(str::to_string)
        else {
            continue;
        };
        tried += 1;
        let json = diff_edited(&plan, |text| {
            let header = if needs.is_empty() {
                format!("  group {b} needs {a} {{")
            } else {
                format!("  group {b} needs {}, {a} {{", needs.join(", "))
            };
            Some(text.replace(last, &header))
        })
        .unwrap();
        assert_only(&json, &["groups"]);
        let before = if needs.is_empty() {
            "none".to_string()
        } else {
            needs.join(", ")
        };
        let after = if needs.is_empty() {
            a.clone()
        } else {
            format!("{}, {a}", needs.join(", "))
        };
        assert_eq!(
            json["groups"]["changed"],
            serde_json::json!([{"name": b, "changes": [format!("needs {before} → {after}")]}])
        );
        let of = |id: &str, g: &str| id.contains(&format!(":{g}/"));
        let fo = operation(&json, "failover");
        let fb = operation(&json, "failback");
        for (o, first, then) in [(fo, &a, &b), (fb, &b, &a)] {
            let added = edges(&o["edges_added"]);
            assert!(!added.is_empty(), "{json}");
            assert!(
                added.iter().all(|(x, y)| of(x, first) && of(y, then)),
                "{first} before {then}: {added:?}"
            );
            assert_eq!(o["edges_removed"], serde_json::json!([]));
        }
    }
    assert!(tried >= 3, "only {tried} plans could take a new needs");
}

#[test]
fn changing_the_rto_changes_the_fit() {
    let mut tried = 0;
    for plan in support::plans() {
        let mut rto = String::new();
        let Some(json) = diff_edited(&plan, |text| {
            let at = text.find("objectives { rto ")? + "objectives { rto ".len();
            let end = at + text[at..].find(' ')?;
            rto = text[at..end].to_string();
            Some(format!("{}1m{}", &text[..at], &text[end..]))
        }) else {
            continue;
        };
        tried += 1;
        assert_only(&json, &["settings"]);
        assert_eq!(
            json["settings"],
            serde_json::json!([{"name": "objectives", "changes": [format!("rto {rto} → 1m")]}])
        );
        let o = operation(&json, "failover");
        assert_eq!(o["edges_added"], serde_json::json!([]));
        assert_eq!(o["before"]["fits_rto"], true, "{json}");
        assert_eq!(o["after"]["fits_rto"], false, "{json}");
        assert_eq!(o["after"]["rto_s"], 60);
        assert_eq!(o["before"]["total_s"], o["after"]["total_s"]);
        assert!(
            json["summary"].as_str().unwrap().contains("exceeded by"),
            "{json}"
        );
    }
    assert!(tried >= 2, "only {tried} plans have an RTO");
}

#[test]
fn identical_plans_and_comments_or_layout_are_no_difference() {
    let plan = support::root().join("plans/quickstart.drplan");
    let dir = folder();
    let copy = dir.path().join("quickstart.drplan");
    let text = std::fs::read_to_string(&plan).unwrap();
    let reworded = text
        .replace("# Quickstart", "# A comment that changed\n\n\n# Quickstart")
        .replace("vm db-01, db-02", "vm db-01,   db-02   # two nodes");
    std::fs::write(&copy, reworded).unwrap();
    for new in [plan.clone(), copy] {
        let out = drplan(&support::root())
            .args(["diff", "plans/quickstart.drplan"])
            .arg(&new)
            .output()
            .unwrap();
        exits(&out, 0);
        assert!(String::from_utf8_lossy(&out.stdout).ends_with(": no differences\n"));
    }
    let (code, json) = diff_json(&plan, &plan);
    assert_eq!(code, 0);
    assert_eq!(json["differs"], false);
    assert_eq!(json["summary"], "no differences");
}

/// The command ended with `code`; its stderr shown otherwise.
pub(crate) fn exits(out: &Output, code: i32) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(code), "{stderr}");
}

/// The realistic edit of the snapshots: a VM added to web, web also waiting
/// for cache, a hook's timeout raised and the RTO tightened.
fn edited_quickstart() -> (tempfile::TempDir, PathBuf) {
    let dir = folder();
    let copy = dir.path().join("quickstart.drplan");
    let text = std::fs::read_to_string(support::root().join("plans/quickstart.drplan")).unwrap();
    let edited = text
        .replace("rto 30m", "rto 20m")
        .replace(
            "vm web-01, web-02, web-03",
            "vm web-01, web-02, web-03, web-04",
        )
        .replace("group web needs app", "group web needs app, cache")
        .replace(
            "\"db-listener\"]  timeout 5m",
            "\"db-listener\"]  timeout 7m",
        );
    std::fs::write(&copy, edited).unwrap();
    (dir, copy)
}

#[test]
fn human_and_markdown_snapshots_of_a_realistic_edit() {
    let (_dir, copy) = edited_quickstart();
    for format in ["human", "md"] {
        let out = drplan(&support::root())
            .args(["diff", "--format", format, "plans/quickstart.drplan"])
            .arg(&copy)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1));
        let shown = String::from_utf8(out.stdout)
            .unwrap()
            .replace(copy.to_str().unwrap(), "edited/quickstart.drplan");
        insta::assert_snapshot!(format!("quickstart-edit-{format}"), shown);
    }
}

#[test]
fn edges_are_the_set_difference_of_both_graphs_edges() {
    // The diff compares edges through shared join lists; the answer must be
    // what comparing every edge by step id gives.
    let old = support::compile_clean(&support::root().join("plans/sap-estate.drplan"));
    let text = std::fs::read_to_string(support::root().join("plans/sap-estate.drplan")).unwrap();
    let edited = text
        .replace(
            "group fiori needs app-servers",
            "group fiori needs app-servers, bw-central",
        )
        .replace(
            "group po needs app-servers {",
            "group po needs app-servers, hana {",
        );
    assert_ne!(edited, text);
    let (new, d) = drplan::compile(&drplan::SourceFile::new("sap.drplan", edited));
    assert!(d.iter().all(|d| !d.is_error()), "{d:?}");
    let new = new.unwrap();
    let diff = drplan::diff::diff(&old, &new);
    for op in &diff.operations {
        let ids = |plan| -> BTreeSet<(String, String)> {
            let g = drplan::graph::build(plan, op.operation, None);
            g.edges()
                .into_iter()
                .map(|(a, b)| (g.step(a).id.clone(), g.step(b).id.clone()))
                .collect()
        };
        let (before, after) = (ids(&old), ids(&new));
        let listed = |edges: &[drplan::diff::Edge]| -> BTreeSet<(String, String)> {
            edges
                .iter()
                .map(|e| (e.from.clone(), e.to.clone()))
                .collect()
        };
        let added: BTreeSet<_> = after.difference(&before).cloned().collect();
        let removed: BTreeSet<_> = before.difference(&after).cloned().collect();
        assert!(!added.is_empty(), "{}", op.operation);
        assert_eq!(listed(&op.edges_added), added, "{}", op.operation);
        assert_eq!(listed(&op.edges_removed), removed, "{}", op.operation);
        assert_eq!(op.edges_added.len(), added.len(), "no edge twice");
    }
}

#[test]
fn the_plans_own_hooks_are_diffed_by_their_ids() {
    let plan = support::root().join("plans/notify.drplan");
    let json = diff_edited(&plan, |text| {
        let edited = text
            .replace(
                "script \"hooks/check-dns.sh\" timeout 5m",
                "script \"hooks/check-dns.sh\" timeout 9m",
            )
            .replace(
                "api/page\" { headers { Authorization = env(\"OPS_TOKEN\") } }\n",
                "api/page\" { headers { Authorization = env(\"OPS_TOKEN\") } }\n    wait 1m\n",
            );
        (edited != text).then_some(edited)
    })
    .unwrap();
    assert_only(&json, &["hooks"]);
    let ids = |list: &str| -> Vec<String> {
        json["hooks"][list]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h["name"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(ids("changed"), ["plan:after/1"], "{json}");
    assert_eq!(ids("added"), ["plan:on_failure/2"], "{json}");
    assert!(ids("removed").is_empty(), "{json}");
    let change = &json["hooks"]["changed"][0]["changes"][0];
    assert_eq!(change, "timeout 5m → 9m", "{json}");
}

#[test]
fn notification_targets_added_removed_or_retold_are_differences() {
    let plan = support::root().join("plans/notify.drplan");
    let json = diff_edited(&plan, |text| {
        let edited = text
            .replace(
                "format slack  events [step_failed, rto_exceeded, run_finished]",
                "format json  events [step_failed]",
            )
            .replace(
                "    webhook env(\"TEAMS_WEBHOOK_URL\")",
                "    webhook env(\"PAGER_URL\") { format json }\n    webhook env(\"TEAMS_WEBHOOK_URL\")",
            );
        (edited != text).then_some(edited)
    })
    .unwrap();
    assert_only(&json, &["settings"]);
    assert_eq!(
        json["settings"],
        serde_json::json!([{
            "name": "notify",
            "changes": [
                "env(\"PAGER_URL\") added (format json, events [run_started, step_failed, approval_waiting, rto_exceeded, run_finished])",
                "env(\"SLACK_WEBHOOK_URL\"): format slack, events [step_failed, rto_exceeded, run_finished] → format json, events [step_failed]",
            ]
        }]),
        "{json}"
    );
}
