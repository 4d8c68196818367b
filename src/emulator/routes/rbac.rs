//! Role-based access: a route and its method in, the RBAC action Resource
//! Manager checks for it out (one table for every route the emulator
//! answers: ASR's, Automation's here, the Compute, Network and Resources
//! ones in [`ArmRoute::action`]); and ARM's `AuthorizationFailed` answer when
//! the fault file's `deny` refuses it.

use axum::http::Method;

use super::super::json::{fnv1a, guid};
use super::path::Route;
use super::reply::Reply;

const ITEMS: &str = "Microsoft.RecoveryServices/vaults/replicationFabrics/replicationProtectionContainers/replicationProtectedItems";
const RECOVERY_PLANS: &str = "Microsoft.RecoveryServices/vaults/replicationRecoveryPlans";
const JOBS_READ: &str = "Microsoft.RecoveryServices/vaults/replicationJobs/read";
const AUTOMATION_JOBS: &str = "Microsoft.Automation/automationAccounts/jobs";

impl Route {
    /// The RBAC action a request on this route needs.
    pub(super) fn action(&self, method: &Method) -> String {
        let item = |what: &str| format!("{ITEMS}/{what}");
        match self {
            Route::Item(_) if *method == Method::PATCH => item("write"),
            Route::Items | Route::Item(_) => item("read"),
            Route::Action(_, action) => item(&format!("{}/action", action.segment())),
            Route::RecoveryPoints(_) | Route::RecoveryPoint(..) => item("recoveryPoints/read"),
            // The status and result of an operation are its job's: ASR's
            // roles grant no action of their own for them.
            Route::Jobs | Route::Job(_) | Route::OperationResult(_) | Route::OperationStatus(_) => {
                JOBS_READ.to_owned()
            }
            Route::VaultHealth => {
                "Microsoft.RecoveryServices/vaults/replicationVaultHealth/read".to_owned()
            }
            Route::RecoveryPlans => format!("{RECOVERY_PLANS}/read"),
            Route::RecoveryPlan(_) => match *method {
                Method::GET => format!("{RECOVERY_PLANS}/read"),
                Method::DELETE => format!("{RECOVERY_PLANS}/delete"),
                _ => format!("{RECOVERY_PLANS}/write"),
            },
            Route::Events => "Microsoft.RecoveryServices/vaults/replicationEvents/read".to_owned(),
            Route::AutomationJob(..) if *method == Method::PUT => {
                format!("{AUTOMATION_JOBS}/write")
            }
            Route::AutomationJob(..) => format!("{AUTOMATION_JOBS}/read"),
            Route::AutomationOutput(..) => format!("{AUTOMATION_JOBS}/output/read"),
            Route::AutomationStreams(..) | Route::AutomationStream(..) => {
                format!("{AUTOMATION_JOBS}/streams/read")
            }
            Route::Arm(arm) => arm.action().to_owned(),
        }
    }
}

/// ARM's 403 for a principal without `action` over `scope` (the request's
/// path). The client and object ids are made up from the token, stable for
/// it, as the emulator knows no identities.
pub(super) fn forbidden(principal: &str, action: &str, scope: &str) -> Reply {
    let client = guid(fnv1a(principal), 11);
    let object = guid(fnv1a(principal), 12);
    Reply::error(
        403,
        "AuthorizationFailed",
        &format!(
            "The client '{client}' with object id '{object}' does not have authorization to perform action '{action}' over scope '{}' or the scope is invalid. If access was recently granted, please refresh your credentials.",
            scope.trim_end_matches('/')
        ),
    )
    .header("x-ms-failure-cause", "gateway")
}

#[cfg(test)]
mod tests {
    use super::super::path::Action;
    use super::*;

    #[test]
    fn every_item_action_is_named_as_in_asrs_roles() {
        for (action, segment) in [
            (Action::UnplannedFailover, "unplannedFailover"),
            (Action::ReProtect, "reProtect"),
            (Action::FailoverCommit, "failoverCommit"),
        ] {
            assert_eq!(Action::parse(segment), Some(action));
            assert_eq!(
                Route::Action(0, action).action(&Method::POST),
                format!("{ITEMS}/{segment}/action")
            );
        }
        assert_eq!(
            Route::Item(0).action(&Method::PATCH),
            format!("{ITEMS}/write")
        );
        assert_eq!(Route::Item(0).action(&Method::GET), format!("{ITEMS}/read"));
        assert_eq!(
            Route::AutomationJob(0, "j".into()).action(&Method::PUT),
            "Microsoft.Automation/automationAccounts/jobs/write"
        );
    }
}
