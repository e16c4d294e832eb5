//! `groundswell backup` and `groundswell restore`: a consistent copy of the SQLite
//! database, taken while it is in use, and its checked, atomic return. PostgreSQL has
//! `pg_dump` and `pg_restore` for this; both commands say so rather than half-doing it.
//! The work is `store`'s (`Store::backup_to`, `store::restore_sqlite`).

use std::path::PathBuf;

use anyhow::Context;

use crate::BadInput;
use crate::database::{DbArgs, block_on};

const BACKUP_EXAMPLES: &str = "\
Examples:
  Back up the default database ./groundswell.db while the server keeps writing to it:
    groundswell backup --to backups/groundswell-2026-11-30.db

  Another SQLite file:
    groundswell backup --db sqlite:///var/lib/groundswell/groundswell.db --to /mnt/backup/gs.db

The copy is a snapshot of one moment (SQLite's VACUUM INTO), compacted, and a complete
database: `groundswell restore` puts it back, `sqlite3` opens it. An existing file is
never overwritten (exit status 2).

PostgreSQL: use its own tools (exit status 2 says so):
    pg_dump --format=custom --file=groundswell.dump DATABASE_URL
    pg_restore --clean --if-exists --dbname=DATABASE_URL groundswell.dump";

const RESTORE_EXAMPLES: &str = "\
Examples:
  Put a backup in place of the default database (stop the server first):
    groundswell restore --from backups/groundswell-2026-11-30.db --force

  Restore into a new file, to look at an old state beside the current one:
    groundswell restore --from backups/groundswell-2026-11-30.db --db sqlite://old.db

The backup is checked first (SQLite's integrity check, and that it is a Groundswell
database); a bad one is refused and nothing changes. The database is replaced in one step:
it is at every moment either the old one or the whole backup.

Exit status 2, nothing changed: the database exists and --force was not given; the backup is
missing, damaged or not a Groundswell database; --db is not sqlite://FILE (restore
PostgreSQL with pg_restore).";

/// Arguments of `groundswell backup`.
#[derive(clap::Args, Debug)]
#[command(after_help = BACKUP_EXAMPLES)]
pub struct BackupArgs {
    #[command(flatten)]
    db: DbArgs,

    /// The backup file to write; must not exist.
    #[arg(long, value_name = "FILE")]
    to: PathBuf,
}

/// Arguments of `groundswell restore`.
#[derive(clap::Args, Debug)]
#[command(after_help = RESTORE_EXAMPLES)]
pub struct RestoreArgs {
    /// The backup to restore (a file written by `groundswell backup`).
    #[arg(long, value_name = "FILE")]
    from: PathBuf,

    #[command(flatten)]
    db: DbArgs,

    /// Replace the database if it exists.
    #[arg(long)]
    force: bool,
}

/// Runs `groundswell backup`.
pub fn run_backup(args: &BackupArgs) -> anyhow::Result<()> {
    let url = args.db.db.as_str();
    // Settle what can be settled without connecting: a PostgreSQL URL gets the pg_dump
    // command, and a missing SQLite file is not created just to be copied.
    if url.starts_with("postgres:") || url.starts_with("postgresql:") {
        return Err(store::BackupError::Postgres.into());
    }
    let file = store::sqlite_file(url)?;
    if !file.is_file() {
        return Err(BadInput(format!(
            "no database at {} (from --db {url})",
            file.display()
        ))
        .into());
    }
    block_on(async {
        let store = store::Store::open(url)
            .await
            .context("cannot open the database")?;
        let done = store.backup_to(&args.to).await;
        store.close().await;
        Ok(done?)
    })?;
    let size = std::fs::metadata(&args.to).map(|m| m.len()).unwrap_or(0);
    println!(
        "backed up {} to {} ({size} bytes)",
        file.display(),
        args.to.display()
    );
    Ok(())
}

/// Runs `groundswell restore`.
pub fn run_restore(args: &RestoreArgs) -> anyhow::Result<()> {
    let url = args.db.db.as_str();
    if url.starts_with("postgres:") || url.starts_with("postgresql:") {
        return Err(store::BackupError::Postgres.into());
    }
    let target = store::sqlite_file(url)?;
    let restored =
        block_on(async { Ok(store::restore_sqlite(&args.from, &target, args.force).await) })?;
    match restored {
        Ok(()) => {}
        Err(store::BackupError::DatabaseExists(path)) => {
            return Err(BadInput(format!(
                "{} exists already; pass --force to replace it with the backup \
                 (stop everything using it first)",
                path.display()
            ))
            .into());
        }
        Err(error) => return Err(error.into()),
    }
    println!("restored {} to {}", args.from.display(), target.display());
    Ok(())
}
