//! `drplan check`: every diagnostic code has fixtures whose human and JSON
//! renderings are reviewed snapshots; valid fixtures and the example plans
//! have no diagnostics at all.

use std::collections::BTreeSet;

use crate::support;

/// The codes of the language reference's table (grammar/README.md,
/// "Diagnostic codes") that a plan can cause.
const CODES: &[&str] = &[
    "syntax",
    "unknown_setting",
    "duplicate_setting",
    "missing_setting",
    "invalid_value",
    "invalid_duration",
    "duplicate_group",
    "duplicate_vm",
    "unknown_group",
    "unknown_vm",
    "cycle",
    "same_region",
    "invalid_state_url",
    "state_sas",
    "invalid_resource_id",
    "invalid_ip",
    "invalid_size",
    "duplicate_ip",
    "zone_and_availability_set",
    "empty_group",
    "rto_exceeded",
    "no_test_network",
    "unknown_region",
    "estimate_overflow",
    "unknown_event",
    "duplicate_notify_target",
];

#[test]
fn the_language_reference_lists_every_code() {
    let reference = std::fs::read_to_string(support::root().join("grammar/README.md")).unwrap();
    let listed: BTreeSet<&str> = reference
        .lines()
        .filter_map(|l| l.strip_prefix("| `drplan::"))
        .filter_map(|l| l.split('`').next())
        .collect();
    let mut expected: BTreeSet<&str> = CODES.iter().copied().collect();
    // A bug in drplan, which no fixture can cause.
    expected.insert("internal");
    // `check --drill-within`, which reads runs: tests/drill.rs.
    expected.insert("drill_overdue");
    assert_eq!(listed, expected);
}

#[test]
fn every_code_has_a_fixture() {
    let dir = support::root().join("tests/fixtures/check/err");
    let names: BTreeSet<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    for code in CODES {
        assert!(
            names.iter().any(|n| n.starts_with(&format!("{code}--"))),
            "no fixture for drplan::{code}"
        );
    }
}

#[test]
fn err_fixtures_report_exactly_their_code() {
    insta::glob!("fixtures/check/err/*.drplan", |path| {
        let source = support::read(path);
        let (plan, diagnostics) = drplan::compile(&source);
        let name = support::stem(path);
        let code = format!("drplan::{}", name.split("--").next().unwrap());
        assert!(!diagnostics.is_empty(), "{name}: no diagnostic");
        for d in &diagnostics {
            assert_eq!(
                d.code_str(),
                code,
                "{name}: {}",
                support::human_all(&source, &diagnostics)
            );
        }
        // Errors never give a plan; warnings do.
        assert_eq!(
            plan.is_none(),
            diagnostics.iter().any(drplan::Diagnostic::is_error),
            "{name}"
        );
    });
}

#[test]
fn err_fixtures_human() {
    insta::glob!("fixtures/check/err/*.drplan", |path| {
        let source = support::read(path);
        let (_, diagnostics) = drplan::compile(&source);
        insta::assert_snapshot!(support::human_all(&source, &diagnostics));
    });
}

#[test]
fn err_fixtures_json() {
    insta::glob!("fixtures/check/err/*.drplan", |path| {
        let source = support::read(path);
        let (_, diagnostics) = drplan::compile(&source);
        insta::assert_json_snapshot!(support::json_all(&source, &diagnostics));
    });
}

#[test]
fn ok_fixtures_and_plans_are_clean() {
    insta::glob!("fixtures/check/ok/*.drplan", |path| {
        support::compile_clean(path);
    });
    for plan in support::plans() {
        support::compile_clean(&plan);
    }
}

#[test]
fn all_problems_of_a_file_come_in_one_pass() {
    let text = r#"plan p {
  vault simulator
  primary "westeurope"
  recovery "westeurope"
  defaults { timout 5m  on_error maybe  parallelism 0 }
  group db { vm a, b }
  group db { vm c, a }
  group app needs dbb { vm d }
}
"#;
    let source = drplan::SourceFile::new("p.drplan", text);
    let (plan, diagnostics) = drplan::compile(&source);
    assert!(plan.is_none());
    let codes: Vec<String> = diagnostics
        .iter()
        .map(drplan::Diagnostic::code_str)
        .collect();
    assert_eq!(
        codes,
        [
            "drplan::same_region",
            "drplan::unknown_setting",
            "drplan::invalid_value",
            "drplan::invalid_value",
            "drplan::duplicate_group",
            "drplan::duplicate_vm",
            "drplan::unknown_group",
        ]
    );
}

#[test]
fn json_positions_count_characters_and_end_exclusive() {
    // `é` is two bytes: columns must count it as one.
    let text = "plan p {\n  description \"café\"  vault simulator\n  primary \"westeurope\"\n  recovery \"northeurope\"\n  group db { vm y }\n  group \"é\" needs dbb { vm x }\n}\n";
    let source = drplan::SourceFile::new("x.drplan", text);
    let (_, diagnostics) = drplan::compile(&source);
    let json = support::json_all(&source, &diagnostics);
    assert_eq!(json.len(), 1);
    let d = &json[0];
    assert_eq!(
        (d.code.as_str(), d.line, d.column),
        ("drplan::unknown_group", 6, 19)
    );
    assert_eq!((d.labels[0].end_line, d.labels[0].end_column), (6, 22));
    assert_eq!(d.help.as_deref(), Some("did you mean `db`?"));
}

#[test]
fn a_script_beside_the_plan_is_found_relative_to_it() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("hooks")).unwrap();
    let script = dir.path().join("hooks/ok.sh");
    std::fs::write(&script, "#!/bin/sh\n").unwrap();
    let plan = "plan p {\n  vault simulator\n  primary \"westeurope\"\n  recovery \"northeurope\"\n  group g {\n    vm a\n    after failover {\n      script \"hooks/ok.sh\"\n    }\n  }\n}\n";
    let path = dir.path().join("p.drplan");
    std::fs::write(&path, plan).unwrap();
    let codes = |p: &std::path::Path| {
        let (_, d) = drplan::compile(&drplan::SourceFile::read(p).unwrap());
        d.iter()
            .map(|d| (d.code_str(), d.to_string()))
            .collect::<Vec<_>>()
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            codes(&path),
            [(
                "drplan::invalid_value".to_owned(),
                "script `hooks/ok.sh` is not executable".to_owned()
            )]
        );
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    assert!(codes(&path).is_empty());
    std::fs::remove_file(&script).unwrap();
    assert_eq!(
        codes(&path)[0].1,
        "script `hooks/ok.sh` does not exist beside the plan"
    );
}

/// Text a terminal would act on, as hostile plans hold it, between tokens
/// that make diagnostics with labels anywhere on a line.
const HOSTILE: &[&str] = &[
    "plan p {\n",
    "vault simulator\n",
    "primary \"westeurope\"\n",
    "recovery \"northeurope\"\n",
    "group",
    "db",
    "needs",
    "dbb",
    "{",
    "}",
    "vm",
    "\"",
    "# ",
    "\n",
    "\r",
    "\r\n",
    "\t",
    "\u{1b}]0;x\u{7}",
    "\u{1b}[2J",
    "\u{0}",
    "\u{9b}",
    "\u{202e}",
    "\u{2066}",
    "é",
    "😀",
    "timout 5m",
    "wait 200000000000d",
];

fn hostile_text() -> impl proptest::strategy::Strategy<Value = String> {
    use proptest::prelude::*;
    let token = prop_oneof![
        8 => prop::sample::select(HOSTILE).prop_map(str::to_owned),
        1 => (1usize..2_000).prop_map(|n| "a".repeat(n)),
    ];
    prop::collection::vec(token, 0..60).prop_map(|t| t.join(" "))
}

proptest::proptest! {
    #[test]
    fn human_reports_never_send_control_characters_and_stay_small(text in hostile_text()) {
        let source = drplan::SourceFile::new("p.drplan", text);
        let (_, diagnostics) = drplan::compile(&source);
        for d in &diagnostics {
            let shown = drplan::render::human(&source, d, false, 80);
            let bad = shown.chars().find(|c| {
                (c.is_control() && *c != '\n')
                    || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
            });
            proptest::prop_assert!(bad.is_none(), "{bad:?} in\n{shown}");
            // Two labels of long lines, with their context, and the texts.
            proptest::prop_assert!(shown.len() < 16_000, "{} bytes:\n{shown}", shown.len());
        }
    }
}

/// A plan whose `state` setting has this value.
fn with_state(url: &str) -> String {
    format!(
        "plan p {{\n  vault simulator\n  primary \"westeurope\"\n  recovery \"northeurope\"\n  state {url}\n  group g {{ vm a }}\n}}\n"
    )
}

#[test]
fn the_state_url_reaches_the_plan_with_the_simulated_vault_too() {
    let text = with_state("\"https://contosodr.blob.core.windows.net/drplan-runs/shop/prod/\"");
    let (plan, diagnostics) = drplan::compile(&drplan::SourceFile::new("p.drplan", text));
    assert!(diagnostics.is_empty(), "{diagnostics:?}");
    let state = plan.unwrap().state.unwrap();
    assert_eq!(
        (
            state.account.as_str(),
            state.container.as_str(),
            state.prefix.as_str()
        ),
        ("contosodr", "drplan-runs", "shop/prod")
    );
    assert_eq!(state.sas, None);
    // Without the setting the plan says nothing, and the CLI uses its default.
    let (plan, _) = drplan::compile(&drplan::SourceFile::new(
        "p.drplan",
        "plan p {\n  vault simulator\n  primary \"westeurope\"\n  recovery \"northeurope\"\n  group g { vm a }\n}\n",
    ));
    assert_eq!(plan.unwrap().state, None);
}

#[test]
fn a_sas_is_refused_whatever_else_is_wrong_and_never_repeated() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("p.drplan");
    // A SAS on a URL that is wrong in another way too: both are reported.
    let text = with_state(
        "\"https://contosodr.file.core.windows.net/runs?sv=2022-11-02&sp=rwl&sig=TopSecret%3D\"",
    );
    std::fs::write(&path, text).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_drplan"))
        .args(["check", "--format", "json"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let diagnostics = json["diagnostics"].as_array().unwrap();
    let codes: Vec<&str> = diagnostics
        .iter()
        .map(|d| d["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["drplan::state_sas", "drplan::invalid_state_url"]);
    for d in diagnostics {
        assert_eq!(
            (d["line"].as_u64(), d["column"].as_u64()),
            (Some(5), Some(9))
        );
        let said = format!("{} {} {}", d["message"], d["labels"], d["help"]);
        assert!(
            !said.contains("TopSecret") && !said.contains("sig="),
            "{said}"
        );
    }
    let help = diagnostics[0]["help"].as_str().unwrap();
    assert!(
        help.contains("DRPLAN_STATE") && help.contains("--state"),
        "{help}"
    );
}

#[test]
fn a_state_from_the_environment_points_at_drplan_state() {
    let text = with_state("env(\"STATE_URL\")");
    let source = drplan::SourceFile::new("p.drplan", text);
    let (plan, diagnostics) = drplan::compile(&source);
    assert!(plan.is_none());
    let json = support::json_all(&source, &diagnostics);
    assert_eq!(json.len(), 1);
    assert_eq!(json[0].code, "drplan::invalid_value");
    assert!(
        json[0]
            .help
            .as_deref()
            .is_some_and(|h| h.contains("set `DRPLAN_STATE`")),
        "{:?}",
        json[0].help
    );
}
