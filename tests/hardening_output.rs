//! The binary and text from outside: a hook's output and a webhook's answer
//! reach the terminal with their control characters shown, not obeyed; a
//! secret too short to redact is left alone and the run says so; a script
//! whose interpreter is missing is named as such.

use std::io::{Read as _, Write as _};
use std::net::TcpListener;

use crate::hardening_run::script;
use crate::support::sandbox::{Sandbox, one_vm_plan, show, stderr, stdout};

/// Bytes a terminal would obey: ESC, BEL, NUL, CSI (C1), and RLO.
const RAW: [&str; 5] = ["\u{1b}", "\u{7}", "\u{0}", "\u{9b}", "\u{202e}"];

fn assert_no_raw_controls(text: &str, what: &str) {
    for c in RAW {
        assert!(
            !text.contains(c),
            "{what} holds a raw {:?}:\n{text}",
            c.escape_unicode().to_string()
        );
    }
}

/// A loopback HTTP server that answers every request `500` with `body`.
fn failing_server(body: &'static str) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut buf = [0u8; 4096];
            let _ = stream.read(&mut buf);
            let reply = format!(
                "HTTP/1.1 500 Internal Server Error\r\ncontent-type: text/plain\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = stream.write_all(reply.as_bytes());
        }
    });
    port
}

#[test]
fn hook_output_and_webhook_answers_are_escaped_on_the_terminal() {
    let port = failing_server("\u{1b}[2J\u{1b}]0;owned\u{7}all good\u{202e}");
    let plan = one_vm_plan(
        "noisy",
        &format!(
            "script \"hooks/noisy.sh\" {{ on_error continue }}\n      webhook \"http://127.0.0.1:{port}/hook\" {{ on_error continue }}"
        ),
    );
    let sandbox = Sandbox::with_plan("noisy", &plan);
    script(
        &sandbox,
        "hooks/noisy.sh",
        "#!/bin/sh\nprintf 'step one\\n\\033]0;owned\\007\\033[1A\\033[2Ksucceeded\\000\\r\\n\\302\\233'\nexit 3\n",
    );
    let out = sandbox.run("failover", &[]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let text = format!("{}{}", stdout(&out), stderr(&out));
    assert_no_raw_controls(&text, "the run's output");
    assert!(
        text.contains("\\x1b]0;owned\\x07\\x1b[1A\\x1b[2Ksucceeded\\x00"),
        "the script's output is shown escaped: {}",
        show(&out)
    );
    assert!(
        text.contains("\\x1b[2J\\x1b]0;owned\\x07all good\\u{202e}"),
        "the webhook's answer is shown escaped: {}",
        show(&out)
    );
}

#[test]
fn a_secret_too_short_to_redact_is_left_alone_and_the_run_says_so() {
    let plan = one_vm_plan(
        "short",
        r#"script "hooks/fruit.sh" { env { PIN = env("DRPLAN_TEST_PIN") } }"#,
    );
    let sandbox = Sandbox::with_plan("short", &plan);
    script(
        &sandbox,
        "hooks/fruit.sh",
        "#!/bin/sh\necho 'banana split'\nexit 1\n",
    );
    let out = sandbox
        .drplan()
        .args(["run", "failover", "short.drplan"])
        .env("DRPLAN_TEST_PIN", "a")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    assert!(
        stdout(&out).contains("| banana split"),
        "the output is not blanked: {}",
        show(&out)
    );
    assert!(
        stderr(&out).contains("`DRPLAN_TEST_PIN` is shorter than 8 characters")
            && stderr(&out).contains("not redacted"),
        "{}",
        show(&out)
    );
}

#[test]
fn a_missing_interpreter_is_named() {
    let plan = one_vm_plan(
        "interp",
        "script \"hooks/missing.sh\"\n      script \"hooks/crlf.sh\"",
    );
    for (name, body, want) in [
        (
            "missing.sh",
            "#!/opt/nowhere/python3 -u\nprint('hi')\n",
            "the interpreter `/opt/nowhere/python3` named on its first line (`#!/opt/nowhere/python3 -u`) does not exist",
        ),
        (
            "crlf.sh",
            "#!/bin/sh\r\necho hi\r\n",
            "its first line `#!/bin/sh\\r` ends with a carriage return (Windows line endings)",
        ),
    ] {
        let sandbox = Sandbox::with_plan("interp", &plan);
        script(&sandbox, "hooks/missing.sh", "#!/bin/sh\nexit 0\n");
        script(&sandbox, "hooks/crlf.sh", "#!/bin/sh\nexit 0\n");
        script(&sandbox, &format!("hooks/{name}"), body);
        let out = sandbox.run("failover", &[]);
        assert_eq!(out.status.code(), Some(1), "{}", show(&out));
        assert!(
            stdout(&out).contains(want) || stderr(&out).contains(want),
            "{name}: {}",
            show(&out)
        );
    }
}
