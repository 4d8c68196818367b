//! `runbook "<name>" { account  params }`: a runbook, its Automation account
//! and parameters in (secrets read now; with no `params`, the run context as
//! ASR's `RecoveryPlanContext`, so runbooks written for ASR recovery plans run
//! unchanged); the job's final status out, or an error with its exception and
//! the redacted tail of its output; the job's output, as the provider gives
//! it, to a [`Capture`].

use std::collections::BTreeMap;

use super::context::resolve_map;
use super::output::{Capture, Redactor, Tail, prefix};
use super::{HookContext, HookError, HookOutput, Secrets};
use crate::plan::MapValue;
use crate::provider::{Progress, Provider, RunbookRequest};

/// How much of a job's exception the error message shows (the output tail
/// carries the rest of the story).
const EXCEPTION_BYTES: usize = 300;

/// A runbook hook as the plan gives it.
pub(super) struct Runbook<'a> {
    pub(super) name: &'a str,
    pub(super) account: &'a str,
    pub(super) params: &'a BTreeMap<String, MapValue>,
}

/// Runs the runbook job to its end through the provider.
pub(super) async fn run(
    provider: &dyn Provider,
    secrets: &dyn Secrets,
    runbook: &Runbook<'_>,
    ctx: &HookContext,
    progress: &(dyn Fn(Progress) + Send + Sync),
    kept: &Capture,
) -> Result<HookOutput, HookError> {
    let Runbook {
        name,
        account,
        params,
    } = *runbook;
    let mut redactor = Redactor::seeded(ctx, secrets);
    let params: BTreeMap<String, String> = if params.is_empty() {
        BTreeMap::from([(
            "RecoveryPlanContext".to_owned(),
            ctx.recovery_plan_context().to_string(),
        )])
    } else {
        resolve_map(params, secrets, "runbook parameter", &mut redactor)?
            .into_iter()
            .collect()
    };
    let request = RunbookRequest {
        account: account.to_owned(),
        runbook: name.to_owned(),
        params,
    };
    // A runbook may echo its parameters; keep them out of progress reports too.
    let report = |p: Progress| {
        progress(Progress {
            percent: p.percent,
            message: redactor.redact(&p.message),
        });
    };
    let outcome = provider.run_runbook(&request, &report).await.map_err(|e| {
        HookError::new(format!(
            "runbook `{name}` could not run: {}",
            redactor.redact(&e.to_string())
        ))
    })?;
    kept.start(&redactor);
    kept.push(outcome.output_tail.as_bytes());
    if outcome.succeeded {
        return Ok(HookOutput::new(format!(
            "job {} {}",
            outcome.job, outcome.status
        )));
    }
    let mut message = format!(
        "runbook `{name}` (job {}) ended {}",
        outcome.job, outcome.status
    );
    let exception = outcome
        .exception
        .as_deref()
        .and_then(|e| e.lines().map(str::trim).find(|l| !l.is_empty()))
        .map(|line| redactor.redact(line));
    if let Some(exception) = exception {
        message.push_str(": ");
        message.push_str(prefix(&exception, EXCEPTION_BYTES));
    }
    let mut tail = Tail::default();
    tail.push(outcome.output_tail.as_bytes());
    Err(HookError::new(message).with_tail(tail.finish(&redactor)))
}

#[cfg(test)]
pub(super) mod tests {
    use std::path::PathBuf;
    use std::sync::Mutex;

    use async_trait::async_trait;

    use super::*;
    use crate::graph::Operation;
    use crate::hooks::context::tests::{context, secrets};
    use crate::hooks::{RECOVERY_TO_PRIMARY, direction};
    use crate::plan::Secret;
    use crate::provider::{
        Job, JobId, Machine, OperationOptions, ProviderError, RunbookOutcome, Target, VaultHealth,
    };

    /// A provider that only runs runbooks: records each request and answers
    /// with a canned outcome.
    pub(in crate::hooks) struct FakeAutomation {
        requests: Mutex<Vec<RunbookRequest>>,
        outcome: RunbookOutcome,
    }

    impl FakeAutomation {
        pub(in crate::hooks) fn new(
            succeeded: bool,
            exception: Option<&str>,
            output: &str,
        ) -> Self {
            Self {
                requests: Mutex::new(Vec::new()),
                outcome: RunbookOutcome {
                    job: "job-1".into(),
                    succeeded,
                    status: if succeeded { "Completed" } else { "Failed" }.into(),
                    exception: exception.map(str::to_owned),
                    output_tail: output.into(),
                },
            }
        }
    }

    fn unused() -> ProviderError {
        ProviderError::Service("not used by runbook tests".into())
    }

    #[async_trait]
    impl Provider for FakeAutomation {
        fn describe(&self) -> String {
            "fake automation".into()
        }
        async fn machines(&self, _: &[Target]) -> Result<Vec<Machine>, ProviderError> {
            Err(unused())
        }
        async fn start(
            &self,
            _: &Target,
            _: Operation,
            _: &OperationOptions,
        ) -> Result<JobId, ProviderError> {
            Err(unused())
        }
        async fn job(&self, _: &JobId) -> Result<Job, ProviderError> {
            Err(unused())
        }
        async fn follow(
            &self,
            _: &JobId,
            _: &(dyn Fn(Progress) + Send + Sync),
        ) -> Result<Job, ProviderError> {
            Err(unused())
        }
        async fn jobs(&self, _: &[Target]) -> Result<Vec<Job>, ProviderError> {
            Err(unused())
        }
        async fn vault_health(&self) -> Result<VaultHealth, ProviderError> {
            Err(unused())
        }
        async fn run_runbook(
            &self,
            request: &RunbookRequest,
            progress: &(dyn Fn(Progress) + Send + Sync),
        ) -> Result<RunbookOutcome, ProviderError> {
            progress(Progress {
                percent: None,
                message: "Running".into(),
            });
            self.requests.lock().unwrap().push(request.clone());
            Ok(self.outcome.clone())
        }
    }

    const ACCOUNT: &str = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.Automation/automationAccounts/aa";

    async fn run_with(
        provider: &FakeAutomation,
        params: &BTreeMap<String, MapValue>,
        ctx: &HookContext,
    ) -> Result<HookOutput, HookError> {
        run_kept(provider, params, ctx).await.0
    }

    /// The result and the job output kept.
    async fn run_kept(
        provider: &FakeAutomation,
        params: &BTreeMap<String, MapValue>,
        ctx: &HookContext,
    ) -> (Result<HookOutput, HookError>, Option<String>) {
        let secrets = secrets(&[("SQL_PASS", "hunter2-x9")]);
        let kept = Capture::new();
        let runbook = Runbook {
            name: "Start-App",
            account: ACCOUNT,
            params,
        };
        let result = run(provider, &secrets, &runbook, ctx, &|_| {}, &kept).await;
        (result, kept.text())
    }

    #[tokio::test]
    async fn without_params_passes_the_recovery_plan_context() {
        let provider = FakeAutomation::new(true, None, "");
        let mut ctx = context(PathBuf::from("."));
        ctx.operation = Operation::Failback;
        ctx.direction = direction(Operation::Failback);
        assert_eq!(ctx.direction, RECOVERY_TO_PRIMARY);
        let out = run_with(&provider, &BTreeMap::new(), &ctx).await.unwrap();
        assert_eq!(out.summary, "job job-1 Completed");
        let requests = provider.requests.lock().unwrap();
        assert_eq!(requests[0].account, ACCOUNT);
        assert_eq!(requests[0].runbook, "Start-App");
        assert_eq!(requests[0].params.len(), 1);
        let context: serde_json::Value =
            serde_json::from_str(&requests[0].params["RecoveryPlanContext"]).unwrap();
        assert_eq!(
            context,
            serde_json::json!({
                "RecoveryPlanName": "contoso-web",
                "FailoverType": "Unplanned",
                "FailoverDirection": "SecondaryToPrimary",
                "GroupId": "db",
                "VmMap": {
                    "sql-01": { "RoleName": "sql-01" },
                    "sql-02": { "RoleName": "sql-02" },
                },
            })
        );
    }

    #[tokio::test]
    async fn test_failover_is_a_test() {
        let mut ctx = context(PathBuf::from("."));
        ctx.operation = Operation::TestFailover;
        let context = ctx.recovery_plan_context();
        assert_eq!(context["FailoverType"], "Test");
        assert_eq!(context["FailoverDirection"], "PrimaryToSecondary");
    }

    #[tokio::test]
    async fn given_params_are_passed_with_secrets_resolved() {
        let provider = FakeAutomation::new(true, None, "");
        let params = BTreeMap::from([
            ("Server".to_owned(), MapValue::Literal("sql-01".into())),
            (
                "Password".to_owned(),
                MapValue::Secret(Secret {
                    name: "SQL_PASS".into(),
                }),
            ),
        ]);
        run_with(&provider, &params, &context(PathBuf::from(".")))
            .await
            .unwrap();
        let requests = provider.requests.lock().unwrap();
        assert_eq!(
            requests[0].params,
            BTreeMap::from([
                ("Password".to_owned(), "hunter2-x9".to_owned()),
                ("Server".to_owned(), "sql-01".to_owned()),
            ])
        );
    }

    #[tokio::test]
    async fn a_failed_job_gives_exception_and_redacted_tail() {
        let provider = FakeAutomation::new(
            false,
            Some("\nLogin failed for password hunter2-x9\nat line 3"),
            "connecting with hunter2-x9\nfailed\n",
        );
        let params = BTreeMap::from([(
            "Password".to_owned(),
            MapValue::Secret(Secret {
                name: "SQL_PASS".into(),
            }),
        )]);
        let (result, kept) = run_kept(&provider, &params, &context(PathBuf::from("."))).await;
        let err = result.unwrap_err();
        assert_eq!(
            err.message,
            "runbook `Start-App` (job job-1) ended Failed: Login failed for password ***"
        );
        assert_eq!(
            err.output_tail.as_deref(),
            Some("connecting with ***\nfailed")
        );
        assert_eq!(kept.as_deref(), Some("connecting with ***\nfailed\n"));
    }

    #[tokio::test]
    async fn a_successful_jobs_output_is_kept_too() {
        let provider = FakeAutomation::new(true, None, "AG SYNCHRONIZED\n");
        let (result, kept) =
            run_kept(&provider, &BTreeMap::new(), &context(PathBuf::from("."))).await;
        assert_eq!(result.unwrap().summary, "job job-1 Completed");
        assert_eq!(kept.as_deref(), Some("AG SYNCHRONIZED\n"));
    }
}
