//! The run store in a container of Azure Blob Storage, for teams: a
//! [`BlobLocation`] (a state URL, with a SAS or signed in through drplan's
//! credential chain) in; the same semantics as the local `.drplan/` folder
//! out, reachable from every runner of the team.
//!
//! Layout below the URL's prefix:
//! ```text
//! locks/<plan stem>.lock                  who runs the plan now (JSON); leased while they do
//! runs/<run id>/journal.000000            append blob, one event a line; leased while a process writes it
//! runs/<run id>/journal.000001 …          the next segments (an append blob takes 50,000 appends)
//! runs/<run id>/plan.drplan               the plan text the run started with
//! runs/<run id>/plan.<n>.drplan           revision n (`resume --plan`)
//! runs/<run id>/approvals/<step>          answers from `drplan approve` / `reject` (JSON)
//! runs/<run id>/output/<step>.<attempt>.log  a hook attempt's whole output, redacted
//! ```
//!
//! Locks are blob leases of [`DEFAULT_LEASE_SECS`] (15 to 60 with
//! `DRPLAN_STATE_LEASE`), renewed in the background every third of that: a
//! crashed runner's lease lapses by itself, so another runner can take the
//! run over within one lease without any manual step. See `writer` for
//! how events are appended, `lease` for when a lease stops being trusted.

mod advice;
mod client;
mod identity;
mod lease;
mod lock;
mod names;
mod writer;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;

use self::client::Blobs;
use self::lease::Lease;
use self::names::{approval_name, output_name, plan_name, segment_index, segment_name};
use self::writer::{BlobJournal, Segment};
use super::decision::{Decision, KeptOutput};
use super::event::{Record, RunId};
use super::store::{JournalError, JournalWriter, LockGuard, LockHolder, RunStore, parse_journal};
use crate::journal::BlobLocation;
use crate::provider::azure::{Credential, CredentialKind};

/// A lease's length when `DRPLAN_STATE_LEASE` does not say.
pub const DEFAULT_LEASE_SECS: u32 = 30;
/// The variable that sets it (seconds, 15 to 60).
pub const LEASE_VAR: &str = "DRPLAN_STATE_LEASE";
/// Appends per journal segment before the next one starts; the service's
/// limit is 50,000.
const SEGMENT_BLOCKS: u32 = 45_000;
/// How often a whole-blob write is tried while the store does not answer.
const PUT_TRIES: u32 = 8;

/// Why a Blob store cannot be opened.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    /// `DRPLAN_STATE_LEASE` is not 15 to 60.
    #[error("{LEASE_VAR}=`{0}` is not a number of seconds from 15 to 60 (a blob lease's limits)")]
    Lease(String),
    /// No HTTP client.
    #[error("could not set up an HTTP client for {location}: {message}")]
    Http {
        /// The store.
        location: String,
        /// Why.
        message: String,
    },
    /// No credential for the storage audience.
    #[error(
        "{location}: could not sign in to Blob Storage ({message}); or put a SAS in the state URL"
    )]
    Credential {
        /// The store.
        location: String,
        /// Why.
        message: String,
    },
}

/// Runs kept in Blob Storage.
#[derive(Clone)]
pub struct BlobStore {
    blobs: Blobs,
    lease_secs: u32,
    max_blocks: u32,
    credential: Option<Arc<Credential>>,
}

impl std::fmt::Debug for BlobStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BlobStore")
            .field("location", self.blobs.location())
            .field("lease_secs", &self.lease_secs)
            .finish_non_exhaustive()
    }
}

impl BlobStore {
    /// The store at `location`: with its SAS when it has one, else signed
    /// in as `kind` for the storage audience.
    pub async fn open(
        location: BlobLocation,
        kind: CredentialKind,
    ) -> Result<BlobStore, OpenError> {
        let credential = if location.sas.is_some() {
            None
        } else {
            let endpoint = crate::provider::azure::Endpoint {
                resource_manager: location.service.clone(),
                audience: "https://storage.azure.com".to_string(),
            };
            let credential = crate::provider::azure::credential(kind, &endpoint)
                .await
                .map_err(|e| OpenError::Credential {
                    location: location.to_string(),
                    message: e.to_string(),
                })?;
            Some(Arc::new(credential))
        };
        let lease_secs = lease_from_env()?;
        Self::with_credential(location, credential, lease_secs)
    }

    /// The store at `location` with a given credential (none: the SAS in
    /// the URL, or anonymous) and lease length.
    pub fn with_credential(
        location: BlobLocation,
        credential: Option<Arc<Credential>>,
        lease_secs: u32,
    ) -> Result<BlobStore, OpenError> {
        let http = Blobs::http().map_err(|message| OpenError::Http {
            location: location.to_string(),
            message,
        })?;
        Ok(BlobStore {
            blobs: Blobs::new(location, credential.clone(), http),
            lease_secs: lease_secs.clamp(15, 60),
            max_blocks: SEGMENT_BLOCKS,
            credential,
        })
    }

    /// Starts a new journal segment after `blocks` appends (tests of the
    /// roll-over; the default keeps well below the service's limit).
    #[must_use]
    pub fn with_segment_blocks(mut self, blocks: u32) -> Self {
        self.max_blocks = blocks.max(1);
        self
    }

    /// The location, for messages (never with its SAS).
    pub fn location(&self) -> &BlobLocation {
        self.blobs.location()
    }

    /// Writes a whole blob (last writer wins), retried while the store does
    /// not answer.
    async fn put_retrying(&self, name: &str, bytes: Vec<u8>) -> Result<(), JournalError> {
        let mut pause = Duration::from_millis(100);
        for attempt in 1..=PUT_TRIES {
            match self.blobs.put(name, bytes.clone(), false, None).await {
                Ok(()) => return Ok(()),
                Err(f) if f.transient() && attempt < PUT_TRIES => {
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(Duration::from_secs(2));
                }
                Err(f) => return Err(self.error(&format!("writing {name}"), &f)),
            }
        }
        Ok(())
    }

    /// The journal segments of a run, in order (`UnknownRun` when none).
    async fn segments(&self, run: &RunId) -> Result<Vec<String>, JournalError> {
        if !RunId::is_valid(&run.0) {
            return Err(JournalError::UnknownRun(run.0.clone()));
        }
        let start = format!("runs/{run}/journal.");
        let mut names: Vec<String> = self
            .blobs
            .list(&start)
            .await
            .map_err(|f| self.error("listing the run's journal", &f))?
            .into_iter()
            .filter(|n| {
                n.strip_prefix(&start)
                    .is_some_and(|i| i.len() == 6 && i.bytes().all(|b| b.is_ascii_digit()))
            })
            .collect();
        names.sort();
        if names.first().map(String::as_str) != Some(segment_name(run, 0).as_str()) {
            return Err(JournalError::UnknownRun(run.0.clone()));
        }
        Ok(names)
    }
}

fn lease_from_env() -> Result<u32, OpenError> {
    match std::env::var(LEASE_VAR) {
        Ok(text) if !text.trim().is_empty() => match text.trim().parse::<u32>() {
            Ok(secs) if (15..=60).contains(&secs) => Ok(secs),
            _ => Err(OpenError::Lease(text)),
        },
        _ => Ok(DEFAULT_LEASE_SECS),
    }
}

#[async_trait]
impl RunStore for BlobStore {
    fn describe(&self) -> String {
        self.location().to_string()
    }

    fn lapse(&self) -> Option<Duration> {
        Some(Duration::from_secs(u64::from(self.lease_secs)))
    }

    async fn create(
        &self,
        run: &RunId,
        plan_text: &str,
    ) -> Result<Box<dyn JournalWriter>, JournalError> {
        let plan = plan_name(run, 0);
        let name = segment_name(run, 0);
        // Both only if new (a run id is never reused), side by side: one
        // round trip less before the run can begin.
        let (kept, created) = tokio::join!(
            self.blobs
                .put(&plan, plan_text.as_bytes().to_vec(), true, None),
            self.blobs.create_append(&name)
        );
        for (result, doing) in [
            (kept, "keeping the plan with the run"),
            (created, "creating the run's journal"),
        ] {
            match result {
                Ok(()) => {}
                Err(f) if f.is("BlobAlreadyExists") => {
                    return Err(JournalError::RunIsLive(run.clone()));
                }
                Err(f) => return Err(self.error(doing, &f)),
            }
        }
        let lease = Lease::acquire(&self.blobs, &name, self.lease_secs)
            .await
            .map_err(|f| self.error("leasing the run's journal", &f))?;
        let segment = Segment {
            index: 0,
            position: 0,
            blocks: 0,
            lease,
        };
        Ok(Box::new(BlobJournal::new(
            self.clone(),
            run.clone(),
            segment,
        )))
    }

    async fn reopen(&self, run: &RunId) -> Result<Box<dyn JournalWriter>, JournalError> {
        let segments = self.segments(run).await?;
        let Some(last) = segments.last() else {
            return Err(JournalError::UnknownRun(run.0.clone()));
        };
        let lease = match Lease::acquire(&self.blobs, last, self.lease_secs).await {
            Ok(lease) => lease,
            Err(f) if f.is("LeaseAlreadyPresent") => {
                return Err(JournalError::RunIsLive(run.clone()));
            }
            Err(f) => return Err(self.error("leasing the run's journal", &f)),
        };
        // Read under the lease: no one else can append now.
        let props = self
            .blobs
            .properties(last)
            .await
            .map_err(|f| self.error("reading the run's journal", &f))?
            .ok_or_else(|| JournalError::UnknownRun(run.0.clone()))?;
        let segment = Segment {
            index: segment_index(last),
            position: props.length,
            blocks: props.blocks,
            lease,
        };
        Ok(Box::new(BlobJournal::new(
            self.clone(),
            run.clone(),
            segment,
        )))
    }

    async fn read(&self, run: &RunId) -> Result<Vec<Record>, JournalError> {
        let mut bytes = Vec::new();
        for name in self.segments(run).await? {
            let part = self
                .blobs
                .get(&name)
                .await
                .map_err(|f| self.error("reading the run's journal", &f))?
                .unwrap_or_default();
            bytes.extend_from_slice(&part);
        }
        parse_journal(&bytes, &self.blobs.describe(&format!("runs/{run}/journal")))
    }

    async fn plan_text(&self, run: &RunId, revision: u32) -> Result<String, JournalError> {
        let name = plan_name(run, revision);
        let bytes = self
            .blobs
            .get(&name)
            .await
            .map_err(|f| self.error("reading the run's plan", &f))?
            .ok_or_else(|| JournalError::UnknownRun(run.0.clone()))?;
        String::from_utf8(bytes).map_err(|e| JournalError::Store {
            location: self.blobs.describe(&name),
            message: format!("not UTF-8 text ({e}); the blob was changed by someone else"),
        })
    }

    async fn amend_plan(&self, run: &RunId, revision: u32, text: &str) -> Result<(), JournalError> {
        self.segments(run).await?;
        self.put_retrying(&plan_name(run, revision), text.as_bytes().to_vec())
            .await
    }

    async fn list(&self) -> Result<Vec<RunId>, JournalError> {
        let names = self
            .blobs
            .list("runs/")
            .await
            .map_err(|f| self.error("listing runs", &f))?;
        let runs = names
            .iter()
            .filter_map(|n| n.strip_prefix("runs/")?.strip_suffix("/journal.000000"))
            .filter(|id| RunId::is_valid(id))
            .map(|id| RunId(id.to_string()))
            .collect();
        Ok(runs)
    }

    async fn lock(
        &self,
        plan: &str,
        holder: LockHolder,
    ) -> Result<Box<dyn LockGuard>, JournalError> {
        self.take_lock(plan, holder).await
    }

    async fn break_lock(&self, plan: &str) -> Result<Option<LockHolder>, JournalError> {
        self.end_lock(plan).await
    }

    async fn lock_holder(&self, plan: &str) -> Result<Option<LockHolder>, JournalError> {
        self.holder(plan).await
    }

    async fn is_live(&self, run: &RunId) -> Result<bool, JournalError> {
        let segments = self.segments(run).await?;
        let Some(last) = segments.last() else {
            return Ok(false);
        };
        Ok(self
            .blobs
            .properties(last)
            .await
            .map_err(|f| self.error("reading the run's journal", &f))?
            .is_some_and(|p| p.leased))
    }

    async fn discard(&self, run: &RunId) -> Result<(), JournalError> {
        if !self.read(run).await?.is_empty() {
            return Ok(());
        }
        let names = self
            .blobs
            .list(&format!("runs/{run}/"))
            .await
            .map_err(|f| self.error("listing the run", &f))?;
        for name in names {
            let gone = async {
                self.blobs.break_lease(&name).await?;
                self.blobs.delete(&name).await
            };
            gone.await
                .map_err(|f| self.error(&format!("removing {name}"), &f))?;
        }
        Ok(())
    }

    fn hook_leases(&self, _run: &RunId) -> Option<PathBuf> {
        None
    }

    async fn decide(
        &self,
        run: &RunId,
        step: &str,
        decision: &Decision,
    ) -> Result<(), JournalError> {
        self.segments(run).await?;
        let name = approval_name(run, step);
        let text = serde_json::to_vec(decision).map_err(|e| JournalError::Store {
            location: self.describe(),
            message: e.to_string(),
        })?;
        match self.blobs.put(&name, text, true, None).await {
            Ok(()) => Ok(()),
            Err(f) if f.is("BlobAlreadyExists") => Err(JournalError::Store {
                location: self.blobs.describe(&name),
                message: format!("{step} of run {run} has already been answered"),
            }),
            Err(f) => Err(self.error("recording the answer", &f)),
        }
    }

    async fn decision(&self, run: &RunId, step: &str) -> Result<Option<Decision>, JournalError> {
        let bytes = self
            .blobs
            .get(&approval_name(run, step))
            .await
            .map_err(|f| self.error("reading answers", &f))?;
        Ok(bytes.map(|b| {
            Decision::parse(
                &String::from_utf8_lossy(&b),
                crate::clock::Clock::system().now(),
            )
        }))
    }

    async fn outputs(&self, run: &RunId, step: &str) -> Result<Vec<KeptOutput>, JournalError> {
        self.segments(run).await?;
        let start = format!("runs/{run}/output/{}.", crate::graph::step_file_name(step));
        let names = self
            .blobs
            .list(&start)
            .await
            .map_err(|f| self.error("listing kept output", &f))?;
        let mut kept = Vec::new();
        for name in names {
            let leaf = name.rsplit('/').next().unwrap_or_default();
            let Some(attempt) = KeptOutput::attempt_in(leaf, step) else {
                continue;
            };
            let bytes = self
                .blobs
                .get(&name)
                .await
                .map_err(|f| self.error("reading kept output", &f))?
                .unwrap_or_default();
            kept.push(KeptOutput {
                attempt,
                text: String::from_utf8_lossy(&bytes).into_owned(),
            });
        }
        kept.sort_by_key(|k| k.attempt);
        Ok(kept)
    }

    async fn identity(&self) -> Result<Option<String>, JournalError> {
        let Some(credential) = &self.credential else {
            return Ok(None);
        };
        let token = credential.token().await.map_err(|e| JournalError::Store {
            location: self.describe(),
            message: e.to_string(),
        })?;
        Ok(identity::name_in(&token))
    }
}
