//! The Azurite harness itself (tests/support/azurite.rs): the emulator
//! starts, takes the SAS and the token the helpers make, refuses what they
//! do not allow, serves https with the test CA, and keeps its data across a
//! stop and a start.

use std::net::{Ipv4Addr, TcpStream};

use reqwest::StatusCode;

use crate::support::azurite::{self, Azurite, Mode};

#[tokio::test]
async fn a_full_sas_creates_a_container_and_writes_and_reads_blobs() {
    let azurite = Azurite::start();
    assert_eq!(azurite.mode(), Mode::Http);
    assert_eq!(
        azurite.state_url("runs"),
        format!("http://127.0.0.1:{}/devstoreaccount1/runs", azurite.port())
    );
    azurite.create_container("runs").await;
    azurite
        .put_blob("runs", "a/journal.jsonl", "{\"step\":1}\n")
        .await;
    azurite.put_blob("runs", "b", "not json").await;

    assert_eq!(
        azurite.get_blob("runs", "a/journal.jsonl").await.unwrap(),
        b"{\"step\":1}\n"
    );
    assert_eq!(azurite.get_blob("runs", "missing").await, None);
    assert_eq!(azurite.list_blobs("runs").await, ["a/journal.jsonl", "b"]);
}

#[tokio::test]
async fn a_read_only_sas_reads_but_is_refused_writing() {
    let azurite = Azurite::start();
    azurite.create_container("runs").await;
    azurite.put_blob("runs", "plan", "old").await;
    let read_only = azurite.sas_url("runs", "rl");
    let (base, query) = read_only.split_once('?').unwrap();
    let client = azurite.client();

    let read = client
        .get(format!("{base}/plan?{query}"))
        .send()
        .await
        .unwrap();
    assert_eq!(read.status(), StatusCode::OK);
    let write = client
        .put(format!("{base}/plan?{query}"))
        .header("x-ms-blob-type", "BlockBlob")
        .body("new")
        .send()
        .await
        .unwrap();
    assert_eq!(write.status(), StatusCode::FORBIDDEN);
    assert_eq!(azurite.get_blob("runs", "plan").await.unwrap(), b"old");
}

#[tokio::test]
async fn https_azurite_takes_a_bearer_token_from_a_client_that_trusts_the_test_ca() {
    let azurite = Azurite::start_https();
    let url = azurite.https_state_url("runs");
    assert!(url.starts_with("https://127.0.0.1:"), "{url}");
    let create = |client: reqwest::Client, token: Option<String>| {
        let url = format!("{url}?restype=container");
        async move {
            let mut request = client.put(url).header("x-ms-version", "2021-08-06");
            if let Some(token) = token {
                request = request.bearer_auth(token);
            }
            request.send().await
        }
    };

    // No token: Azurite refuses; a client that does not know the CA does
    // not get as far as asking.
    let anonymous = create(azurite.client(), None).await.unwrap();
    assert_eq!(anonymous.status(), StatusCode::FORBIDDEN);
    let untrusting = reqwest::Client::builder()
        .tls_certs_only([])
        .build()
        .unwrap();
    let refused = create(untrusting, Some(azurite::token()))
        .await
        .unwrap_err();
    assert!(refused.is_connect(), "{refused:?}");

    let created = create(azurite.client(), Some(azurite::token()))
        .await
        .unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);
    // The SAS helpers work over https as well.
    azurite.put_blob("runs", "plan", "text").await;
    assert_eq!(azurite.list_blobs("runs").await, ["plan"]);
}

#[tokio::test]
async fn a_stopped_azurite_refuses_connections_and_keeps_its_blobs_when_started_again() {
    let mut azurite = Azurite::start();
    azurite.create_container("runs").await;
    azurite.put_blob("runs", "journal", "kept").await;
    let port = azurite.port();

    azurite.stop();
    assert!(!azurite.is_running());
    assert!(TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_err());
    let unreachable = azurite
        .client()
        .get(azurite.sas_url("runs", "rl"))
        .send()
        .await;
    assert!(unreachable.unwrap_err().is_connect());

    azurite.start_again();
    assert!(azurite.is_running());
    assert_eq!(azurite.port(), port);
    assert_eq!(azurite.get_blob("runs", "journal").await.unwrap(), b"kept");
}

#[tokio::test]
async fn a_given_data_folder_is_where_azurite_keeps_its_blobs() {
    let folder = tempfile::tempdir().unwrap();
    let first = Azurite::start_with(Mode::Http, Some(folder.path()));
    assert_eq!(first.location(), folder.path());
    first.create_container("runs").await;
    first.put_blob("runs", "journal", "shared").await;
    drop(first);

    // Another server (another port) on the same folder sees the blob.
    let second = Azurite::start_with(Mode::Http, Some(folder.path()));
    assert_eq!(second.get_blob("runs", "journal").await.unwrap(), b"shared");
}

/// drplan's own clients (reqwest with rustls and the platform verifier,
/// no roots of their own) trust the test CA when `SSL_CERT_FILE` names it,
/// and refuse Azurite's certificate without it: shown with `drplan runs`
/// against https Azurite, signed in with a token.
#[test]
fn ssl_cert_file_makes_drplan_trust_the_test_ca() {
    let azurite = Azurite::start_https();
    crate::support::state::block(azurite.create_container("runs"));
    let url = azurite.https_state_url("runs");
    let dir = tempfile::tempdir().unwrap();
    let runs = |ca: Option<&std::path::Path>| {
        let mut command = crate::support::state::drplan_in(dir.path());
        command
            .args(["runs", "--state", &url, "--credential", "token"])
            .env("DRPLAN_ACCESS_TOKEN", azurite::token())
            .env_remove("SSL_CERT_FILE")
            .env_remove("SSL_CERT_DIR");
        if let Some(ca) = ca {
            command.env("SSL_CERT_FILE", ca);
        }
        command.output().unwrap()
    };
    let trusted = runs(Some(&azurite::ca_file()));
    assert_eq!(trusted.status.code(), Some(0), "{trusted:?}");
    assert!(
        String::from_utf8_lossy(&trusted.stdout).contains("no runs yet"),
        "{trusted:?}"
    );
    let untrusted = runs(None);
    assert_eq!(untrusted.status.code(), Some(1), "{untrusted:?}");
    let said = String::from_utf8_lossy(&untrusted.stderr);
    assert!(said.contains("cannot reach"), "{said}");
    assert!(said.contains("UnknownIssuer"), "{said}");
}

#[test]
fn the_token_names_the_user_and_tenant_for_storage() {
    let token = azurite::token();
    let parts: Vec<&str> = token.split('.').collect();
    assert_eq!(parts.len(), 3);
    let claims: serde_json::Value =
        serde_json::from_slice(&azure_core::base64::decode_url_safe(parts[1]).unwrap()).unwrap();
    assert_eq!(claims["upn"], azurite::UPN);
    assert_eq!(claims["aud"], "https://storage.azure.com");
    assert_eq!(
        claims["iss"],
        format!("https://sts.windows.net/{}/", azurite::TENANT)
    );
    assert_eq!(azurite::token_for("ops@contoso.com").split('.').count(), 3);
}
