//! `drplan import`: `--vault`, `--recovery-plan`, `--from` and `-o` in;
//! the imported plan on stdout or in a new file, warnings on stderr, an
//! exit code out (0 written, 1 the vault could not be read, 2 bad input).
//! What a recovery plan becomes is decided in [`crate::interop::import`];
//! this file only reads (the vault, a saved answer) and writes.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use super::exit::ExitCode;
use super::output::ErrorCode;
use super::{Ctx, output};
use crate::interop::asr::RecoveryPlan;
use crate::interop::import::{self, ImportError, Imported, VaultItem};
use crate::provider::ProviderError;
use crate::provider::azure::{self, AzureOptions, VaultReader};

/// `drplan import`.
#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("source").required(true).multiple(true).args(["vault", "from"])))]
pub struct ImportArgs {
    /// The Recovery Services vault's ARM id: the recovery plan and the replicated items are read from
    /// it (without --recovery-plan: a first plan of every replicated item).
    #[arg(long)]
    pub vault: Option<String>,
    /// The recovery plan's name in the vault (or in a list saved with --from).
    #[arg(long)]
    pub recovery_plan: Option<String>,
    /// A saved GET answer of the recovery plan, read offline (with --vault, the items are read online).
    #[arg(long, value_name = "FILE.json")]
    pub from: Option<PathBuf>,
    /// Write the plan to this file (it must not exist yet); default: stdout.
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// The plan's name when importing a vault's items (default: the vault's name).
    #[arg(long)]
    pub name: Option<String>,
}

pub(super) fn run(args: &ImportArgs, ctx: &Ctx) -> ExitCode {
    match imported(args, ctx) {
        Ok(imported) => write(args, ctx, &imported),
        Err(code) => code,
    }
}

fn imported(args: &ImportArgs, ctx: &Ctx) -> Result<Imported, ExitCode> {
    let saved = match &args.from {
        Some(path) => Some(read_saved(path, args.recovery_plan.as_deref(), ctx)?),
        None => None,
    };
    let Some(vault) = &args.vault else {
        // Offline: the saved plan alone.
        return saved.as_ref().map_or(Err(ExitCode::Usage), |plan| {
            import::from_recovery_plan(plan, None, None).map_err(|e| import_failed(ctx, &e))
        });
    };
    let rt = super::runtime()?;
    rt.block_on(async {
        let reader = open(vault, ctx).await?;
        let vault_failed =
            |e: ProviderError| ctx.fail(ErrorCode::Failed, &e.to_string(), ExitCode::Failed);
        let plan = match (saved, &args.recovery_plan) {
            (Some(plan), _) => Some(plan),
            (None, Some(name)) => Some(reader.get(name).await.map_err(vault_failed)?),
            (None, None) => None,
        };
        let items: Vec<VaultItem> = reader
            .protected_items()
            .await
            .map_err(vault_failed)?
            .iter()
            .map(VaultItem::of)
            .collect();
        let result = if let Some(plan) = &plan {
            import::from_recovery_plan(plan, Some(reader.vault()), Some(&items))
        } else {
            let name = args
                .name
                .clone()
                .unwrap_or_else(|| import::vault_name(reader.vault()));
            import::from_vault(reader.vault(), &name, &items)
        };
        result.map_err(|e| import_failed(ctx, &e))
    })
}

/// The reader of `vault`, signed in as `--credential` says. A vault id of
/// the wrong shape is bad input (exit 2); a sign-in that failed is a vault
/// that could not be read (exit 1).
async fn open(vault: &str, ctx: &Ctx) -> Result<VaultReader, ExitCode> {
    if let Err(e) = VaultReader::check(vault) {
        return Err(ctx.fail(ErrorCode::Usage, &e.to_string(), ExitCode::Usage));
    }
    let opened = async {
        let endpoint = azure::Endpoint::from_env(&azure::process_env)?;
        let credential = azure::credential(ctx.credential, &endpoint).await?;
        eprintln!(
            "using {} for {}",
            credential.describe(),
            endpoint.resource_manager
        );
        VaultReader::new(vault, &endpoint, credential, &AzureOptions::default())
    };
    opened
        .await
        .map_err(|e| ctx.fail(ErrorCode::Failed, &e.to_string(), ExitCode::Failed))
}

/// The recovery plan saved in `path`.
fn read_saved(path: &Path, name: Option<&str>, ctx: &Ctx) -> Result<RecoveryPlan, ExitCode> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        let message = format!("cannot read {}: {e}", path.display());
        ctx.fail(ErrorCode::Unreadable, &message, ExitCode::Usage)
    })?;
    import::parse_recovery_plan(&text, path, name).map_err(|e| import_failed(ctx, &e))
}

fn import_failed(ctx: &Ctx, e: &ImportError) -> ExitCode {
    match e {
        ImportError::Internal(_) => ctx.fail(ErrorCode::Failed, &e.to_string(), ExitCode::Failed),
        _ => ctx.fail(ErrorCode::Usage, &e.to_string(), ExitCode::Usage),
    }
}

/// Says the warnings, then writes the plan to `-o` (a new file) or stdout.
fn write(args: &ImportArgs, ctx: &Ctx, imported: &Imported) -> ExitCode {
    for warning in &imported.warnings {
        eprintln!("warning: {}", crate::printable::printable(warning));
    }
    let Some(path) = &args.output else {
        output::print(&imported.text);
        return ExitCode::Success;
    };
    let written = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .and_then(|mut f| f.write_all(imported.text.as_bytes()));
    match written {
        Ok(()) => {
            eprintln!(
                "wrote {} ({} not carried over, said in its comments)",
                path.display(),
                imported.losses.len()
            );
            ExitCode::Success
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => ctx.fail(
            ErrorCode::Usage,
            &format!(
                "{} exists; drplan import writes new files only: remove it or choose another -o",
                path.display()
            ),
            ExitCode::Usage,
        ),
        Err(e) => ctx.fail(
            ErrorCode::Failed,
            &format!("cannot write {}: {e}", path.display()),
            ExitCode::Failed,
        ),
    }
}
