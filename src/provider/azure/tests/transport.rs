use super::*;

#[tokio::test(start_paused = true)]
async fn a_429_is_retried_after_its_retry_after() {
    let n = Arc::new(AtomicUsize::new(0));
    let calls = n.clone();
    let server = Server::start(move |_| {
        if calls.fetch_add(1, Ordering::SeqCst) == 0 {
            Answer::Http(
                429,
                vec![("retry-after", "7".to_owned())],
                json!({"error": {"code": "TooManyRequests", "message": "slow down"}}).to_string(),
            )
        } else {
            ok(json!({"properties": {"vaultErrors": []}}))
        }
    })
    .await;
    let provider = server.provider();
    let started = Instant::now();
    let health = provider.vault_health().await.unwrap();
    let waited = started.elapsed();
    assert!(health.issues.is_empty());
    assert_eq!(n.load(Ordering::SeqCst), 2);
    assert!(waited >= Duration::from_secs(7), "{waited:?}");
    assert!(waited < Duration::from_secs(8), "{waited:?}");
}

#[tokio::test(start_paused = true)]
async fn a_burst_of_server_errors_is_retried_with_backoff() {
    let n = Arc::new(AtomicUsize::new(0));
    let calls = n.clone();
    let server = Server::start(move |_| match calls.fetch_add(1, Ordering::SeqCst) {
        0 => status(
            500,
            json!({"error": {"code": "InternalError", "message": "oops"}}),
        ),
        1 => status(502, json!({})),
        2 => status(503, json!({})),
        _ => ok(json!({"properties": {"vaultErrors": []}})),
    })
    .await;
    let started = Instant::now();
    server.provider().vault_health().await.unwrap();
    assert_eq!(n.load(Ordering::SeqCst), 4);
    // Backoff 1 s, 2 s, 4 s, each with jitter in [½, 1).
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_millis(3500) && waited < Duration::from_secs(7),
        "{waited:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn retries_stop_at_the_deadline_with_the_service_message() {
    let server = Server::start(|_| {
        status(
            503,
            json!({"error": {"code": "ServiceUnavailable", "message": "ASR is down"}}),
        )
    })
    .await;
    let options = AzureOptions {
        client: ClientOptions {
            retry_deadline: Duration::from_secs(20),
            ..ClientOptions::default()
        },
        ..AzureOptions::default()
    };
    let provider = AzureProvider::with_options(
        VAULT,
        &plan(),
        &server.endpoint(),
        Credential::fixed("t", "test"),
        options,
    )
    .unwrap();
    let err = provider.vault_health().await.unwrap_err().to_string();
    assert!(
        err.contains("ASR is down") && err.contains("ServiceUnavailable") && err.contains("503"),
        "{err}"
    );
    assert!(server.requests().len() >= 3);
}

#[tokio::test]
async fn an_error_body_becomes_the_message() {
    let server = Server::start(|req| {
        if req.path.ends_with("replicationVaultHealth") {
            Answer::Http(
                403,
                vec![("x-ms-request-id", "req-123".to_owned())],
                json!({"error": {"code": "AuthorizationFailed", "message": "The client 'x' does not have authorization to perform action 'read'."}}).to_string(),
            )
        } else {
            status(404, json!({"error": {"code": "NotFound", "message": "no such job"}}))
        }
    })
    .await;
    let provider = server.provider();
    let err = provider.vault_health().await.unwrap_err().to_string();
    assert!(err.contains("does not have authorization"), "{err}");
    assert!(
        err.contains("AuthorizationFailed, HTTP 403, x-ms-request-id req-123"),
        "{err}"
    );
    let err = provider.job(&JobId("nope".into())).await.unwrap_err();
    assert!(
        matches!(err, ProviderError::UnknownJob(JobId(ref j)) if j == "nope"),
        "{err}"
    );
    // A 403 is not retried.
    assert_eq!(server.count("GET", "replicationVaultHealth"), 1);
}

#[tokio::test]
async fn next_links_to_another_host_are_refused() {
    let server = Server::start(|_| {
        ok(json!({"value": [], "nextLink": "https://evil.example/steal?api-version=1"}))
    })
    .await;
    let err = server
        .provider()
        .machines(&[])
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("another host"), "{err}");
}

#[test]
fn describe_names_the_vault_and_credential_never_the_token() {
    let endpoint = Endpoint::public().unwrap();
    let provider = AzureProvider::new(
        VAULT,
        &plan(),
        &endpoint,
        Credential::fixed("s3cret", "test token"),
    )
    .unwrap();
    let text = provider.describe();
    assert!(
        text.contains("shop-vault") && text.contains("test token"),
        "{text}"
    );
    assert!(!text.contains("s3cret") && !format!("{provider:?}").contains("s3cret"));
    let err = AzureProvider::new(
        "/subscriptions/x/vaults/v",
        &plan(),
        &endpoint,
        Credential::fixed("t", "t"),
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("not a Recovery Services vault id"), "{err}");
}

#[test]
fn the_token_bucket_paces_bursts_at_the_refill_rate() {
    let now = Instant::now();
    let mut bucket = TokenBucket::new(
        BucketSpec {
            burst: 3,
            per_second: 2.0,
        },
        now,
    );
    let waits: Vec<Duration> = (0..6).map(|_| bucket.take(now)).collect();
    assert_eq!(waits, [0, 0, 0, 500, 1000, 1500].map(Duration::from_millis));
    // Two seconds later the debt of three is paid and one token is back.
    let later = now + Duration::from_secs(2);
    assert_eq!(bucket.take(later), Duration::ZERO);
    assert_eq!(bucket.take(later), Duration::from_millis(500));
    // ARM says only 0 are left: the next request waits a refill.
    let mut bucket = TokenBucket::new(
        BucketSpec {
            burst: 250,
            per_second: 25.0,
        },
        now,
    );
    bucket.observe_remaining(0, now);
    assert_eq!(bucket.take(now), Duration::from_millis(40));
    // A high remaining count never adds tokens beyond the bucket's own.
    let mut bucket = TokenBucket::new(
        BucketSpec {
            burst: 1,
            per_second: 1.0,
        },
        now,
    );
    bucket.observe_remaining(11_999, now);
    assert_eq!(bucket.take(now), Duration::ZERO);
    assert_eq!(bucket.take(now), Duration::from_secs(1));
}

#[test]
fn retry_after_takes_seconds_or_an_http_date() {
    let now = SystemTime::UNIX_EPOCH + Duration::from_secs(784_111_777); // Sun, 06 Nov 1994 08:49:37 GMT
    assert_eq!(parse_retry_after("12", now), Some(Duration::from_secs(12)));
    assert_eq!(
        parse_retry_after("Sun, 06 Nov 1994 08:50:07 GMT", now),
        Some(Duration::from_secs(30))
    );
    assert_eq!(
        parse_retry_after("Sun, 06 Nov 1994 08:00:00 GMT", now),
        Some(Duration::ZERO)
    );
    assert_eq!(parse_retry_after("soon", now), None);
}

#[test]
fn backoff_doubles_with_jitter_and_honours_retry_after() {
    let base = Duration::from_secs(1);
    let max = Duration::from_secs(60);
    for random in [0, u64::MAX / 3, u64::MAX] {
        let d = retry_delay(3, None, base, max, random);
        assert!(
            d >= Duration::from_secs(2) && d <= Duration::from_secs(4),
            "{d:?}"
        );
        let d = retry_delay(30, None, base, max, random);
        assert!(d >= Duration::from_secs(30) && d <= max, "{d:?}");
        let d = retry_delay(1, Some(Duration::from_secs(10)), base, max, random);
        assert!(
            d >= Duration::from_secs(10) && d <= Duration::from_secs(11),
            "{d:?}"
        );
    }
}

#[test]
fn endpoints_come_from_the_environment() {
    let env = |pairs: &'static [(&'static str, &'static str)]| {
        move |name: &str| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        }
    };
    let e = Endpoint::from_env(&env(&[])).unwrap();
    assert_eq!(e.resource_manager.as_str(), "https://management.azure.com/");
    assert_eq!(e.scope(), "https://management.azure.com/.default");
    assert_eq!(e.cloud(), Cloud::Public);
    let e = Endpoint::from_env(&env(&[(CLOUD_VAR, "china")])).unwrap();
    assert_eq!(
        e.resource_manager.as_str(),
        "https://management.chinacloudapi.cn/"
    );
    assert_eq!(e.cloud(), Cloud::China);
    let e = Endpoint::from_env(&env(&[(ARM_ENDPOINT_VAR, "http://127.0.0.1:8080")])).unwrap();
    assert_eq!(e.resource_manager.as_str(), "http://127.0.0.1:8080/");
    assert_eq!(e.audience, "http://127.0.0.1:8080/");
    assert_eq!(e.scope(), "http://127.0.0.1:8080/.default");
    let e = Endpoint::from_env(&env(&[(
        ARM_ENDPOINT_VAR,
        "https://management.usgovcloudapi.net",
    )]))
    .unwrap();
    assert_eq!(e.cloud(), Cloud::UsGovernment);
    assert_eq!(e.audience, "https://management.usgovcloudapi.net/");
    let err = Endpoint::from_env(&env(&[(CLOUD_VAR, "mars")]))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("DRPLAN_CLOUD") && err.contains("usgov"),
        "{err}"
    );
    let err = Endpoint::from_env(&env(&[(ARM_ENDPOINT_VAR, "not a url")]))
        .unwrap_err()
        .to_string();
    assert!(err.contains(ARM_ENDPOINT_VAR), "{err}");
}

#[test]
fn guids_are_version_4_and_fresh() {
    let a = client::new_guid();
    let b = client::new_guid();
    assert_ne!(a, b);
    assert_eq!(a.len(), 36);
    assert_eq!(&a[14..15], "4");
    assert!(matches!(&a[19..20], "8" | "9" | "a" | "b"), "{a}");
}
