//! Opening, migrating, and the SQLite settings the store promises.

use movement::PersonRecord;

use crate::util::{Raw, both_backends};

both_backends! {
    async fn migrations_apply_from_empty(db) {
        assert_eq!(db.store.schema_versions().await.unwrap(), vec![1, 2, 3]);
    }

    async fn a_person_round_trips(db) {
        let org = db.store.create_organization("Acme").await.unwrap();
        let record = PersonRecord::new("e1", "Ada Lovelace")
            .unwrap()
            .with_email("ada@acme.example")
            .unwrap()
            .with_placement("Finance", "London", "", "")
            .unwrap()
            .with_attribute("team", "Ledgers")
            .unwrap();
        let id = org.add_person(&record).await.unwrap();
        let people = org.people().await.unwrap();
        assert_eq!(people.len(), 1);
        assert_eq!((people[0].id, &people[0].record, people[0].left), (id, &record, false));
        let duplicate = org.add_person(&record).await.unwrap_err();
        assert_eq!(duplicate.to_string(), "person \"e1\" exists already");
    }

    async fn organization_names_are_unique(db) {
        db.store.create_organization("Acme").await.unwrap();
        let error = db.store.create_organization(" Acme ").await.unwrap_err();
        assert!(error.to_string().contains("exists already"), "{error}");
        assert!(db.store.find_organization("Acme").await.unwrap().is_some());
        assert!(db.store.find_organization("Other").await.unwrap().is_none());
    }
}

#[tokio::test]
async fn sqlite_runs_in_wal_mode_with_foreign_keys() {
    let db = crate::util::sqlite().await;
    let Raw::Sqlite { path, .. } = &db.raw else {
        unreachable!()
    };
    // A fresh connection through the store's own options sees what the store set up.
    let journal: String = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(
            &sqlx::SqlitePool::connect(&format!("sqlite://{}", path.display()))
                .await
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(journal, "wal");
    let org = db.store.create_organization("Acme").await.unwrap();
    // A tie between people who do not exist is refused by the foreign keys.
    let refused = db
        .raw_execute(&format!(
            "PRAGMA foreign_keys = ON; INSERT INTO ties (org_id, source_id, target_id, layer, weight) \
             VALUES ({}, 1, 2, 'advice', 1.0)",
            org.id()
        ))
        .await;
    assert!(refused.is_err(), "{refused:?}");
    db.finish().await;
}
