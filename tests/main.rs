//! drplan's integration tests: one binary (as just does), one module per area.

mod support;

mod check;
mod cli;
mod dry_run;
mod fmt;
mod graph;
mod proptests;
mod schema_sync;
