//! The SARIF `drplan check --format sarif` writes, validated by Microsoft's
//! SARIF Multitool (`validate`: the SARIF 2.1.0 schema and the SDK's rules
//! of good SARIF), installed from npm (`tests/sarif/`) on first use. A log
//! broken on purpose must fail, so the validation is known to look.

use std::path::Path;
use std::process::Command;

use crate::support;

/// Validates `log` and returns the Multitool's findings as (rule, level).
fn validate(log: &Path) -> Vec<(String, String)> {
    let folder = support::npm::installed("sarif", "@microsoft/sarif-multitool");
    let report = log.with_extension("validation.sarif");
    let out = Command::new(folder.join("node_modules/.bin/sarif-multitool"))
        .arg("validate")
        .arg(log)
        .arg("--output")
        .arg(&report)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "the Multitool failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
    report["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["ruleId"].as_str().unwrap().to_owned(),
                // SARIF's default level is `warning`.
                r["level"].as_str().unwrap_or("warning").to_owned(),
            )
        })
        .collect()
}

#[test]
fn check_sarif_passes_the_sarif_multitool() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("check.sarif");
    // Every error fixture (all codes, errors and warnings) and the CI fixture.
    let out = Command::new(env!("CARGO_BIN_EXE_drplan"))
        .current_dir(support::root())
        .args([
            "check",
            "--format",
            "sarif",
            "tests/fixtures/check/err",
            "tests/fixtures/ci",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    std::fs::write(&log, &out.stdout).unwrap();
    let findings = validate(&log);
    // Only SARIF2005 may remain: drplan has no web page to give as the
    // tool's `informationUri`.
    let unexpected: Vec<_> = findings
        .iter()
        .filter(|(rule, _)| rule != "SARIF2005")
        .collect();
    assert!(unexpected.is_empty(), "{unexpected:?}");

    // The same log with a column of 0 (columns are 1-based) is refused.
    let mut broken: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    broken["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startColumn"] =
        0.into();
    let bad = dir.path().join("broken.sarif");
    std::fs::write(&bad, serde_json::to_vec(&broken).unwrap()).unwrap();
    let findings = validate(&bad);
    assert!(
        findings.iter().any(|(_, level)| level == "error"),
        "{findings:?}"
    );
}
