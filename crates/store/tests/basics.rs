//! Opening, migrating, and the SQLite settings the store promises.

use movement::PersonRecord;

use crate::util::{Raw, both_backends};

both_backends! {
    async fn migrations_apply_from_empty(db) {
        assert_eq!(db.store.schema_versions().await.unwrap(), vec![1, 2, 3, 4, 5]);
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

    async fn only_a_drafted_ask_can_be_rewritten(db) {
        let org = db.store.create_organization("Acme").await.unwrap();
        let scenario = crate::scenario::populate(&org, "a").await;
        let (drafted, _) = &scenario.asks[2];
        let (sent, _) = &scenario.asks[0];
        org.redraft_ask(*drafted, movement::Channel::Email, "  New words  ").await.unwrap();
        let ask = org.asks(scenario.movement).await.unwrap().into_iter().find(|(id, _)| id == drafted).unwrap().1;
        assert_eq!((ask.channel, ask.message.as_str()), (movement::Channel::Email, "New words"));
        let error = org.redraft_ask(*sent, movement::Channel::Email, "too late").await.unwrap_err();
        assert!(error.to_string().contains("only a draft"), "{error}");
        let membership = org.memberships(scenario.movement).await.unwrap().into_iter()
            .find(|(id, _)| *id == scenario.membership).unwrap().1;
        assert_eq!(membership.role, movement::Role::Activist);
        assert_eq!(membership.personal_mission.as_deref(), Some("My team walks already"));
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

both_backends! {
    async fn tie_ends_are_people_of_the_same_organization(db) {
        // On SQLite the foreign keys check it, on PostgreSQL a per-statement trigger
        // (migration 4): the same refusals either way, behind the store's back too.
        let acme = db.store.create_organization("Acme").await.unwrap();
        let other = db.store.create_organization("Other").await.unwrap();
        let a = acme.add_person(&PersonRecord::new("a", "Ann").unwrap()).await.unwrap();
        let b = acme.add_person(&PersonRecord::new("b", "Bob").unwrap()).await.unwrap();
        let stranger = other.add_person(&PersonRecord::new("c", "Cy").unwrap()).await.unwrap();
        acme.import_ties("ties.csv", "source,target\na,b\n".as_bytes()).await.unwrap();
        let org = acme.id();
        let refused = [
            format!("INSERT INTO ties (org_id, source_id, target_id, layer, weight) VALUES ({org}, {a}, 999999, 'advice', 1)"),
            format!("INSERT INTO ties (org_id, source_id, target_id, layer, weight) VALUES ({org}, {stranger}, {b}, 'advice', 1)"),
            format!("UPDATE ties SET target_id = {stranger} WHERE org_id = {org}"),
            format!("DELETE FROM people WHERE id = {b}"),
            format!("UPDATE people SET id = 999998 WHERE id = {a}"),
        ];
        for sql in &refused {
            let error = db.raw_execute(sql).await.expect_err(sql);
            assert!(error.to_lowercase().contains("foreign key") || error.contains("refer"), "{sql}: {error}");
        }
        assert_eq!(acme.ties().await.unwrap().len(), 1);
        assert_eq!(acme.people().await.unwrap().len(), 2);
        // A person without ties can go (behind the store's back; the store never deletes).
        let loner = acme.add_person(&PersonRecord::new("d", "Di").unwrap()).await.unwrap();
        db.raw_execute(&format!("DELETE FROM people WHERE id = {loner}"))
            .await
            .unwrap();
    }
}
