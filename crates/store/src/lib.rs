//! Persistence for every concept of `movement`, on an embedded SQLite file (the default) or
//! on PostgreSQL, with the same code and the same tests.
//!
//! - [`Store::open`] takes a URL (`sqlite://groundswell.db`, `postgres://…`), applies the
//!   migrations of that backend (`migrations/sqlite`, `migrations/postgres`) and hands out
//!   [`Org`]s.
//! - [`Org`] is the only way to the data, and it is bound to one organization: every query
//!   it runs filters by that organization, so a caller cannot forget to. On PostgreSQL
//!   row-level security is a second wall behind it.
//! - Every write appends its [`movement::Event`] to the event log in the same transaction;
//!   the database refuses to update or delete events.
//! - Imports ([`Org::import_people`], [`Org::import_ties`], [`Org::import_adoptions`]) are
//!   all-or-nothing and list every bad row.
//!
//! SQL is written once, with `$1`-style parameters that both backends accept, and run on
//! whichever pool the store holds (the `on_backend!` macro); no query is checked against a
//! live database at compile time.

#![deny(missing_docs)]

mod auth;
mod backup;
mod error;
mod import;
mod org;
mod revise;
mod rows;
mod suggest;
mod views;

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

pub use auth::{Account, Session};
pub use backup::{BackupError, restore_sqlite, sqlite_file};
pub use error::{Error, RowError};
pub use import::{ImportFile, ImportPreview, ImportSummary, MAX_LISTED, PeopleDiff};
pub use org::Org;
pub use rows::{Person, Tie};
pub use views::{Job, Story};

/// The URL `groundswell` uses when none is given: a file beside the working directory.
pub const DEFAULT_URL: &str = "sqlite://groundswell.db";

/// Which database a store runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// An embedded SQLite file, WAL mode, foreign keys on.
    Sqlite,
    /// A PostgreSQL server, with row-level security by organization.
    Postgres,
}

#[derive(Clone, Debug)]
enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Runs the same code on whichever pool the store holds: `$conn` is bound to the
/// backend's pool in each arm, so the SQL and the binds are written once.
macro_rules! on_backend {
    ($pool:expr, |$conn:ident| $body:expr) => {
        match $pool {
            $crate::Pool::Sqlite($conn) => $body,
            $crate::Pool::Postgres($conn) => $body,
        }
    };
}

/// A handle on the database; cheap to clone (the pool is shared).
#[derive(Clone, Debug)]
pub struct Store {
    pool: Pool,
}

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/postgres");

impl Store {
    /// Opens (creating if needed) the database at `url` and brings its schema up to date.
    pub async fn open(url: &str) -> Result<Store, Error> {
        if url.starts_with("sqlite:") {
            let options = SqliteConnectOptions::from_str(url)?;
            Store::open_sqlite(options).await
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Store::open_postgres(PgConnectOptions::from_str(url)?).await
        } else {
            Err(Error::UnsupportedUrl(url.to_string()))
        }
    }

    /// Opens an SQLite database: created if missing, WAL journal (readers never wait for the
    /// writer), foreign keys enforced, `synchronous = NORMAL` (durable at each checkpoint,
    /// never corrupt), five seconds' patience with a busy writer.
    pub async fn open_sqlite(options: SqliteConnectOptions) -> Result<Store, Error> {
        let options = options
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(5));
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await?;
        SQLITE_MIGRATIONS.run(&pool).await?;
        Ok(Store {
            pool: Pool::Sqlite(pool),
        })
    }

    /// Opens a PostgreSQL database. Connect as a role that is not a superuser for row-level
    /// security to apply (superusers bypass it).
    pub async fn open_postgres(options: PgConnectOptions) -> Result<Store, Error> {
        let pool = PgPoolOptions::new()
            .max_connections(8)
            .connect_with(options)
            .await?;
        POSTGRES_MIGRATIONS.run(&pool).await?;
        Ok(Store {
            pool: Pool::Postgres(pool),
        })
    }

    /// Which database this store runs on.
    pub fn backend(&self) -> Backend {
        match self.pool {
            Pool::Sqlite(_) => Backend::Sqlite,
            Pool::Postgres(_) => Backend::Postgres,
        }
    }

    /// The versions of the migrations applied, oldest first.
    pub async fn schema_versions(&self) -> Result<Vec<i64>, Error> {
        let sql = "SELECT version FROM _sqlx_migrations WHERE success ORDER BY version";
        Ok(on_backend!(&self.pool, |pool| sqlx::query_scalar(sql)
            .fetch_all(pool)
            .await?))
    }

    /// Registers a new organization (a tenant) under a unique name.
    pub async fn create_organization(&self, name: &str) -> Result<Org<'_>, Error> {
        let name = name.trim();
        if name.is_empty() {
            return Err(movement::Error::Invalid {
                field: "name",
                reason: "is empty".into(),
            }
            .into());
        }
        let sql = "INSERT INTO organizations (name, created_at_ms) VALUES ($1, $2) RETURNING id";
        let id: i64 = on_backend!(&self.pool, |pool| sqlx::query_scalar(sql)
            .bind(name)
            .bind(now_ms())
            .fetch_one(pool)
            .await
            .map_err(|e| Error::refused(e, "organization", name))?);
        Ok(self.org(movement::OrgId(id)))
    }

    /// The organization with this name, if any.
    pub async fn find_organization(&self, name: &str) -> Result<Option<Org<'_>>, Error> {
        let sql = "SELECT id FROM organizations WHERE name = $1";
        let id: Option<i64> = on_backend!(&self.pool, |pool| sqlx::query_scalar(sql)
            .bind(name.trim())
            .fetch_optional(pool)
            .await?);
        Ok(id.map(|id| self.org(movement::OrgId(id))))
    }

    /// Every organization, by id, with its name: the tenants' directory, for signing in by
    /// email (an email is looked up in each organization through its own scoped handle).
    pub async fn organizations(&self) -> Result<Vec<(movement::OrgId, String)>, Error> {
        let sql = "SELECT id, name FROM organizations ORDER BY id";
        let rows: Vec<(i64, String)> = on_backend!(&self.pool, |pool| sqlx::query_as(sql)
            .fetch_all(pool)
            .await?);
        Ok(rows
            .into_iter()
            .map(|(id, name)| (movement::OrgId(id), name))
            .collect())
    }

    /// The data of one organization, and only of it.
    pub fn org(&self, id: movement::OrgId) -> Org<'_> {
        Org::new(self, id)
    }

    /// Waits for connections in use to be returned, then closes them (and checkpoints
    /// SQLite's write-ahead log).
    pub async fn close(&self) {
        on_backend!(&self.pool, |pool| pool.close().await);
    }
}

/// A value a query can bind on either backend.
pub(crate) trait Bindable:
    for<'q> sqlx::Encode<'q, sqlx::Sqlite>
    + sqlx::Type<sqlx::Sqlite>
    + for<'q> sqlx::Encode<'q, sqlx::Postgres>
    + sqlx::Type<sqlx::Postgres>
    + Send
    + Clone
{
}

impl<T> Bindable for T where
    T: for<'q> sqlx::Encode<'q, sqlx::Sqlite>
        + sqlx::Type<sqlx::Sqlite>
        + for<'q> sqlx::Encode<'q, sqlx::Postgres>
        + sqlx::Type<sqlx::Postgres>
        + Send
        + Clone
{
}

/// Milliseconds since the Unix epoch: the stored form of every instant.
pub(crate) fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}
