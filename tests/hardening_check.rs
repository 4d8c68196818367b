//! `drplan check`, `fmt` and the dry run against hostile or absurd plans,
//! through the binary: control characters in the plan never reach the
//! terminal raw, a huge line gives a report of ordinary size, `check -` reads
//! stdin, schedule sums never wrap or saturate into a wrong figure, and a URL
//! that carries credentials is refused before anything is written.

use std::io::Write as _;
use std::process::{Output, Stdio};

use serde_json::Value;

use crate::support::sandbox::{Sandbox, show, stderr, stdout, wait_for_exit};

const HEAD: &str =
    "plan p {\n  vault simulator\n  primary \"westeurope\"\n  recovery \"northeurope\"\n";

/// What a terminal would act on: C0 controls but the newline, DEL, C1
/// controls and bidirectional overrides and isolates.
fn acts_on_terminal(c: char) -> bool {
    (c.is_control() && c != '\n') || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

fn assert_terminal_safe(text: &str, what: &str) {
    let bad: Vec<String> = text
        .chars()
        .filter(|c| acts_on_terminal(*c))
        .map(|c| format!("U+{:04X}", u32::from(c)))
        .collect();
    assert!(bad.is_empty(), "{what} sends {bad:?} raw:\n{text}");
}

/// `drplan` with `input` on its stdin.
fn with_stdin(sandbox: &Sandbox, args: &[&str], input: impl AsRef<[u8]>) -> Output {
    let mut child = sandbox
        .drplan()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut pipe = child.stdin.take().unwrap();
    pipe.write_all(input.as_ref()).unwrap();
    drop(pipe);
    child.wait_with_output().unwrap()
}

/// `drplan ARGS` in the sandbox, failing the test if it takes longer than
/// the sandbox's deadline (rendering a huge line once took minutes).
fn output_within(sandbox: &Sandbox, args: &[&str]) -> Output {
    let out_path = sandbox.path().join("stdout.txt");
    let err_path = sandbox.path().join("stderr.txt");
    let mut child = sandbox
        .drplan()
        .args(args)
        .stdout(std::fs::File::create(&out_path).unwrap())
        .stderr(std::fs::File::create(&err_path).unwrap())
        .spawn()
        .unwrap();
    let status = wait_for_exit(&mut child, &format!("drplan {}", args.join(" ")));
    Output {
        status,
        stdout: std::fs::read(&out_path).unwrap(),
        stderr: std::fs::read(&err_path).unwrap(),
    }
}

/// The start of what a command printed, for failure messages about huge output.
fn brief(out: &Output) -> String {
    show(out).chars().take(2_000).collect()
}

fn json_of(out: &Output) -> Value {
    let parsed = serde_json::from_slice(&out.stdout);
    assert!(parsed.is_ok(), "no JSON\n{}", show(out));
    parsed.unwrap()
}

/// The character column (1-based) where `needle` starts on the first output
/// line that contains it, and that line's index.
fn column_of(lines: &[&str], needle: &str) -> (usize, usize) {
    let found = lines.iter().enumerate().find(|(_, l)| l.contains(needle));
    assert!(
        found.is_some(),
        "no line with {needle:?} in\n{}",
        lines.join("\n")
    );
    let (i, line) = found.unwrap();
    let byte = line.find(needle).unwrap();
    (i, line[..byte].chars().count() + 1)
}

// 1. Control characters in the plan are shown as escapes, labels stay in place.

const HOSTILE: &str = "  # \u{1b}]0;owned\u{7} \u{1b}[2J\u{0}\r\n  group g needs \"d\u{202e}b\" { vm a }  # \u{9b}31m \u{1b}[1A\n  group db { vm b }\n}\n";

#[test]
fn check_shows_control_characters_as_escapes() {
    let sandbox = Sandbox::with_plan("p", &format!("{HEAD}{HOSTILE}"));
    let out = sandbox.output(&["check", "p.drplan"]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    let text = stdout(&out);
    assert_terminal_safe(&text, "check's report");
    assert_terminal_safe(&stderr(&out), "check's stderr");
    // Shown, not sent: the escapes as text, on the lines they were on.
    assert!(
        text.contains(" 5 │   # \\x1b]0;owned\\x07 \\x1b[2J\\x00"),
        "{text}"
    );
    assert!(
        text.contains(" 6 │   group g needs \"d\\u{202e}b\" { vm a }  # \\u{9b}31m \\x1b[1A"),
        "{text}"
    );
    // The message and the label quote the name escaped too.
    assert!(
        text.contains("`needs` names an unknown group `d\\u{202e}b`"),
        "{text}"
    );
    // The label still underlines the quoted name, escape included.
    let lines: Vec<&str> = text.lines().collect();
    let (row, name_col) = column_of(&lines, "\"d\\u{202e}b\"");
    let underline = lines[row + 1];
    let first = underline.find('─').unwrap();
    assert_eq!(
        underline[..first].chars().count() + 1,
        name_col,
        "label starts under the name:\n{text}"
    );
    assert_eq!(
        underline[first..].trim_end().chars().count(),
        "\"d\\u{202e}b\"".chars().count(),
        "label spans the shown name:\n{text}"
    );
    // The header's position is the plan's own: line 6, column 17.
    assert!(text.contains("[p.drplan:6:17]"), "{text}");
}

#[test]
fn check_json_keeps_positions_of_the_plan_text() {
    let sandbox = Sandbox::with_plan("p", &format!("{HEAD}{HOSTILE}"));
    let out = sandbox.output(&["check", "--format", "json", "p.drplan"]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    let json = json_of(&out);
    let d = &json["diagnostics"][0];
    assert_eq!(d["code"], "drplan::unknown_group");
    assert_eq!(
        (d["line"].as_u64(), d["column"].as_u64()),
        (Some(6), Some(17))
    );
    // JSON carries the name as it is; serde escapes what needs escaping.
    assert_eq!(d["message"], "`needs` names an unknown group `d\u{202e}b`");
    assert_eq!(d["labels"][0]["end_column"], 22);
}

#[test]
fn a_lone_carriage_return_ends_a_line_in_the_snippet_as_in_the_positions() {
    // A lone CR is a line break for the grammar; shown raw it would return
    // the cursor and let the next line overwrite the one before.
    let plan = format!("{HEAD}  group g needs dbb {{ vm a }}\r  group db {{ vm b }}\r}}\r");
    let sandbox = Sandbox::with_plan("p", &plan);
    let out = sandbox.output(&["check", "p.drplan"]);
    let text = stdout(&out);
    assert_terminal_safe(&text, "check's report");
    assert!(text.contains("[p.drplan:5:17]"), "{text}");
    assert!(
        text.contains(" 5 │   group g needs dbb { vm a }\n"),
        "{text}"
    );
    assert!(text.contains(" 6 │   group db { vm b }\n"), "{text}");
}

#[test]
fn fmt_shows_control_characters_of_a_broken_plan_as_escapes() {
    let plan = format!("{HEAD}  group g {{ vm a }}\n  \u{1b}[31mred \u{202e}text\n}}\n");
    let sandbox = Sandbox::with_plan("p", &plan);
    let out = sandbox.output(&["fmt", "p.drplan"]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    let text = stderr(&out);
    assert_terminal_safe(&text, "fmt's report");
    assert!(text.contains("\\x1b[31mred \\u{202e}text"), "{text}");
}

// 2. A 10 MB line gives a report of ordinary size.

#[test]
fn a_huge_line_gives_a_report_of_ordinary_size() {
    // 10 MB gave 45 MB of report; 1 MB keeps the test quick in debug builds,
    // where parsing the line is most of the time.
    let plan = format!(
        "{HEAD}  description \"{}\n  group g {{ vm a }}\n}}\n",
        "a".repeat(1_000_000)
    );
    let sandbox = Sandbox::with_plan("p", &plan);
    let out = output_within(&sandbox, &["check", "p.drplan"]);
    assert_eq!(out.status.code(), Some(1), "{}", brief(&out));
    let text = stdout(&out);
    assert!(text.len() < 4_000, "{} bytes of report", text.len());
    assert!(text.contains("[p.drplan:5:15]"), "{text}");
    assert!(text.contains("unterminated string"), "{text}");
    assert!(text.contains("this string has no closing"), "{text}");
    // The line is cut after the label's start, and says so.
    assert!(text.contains(" 5 │   description \"aaaa"), "{text}");
    assert!(text.contains("a…\n"), "{text}");
    let json = output_within(&sandbox, &["check", "--format", "json", "p.drplan"]);
    assert!(
        json.stdout.len() < 2_000,
        "{} bytes of JSON",
        json.stdout.len()
    );
    let d = &json_of(&json)["diagnostics"][0];
    assert_eq!(
        (d["line"].as_u64(), d["column"].as_u64()),
        (Some(5), Some(15))
    );
    assert_eq!(d["labels"][0]["end_column"], 1_000_016);
}

#[test]
fn a_huge_name_is_quoted_in_part() {
    let name = "g".repeat(200_000);
    let plan = format!("{HEAD}  group a needs {name} {{ vm a }}\n  group {name}x {{ vm b }}\n}}\n");
    let sandbox = Sandbox::with_plan("p", &plan);
    let out = output_within(&sandbox, &["check", "p.drplan"]);
    assert_eq!(out.status.code(), Some(1), "{}", brief(&out));
    let text = stdout(&out);
    assert!(text.len() < 8_000, "{} bytes of report", text.len());
    assert!(text.contains("× `needs` names an unknown group"), "{text}");
    assert!(text.contains("help: did you mean"), "{text}");
    let json = output_within(&sandbox, &["check", "--format", "json", "p.drplan"]);
    assert!(
        json.stdout.len() < 4_000,
        "{} bytes of JSON",
        json.stdout.len()
    );
    let d = &json_of(&json)["diagnostics"][0];
    let message = d["message"].as_str().unwrap();
    assert!(
        message.starts_with("`needs` names an unknown group `ggg"),
        "{message}"
    );
    assert!(
        message.ends_with("ggg…ggg`") || message.contains('…'),
        "{message}"
    );
}

// 3. `check -` reads the plan from stdin.

#[test]
fn check_dash_reads_stdin() {
    let sandbox = Sandbox::with_plan("unused", HEAD);
    let valid = format!("{HEAD}  group g {{ vm a }}\n}}\n");
    let out = with_stdin(&sandbox, &["check", "-"], &valid);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    assert_eq!(stdout(&out), "checked 1 file: no problems\n");

    let broken = format!("{HEAD}  group g needs dbb {{ vm a }}\n  group db {{ vm b }}\n}}\n");
    let out = with_stdin(&sandbox, &["check", "-"], &broken);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    assert!(stdout(&out).contains("[<stdin>:5:17]"), "{}", show(&out));
    assert!(
        stdout(&out).ends_with("checked 1 file: 1 error\n"),
        "{}",
        show(&out)
    );

    let out = with_stdin(&sandbox, &["check", "--format", "json", "-"], &broken);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    let d = &json_of(&out)["diagnostics"][0];
    assert_eq!(d["file"], "<stdin>");
    assert_eq!(
        (d["line"].as_u64(), d["column"].as_u64()),
        (Some(5), Some(17))
    );

    // Not UTF-8: a usage error, as for a file.
    let out = with_stdin(&sandbox, &["check", "-"], b"plan \xff\xfe");
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
    assert!(
        stderr(&out).contains("<stdin> is not UTF-8 text (invalid byte at offset 5)"),
        "{}",
        show(&out)
    );
}

#[test]
fn check_dash_does_not_look_for_scripts_in_the_current_folder() {
    // A plan on stdin has no folder of its own: its scripts cannot be found,
    // so they are not looked for (the quickstart's are in plans/hooks/).
    let sandbox = Sandbox::with_plan("unused", HEAD);
    let plan =
        std::fs::read_to_string(crate::support::root().join("plans/quickstart.drplan")).unwrap();
    let out = with_stdin(&sandbox, &["check", "-"], &plan);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
}

#[test]
fn check_dash_with_files_checks_both() {
    let sandbox = Sandbox::with_plan("p", &format!("{HEAD}  group g {{ vm a }}\n}}\n"));
    let broken = format!("{HEAD}  group g needs dbb {{ vm a }}\n  group db {{ vm b }}\n}}\n");
    let out = with_stdin(&sandbox, &["check", "p.drplan", "-"], &broken);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    assert!(stdout(&out).contains("[<stdin>:5:17]"), "{}", show(&out));
    assert!(
        stdout(&out).ends_with("checked 2 files: 1 error\n"),
        "{}",
        show(&out)
    );
}

// 4. Schedule sums are checked: an overflow is an error, never a wrong total.

/// Two VMs one after the other, each of `each`.
fn chained(each: &str, objectives: &str) -> String {
    format!(
        "{HEAD}{objectives}  group g {{\n    vm a {{ estimate {each} }}\n    vm b {{ estimate {each}  needs a }}\n  }}\n}}\n"
    )
}

#[test]
fn a_dry_run_whose_total_overflows_is_refused() {
    let sandbox = Sandbox::with_plan("p", &chained("200000000000d", ""));
    let out = sandbox.run("failover", &["--dry-run"]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    assert!(!stdout(&out).contains("estimated total"), "{}", show(&out));
    let err = stderr(&out);
    assert!(err.contains("drplan::estimate_overflow"), "{err}");
    assert!(err.contains("[p.drplan:7:8]"), "{err}");
    let out = sandbox.run("failover", &["--dry-run", "--format", "json"]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    // Under JSON the refusal is one error document, with the diagnostics.
    let refusal: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(refusal["error"]["code"], "plan_invalid", "{refusal}");
    assert_eq!(
        refusal["error"]["diagnostics"][0]["code"], "drplan::estimate_overflow",
        "{refusal}"
    );
    // The failback walks the VMs reversed: the same sum, refused too, and
    // `check` says so with the code.
    let out = sandbox.output(&["check", "--format", "json", "p.drplan"]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    let json = json_of(&out);
    let codes: Vec<&str> = json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["drplan::estimate_overflow"]);
    let message = json["diagnostics"][0]["message"].as_str().unwrap();
    assert!(message.contains("failover"), "{message}");
    assert!(message.contains("failback"), "{message}");
}

#[test]
fn an_overflowing_failover_is_no_rto_warning_with_a_wrong_figure() {
    let sandbox = Sandbox::with_plan("p", &chained("200000000000d", "  objectives { rto 1d }\n"));
    let out = sandbox.output(&["check", "p.drplan"]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    let text = stdout(&out);
    assert!(!text.contains("rto_exceeded"), "{text}");
    assert!(text.contains("drplan::estimate_overflow"), "{text}");
}

#[test]
fn large_totals_that_fit_are_exact() {
    let sandbox = Sandbox::with_plan("p", &chained("100000000000d", "  objectives { rto 1d }\n"));
    let out = sandbox.run("failover", &["--dry-run"]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let text = stdout(&out);
    assert!(text.contains("estimated total: 200000000000d\n"), "{text}");
    assert!(
        text.contains("RTO 1d: exceeded by 199999999999d\n"),
        "{text}"
    );
    let json = sandbox.json(&[
        "run",
        "failover",
        "p.drplan",
        "--dry-run",
        "--format",
        "json",
    ]);
    assert_eq!(json["estimate_s"], 200_000_000_000u64 * 86_400);
}

// 5. Credentials in a URL are refused, and no message repeats them.

#[test]
fn urls_with_credentials_are_refused_and_never_repeated() {
    let plan = format!(
        "{HEAD}  group g {{\n    vm a\n    after failover {{\n      webhook \"https://ops:s3cret@hooks.example.com/dns\"\n      probe \"http://probe:s3cret@localhost:8080/health\"\n      webhook \"https://ops:s3cret@exa mple.com/\"\n    }}\n  }}\n}}\n"
    );
    let sandbox = Sandbox::with_plan("p", &plan);
    let out = sandbox.output(&["check", "--format", "json", "p.drplan"]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    let json = json_of(&out);
    let diagnostics = json["diagnostics"].as_array().unwrap();
    assert_eq!(diagnostics.len(), 3, "{json:#}");
    for d in diagnostics {
        assert_eq!(d["code"], "drplan::invalid_value", "{d}");
        // The source snippet shows the plan as written; messages never repeat it.
        let said = format!("{} {} {}", d["message"], d["labels"], d["help"]);
        assert!(!said.contains("s3cret"), "{said}");
    }
    let webhook = &diagnostics[0];
    assert_eq!(webhook["line"], 8);
    assert!(
        webhook["message"].as_str().unwrap().contains("credentials"),
        "{webhook}"
    );
    assert!(
        webhook["help"]
            .as_str()
            .unwrap()
            .contains("headers { Authorization = env(\""),
        "{webhook}"
    );
    assert_eq!(diagnostics[1]["line"], 9);
    assert!(
        diagnostics[1]["message"]
            .as_str()
            .unwrap()
            .contains("credentials"),
        "{}",
        diagnostics[1]
    );
    // Nothing ran, so nothing was journaled or copied.
    let out = sandbox.run("failover", &["--yes"]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    assert!(sandbox.run_ids().is_empty());
}
