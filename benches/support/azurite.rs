//! Azurite for the benches: the integration tests' harness
//! (`tests/support/azurite.rs`, which installs the pinned npm package on
//! first use, starts the blob server on a free loopback port and stops it by
//! its PID) compiled into the bench as it is, plus a run store on a fresh
//! container of it. A state URL with an account SAS in; a [`BlobStore`] out.

use drplan::journal::{BlobLocation, BlobStore};

/// The tests' support folder, as a module, so that the harness's own
/// submodules (`azurite/auth.rs`, …) are found where they live. The benches
/// use a part of the harness.
#[allow(dead_code, unused_imports)]
#[path = "../../tests/support"]
mod tests_support {
    pub(crate) mod azurite;
    pub(crate) mod npm;

    /// The crate root, as the harness's installer asks its grandparent
    /// module (the tests' `support` module) for it.
    pub(crate) fn root() -> std::path::PathBuf {
        std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
    }
}

pub(crate) use tests_support::azurite::Azurite;

/// A Blob run store on a new container `container` of `azurite`, with an
/// account SAS allowing everything drplan does, and the shortest lease.
pub(crate) async fn store(azurite: &Azurite, container: &str) -> BlobStore {
    azurite.create_container(container).await;
    let location = BlobLocation::parse(&azurite.sas_url(container, "racwdl")).unwrap();
    BlobStore::with_credential(location, None, 15).unwrap()
}
