//! Secrets through the binary: a secret read with `env("NAME")` never
//! reaches the output, the journal or the simulated vault, and one that is
//! not set stops the run before anything is done.

// The helpers fail the test with a message saying what went wrong.
#![allow(clippy::panic)]

use std::io::{Read as _, Write as _};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::mpsc;

use crate::support::sandbox::{DEADLINE, Sandbox, show, stderr, stdout};

const SECRET: &str = "s3cr3t-value-9f8e";
/// A secret only the webhook uses, which the script still inherits.
const OTHER_SECRET: &str = "0ther-s3cr3t-77aa";

/// A loopback HTTP server answering 200 to everything; each request's
/// head (request line and headers) arrives on the channel.
fn webhook_server() -> (u16, mpsc::Receiver<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut data = Vec::new();
            let mut buf = [0u8; 4096];
            // The head, then as much body as Content-Length says.
            let head_end = loop {
                let Ok(n) = stream.read(&mut buf) else {
                    break None;
                };
                if n == 0 {
                    break None;
                }
                data.extend_from_slice(&buf[..n]);
                if let Some(i) = data.windows(4).position(|w| w == b"\r\n\r\n") {
                    break Some(i + 4);
                }
            };
            let Some(head_end) = head_end else { continue };
            let head = String::from_utf8_lossy(&data[..head_end]).into_owned();
            let length: usize = head
                .lines()
                .find_map(|l| {
                    let (k, v) = l.split_once(':')?;
                    k.eq_ignore_ascii_case("content-length")
                        .then(|| v.trim().parse().ok())?
                })
                .unwrap_or(0);
            while data.len() < head_end + length {
                match stream.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => data.extend_from_slice(&buf[..n]),
                }
            }
            let _ = stream
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
            if tx.send(head).is_err() {
                return;
            }
        }
    });
    (port, rx)
}

/// Every file below `dir`, recursively.
fn files_below(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files_below(&path, out);
        } else {
            out.push(path);
        }
    }
}

#[test]
fn secrets_never_leak_into_output_journal_or_vault() {
    let (port, requests) = webhook_server();
    let plan = format!(
        r#"plan secrets {{
  vault simulator
  primary "westeurope"
  recovery "northeurope"
  defaults {{ retries 0 }}
  group g {{
    vm a
    after failover {{
      webhook "http://127.0.0.1:{port}/" {{ headers {{ Authorization = env("DRPLAN_TEST_SECRET")  X-Other = env("DRPLAN_OTHER_SECRET") }} }}
      script "leak.sh" {{ env {{ TOKEN = env("DRPLAN_TEST_SECRET") }} }}
    }}
  }}
}}
"#
    );
    let sandbox = Sandbox::with_plan("secrets", &plan);
    let script = sandbox.path().join("leak.sh");
    // Prints its own secret and one it only inherits, and fails, so that
    // drplan reports its output's tail.
    std::fs::write(
        &script,
        "#!/bin/sh\necho \"token is $TOKEN\"\necho \"inherited $DRPLAN_OTHER_SECRET\"\nexit 1\n",
    )
    .unwrap();
    std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();

    let mut outputs = Vec::new();
    for (args, what) in [
        (
            &["run", "failover", "secrets.drplan", "--format", "json"][..],
            "json",
        ),
        (
            &["-vvv", "run", "failover", "secrets.drplan"][..],
            "human -vvv",
        ),
    ] {
        // The second run needs the VM back where it started.
        let _ = std::fs::remove_file(sandbox.drplan_dir().join("secrets.vault.json"));
        let out = sandbox
            .drplan()
            .args(args)
            .env("DRPLAN_TEST_SECRET", SECRET)
            .env("DRPLAN_OTHER_SECRET", OTHER_SECRET)
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(1),
            "{what}: the script fails\n{}",
            show(&out)
        );
        let head = requests
            .recv_timeout(DEADLINE)
            .unwrap_or_else(|_| panic!("{what}: the webhook was not called\n{}", show(&out)));
        assert!(
            head.lines()
                .any(|l| l.to_ascii_lowercase() == format!("authorization: {SECRET}")),
            "{what}: the webhook should receive the secret in its Authorization header:\n{head}"
        );
        outputs.push((what, out));
    }

    let (_, human) = &outputs[1];
    assert!(
        stderr(human).contains("TRACE"),
        "-vvv should log at trace level\n{}",
        show(human)
    );
    for (what, out) in &outputs {
        assert!(
            stdout(out).contains("token is "),
            "{what}: the failed script's output should be reported\n{}",
            show(out)
        );
        assert!(
            stdout(out).contains("inherited ***"),
            "{what}: an inherited secret is redacted too\n{}",
            show(out)
        );
        for (stream, text) in [("stdout", stdout(out)), ("stderr", stderr(out))] {
            assert!(
                !text.contains(SECRET) && !text.contains(OTHER_SECRET),
                "{what}: a secret is on {stream}\n{text}"
            );
        }
    }
    assert_no_secret_below(&sandbox);
}

/// Neither secret in any file drplan keeps (both runs' journals, plan
/// copies, the vault state).
fn assert_no_secret_below(sandbox: &Sandbox) {
    let mut files = Vec::new();
    files_below(&sandbox.drplan_dir(), &mut files);
    let journals = files
        .iter()
        .filter(|f| f.ends_with("journal.jsonl"))
        .count();
    assert_eq!(journals, 2, "{files:?}");
    assert!(
        files.iter().any(|f| f.ends_with("secrets.vault.json")),
        "{files:?}"
    );
    for file in &files {
        let text = String::from_utf8_lossy(&std::fs::read(file).unwrap()).into_owned();
        assert!(
            !text.contains(SECRET) && !text.contains(OTHER_SECRET),
            "a secret is in {}",
            file.display()
        );
    }
}

#[test]
fn a_secret_that_is_not_set_stops_the_run_before_anything_is_done() {
    let plan = r#"plan secrets {
  vault simulator
  primary "westeurope"
  recovery "northeurope"
  group g {
    vm a
    after failover { webhook "http://127.0.0.1:9/" { headers { Authorization = env("DRPLAN_TEST_SECRET") } } }
  }
}
"#;
    let sandbox = Sandbox::with_plan("secrets", plan);
    let out = sandbox.run("failover", &[]);
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
    assert!(
        stderr(&out).contains("read `DRPLAN_TEST_SECRET` from the environment, which is not set"),
        "{}",
        show(&out)
    );
    assert!(sandbox.run_ids().is_empty(), "nothing was done");
}
