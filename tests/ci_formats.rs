//! `drplan check --format sarif|github` and `drplan fmt --check --diff`, as CI
//! reads them: reviewed snapshots of a plan with errors, a warning, a span
//! over several lines and non-ASCII names (so columns show UTF-16 units),
//! and the exit codes `check` has in every format.

use std::path::Path;
use std::process::{Command, Output};

use crate::support;

fn drplan(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_drplan"))
        .current_dir(dir)
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

fn fixtures() -> std::path::PathBuf {
    support::root().join("tests/fixtures/ci")
}

fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).unwrap()
}

#[test]
fn sarif_names_rules_results_and_utf16_regions() {
    let out = drplan(
        &fixtures(),
        &["check", "--format", "sarif", "several.drplan"],
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let sarif: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    let run = &sarif["runs"][0];
    assert_eq!(run["columnKind"], "utf16CodeUnits");
    // Every result's rule is the rule its index names.
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    for result in run["results"].as_array().unwrap() {
        let index = usize::try_from(result["ruleIndex"].as_u64().unwrap()).unwrap();
        assert_eq!(rules[index]["id"], result["ruleId"]);
    }
    // The version changes with every release; the snapshot need not.
    let mut sarif = sarif;
    let driver = &mut sarif["runs"][0]["tool"]["driver"];
    assert_eq!(driver["version"], env!("CARGO_PKG_VERSION"));
    driver["version"] = "[version]".into();
    driver["semanticVersion"] = "[version]".into();
    insta::assert_json_snapshot!(sarif);
}

#[test]
fn github_annotations_escape_and_count_utf16_columns() {
    let out = drplan(
        &fixtures(),
        &["check", "--format", "github", "several.drplan"],
    );
    assert_eq!(out.status.code(), Some(1));
    insta::assert_snapshot!(stdout(&out));
}

#[test]
fn ci_formats_keep_checks_exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("warn.drplan"),
        "plan p {\n  vault simulator\n  primary \"westeurope\"\n  recovery \"northeurope\"\n  group g { vm a }\n  group e { }\n}\n",
    )
    .unwrap();
    for format in ["sarif", "github"] {
        let warned = drplan(dir.path(), &["check", "--format", format, "warn.drplan"]);
        assert_eq!(warned.status.code(), Some(0), "{format}");
        let denied = drplan(
            dir.path(),
            &[
                "check",
                "--format",
                format,
                "--deny-warnings",
                "warn.drplan",
            ],
        );
        assert_eq!(denied.status.code(), Some(1), "{format}");
        let missing = drplan(dir.path(), &["check", "--format", format, "missing.drplan"]);
        assert_eq!(missing.status.code(), Some(2), "{format}");
    }
    let github = stdout(&drplan(
        dir.path(),
        &["check", "--format", "github", "warn.drplan"],
    ));
    assert!(
        github.starts_with("::warning file=warn.drplan,line=6,"),
        "{github}"
    );
}

#[test]
fn sarif_names_files_in_the_current_folder_relative_to_srcroot() {
    let root = fixtures();
    let parent = root.parent().unwrap();
    let out = drplan(
        parent,
        &["check", "--format", "sarif", "./ci/several.drplan"],
    );
    let sarif: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let artifact =
        &sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"];
    assert_eq!(artifact["uri"], "ci/several.drplan");
    assert_eq!(artifact["uriBaseId"], "%SRCROOT%");
    // A file outside the current folder is named by an absolute file URI.
    let elsewhere = tempfile::tempdir().unwrap();
    let out = drplan(
        elsewhere.path(),
        &[
            "check",
            "--format",
            "sarif",
            root.join("several.drplan").to_str().unwrap(),
        ],
    );
    let sarif: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let artifact =
        &sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"];
    assert!(
        artifact["uri"].as_str().unwrap().starts_with("file:///"),
        "{artifact}"
    );
    assert!(artifact.get("uriBaseId").is_none());
}

#[test]
fn fmt_check_diff_lists_and_shows_each_change() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["crlf.drplan", "one-line.drplan"] {
        std::fs::copy(
            support::root().join("tests/fixtures/fmt").join(name),
            dir.path().join(name),
        )
        .unwrap();
    }
    let before = std::fs::read(dir.path().join("crlf.drplan")).unwrap();
    let out = drplan(
        dir.path(),
        &["fmt", "--check", "--diff", "crlf.drplan", "one-line.drplan"],
    );
    assert_eq!(out.status.code(), Some(1));
    // Nothing is written under --check.
    assert_eq!(
        std::fs::read(dir.path().join("crlf.drplan")).unwrap(),
        before
    );
    insta::assert_snapshot!(stdout(&out));
    // A formatted file: nothing to list, nothing to show, exit 0.
    let formatted = drplan(dir.path(), &["fmt", "one-line.drplan"]);
    assert_eq!(formatted.status.code(), Some(0));
    let clean = drplan(dir.path(), &["fmt", "--check", "--diff", "one-line.drplan"]);
    assert_eq!(
        (clean.status.code(), stdout(&clean)),
        (Some(0), String::new())
    );
    // --diff without --check is a usage error (clap's).
    let usage = drplan(dir.path(), &["fmt", "--diff", "one-line.drplan"]);
    assert_eq!(usage.status.code(), Some(2));
}
