//! PostgreSQL's row-level security, the second wall behind `Org`: a connection as the
//! store's own role, going round the store, sees and touches only the rows of the
//! organization it has set, and nothing when it has set none.

use sqlx::{Connection, PgConnection};

use crate::scenario::populate;
use crate::util::{Raw, TestDb};

/// The tables that hold an organization's rows (all but `organizations`).
const TABLES: [&str; 18] = [
    "people",
    "ties",
    "adoptions",
    "adoption_confirmations",
    "opt_outs",
    "accounts",
    "events",
    "movements",
    "memberships",
    "experiments",
    "asks",
    "conversations",
    "stories",
    "reactions",
    "retells",
    "jobs",
    "sessions",
    "login_links",
];

/// Two organizations with the same scenario; a connection as the store's role.
async fn two_organizations() -> (TestDb, i64, i64, PgConnection) {
    let db = crate::util::postgres().await;
    let mut ids = Vec::new();
    for name in ["a", "b"] {
        let org = db.store.create_organization(name).await.unwrap();
        populate(&org, name).await;
        ids.push(org.id().0);
    }
    let Raw::Postgres { options, .. } = &db.raw else {
        unreachable!()
    };
    let conn = PgConnection::connect_with(options).await.unwrap();
    (db, ids[0], ids[1], conn)
}

/// Rows of `table` that belong to `org`, counted as the superuser (no row security).
async fn rows_of(db: &TestDb, table: &str, org: i64) -> i64 {
    let Raw::Postgres { admin, schema, .. } = &db.raw else {
        unreachable!()
    };
    sqlx::query_scalar(&format!(
        "SELECT COUNT(*) FROM {schema}.{table} WHERE org_id = $1"
    ))
    .bind(org)
    .fetch_one(admin)
    .await
    .unwrap()
}

async fn count(conn: &mut PgConnection, table: &str) -> i64 {
    sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
        .fetch_one(conn)
        .await
        .unwrap()
}

async fn set_org(conn: &mut PgConnection, org: i64) {
    sqlx::query("SELECT set_config('groundswell.org_id', $1, true)")
        .bind(org.to_string())
        .execute(conn)
        .await
        .unwrap();
}

#[tokio::test]
async fn without_an_organization_set_nothing_is_visible_postgres() {
    let (db, a, b, mut conn) = two_organizations().await;
    // Every table with an organization column is in TABLES, so a new one cannot slip past.
    let Raw::Postgres { admin, schema, .. } = &db.raw else {
        unreachable!()
    };
    let mut with_org_id: Vec<String> = sqlx::query_scalar(
        "SELECT table_name::text FROM information_schema.columns \
         WHERE table_schema = $1 AND column_name = 'org_id' ORDER BY 1",
    )
    .bind(schema)
    .fetch_all(admin)
    .await
    .unwrap();
    let mut listed: Vec<String> = TABLES.iter().map(|t| t.to_string()).collect();
    with_org_id.sort();
    listed.sort();
    assert_eq!(
        with_org_id, listed,
        "TABLES is not the list of tables with an org_id"
    );
    for table in TABLES {
        assert!(
            rows_of(&db, table, a).await > 0 && rows_of(&db, table, b).await > 0,
            "{table} is empty"
        );
        assert_eq!(
            count(&mut conn, table).await,
            0,
            "{table} is visible with no organization set"
        );
    }
    // Nothing to change either.
    let changed = sqlx::query("UPDATE people SET name = 'x'")
        .execute(&mut conn)
        .await
        .unwrap();
    assert_eq!(changed.rows_affected(), 0);
    conn.close().await.unwrap();
    db.finish().await;
}

#[tokio::test]
async fn with_an_organization_set_only_its_rows_are_visible_postgres() {
    let (db, a, b, mut conn) = two_organizations().await;
    for (org, other) in [(a, b), (b, a)] {
        let mut tx = conn.begin().await.unwrap();
        set_org(&mut tx, org).await;
        for table in TABLES {
            let visible = count(&mut tx, table).await;
            assert_eq!(visible, rows_of(&db, table, org).await, "{table} of {org}");
            let foreign: i64 =
                sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table} WHERE org_id = $1"))
                    .bind(other)
                    .fetch_one(&mut *tx)
                    .await
                    .unwrap();
            assert_eq!(
                foreign, 0,
                "{table}: {other}'s rows seen while {org} is set"
            );
        }
        tx.rollback().await.unwrap();
    }
    // set_config(…, true) lasts for the transaction only.
    assert_eq!(count(&mut conn, "people").await, 0);
    conn.close().await.unwrap();
    db.finish().await;
}

#[tokio::test]
async fn rows_of_another_organization_cannot_be_written_postgres() {
    let (db, a, b, mut conn) = two_organizations().await;
    let before: Vec<i64> = {
        let mut counts = Vec::new();
        for table in TABLES {
            counts.push(rows_of(&db, table, b).await);
        }
        counts
    };
    let inserts = [
        format!(
            "INSERT INTO people (org_id, external_id, name) VALUES ({b}, 'intruder', 'Intruder')"
        ),
        format!(
            "INSERT INTO jobs (org_id, task, status, created_at_ms, updated_at_ms) VALUES ({b}, 'x', 'queued', 0, 0)"
        ),
        format!(
            "INSERT INTO events (org_id, kind, payload, at_ms) VALUES ({b}, 'job_queued', '{{}}', 0)"
        ),
        format!(
            "INSERT INTO movements (org_id, name, mission, behaviours, critical_mass, starts_on, created_at_ms) \
                 VALUES ({b}, 'x', 'y', '[]', 0.5, '2026-12-01', 0)"
        ),
    ];
    for sql in &inserts {
        let mut tx = conn.begin().await.unwrap();
        set_org(&mut tx, a).await;
        let error = sqlx::query(sql)
            .execute(&mut *tx)
            .await
            .expect_err(sql)
            .to_string();
        assert!(error.contains("row-level security"), "{sql}: {error}");
        tx.rollback().await.unwrap();
    }
    let changes = [
        format!("UPDATE people SET name = 'Renamed' WHERE org_id = {b}"),
        format!("UPDATE asks SET status = 'sent' WHERE org_id = {b}"),
        format!("UPDATE jobs SET status = 'cancelled' WHERE org_id = {b}"),
        format!("DELETE FROM opt_outs WHERE org_id = {b}"),
        format!("DELETE FROM reactions WHERE org_id = {b}"),
        format!("DELETE FROM ties WHERE org_id = {b}"),
        // Moving A's rows into B is refused by the check as well.
        format!("UPDATE jobs SET org_id = {b} WHERE org_id = {a}"),
    ];
    for sql in &changes {
        let mut tx = conn.begin().await.unwrap();
        set_org(&mut tx, a).await;
        match sqlx::query(sql).execute(&mut *tx).await {
            Ok(done) => assert_eq!(done.rows_affected(), 0, "{sql}"),
            Err(error) => assert!(
                error.to_string().contains("row-level security"),
                "{sql}: {error}"
            ),
        }
        tx.commit().await.unwrap_or_default();
    }
    for (table, before) in TABLES.iter().zip(before) {
        assert_eq!(rows_of(&db, table, b).await, before, "{table} of B");
    }
    let renamed: i64 = {
        let Raw::Postgres { admin, schema, .. } = &db.raw else {
            unreachable!()
        };
        sqlx::query_scalar(&format!(
            "SELECT COUNT(*) FROM {schema}.people WHERE name = 'Renamed'"
        ))
        .fetch_one(admin)
        .await
        .unwrap()
    };
    assert_eq!(renamed, 0);
    conn.close().await.unwrap();
    db.finish().await;
}
