//! The job list: rows newest first with their durations, ASR's counts, the
//! dashboard's recent jobs and the `drplan jobs` table with its limit.

use super::*;

#[test]
fn job_rows_measure_duration_and_come_newest_first() {
    let jobs = [
        job(
            "j1",
            "db-01",
            JobState::Succeeded,
            ago(3_600),
            Some(ago(3_388)),
        ),
        job("j3", "web-01", JobState::InProgress, ago(90), None),
        job("j2", "web-02", JobState::Failed, ago(600), Some(ago(500))),
        job("j0", "web-02", JobState::Cancelled, ago(7_200), None),
    ];
    let r = jobs_report(&jobs, now(), None);
    assert_eq!((r.total, r.truncated), (4, false));
    let rows: Vec<(&str, Option<u64>)> = r
        .jobs
        .iter()
        .map(|j| (j.id.0.as_str(), j.duration_s))
        .collect();
    assert_eq!(
        rows,
        [
            ("j3", Some(90)),
            ("j2", Some(100)),
            ("j1", Some(212)),
            ("j0", None)
        ]
    );
}

#[test]
fn jobs_summary_counts_as_asr_does() {
    let jobs = [
        job(
            "a",
            "x",
            JobState::Failed,
            ago(2 * DAY),
            Some(ago(24 * 3_600)),
        ),
        job(
            "b",
            "x",
            JobState::Failed,
            ago(2 * DAY),
            Some(ago(24 * 3_600 + 1)),
        ),
        job("c", "x", JobState::Failed, ago(60), None),
        job("d", "x", JobState::InProgress, ago(60), None),
        job("e", "x", JobState::NotStarted, ago(1), None),
        job("f", "x", JobState::Suspended, ago(60), None),
        job("g", "x", JobState::Succeeded, ago(60), Some(ago(1))),
    ];
    let d = build(&plan(""), &[], &VaultHealth::default(), &jobs, now());
    assert_eq!(
        d.jobs_summary,
        JobsSummary {
            failed_24h: 2,
            in_progress: 2,
            waiting_for_input: 1,
        }
    );
}

#[test]
fn the_dashboard_keeps_unfinished_jobs_and_the_most_recent_others() {
    let mut jobs: Vec<Job> = (0..15)
        .map(|i| {
            job(
                &format!("done-{i:02}"),
                "x",
                JobState::Succeeded,
                ago(1_000 + i),
                Some(ago(10)),
            )
        })
        .collect();
    // Older than every finished one, but still running: it stays.
    jobs.push(job(
        "old-running",
        "x",
        JobState::InProgress,
        ago(DAY),
        None,
    ));
    let d = build(&plan(""), &[], &VaultHealth::default(), &jobs, now());
    assert_eq!(d.jobs.len(), RECENT_JOBS);
    assert_eq!(d.jobs[0].id.0, "done-00");
    assert_eq!(d.jobs[8].id.0, "done-08");
    assert_eq!(d.jobs[9].id.0, "old-running");
}

#[test]
fn jobs_human_lists_jobs_with_errors() {
    let d = busy();
    let report = JobsReport {
        total: d.jobs.len(),
        truncated: false,
        jobs: d.jobs,
    };
    let text = jobs_human(&report, false);
    insta::assert_snapshot!(text, @r#"
    STARTED               VM      OPERATION  STATE            DURATION  JOB
    2025-12-31 23:58:00Z  web-02  failover   in progress 40%  2m        Failover
    2025-12-31 23:00:00Z  web-02  failover   failed           3m20s     Failover
      error: 70038: The VM could not start.
        → Check the target network.
    "#);
    let none = JobsReport {
        jobs: vec![],
        total: 0,
        truncated: false,
    };
    assert_eq!(jobs_human(&none, false), "no jobs\n");
}

#[test]
fn a_limited_job_list_says_how_many_it_left_out_and_how_to_see_them() {
    let jobs: Vec<Job> = (0..5)
        .map(|i| {
            let started = ago(600 - i * 60);
            job(
                &format!("j{i}"),
                "web-01",
                JobState::Succeeded,
                started,
                Some(now()),
            )
        })
        .collect();
    let r = jobs_report(&jobs, now(), Some(2));
    let ids: Vec<&str> = r.jobs.iter().map(|j| j.id.0.as_str()).collect();
    assert_eq!(ids, ["j4", "j3"], "the newest");
    assert_eq!((r.total, r.truncated), (5, true));
    let text = jobs_human(&r, false);
    assert!(
        text.ends_with(
            "\nshowing the newest 2 of 5 jobs; `--limit N` shows more, `--all` every one\n"
        ),
        "{text}"
    );
    for every in [None, Some(5), Some(6)] {
        let r = jobs_report(&jobs, now(), every);
        assert_eq!(
            (r.jobs.len(), r.total, r.truncated),
            (5, 5, false),
            "{every:?}"
        );
        assert!(!jobs_human(&r, false).contains("showing"), "{every:?}");
    }
}
