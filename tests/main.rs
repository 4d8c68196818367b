//! drplan's integration tests: one binary (as just does), one module per area.

// Tests may unwrap: a panic is a failed test with its location.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

mod azure_e2e;
mod azure_inventory;
mod azure_models;
mod azure_permissions;
mod azure_target;
mod azurite_harness;
mod check;
mod cli;
mod diff;
mod diff_git;
mod docs;
mod dry_run;
mod editors_tm;
mod editors_ts;
mod emulator;
mod emulator_arm;
mod emulator_arm_shapes;
mod emulator_http;
mod emulator_shapes;
mod emulator_update;
mod exec;
mod exec_hooks;
mod fmt;
mod graph;
mod hardening_azure;
mod hardening_check;
mod hardening_files;
mod hardening_output;
mod hardening_run;
mod journal;
mod journal_blob_batching;
mod lsp;
mod lsp_large;
mod lsp_rename;
mod lsp_transport;
mod proptests;
mod readiness_cli;
mod readiness_emulator;
mod readiness_kinds;
mod resume_amend;
mod run_cli;
mod run_control;
mod run_secrets;
mod run_sim;
mod schema_sync;
mod state_cli;
mod state_faults;
mod state_store;
mod status_cli;
