//! `drplan fmt`: reviewed snapshots of messy inputs, idempotence, and a
//! formatted file that checks exactly as its original did.

use crate::support;

#[test]
fn fixtures_format_to_reviewed_snapshots() {
    insta::glob!("fixtures/fmt/*.drplan", |path| {
        let source = support::read(path);
        let formatted = drplan::fmt::format_text(&source.text).unwrap();
        insta::assert_snapshot!(formatted);
    });
}

#[test]
fn formatting_is_idempotent_and_keeps_meaning() {
    let mut files = support::plans();
    for dir in ["tests/fixtures/fmt", "tests/fixtures/check/ok"] {
        for e in std::fs::read_dir(support::root().join(dir)).unwrap() {
            let p = e.unwrap().path();
            if p.extension().is_some_and(|x| x == "drplan") {
                files.push(p);
            }
        }
    }
    for path in files {
        let source = support::read(&path);
        let once = drplan::fmt::format_text(&source.text).unwrap();
        let twice = drplan::fmt::format_text(&once).unwrap();
        assert_eq!(
            once,
            twice,
            "{} is not a fixed point",
            source.display_path()
        );
        // Comments are all kept.
        assert_eq!(
            source.text.matches('#').count(),
            once.matches('#').count(),
            "{}",
            source.display_path()
        );
        // Same graph before and after (names, order, hooks); check with paths relative to the file.
        let before = drplan::compile(&source).0.unwrap();
        let after = drplan::compile(&drplan::SourceFile::new(&source.path, once.as_str()))
            .0
            .unwrap();
        for op in drplan::graph::Operation::ALL {
            let a =
                serde_json::to_string(&drplan::graph::build(&before, op, None).to_json()).unwrap();
            let b =
                serde_json::to_string(&drplan::graph::build(&after, op, None).to_json()).unwrap();
            assert_eq!(a, b, "{} {op}", source.display_path());
        }
    }
}

#[test]
fn example_plans_are_formatted() {
    for path in support::plans() {
        let source = support::read(&path);
        assert_eq!(
            drplan::fmt::format_text(&source.text).unwrap(),
            *source.text,
            "run `drplan fmt {}`",
            source.display_path()
        );
    }
}

#[test]
fn files_with_syntax_errors_are_not_formatted() {
    assert_eq!(
        drplan::fmt::format_text("plan p {\n  vault simulator\n"),
        None
    );
    assert_eq!(drplan::fmt::format_text("plan p { timeout = = }"), None);
}

#[test]
fn crlf_and_missing_final_newline_are_normalised() {
    let text = "plan p {\r\n  vault simulator # c\r\n  primary \"westeurope\"\r\n\r\n\r\n  recovery \"northeurope\"\r\n  group g { vm a }\r\n}";
    let formatted = drplan::fmt::format_text(text).unwrap();
    assert_eq!(
        formatted,
        "plan p {\n  vault simulator  # c\n  primary \"westeurope\"\n\n  recovery \"northeurope\"\n  group g {\n    vm a\n  }\n}\n"
    );
    assert_eq!(support::codes(text), support::codes(&formatted));
}
