//! The test CA and Azurite's server certificate: PEM files out, made once
//! with the `openssl` command and kept under the test target folder, so
//! every test process (nextest runs one per test) reuses them.
//!
//! rustls refuses a self-signed certificate used as the server's own
//! (`CaUsedAsEndEntity`), so there are two: a CA that clients trust, and a
//! leaf (CA:FALSE, for IP 127.0.0.1, serverAuth) that Azurite serves.

// A harness that cannot start fails the test by panicking, saying why.
#![allow(clippy::panic)]

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The three files, in one folder.
pub(crate) struct Certificates {
    /// The CA certificate clients trust.
    pub(crate) ca: PathBuf,
    /// Azurite's certificate (`--cert`), signed by the CA.
    pub(crate) cert: PathBuf,
    /// Its private key (`--key`).
    pub(crate) key: PathBuf,
}

const CA_KEY: &str = "ca.key";
const CA: &str = "ca.pem";
const CERT: &str = "cert.pem";
const KEY: &str = "key.pem";
const LEAF_EXTENSIONS: &str = "basicConstraints=critical,CA:FALSE\n\
    keyUsage=critical,digitalSignature,keyEncipherment\n\
    extendedKeyUsage=serverAuth\n\
    subjectAltName=IP:127.0.0.1\n";

/// The certificates, made on first use. A lock file keeps two test
/// processes from making them at once; they are made in a scratch folder
/// and renamed into place, so a half-made set is never used.
pub(crate) fn certificates() -> Certificates {
    let base = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let folder = base.join("azurite-tls");
    let lock = File::create(base.join("azurite-tls.lock")).unwrap();
    lock.lock().unwrap();
    if !folder.join(KEY).exists() {
        let scratch = tempfile::tempdir_in(&base).unwrap();
        make(scratch.path());
        std::fs::rename(scratch.keep(), &folder).unwrap();
    }
    drop(lock);
    Certificates {
        ca: folder.join(CA),
        cert: folder.join(CERT),
        key: folder.join(KEY),
    }
}

/// Makes the CA and the leaf in `folder` (P-256 keys: quick to make).
fn make(folder: &Path) {
    std::fs::write(folder.join("leaf.ext"), LEAF_EXTENSIONS).unwrap();
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
    ];
    openssl(
        folder,
        &["req", "-x509"],
        &ec,
        &[
            "-keyout",
            CA_KEY,
            "-out",
            CA,
            "-days",
            "3650",
            "-subj",
            "/CN=drplan test CA",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
        ],
    );
    openssl(
        folder,
        &["req"],
        &ec,
        &["-keyout", KEY, "-out", "leaf.csr", "-subj", "/CN=127.0.0.1"],
    );
    openssl(
        folder,
        &["x509", "-req"],
        &[],
        &[
            "-in",
            "leaf.csr",
            "-CA",
            CA,
            "-CAkey",
            CA_KEY,
            "-set_serial",
            "2",
            "-days",
            "3650",
            "-extfile",
            "leaf.ext",
            "-out",
            CERT,
        ],
    );
}

/// Runs `openssl` in `folder`; a failure (or no openssl at all) is a panic
/// that says what to install.
fn openssl(folder: &Path, command: &[&str], key: &[&str], rest: &[&str]) {
    let output = Command::new("openssl")
        .args(command)
        .args(key)
        .args(rest)
        .current_dir(folder)
        .output()
        .unwrap_or_else(|e| {
            panic!("the https Azurite tests need the `openssl` command (apt install openssl): {e}")
        });
    assert!(
        output.status.success(),
        "openssl {command:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}
