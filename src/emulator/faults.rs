//! The emulator's fault file and its HTTP faults: the file's text and the
//! checked plan in; the simulator's [`Faults`] (everything but `http`) and
//! the validated [`HttpFaults`] out; `limits` applies them at run time.
//!
//! The `http` section (every field optional; unknown fields are errors):
//!
//! ```json
//! {"http": {
//!    "throttle": {"reads_per_s": 25, "reads_burst": 250, "writes_per_s": 10, "writes_burst": 200},
//!    "status_storm": [{"status": 429, "every": 3, "retry_after_s": 2, "requests": "reads", "path": "replicationJobs"}],
//!    "server_errors": {"status": 500, "times": 5, "after": 0, "requests": "all", "path": "..."},
//!    "drop_connections": {"times": 3, "after": 0, "requests": "writes", "path": "unplannedFailover",
//!                         "when": "after_processing"},
//!    "expire_token": {"token": "old-token", "after": 8},
//!    "deny": ["Microsoft.Compute/locations/usages/read", "Microsoft.Network/*"]}}
//! ```
//!
//! - `throttle`: Resource Manager's limits (the defaults shown), per
//!   principal (bearer token); `false` turns throttling off, `true` is the
//!   defaults.
//! - `status_storm`: every `every`-th matching request (at least 2, so a
//!   retrying client gets through) answers `status` (400 to 599) with an ARM
//!   error, and `Retry-After` when `retry_after_s` is given.
//! - `server_errors`: after `after` matching requests, the next `times`
//!   answer `status` (500 to 599, default 500).
//! - `drop_connections`: after `after` matching requests, the next `times`
//!   lose their connection without an answer: `when` `before_processing`
//!   (nothing happened) or `after_processing` (the default: the request took
//!   effect, so a failover may have started).
//! - `expire_token`: after `after` requests carrying the bearer token
//!   `token`, every further one with it answers `401`
//!   `ExpiredAuthenticationToken`, as ARM does when a token expires mid-run;
//!   other tokens still work.
//! - `deny`: RBAC actions the caller lacks; a request that needs one answers
//!   `403` `AuthorizationFailed` naming it, as ARM does. `*` stands for any
//!   text (`Microsoft.Network/*`); case is ignored, as in role definitions.
//! - `requests` (`all`, `reads`: GET; `writes`: PUT, POST, PATCH, DELETE) and
//!   `path` (a text the request path contains) choose the matching requests.

use serde::Deserialize;
use serde_json::Value;

use crate::plan::Plan;
use crate::provider::simulator::Faults;

/// The HTTP faults of a fault file.
#[derive(Debug, Clone, PartialEq)]
pub struct HttpFaults {
    /// The token buckets' limits; `None` turns throttling off.
    pub throttle: Option<Throttle>,
    /// Requests answered with an error status now and then.
    pub status_storm: Vec<StatusStorm>,
    /// A run of server errors.
    pub server_errors: Option<ServerErrors>,
    /// A run of dropped connections.
    pub drop_connections: Option<DropConnections>,
    /// A bearer token that expires after some requests.
    pub expire_token: Option<ExpireToken>,
    /// RBAC actions refused with 403 (`*` matches any text).
    pub deny: Vec<String>,
}

impl Default for HttpFaults {
    /// Resource Manager's throttling, nothing else.
    fn default() -> Self {
        Self {
            throttle: Some(Throttle::default()),
            status_storm: Vec::new(),
            server_errors: None,
            drop_connections: None,
            expire_token: None,
            deny: Vec::new(),
        }
    }
}

/// A bearer token that stops working after `after` requests.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpireToken {
    /// The token (the `Authorization: Bearer` value).
    pub token: String,
    /// Requests it is good for.
    pub after: u64,
}

/// Resource Manager's token buckets, per principal.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Throttle {
    /// Reads refilled per second.
    pub reads_per_s: f64,
    /// Reads in a full bucket.
    pub reads_burst: u32,
    /// Writes refilled per second.
    pub writes_per_s: f64,
    /// Writes in a full bucket.
    pub writes_burst: u32,
}

impl Default for Throttle {
    /// spec: asr-model.md "Throttling and transient faults".
    fn default() -> Self {
        Self {
            reads_per_s: 25.0,
            reads_burst: 250,
            writes_per_s: 10.0,
            writes_burst: 200,
        }
    }
}

/// Which requests a fault matches.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Select {
    /// Reads, writes or both.
    pub requests: Requests,
    /// A text the path must contain.
    pub path: Option<String>,
}

/// Reads (GET), writes (PUT, POST, PATCH, DELETE) or all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Requests {
    /// Every request.
    #[default]
    All,
    /// GET requests.
    Reads,
    /// Other requests.
    Writes,
}

/// Every `every`-th matching request answers `status`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusStorm {
    /// The status.
    pub status: u16,
    /// How often.
    pub every: u64,
    /// `Retry-After`, in seconds, if any.
    pub retry_after_s: Option<u64>,
    /// Which requests.
    pub select: Select,
}

/// A run of server errors.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerErrors {
    /// The status (5xx).
    pub status: u16,
    /// How many.
    pub times: u64,
    /// Matching requests let through first.
    pub after: u64,
    /// `Retry-After`, in seconds, if any.
    pub retry_after_s: Option<u64>,
    /// Which requests.
    pub select: Select,
}

/// A run of dropped connections.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DropConnections {
    /// How many.
    pub times: u64,
    /// Matching requests let through first.
    pub after: u64,
    /// Whether the request takes effect before its connection is dropped.
    pub after_processing: bool,
    /// Which requests.
    pub select: Select,
}

/// Splits a fault file into the simulator's faults and the HTTP ones. `Err`
/// names the entry at fault.
pub fn parse_fault_file(text: &str, plan: &Plan) -> Result<(Faults, HttpFaults), String> {
    let mut value: Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
    let Some(object) = value.as_object_mut() else {
        return Err("a fault file is a JSON object".to_owned());
    };
    let http = object.remove("http");
    let faults = Faults::parse(&value.to_string(), plan)?;
    let http = match http {
        Some(http) => parse_http(http)?,
        None => HttpFaults::default(),
    };
    Ok((faults, http))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHttp {
    #[serde(default)]
    throttle: Option<Value>,
    #[serde(default)]
    status_storm: Vec<RawStorm>,
    #[serde(default)]
    server_errors: Option<RawRun>,
    #[serde(default)]
    drop_connections: Option<RawDrops>,
    #[serde(default)]
    expire_token: Option<ExpireToken>,
    #[serde(default)]
    deny: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStorm {
    status: u16,
    every: u64,
    #[serde(default)]
    retry_after_s: Option<u64>,
    #[serde(default)]
    requests: Requests,
    #[serde(default)]
    path: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRun {
    #[serde(default)]
    status: Option<u16>,
    times: u64,
    #[serde(default)]
    after: u64,
    #[serde(default)]
    retry_after_s: Option<u64>,
    #[serde(default)]
    requests: Requests,
    #[serde(default)]
    path: Option<String>,
}

#[derive(Deserialize, Clone, Copy, PartialEq, Eq, Default)]
#[serde(rename_all = "snake_case")]
enum When {
    BeforeProcessing,
    #[default]
    AfterProcessing,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDrops {
    times: u64,
    #[serde(default)]
    after: u64,
    #[serde(default)]
    when: When,
    #[serde(default)]
    requests: Requests,
    #[serde(default)]
    path: Option<String>,
}

fn parse_http(value: Value) -> Result<HttpFaults, String> {
    let raw: RawHttp = serde_json::from_value(value).map_err(|e| format!("http: {e}"))?;
    let throttle = match raw.throttle {
        None | Some(Value::Bool(true)) => Some(Throttle::default()),
        Some(Value::Bool(false)) => None,
        Some(limits @ Value::Object(_)) => {
            let t: Throttle =
                serde_json::from_value(limits).map_err(|e| format!("http.throttle: {e}"))?;
            let rates_ok = [t.reads_per_s, t.writes_per_s]
                .iter()
                .all(|r| r.is_finite() && *r > 0.0);
            if !rates_ok || t.reads_burst == 0 || t.writes_burst == 0 {
                return Err(
                    "http.throttle: rates are positive numbers and bursts at least 1; use `\"throttle\": false` to turn throttling off"
                        .to_owned(),
                );
            }
            Some(t)
        }
        Some(_) => {
            return Err(
                "http.throttle: give the limits as an object, or `false` to turn throttling off"
                    .to_owned(),
            );
        }
    };
    let mut status_storm = Vec::new();
    for (i, s) in raw.status_storm.into_iter().enumerate() {
        let at = format!("http.status_storm[{i}]");
        if !(400..=599).contains(&s.status) {
            return Err(format!("{at}: `status` is an error status, 400 to 599"));
        }
        if s.every < 2 {
            return Err(format!(
                "{at}: `every` is at least 2, so a retrying client gets through; use `server_errors` for a run of errors"
            ));
        }
        status_storm.push(StatusStorm {
            status: s.status,
            every: s.every,
            retry_after_s: s.retry_after_s,
            select: Select {
                requests: s.requests,
                path: s.path,
            },
        });
    }
    let server_errors = match raw.server_errors {
        Some(r) => {
            let status = r.status.unwrap_or(500);
            if !(500..=599).contains(&status) {
                return Err("http.server_errors: `status` is a server error, 500 to 599".to_owned());
            }
            Some(ServerErrors {
                status,
                times: r.times,
                after: r.after,
                retry_after_s: r.retry_after_s,
                select: Select {
                    requests: r.requests,
                    path: r.path,
                },
            })
        }
        None => None,
    };
    let drop_connections = raw.drop_connections.map(|d| DropConnections {
        times: d.times,
        after: d.after,
        after_processing: d.when == When::AfterProcessing,
        select: Select {
            requests: d.requests,
            path: d.path,
        },
    });
    if raw
        .expire_token
        .as_ref()
        .is_some_and(|e| e.token.trim().is_empty())
    {
        return Err(
            "http.expire_token: `token` is the bearer token that expires, not empty".to_owned(),
        );
    }
    for (i, action) in raw.deny.iter().enumerate() {
        if !action.contains('/') || action.chars().any(char::is_whitespace) {
            return Err(format!(
                "http.deny[{i}]: `{action}` is not an RBAC action (`Microsoft.Compute/locations/usages/read`, `Microsoft.Network/*`)"
            ));
        }
    }
    Ok(HttpFaults {
        throttle,
        status_storm,
        server_errors,
        drop_connections,
        expire_token: raw.expire_token,
        deny: raw.deny,
    })
}

impl Select {
    /// Whether a request (a write or not, at `path`) is one this selects.
    pub(crate) fn matches(&self, write: bool, path: &str) -> bool {
        let kind = match self.requests {
            Requests::All => true,
            Requests::Reads => !write,
            Requests::Writes => write,
        };
        kind && self.path.as_deref().is_none_or(|p| path.contains(p))
    }
}

/// A two-VM plan (`a`, `b`) for the fault file tests.
#[cfg(test)]
fn test_plan() -> Plan {
    use crate::source::SourceFile;
    let text = "plan p {\n  vault simulator\n  primary \"westeurope\"\n  recovery \"northeurope\"\n  group g { vm a, b }\n}\n";
    let (plan, diags) = crate::compile(&SourceFile::new("p.drplan", text));
    plan.unwrap_or_else(|| panic!("{diags:?}"))
}

/// The `http` section of a fault file for [`test_plan`], for tests.
#[cfg(test)]
pub(crate) fn http_for_tests(text: &str) -> Result<HttpFaults, String> {
    parse_fault_file(text, &test_plan()).map(|(_, h)| h)
}

#[cfg(test)]
mod tests {
    use super::*;

    use super::http_for_tests as http;
    use super::test_plan as plan;

    #[test]
    fn the_http_section_is_split_from_the_simulator_faults() {
        let (faults, h) = parse_fault_file(
            r#"{"rpo_s": {"a": 900}, "http": {"throttle": false,
                "status_storm": [{"status": 503, "every": 4, "requests": "reads"}],
                "server_errors": {"times": 2},
                "drop_connections": {"times": 1, "path": "unplannedFailover", "when": "before_processing"}}}"#,
            &plan(),
        )
        .unwrap();
        assert_eq!(faults.rpo_s.get("a"), Some(&900));
        assert_eq!(h.throttle, None);
        assert_eq!(h.status_storm[0].every, 4);
        assert_eq!(h.server_errors.as_ref().unwrap().status, 500);
        assert!(!h.drop_connections.as_ref().unwrap().after_processing);
        assert_eq!(http("{}").unwrap(), HttpFaults::default());
        let custom = http(r#"{"http": {"throttle": {"reads_burst": 5}}}"#).unwrap();
        assert_eq!(custom.throttle.unwrap().reads_burst, 5);
        assert_eq!(custom.throttle.unwrap().writes_burst, 200);
    }

    #[test]
    fn bad_http_faults_name_the_entry() {
        for (text, expected) in [
            (r#"{"http": {"throtle": {}}}"#, "unknown field `throtle`"),
            (
                r#"{"http": {"throttle": {"reads": 1}}}"#,
                "http.throttle: unknown field `reads`",
            ),
            (
                r#"{"http": {"throttle": {"reads_per_s": 0}}}"#,
                "rates are positive",
            ),
            (
                r#"{"http": {"status_storm": [{"status": 200, "every": 3}]}}"#,
                "http.status_storm[0]: `status` is an error status",
            ),
            (
                r#"{"http": {"status_storm": [{"status": 429, "every": 1}]}}"#,
                "`every` is at least 2",
            ),
            (
                r#"{"http": {"server_errors": {"status": 404, "times": 1}}}"#,
                "server error",
            ),
            (
                r#"{"http": {"drop_connections": {"times": 1, "when": "later"}}}"#,
                "unknown variant `later`",
            ),
            (
                r#"{"http": {"expire_token": {"token": "t", "after": 1, "at": 2}}}"#,
                "unknown field `at`",
            ),
            (
                r#"{"http": {"expire_token": {"token": " ", "after": 1}}}"#,
                "http.expire_token: `token`",
            ),
            (r#"{"bogus": 1}"#, "unknown field `bogus`"),
            (
                r#"{"http": {"deny": ["read everything"]}}"#,
                "http.deny[0]: `read everything` is not an RBAC action",
            ),
            (
                r#"{"http": {"deny": "Microsoft.Compute/*"}}"#,
                "invalid type",
            ),
            ("[]", "a JSON object"),
        ] {
            let err = http(text).unwrap_err();
            assert!(err.contains(expected), "{text}: {err}");
        }
    }
}
