//! A fresh, migrated database per test, on either backend, and [`both_backends!`], which
//! writes each test once and runs it on both.
//!
//! PostgreSQL: `GROUNDSWELL_TEST_POSTGRES` (default `postgres://root@127.0.0.1:5432/test`)
//! is the administrator connection. Each test gets its own schema, owned by the role
//! `groundswell_test` — not a superuser, so row-level security applies to everything the
//! store does — and the store connects as that role with the schema as its search path. An
//! unreachable server fails the test; `cargo test -p store -- --skip postgres` runs the
//! SQLite half alone.

use std::str::FromStr;
use std::sync::atomic::{AtomicU32, Ordering};

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqlitePool};
use store::Store;

/// The role the store runs as in the PostgreSQL tests.
pub const TEST_ROLE: &str = "groundswell_test";

/// A store on a fresh database, and a second, raw way in for checks behind its back.
pub struct TestDb {
    pub store: Store,
    pub raw: Raw,
    _dir: Option<tempfile::TempDir>,
}

/// Direct access to the test's database, bypassing the store. (One per test: the size of
/// the PostgreSQL variant does not matter.)
#[allow(clippy::large_enum_variant)]
pub enum Raw {
    Sqlite {
        pool: SqlitePool,
        path: std::path::PathBuf,
    },
    /// `admin` is a superuser connection; `schema` the test's schema.
    Postgres {
        admin: PgPool,
        schema: String,
        options: PgConnectOptions,
    },
}

pub async fn sqlite() -> TestDb {
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("groundswell.db");
    let url = format!("sqlite://{}", path.display());
    let store = Store::open(&url).await.expect("open SQLite store");
    let pool = SqlitePool::connect_with(SqliteConnectOptions::from_str(&url).unwrap())
        .await
        .expect("raw SQLite connection");
    TestDb {
        store,
        raw: Raw::Sqlite { pool, path },
        _dir: Some(dir),
    }
}

pub fn postgres_admin_url() -> String {
    std::env::var("GROUNDSWELL_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://root@127.0.0.1:5432/test".to_string())
}

pub async fn postgres() -> TestDb {
    let (admin, schema, options) = postgres_schema().await;
    let store = Store::open_postgres(options.clone())
        .await
        .expect("open PostgreSQL store");
    TestDb {
        store,
        raw: Raw::Postgres {
            admin,
            schema,
            options,
        },
        _dir: None,
    }
}

/// A fresh, empty schema owned by [`TEST_ROLE`], without opening a store on it (the
/// migration tests apply part of the migrations first): the superuser pool, the schema's
/// name, and the options that connect as the test role with the schema as search path.
pub async fn postgres_schema() -> (PgPool, String, PgConnectOptions) {
    let url = postgres_admin_url();
    let admin = PgPoolOptions::new()
        .max_connections(2)
        .connect(&url)
        .await
        .unwrap_or_else(|e| {
            panic!(
                "PostgreSQL at {url} is unreachable ({e}); the store's tests need it. \
             Run the SQLite half alone with `cargo test -p store -- --skip postgres`."
            )
        });
    // Creating the role races between parallel tests; whoever loses sees it exists.
    sqlx::query(&format!(
        "DO $$ BEGIN CREATE ROLE {TEST_ROLE} LOGIN NOSUPERUSER; \
         EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$"
    ))
    .execute(&admin)
    .await
    .expect("create the test role");
    let schema = unique_schema();
    sqlx::query(&format!("CREATE SCHEMA {schema} AUTHORIZATION {TEST_ROLE}"))
        .execute(&admin)
        .await
        .expect("create the test schema");
    let options = PgConnectOptions::from_str(&url)
        .unwrap()
        .username(TEST_ROLE)
        .options([("search_path", schema.as_str())]);
    (admin, schema, options)
}

fn unique_schema() -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!(
        "gs_test_{}_{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed),
        nanos
    )
}

impl TestDb {
    /// Drops the test's PostgreSQL schema (a failed test leaves it for inspection).
    pub async fn finish(self) {
        self.store.close().await;
        if let Raw::Postgres { admin, schema, .. } = &self.raw {
            sqlx::query(&format!("DROP SCHEMA {schema} CASCADE"))
                .execute(admin)
                .await
                .expect("drop the test schema");
        }
    }

    /// Runs one statement behind the store's back and returns the error, if any, as text.
    pub async fn raw_execute(&self, sql: &str) -> Result<u64, String> {
        match &self.raw {
            Raw::Sqlite { pool, .. } => sqlx::query(sql)
                .execute(pool)
                .await
                .map(|r| r.rows_affected())
                .map_err(|e| e.to_string()),
            Raw::Postgres { admin, schema, .. } => {
                let mut tx = admin.begin().await.map_err(|e| e.to_string())?;
                sqlx::query(&format!("SET LOCAL search_path TO {schema}"))
                    .execute(&mut *tx)
                    .await
                    .map_err(|e| e.to_string())?;
                let done = sqlx::query(sql)
                    .execute(&mut *tx)
                    .await
                    .map_err(|e| e.to_string())?;
                tx.commit().await.map_err(|e| e.to_string())?;
                Ok(done.rows_affected())
            }
        }
    }

    /// Counts rows behind the store's back (as a superuser on PostgreSQL: every organization).
    pub async fn raw_count(&self, table: &str) -> i64 {
        let sql = format!("SELECT COUNT(*) FROM {table}");
        match &self.raw {
            Raw::Sqlite { pool, .. } => sqlx::query_scalar(&sql).fetch_one(pool).await.unwrap(),
            Raw::Postgres { admin, schema, .. } => {
                let sql = format!("SELECT COUNT(*) FROM {schema}.{table}");
                sqlx::query_scalar(&sql).fetch_one(admin).await.unwrap()
            }
        }
    }
}

/// Writes a test once and runs it on both backends, as `name::sqlite` and `name::postgres`:
///
/// ```ignore
/// both_backends! {
///     async fn people_round_trip(db) { let org = db.store.create_organization("a").await.unwrap(); … }
/// }
/// ```
macro_rules! both_backends {
    ($(async fn $name:ident($db:ident) $body:block)*) => {$(
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let $db = $crate::util::sqlite().await;
                $body
                $db.finish().await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let $db = $crate::util::postgres().await;
                $body
                $db.finish().await;
            }
        }
    )*};
}
pub(crate) use both_backends;
