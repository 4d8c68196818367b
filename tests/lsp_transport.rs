//! `drplan lsp` fed what no editor should send, through the real binary's
//! stdin: bodies that are not JSON, JSON that is no JSON-RPC message, broken
//! or missing headers, frames over the size cap, input that stops inside a
//! frame. Each gets an error answer (or is dropped) and the server goes on,
//! or ends cleanly at the end of its input.

use serde_json::{Value, json};

use crate::support::lsp_client::{Client, URI};
use crate::support::sandbox::wait_for_exit;

/// The largest frame the server reads (its documented cap).
const CAP: usize = 64 * 1024 * 1024;

const PLAN: &str = "plan p {\n  vault simulator\n  primary \"westeurope\"\n  recovery \"northeurope\"\n  group db { vm d }\n}\n";

fn frame(body: &[u8]) -> Vec<u8> {
    let mut frame = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
    frame.extend_from_slice(body);
    frame
}

/// The error answer to a message the server could not read, which has no id.
fn unreadable(client: &mut Client, code: i64) -> Value {
    let error = client.wait_for(|m| m["id"].is_null() && m.get("error").is_some());
    assert_eq!(error["error"]["code"], code, "{error}");
    assert_eq!(error["jsonrpc"], "2.0", "{error}");
    error
}

/// The server still serves: it outlines a document opened now.
fn still_serves(client: &mut Client) {
    client.open(PLAN);
    let symbols = client.request(
        "textDocument/documentSymbol",
        json!({ "textDocument": { "uri": URI } }),
    );
    assert_eq!(symbols[0]["name"], "p", "{symbols}");
}

#[test]
fn bodies_that_are_not_json_get_a_parse_error_and_the_server_goes_on() {
    let mut client = Client::start();
    let bodies: [&[u8]; 4] = [
        br#"{"jsonrpc":"2.0","id":1,"method":"#,
        // Valid JSON syntax, but `\ud800` is half a character: no string holds it.
        br#"{"jsonrpc":"2.0","method":"textDocument/didOpen","params":{"textDocument":{"uri":"file:///x.drplan","languageId":"drplan","version":1,"text":"\ud800"}}}"#,
        br#"{"jsonrpc":"2.0","id":2,"method":"shutdown","params":"\udc00"}"#,
        b"{\"jsonrpc\":\"2.0\",\"method\":\"x\",\"params\":\"\xff\"}",
    ];
    for body in bodies {
        client.send_raw(&frame(body));
        let error = unreadable(&mut client, -32700);
        let message = error["error"]["message"].as_str().unwrap();
        assert!(message.contains("not valid JSON"), "{error}");
    }
    still_serves(&mut client);
    client.shutdown();
}

#[test]
fn json_that_is_no_json_rpc_message_is_refused_when_it_has_an_id_and_dropped_otherwise() {
    let mut client = Client::start();
    let refused = [
        (json!({ "jsonrpc": "2.0", "id": 5 }), json!(5)),
        (
            json!({ "jsonrpc": "2.0", "id": "x", "method": 42 }),
            json!("x"),
        ),
        // An id JSON-RPC does not allow (an object) is answered with `null`.
        (
            json!({ "jsonrpc": "2.0", "id": { "a": 1 }, "method": "shutdown" }),
            Value::Null,
        ),
    ];
    for (message, id) in refused {
        client.send_raw(&frame(message.to_string().as_bytes()));
        let error = client.wait_for(|m| m.get("error").is_some());
        assert_eq!(error["id"], id, "{error}");
        assert_eq!(error["error"]["code"], -32600, "{error}");
    }
    // No id, no answer: nothing comes before the next request's response.
    for dropped in [
        "[1, 2]",
        "\"hi\"",
        "{\"jsonrpc\":\"2.0\"}",
        "{\"method\":7}",
    ] {
        client.send_raw(&frame(dropped.as_bytes()));
    }
    still_serves(&mut client);
    assert_eq!(client.take_pending(), Vec::<Value>::new());
    client.shutdown();
}

#[test]
fn broken_headers_are_answered_and_the_next_frame_is_served() {
    let mut client = Client::start();
    // Each broken frame carries a `shutdown`: served by mistake, every
    // request after it would be refused.
    let body = br#"{"jsonrpc":"2.0","id":90,"method":"shutdown"}"#;
    let length = body.len();
    let headers = [
        "Content-Type: application/vscode-jsonrpc; charset=utf-8\r\n".to_owned(),
        "Content-Length: forty\r\n".to_owned(),
        "Content-Length: -5\r\n".to_owned(),
        format!("Content-Length: {length}\r\nContent-Length: {length}\r\n"),
        format!("Content-Length {length}\r\n"),
        format!("Content-Length: {length}\r\nnot a header\r\n"),
        format!("Content-Length: {length}\r\n: no name\r\n"),
    ];
    for header in headers {
        let mut broken = format!("{header}\r\n").into_bytes();
        broken.extend_from_slice(body);
        client.send_raw(&broken);
        unreadable(&mut client, -32700);
        still_serves(&mut client);
    }
    // A length shorter than the body: what is read is no JSON, the rest is
    // dropped up to the next frame's header.
    let mut short = format!("Content-Length: {}\r\n\r\n", length - 10).into_bytes();
    short.extend_from_slice(body);
    client.send_raw(&short);
    unreadable(&mut client, -32700);
    still_serves(&mut client);
    client.shutdown();
}

#[test]
fn a_frame_over_the_cap_is_refused_and_skipped_without_being_held() {
    let mut client = Client::start();
    // A valid request padded to one byte over the cap: refused unread.
    let mut body = br#"{"jsonrpc":"2.0","id":91,"method":"shutdown""#.to_vec();
    body.resize(CAP, b' ');
    body.push(b'}');
    client.send_raw(&frame(&body));
    let error = unreadable(&mut client, -32700);
    let message = error["error"]["message"].as_str().unwrap();
    assert!(message.contains("64 MiB"), "{error}");
    still_serves(&mut client);
    // Skipped as it came, not held: the server never grew to the frame's size.
    let peak = client.peak_memory();
    assert!(peak < CAP as u64, "peak memory {peak} bytes");
    client.shutdown();
}

#[test]
fn an_absurd_content_length_is_refused_and_the_end_of_input_ends_the_server_cleanly() {
    let mut client = Client::start();
    client.send_raw(b"Content-Length: 99999999999999\r\n\r\n{\"jsonrpc\":\"2.0\"}");
    unreadable(&mut client, -32700);
    client.close_stdin();
    let status = wait_for_exit(client.child(), "drplan lsp");
    assert!(status.success(), "drplan lsp exited with {status}");
}

#[test]
fn input_that_ends_inside_a_frame_ends_the_server_cleanly() {
    let cuts: [&[u8]; 3] = [
        b"Content-Length: 100\r\n\r\n{\"jsonrpc\"",
        b"Content-Len",
        b"Content-Length: 100\r\n",
    ];
    for cut in cuts {
        let mut client = Client::start();
        client.send_raw(cut);
        client.close_stdin();
        let status = wait_for_exit(client.child(), "drplan lsp");
        assert!(
            status.success(),
            "{:?}: drplan lsp exited with {status}",
            String::from_utf8_lossy(cut)
        );
    }
}
