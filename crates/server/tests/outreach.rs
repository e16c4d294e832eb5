//! An activist's outreach list, asks and their links, conversations; and the personal join
//! page behind an ask's link, used without an account.

use std::time::Duration;

use movement::{Ask, AskId, AskStatus, Channel, OptOut, PersonId, Recruitment, Role};
use reqwest::StatusCode;
use server::{AppState, Config};

use crate::app::{Client, TestApp, Who, csrf_in};
use crate::smtp::SmtpSink;

/// RFC 3986 percent-encoding of everything but unreserved characters, written out here
/// independently of the server's encoder.
pub(crate) fn encode(text: &str) -> String {
    let mut out = String::new();
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// The `href` of the first link whose target starts with `scheme`, HTML entities undone.
fn href_in(html: &str, scheme: &str) -> Option<String> {
    let start = html.find(&format!("href=\"{scheme}"))? + "href=\"".len();
    let end = html[start..].find('"')?;
    Some(html[start..start + end].replace("&amp;", "&"))
}

/// The ids of the colleague cards on an outreach page, in order.
fn colleagues_on(html: &str) -> Vec<i64> {
    html.match_indices("id=\"colleague-")
        .map(|(at, found)| {
            let rest = &html[at + found.len()..];
            rest[..rest.find('"').unwrap()].parse().unwrap()
        })
        .collect()
}

fn outreach(app: &TestApp) -> String {
    format!("/m/{}/outreach", app.acme.movement)
}

/// The activist's asks in the movement, by person asked.
async fn ask_to(app: &TestApp, to: PersonId) -> Option<(AskId, Ask)> {
    app.acme()
        .asks(app.acme.movement)
        .await
        .unwrap()
        .into_iter()
        .find(|(_, ask)| ask.to == to)
}

async fn prepare(app: &TestApp, activist: &Client, to: PersonId) -> (AskId, Ask) {
    let response = activist
        .post_form(
            &format!("{}/asks", outreach(app)),
            &[("person", &to.0.to_string())],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    ask_to(app, to).await.expect("an ask was drafted")
}

#[tokio::test]
async fn the_list_comes_from_the_activists_own_ties_and_drops_people_at_once() {
    let app = TestApp::start().await;
    let activist = app.client(Who::Activist).await;
    let p = |id: &str| app.acme.person(id);

    let page = activist.get_html(&outreach(&app)).await;
    // p2's ties, strongest first: the chords (p11 … p7, p5); p1 and p3 are in the movement,
    // p12 and p4 are no ties of p2.
    let expected: Vec<i64> = ["p11", "p10", "p9", "p8", "p7", "p5"]
        .iter()
        .map(|id| p(id).0)
        .collect();
    assert_eq!(colleagues_on(&page), expected);
    assert!(
        !page.contains("can be on your list right now"),
        "six is enough"
    );

    // Opt-outs of either kind, a join, and an ask by someone else take effect at once.
    let org = app.acme();
    org.set_opt_out(p("p10"), OptOut::DoNotSuggest)
        .await
        .unwrap();
    org.set_opt_out(p("p9"), OptOut::DoNotContact)
        .await
        .unwrap();
    org.join(movement::Membership {
        movement: app.acme.movement,
        person: p("p8"),
        role: Role::Member,
        personal_mission: None,
        joined_at: chrono::Utc::now(),
        recruited_by: Recruitment::SelfSignup,
    })
    .await
    .unwrap();
    org.create_ask(Ask {
        movement: app.acme.movement,
        from: p("p1"),
        to: p("p7"),
        channel: Channel::Email,
        message: "Join us".into(),
        token: "host-token-for-p7-0123456789".into(),
        status: AskStatus::Sent,
        arm: None,
    })
    .await
    .unwrap();
    org.mark_left(p("p5")).await.unwrap();
    let page = activist.get_html(&outreach(&app)).await;
    assert_eq!(colleagues_on(&page), vec![p("p11").0]);
    // Fewer than five: said honestly, not padded with strangers.
    assert!(page.contains("Only 1 of your colleagues can be on your list right now"));
    // Nobody from outside their ties can be asked through the form either.
    let response = activist
        .post_form(
            &format!("{}/asks", outreach(&app)),
            &[("person", &p("p12").0.to_string())],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(ask_to(&app, p("p12")).await.is_none());

    // Members and sponsors have no list; another organization's movement does not exist.
    let member = app.client(Who::Member).await;
    assert_eq!(
        member.get(&outreach(&app)).await.status(),
        StatusCode::FORBIDDEN
    );
    let other = format!("/m/{}/outreach", app.other.movement);
    assert_eq!(activist.get(&other).await.status(), StatusCode::NOT_FOUND);
    app.stop().await;
}

#[tokio::test]
async fn an_asks_links_carry_the_exact_draft_and_personal_link() {
    let app = TestApp::start().await;
    let activist = app.client(Who::Activist).await;
    let p11 = app.acme.person("p11");
    let (id, ask) = prepare(&app, &activist, p11).await;
    assert_eq!(ask.status, AskStatus::Drafted);
    assert_eq!(ask.from, app.acme.person("p2"));
    // The default draft names the mission and the activist's own reason.
    assert!(ask.message.contains("Fewer cars at the office"), "{ask:?}");
    assert!(
        ask.message.contains("I cycle already and love it"),
        "{ask:?}"
    );

    // The activist rewrites it in their own words: characters that need encoding included.
    let draft = "Hi Person, cycle with me on Friday? 100% fun & free — ça va\nBo";
    let response = activist
        .post_form(
            &format!("{}/asks/{id}/draft", outreach(&app)),
            &[("message", draft)],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let page = activist.get_html(&outreach(&app)).await;
    let link = format!("{}/join/{}", Config::default().public_url, ask.token);
    assert!(page.contains(&link), "the personal link is shown");
    let body = encode(&format!("{draft}\n{link}"));
    assert_eq!(
        href_in(&page, "sms:").unwrap(),
        format!("sms:+447000000011?&body={body}")
    );
    assert_eq!(
        href_in(&page, "mailto:").unwrap(),
        format!(
            "mailto:p11@org{}.example?subject={}&body={body}",
            app.acme.org.0,
            encode("Will you join me? Green commute")
        )
    );
    assert!(
        page.contains("data-quiet-hours"),
        "the late-hours hint is there"
    );
    assert!(page.contains(&format!("data-copy=\"link-{id}\"")));

    // An empty draft is refused with the field's error.
    let response = activist
        .post_form(
            &format!("{}/asks/{id}/draft", outreach(&app)),
            &[("message", "  ")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(response.text().await.unwrap().contains("field-error"));

    // Marked sent by htmx: the card comes back alone, sent by text.
    let response = activist
        .http
        .post(activist.url(&format!("{}/asks/{id}/sent", outreach(&app))))
        .header("hx-request", "true")
        .form(&[("channel", "sms"), ("csrf", &activist.csrf)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let card = response.text().await.unwrap();
    assert!(
        card.starts_with(&format!("<article class=\"card\" id=\"ask-{id}\"")),
        "{card}"
    );
    assert!(card.contains("Asked by text"), "{card}");
    let (_, ask) = ask_to(&app, p11).await.unwrap();
    assert_eq!((ask.status, ask.channel), (AskStatus::Sent, Channel::Sms));
    assert_eq!(ask.message, draft);

    // Once sent, the words are what was sent.
    let response = activist
        .post_form(
            &format!("{}/asks/{id}/draft", outreach(&app)),
            &[("message", "something else")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // Without the CSRF token nothing changes.
    let (id10, _) = prepare(&app, &activist, app.acme.person("p10")).await;
    let response = activist
        .http
        .post(activist.url(&format!("{}/asks/{id10}/sent", outreach(&app))))
        .form(&[("channel", "in_person")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let (_, ask) = ask_to(&app, app.acme.person("p10")).await.unwrap();
    assert_eq!(ask.status, AskStatus::Drafted);
    // "We talked in person".
    let response = activist
        .post_form(
            &format!("{}/asks/{id10}/sent", outreach(&app)),
            &[("channel", "in_person")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let (_, ask) = ask_to(&app, app.acme.person("p10")).await.unwrap();
    assert_eq!(
        (ask.status, ask.channel),
        (AskStatus::Sent, Channel::InPerson)
    );

    // Someone else's ask is not the activist's to touch.
    let host = app.client(Who::Host).await;
    let response = host
        .post_form(
            &format!("{}/asks/{id10}/draft", outreach(&app)),
            &[("message", "hijacked")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    app.stop().await;
}

#[tokio::test]
async fn a_host_drafted_ask_is_on_the_activists_list_and_conversations_are_logged() {
    let app = TestApp::start().await;
    let activist = app.client(Who::Activist).await;
    // The host's "invite through the asker": a draft from the activist to p12 (no tie).
    let id = app
        .acme()
        .create_ask(Ask {
            movement: app.acme.movement,
            from: app.acme.person("p2"),
            to: app.acme.person("p12"),
            channel: Channel::InPerson,
            message: "Drafted by the host for you".into(),
            token: "drafted-by-the-host-0123456789".into(),
            status: AskStatus::Drafted,
            arm: None,
        })
        .await
        .unwrap();
    let page = activist.get_html(&outreach(&app)).await;
    assert!(page.contains(&format!("id=\"ask-{id}\"")), "{page}");
    assert!(page.contains("Drafted by the host for you"));

    let with = app.acme.person("p11").0.to_string();
    let path = format!("{}/conversations", outreach(&app));
    let response = activist
        .post_form(
            &path,
            &[
                ("person", &with),
                ("behaviours", "walk"),
                ("behaviours", "bus"),
                ("outcome", "Keen, wants a buddy"),
                ("follow_up", "Walk together Monday"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let logged = app.acme().conversations(app.acme.movement).await.unwrap();
    assert_eq!(logged.len(), 1);
    let conversation = &logged[0].1;
    assert_eq!(conversation.with, app.acme.person("p11"));
    assert_eq!(conversation.activist, app.acme.person("p2"));
    let behaviours: Vec<&str> = conversation.behaviours.iter().map(|b| b.as_str()).collect();
    assert_eq!(behaviours, ["walk", "bus"]);
    assert_eq!(
        conversation.outcome,
        "Keen, wants a buddy\nFollow-up: Walk together Monday"
    );
    // Missing fields come back as errors, and nothing is logged.
    let response = activist
        .post_form(&path, &[("person", "0"), ("outcome", "")])
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        app.acme()
            .conversations(app.acme.movement)
            .await
            .unwrap()
            .len(),
        1
    );
    app.stop().await;
}

#[tokio::test]
async fn joining_by_link_needs_no_account_is_attributed_and_signs_in() {
    let sink = SmtpSink::start();
    let app =
        TestApp::start_with(|store| AppState::with(store, Config::default(), sink.mailer())).await;
    let activist = app.client(Who::Activist).await;
    let p11 = app.acme.person("p11");
    let (id, ask) = prepare(&app, &activist, p11).await;
    activist
        .post_form(
            &format!("{}/asks/{id}/sent", outreach(&app)),
            &[("channel", "in_person")],
        )
        .await;
    assert!(app.acme().account_of(p11).await.unwrap().is_none());

    let visitor = app.anonymous();
    assert!(
        ask.token.starts_with(&format!("{}.", app.acme.org.0)),
        "ORG.SECRET"
    );
    let path = format!("/join/{}", ask.token);
    let response = visitor.get(&path).await;
    assert_eq!(response.status(), StatusCode::OK);
    let page = response.text().await.unwrap();
    assert!(
        page.contains("Person 2 asks you to join Green commute"),
        "{page}"
    );
    assert!(
        page.contains("I cycle already and love it"),
        "the asker's own why"
    );
    assert!(page.contains("Fewer cars at the office"));
    for behaviour in ["walk", "cycle", "bus"] {
        assert!(page.contains(&format!("<li>{behaviour}</li>")));
    }
    assert_eq!(ask_to(&app, p11).await.unwrap().1.status, AskStatus::Opened);

    // Without the form's token (double submit), nothing happens.
    let response = visitor
        .http
        .post(visitor.url(&path))
        .form(&[("answer", "join")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);

    let csrf = csrf_in(&page).unwrap();
    let response = visitor
        .http
        .post(visitor.url(&path))
        .form(&[("answer", "join"), ("csrf", &csrf)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let page = response.text().await.unwrap();
    assert!(page.contains("Welcome to Green commute"), "{page}");
    assert!(page.contains("We emailed you a sign-in link"), "{page}");

    // Attributed: a member recruited by the asker, the ask joined.
    let membership = app
        .acme()
        .memberships(app.acme.movement)
        .await
        .unwrap()
        .into_iter()
        .find(|(_, m)| m.person == p11)
        .expect("p11 joined")
        .1;
    assert_eq!(membership.role, Role::Member);
    assert_eq!(
        membership.recruited_by,
        Recruitment::Person(app.acme.person("p2"))
    );
    assert_eq!(ask_to(&app, p11).await.unwrap().1.status, AskStatus::Joined);
    // This browser is signed in as p11 now.
    let movement_page = visitor.get_html(&format!("/m/{}", app.acme.movement)).await;
    assert!(movement_page.contains("a member"), "{movement_page}");
    let me = visitor.get_html("/me").await;
    assert!(me.contains("Person 11"), "{me}");
    // And a sign-in link for next time went to their address.
    let mail = sink.wait_for(1, Duration::from_secs(10)).await;
    assert_eq!(
        mail[0].to,
        vec![format!("p11@org{}.example", app.acme.org.0)]
    );
    assert!(mail[0].links().iter().any(|l| l.contains("/login/link/")));

    // An answer is final.
    let response = visitor
        .http
        .post(visitor.url(&path))
        .form(&[("answer", "join"), ("csrf", &csrf)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CONFLICT);
    app.stop().await;
}

#[tokio::test]
async fn not_now_and_do_not_contact_are_answers_and_bad_links_are_404() {
    let app = TestApp::start().await;
    let activist = app.client(Who::Activist).await;
    let answer = |token: String, answer: &'static str| {
        let visitor = app.anonymous();
        async move {
            let path = format!("/join/{token}");
            let csrf = csrf_in(&visitor.get_html(&path).await).unwrap();
            visitor
                .http
                .post(visitor.url(&path))
                .form(&[("answer", answer), ("csrf", &csrf)])
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    let (_, ask10) = prepare(&app, &activist, app.acme.person("p10")).await;
    let (_, ask9) = prepare(&app, &activist, app.acme.person("p9")).await;
    // A drafted ask answered: following the link proves it was sent.
    assert_eq!(answer(ask10.token.clone(), "decline").await, StatusCode::OK);
    assert_eq!(
        ask_to(&app, app.acme.person("p10")).await.unwrap().1.status,
        AskStatus::Declined
    );
    assert_eq!(answer(ask9.token.clone(), "opt_out").await, StatusCode::OK);
    assert_eq!(
        ask_to(&app, app.acme.person("p9")).await.unwrap().1.status,
        AskStatus::OptedOut
    );
    let no_contact = app.acme().opted_out(OptOut::DoNotContact).await.unwrap();
    assert!(no_contact.contains(&app.acme.person("p9")));
    // Neither is on the list any more.
    let page = activist.get_html(&outreach(&app)).await;
    assert!(!page.contains(&ask9.token) && !page.contains(&ask10.token));

    let visitor = app.anonymous();
    for path in [
        "/join/nonsense".to_string(),
        format!("/join/{}.not-a-token-we-know-of-0123", app.acme.org.0),
        // Acme's token under the other organization's prefix opens nothing.
        format!(
            "/join/{}.{}",
            app.other.org.0,
            ask10.token.split_once('.').unwrap().1
        ),
        format!("/join/{}.{}", app.other.org.0, ask10.token),
    ] {
        assert_eq!(
            visitor.get(&path).await.status(),
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    app.stop().await;
}
