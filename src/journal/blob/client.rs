//! The few Blob Storage calls the run store makes, over `azure_storage_blob`:
//! a [`BlobLocation`] and a way to sign in (a SAS in the URL, or a bearer
//! token from drplan's credential chain) in; bytes, leases and typed
//! [`Failure`]s out. Retries are the caller's (the journal writer retries
//! with the append position, so that a write whose answer was lost is
//! never written twice); the SDK's own retry policy is off.

use std::sync::Arc;
use std::time::Duration;

use azure_core::http::policies::{Policy, PolicyResult};
use azure_core::http::{
    ClientOptions, Context, NoFormat, Request, RequestContent, RetryOptions, Transport,
};
use azure_storage_blob::models::{
    AppendBlobClientAppendBlockOptions, AppendBlobClientCreateOptions,
    BlobClientAcquireLeaseOptions, BlobClientAcquireLeaseResultHeaders,
    BlobClientBreakLeaseOptions, BlobClientDeleteOptions, BlobClientDownloadOptions,
    BlobClientGetPropertiesOptions, BlobClientGetPropertiesResultHeaders,
    BlobClientReleaseLeaseOptions, BlobClientRenewLeaseOptions, BlobClientUploadOptions,
    BlobContainerClientListBlobsOptions, LeaseState,
};
use azure_storage_blob::{
    BlobClient, BlobClientOptions, BlobContainerClient, BlobContainerClientOptions,
};
use futures_util::StreamExt as _;

use crate::journal::BlobLocation;
use crate::provider::azure::Credential;

/// How long one request may take before it counts as failed.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(20);
/// How long an unused connection is kept for the next request.
const IDLE: Duration = Duration::from_secs(4);
/// How long opening a connection may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Why a call failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Failure {
    /// The service answered with an error status.
    Status {
        /// The HTTP status.
        status: u16,
        /// Storage's error code (`BlobNotFound`, `LeaseAlreadyPresent`, …).
        code: String,
        /// Its message, first line.
        message: String,
    },
    /// No answer: the connection, DNS, TLS or a timeout failed.
    Transport(String),
}

impl Failure {
    /// Whether trying again may succeed: no answer, throttling, a server error.
    pub(super) fn transient(&self) -> bool {
        match self {
            Failure::Transport(_) => true,
            Failure::Status { status, .. } => *status == 408 || *status == 429 || *status >= 500,
        }
    }

    /// Whether the service answered with this error code.
    pub(super) fn is(&self, code: &str) -> bool {
        matches!(self, Failure::Status { code: c, .. } if c == code)
    }

    /// Whether the blob (or container) is not there.
    pub(super) fn not_found(&self) -> bool {
        matches!(self, Failure::Status { status: 404, .. })
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Status {
                status,
                code,
                message,
            } if message.is_empty() => write!(f, "{status} {code}"),
            Failure::Status {
                status,
                code,
                message,
            } => write!(f, "{status} {code}: {message}"),
            Failure::Transport(why) => write!(f, "no answer ({why})"),
        }
    }
}

fn failure(error: azure_core::Error) -> Failure {
    if error.http_status().is_none() {
        return Failure::Transport(chain(&error));
    }
    match azure_storage_blob::StorageError::try_from(error) {
        Ok(e) => Failure::Status {
            status: u16::from(e.status_code),
            code: e
                .error_code
                .map_or_else(|| "Unknown".to_string(), |c| c.to_string()),
            message: e
                .message
                .unwrap_or_default()
                .lines()
                .next()
                .unwrap_or_default()
                .to_string(),
        },
        Err(e) => Failure::Status {
            status: e.http_status().map_or(0, u16::from),
            code: "Unknown".to_string(),
            message: chain(&e),
        },
    }
}

use crate::error_chain::chain;

/// Signs each request with a bearer token from drplan's credential
/// (cached and refreshed there), for the storage audience.
#[derive(Debug)]
struct Bearer(Arc<Credential>);

#[async_trait::async_trait]
impl Policy for Bearer {
    async fn send(
        &self,
        ctx: &Context,
        request: &mut Request,
        next: &[Arc<dyn Policy>],
    ) -> PolicyResult {
        let token = self.0.token().await.map_err(|e| {
            azure_core::Error::with_message(azure_core::error::ErrorKind::Credential, e.to_string())
        })?;
        request.insert_header("authorization", format!("Bearer {token}"));
        match next.split_first() {
            Some((first, rest)) => first.send(ctx, request, rest).await,
            None => Err(azure_core::Error::with_message(
                azure_core::error::ErrorKind::Other,
                "no transport policy in the pipeline",
            )),
        }
    }
}

/// What a blob's properties say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Properties {
    /// Bytes.
    pub(super) length: u64,
    /// Append blocks (append blobs only).
    pub(super) blocks: u32,
    /// Whether a lease is held on it now.
    pub(super) leased: bool,
}

/// One container (and prefix) of Blob Storage.
#[derive(Clone)]
pub(super) struct Blobs {
    location: BlobLocation,
    options: ClientOptions,
}

impl Blobs {
    /// A client for `location`, signed with `credential` unless the URL
    /// carries a SAS.
    pub(super) fn new(
        location: BlobLocation,
        credential: Option<Arc<Credential>>,
        http: reqwest::Client,
    ) -> Blobs {
        let mut options = ClientOptions {
            retry: RetryOptions::none(),
            transport: Some(Transport::new(Arc::new(http))),
            ..ClientOptions::default()
        };
        if location.sas.is_none()
            && let Some(credential) = credential
        {
            options.per_try_policies.push(Arc::new(Bearer(credential)));
        }
        Blobs { location, options }
    }

    /// The HTTP client blob requests use: bounded connect and request times,
    /// so that an unreachable store fails a request instead of hanging it.
    pub(super) fn http() -> Result<reqwest::Client, String> {
        reqwest::Client::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(REQUEST_TIMEOUT)
            // Servers close idle connections (Azurite after 5 s); one reused
            // just as it is closed fails its request, so idle ones go first.
            .pool_idle_timeout(IDLE)
            .build()
            .map_err(|e| chain(&e))
    }

    pub(super) fn location(&self) -> &BlobLocation {
        &self.location
    }

    /// The URL of a blob below the prefix (path segments encoded one by
    /// one, so a `%` in a step's file name stays a `%`), with the SAS.
    fn url(&self, name: &str) -> url::Url {
        let mut url = self.location.service.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty();
            path.push(&self.location.container);
            for segment in self.location.blob_name(name).split('/') {
                path.push(segment);
            }
        }
        url.set_query(self.location.sas.as_deref());
        url
    }

    fn container_url(&self) -> url::Url {
        let mut url = self.location.service.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty();
            path.push(&self.location.container);
        }
        url.set_query(self.location.sas.as_deref());
        url
    }

    fn blob(&self, name: &str) -> Result<BlobClient, Failure> {
        BlobClient::new(
            self.url(name),
            None,
            Some(BlobClientOptions {
                client_options: self.options.clone(),
                ..BlobClientOptions::default()
            }),
        )
        .map_err(|e| Failure::Transport(chain(&e)))
    }

    /// The blob's name as written in messages: the store's URL and the name.
    pub(super) fn describe(&self, name: &str) -> String {
        format!("{}/{}", self.location, name)
    }

    /// Writes a whole block blob. `new_only`: only if it does not exist
    /// (409 `BlobAlreadyExists` otherwise); `lease`: the lease it holds.
    pub(super) async fn put(
        &self,
        name: &str,
        bytes: Vec<u8>,
        new_only: bool,
        lease: Option<&str>,
    ) -> Result<(), Failure> {
        self.put_tagged(name, bytes, new_only, lease)
            .await
            .map(|_| ())
    }

    /// [`Blobs::put`], giving the blob's new entity tag.
    pub(super) async fn put_tagged(
        &self,
        name: &str,
        bytes: Vec<u8>,
        new_only: bool,
        lease: Option<&str>,
    ) -> Result<Option<azure_core::http::Etag>, Failure> {
        let mut options = BlobClientUploadOptions {
            lease_id: lease.map(str::to_string),
            ..BlobClientUploadOptions::default()
        };
        if new_only {
            options = options.if_not_exists();
        }
        let body: RequestContent<azure_core::Bytes, NoFormat> =
            azure_core::Bytes::from(bytes).into();
        self.blob(name)?
            .upload(body, Some(options))
            .await
            .map(|r| r.etag)
            .map_err(failure)
    }

    /// Reads a whole blob; `None` when it does not exist.
    pub(super) async fn get(&self, name: &str) -> Result<Option<Vec<u8>>, Failure> {
        let result = self
            .blob(name)?
            .download(Some(BlobClientDownloadOptions::default()))
            .await;
        match result {
            Ok(r) => r
                .body
                .collect()
                .await
                .map(|b| Some(b.to_vec()))
                .map_err(|e| Failure::Transport(chain(&e))),
            Err(e) => match failure(e) {
                f if f.not_found() => Ok(None),
                f => Err(f),
            },
        }
    }

    /// A blob's length, block count and lease; `None` when it does not exist.
    pub(super) async fn properties(&self, name: &str) -> Result<Option<Properties>, Failure> {
        match self
            .blob(name)?
            .get_properties(Some(BlobClientGetPropertiesOptions::default()))
            .await
        {
            Ok(r) => Ok(Some(Properties {
                length: r.content_length().ok().flatten().unwrap_or(0),
                blocks: r
                    .blob_committed_block_count()
                    .ok()
                    .flatten()
                    .and_then(|n| u32::try_from(n).ok())
                    .unwrap_or(0),
                leased: matches!(r.lease_state().ok().flatten(), Some(LeaseState::Leased)),
            })),
            Err(e) => match failure(e) {
                f if f.not_found() => Ok(None),
                f => Err(f),
            },
        }
    }

    /// Creates an empty append blob, only if none is there.
    pub(super) async fn create_append(&self, name: &str) -> Result<(), Failure> {
        let options = AppendBlobClientCreateOptions {
            if_none_match: Some(azure_core::http::Etag::from("*")),
            ..AppendBlobClientCreateOptions::default()
        };
        self.blob(name)?
            .append_blob_client()
            .create(Some(options))
            .await
            .map(|_| ())
            .map_err(failure)
    }

    /// Appends `bytes` at `position`, holding `lease`: refused (412
    /// `AppendPositionConditionNotMet`) when the blob has another length.
    pub(super) async fn append(
        &self,
        name: &str,
        bytes: Vec<u8>,
        position: u64,
        lease: &str,
    ) -> Result<(), Failure> {
        let len = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
        let options = AppendBlobClientAppendBlockOptions {
            append_position: i64::try_from(position).ok(),
            lease_id: Some(lease.to_string()),
            ..AppendBlobClientAppendBlockOptions::default()
        };
        let body: RequestContent<azure_core::Bytes, NoFormat> =
            azure_core::Bytes::from(bytes).into();
        self.blob(name)?
            .append_blob_client()
            .append_block(body, len, Some(options))
            .await
            .map(|_| ())
            .map_err(failure)
    }

    /// Takes a lease of `seconds` (15 to 60) on a blob, only while it is
    /// `if_match` when that is given; its id.
    pub(super) async fn acquire_lease(
        &self,
        name: &str,
        seconds: i32,
        if_match: Option<azure_core::http::Etag>,
    ) -> Result<String, Failure> {
        let options = BlobClientAcquireLeaseOptions {
            if_match,
            ..BlobClientAcquireLeaseOptions::default()
        };
        let r = self
            .blob(name)?
            .acquire_lease(seconds, Some(options))
            .await
            .map_err(failure)?;
        r.lease_id()
            .ok()
            .flatten()
            .ok_or_else(|| Failure::Transport("the service gave no lease id".to_string()))
    }

    pub(super) async fn renew_lease(&self, name: &str, lease: &str) -> Result<(), Failure> {
        self.blob(name)?
            .renew_lease(
                lease.to_string(),
                Some(BlobClientRenewLeaseOptions::default()),
            )
            .await
            .map(|_| ())
            .map_err(failure)
    }

    pub(super) async fn release_lease(&self, name: &str, lease: &str) -> Result<(), Failure> {
        self.blob(name)?
            .release_lease(
                lease.to_string(),
                Some(BlobClientReleaseLeaseOptions::default()),
            )
            .await
            .map(|_| ())
            .map_err(failure)
    }

    /// Ends whatever lease a blob has, at once.
    pub(super) async fn break_lease(&self, name: &str) -> Result<(), Failure> {
        let options = BlobClientBreakLeaseOptions {
            break_period: Some(0),
            ..BlobClientBreakLeaseOptions::default()
        };
        match self.blob(name)?.break_lease(Some(options)).await {
            Ok(_) => Ok(()),
            Err(e) => match failure(e) {
                f if f.is("LeaseNotPresentWithLeaseOperation") || f.not_found() => Ok(()),
                f => Err(f),
            },
        }
    }

    pub(super) async fn delete(&self, name: &str) -> Result<(), Failure> {
        match self
            .blob(name)?
            .delete(Some(BlobClientDeleteOptions::default()))
            .await
        {
            Ok(_) => Ok(()),
            Err(e) => match failure(e) {
                f if f.not_found() => Ok(()),
                f => Err(f),
            },
        }
    }

    /// The names (below the prefix) of the blobs whose names start with `start`.
    pub(super) async fn list(&self, start: &str) -> Result<Vec<String>, Failure> {
        let container = BlobContainerClient::new(
            self.container_url(),
            None,
            Some(BlobContainerClientOptions {
                client_options: self.options.clone(),
                ..BlobContainerClientOptions::default()
            }),
        )
        .map_err(|e| Failure::Transport(chain(&e)))?;
        let full = self.location.blob_name(start);
        let strip = if self.location.prefix.is_empty() {
            0
        } else {
            self.location.prefix.len() + 1
        };
        let mut pager = container
            .list_blobs(Some(BlobContainerClientListBlobsOptions {
                prefix: Some(full),
                ..BlobContainerClientListBlobsOptions::default()
            }))
            .map_err(failure)?;
        let mut names = Vec::new();
        while let Some(item) = pager.next().await {
            let item = item.map_err(failure)?;
            if let Some(name) = item.name
                && let Some(rest) = name.get(strip..)
            {
                names.push(rest.to_string());
            }
        }
        Ok(names)
    }
}
