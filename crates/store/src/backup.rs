//! Backups and restores of the SQLite database; on PostgreSQL, a pointer to `pg_dump`.
//!
//! A backup is made with `VACUUM INTO` (SQLite ≥ 3.27): SQLite writes a compacted copy of
//! the database as seen by one read transaction, so the copy is a consistent snapshot and,
//! in WAL mode, writers carry on while it is made. The alternative, SQLite's online backup
//! API (`sqlite3_backup_step`), copies page by page and restarts when a writer changes the
//! source; sqlx exposes no safe binding for it and the workspace forbids `unsafe`, so it is
//! not an option here — and `VACUUM INTO` needs neither.
//!
//! A restore never trusts its input: the backup is copied beside the target, the copy is
//! checked (`PRAGMA integrity_check`, and the tables only a Groundswell database has), made
//! durable, and renamed over the target in one step, so the target is at every moment
//! either the old database or the whole new one.

use std::fs::{self, File};
use std::io;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions};

use crate::{Error, Pool, Store};

/// What went wrong in a backup or a restore.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    /// The store runs on PostgreSQL, whose own tools do this job better.
    #[error(
        "backups of a PostgreSQL database are pg_dump's job: \
         `pg_dump --format=custom --file=groundswell.dump DATABASE_URL`, \
         restored with `pg_restore --clean --if-exists --dbname=DATABASE_URL groundswell.dump`"
    )]
    Postgres,
    /// The URL does not name an SQLite file (an in-memory database has nothing to restore).
    #[error("{0:?} is not an SQLite file: restores go to sqlite://FILE")]
    NotSqliteFile(String),
    /// A backup never overwrites a file.
    #[error("{} exists already: a backup goes to a new file", .0.display())]
    TargetExists(PathBuf),
    /// A restore over an existing database needs to be forced.
    #[error("{} exists already: restoring over it replaces it, which has to be forced", .0.display())]
    DatabaseExists(PathBuf),
    /// The backup is missing or is not an SQLite database at all.
    #[error("{} is not an SQLite database: {reason}", .path.display())]
    NotADatabase {
        /// The file given as the backup.
        path: PathBuf,
        /// What SQLite said.
        reason: String,
    },
    /// The backup is an SQLite database that fails SQLite's integrity check.
    #[error("{} is damaged: {report}", .path.display())]
    Damaged {
        /// The file given as the backup.
        path: PathBuf,
        /// The first lines of `PRAGMA integrity_check`.
        report: String,
    },
    /// The backup is a sound SQLite database but not one of Groundswell's.
    #[error("{} is an SQLite database but not a Groundswell one (it has no {missing} table)", .path.display())]
    NotGroundswell {
        /// The file given as the backup.
        path: PathBuf,
        /// The first table it lacks.
        missing: &'static str,
    },
    /// A file could not be read, written, synced or renamed.
    #[error("{action} {}: {source}", .path.display())]
    Io {
        /// What was being done.
        action: &'static str,
        /// To which file.
        path: PathBuf,
        /// Why it failed.
        source: io::Error,
    },
    /// The database failed.
    #[error(transparent)]
    Store(#[from] Error),
}

impl BackupError {
    fn io(action: &'static str, path: &Path) -> impl FnOnce(io::Error) -> BackupError {
        let path = path.to_path_buf();
        move |source| BackupError::Io {
            action,
            path,
            source,
        }
    }
}

/// The tables that make an SQLite file a Groundswell database.
const GROUNDSWELL_TABLES: [&str; 2] = ["_sqlx_migrations", "organizations"];

impl Store {
    /// Writes a consistent copy of the SQLite database to `target`, a new file, while the
    /// store stays open for writing (see the module's documentation for how). The copy is
    /// made under a temporary name beside `target`, synced, and only then given its name,
    /// so a crash never leaves a half-written file that looks like a backup.
    ///
    /// # Errors
    /// [`BackupError::Postgres`] on PostgreSQL (the message gives the `pg_dump` command);
    /// [`BackupError::TargetExists`] if `target` exists.
    pub async fn backup_to(&self, target: &Path) -> Result<(), BackupError> {
        let Pool::Sqlite(pool) = &self.pool else {
            return Err(BackupError::Postgres);
        };
        if target.exists() {
            return Err(BackupError::TargetExists(target.to_path_buf()));
        }
        let partial = sibling(target, "partial")?;
        // SQLite takes the file name as text.
        let partial_text = partial.to_str().ok_or_else(|| BackupError::Io {
            action: "cannot write to",
            path: target.to_path_buf(),
            source: io::Error::new(io::ErrorKind::InvalidInput, "the path is not UTF-8"),
        })?;
        let vacuum = sqlx::query("VACUUM INTO $1")
            .bind(partial_text)
            .execute(pool)
            .await;
        if let Err(error) = vacuum {
            let _ = fs::remove_file(&partial);
            return Err(Error::Database(error).into());
        }
        let installed = sync_file(&partial).and_then(|()| {
            // A hard link gives the copy its name only if the name is free, atomically:
            // a file created at `target` meanwhile is never overwritten.
            fs::hard_link(&partial, target).map_err(|source| {
                if source.kind() == io::ErrorKind::AlreadyExists {
                    BackupError::TargetExists(target.to_path_buf())
                } else {
                    BackupError::io("cannot create", target)(source)
                }
            })
        });
        let _ = fs::remove_file(&partial);
        installed?;
        sync_folder(target)?;
        tracing::info!(target = %target.display(), "database backed up");
        Ok(())
    }
}

/// The file of an `sqlite://FILE` URL.
///
/// # Errors
/// [`BackupError::NotSqliteFile`] for a PostgreSQL URL or an in-memory database.
pub fn sqlite_file(url: &str) -> Result<PathBuf, BackupError> {
    if !url.starts_with("sqlite:") {
        return Err(BackupError::NotSqliteFile(url.to_string()));
    }
    let options = SqliteConnectOptions::from_str(url).map_err(Error::Database)?;
    let file = options.get_filename();
    if file.as_os_str().is_empty() || file == Path::new(":memory:") || url.contains("mode=memory") {
        return Err(BackupError::NotSqliteFile(url.to_string()));
    }
    Ok(file.to_path_buf())
}

/// Replaces the SQLite database at `target` with the backup at `backup`, after checking
/// that the backup is a sound Groundswell database. Stop every process using `target`
/// first: a store open on it would keep writing to the file it had open.
///
/// The backup is copied to a temporary file beside `target`, the copy is checked and synced,
/// the target's stale `-wal` and `-shm` files are removed (SQLite would otherwise replay the
/// old log onto the new database), and the copy is renamed over `target`.
///
/// # Errors
/// [`BackupError::DatabaseExists`] if `target` exists and `force` is false;
/// [`BackupError::NotADatabase`], [`BackupError::Damaged`] or
/// [`BackupError::NotGroundswell`] for a bad backup — `target` is then untouched.
pub async fn restore_sqlite(backup: &Path, target: &Path, force: bool) -> Result<(), BackupError> {
    if !backup.is_file() {
        return Err(BackupError::NotADatabase {
            path: backup.to_path_buf(),
            reason: "no such file".into(),
        });
    }
    if target.exists() && !force {
        return Err(BackupError::DatabaseExists(target.to_path_buf()));
    }
    let copy = tempfile_beside(target)?;
    let checked = async {
        fs::copy(backup, &copy).map_err(BackupError::io("cannot copy the backup to", &copy))?;
        check_backup(&copy, backup).await?;
        sync_file(&copy)
    }
    .await;
    if let Err(error) = checked {
        let _ = fs::remove_file(&copy);
        return Err(error);
    }
    for suffix in ["-wal", "-shm"] {
        let stale = with_suffix(target, suffix);
        match fs::remove_file(&stale) {
            Ok(()) => {}
            Err(error) if error.kind() == io::ErrorKind::NotFound => {}
            Err(error) => {
                let _ = fs::remove_file(&copy);
                return Err(BackupError::io("cannot remove", &stale)(error));
            }
        }
    }
    if let Err(error) = fs::rename(&copy, target) {
        let _ = fs::remove_file(&copy);
        return Err(BackupError::io("cannot replace", target)(error));
    }
    sync_folder(target)?;
    tracing::info!(backup = %backup.display(), target = %target.display(), "database restored");
    Ok(())
}

/// Checks the copy of a backup (errors name the backup, the file the user gave).
async fn check_backup(copy: &Path, backup: &Path) -> Result<(), BackupError> {
    let not_a_database = |error: sqlx::Error| BackupError::NotADatabase {
        path: backup.to_path_buf(),
        reason: error.to_string(),
    };
    // Rollback journal: the check leaves no `-wal`/`-shm` files beside the copy to clean
    // up, and the copy is not renamed while a log of it is still pending.
    let options = SqliteConnectOptions::new()
        .filename(copy)
        .create_if_missing(false)
        .journal_mode(SqliteJournalMode::Delete);
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(options)
        .await
        .map_err(not_a_database)?;
    let verdict = async {
        let report: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check")
            .fetch_all(&pool)
            .await
            .map_err(not_a_database)?;
        if report != ["ok"] {
            return Err(BackupError::Damaged {
                path: backup.to_path_buf(),
                report: report.into_iter().take(5).collect::<Vec<_>>().join("; "),
            });
        }
        for table in GROUNDSWELL_TABLES {
            let found: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = $1",
            )
            .bind(table)
            .fetch_one(&pool)
            .await
            .map_err(not_a_database)?;
            if found == 0 {
                return Err(BackupError::NotGroundswell {
                    path: backup.to_path_buf(),
                    missing: table,
                });
            }
        }
        Ok(())
    }
    .await;
    pool.close().await;
    verdict
}

/// A fresh, unused path beside `target` (same folder, so a rename is atomic).
fn tempfile_beside(target: &Path) -> Result<PathBuf, BackupError> {
    let path = sibling(target, "restoring")?;
    File::create_new(&path).map_err(BackupError::io("cannot create", &path))?;
    Ok(path)
}

/// `.NAME.WHAT-PID-NANOS` in `target`'s folder.
fn sibling(target: &Path, what: &str) -> Result<PathBuf, BackupError> {
    let name = target
        .file_name()
        .ok_or_else(|| BackupError::NotSqliteFile(target.display().to_string()))?;
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let mut sibling_name = std::ffi::OsString::from(".");
    sibling_name.push(name);
    sibling_name.push(format!(".{what}-{}-{nanos}", std::process::id()));
    Ok(target.with_file_name(sibling_name))
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut text = path.as_os_str().to_os_string();
    text.push(suffix);
    PathBuf::from(text)
}

fn sync_file(path: &Path) -> Result<(), BackupError> {
    File::open(path)
        .and_then(|file| file.sync_all())
        .map_err(BackupError::io("cannot sync", path))
}

/// Makes a rename or link in `path`'s folder durable. Folders cannot be opened for syncing
/// on every platform; where they cannot, the rename is as durable as the platform allows.
fn sync_folder(path: &Path) -> Result<(), BackupError> {
    let folder = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    match File::open(folder) {
        Ok(dir) => match dir.sync_all() {
            Ok(()) => Ok(()),
            Err(error) if error.kind() == io::ErrorKind::InvalidInput => Ok(()),
            Err(error) => Err(BackupError::io("cannot sync", folder)(error)),
        },
        Err(_) => Ok(()),
    }
}
