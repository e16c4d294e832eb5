//! Outreach, join links and stories over the JSON API: the pages' operations, as JSON.

use movement::{AskStatus, Recruitment};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::app::{TestApp, Who};

#[tokio::test]
async fn the_outreach_and_stories_routes_are_in_the_openapi_document() {
    let app = TestApp::start().await;
    let document: Value = app
        .anonymous()
        .http
        .get(app.url("/api/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let paths = document["paths"].as_object().unwrap();
    for path in [
        "/api/v1/movements/{movement}/outreach",
        "/api/v1/movements/{movement}/asks",
        "/api/v1/movements/{movement}/asks/{ask}/message",
        "/api/v1/movements/{movement}/asks/{ask}/sent",
        "/api/v1/movements/{movement}/conversations",
        "/api/v1/join/{token}",
        "/api/v1/movements/{movement}/stories",
        "/api/v1/movements/{movement}/stories/{story}/reactions",
        "/api/v1/movements/{movement}/stories/{story}/retells",
        "/api/v1/movements/{movement}/stories/{story}/confirmations",
        "/api/v1/movements/{movement}/adoptions",
    ] {
        assert!(paths.contains_key(path), "{path} missing");
    }
    app.stop().await;
}

#[tokio::test]
async fn an_activist_asks_over_the_api_and_the_person_joins_by_token() {
    let app = TestApp::start().await;
    let activist = app.client(Who::Activist).await;
    let movement = app.acme.movement;
    let base = format!("/api/v1/movements/{movement}");

    let response = activist
        .api(Method::GET, &format!("{base}/outreach"), None)
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let list: Value = response.json().await.unwrap();
    assert_eq!(list["colleagues"].as_array().unwrap().len(), 6);
    assert_eq!(list["colleagues"][0]["name"], "Person 11");
    assert_eq!(list["short"], false);
    assert!(list["colleagues"][0].get("strength").is_none(), "no scores");

    let p11 = app.acme.person("p11").0;
    // Without the CSRF header, nothing is drafted.
    let response = activist
        .http
        .post(activist.url(&format!("{base}/asks")))
        .json(&json!({"person": p11}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let response = activist
        .api(
            Method::POST,
            &format!("{base}/asks"),
            Some(json!({"person": p11})),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let ask: Value = response.json().await.unwrap();
    assert_eq!(ask["status"], "drafted");
    let id = ask["id"].as_i64().unwrap();

    let response = activist
        .api(
            Method::PUT,
            &format!("{base}/asks/{id}/message"),
            Some(json!({"message": "Walk with me?"})),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let ask: Value = response.json().await.unwrap();
    let link = ask["link"].as_str().unwrap().to_string();
    assert_eq!(
        ask["sms_href"],
        format!(
            "sms:+447000000011?&body=Walk%20with%20me%3F%0A{}",
            crate::outreach::encode(&link)
        )
    );
    let response = activist
        .api(
            Method::POST,
            &format!("{base}/asks/{id}/sent"),
            Some(json!({"channel": "chat"})),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let ask: Value = response.json().await.unwrap();
    assert_eq!(
        (ask["status"].as_str(), ask["channel"].as_str()),
        (Some("sent"), Some("chat"))
    );

    let response = activist
        .api(
            Method::POST,
            &format!("{base}/conversations"),
            Some(json!({"person": p11, "behaviours": ["cycle"], "outcome": "Keen"})),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);

    // The person, with no account, over the API.
    let token = &link[link.find("/join/").unwrap() + "/join/".len()..];
    let visitor = app.anonymous();
    let invitation: Value = visitor
        .http
        .get(visitor.url(&format!("/api/v1/join/{token}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(invitation["asker"], "Person 2");
    assert_eq!(invitation["message"], "Walk with me?");
    assert_eq!(invitation["asker_mission"], "I cycle already and love it");
    assert_eq!(invitation["status"], "opened");
    let response = visitor
        .http
        .post(visitor.url(&format!("/api/v1/join/{token}")))
        .json(&json!({"answer": "join"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let answered: Value = response.json().await.unwrap();
    assert_eq!(answered["signed_in"], true);
    let membership = app
        .acme()
        .memberships(movement)
        .await
        .unwrap()
        .into_iter()
        .find(|(_, m)| m.person.0 == p11)
        .unwrap()
        .1;
    assert_eq!(
        membership.recruited_by,
        Recruitment::Person(app.acme.person("p2"))
    );
    let (_, ask) = app
        .acme()
        .asks(movement)
        .await
        .unwrap()
        .into_iter()
        .find(|(_, a)| a.to.0 == p11)
        .unwrap();
    assert_eq!(ask.status, AskStatus::Joined);
    // The session cookie came with the answer.
    let me = visitor
        .http
        .get(visitor.url("/api/v1/me"))
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), StatusCode::OK);
    app.stop().await;
}

#[tokio::test]
async fn a_member_shares_reacts_and_says_i_did_it_over_the_api_and_sponsors_cannot() {
    let app = TestApp::start().await;
    let member = app.client(Who::Member).await;
    let base = format!("/api/v1/movements/{}", app.acme.movement);
    let response = member
        .api(
            Method::POST,
            &format!("{base}/stories"),
            Some(
                json!({"kind": "aha", "text": "Buses run every 5 minutes!", "behaviours": ["bus"]}),
            ),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let story: Value = response.json().await.unwrap();
    let id = story["id"].as_i64().unwrap();
    let response = member
        .api(
            Method::POST,
            &format!("{base}/stories/{id}/reactions"),
            Some(json!({"reaction": "did_it"})),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let story: Value = response.json().await.unwrap();
    assert_eq!(
        (story["did_it"].as_i64(), story["inspired"].as_i64()),
        (Some(1), Some(0))
    );
    let response = member
        .api(
            Method::POST,
            &format!("{base}/stories/{id}/retells"),
            Some(json!({"note": "Yes!"})),
        )
        .await;
    let story: Value = response.json().await.unwrap();
    assert_eq!(story["retells"], 1);
    let response = member
        .api(
            Method::POST,
            &format!("{base}/adoptions"),
            Some(json!({"behaviour": "bus"})),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let adoptions: Value = response.json().await.unwrap();
    let bus = adoptions
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["behaviour"] == "bus")
        .unwrap();
    assert!(bus["since"].is_string(), "{adoptions}");
    let stories: Value = member
        .api(Method::GET, &format!("{base}/stories"), None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(stories.as_array().unwrap().len(), 1);

    let sponsor = app.client(Who::Sponsor).await;
    let response = sponsor
        .api(
            Method::POST,
            &format!("{base}/stories"),
            Some(json!({"kind": "aha", "text": "From the top"})),
        )
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let response = sponsor
        .api(Method::GET, &format!("{base}/stories"), None)
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    app.stop().await;
}
