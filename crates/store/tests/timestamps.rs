//! Writes made through `Org::at(t)` carry `t`, to the millisecond, in their rows and in their
//! events; writes without it carry the clock's time.

use chrono::{DateTime, TimeZone, Utc};
use movement::{
    Ask, AskStatus, Channel, JobStatus, OptOut, PersonRecord, ReactionKind, StoryKind, StorySpec,
    Visibility,
};

use crate::scenario;
use crate::util::{TestDb, both_backends};

/// One integer a query selects, behind the store's back.
async fn raw_i64(db: &TestDb, sql: &str) -> i64 {
    use crate::util::Raw;
    match &db.raw {
        Raw::Sqlite { pool, .. } => sqlx::query_scalar(sql).fetch_one(pool).await.unwrap(),
        Raw::Postgres { admin, schema, .. } => {
            let mut tx = admin.begin().await.unwrap();
            sqlx::query(&format!("SET LOCAL search_path TO {schema}"))
                .execute(&mut *tx)
                .await
                .unwrap();
            let value = sqlx::query_scalar(sql).fetch_one(&mut *tx).await.unwrap();
            tx.commit().await.unwrap();
            value
        }
    }
}

both_backends! {
    async fn writes_made_at_a_time_carry_it_in_their_rows_and_events(db) {
        let now = Utc::now();
        let org = db.store.create_organization("Acme").await.unwrap();
        // 1 March 2026, 09:30:00.123: in the past, with milliseconds.
        let t: DateTime<Utc> = Utc.with_ymd_and_hms(2026, 3, 1, 9, 30, 0).unwrap()
            + chrono::Duration::milliseconds(123);
        let t_ms = t.timestamp_millis();
        let then = org.at(t);
        let n_events = org.events().await.unwrap().len();

        then.import_people("people.csv", "id,name\na,Ann\nb,Bo\n".as_bytes()).await.unwrap();
        let c = then.add_person(&PersonRecord::new("c", "Cy").unwrap()).await.unwrap();
        let people = org.people().await.unwrap();
        let [a, b] = [people[0].id, people[1].id];
        let account = then.create_account(a, "ann@acme.example").await.unwrap();
        // Acting as someone and at a time combine, in either order.
        let movement = then
            .acting_as(account)
            .create_movement(&scenario::movement_spec())
            .await
            .unwrap();
        let ask = org
            .acting_as(account)
            .at(t)
            .create_ask(Ask {
                movement,
                from: a,
                to: b,
                channel: Channel::Sms,
                message: "Join us?".into(),
                token: scenario::token("at", 1),
                status: AskStatus::Drafted,
                arm: None,
            })
            .await
            .unwrap();
        then.advance_ask(ask, AskStatus::Sent).await.unwrap();
        let story = then
            .publish_story(StorySpec {
                movement,
                author: a,
                co_authors: vec![],
                kind: StoryKind::Aha,
                text: "It clicked.".into(),
                behaviours: vec![],
                visibility: Visibility::Movement,
            })
            .await
            .unwrap();
        then.react(story, b, ReactionKind::Inspired).await.unwrap();
        then.retell(story, b, "Read this").await.unwrap();
        then.set_opt_out(c, OptOut::DoNotSuggest).await.unwrap();
        let job = then.queue_job("demo").await.unwrap();
        then.advance_job(job, JobStatus::Running, None).await.unwrap();
        then.mark_left(c).await.unwrap();

        let checks = [
            "SELECT MIN(created_at_ms) FROM accounts",
            "SELECT MAX(created_at_ms) FROM accounts",
            "SELECT MIN(created_at_ms) FROM movements",
            "SELECT MIN(created_at_ms) FROM asks",
            "SELECT MAX(updated_at_ms) FROM asks",
            "SELECT MIN(created_at_ms) FROM stories",
            "SELECT MIN(at_ms) FROM reactions",
            "SELECT MIN(at_ms) FROM retells",
            "SELECT MIN(at_ms) FROM opt_outs",
            "SELECT MIN(created_at_ms) FROM jobs",
            "SELECT MAX(updated_at_ms) FROM jobs",
            "SELECT MAX(left_at_ms) FROM people",
        ];
        for sql in checks {
            assert_eq!(raw_i64(&db, sql).await, t_ms, "{sql}");
        }
        let events = org.events().await.unwrap();
        assert!(events.len() > n_events + 10);
        for event in &events[n_events..] {
            assert_eq!(event.at, t, "{:?}", event.payload.kind());
        }

        // Without `at`, the clock.
        org.react(story, a, ReactionKind::WillTry).await.unwrap();
        let last = org.events().await.unwrap().pop().unwrap();
        assert!(last.at >= now - chrono::Duration::seconds(1), "{last:?}");
        let latest = raw_i64(&db, "SELECT MAX(at_ms) FROM reactions").await;
        assert!(latest >= now.timestamp_millis() - 1_000);
    }
}
