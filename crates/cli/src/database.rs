//! What the commands that work on the database share: the `--db` option, a runtime to run
//! the store's async calls on, and which store errors are the user's input (exit 2).
//!
//! The rest of the command line is synchronous; each database command builds a small
//! single-threaded runtime for its store calls and drops it when done, so the analysis
//! commands stay free of async.

use std::future::Future;

/// The database option, flattened into each database command's arguments.
#[derive(clap::Args, Debug)]
pub struct DbArgs {
    /// Database URL: sqlite://FILE or postgres://USER@HOST/DATABASE.
    #[arg(long, value_name = "URL", env = "GROUNDSWELL_DB", default_value = store::DEFAULT_URL)]
    pub db: String,
}

/// Runs one future to completion on a fresh single-threaded runtime.
///
/// # Errors
/// The runtime cannot be built (no threads or file descriptors left).
pub fn block_on<T>(work: impl Future<Output = anyhow::Result<T>>) -> anyhow::Result<T> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(work)
}

/// Whether a store error comes from what the user gave (a refused file, an unreadable one,
/// a URL of no backend, an invalid name): exit status 2. Database failures are 1.
pub fn is_bad_input(error: &store::Error) -> bool {
    matches!(
        error,
        store::Error::Rejected { .. }
            | store::Error::Unreadable(_)
            | store::Error::UnsupportedUrl(_)
            | store::Error::Invalid(_)
    )
}

/// Whether a backup or restore error comes from what the user gave (a target that exists,
/// a backup that is not one, a PostgreSQL URL): exit status 2. Failing disks and databases
/// are 1.
pub fn is_bad_backup_input(error: &store::BackupError) -> bool {
    match error {
        store::BackupError::Io { .. } => false,
        store::BackupError::Store(error) => is_bad_input(error),
        _ => true,
    }
}
