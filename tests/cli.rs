//! The binary as users run it: output, exit codes (cli.md "Exit codes") and
//! JSON forms, as reviewed snapshots.

use std::process::Command;

use insta_cmd::assert_cmd_snapshot;

use crate::support;

fn drplan() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_drplan"));
    cmd.current_dir(support::root())
        .env("NO_COLOR", "1")
        .env("COLUMNS", "80")
        .env_remove("RUST_LOG");
    cmd
}

#[test]
fn check_plans_folder_succeeds() {
    assert_cmd_snapshot!(drplan().args(["check", "plans/"]));
}

#[test]
fn check_reports_errors_with_exit_1() {
    assert_cmd_snapshot!(drplan().args([
        "check",
        "tests/fixtures/check/err/unknown_group--typo.drplan"
    ]));
}

#[test]
fn check_json_of_several_files() {
    assert_cmd_snapshot!(drplan().args([
        "check",
        "--format",
        "json",
        "tests/fixtures/check/err/unknown_setting--typo-timeout.drplan",
        "tests/fixtures/check/err/empty_group--placeholder.drplan",
        "plans/quickstart.drplan",
    ]));
}

#[test]
fn warnings_pass_unless_denied() {
    let warning = "tests/fixtures/check/err/rto_exceeded--long-chain.drplan";
    let plain = drplan().args(["check", warning]).output().unwrap();
    assert_eq!(plain.status.code(), Some(0));
    let denied = drplan()
        .args(["check", "--deny-warnings", warning])
        .output()
        .unwrap();
    assert_eq!(denied.status.code(), Some(1));
}

#[test]
fn check_target_problems_in_both_forms() {
    // Human: every label of a duplicate IP inherited from a group.
    assert_cmd_snapshot!(drplan().args([
        "check",
        "tests/fixtures/check/err/duplicate_ip--group-ip.drplan"
    ]));
    // JSON: an error of the target settings and the two new warnings.
    assert_cmd_snapshot!(drplan().args([
        "check",
        "--format",
        "json",
        "tests/fixtures/check/err/zone_and_availability_set--inherited.drplan",
        "tests/fixtures/check/err/no_test_network--test-ip.drplan",
        "tests/fixtures/check/err/unknown_region--other-clouds.drplan",
    ]));
}

#[test]
fn target_and_region_warnings_pass_unless_denied() {
    for warning in [
        "tests/fixtures/check/err/no_test_network--test-ip.drplan",
        "tests/fixtures/check/err/unknown_region--other-clouds.drplan",
    ] {
        let plain = drplan().args(["check", warning]).output().unwrap();
        assert_eq!(plain.status.code(), Some(0), "{warning}");
        let denied = drplan()
            .args(["check", "--deny-warnings", warning])
            .output()
            .unwrap();
        assert_eq!(denied.status.code(), Some(1), "{warning}");
    }
}

#[test]
fn unreadable_paths_are_usage_errors() {
    assert_cmd_snapshot!(drplan().args(["check", "no/such/plan.drplan"]));
}

#[test]
fn fmt_check_lists_files_that_would_change() {
    assert_cmd_snapshot!(drplan().args(["fmt", "--check", "tests/fixtures/fmt/", "plans/"]));
}

#[test]
fn fmt_rewrites_a_file_in_place() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("p.drplan");
    std::fs::write(
        &path,
        "plan p {vault simulator primary \"westeurope\" recovery \"northeurope\" group g {vm a}}",
    )
    .unwrap();
    let out = drplan().arg("fmt").arg(&path).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        "plan p {\n  vault simulator\n  primary \"westeurope\"\n  recovery \"northeurope\"\n  group g {\n    vm a\n  }\n}\n"
    );
    let again = drplan()
        .args(["fmt", "--check"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(0));
}

#[test]
fn fmt_refuses_a_file_with_syntax_errors() {
    assert_cmd_snapshot!(drplan().args([
        "fmt",
        "--check",
        "tests/fixtures/check/err/syntax--unclosed-brace.drplan"
    ]));
}

#[test]
fn graph_json() {
    assert_cmd_snapshot!(drplan().args([
        "graph",
        "plans/contoso-web.drplan",
        "--operation",
        "failback",
        "--format",
        "json"
    ]));
}

#[test]
fn graph_of_a_plan_with_errors_exits_1() {
    assert_cmd_snapshot!(
        drplan().args(["graph", "tests/fixtures/check/err/cycle--two-groups.drplan"])
    );
}

#[test]
fn dry_run_human() {
    assert_cmd_snapshot!(drplan().args([
        "run",
        "failover",
        "plans/contoso-web.drplan",
        "--dry-run"
    ]));
}

#[test]
fn dry_run_json_of_selected_groups() {
    assert_cmd_snapshot!(drplan().args([
        "run",
        "test-failover",
        "plans/quickstart.drplan",
        "--dry-run",
        "--format",
        "json",
        "--group",
        "db",
        "--group",
        "web",
    ]));
}

#[test]
fn unknown_group_and_operation_are_usage_errors() {
    assert_cmd_snapshot!(drplan().args([
        "run",
        "failover",
        "plans/quickstart.drplan",
        "--dry-run",
        "--group",
        "dbs"
    ]));
    assert_cmd_snapshot!(drplan().args(["run", "failovr", "plans/quickstart.drplan", "--dry-run"]));
}

#[test]
fn a_file_that_is_not_text_is_a_usage_error_and_not_called_clean() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("binary.drplan");
    std::fs::write(&path, [0x70, 0x6c, 0xff, 0xfe, 0x00]).unwrap();
    let out = drplan()
        .arg("check")
        .arg(&path)
        .arg("plans/quickstart.drplan")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "checked 1 file (1 other could not be read)\n"
    );
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("is not UTF-8 text (invalid byte at offset 2)")
    );
}
