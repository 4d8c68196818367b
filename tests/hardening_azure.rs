//! The Azure path against an adversary, through the binary: where the bearer
//! token may go, job ids of a damaged simulated vault, the emulator's memory
//! and links under hostile requests, `status` and `jobs` on an endpoint that
//! does not answer, and ASR's text on the terminal. Each test names what a
//! user relies on; every child gets the sandbox's deadline, so a hang fails
//! the test instead of stalling the suite.

// Helpers outside `#[test]` functions fail with a message, as tests do.
#![allow(clippy::panic)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use serde_json::{Value, json};

use crate::azure_e2e::{Emulator, PLAN};
use crate::support::sandbox::{Sandbox, said, show, stderr, stdout, wait_for_exit};

const TOKEN: &str = "hardening-s3cret-bearer";

const VAULT: &str = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-dr/providers/Microsoft.RecoveryServices/vaults/shop-vault";

/// `cmd` run to its end with its output kept; killed, and the test failed,
/// after the sandbox's deadline.
fn finish(cmd: &mut Command, what: &str) -> Output {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_for_exit(&mut child, what);
    child.wait_with_output().unwrap()
}

/// The binary signed in with a fixed token, talking to `endpoint`.
fn against(sandbox: &Sandbox, endpoint: &str) -> Command {
    let mut cmd = sandbox.drplan();
    cmd.env("DRPLAN_ARM_ENDPOINT", endpoint)
        .env("DRPLAN_ACCESS_TOKEN", TOKEN)
        .env_remove("DRPLAN_STATUS_TIMEOUT")
        .args(["--credential", "token"]);
    cmd
}

/// What a connection to a [`Recorder`] sends first to stop it.
const STOP: &str = "STOP-RECORDER";

/// A loopback listener that keeps the head of every request reaching it and
/// answers each with a canned reply (or hangs up).
struct Recorder {
    addr: SocketAddr,
    seen: Arc<Mutex<Vec<String>>>,
    thread: Option<JoinHandle<()>>,
}

impl Recorder {
    fn start(reply: Option<String>) -> Recorder {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let kept = Arc::clone(&seen);
        let thread = std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let head = read_head(&mut stream);
                if head.starts_with(STOP) {
                    return;
                }
                kept.lock().unwrap().push(head);
                if let Some(reply) = &reply {
                    let _ = stream.write_all(reply.as_bytes());
                }
            }
        });
        Recorder {
            addr,
            seen,
            thread: Some(thread),
        }
    }

    fn port(&self) -> u16 {
        self.addr.port()
    }

    /// Every request head received. Connections are accepted in the order
    /// they were made, so once the stop connection (made now, after the
    /// client exited) is reached, every earlier one has been read.
    fn finish(mut self) -> Vec<String> {
        let mut stop = TcpStream::connect(self.addr).unwrap();
        stop.write_all(format!("{STOP}\r\n\r\n").as_bytes())
            .unwrap();
        if let Some(thread) = self.thread.take() {
            thread.join().unwrap();
        }
        self.seen.lock().unwrap().clone()
    }
}

/// A request's head (up to the blank line), or what came before the client
/// went quiet for a second or hung up.
fn read_head(stream: &mut TcpStream) -> String {
    stream
        .set_read_timeout(Some(Duration::from_secs(1)))
        .unwrap();
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        match stream.read(&mut byte) {
            Ok(1) => head.push(byte[0]),
            _ => break,
        }
    }
    let text = String::from_utf8_lossy(&head).into_owned();
    if text.is_empty() {
        "(connected, sent nothing)".to_owned()
    } else {
        text
    }
}

#[test]
fn the_bearer_token_goes_over_plain_http_only_to_loopback_hosts() {
    let sandbox = Sandbox::with_plan("shop", PLAN);
    let listener = Recorder::start(None);
    let port = listener.port();
    // 0.0.0.0 reaches this machine on Linux, but it names no host: like a
    // trailing-dot `localhost.` (which a resolver may send to DNS) and any
    // other name, it is not a loopback host, and plain http to it is refused
    // before anything is sent.
    for endpoint in [
        format!("http://0.0.0.0:{port}/"),
        format!("http://localhost.:{port}/"),
        format!("http://drplan-probe.invalid:{port}/"),
    ] {
        let out = finish(
            against(&sandbox, &endpoint).args(["status", "shop.drplan"]),
            &endpoint,
        );
        assert_eq!(out.status.code(), Some(1), "{endpoint}: {}", show(&out));
        let said = stderr(&out);
        for words in ["DRPLAN_ARM_ENDPOINT", "https", "loopback"] {
            assert!(said.contains(words), "{endpoint}: no `{words}`: {said}");
        }
        assert!(!said.contains(TOKEN), "{said}");
    }
    let reached = listener.finish();
    assert!(
        reached.is_empty(),
        "requests reached the listener: {reached:?}"
    );
}

#[test]
fn a_redirect_from_resource_manager_is_not_followed() {
    let sandbox = Sandbox::with_plan("shop", PLAN);
    let elsewhere = Recorder::start(None);
    let redirect = format!(
        "HTTP/1.1 307 Temporary Redirect\r\nLocation: http://127.0.0.1:{}/stolen\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
        elsewhere.port()
    );
    let arm = Recorder::start(Some(redirect));
    let endpoint = format!("http://127.0.0.1:{}/", arm.port());
    let out = finish(
        against(&sandbox, &endpoint).args(["status", "shop.drplan"]),
        "status",
    );
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    assert!(stderr(&out).contains("redirect"), "{}", show(&out));
    let asked = arm.finish();
    assert!(
        asked.iter().any(|h| h.contains(TOKEN)),
        "the endpoint itself gets the token: {asked:?}"
    );
    let reached = elsewhere.finish();
    assert!(reached.is_empty(), "the redirect was followed: {reached:?}");
}

const SIM_PLAN: &str = "plan tiny {\n  vault simulator\n  primary \"westeurope\"\n  recovery \"northeurope\"\n  defaults { retries 0 }\n  group g { vm a, b }\n}\n";

#[test]
fn an_exhausted_job_counter_is_refused_before_anything_is_done() {
    let sandbox = Sandbox::with_plan("tiny", SIM_PLAN);
    let out = sandbox.output(&["status", "tiny.drplan"]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let state = sandbox.drplan_dir().join("tiny.vault.json");
    let mut vault: Value = serde_json::from_str(&std::fs::read_to_string(&state).unwrap()).unwrap();
    vault["next_id"] = json!(u64::MAX);
    let damaged = serde_json::to_string_pretty(&vault).unwrap();
    std::fs::write(&state, &damaged).unwrap();

    let out = sandbox.run("failover", &["--format", "json"]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    let said = said(&out);
    assert!(said.contains("next_id"), "{said}");
    assert!(said.contains("tiny.vault.json"), "names the file: {said}");
    assert!(
        sandbox.run_ids().is_empty(),
        "a run was started: {:?}",
        sandbox.run_ids()
    );
    assert_eq!(
        std::fs::read_to_string(&state).unwrap(),
        damaged,
        "the state file changed"
    );
}

/// GET `path` from `addr` with the given `Host` header; the answer's head and body.
fn get_with_host(addr: &str, path: &str, host: &str) -> (String, String) {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(crate::support::sandbox::DEADLINE))
        .unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {TOKEN}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    let (head, body) = answer.split_once("\r\n\r\n").unwrap();
    (head.to_owned(), body.to_owned())
}

#[test]
fn the_emulators_links_lead_to_its_own_address_whatever_the_host_header_says() {
    let sandbox = Sandbox::with_plan("shop", PLAN);
    let emulator = Emulator::start(&sandbox, None);
    let addr = emulator.url.strip_prefix("http://").unwrap();
    let path = format!("{VAULT}/replicationProtectedItems?api-version=2026-05-01");
    let (head, body) = get_with_host(addr, &path, "evil.example");
    assert!(head.starts_with("HTTP/1.1 200"), "{head}\n{body}");
    let page: Value = serde_json::from_str(&body).unwrap();
    let next = page["nextLink"]
        .as_str()
        .unwrap_or_else(|| panic!("{body}"));
    assert!(
        next.starts_with(&format!("{}/subscriptions/", emulator.url)),
        "{next}"
    );
    assert!(!body.contains("evil.example"), "{body}");
}

/// A kept-alive HTTP/1.1 connection that sends GETs and reads whole answers.
struct KeepAlive {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
}

impl KeepAlive {
    fn connect(addr: &str) -> KeepAlive {
        let stream = TcpStream::connect(addr).unwrap();
        stream
            .set_read_timeout(Some(crate::support::sandbox::DEADLINE))
            .unwrap();
        stream.set_nodelay(true).unwrap();
        KeepAlive {
            writer: stream.try_clone().unwrap(),
            reader: BufReader::new(stream),
        }
    }

    /// The status of `GET path` sent with `token`.
    fn get(&mut self, path: &str, token: &str) -> u16 {
        // One write per request: written in pieces, Nagle's algorithm and
        // delayed acknowledgements would cost 40 ms a request.
        let request = format!(
            "GET {path} HTTP/1.1\r\nHost: emulator\r\nAuthorization: Bearer {token}\r\n\r\n"
        );
        self.writer.write_all(request.as_bytes()).unwrap();
        let mut status = String::new();
        self.reader.read_line(&mut status).unwrap();
        let mut length = 0;
        loop {
            let mut line = String::new();
            self.reader.read_line(&mut line).unwrap();
            if line.trim().is_empty() {
                break;
            }
            if let Some((name, value)) = line.split_once(':')
                && name.eq_ignore_ascii_case("content-length")
            {
                length = value.trim().parse().unwrap();
            }
        }
        let mut body = vec![0u8; length];
        self.reader.read_exact(&mut body).unwrap();
        status
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("not an HTTP answer: {status:?}"))
    }
}

/// The resident memory of a process, in KiB.
fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or_else(|| panic!("no VmRSS in {status}"))
}

#[test]
fn many_distinct_tokens_do_not_grow_the_emulators_memory() {
    const TOKENS: usize = 6_000;
    const TOKEN_BYTES: usize = 8 * 1024;
    let sandbox = Sandbox::with_plan("shop", PLAN);
    let emulator = Emulator::start(&sandbox, None);
    let pid = emulator.child.id();
    let mut conn = KeepAlive::connect(emulator.url.strip_prefix("http://").unwrap());
    let filler = "t".repeat(TOKEN_BYTES);
    let token = |i: usize| format!("{i:010}{filler}");
    // Buffers and allocator arenas settle first, so the rest measures what
    // the emulator keeps per token.
    for i in 0..500 {
        assert_eq!(conn.get("/probe", &token(i)), 404);
    }
    let before = rss_kib(pid);
    for i in 500..500 + TOKENS {
        assert_eq!(conn.get("/probe", &token(i)), 404);
    }
    let after = rss_kib(pid);
    // Kept whole, the tokens alone would be 47 MiB; bounded, the growth is
    // allocator noise (0.1 MiB measured).
    assert!(
        after.saturating_sub(before) < 16 * 1024,
        "the emulator grew from {before} KiB to {after} KiB over {TOKENS} tokens of {TOKEN_BYTES} bytes"
    );
}

/// Asserts `drplan ARGS` against `endpoint`, which does not answer, tells
/// what it waits for and gives up with an error after the bound.
fn gives_up_saying_why(sandbox: &Sandbox, endpoint: &str, args: &[&str]) {
    let out = finish(
        against(sandbox, endpoint)
            .env("DRPLAN_STATUS_TIMEOUT", "2s")
            .args(args),
        &format!("{args:?}"),
    );
    assert_eq!(out.status.code(), Some(1), "{args:?}: {}", show(&out));
    let said = stderr(&out);
    for words in [endpoint, "retrying", "2s", "DRPLAN_STATUS_TIMEOUT"] {
        assert!(said.contains(words), "{args:?}: no `{words}`:\n{said}");
    }
    assert!(stdout(&out).is_empty(), "{args:?}: {}", show(&out));
}

#[test]
fn status_and_jobs_on_a_refused_port_say_what_they_wait_for_then_give_up() {
    let sandbox = Sandbox::with_plan("shop", PLAN);
    // A port just freed: nothing listens there.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let endpoint = format!("http://127.0.0.1:{port}/");
    gives_up_saying_why(&sandbox, &endpoint, &["status", "shop.drplan"]);
    gives_up_saying_why(&sandbox, &endpoint, &["jobs", "shop.drplan"]);
}

#[test]
fn status_on_an_endpoint_that_never_answers_says_so_then_gives_up() {
    let sandbox = Sandbox::with_plan("shop", PLAN);
    // The kernel completes connections to a bound socket that never accepts:
    // the request is sent and no answer ever comes.
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("http://{}/", silent.local_addr().unwrap());
    gives_up_saying_why(&sandbox, &endpoint, &["status", "shop.drplan"]);
    gives_up_saying_why(
        &sandbox,
        &endpoint,
        &["run", "failover", "shop.drplan", "--dry-run", "--online"],
    );
    drop(silent);
}

#[test]
fn asr_text_is_escaped_in_the_human_output_of_status_and_jobs() {
    let hostile = "\u{1b}]0;owned\u{7}\u{1b}[2J\u{202e}";
    let faults = json!({
        "operations": [{"vm": "sql-02", "operation": "failover", "effect": "fail", "times": 1,
                        "code": format!("Code{hostile}"),
                        "message": format!("replica down {hostile}"),
                        "possible_causes": format!("cause {hostile}"),
                        "recommended_action": format!("act {hostile}")}],
        "health": [{"vm": "app-01", "health": "warning", "kind": "software_update",
                    "code": "VersionExpiry", "message": format!("agent expires {hostile}"),
                    "possible_causes": format!("old {hostile}"),
                    "recommended_action": format!("update {hostile}")}]
    })
    .to_string();
    let sandbox = Sandbox::with_plan("shop", PLAN);
    let emulator = Emulator::start(&sandbox, Some(&faults));
    let out = emulator.drplan(&sandbox, &["run", "failover", "shop.drplan"]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    for args in [["status", "shop.drplan"], ["jobs", "shop.drplan"]] {
        let out = emulator.drplan(&sandbox, &args);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", show(&out));
        let text = stdout(&out);
        assert!(
            !text.contains(['\u{1b}', '\u{7}', '\u{202e}']),
            "{args:?}: raw control characters in:\n{text:?}"
        );
        assert!(
            text.contains(r"\x1b]0;owned\x07\x1b[2J\u{202e}"),
            "{args:?}: the escaped text is missing:\n{text}"
        );
    }
}
