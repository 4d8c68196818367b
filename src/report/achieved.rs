//! Journal records to the achieved recovery time (first step started → last
//! VM step finished, and → last step finished) and that time against the
//! plan's RTO and the dry run's estimate. The report and the end-of-run
//! summary both fold records through [`Achieved`], so they agree.

use std::collections::HashSet;

use serde::Serialize;

use crate::clock::Timestamp;
use crate::graph::StepKind;
use crate::journal::{Event, Record, StepStatus};

/// The times that bound a run's recovery, folded from its records.
#[derive(Debug, Clone, Default)]
pub struct Achieved {
    first_start: Option<Timestamp>,
    last_vm_end: Option<Timestamp>,
    last_end: Option<Timestamp>,
    /// VM steps seen starting: `step_finished` does not carry the kind.
    vm_steps: HashSet<String>,
}

impl Achieved {
    /// Folds one record in.
    pub fn see(&mut self, record: &Record) {
        match &record.event {
            Event::StepStarted { step, kind, .. } => {
                self.first_start = Some(self.first_start.map_or(record.ts, |t| t.min(record.ts)));
                if *kind == StepKind::Vm {
                    self.vm_steps.insert(step.clone());
                }
            }
            // A skipped step did no work: it ends no part of the recovery.
            Event::StepFinished { step, status, .. } if *status != StepStatus::Skipped => {
                let later = |t: Option<Timestamp>| Some(t.map_or(record.ts, |t| t.max(record.ts)));
                self.last_end = later(self.last_end);
                if self.vm_steps.contains(step) {
                    self.last_vm_end = later(self.last_vm_end);
                }
            }
            _ => {}
        }
    }

    /// Folds every record in.
    pub fn of(records: &[Record]) -> Achieved {
        let mut achieved = Achieved::default();
        for r in records {
            achieved.see(r);
        }
        achieved
    }

    /// When the first step started.
    pub fn first_start(&self) -> Option<Timestamp> {
        self.first_start
    }

    /// First step started → last VM step finished, in seconds.
    pub fn to_last_vm_s(&self) -> Option<f64> {
        Some(self.last_vm_end?.since(self.first_start?).as_secs_f64())
    }

    /// First step started → last step finished, in seconds.
    pub fn to_last_step_s(&self) -> Option<f64> {
        Some(self.last_end?.since(self.first_start?).as_secs_f64())
    }
}

/// The achieved time against the plan's RTO.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "verdict", rename_all = "snake_case")]
pub enum RtoVerdict {
    /// The operation completed within the RTO, with this much to spare.
    Met {
        /// Seconds to spare.
        margin_s: f64,
    },
    /// It took (or, still unfinished, has already taken) longer.
    Missed {
        /// Seconds over.
        by_s: f64,
    },
    /// It did not complete (failed, interrupted or still running) and has
    /// not used up the RTO yet: neither met nor missed.
    NotCompleted,
}

impl RtoVerdict {
    /// The verdict of a run that took `achieved_s` (so far) against `rto_s`;
    /// `completed`: the operation reached its end.
    pub fn judge(achieved_s: f64, rto_s: f64, completed: bool) -> RtoVerdict {
        if achieved_s > rto_s {
            RtoVerdict::Missed {
                by_s: achieved_s - rto_s,
            }
        } else if completed {
            RtoVerdict::Met {
                margin_s: rto_s - achieved_s,
            }
        } else {
            RtoVerdict::NotCompleted
        }
    }

    /// `met, 21m30s` / `missed by 4m` / `not completed`, given the achieved
    /// time it was judged on.
    pub fn describe(self, achieved_s: f64) -> String {
        match self {
            RtoVerdict::Met { .. } => format!("met, {}", duration(achieved_s)),
            RtoVerdict::Missed { by_s } => format!("missed by {}", duration(by_s)),
            RtoVerdict::NotCompleted => "not completed".to_string(),
        }
    }
}

/// Seconds for people: `12.3s` under a minute, else `21m30s`.
pub fn duration(s: f64) -> String {
    if s < 60.0 {
        format!("{s:.1}s")
    } else {
        // Rounded to whole seconds for display; never negative here.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let whole = s.max(0.0).round() as u64;
        crate::duration::Duration::from_secs(whole).to_string()
    }
}
