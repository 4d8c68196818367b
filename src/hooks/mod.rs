//! Running one attempt of one hook: a [`HookAction`] of the plan and the
//! run's [`HookContext`] in; out, a [`HookOutput`] (a one-line summary) or a
//! [`HookError`] (one sentence, plus the tail of the hook's output), the
//! answer to a manual step when there is one, and the whole output of the
//! attempt, redacted and capped, in the [`Capture`] the caller handed in.
//!
//! The executor owns everything around an attempt: it applies the step's
//! `timeout` by dropping the future [`Runner::run`] returns (a script's whole
//! process group is killed then; what it printed so far stays in the
//! capture), and decides on retries and `on_error`.
//!
//! Secrets (`env("NAME")` map values) are read through [`Secrets`] when the
//! attempt starts, never earlier, and every value read is replaced by `***`
//! in the kept output, the output tail, error messages and progress reports
//! the hook produces.
//!
//! One file per kind: `script/`, `webhook.rs`, `probe.rs`, `manual.rs` (with
//! the [`Approvals`] a manual step waits on), `wait.rs`, `runbook.rs`; the run
//! context and secrets in `context.rs`, bounded redacted output in `output/`,
//! the leases that outlive a killed drplan in `lease.rs`.

mod context;
pub mod lease;
mod manual;
mod output;
mod probe;
mod runbook;
mod script;
#[cfg(test)]
mod test_server;
mod wait;
mod webhook;

use std::time::Duration;

pub use context::{
    HookContext, MapSecrets, PRIMARY_TO_RECOVERY, ProcessEnv, RECOVERY_TO_PRIMARY, Secrets,
    direction,
};
pub use manual::{Approvals, AutoApprove, WAITING_FOR_APPROVAL, approved_with_yes};
pub use output::{
    Capture, KEPT_BYTES, MIN_SECRET_CHARS, TAIL_BYTES, TAIL_LINES, too_short_to_redact,
};

use crate::journal::Decision;
use crate::plan::HookAction;
use crate::provider::{Progress, Provider};

/// How long an HTTP connection may take to open (webhooks and probes); the
/// whole request is bounded by the step's timeout.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// How a successful hook ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HookOutput {
    /// One line for the journal and the terminal: `exit 0`, `200 OK`,
    /// `approved by ana on vm (--yes)`, …
    pub summary: String,
    /// A manual step's approval.
    pub decision: Option<Decision>,
}

impl HookOutput {
    /// A success with its summary.
    pub fn new(summary: impl Into<String>) -> Self {
        Self {
            summary: summary.into(),
            decision: None,
        }
    }
}

/// Why an attempt of a hook failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct HookError {
    /// One clear sentence: what failed and how (`script hooks/a.sh exited
    /// with status 3`). Never holds a secret's value.
    pub message: String,
    /// The last lines of the hook's output (at most [`TAIL_LINES`] lines and
    /// [`TAIL_BYTES`] bytes), secrets redacted, when it printed anything.
    pub output_tail: Option<String>,
    /// A manual step's rejection: the step fails, and asking again would
    /// only get the same answer, so it is not retried.
    pub decision: Option<Decision>,
}

impl HookError {
    /// An error without output.
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            output_tail: None,
            decision: None,
        }
    }

    /// The same error with the tail of the hook's output.
    #[must_use]
    pub fn with_tail(mut self, tail: Option<String>) -> Self {
        self.output_tail = tail;
        self
    }
}

/// Runs hooks: holds what they need from outside (the vault for runbooks,
/// secrets, how approvals arrive, an HTTP client).
pub struct Runner<'a> {
    provider: &'a dyn Provider,
    secrets: &'a dyn Secrets,
    approvals: &'a dyn Approvals,
    http: reqwest::Client,
}

impl<'a> Runner<'a> {
    /// A runner with its own HTTP client (see [`http_client`]).
    pub fn new(
        provider: &'a dyn Provider,
        secrets: &'a dyn Secrets,
        approvals: &'a dyn Approvals,
    ) -> Result<Self, HookError> {
        Ok(Self::with_http(
            provider,
            secrets,
            approvals,
            http_client()?,
        ))
    }

    /// A runner sharing an existing HTTP client.
    pub fn with_http(
        provider: &'a dyn Provider,
        secrets: &'a dyn Secrets,
        approvals: &'a dyn Approvals,
        http: reqwest::Client,
    ) -> Self {
        Self {
            provider,
            secrets,
            approvals,
            http,
        }
    }

    /// Runs one attempt of `hook`, reporting progress as it goes and adding
    /// what it prints to `kept` (left empty by kinds that print nothing).
    /// Dropping the future cancels the attempt (a script's process group is
    /// killed); `kept` holds what was printed until then.
    pub async fn run(
        &self,
        hook: &HookAction,
        ctx: &HookContext,
        progress: &(dyn Fn(Progress) + Send + Sync),
        kept: &Capture,
    ) -> Result<HookOutput, HookError> {
        match hook {
            HookAction::Script { path, args, env } => {
                script::run(path, args, env, ctx, self.secrets, progress, kept).await
            }
            HookAction::Webhook {
                url,
                method,
                headers,
                body,
                expect,
            } => {
                let request = webhook::Request {
                    url,
                    method,
                    headers,
                    body: body.as_deref(),
                    expect: *expect,
                };
                webhook::run(&self.http, &request, ctx, self.secrets, kept).await
            }
            HookAction::Probe {
                url,
                expect,
                every,
                within,
            } => {
                let probe = probe::Probe {
                    url,
                    expect: *expect,
                    every: every.to_std(),
                    within: within.to_std(),
                };
                // A probe sends no secret, but a page may show one it knows.
                kept.start(&output::Redactor::seeded(ctx, self.secrets));
                probe::run(&self.http, &probe, progress, kept).await
            }
            HookAction::Manual { instructions } => {
                manual::run(self.approvals, ctx, instructions, progress).await
            }
            HookAction::Wait { duration } => wait::run(*duration, ctx, progress).await,
            HookAction::Runbook {
                name,
                account,
                params,
            } => {
                let runbook = runbook::Runbook {
                    name,
                    account,
                    params,
                };
                runbook::run(self.provider, self.secrets, &runbook, ctx, progress, kept).await
            }
        }
    }
}

/// The HTTP client of webhooks and probes: a [`CONNECT_TIMEOUT`], and no
/// redirects, since a redirect could carry a webhook's secret headers to
/// another host, or turn https into plain http; a probe sees a redirect as
/// its status.
pub fn http_client() -> Result<reqwest::Client, HookError> {
    reqwest::Client::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| HookError::new(format!("could not set up an HTTP client: {}", chain(&e))))
}

use crate::error_chain::chain;

/// The executor's side of hooks: a [`Runner`] and the facts of the run,
/// with each call's step, group and VMs filled in.
pub struct RunHooks<'a> {
    /// Runs the hooks.
    pub runner: Runner<'a>,
    /// The run's facts; `step`, `group`, `vms` and the regions are set per
    /// call.
    pub base: HookContext,
}

impl RunHooks<'_> {
    /// The run's facts for `plan` (step, group and VMs left empty).
    pub fn context(
        plan: &crate::plan::Plan,
        run_id: &str,
        operation: crate::graph::Operation,
        plan_dir: std::path::PathBuf,
        wait_scale: f64,
    ) -> HookContext {
        HookContext {
            run_id: run_id.to_string(),
            plan: plan.name.clone(),
            operation,
            direction: direction(operation),
            group: String::new(),
            vms: Vec::new(),
            primary: plan.primary.clone(),
            recovery: plan.recovery.clone(),
            step: String::new(),
            plan_dir,
            wait_scale,
            secret_names: secret_names(plan),
            lease_dir: None,
            failed_steps: Vec::new(),
        }
    }
}

/// The names of every `env("NAME")` in the plan's hooks and notify
/// targets, once each.
pub fn secret_names(plan: &crate::plan::Plan) -> Vec<String> {
    sorted_names(
        plan.all_hooks()
            .flat_map(|h| hook_secrets(&h.action))
            .chain(crate::notify::secret_names(&plan.notify)),
    )
}

/// The `env("NAME")` names a run of `graph` reads, once each: what must be
/// set before a run starts. Beside the graph's hooks, the plan's
/// `on_failure` hooks (the run may fail) and its notify targets.
pub fn secrets_needed(plan: &crate::plan::Plan, graph: &crate::graph::StepGraph) -> Vec<String> {
    let hooks = graph
        .steps()
        .filter_map(|(_, step)| step.action.hook(plan))
        .chain(&plan.on_failure);
    sorted_names(
        hooks
            .flat_map(|h| hook_secrets(&h.action))
            .chain(crate::notify::secret_names(&plan.notify)),
    )
}

fn hook_secrets(action: &HookAction) -> Vec<&str> {
    let (HookAction::Script { env: map, .. }
    | HookAction::Runbook { params: map, .. }
    | HookAction::Webhook { headers: map, .. }) = action
    else {
        return Vec::new();
    };
    map.values()
        .filter_map(|v| match v {
            crate::plan::MapValue::Secret(s) => Some(s.name.as_str()),
            crate::plan::MapValue::Literal(_) => None,
        })
        .collect()
}

fn sorted_names<'a>(names: impl Iterator<Item = &'a str>) -> Vec<String> {
    let mut names: Vec<String> = names.map(str::to_string).collect();
    names.sort();
    names.dedup();
    names
}

#[async_trait::async_trait]
impl crate::exec::HookRunner for RunHooks<'_> {
    async fn run(
        &self,
        hook: &HookAction,
        call: crate::exec::HookCall<'_>,
        progress: &(dyn Fn(Progress) + Send + Sync),
    ) -> crate::exec::HookEnd {
        let mut ctx = self.base.clone();
        ctx.step = call.step.to_string();
        ctx.group = call.group.to_string();
        ctx.vms = call.vms.to_vec();
        // A group with its own region pair tells its hooks of that pair.
        (ctx.primary, ctx.recovery) = (call.regions.0.to_string(), call.regions.1.to_string());
        ctx.failed_steps = call.failed.to_vec();
        match self.runner.run(hook, &ctx, progress, call.output).await {
            Ok(out) => crate::exec::HookEnd {
                result: Ok(out.summary),
                decision: out.decision,
            },
            Err(e) => crate::exec::HookEnd {
                result: Err(crate::exec::StepFailure {
                    message: e.message,
                    possible_causes: None,
                    recommended_action: None,
                    output: e.output_tail,
                }),
                decision: e.decision,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::path::PathBuf;

    use super::*;
    use crate::duration::Duration as PlanDuration;
    use crate::hooks::context::tests::{context, secrets};
    use crate::hooks::runbook::tests::FakeAutomation;

    fn assert_send<T: Send>(_: &T) {}

    #[tokio::test(start_paused = true)]
    async fn the_runner_dispatches_on_the_kind() {
        let provider = FakeAutomation::new(true, None, "");
        let secrets = secrets(&[]);
        let runner = Runner::new(&provider, &secrets, &AutoApprove).unwrap();
        let ctx = context(PathBuf::from("."));
        let yes = approved_with_yes().describe();
        let hooks = [
            (
                HookAction::Wait {
                    duration: PlanDuration::from_secs(5),
                },
                "waited 5s",
            ),
            (
                HookAction::Manual {
                    instructions: "check the DB".into(),
                },
                yes.as_str(),
            ),
            (
                HookAction::Runbook {
                    name: "Start-App".into(),
                    account: "/subscriptions/x".into(),
                    params: BTreeMap::new(),
                },
                "job job-1 Completed",
            ),
        ];
        let kept = Capture::new();
        for (hook, summary) in hooks {
            let attempt = runner.run(&hook, &ctx, &|_| {}, &kept);
            // Attempts stay `Send`, so that an executor may spawn them on a
            // multi-threaded runtime.
            assert_send(&attempt);
            assert_eq!(attempt.await.unwrap().summary, summary);
        }
        let script = HookAction::Script {
            path: "no-such-script".into(),
            args: Vec::new(),
            env: BTreeMap::new(),
        };
        assert_send(&runner.run(&script, &ctx, &|_| {}, &kept));
    }
}
