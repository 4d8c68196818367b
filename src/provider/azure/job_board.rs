//! Following many ASR jobs with few reads: the jobs this process started
//! (with when it sent their requests) in; for each follower, its job as the
//! latest shared `replicationJobs` list shows it, out.
//!
//! A failover of N VMs follows N jobs at once. A GET of each job at every
//! poll costs N reads a cycle, and Resource Manager's read bucket (25 a
//! second) then bounds the run rather than the one POST a VM needs. Here one
//! list serves every follower: it is filtered by start time (from the
//! earliest request of a followed job, less the clocks' possible skew), read
//! page by page only until every followed job is seen (ASR lists newest
//! first), and no list starts sooner than the lister's spacing after the one
//! before (short while reads are to spare, the first poll interval when
//! they are not). A follower takes only a list started after it last looked (so
//! after its job's request was answered), so no follower is told less than
//! a GET of its own would have told it then. A job the list does not show
//! (its start time outside the window, a vault that lists in another order)
//! is read on its own by the caller.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::time::Instant;

use super::client::ClientError;
use super::models::AsrJob;
use crate::clock::Timestamp;

/// How far the vault's clock may be behind this machine's: a list filtered
/// from a request's time less this still holds the job the request started.
pub(super) const CLOCK_SKEW: Duration = Duration::from_secs(120);

/// One list of the vault's jobs, as a follower takes it.
struct Listing {
    /// Its number: lists are numbered as they start.
    number: u64,
    /// When it started.
    at: Instant,
    /// The jobs it showed, by lower-case name.
    jobs: HashMap<String, AsrJob>,
}

/// The jobs followed and the latest list of them (one per provider).
#[derive(Default)]
pub(super) struct JobBoard {
    /// When this process sent the request of each job it started, by
    /// lower-case job name.
    sent: Mutex<HashMap<String, Timestamp>>,
    /// How many followers follow each job now, by lower-case name.
    followed: Mutex<HashMap<String, usize>>,
    /// Lists started so far.
    lists: AtomicU64,
    /// The latest list; held while a list is read, so that followers who
    /// come meanwhile wait for it rather than read one of their own.
    latest: tokio::sync::Mutex<Option<Arc<Listing>>>,
}

/// What reads the vault's jobs for the board: one filtered list, read
/// until the names wanted are all seen.
pub(super) trait JobLister {
    /// The jobs started at `from` or later, newest first, read page by page
    /// until every one of `wanted` (lower-case names) is among them.
    fn list_from(
        &self,
        from: Timestamp,
        wanted: &HashSet<String>,
    ) -> impl Future<Output = Result<Vec<AsrJob>, ClientError>> + Send;

    /// The least time between the starts of two lists now.
    fn spacing(&self) -> Duration;
}

impl JobBoard {
    /// Notes that this process sent the request that started `job` at `at`.
    pub(super) fn sent(&self, job: &str, at: Timestamp) {
        self.sent
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(job.to_ascii_lowercase(), at);
    }

    /// A seat on the board for following `job`, when this process started it
    /// (else `None`: its start time is unknown, so no list is sure to show
    /// it; the caller reads it on its own).
    pub(super) fn seat(&self, job: &str) -> Option<Seat<'_>> {
        let name = job.to_ascii_lowercase();
        if !self
            .sent
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .contains_key(&name)
        {
            return None;
        }
        *self
            .followed
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(name.clone())
            .or_default() += 1;
        Some(Seat {
            board: self,
            // A list already started may have begun before the job did.
            seen: self.lists.load(Ordering::SeqCst),
            name,
        })
    }

    /// The followed jobs and the earliest time a list must start from to
    /// show them all.
    fn wanted(&self) -> (HashSet<String>, Option<Timestamp>) {
        let followed: HashSet<String> = self
            .followed
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .keys()
            .cloned()
            .collect();
        let sent = self.sent.lock().unwrap_or_else(PoisonError::into_inner);
        let from = followed.iter().filter_map(|n| sent.get(n)).min().copied();
        let from = from.map(|t| Timestamp(t.0.checked_sub(CLOCK_SKEW).unwrap_or(t.0)));
        (followed, from)
    }

    fn leave(&self, name: &str) {
        let mut followed = self.followed.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(n) = followed.get_mut(name) {
            *n -= 1;
            if *n == 0 {
                followed.remove(name);
            }
        }
    }
}

/// One follower's place on the board; dropping it stops the job being
/// looked for in lists.
pub(super) struct Seat<'b> {
    board: &'b JobBoard,
    name: String,
    /// The number of the last list this follower took (or of the last one
    /// started before it sat down).
    seen: u64,
}

impl Seat<'_> {
    /// The job as the first list started after this follower's last look
    /// shows it (`None`: that list does not show it), reading one when none
    /// has, but not sooner than the lister's spacing after the one before.
    pub(super) async fn look(
        &mut self,
        lister: &impl JobLister,
    ) -> Result<Option<AsrJob>, ClientError> {
        loop {
            let mut latest = self.board.latest.lock().await;
            if let Some(listing) = latest.as_ref() {
                if listing.number > self.seen {
                    self.seen = listing.number;
                    return Ok(listing.jobs.get(&self.name).cloned());
                }
                let next = listing.at + lister.spacing();
                if Instant::now() < next {
                    drop(latest);
                    tokio::time::sleep_until(next).await;
                    continue;
                }
            }
            let number = self.board.lists.fetch_add(1, Ordering::SeqCst) + 1;
            let at = Instant::now();
            let (wanted, from) = self.board.wanted();
            // This follower is followed, so `from` is there; the fallback is
            // a list with no lower bound, which still shows the job.
            let from = from.unwrap_or(Timestamp(std::time::UNIX_EPOCH));
            let jobs = lister.list_from(from, &wanted).await?;
            *latest = Some(Arc::new(Listing {
                number,
                at,
                jobs: jobs
                    .into_iter()
                    .map(|j| (j.name.to_ascii_lowercase(), j))
                    .collect(),
            }));
        }
    }
}

impl Drop for Seat<'_> {
    fn drop(&mut self) {
        self.board.leave(&self.name);
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicUsize;

    use super::*;

    /// A vault whose list shows the jobs named in `shown`, counting lists,
    /// with lists 2 s apart.
    struct Vault {
        shown: Mutex<Vec<&'static str>>,
        lists: AtomicUsize,
        froms: Mutex<Vec<Timestamp>>,
    }

    impl Vault {
        fn new(shown: &[&'static str]) -> Vault {
            Vault {
                shown: Mutex::new(shown.to_vec()),
                lists: AtomicUsize::new(0),
                froms: Mutex::new(Vec::new()),
            }
        }
    }

    const SPACING: Duration = Duration::from_secs(2);

    impl JobLister for Vault {
        async fn list_from(
            &self,
            from: Timestamp,
            _wanted: &HashSet<String>,
        ) -> Result<Vec<AsrJob>, ClientError> {
            self.lists.fetch_add(1, Ordering::SeqCst);
            self.froms.lock().unwrap().push(from);
            // A list takes a while: followers who come meanwhile wait for it.
            tokio::time::sleep(Duration::from_millis(100)).await;
            Ok(self
                .shown
                .lock()
                .unwrap()
                .iter()
                .map(|name| AsrJob {
                    id: format!("/v/replicationJobs/{name}"),
                    name: (*name).to_owned(),
                    properties: crate::provider::azure::models::JobProperties::default(),
                })
                .collect())
        }

        fn spacing(&self) -> Duration {
            SPACING
        }
    }

    fn at(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[tokio::test(start_paused = true)]
    async fn many_followers_share_one_list_and_lists_are_spaced() {
        let board = JobBoard::default();
        let vault = Vault::new(&["j1", "j2", "j3"]);
        board.sent("J1", at("2026-01-01T10:05:00Z"));
        board.sent("j2", at("2026-01-01T10:03:00Z"));
        board.sent("j3", at("2026-01-01T10:04:00Z"));
        let mut seats: Vec<Seat<'_>> = ["j1", "j2", "j3"]
            .iter()
            .map(|j| board.seat(j).unwrap())
            .collect();
        let looks = seats.iter_mut().map(|s| s.look(&vault));
        let seen = futures_util::future::join_all(looks).await;
        assert!(seen.iter().all(|s| s.as_ref().unwrap().is_some()));
        assert_eq!(vault.lists.load(Ordering::SeqCst), 1);
        // From the earliest request, less the skew.
        assert_eq!(vault.froms.lock().unwrap()[0], at("2026-01-01T10:01:00Z"));
        // The next look wants a newer list, which waits for the spacing.
        let started = Instant::now();
        seats[0].look(&vault).await.unwrap();
        assert_eq!(vault.lists.load(Ordering::SeqCst), 2);
        assert!(started.elapsed() >= Duration::from_millis(1900));
        // Those who have not seen it take it without a read.
        seats[1].look(&vault).await.unwrap();
        assert_eq!(vault.lists.load(Ordering::SeqCst), 2);
    }

    #[tokio::test(start_paused = true)]
    async fn a_follower_takes_no_list_started_before_it_sat_down() {
        let board = JobBoard::default();
        let vault = Vault::new(&[]);
        board.sent("j1", at("2026-01-01T10:00:00Z"));
        let mut first = board.seat("j1").unwrap();
        assert!(first.look(&vault).await.unwrap().is_none());
        // j2 started after that list: it must not be told "not listed".
        vault.shown.lock().unwrap().push("j2");
        board.sent("j2", at("2026-01-01T10:00:10Z"));
        let mut second = board.seat("j2").unwrap();
        assert!(second.look(&vault).await.unwrap().is_some());
        assert_eq!(vault.lists.load(Ordering::SeqCst), 2);
    }

    #[test]
    fn only_jobs_this_process_started_get_a_seat_and_leaving_unfollows() {
        let board = JobBoard::default();
        assert!(board.seat("other").is_none());
        board.sent("j1", at("2026-01-01T10:00:00Z"));
        let a = board.seat("j1").unwrap();
        let b = board.seat("J1").unwrap();
        drop(a);
        assert_eq!(board.wanted().0.len(), 1);
        drop(b);
        assert!(board.wanted().0.is_empty());
        assert_eq!(board.wanted().1, None);
    }
}
