//! The JSON API: its OpenAPI document, signing in, CSRF on writes, rights, and problems for
//! bad bodies and other organizations' ids.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::app::{PASSWORD, TestApp, Who};

#[tokio::test]
async fn the_openapi_document_lists_every_api_route() {
    let app = TestApp::start().await;
    let response = app
        .anonymous()
        .http
        .get(app.url("/api/openapi.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let document: Value = response.json().await.unwrap();
    assert!(document["openapi"].as_str().unwrap().starts_with("3."));
    let paths = document["paths"].as_object().unwrap();
    for path in [
        "/api/v1/session",
        "/api/v1/me",
        "/api/v1/movements",
        "/api/v1/movements/{movement}",
    ] {
        assert!(
            paths.contains_key(path),
            "{path} missing from {:?}",
            paths.keys()
        );
    }
    assert!(document["components"]["schemas"]["Problem"].is_object());
    app.stop().await;
}

#[tokio::test]
async fn api_clients_sign_in_and_send_the_csrf_token_on_writes() {
    let app = TestApp::start().await;
    let client = app.anonymous();
    let email = app.acme.email(Who::Admin);
    let wrong = client
        .http
        .post(client.url("/api/v1/session"))
        .json(&json!({"email": email, "password": "nope nope nope"}))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(wrong.headers()["content-type"], "application/problem+json");
    let me: Value = client
        .http
        .post(client.url("/api/v1/session"))
        .json(&json!({"email": email, "password": PASSWORD}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["is_admin"], true);
    let token = me["csrf_token"].as_str().unwrap().to_string();
    let new = json!({"name": "Lights off", "mission": "Save power", "behaviours": ["switch off", "stairs", "unplug"], "critical_mass": 0.2});
    // Without the header: refused, nothing made.
    let refused = client
        .http
        .post(client.url("/api/v1/movements"))
        .json(&new)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.acme().movements().await.unwrap().len(), 1);
    let made = client
        .http
        .post(client.url("/api/v1/movements"))
        .header("x-csrf-token", &token)
        .json(&new)
        .send()
        .await
        .unwrap();
    assert_eq!(made.status(), StatusCode::CREATED);
    let made: Value = made.json().await.unwrap();
    assert_eq!(
        (made["role"].as_str(), made["critical_mass"].as_f64()),
        (Some("host"), Some(0.2))
    );
    app.stop().await;
}

#[tokio::test]
async fn bad_bodies_are_problems_naming_the_field() {
    let app = TestApp::start().await;
    let admin = app.client(Who::Admin).await;
    let cases = [
        (
            json!({"name": "x", "mission": "y", "behaviours": ["a", "b"], "critical_mass": 0.2}),
            422,
            "behaviours",
        ),
        (
            json!({"name": "x", "mission": "y", "behaviours": ["a", "b", "c"], "critical_mass": 7}),
            422,
            "critical_mass",
        ),
        (
            json!({"name": "x", "mission": "y", "behaviours": "a", "critical_mass": 0.2}),
            422,
            "behaviours",
        ),
        (json!({"mission": "y"}), 422, "name"),
    ];
    for (body, status, field) in cases {
        let response = admin
            .api(Method::POST, "/api/v1/movements", Some(body.clone()))
            .await;
        assert_eq!(response.status().as_u16(), status, "{body}");
        let problem: Value = response.json().await.unwrap();
        assert!(
            problem["detail"].as_str().unwrap().contains(field),
            "{body}: {problem}"
        );
    }
    let not_json = admin
        .http
        .post(admin.url("/api/v1/movements"))
        .header("x-csrf-token", &admin.csrf)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(not_json.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        app.acme().movements().await.unwrap().len(),
        1,
        "nothing half-written"
    );
    app.stop().await;
}

#[tokio::test]
async fn another_organizations_movement_is_not_found_and_roles_are_checked() {
    let app = TestApp::start().await;
    let host = app.client(Who::Host).await;
    let theirs = format!("/api/v1/movements/{}", app.other.movement.0);
    let response = host.api(Method::GET, &theirs, None).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let response = host
        .api(
            Method::POST,
            &format!("{theirs}/memberships"),
            Some(json!({"role": "member"})),
        )
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    // Only admins start movements; a host of one movement is not an admin.
    let new =
        json!({"name": "x", "mission": "y", "behaviours": ["a", "b", "c"], "critical_mass": 0.2});
    let response = host.api(Method::POST, "/api/v1/movements", Some(new)).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    // The outsider joins; joining twice conflicts.
    let outsider = app.client(Who::Outsider).await;
    let ours = format!("/api/v1/movements/{}/memberships", app.acme.movement.0);
    let joined = outsider
        .api(
            Method::POST,
            &ours,
            Some(json!({"role": "activist", "personal_mission": "I bike"})),
        )
        .await;
    assert_eq!(joined.status(), StatusCode::CREATED);
    let again = outsider
        .api(Method::POST, &ours, Some(json!({"role": "member"})))
        .await;
    assert_eq!(again.status(), StatusCode::CONFLICT);
    let sponsor_role = outsider
        .api(Method::POST, &ours, Some(json!({"role": "sponsor"})))
        .await;
    assert_eq!(
        sponsor_role.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "sponsors are named by hosts"
    );
    app.stop().await;
}
