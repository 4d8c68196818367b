use super::*;

/// A token source whose every token is new: `token-0`, `token-1`, …
#[derive(Debug, Default)]
struct Renewing {
    calls: AtomicUsize,
}

#[async_trait::async_trait]
impl azure_core::credentials::TokenCredential for Renewing {
    async fn get_token(
        &self,
        _scopes: &[&str],
        _options: Option<azure_core::credentials::TokenRequestOptions<'_>>,
    ) -> azure_core::Result<azure_core::credentials::AccessToken> {
        let n = self.calls.fetch_add(1, Ordering::SeqCst);
        Ok(azure_core::credentials::AccessToken::new(
            format!("token-{n}"),
            azure_core::time::OffsetDateTime::now_utc() + azure_core::time::Duration::hours(1),
        ))
    }
}

/// ARM's answer to an expired token.
fn expired_token() -> Answer {
    Answer::Http(
        401,
        vec![(
            "www-authenticate",
            r#"Bearer error="invalid_token", error_description="The access token has expired""#
                .to_owned(),
        )],
        json!({"error": {"code": "ExpiredAuthenticationToken", "message": "The access token expiry UTC time is earlier than current UTC time."}})
            .to_string(),
    )
}

/// A vault whose failover POST refuses `token-0` and anything fixed as expired.
async fn expiring_failover_server() -> Server {
    failover_server(
        |req, _| {
            if req.headers.get("authorization").map(String::as_str) == Some("Bearer token-1") {
                Answer::Http(
                    202,
                    vec![(
                        "location",
                        format!("http://x{VAULT}/operationresults/job-5"),
                    )],
                    String::new(),
                )
            } else {
                expired_token()
            }
        },
        Value::Null,
    )
    .await
}

#[tokio::test]
async fn an_expired_token_is_renewed_once_and_the_failover_post_resent() {
    let server = expiring_failover_server().await;
    let source = Arc::new(Renewing::default());
    let credential = Credential::from_source(source.clone(), "renewing");
    let job = server
        .provider_as(credential)
        .start(
            &target("db-01"),
            Operation::Failover,
            &OperationOptions::default(),
        )
        .await
        .unwrap();
    assert_eq!(job.0, "job-5");
    let posts: Vec<String> = server
        .requests()
        .into_iter()
        .filter(|r| r.method == "POST")
        .map(|r| r.headers["authorization"].clone())
        .collect();
    // Refused before acting, so re-sending the POST starts one failover.
    assert_eq!(posts, ["Bearer token-0", "Bearer token-1"]);
    assert_eq!(source.calls.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn an_expired_fixed_token_says_to_get_a_new_one_and_resume() {
    let server = expiring_failover_server().await;
    let err = server
        .provider_as(Credential::fixed(
            "old-token",
            "the bearer token in DRPLAN_ACCESS_TOKEN",
        ))
        .start(
            &target("db-01"),
            Operation::Failover,
            &OperationOptions::default(),
        )
        .await
        .unwrap_err()
        .to_string();
    for expected in [
        "access token expired",
        "ExpiredAuthenticationToken",
        "DRPLAN_ACCESS_TOKEN",
        "drplan resume",
    ] {
        assert!(err.contains(expected), "missing {expected:?} in {err}");
    }
    assert!(!err.contains("old-token"), "{err}");
    // The same token again would be refused the same way: not sent.
    assert_eq!(server.count("POST", "unplannedFailover"), 1);
}

#[tokio::test]
async fn a_rejected_token_is_renewed_once_not_by_every_request_in_flight() {
    let source = Arc::new(Renewing::default());
    let credential = Credential::from_source(source.clone(), "renewing");
    let first = credential.token().await.unwrap();
    credential.invalidate_if(&first).await;
    let second = credential.token().await.unwrap();
    // A request that also failed with the first token finds it replaced.
    credential.invalidate_if(&first).await;
    assert_eq!(credential.token().await.unwrap(), second);
    assert_eq!(source.calls.load(Ordering::SeqCst), 2);
}
