//! Backups (`VACUUM INTO`) and restores of the SQLite database, and the pointer to pg_dump
//! on PostgreSQL.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use movement::PersonRecord;
use store::{Backend, BackupError, Store};

use crate::util::{Raw, both_backends};

/// `people.csv` with `n` people, ids `p0…`.
fn people_csv(n: usize) -> String {
    let mut csv = String::from("id,name,unit\n");
    for i in 0..n {
        csv.push_str(&format!("p{i},Person {i},unit{}\n", i % 7));
    }
    csv
}

fn sqlite_url(path: &Path) -> String {
    format!("sqlite://{}", path.display())
}

/// Names of the files in a folder, sorted.
fn listing(folder: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(folder)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// The external ids of an organization's people, sorted.
async fn external_ids(store: &Store, org: &str) -> Vec<String> {
    let org = store
        .find_organization(org)
        .await
        .unwrap()
        .expect("organization exists");
    let mut ids: Vec<String> = org
        .people()
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.record.external_id)
        .collect();
    ids.sort();
    ids
}

async fn integrity(path: &Path) -> Vec<String> {
    let pool = sqlx::SqlitePool::connect(&sqlite_url(path)).await.unwrap();
    let report = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_all(&pool)
        .await
        .unwrap();
    pool.close().await;
    report
}

both_backends! {
    async fn backup_copies_sqlite_and_points_postgres_to_pg_dump(db) {
        let org = db.store.create_organization("Acme").await.unwrap();
        org.import_people("people.csv", people_csv(30).as_bytes()).await.unwrap();
        let folder = tempfile::tempdir().unwrap();
        let target = folder.path().join("copy.db");
        let result = db.store.backup_to(&target).await;
        match db.store.backend() {
            Backend::Sqlite => {
                result.unwrap();
                assert_eq!(integrity(&target).await, ["ok"]);
                let copy = Store::open(&sqlite_url(&target)).await.unwrap();
                assert_eq!(external_ids(&copy, "Acme").await, external_ids(&db.store, "Acme").await);
                copy.close().await;
                // Only the backup is left: no partial file beside it.
                assert_eq!(listing(folder.path()), ["copy.db"]);
            }
            Backend::Postgres => {
                let error = result.unwrap_err();
                assert!(matches!(error, BackupError::Postgres), "{error:?}");
                let message = error.to_string();
                assert!(message.contains("pg_dump --format=custom") && message.contains("pg_restore"), "{message}");
                assert!(!target.exists());
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backup_while_another_task_writes_is_consistent() {
    let db = crate::util::sqlite().await;
    let org = db.store.create_organization("Acme").await.unwrap();
    org.import_people("people.csv", people_csv(5_000).as_bytes())
        .await
        .unwrap();

    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let store = db.store.clone();
        let stop = Arc::clone(&stop);
        tokio::spawn(async move {
            let org = store.find_organization("Acme").await.unwrap().unwrap();
            let mut written = 0_usize;
            while !stop.load(Ordering::Relaxed) {
                let record = PersonRecord::new(&format!("w{written}"), "Writer's hire").unwrap();
                org.add_person(&record).await.unwrap();
                written += 1;
            }
            written
        })
    };
    // Let the writer commit some rows first, then take what is committed as the floor.
    while db.raw_count("people").await < 5_020 {
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    let committed_before: Vec<String> = external_ids(&db.store, "Acme").await;
    let folder = tempfile::tempdir().unwrap();
    let target = folder.path().join("backup.db");
    db.store.backup_to(&target).await.unwrap();
    let count_after_backup = db.raw_count("people").await;
    // The writer is not blocked by the backup: it keeps committing after it.
    while db.raw_count("people").await < count_after_backup + 10 {
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    stop.store(true, Ordering::Relaxed);
    let written = writer.await.unwrap();
    assert!(written >= 30, "the writer wrote {written} people");

    assert_eq!(integrity(&target).await, ["ok"]);
    let copy = Store::open(&sqlite_url(&target)).await.unwrap();
    let in_copy = external_ids(&copy, "Acme").await;
    let at_end = external_ids(&db.store, "Acme").await;
    // Everything committed before the backup is in it, and nothing that never existed.
    assert!(
        committed_before
            .iter()
            .all(|id| in_copy.binary_search(id).is_ok())
    );
    assert!(in_copy.iter().all(|id| at_end.binary_search(id).is_ok()));
    assert!(
        in_copy.len() < at_end.len(),
        "{} in the copy, {} at the end",
        in_copy.len(),
        at_end.len()
    );
    // The event log is as consistent as the rows: one PersonAdded per person in the copy.
    let copy_org = copy.find_organization("Acme").await.unwrap().unwrap();
    assert_eq!(copy_org.events().await.unwrap().len(), in_copy.len());
    copy.close().await;
    db.finish().await;
}

#[tokio::test]
async fn restore_round_trips_and_replaces_the_database() {
    let db = crate::util::sqlite().await;
    let Raw::Sqlite { path: live, .. } = &db.raw else {
        unreachable!()
    };
    let live = live.clone();
    let org = db.store.create_organization("Acme").await.unwrap();
    org.import_people("people.csv", people_csv(50).as_bytes())
        .await
        .unwrap();
    org.import_ties(
        "ties.csv",
        "source,target,layer\np1,p2,advice\np2,p3,friendship\n".as_bytes(),
    )
    .await
    .unwrap();
    let at_backup = external_ids(&db.store, "Acme").await;
    let folder = tempfile::tempdir().unwrap();
    let backup = folder.path().join("backup.db");
    db.store.backup_to(&backup).await.unwrap();

    // Later changes, which the restore undoes.
    org.add_person(&PersonRecord::new("late", "Late Hire").unwrap())
        .await
        .unwrap();
    db.store.create_organization("Other").await.unwrap();
    // Nothing may have the database open during a restore: close the store and the raw pool.
    db.store.close().await;
    if let Raw::Sqlite { pool, .. } = &db.raw {
        pool.close().await;
    }
    assert!(live.exists());

    store::restore_sqlite(&backup, &live, true).await.unwrap();
    let restored = Store::open(&sqlite_url(&live)).await.unwrap();
    assert_eq!(external_ids(&restored, "Acme").await, at_backup);
    assert!(restored.find_organization("Other").await.unwrap().is_none());
    let org = restored.find_organization("Acme").await.unwrap().unwrap();
    assert_eq!(org.ties().await.unwrap().len(), 2);
    // The restored database takes writes.
    org.add_person(&PersonRecord::new("after", "After Restore").unwrap())
        .await
        .unwrap();
    restored.close().await;

    // Restoring to a new file needs no force.
    let fresh = folder.path().join("fresh.db");
    store::restore_sqlite(&backup, &fresh, false).await.unwrap();
    let fresh_store = Store::open(&sqlite_url(&fresh)).await.unwrap();
    assert_eq!(external_ids(&fresh_store, "Acme").await, at_backup);
    fresh_store.close().await;
    drop(db);
}

#[tokio::test]
async fn refusals_leave_every_file_as_it_was() {
    let db = crate::util::sqlite().await;
    let org = db.store.create_organization("Acme").await.unwrap();
    org.import_people("people.csv", people_csv(5).as_bytes())
        .await
        .unwrap();
    let folder = tempfile::tempdir().unwrap();
    let backup = folder.path().join("backup.db");
    db.store.backup_to(&backup).await.unwrap();

    // A backup never overwrites.
    let error = db.store.backup_to(&backup).await.unwrap_err();
    assert!(
        matches!(&error, BackupError::TargetExists(path) if path == &backup),
        "{error:?}"
    );

    // A restore over an existing database needs force.
    let target = folder.path().join("target.db");
    std::fs::write(&target, b"the database in place").unwrap();
    let error = store::restore_sqlite(&backup, &target, false)
        .await
        .unwrap_err();
    assert!(
        matches!(&error, BackupError::DatabaseExists(path) if path == &target),
        "{error:?}"
    );

    // Not a database at all, even with force.
    let text = folder.path().join("notes.txt");
    std::fs::write(&text, "these are notes, not a database; ".repeat(200)).unwrap();
    let error = store::restore_sqlite(&text, &target, true)
        .await
        .unwrap_err();
    assert!(
        matches!(&error, BackupError::NotADatabase { path, .. } if path == &text),
        "{error:?}"
    );
    assert!(error.to_string().contains("notes.txt"), "{error}");

    // A missing backup.
    let missing = folder.path().join("missing.db");
    let error = store::restore_sqlite(&missing, &target, true)
        .await
        .unwrap_err();
    assert!(
        matches!(&error, BackupError::NotADatabase { .. }),
        "{error:?}"
    );

    // A sound SQLite database that is not Groundswell's.
    let other = folder.path().join("other.db");
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}?mode=rwc", other.display()))
        .await
        .unwrap();
    sqlx::query("CREATE TABLE recipes (name TEXT)")
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    let error = store::restore_sqlite(&other, &target, true)
        .await
        .unwrap_err();
    assert!(
        matches!(&error, BackupError::NotGroundswell { path, missing: "_sqlx_migrations" } if path == &other),
        "{error:?}"
    );

    // A Groundswell file with a damaged page: integrity_check catches it.
    let damaged = folder.path().join("damaged.db");
    let mut bytes = std::fs::read(&backup).unwrap();
    let page_size = usize::from(u16::from_be_bytes([bytes[16], bytes[17]]));
    assert!(
        bytes.len() >= 4 * page_size,
        "the backup has at least four pages"
    );
    // Scribble over the last page (table or index data, never the schema on page 1).
    let last_page = bytes.len() - page_size;
    bytes[last_page..].fill(0x5a);
    std::fs::write(&damaged, &bytes).unwrap();
    let error = store::restore_sqlite(&damaged, &target, true)
        .await
        .unwrap_err();
    assert!(
        matches!(
            &error,
            BackupError::Damaged { .. } | BackupError::NotADatabase { .. }
        ),
        "{error:?}"
    );

    // Every refusal left the target as it was and no temporary file behind.
    assert_eq!(std::fs::read(&target).unwrap(), b"the database in place");
    assert_eq!(
        listing(folder.path()),
        [
            "backup.db",
            "damaged.db",
            "notes.txt",
            "other.db",
            "target.db"
        ]
    );
    db.finish().await;
}
