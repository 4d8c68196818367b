//! 403s: the action the identity lacks, named from ARM's message when it
//! says, else from the permissions table; never retried, never a "not
//! found".

use super::*;
use crate::provider::Inventory;

fn refused(action: &str) -> Answer {
    Answer::Http(
        403,
        vec![("x-ms-request-id", "req-403".to_owned())],
        json!({"error": {"code": "AuthorizationFailed", "message": format!(
            "The client 'c' with object id 'o' does not have authorization to perform action '{action}' over scope '/subscriptions/s' or the scope is invalid."
        )}})
        .to_string(),
    )
}

fn forbidden(err: &ProviderError) -> (&str, &str) {
    match err {
        ProviderError::Forbidden {
            permission,
            message,
        } => (permission.as_str(), message.as_str()),
        other => panic!("not a 403: {other}"),
    }
}

#[tokio::test]
async fn a_403_names_the_action_arm_says() {
    let server = Server::start(|_| refused("Microsoft.Compute/locations/usages/read")).await;
    let provider = server.provider();
    let err = provider.usages("northeurope").await.unwrap_err();
    let (permission, message) = forbidden(&err);
    assert_eq!(permission, "Microsoft.Compute/locations/usages/read");
    assert!(message.contains("vCPU quota of northeurope"), "{message}");
    assert!(message.contains("x-ms-request-id req-403"), "{message}");
    assert!(
        err.to_string()
            .contains("lacks `Microsoft.Compute/locations/usages/read`"),
        "{err}"
    );
    // A target reference refused is not a missing one.
    let err = provider
        .resource(
            "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v",
        )
        .await
        .unwrap_err();
    forbidden(&err);
    assert_eq!(server.requests().len(), 2, "a 403 is not retried");
}

#[tokio::test]
async fn else_the_action_comes_from_the_request() {
    let server = Server::start(|req| {
        if req.path.ends_with("replicationVaultHealth") {
            Answer::Http(
                403,
                Vec::new(),
                json!({"error": {"code": "AuthorizationFailed", "message": "does not have authorization to perform action 'read'."}}).to_string(),
            )
        } else if req.method == "POST" {
            Answer::Http(403, Vec::new(), String::new())
        } else if req.path.ends_with("/replicationProtectedItems") {
            ok(items_page())
        } else if req.path.ends_with("/recoveryPoints") {
            ok(json!({"value": []}))
        } else {
            ok(protected("db-01", "item-db-01"))
        }
    })
    .await;
    let provider = server.provider();
    let err = provider.vault_health().await.unwrap_err();
    assert_eq!(
        forbidden(&err).0,
        "Microsoft.RecoveryServices/vaults/replicationVaultHealth/read"
    );
    let err = failover_db01(&provider).await.unwrap_err();
    assert_eq!(
        forbidden(&err).0,
        "Microsoft.RecoveryServices/vaults/replicationFabrics/replicationProtectionContainers/replicationProtectedItems/unplannedFailover/action"
    );
    assert!(
        forbidden(&err).1.starts_with("db-01: failover was refused"),
        "{err}"
    );
    assert_eq!(server.count("POST", "unplannedFailover"), 1);
}

#[tokio::test]
async fn a_policy_refusal_is_not_a_missing_permission() {
    let server = Server::start(|_| {
        status(
            403,
            json!({"error": {"code": "RequestDisallowedByPolicy", "message": "Resource was disallowed by policy."}}),
        )
    })
    .await;
    let err = server.provider().vault_health().await.unwrap_err();
    assert!(matches!(err, ProviderError::Service(_)), "{err}");
    assert!(err.to_string().contains("disallowed by policy"), "{err}");
}
