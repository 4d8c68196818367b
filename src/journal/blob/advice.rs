//! What a failed Blob Storage request means for the user: what was being
//! done and the failure in; a [`JournalError`] that names the container,
//! the account, the missing permission or role, and what to do, out.

use super::BlobStore;
use super::client::Failure;
use crate::journal::store::JournalError;

impl BlobStore {
    /// A failure as the user should read it: what was being done, and what
    /// to do about it.
    pub(super) fn error(&self, doing: &str, f: &Failure) -> JournalError {
        let location = self.location();
        let (account, container) = (&location.account, &location.container);
        let message = match f {
            Failure::Status { code, .. } if code == "ContainerNotFound" => format!(
                "container `{container}` does not exist in storage account `{account}`; create it (`az storage container create --name {container} --account-name {account} --auth-mode login`) or correct the state URL; nothing was written"
            ),
            Failure::Status { code, .. } if code == "AuthenticationFailed" => format!(
                "{doing}: the service did not accept the {} (AuthenticationFailed); {}",
                if location.sas.is_some() {
                    "SAS"
                } else {
                    "sign-in"
                },
                if location.sas.is_some() {
                    "it may have expired, or belong to another account: make a new one"
                } else {
                    "check the account name and `--credential`"
                }
            ),
            Failure::Status {
                status: 403, code, ..
            } if location.sas.is_some() => format!(
                "{doing}: the SAS does not allow it ({code}); drplan needs read, add, create, write, delete and list on blobs (`sp=racwdl`, `srt=sco` for an account SAS); nothing was written"
            ),
            Failure::Status {
                status: 403, code, ..
            } => format!(
                "{doing}: {} may not do this here ({code}); give it the `Storage Blob Data Contributor` role on the container or the account; nothing was written",
                self.credential
                    .as_ref()
                    .map_or("this identity", |c| c.describe())
            ),
            Failure::Status {
                status: 400 | 404,
                code,
                message,
            } if code == "InvalidResourceName"
                || code == "ResourceNotFound"
                || code == "AccountNotFound"
                || code == "InvalidUri"
                || code == "UnsupportedRequest"
                || code == "Unknown" =>
            {
                format!(
                    "{doing}: {code} ({message}); is `{account}` the storage account's name, and `{container}` its container's?"
                )
            }
            Failure::Transport(why) => format!(
                "{doing}: cannot reach {} ({why}); check the account name in the URL and the network",
                location.service
            ),
            f @ Failure::Status { .. } => format!("{doing}: {f}"),
        };
        JournalError::Store {
            location: location.to_string(),
            message,
        }
    }
}
