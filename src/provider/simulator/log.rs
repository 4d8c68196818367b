//! The state file's format, an append log: the file's bytes in; the
//! [`Vault`] they describe (or the [`Change`]s appended after a point) out,
//! and a vault's pending changes and snapshots back to bytes.
//!
//! The file is a sequence of JSON documents: first a snapshot of the whole
//! vault (`{"format":2,"seed":…,"next_id":…,"items":{…},"jobs":[…],
//! "runbook_hits":{…}}`), then one line per change, holding whole records of
//! what the change touched (`{"jobs":[…],"items":{…},"next_id":…}`). A call
//! that starts a job appends one line of a few hundred bytes, whatever the
//! vault's size; `disk` rewrites the file as one snapshot once the changes
//! outweigh it, so the file stays proportional to the vault and the work of
//! writing it to the number of changes (spec: interop.md "Scale of the
//! simulated vault").
//!
//! Why a log and not a database: a change is one `write` of one line, the
//! file stays text that `jq` reads, readers in other processes take no lock
//! and read only what was appended since they last looked, and no native
//! library joins the build.
//!
//! A line is applied only when it is whole: a reader that meets a line
//! being written stops before it and reads it on its next look, so it never
//! sees half a change. Files of format 1 (one pretty-printed snapshot,
//! rewritten on every change by earlier versions) read as a snapshot with
//! no changes, and are rewritten in format 2 on first open.
//!
//! Ends of jobs applied by [`Vault::settle`] are not written: every process
//! derives them again from the jobs, as earlier versions did.

use std::collections::BTreeMap;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::jobs::{JobRecord, MAX_JOB_MS};
use super::store::{ID_HEADROOM, Item, Stored, Vault, exhausted};
use crate::clock::Timestamp;

/// The state file's format.
pub(crate) const FORMAT: u32 = 2;

/// The format of earlier versions' files, read and rewritten as [`FORMAT`].
pub(crate) const LEGACY_FORMAT: u32 = 1;

/// One change as the log holds it: the records it touched, whole.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Change {
    /// Jobs it started (a job's record never changes after).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) jobs: Vec<JobRecord>,
    /// Items as they are after it, by item name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub(crate) items: BTreeMap<String, Item>,
    /// The id counter after it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) next_id: Option<u64>,
    /// Runbook fault hit counts after it, of the runbooks it touched.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub(crate) runbook_hits: BTreeMap<String, u32>,
}

/// A whole state file read.
#[derive(Debug)]
pub(crate) struct Parsed {
    pub(crate) vault: Vault,
    /// Bytes of the snapshot.
    pub(crate) base: usize,
    /// Where the last whole record ends.
    pub(crate) end: usize,
    /// A record is being written after `end`, or was cut short by a crash.
    pub(crate) torn: bool,
    /// The file is of [`LEGACY_FORMAT`].
    pub(crate) legacy: bool,
}

/// Changes appended after a point.
#[derive(Debug)]
pub(crate) struct Tail {
    pub(crate) changes: Vec<Change>,
    /// Where the last whole change ends, from the point read.
    pub(crate) end: usize,
    /// As [`Parsed::torn`].
    pub(crate) torn: bool,
}

/// Parses a whole state file; `None` when it holds nothing (just created).
/// Drops jobs past retention. `Err` says what is wrong, without the path.
pub(crate) fn parse(bytes: &[u8], now: Timestamp) -> Result<Option<Parsed>, String> {
    let mut stream = serde_json::Deserializer::from_slice(bytes).into_iter::<Stored>();
    let stored = match stream.next() {
        None => return Ok(None),
        Some(Ok(stored)) => stored,
        Some(Err(e)) if e.is_eof() => {
            return Err("it ends part-way through its snapshot".to_owned());
        }
        Some(Err(e)) => return Err(e.to_string()),
    };
    let mut base = stream.byte_offset();
    if bytes.get(base) == Some(&b'\n') {
        base += 1;
    }
    let legacy = stored.format == LEGACY_FORMAT;
    if !legacy && stored.format != FORMAT {
        return Err(format!(
            "it has format {}, this drplan reads formats {LEGACY_FORMAT} and {FORMAT}",
            stored.format
        ));
    }
    let mut vault = Vault::from_stored(stored, now)?;
    let tail = parse_tail(bytes.get(base..).unwrap_or_default())
        .map_err(|e| format!("{e} (in the changes after the snapshot)"))?;
    for change in tail.changes {
        vault.apply(change)?;
    }
    Ok(Some(Parsed {
        vault,
        base,
        end: base + tail.end,
        torn: tail.torn,
        legacy,
    }))
}

/// Parses the changes in `bytes` (the file from a point where a record
/// ended), up to the last whole one.
pub(crate) fn parse_tail(bytes: &[u8]) -> Result<Tail, String> {
    let (changes, end, torn) = records::<Change>(bytes)?;
    Ok(Tail { changes, end, torn })
}

/// The whole records of `T` at the start of `bytes`, where the last ends,
/// and whether an incomplete one follows.
fn records<T: DeserializeOwned>(bytes: &[u8]) -> Result<(Vec<T>, usize, bool), String> {
    let mut stream = serde_json::Deserializer::from_slice(bytes).into_iter::<T>();
    let mut out = Vec::new();
    let mut end = 0;
    loop {
        match stream.next() {
            None => return Ok((out, end, false)),
            Some(Ok(record)) => {
                out.push(record);
                end = stream.byte_offset();
                // The line's end belongs to it: a torn line cut off after
                // it leaves the file ready for the next line.
                if bytes.get(end) == Some(&b'\n') {
                    end += 1;
                }
            }
            Some(Err(e)) if e.is_eof() => return Ok((out, end, true)),
            Some(Err(e)) => return Err(e.to_string()),
        }
    }
}

/// A line of the log: `value` and a newline.
fn line(value: &impl Serialize) -> Result<Vec<u8>, serde_json::Error> {
    let mut bytes = serde_json::to_vec(value)?;
    bytes.push(b'\n');
    Ok(bytes)
}

impl Vault {
    /// The line recording what changed since the last call (`None` when
    /// nothing did), and forgets it.
    pub(crate) fn take_change(&mut self) -> Result<Option<Vec<u8>>, serde_json::Error> {
        let pending = self.take_pending();
        if pending.is_empty() {
            return Ok(None);
        }
        let change = Change {
            jobs: pending
                .jobs
                .iter()
                .filter_map(|i| self.stored.jobs.get(*i).cloned())
                .collect(),
            items: pending
                .items
                .iter()
                .filter_map(|name| Some((name.clone(), self.item(name)?.clone())))
                .collect(),
            next_id: pending.next_id.then_some(self.stored.next_id),
            runbook_hits: pending
                .runbooks
                .iter()
                .filter_map(|r| Some((r.clone(), *self.stored.runbook_hits.get(r)?)))
                .collect(),
        };
        line(&change).map(Some)
    }

    /// The whole vault as one snapshot line of [`FORMAT`]; what changed is
    /// forgotten, as the snapshot holds it.
    pub(crate) fn snapshot(&mut self) -> Result<Vec<u8>, serde_json::Error> {
        self.take_pending();
        self.stored.format = FORMAT;
        line(&self.stored)
    }

    /// Applies a change another process (or an earlier run) appended.
    /// `Err` says what is wrong, without the path.
    pub(crate) fn apply(&mut self, change: Change) -> Result<(), String> {
        for job in change.jobs {
            if job.duration_ms > MAX_JOB_MS {
                return Err(format!("job {} lasts longer than a year", job.id));
            }
            // A job's record is written once; a repeat changes nothing.
            if self.job(&job.id).is_none() {
                self.insert_job(job);
            }
        }
        for (name, item) in change.items {
            if let Some(id) = &item.current_job
                && self.job(id).is_none_or(|j| j.item != name)
            {
                return Err(format!(
                    "item `{name}` runs job {id}, which the file does not hold"
                ));
            }
            self.replace_item(&name, item);
        }
        if let Some(next_id) = change.next_id {
            if next_id > u64::MAX - ID_HEADROOM {
                return Err(exhausted(next_id));
            }
            self.stored.next_id = next_id;
        }
        self.stored.runbook_hits.extend(change.runbook_hits);
        Ok(())
    }
}
