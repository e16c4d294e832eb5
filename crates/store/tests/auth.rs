//! Signing in: accounts looked up by email, passwords and the admin right, sessions that
//! expire and end (one or all), login links that work once and not after they expire.

use chrono::Duration;
use movement::PersonRecord;
use store::Org;

use crate::util::both_backends;

async fn ada(org: &Org<'_>) -> movement::AccountId {
    let person = org
        .add_person(&PersonRecord::new("e1", "Ada Lovelace").unwrap())
        .await
        .unwrap();
    org.create_account(person, "Ada@Acme.example")
        .await
        .unwrap()
}

both_backends! {
    async fn accounts_are_found_by_email_person_and_id(db) {
        let org = db.store.create_organization("Acme").await.unwrap();
        let account = ada(&org).await;
        let found = org.account_by_email("  ada@ACME.example ").await.unwrap().unwrap();
        assert_eq!(found.id, account);
        assert_eq!(found.email, "ada@acme.example");
        assert_eq!((found.is_admin, found.password_hash.as_deref()), (false, None));
        assert_eq!(org.account_of(found.person).await.unwrap(), Some(found.clone()));
        assert_eq!(org.account(account).await.unwrap(), Some(found));
        assert_eq!(org.account_by_email("grace@acme.example").await.unwrap(), None);

        org.set_password_hash(account, Some("$argon2id$hash")).await.unwrap();
        org.set_admin(account, true).await.unwrap();
        let changed = org.account(account).await.unwrap().unwrap();
        assert_eq!((changed.is_admin, changed.password_hash.as_deref()), (true, Some("$argon2id$hash")));
        org.set_password_hash(account, None).await.unwrap();
        assert_eq!(org.account(account).await.unwrap().unwrap().password_hash, None);
        assert_eq!(
            db.store.organizations().await.unwrap(),
            vec![(org.id(), "Acme".to_string())]
        );
    }

    async fn sessions_expire_and_end_one_or_all(db) {
        let org = db.store.create_organization("Acme").await.unwrap();
        let account = ada(&org).await;
        let hour = Duration::hours(1);
        org.create_session(account, "phone", "csrf-1", hour).await.unwrap();
        org.create_session(account, "laptop", "csrf-2", hour).await.unwrap();
        org.create_session(account, "stale", "csrf-3", Duration::seconds(-1)).await.unwrap();
        let phone = org.session("phone").await.unwrap().unwrap();
        assert_eq!((phone.account, phone.csrf_token.as_str()), (account, "csrf-1"));
        assert_eq!(org.session("stale").await.unwrap(), None, "an expired session is gone");
        assert_eq!(org.session("unknown").await.unwrap(), None);
        // The same secret twice is refused, not overwritten.
        assert!(org.create_session(account, "phone", "x", hour).await.is_err());

        org.end_session("phone").await.unwrap();
        assert_eq!(org.session("phone").await.unwrap(), None);
        assert!(org.session("laptop").await.unwrap().is_some());
        org.create_login_link(account, "link", hour).await.unwrap();
        assert_eq!(org.end_all_sessions(account).await.unwrap(), 2, "laptop and the stale one");
        assert_eq!(org.session("laptop").await.unwrap(), None);
        assert_eq!(org.use_login_link("link").await.unwrap(), None, "logging out everywhere voids links");
    }

    async fn login_links_work_once_and_expire(db) {
        let org = db.store.create_organization("Acme").await.unwrap();
        let account = ada(&org).await;
        org.create_login_link(account, "fresh", Duration::minutes(15)).await.unwrap();
        org.create_login_link(account, "old", Duration::seconds(-1)).await.unwrap();
        assert_eq!(org.use_login_link("fresh").await.unwrap(), Some(account));
        assert_eq!(org.use_login_link("fresh").await.unwrap(), None, "used twice");
        assert_eq!(org.use_login_link("old").await.unwrap(), None, "expired");
        assert_eq!(org.use_login_link("never").await.unwrap(), None);
    }
}
