//! Delivery: notifications in, HTTP POSTs to each target out, on a thread
//! with a runtime of its own, so that neither a hanging endpoint nor the
//! run's (possibly paused, in tests) clock holds the other up. Each target
//! has its own queue, delivered in order; a request has a timeout and a
//! couple of retries on a 5xx or a transport error. Failures are logged,
//! never returned.

use std::time::Duration;

use tokio::sync::{mpsc, oneshot};

use super::{Notification, NotifyTarget};
use crate::hooks::Secrets;
use crate::plan::MapValue;

/// How hard delivery tries, and how long the run's end waits for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotifyOptions {
    /// One request, from connecting to the answer.
    pub timeout: Duration,
    /// Tries after the first, on a 5xx answer or a transport error.
    pub retries: u32,
    /// Wait before the first retry; doubled for each next one.
    pub backoff: Duration,
    /// How long the run's end waits for notifications still queued.
    pub drain: Duration,
}

impl Default for NotifyOptions {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(10),
            retries: 2,
            backoff: Duration::from_secs(1),
            drain: Duration::from_secs(10),
        }
    }
}

/// A target with its URL read.
struct Resolved {
    target: NotifyTarget,
    url: String,
}

/// Delivers notifications in the background; [`Notifier::finish`] waits,
/// bounded, for the queue to empty.
pub struct Notifier {
    tx: Option<mpsc::UnboundedSender<Notification>>,
    done: Option<oneshot::Receiver<()>>,
}

impl Notifier {
    /// A notifier for the plan's targets, or `None` when it has none (or
    /// none whose URL could be read: each such target is logged).
    pub fn start(
        targets: &[NotifyTarget],
        secrets: &dyn Secrets,
        options: NotifyOptions,
    ) -> Option<Notifier> {
        let resolved: Vec<Resolved> = targets
            .iter()
            .filter_map(|t| {
                let url = match &t.url {
                    MapValue::Literal(url) => url.clone(),
                    MapValue::Secret(s) => {
                        let Some(url) = secrets.get(&s.name) else {
                            tracing::warn!(
                                "notifications to {s} are not sent: the variable is not set"
                            );
                            return None;
                        };
                        url
                    }
                };
                Some(Resolved {
                    target: t.clone(),
                    url,
                })
            })
            .collect();
        if resolved.is_empty() {
            return None;
        }
        let (tx, rx) = mpsc::unbounded_channel();
        let (done_tx, done) = oneshot::channel();
        let spawned = std::thread::Builder::new()
            .name("drplan-notify".into())
            .spawn(move || deliver_all(resolved, rx, options, done_tx));
        if let Err(e) = spawned {
            tracing::warn!("notifications are not sent: cannot start their thread: {e}");
            return None;
        }
        Some(Notifier {
            tx: Some(tx),
            done: Some(done),
        })
    }

    /// A sender that queues a notification without waiting.
    pub fn sender(&self) -> Option<mpsc::UnboundedSender<Notification>> {
        self.tx.clone()
    }

    /// Queues one notification; never waits.
    pub fn send(&self, notification: Notification) {
        if let Some(tx) = &self.tx {
            let _ = tx.send(notification);
        }
    }

    /// Closes the queue and waits until what was queued is delivered, or
    /// given up after [`NotifyOptions::drain`] (the delivery thread keeps
    /// that bound, in real time).
    pub async fn finish(mut self) {
        self.tx = None;
        if let Some(done) = self.done.take() {
            let _ = done.await;
        }
    }
}

/// The delivery thread: one queue a target, until the notifier closes and
/// the queues drain (or the drain bound passes).
fn deliver_all(
    targets: Vec<Resolved>,
    mut rx: mpsc::UnboundedReceiver<Notification>,
    options: NotifyOptions,
    done: oneshot::Sender<()>,
) {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            tracing::warn!("notifications are not sent: cannot start their runtime: {e}");
            let _ = done.send(());
            return;
        }
    };
    runtime.block_on(async move {
        let client = match reqwest::Client::builder()
            .timeout(options.timeout)
            .connect_timeout(options.timeout)
            // A redirect could carry a chat token elsewhere.
            .redirect(reqwest::redirect::Policy::none())
            .build()
        {
            Ok(c) => c,
            Err(e) => {
                tracing::warn!("notifications are not sent: no HTTP client: {e}");
                let _ = done.send(());
                return;
            }
        };
        let mut queues = Vec::new();
        let mut tasks = tokio::task::JoinSet::new();
        for target in targets {
            let (tx, mut queue) = mpsc::unbounded_channel::<Notification>();
            let client = client.clone();
            let events = target.target.events.clone();
            tasks.spawn(async move {
                while let Some(n) = queue.recv().await {
                    deliver(&client, &target, &n, options).await;
                }
            });
            queues.push((tx, events));
        }
        while let Some(n) = rx.recv().await {
            for (queue, events) in &queues {
                if events.contains(&n.event) {
                    let _ = queue.send(n.clone());
                }
            }
        }
        drop(queues);
        let drained = tokio::time::timeout(options.drain, async {
            while tasks.join_next().await.is_some() {}
        })
        .await;
        if drained.is_err() {
            tracing::warn!(
                "gave up on notifications still being delivered after {:?}",
                options.drain
            );
            tasks.abort_all();
        }
        let _ = done.send(());
    });
}

/// One notification to one target: retried on a 5xx or a transport error,
/// logged when it cannot be delivered.
async fn deliver(
    client: &reqwest::Client,
    target: &Resolved,
    n: &Notification,
    options: NotifyOptions,
) {
    let body = n.body(target.target.format);
    let label = target.target.label();
    let mut wait = options.backoff;
    for attempt in 0..=options.retries {
        if attempt > 0 {
            tokio::time::sleep(wait).await;
            wait = wait.saturating_mul(2);
        }
        let last = attempt == options.retries;
        let request = client
            .post(&target.url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body.clone());
        match request.send().await {
            Ok(r) if r.status().is_success() => return,
            Ok(r) if r.status().is_server_error() && !last => {}
            Ok(r) => {
                tracing::warn!(
                    "notification {} to {label} was refused: {}",
                    n.event.as_str(),
                    r.status()
                );
                return;
            }
            // The error without its URL: a chat webhook's path is its token.
            Err(e) if last => {
                tracing::warn!(
                    "notification {} to {label} was not delivered: {}",
                    n.event.as_str(),
                    crate::error_chain::chain(&e.without_url())
                );
            }
            Err(_) => {}
        }
    }
}
