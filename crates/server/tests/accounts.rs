//! Accounts and sessions through the real sign-in forms: passwords, emailed links (over a
//! real SMTP listener on loopback), CSRF, the per-email quota, signing out here and
//! everywhere, the first set-up.

use std::num::NonZeroU32;
use std::time::Duration;

use reqwest::StatusCode;
use server::mail::{MailConfig, Mailer};
use server::{AppState, Config};

use crate::app::{Client, PASSWORD, TestApp, Who, csrf_in};
use crate::smtp::SmtpSink;

#[tokio::test]
async fn a_password_signs_in_and_a_wrong_one_does_not() {
    let app = TestApp::start().await;
    let client = app.client(Who::Member).await;
    let me = client.get_html("/me").await;
    assert!(me.contains("Person 3"), "{me}");

    let mut stranger = app.anonymous();
    let form = stranger.get_html("/login").await;
    let token = csrf_in(&form).unwrap();
    let email = app.acme.email(Who::Member);
    let wrong = stranger
        .http
        .post(stranger.url("/login"))
        .form(&[
            ("email", email.as_str()),
            ("password", "not it at all"),
            ("csrf", &token),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let page = wrong.text().await.unwrap();
    assert!(
        page.contains("The email or the password is wrong."),
        "{page}"
    );
    assert!(
        page.contains("aria-invalid=\"true\""),
        "the field is marked invalid"
    );
    // Without the sign-in form's cookie, the same post is refused.
    let forged = reqwest::Client::new()
        .post(stranger.url("/login"))
        .form(&[
            ("email", email.as_str()),
            ("password", PASSWORD),
            ("csrf", &token),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    stranger.sign_in(&email, PASSWORD).await;
    app.stop().await;
}

#[tokio::test]
async fn cookies_are_http_only_and_same_site() {
    let app = TestApp::start().await;
    let client = app.anonymous();
    let response = client.get("/login").await;
    let cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(cookie.starts_with("gs_csrf="), "{cookie}");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    assert!(
        !cookie.contains("Secure"),
        "plain HTTP on loopback: {cookie}"
    );
    app.stop().await;

    let app = TestApp::start_with(|store| {
        let config = Config {
            secure_cookies: true,
            ..Config::default()
        };
        AppState::with(store, config, Mailer::new(MailConfig::log_only()).unwrap())
    })
    .await;
    let response = app.anonymous().get("/login").await;
    let cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(cookie.contains("Secure"), "behind TLS: {cookie}");
    app.stop().await;
}

#[tokio::test]
async fn signed_in_forms_without_the_csrf_token_are_refused() {
    let app = TestApp::start().await;
    let mut client = app.client(Who::Member).await;
    let token = std::mem::take(&mut client.csrf);
    client.csrf = "forged".into();
    let response = client
        .post_form("/me/opt-outs", &[("do_not_contact", "on")])
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let member = app.acme.person(Who::Member.external_id());
    let opted = app
        .acme()
        .opted_out(movement::OptOut::DoNotContact)
        .await
        .unwrap();
    assert!(!opted.contains(&member), "a refused form changed nothing");
    client.csrf = token;
    let response = client
        .post_form("/me/opt-outs", &[("do_not_contact", "on")])
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let opted = app
        .acme()
        .opted_out(movement::OptOut::DoNotContact)
        .await
        .unwrap();
    assert!(opted.contains(&member));
    app.stop().await;
}

#[tokio::test]
async fn sign_in_attempts_are_limited_per_email() {
    let app = TestApp::start_with(|store| {
        let config = Config {
            sign_ins_per_minute: NonZeroU32::new(3).unwrap(),
            ..Config::default()
        };
        AppState::with(store, config, Mailer::new(MailConfig::log_only()).unwrap())
    })
    .await;
    let client = app.anonymous();
    let token = csrf_in(&client.get_html("/login").await).unwrap();
    let email = app.acme.email(Who::Host);
    let mut statuses = Vec::new();
    for _ in 0..4 {
        let response = client
            .http
            .post(client.url("/login"))
            .form(&[
                ("email", email.as_str()),
                ("password", "guess guess guess"),
                ("csrf", &token),
            ])
            .send()
            .await
            .unwrap();
        statuses.push(response.status().as_u16());
    }
    assert_eq!(statuses, [401, 401, 401, 429]);
    // Another address is not held back by this one's attempts.
    let mut other = app.anonymous();
    other.sign_in(&app.acme.email(Who::Member), PASSWORD).await;
    app.stop().await;
}

#[tokio::test]
async fn an_emailed_link_signs_in_once() {
    let sink = SmtpSink::start();
    let mailer = sink.mailer();
    let app = TestApp::start_with(|store| AppState::with(store, Config::default(), mailer)).await;
    let client = app.anonymous();
    let token = csrf_in(&client.get_html("/login").await).unwrap();
    let email = app.acme.email(Who::Activist);
    let response = client
        .http
        .post(client.url("/login/link"))
        .form(&[("email", email.as_str()), ("csrf", &token)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("a sign-in link is on its way")
    );
    // An address with no account gets the same answer, and no mail.
    let response = client
        .http
        .post(client.url("/login/link"))
        .form(&[("email", "nobody@nowhere.example"), ("csrf", &token)])
        .send()
        .await
        .unwrap();
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("a sign-in link is on its way")
    );

    let mail = sink.wait_for(1, Duration::from_secs(10)).await;
    assert_eq!(mail.len(), 1, "one message, to the account only");
    assert_eq!(mail[0].to, vec![email.clone()]);
    let link = mail[0]
        .links()
        .into_iter()
        .find(|link| link.contains("/login/link/"))
        .expect("the mail carries the link");
    let path = &link[link.find("/login/link/").unwrap()..];

    // Opening the link (as a mail scanner would) signs nobody in; the button does, once.
    let confirm = client.get_html(path).await;
    let form_token = csrf_in(&confirm).unwrap();
    let signed_in = client
        .http
        .post(client.url(path))
        .form(&[("csrf", form_token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(signed_in.status(), StatusCode::SEE_OTHER);
    assert!(client.get_html("/me").await.contains("Person 2"));
    let again = client
        .http
        .post(client.url(path))
        .form(&[("csrf", form_token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::FORBIDDEN, "a link works once");
    app.stop().await;
}

#[tokio::test]
async fn signing_out_everywhere_ends_every_session() {
    let app = TestApp::start().await;
    let phone = app.client(Who::Host).await;
    let laptop = app.client(Who::Host).await;
    let other_person = app.client(Who::Member).await;
    let response = phone.post_form("/logout/all", &[]).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    for client in [&phone, &laptop] {
        let response = client.get("/me").await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "signed out");
        assert!(
            response.headers()["location"]
                .to_str()
                .unwrap()
                .starts_with("/login")
        );
    }
    assert_eq!(other_person.get("/me").await.status(), StatusCode::OK);
    // Signing out one browser leaves the others.
    let a = app.client(Who::Activist).await;
    let b = app.client(Who::Activist).await;
    a.post_form("/logout", &[]).await;
    assert_eq!(a.get("/me").await.status(), StatusCode::SEE_OTHER);
    assert_eq!(b.get("/me").await.status(), StatusCode::OK);
    app.stop().await;
}

#[tokio::test]
async fn set_up_happens_once() {
    let app = TestApp::start().await;
    // Organizations exist: the set-up page is gone.
    assert_eq!(
        app.anonymous().get("/setup").await.status(),
        StatusCode::NOT_FOUND
    );
    app.stop().await;

    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("fresh.db").display());
    let store = store::Store::open(&url).await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(server::serve(
        listener,
        AppState::new(store.clone()),
        std::future::pending(),
    ));
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let url = |path: &str| format!("http://{addr}{path}");
    let form = client
        .get(url("/setup"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let token = csrf_in(&form).unwrap();
    let short = client
        .post(url("/setup"))
        .form(&[
            ("organization", "Acme"),
            ("name", "Ada"),
            ("email", "ada@acme.example"),
            ("password", "short"),
            ("csrf", &token),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(short.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        short
            .text()
            .await
            .unwrap()
            .contains("Use at least 10 characters.")
    );
    assert!(
        store.organizations().await.unwrap().is_empty(),
        "nothing half-written"
    );
    let done = client
        .post(url("/setup"))
        .form(&[
            ("organization", "Acme"),
            ("name", "Ada"),
            ("email", "ada@acme.example"),
            ("password", "long enough now"),
            ("csrf", &token),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(done.status(), StatusCode::SEE_OTHER);
    assert_eq!(done.headers()["location"], "/movements/new");
    let new_movement = client.get(url("/movements/new")).send().await.unwrap();
    assert_eq!(
        new_movement.status(),
        StatusCode::OK,
        "the first account administers"
    );
    assert_eq!(
        client.get(url("/setup")).send().await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
}

/// The seeded sign-in of every role works (the other test modules rely on it).
#[tokio::test]
async fn every_seeded_role_signs_in() {
    let app = TestApp::start().await;
    for who in Who::ALL {
        let client: Client = app.client(who).await;
        assert!(!client.csrf.is_empty(), "{who:?}");
    }
    app.stop().await;
}
