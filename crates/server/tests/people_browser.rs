//! Activists and members in a real browser on a phone: the outreach list and its links, a
//! join by link, a reaction and "I did it", and an opt-out taking effect everywhere.
//!
//! The seeded organization comes from `support/app.rs` ([`TestApp`]); the browser gets a
//! server of its own over the same store.

use fantoccini::Locator;
use movement::{Ask, AskStatus, Channel, Recruitment, StoryKind, StorySpec, Visibility};
use serde_json::json;
use server::{AppState, Config};

use crate::app::{PASSWORD, TestApp, Who};
use crate::browser::{Browser, Window};

/// The seeded organization, and a phone browser on it.
async fn start() -> (TestApp, Browser) {
    let app = TestApp::start().await;
    let browser = Browser::start_with(AppState::new(app.store.clone()), Window::PHONE).await;
    (app, browser)
}

async fn sign_in(browser: &Browser, email: &str) {
    browser.goto("/login").await;
    browser.fill("Password", PASSWORD).await;
    browser.fill("Email", email).await;
    browser.click_button_and_wait("Sign in").await;
}

/// RFC 3986 percent-encoding of all but unreserved characters, written independently of
/// the server's encoder.
fn encode(text: &str) -> String {
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

#[tokio::test]
async fn an_activist_prepares_an_ask_and_its_links_carry_the_right_text() {
    let (app, browser) = start().await;
    sign_in(&browser, &app.acme.email(Who::Activist)).await;
    let movement = app.acme.movement;
    browser.goto(&format!("/m/{movement}/outreach")).await;
    assert_eq!(browser.text_of("h1").await, "My outreach list");
    // The strongest tie first: Person 11.
    let p11 = app.acme.person("p11");
    assert_eq!(
        browser.text_of(".card[id^=colleague-] h3").await,
        "Person 11"
    );
    browser.click_button("Prepare an ask").await;
    // htmx swaps the colleague's card for the ask's.
    browser.wait_for("article[id^=ask-] a[href^='sms:']").await;
    let (_, ask) = app
        .acme()
        .asks(movement)
        .await
        .unwrap()
        .into_iter()
        .find(|(_, ask)| ask.to == p11)
        .expect("the ask was drafted");
    let link = format!("{}/join/{}", Config::default().public_url, ask.token);
    let body = encode(&format!("{}\n{link}", ask.message));
    assert_eq!(
        browser
            .eval("return document.querySelector('a[href^=\"sms:\"]').getAttribute('href')")
            .await,
        json!(format!("sms:+447000000011?&body={body}"))
    );
    assert_eq!(
        browser
            .eval("return document.querySelector('a[href^=\"mailto:\"]').getAttribute('href')")
            .await,
        json!(format!(
            "mailto:p11@org{}.example?subject={}&body={body}",
            app.acme.org.0,
            encode("Will you join me? Green commute")
        ))
    );
    // The swapped-in copy button was enabled by app.js; the link is there to copy.
    assert_eq!(
        browser
            .eval("return document.querySelector('button[data-copy]').hidden")
            .await,
        json!(false)
    );
    assert!(
        browser
            .text_of("article[id^=ask-] code")
            .await
            .ends_with(&ask.token)
    );

    // The draft is rewritten in place, then marked sent in person.
    browser
        .fill("message", "Hi Eleven, walk in with me tomorrow?")
        .await;
    browser.click_button("Save draft").await;
    browser
        .wait_until(
            "return document.querySelector('a[href^=\"sms:\"]').getAttribute('href')\
             .includes('walk%20in%20with%20me')",
        )
        .await;
    browser.screenshot("outreach-phone").await;
    browser.click_button("We talked in person").await;
    browser
        .wait_until("return document.querySelector('article[id^=ask-] .hint').textContent.includes('in person')")
        .await;
    let (_, ask) = app
        .acme()
        .asks(movement)
        .await
        .unwrap()
        .into_iter()
        .find(|(_, ask)| ask.to == p11)
        .unwrap();
    assert_eq!(
        (ask.status, ask.channel),
        (AskStatus::Sent, Channel::InPerson)
    );
    assert_eq!(ask.message, "Hi Eleven, walk in with me tomorrow?");
    assert!(!browser.has_horizontal_scroll().await);
    browser.assert_no_console_errors().await;
    browser.close().await;
    app.stop().await;
}

#[tokio::test]
async fn a_member_joins_by_link_reacts_and_says_i_did_it() {
    let (app, browser) = start().await;
    let org = app.acme();
    let movement = app.acme.movement;
    let (activist, p11) = (app.acme.person("p2"), app.acme.person("p11"));
    let token = "personal-link-for-person-11-abcdef";
    org.create_ask(Ask {
        movement,
        from: activist,
        to: p11,
        channel: Channel::Sms,
        message: "Eleven, join me? We walk on Fridays.".into(),
        token: token.into(),
        status: AskStatus::Drafted,
        arm: None,
    })
    .await
    .unwrap();
    let (ask_id, _) = org.ask_by_token(token).await.unwrap().unwrap();
    org.advance_ask(ask_id, AskStatus::Sent).await.unwrap();
    let story = org
        .publish_story(StorySpec {
            movement,
            author: activist,
            co_authors: vec![],
            kind: StoryKind::Aha,
            text: "The bus is faster than the car at 8.".into(),
            behaviours: vec![],
            visibility: Visibility::Movement,
        })
        .await
        .unwrap();

    browser
        .goto(&format!("/join/{}.{token}", app.acme.org.0))
        .await;
    assert_eq!(
        browser.text_of("h1").await,
        "Person 2 asks you to join Green commute"
    );
    assert_eq!(
        browser.text_of("blockquote.note").await,
        "Eleven, join me? We walk on Fridays."
    );
    browser.screenshot("join-phone").await;
    browser.click_button_and_wait("Join").await;
    assert_eq!(browser.text_of("h1").await, "Welcome to Green commute");
    let membership = org
        .memberships(movement)
        .await
        .unwrap()
        .into_iter()
        .find(|(_, m)| m.person == p11)
        .expect("joined")
        .1;
    assert_eq!(membership.recruited_by, Recruitment::Person(activist));

    // Signed in at once: on to the movement and its stories.
    browser.click_button_and_wait("Continue").await;
    assert_eq!(browser.path().await, format!("/m/{movement}"));
    browser.goto(&format!("/m/{movement}/stories")).await;
    browser.click_button("Inspired · 0").await;
    browser
        .wait_until(&format!(
            "return document.querySelector('#reactions-{story} [data-reaction=inspired] .count')\
             .textContent === '1'"
        ))
        .await;
    browser.click_button("I did it").await;
    browser
        .wait_until(
            "return document.querySelector('#adoptions').textContent.includes('You do this')",
        )
        .await;
    browser.screenshot("stories-phone").await;
    let adoptions = org.adoptions().await.unwrap();
    assert!(
        adoptions.contains_key(&(p11, "walk".to_string())),
        "{adoptions:?}"
    );
    let counts = org.reaction_counts(story).await.unwrap();
    assert_eq!(counts, vec![(movement::ReactionKind::Inspired, 1)]);
    assert!(!browser.has_horizontal_scroll().await);
    browser.assert_no_console_errors().await;
    browser.close().await;
    app.stop().await;
}

#[tokio::test]
async fn an_opt_out_on_me_removes_the_person_from_every_list_at_once() {
    let (app, browser) = start().await;
    let movement = app.acme.movement;
    let p5 = app.acme.person("p5");
    sign_in(&browser, &app.acme.email(Who::Activist)).await;
    browser.goto(&format!("/m/{movement}/outreach")).await;
    browser.wait_for(&format!("#colleague-{p5}")).await;
    let in_select =
        format!("return document.querySelector('#field-person option[value=\"{p5}\"]') !== null");
    assert_eq!(browser.eval(&in_select).await, json!(true));
    browser.click_button_and_wait("Sign out").await;

    // Person 5 asks not to be contacted, on their own page.
    sign_in(&browser, &app.acme.email(Who::Admin)).await;
    browser.goto("/me").await;
    browser
        .client
        .find(Locator::Css("#opt-do_not_contact"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    browser.click_button_and_wait("Save").await;
    browser.click_button_and_wait("Sign out").await;

    sign_in(&browser, &app.acme.email(Who::Activist)).await;
    browser.goto(&format!("/m/{movement}/outreach")).await;
    assert_eq!(
        browser
            .eval(&format!(
                "return document.querySelector('#colleague-{p5}') === null"
            ))
            .await,
        json!(true)
    );
    assert_eq!(browser.eval(&in_select).await, json!(false));
    browser.assert_no_console_errors().await;
    browser.close().await;
    app.stop().await;
}
