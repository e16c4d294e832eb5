//! Upgrades from every earlier version: a database migrated to its first k migrations and
//! holding rows written at that version is opened by the store, which applies the rest;
//! every row survives and every version is listed.

use std::borrow::Cow;
use std::str::FromStr;

use movement::{AdoptionTime, EventPayload, MovementId, OptOut, PersonId, PersonRecord};
use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
use store::Store;

static SQLITE: Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES: Migrator = sqlx::migrate!("./migrations/postgres");

/// The first `k` migrations of `all`, as a migrator of their own.
fn first(all: &Migrator, k: usize) -> Migrator {
    Migrator {
        migrations: Cow::Owned(all.migrations[..k].to_vec()),
        ..Migrator::DEFAULT
    }
}

/// The version each table of the rows below arrives in.
const DIRECTORY: i64 = 1;
const MOVEMENTS: i64 = 2;
const CONFIRMATIONS: i64 = 3;

/// Rows written with the SQL of the version `applied` (the newest migration applied), one
/// statement each. No ids are given (so that the store's own inserts continue the sequences
/// afterwards); in a fresh database they are 1, 2, … in insertion order, as `check_rows`
/// verifies.
fn rows_at(applied: i64) -> Vec<String> {
    let mut sql = Vec::new();
    if applied >= DIRECTORY {
        let added = |id: i64, external: &str| {
            let record = PersonRecord::new(external, &format!("Person {external}")).unwrap();
            serde_json::to_string(&EventPayload::PersonAdded {
                person: PersonId(id),
                record,
            })
            .unwrap()
        };
        sql.extend([
            "INSERT INTO organizations (name, created_at_ms) VALUES ('Acme', 0)".to_string(),
            "INSERT INTO people (org_id, external_id, name, unit, attributes) \
             VALUES (1, 'e1', 'Person e1', NULL, '{}'), (1, 'e2', 'Person e2', NULL, '{}')"
                .to_string(),
            "INSERT INTO ties (org_id, source_id, target_id, layer, weight) VALUES (1, 1, 2, 'advice', 2.5)"
                .to_string(),
            format!(
                "INSERT INTO adoptions (org_id, person_id, behaviour, time) VALUES (1, 2, 'walk', '{}')",
                serde_json::to_string(&AdoptionTime::Period(3)).unwrap()
            ),
            "INSERT INTO opt_outs (org_id, person_id, kind, at_ms) VALUES (1, 2, 'do_not_contact', 0)"
                .to_string(),
            "INSERT INTO accounts (org_id, person_id, email, created_at_ms) VALUES (1, 1, 'e1@acme.example', 0)"
                .to_string(),
            format!(
                "INSERT INTO events (org_id, kind, payload, at_ms) VALUES (1, 'person_added', '{}', 0), \
                 (1, 'person_added', '{}', 0)",
                added(1, "e1"),
                added(2, "e2")
            ),
        ]);
    }
    if applied >= MOVEMENTS {
        sql.extend([
            "INSERT INTO movements (org_id, name, mission, behaviours, critical_mass, starts_on, created_at_ms) \
             VALUES (1, 'Green commute', 'Fewer cars', '[\"walk\",\"cycle\",\"bus\"]', 0.25, '2026-12-01', 0)"
                .to_string(),
            "INSERT INTO memberships (org_id, movement_id, person_id, role, joined_at_ms, recruited_by, recruiter_id) \
             VALUES (1, 1, 2, 'member', 1000, 'person', 1)"
                .to_string(),
            "INSERT INTO jobs (org_id, task, status, created_at_ms, updated_at_ms) VALUES (1, 'recommend', 'queued', 0, 0)"
                .to_string(),
        ]);
    }
    if applied >= CONFIRMATIONS {
        sql.push(
            "INSERT INTO adoption_confirmations (org_id, person_id, behaviour, confirmed_by, at_ms) \
             VALUES (1, 2, 'walk', 1, 0)"
                .to_string(),
        );
    }
    sql
}

/// Checks, through the store, that the rows of [`rows_at`]`(applied)` are all there.
async fn check_rows(store: &Store, migrations: &Migrator, applied: i64) {
    let all: Vec<i64> = migrations.migrations.iter().map(|m| m.version).collect();
    assert_eq!(store.schema_versions().await.unwrap(), all);
    if applied < DIRECTORY {
        assert!(store.find_organization("Acme").await.unwrap().is_none());
        return;
    }
    let org = store
        .find_organization("Acme")
        .await
        .unwrap()
        .expect("the organization survived");
    let people = org.people().await.unwrap();
    let external: Vec<&str> = people
        .iter()
        .map(|p| p.record.external_id.as_str())
        .collect();
    assert_eq!(external, ["e1", "e2"]);
    assert_eq!(
        people.iter().map(|p| p.id).collect::<Vec<_>>(),
        [PersonId(1), PersonId(2)]
    );
    assert_eq!(org.id().0, 1);
    let ties = org.ties().await.unwrap();
    assert_eq!((ties.len(), ties[0].weight), (1, 2.5));
    assert_eq!(
        org.adoptions().await.unwrap()[&(PersonId(2), "walk".to_string())],
        AdoptionTime::Period(3)
    );
    assert_eq!(
        org.opted_out(OptOut::DoNotContact).await.unwrap(),
        [PersonId(2)]
    );
    let events = org.events().await.unwrap();
    assert_eq!(events.len(), 2);
    // The log still replays to the tables (no movement rows at version 1, so no memberships).
    let inputs = org.analytics_inputs().await.unwrap();
    assert_eq!(
        inputs.people,
        movement::replay(events.iter().map(|e| &e.payload)).people
    );
    // And the store writes on top of what was there.
    let new = org
        .add_person(&PersonRecord::new("e3", "Person e3").unwrap())
        .await
        .unwrap();
    assert!(new.0 > 2, "{new:?}");
    if applied >= MOVEMENTS {
        assert_eq!(
            org.movement(MovementId(1)).await.unwrap().name(),
            "Green commute"
        );
        let members = org.memberships(MovementId(1)).await.unwrap();
        assert_eq!(members.len(), 1);
        assert_eq!(
            members[0].1.recruited_by,
            movement::Recruitment::Person(PersonId(1))
        );
    }
    let confirmations = org.adoption_confirmations().await.unwrap();
    let expected: Vec<PersonId> = if applied >= CONFIRMATIONS {
        vec![PersonId(1)]
    } else {
        vec![]
    };
    let confirmed: Vec<PersonId> = confirmations
        .get(&(PersonId(2), "walk".to_string()))
        .map(|by| by.iter().copied().collect())
        .unwrap_or_default();
    assert_eq!(confirmed, expected);
}

fn version_after(all: &Migrator, k: usize) -> i64 {
    if k == 0 {
        0
    } else {
        all.migrations[k - 1].version
    }
}

#[tokio::test]
async fn sqlite_upgrades_from_every_earlier_version() {
    let count = SQLITE.migrations.len();
    assert!(count >= 2);
    for k in 0..=count {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("old.db").display());
        let options = SqliteConnectOptions::from_str(&url)
            .unwrap()
            .create_if_missing(true)
            .foreign_keys(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options)
            .await
            .unwrap();
        first(&SQLITE, k).run(&pool).await.unwrap();
        let applied = version_after(&SQLITE, k);
        for sql in rows_at(applied) {
            sqlx::query(&sql)
                .execute(&pool)
                .await
                .unwrap_or_else(|e| panic!("at version {applied}: {sql}: {e}"));
        }
        pool.close().await;
        let store = Store::open(&url)
            .await
            .unwrap_or_else(|e| panic!("upgrading from version {applied}: {e}"));
        check_rows(&store, &SQLITE, applied).await;
        store.close().await;
    }
}

#[tokio::test]
async fn postgres_upgrades_from_every_earlier_version() {
    let count = POSTGRES.migrations.len();
    assert_eq!(
        count,
        SQLITE.migrations.len(),
        "both backends have the same migrations"
    );
    for k in 0..=count {
        let (admin, schema, options) = crate::util::postgres_schema().await;
        {
            let pool = PgPoolOptions::new()
                .max_connections(1)
                .connect_with(options.clone())
                .await
                .unwrap();
            first(&POSTGRES, k).run(&pool).await.unwrap();
            pool.close().await;
        }
        let applied = version_after(&POSTGRES, k);
        // Written as the superuser (row-level security does not stop it), in the schema.
        let superuser = PgConnectOptions::from_str(&crate::util::postgres_admin_url())
            .unwrap()
            .options([("search_path", schema.as_str())]);
        let pool = PgPoolOptions::new()
            .max_connections(1)
            .connect_with(superuser)
            .await
            .unwrap();
        for sql in rows_at(applied) {
            sqlx::query(&sql)
                .execute(&pool)
                .await
                .unwrap_or_else(|e| panic!("at version {applied}: {sql}: {e}"));
        }
        pool.close().await;
        let store = Store::open_postgres(options)
            .await
            .unwrap_or_else(|e| panic!("upgrading from version {applied}: {e}"));
        check_rows(&store, &POSTGRES, applied).await;
        store.close().await;
        sqlx::query(&format!("DROP SCHEMA {schema} CASCADE"))
            .execute(&admin)
            .await
            .unwrap();
    }
}
