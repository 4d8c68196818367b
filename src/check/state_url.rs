//! The checker's reading of the plan's `state "URL"`: the AST value in; the
//! Blob Storage container it names out (a [`BlobLocation`] without a SAS),
//! or `drplan::invalid_state_url` for a URL drplan cannot keep runs at and
//! `drplan::state_sas` for a URL that carries a SAS, a secret that has no
//! place in a file kept in version control.

use crate::ast::ValueKind;
use crate::diagnostic::Diagnostic;
use crate::journal::{BlobLocation, LocationError};

use super::Checker;
use super::settings::Entries;

impl Checker<'_> {
    /// `state`: where runs of the plan keep their state.
    pub(super) fn state(&mut self, entries: &Entries<'_>) -> Option<BlobLocation> {
        let setting = entries.get("state")?;
        let spec = entries.spec("state")?;
        let value = Self::first_value(setting)?;
        if let ValueKind::Env(var) = &value.kind {
            // `text_value` would point at maps; the environment already has
            // its own way to give a state location.
            self.invalid(
                value.span,
                "`state` cannot come from `env(…)`".into(),
                "not a URL",
                Some(format!(
                    "to choose the state location from the environment, set `DRPLAN_STATE` (instead of `{var}`) and remove `state` from the plan"
                )),
            );
            return None;
        }
        let (text, span) = self.text_value(value, "state")?;
        // The SAS is reported whatever else is wrong with the URL: it is the
        // one problem that leaks a secret.
        let (base, query) = text.split_once('?').unwrap_or((&text, ""));
        let sas = query.split('&').any(|p| p.starts_with("sig="));
        if sas {
            self.diags.push(Diagnostic::StateSas { at: span });
        }
        let error = match BlobLocation::parse(if sas { base } else { &text }) {
            Ok(location) => return (!sas).then_some(location),
            Err(e) => e,
        };
        let (message, help) = match error {
            // The parser's advice ("paste the whole SAS URL") is for
            // `--state` and `DRPLAN_STATE`; a plan keeps no query at all.
            LocationError::NotSas { text } => (
                format!(
                    "the `state` URL `{text}` has a query string, and a plan's state URL takes none"
                ),
                format!("remove the `?…` part: `state \"{text}\"`"),
            ),
            other => (
                other.to_string(),
                format!(
                    "a state URL names a container of Azure Blob Storage and, optionally, a folder in it: `{}`",
                    spec.example
                ),
            ),
        };
        self.diags.push(Diagnostic::InvalidStateUrl {
            message,
            at: span,
            label: "not a state URL drplan can use".into(),
            help: Some(help),
        });
        None
    }
}
