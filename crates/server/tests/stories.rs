//! Stories, reactions, retells, celebrations and "I did it", by role.

use movement::{AdoptionTime, ReactionKind, StoryKind, Visibility};
use reqwest::StatusCode;

use crate::app::{TestApp, Who};

fn stories(app: &TestApp) -> String {
    format!("/m/{}/stories", app.acme.movement)
}

#[tokio::test]
async fn a_member_shares_reacts_retells_celebrates_and_says_i_did_it() {
    let app = TestApp::start().await;
    let member = app.client(Who::Member).await;
    let activist = app.acme.person("p2");
    let response = member
        .post_form(
            &stories(&app),
            &[
                ("kind", "experience"),
                ("text", "Walked in with Bo: 20 minutes, no traffic."),
                ("behaviours", "walk"),
                ("co_authors", &activist.0.to_string()),
                ("visibility", "movement"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let published = app.acme().stories(app.acme.movement).await.unwrap();
    assert_eq!(published.len(), 1);
    let story = &published[0];
    assert_eq!(story.spec.author, app.acme.person("p3"));
    assert_eq!(story.spec.co_authors, vec![activist]);
    assert_eq!(story.spec.kind, StoryKind::Experience);
    let page = member.get_html(&stories(&app)).await;
    assert!(page.contains("Walked in with Bo"), "{page}");

    // A reaction by htmx answers the counts alone.
    let react = format!("{}/{}/react", stories(&app), story.id);
    let response = member
        .http
        .post(member.url(&react))
        .header("hx-request", "true")
        .form(&[("reaction", "will_try"), ("csrf", &member.csrf)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let fragment = response.text().await.unwrap();
    assert!(fragment.starts_with(&format!(
        "<div class=\"actions\" id=\"reactions-{}\"",
        story.id
    )));
    assert!(
        fragment.contains("I'll try it · <span class=\"count\">1</span>"),
        "{fragment}"
    );
    let counts = app.acme().reaction_counts(story.id).await.unwrap();
    assert_eq!(counts, vec![(ReactionKind::WillTry, 1)]);

    let response = member
        .post_form(
            &format!("{}/{}/retell", stories(&app), story.id),
            &[("note", "Try this route!")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        app.acme().stories(app.acme.movement).await.unwrap()[0].retells,
        1
    );

    // Celebrating someone is a celebration story naming them.
    let response = member
        .post_form(
            &stories(&app),
            &[
                ("kind", "celebration"),
                ("text", "Ten days cycling in a row!"),
                ("co_authors", &activist.0.to_string()),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let newest = &app.acme().stories(app.acme.movement).await.unwrap()[0];
    assert_eq!(newest.spec.kind, StoryKind::Celebration);
    assert_eq!(newest.spec.co_authors, vec![activist]);

    // "I did it".
    let response = member
        .post_form(
            &format!("/m/{}/adoptions", app.acme.movement),
            &[("behaviour", "cycle")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let adoptions = app.acme().adoptions().await.unwrap();
    assert!(matches!(
        adoptions.get(&(app.acme.person("p3"), "cycle".to_string())),
        Some(AdoptionTime::At(_))
    ));
    let page = member.get_html(&stories(&app)).await;
    assert!(page.contains("You do this — since"), "{page}");
    // Not a behaviour of ours; an empty story: refused.
    let response = member
        .post_form(
            &format!("/m/{}/adoptions", app.acme.movement),
            &[("behaviour", "fly")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let response = member
        .post_form(&stories(&app), &[("kind", "aha"), ("text", " ")])
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // A peer confirms what the story's author said they did; the author cannot.
    let confirm = format!("{}/{}/confirm", stories(&app), story.id);
    let response = member.post_form(&confirm, &[("behaviour", "walk")]).await;
    assert_eq!(
        response.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "not before \"I did it\", and never by the author"
    );
    member
        .post_form(
            &format!("/m/{}/adoptions", app.acme.movement),
            &[("behaviour", "walk")],
        )
        .await;
    let peer = app.client(Who::Activist).await;
    assert!(
        peer.get_html(&stories(&app))
            .await
            .contains("I saw it: walk")
    );
    let response = peer.post_form(&confirm, &[("behaviour", "bus")]).await;
    assert_eq!(
        response.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "not in the story"
    );
    let response = peer.post_form(&confirm, &[("behaviour", "walk")]).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let confirmations = app.acme().adoption_confirmations().await.unwrap();
    let by: Vec<_> = confirmations[&(app.acme.person("p3"), "walk".to_string())]
        .iter()
        .copied()
        .collect();
    assert_eq!(by, vec![activist]);
    let response = member.post_form(&confirm, &[("behaviour", "walk")]).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    app.stop().await;
}

#[tokio::test]
async fn sponsors_write_no_stories_hosts_only_stories_stay_with_hosts_and_csrf_is_checked() {
    let app = TestApp::start().await;
    let host = app.client(Who::Host).await;
    let member = app.client(Who::Member).await;
    let sponsor = app.client(Who::Sponsor).await;
    let response = host
        .post_form(
            &stories(&app),
            &[
                ("kind", "problem_fixed"),
                ("text", "The bike shed is full; fixing it."),
                ("visibility", "hosts"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let story = app.acme().stories(app.acme.movement).await.unwrap()[0].clone();
    assert_eq!(story.spec.visibility, Visibility::Hosts);
    assert!(host.get_html(&stories(&app)).await.contains("bike shed"));
    assert!(!member.get_html(&stories(&app)).await.contains("bike shed"));
    let react = format!("{}/{}/react", stories(&app), story.id);
    let response = member.post_form(&react, &[("reaction", "inspired")]).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);

    // Sponsors read aggregates, not stories, and write none.
    assert_eq!(
        sponsor.get(&stories(&app)).await.status(),
        StatusCode::FORBIDDEN
    );
    let response = sponsor
        .post_form(&stories(&app), &[("kind", "aha"), ("text", "Top down!")])
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let response = sponsor
        .post_form(
            &format!("/m/{}/adoptions", app.acme.movement),
            &[("behaviour", "walk")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);

    // Without the session's CSRF token nothing is published.
    let response = member
        .http
        .post(member.url(&stories(&app)))
        .form(&[("kind", "aha"), ("text", "Forged")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        app.acme().stories(app.acme.movement).await.unwrap().len(),
        1
    );

    // Another organization's movement does not exist here.
    let other = format!("/m/{}/stories", app.other.movement);
    assert_eq!(member.get(&other).await.status(), StatusCode::NOT_FOUND);
    app.stop().await;
}
