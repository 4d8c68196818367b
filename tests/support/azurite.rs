//! Azurite, the Azure Storage emulator, as the run-state tests use it: a
//! blob server started by the test on a free loopback port with its own data
//! folder, stopped by its own PID when dropped. Out come its URLs (state
//! URLs as `--state` takes them, with or without a SAS), credentials (an
//! account SAS, an Entra-style token), the test CA for https, and direct
//! blob access for setting up and inspecting storage behind drplan's back.
//!
//! Two modes: [`Mode::Http`] (SAS or shared key, as with `--state
//! http://127.0.0.1:…?<sas>`) and [`Mode::Https`] (`--oauth basic`, a
//! bearer token, a certificate from the test CA; Azurite accepts tokens on
//! https only).

// A harness that cannot start fails the test by panicking, saying why.
#![allow(clippy::panic)]

mod auth;
pub(crate) mod install;
mod tls;

use std::fs::File;
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use reqwest::StatusCode;
use tempfile::TempDir;

pub(crate) use auth::{ACCOUNT, TENANT, UPN, token_for};

/// How long a start may take before the test fails (node loads ~180 MB of
/// modules; a busy CI machine is slow).
const START_TIMEOUT: Duration = Duration::from_secs(60);
/// How long a stopped server has to exit after SIGTERM before SIGKILL.
const STOP_GRACE: Duration = Duration::from_secs(5);
/// How often a starting or stopping server is looked at.
const POLL: Duration = Duration::from_millis(50);
/// A fresh port can be taken by another process between our probe and
/// Azurite's bind; the start is tried again on another port.
const START_TRIES: u32 = 3;
/// The REST version the helpers below send.
const API_VERSION: &str = "2021-08-06";

/// How Azurite listens and whom it lets in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Mode {
    /// Plain http: account SAS (or shared key) only.
    Http,
    /// https with the test CA's certificate, and `--oauth basic`: bearer
    /// tokens (see [`token`]) as well as SAS.
    Https,
}

/// Where Azurite keeps its data.
enum Location {
    Own(TempDir),
    Given(PathBuf),
}

/// A running (or stopped) Azurite blob server.
pub(crate) struct Azurite {
    mode: Mode,
    port: u16,
    location: Location,
    /// Azurite's stdout and stderr, shown when it fails to start.
    log: TempDir,
    child: Option<Child>,
}

impl Azurite {
    /// An http Azurite with a fresh data folder.
    pub(crate) fn start() -> Azurite {
        Azurite::start_with(Mode::Http, None)
    }

    /// An https Azurite that accepts bearer tokens ([`token`]); clients
    /// trust [`ca_file`].
    pub(crate) fn start_https() -> Azurite {
        Azurite::start_with(Mode::Https, None)
    }

    /// An Azurite in `mode`, keeping its data in `location` (created if
    /// missing; kept afterwards) or in a fresh temporary folder.
    pub(crate) fn start_with(mode: Mode, location: Option<&Path>) -> Azurite {
        let location = match location {
            Some(path) => {
                std::fs::create_dir_all(path).unwrap();
                Location::Given(path.to_path_buf())
            }
            None => Location::Own(tempfile::tempdir().unwrap()),
        };
        let mut azurite = Azurite {
            mode,
            port: 0,
            location,
            log: tempfile::tempdir().unwrap(),
            child: None,
        };
        let mut failures = Vec::new();
        for _ in 0..START_TRIES {
            azurite.port = free_port();
            match azurite.launch() {
                Ok(()) => return azurite,
                Err(failure) => failures.push(failure),
            }
        }
        panic!("Azurite did not start:\n{}", failures.join("\n"));
    }

    /// Stops the server (SIGTERM, then SIGKILL after a few seconds); its
    /// port refuses connections until [`Azurite::start_again`]. Stopping a
    /// stopped server does nothing.
    pub(crate) fn stop(&mut self) {
        let Some(mut child) = self.child.take() else {
            return;
        };
        let pid = Pid::from_raw(i32::try_from(child.id()).unwrap());
        // The process may have died already; `wait` below reaps it anyway.
        let _ = kill(pid, Signal::SIGTERM);
        let deadline = Instant::now() + STOP_GRACE;
        while Instant::now() < deadline {
            if child.try_wait().unwrap().is_some() {
                return;
            }
            std::thread::sleep(POLL);
        }
        let _ = child.kill();
        let _ = child.wait();
    }

    /// Starts the stopped server again on the same port and data folder:
    /// what was stored before is there again.
    pub(crate) fn start_again(&mut self) {
        assert!(self.child.is_none(), "Azurite is running already");
        if let Err(failure) = self.launch() {
            panic!(
                "Azurite did not start again on port {}: {failure}",
                self.port
            );
        }
    }

    /// Whether the server is running (not stopped).
    pub(crate) fn is_running(&self) -> bool {
        self.child.is_some()
    }

    pub(crate) fn mode(&self) -> Mode {
        self.mode
    }

    pub(crate) fn port(&self) -> u16 {
        self.port
    }

    /// Azurite's data folder.
    pub(crate) fn location(&self) -> &Path {
        match &self.location {
            Location::Own(dir) => dir.path(),
            Location::Given(path) => path,
        }
    }

    /// The account's service URL, path-style and without a trailing slash
    /// (`http://127.0.0.1:PORT/devstoreaccount1`; https in [`Mode::Https`]).
    pub(crate) fn service_url(&self) -> String {
        let scheme = match self.mode {
            Mode::Http => "http",
            Mode::Https => "https",
        };
        format!("{scheme}://127.0.0.1:{}/{ACCOUNT}", self.port)
    }

    /// A state URL without credentials: `{service_url}/{container}`.
    pub(crate) fn state_url(&self, container: &str) -> String {
        format!("{}/{container}", self.service_url())
    }

    /// The https state URL of a [`Mode::Https`] server (for a token).
    pub(crate) fn https_state_url(&self, container: &str) -> String {
        assert_eq!(self.mode, Mode::Https, "this Azurite speaks http");
        self.state_url(container)
    }

    /// A state URL with an account SAS allowing `permissions` (`racwdl` for
    /// everything drplan does, `rl` for read-only).
    pub(crate) fn sas_url(&self, container: &str, permissions: &str) -> String {
        format!("{}?{}", self.state_url(container), sas(permissions))
    }

    /// An HTTP client for this server: in [`Mode::Https`] it trusts the
    /// test CA, and only it.
    pub(crate) fn client(&self) -> reqwest::Client {
        let builder = reqwest::Client::builder();
        match self.mode {
            Mode::Http => builder,
            Mode::Https => builder.tls_certs_only([ca_certificate()]),
        }
        .build()
        .unwrap()
    }

    /// Creates `container` (with a full SAS).
    pub(crate) async fn create_container(&self, container: &str) {
        let url = format!(
            "{}?restype=container&{}",
            self.state_url(container),
            sas("racwdl")
        );
        let response = self.send(self.client().put(url)).await;
        assert_eq!(
            response.0,
            StatusCode::CREATED,
            "create {container}: {}",
            response.1
        );
    }

    /// Writes a block blob `name` in `container` as it is, bypassing drplan
    /// (for foreign or corrupt blobs). Overwrites, unless the blob is leased.
    pub(crate) async fn put_blob(&self, container: &str, name: &str, body: impl Into<Vec<u8>>) {
        let request = self
            .client()
            .put(self.blob_url(container, name))
            .header("x-ms-blob-type", "BlockBlob")
            .body(body.into());
        let response = self.send(request).await;
        assert_eq!(
            response.0,
            StatusCode::CREATED,
            "put {container}/{name}: {}",
            response.1
        );
    }

    /// Reads blob `name` of `container`; `None` when there is none.
    pub(crate) async fn get_blob(&self, container: &str, name: &str) -> Option<Vec<u8>> {
        let response = self
            .client()
            .get(self.blob_url(container, name))
            .header("x-ms-version", API_VERSION)
            .send()
            .await
            .unwrap();
        match response.status() {
            StatusCode::NOT_FOUND => None,
            StatusCode::OK => Some(response.bytes().await.unwrap().to_vec()),
            status => panic!(
                "get {container}/{name}: {status} {}",
                response.text().await.unwrap()
            ),
        }
    }

    /// How many appends (committed blocks) the append blob `name` of
    /// `container` took: how many requests wrote it.
    pub(crate) async fn committed_blocks(&self, container: &str, name: &str) -> u64 {
        let response = self
            .client()
            .head(self.blob_url(container, name))
            .header("x-ms-version", API_VERSION)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "head {container}/{name}");
        response.headers()["x-ms-blob-committed-block-count"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap()
    }

    /// The names of the blobs in `container`, sorted (at most 5000: one page).
    pub(crate) async fn list_blobs(&self, container: &str) -> Vec<String> {
        let url = format!(
            "{}?restype=container&comp=list&{}",
            self.state_url(container),
            sas("racwdl")
        );
        let (status, body) = self.send(self.client().get(url)).await;
        assert_eq!(status, StatusCode::OK, "list {container}: {body}");
        let mut names: Vec<String> = body
            .split("<Name>")
            .skip(1)
            .filter_map(|part| part.split_once("</Name>").map(|(name, _)| name.to_owned()))
            .collect();
        names.sort();
        names
    }

    /// A blob's URL with a full SAS.
    fn blob_url(&self, container: &str, name: &str) -> String {
        format!("{}/{name}?{}", self.state_url(container), sas("racwdl"))
    }

    /// Sends a request with the API version header: status and body out.
    async fn send(&self, request: reqwest::RequestBuilder) -> (StatusCode, String) {
        let response = request
            .header("x-ms-version", API_VERSION)
            .send()
            .await
            .unwrap();
        (response.status(), response.text().await.unwrap())
    }

    /// Starts node on `self.port` and waits until the port answers; the
    /// log's tail when the server exits first or takes too long.
    fn launch(&mut self) -> Result<(), String> {
        let main = install::blob_main();
        let log_path = self.log.path().join(format!("azurite-{}.log", self.port));
        let log = File::create(&log_path).unwrap();
        let mut command = Command::new("node");
        command
            .arg(&main)
            .arg("--location")
            .arg(self.location())
            .args(["--blobHost", "127.0.0.1", "--blobPort"])
            .arg(self.port.to_string())
            // Telemetry would try to reach the internet; the Azure SDK sends
            // newer API versions than Azurite knows.
            .args(["--disableTelemetry", "--skipApiVersionCheck", "--silent"]);
        if self.mode == Mode::Https {
            let certificates = tls::certificates();
            command
                .args(["--oauth", "basic", "--cert"])
                .arg(&certificates.cert)
                .arg("--key")
                .arg(&certificates.key);
        }
        let mut child = command
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| {
                panic!("the run-state tests need `node` (Node.js 20 or later): {e}")
            });
        let address = SocketAddr::from((Ipv4Addr::LOCALHOST, self.port));
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            if let Some(status) = child.try_wait().unwrap() {
                let log = std::fs::read_to_string(&log_path).unwrap_or_default();
                return Err(format!(
                    "Azurite exited ({status}) on port {}:\n{log}",
                    self.port
                ));
            }
            if TcpStream::connect_timeout(&address, POLL).is_ok() {
                self.child = Some(child);
                return Ok(());
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                let log = std::fs::read_to_string(&log_path).unwrap_or_default();
                return Err(format!(
                    "Azurite did not answer on port {} within {START_TIMEOUT:?}:\n{log}",
                    self.port
                ));
            }
            std::thread::sleep(POLL);
        }
    }
}

impl Drop for Azurite {
    fn drop(&mut self) {
        self.stop();
    }
}

/// An account SAS query string (no `?`) for the emulator's account, allowing
/// `permissions`, valid for a day; see [`Azurite::sas_url`].
pub(crate) fn sas(permissions: &str) -> String {
    auth::account_sas(permissions)
}

/// A bearer token Azurite's `--oauth basic` accepts, for the user [`UPN`]
/// (`dba@contoso.com`) in tenant [`TENANT`]; see [`token_for`].
pub(crate) fn token() -> String {
    token_for(UPN)
}

/// The test CA's certificate (PEM): what a client must trust to reach a
/// [`Mode::Https`] Azurite.
pub(crate) fn ca_file() -> PathBuf {
    tls::certificates().ca
}

/// The test CA as a reqwest certificate.
pub(crate) fn ca_certificate() -> reqwest::Certificate {
    reqwest::Certificate::from_pem(&std::fs::read(ca_file()).unwrap()).unwrap()
}

/// A loopback port nobody listened on a moment ago.
fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}
