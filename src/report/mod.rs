//! `drplan report`: one run's journal, the plan kept with it and the hooks'
//! kept output in ([`model::Inputs`]); a [`Report`] out, rendered as JSON
//! ([`json`]), Markdown for a ticket ([`md`]) or one self-contained HTML
//! page ([`html`]). [`achieved`] folds records into the achieved recovery
//! time, which the end-of-run summary shares.

pub mod achieved;
pub mod facts;
mod fold;
pub mod html;
pub mod json;
pub mod machines;
pub mod md;
pub mod model;
mod rows;

pub use achieved::{Achieved, RtoVerdict};
pub use model::{Inputs, Report, RunVerdict, StepResult, StepRow};

#[cfg(test)]
mod tests;
