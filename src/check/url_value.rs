//! The checker's reading of a `webhook` or `probe` value: the AST value in;
//! the URL as text out, or a `drplan::invalid_value` saying what a URL there
//! may be (http only to loopback, no credentials in it).

use url::Url;

use crate::ast::Value;
use crate::loopback::is_loopback;
use crate::urls::{has_credentials, without_userinfo};

use super::Checker;

impl Checker<'_> {
    /// A hook's URL: `http://` goes only to loopback hosts for a webhook
    /// (it carries secrets), anywhere for a probe. No URL may carry
    /// credentials, and no message repeats them.
    pub(super) fn url(&mut self, value: &Value, hook: UrlHook) -> Option<String> {
        let setting = hook.keyword();
        let (text, span) = self.text_value(value, setting)?;
        let parsed = match Url::parse(&text) {
            Ok(u) => u,
            Err(e) => {
                self.invalid(
                    span,
                    format!("`{}` is not a valid URL: {e}", without_userinfo(&text)),
                    "invalid URL",
                    Some("write a full URL such as `https://example.com/hook`".into()),
                );
                return None;
            }
        };
        if has_credentials(&parsed) {
            let help = match hook {
                UrlHook::Webhook => {
                    "plans, run journals and their copies of the plan keep URLs as written: send the credential in a header read when the hook runs, `headers { Authorization = env(\"WEBHOOK_TOKEN\") }`"
                }
                UrlHook::Probe => {
                    "plans, run journals and their copies of the plan keep URLs as written, and a probe sends no headers: probe a health endpoint that answers without credentials"
                }
                UrlHook::Notify => {
                    "plans and their copies keep URLs as written: read the URL from the environment when the run starts, `webhook env(\"TEAMS_WEBHOOK_URL\")`"
                }
            };
            self.invalid(
                span,
                format!("a {setting} URL must not carry credentials (a user name or password)"),
                "credentials in the URL",
                Some(help.into()),
            );
            return None;
        }
        match parsed.scheme() {
            "https" => Some(text),
            "http" if is_loopback(&parsed) || hook == UrlHook::Probe => Some(text),
            "http" => {
                self.invalid(
                    span,
                    format!("a {setting} must use https, except to a loopback address"),
                    "plain http",
                    Some(format!("use `{}`", text.replacen("http://", "https://", 1))),
                );
                None
            }
            other => {
                self.invalid(
                    span,
                    format!("a {setting} URL must be https, found scheme `{other}`"),
                    "unsupported scheme",
                    None,
                );
                None
            }
        }
    }
}

/// The hooks whose value is a URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum UrlHook {
    /// Sends a request that may carry secrets.
    Webhook,
    /// Polls a URL with a plain `GET`.
    Probe,
    /// A `notify` target: posts the run's events, which name its steps.
    Notify,
}

impl UrlHook {
    fn keyword(self) -> &'static str {
        match self {
            UrlHook::Webhook | UrlHook::Notify => "webhook",
            UrlHook::Probe => "probe",
        }
    }
}
