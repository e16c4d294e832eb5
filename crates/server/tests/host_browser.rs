//! The host's pages in a phone browser: the recommendation runs as a background job whose
//! progress htmx polls until the picks appear, each with someone to ask them; the dashboard
//! shows aggregates only. Every page passes the accessibility basics the harness checks.

use server::AppState;

use crate::app::{PASSWORD, TestApp, Who};
use crate::browser::{Browser, Window};

#[tokio::test]
async fn a_host_runs_the_recommendation_and_reads_the_dashboard() {
    let app = TestApp::start().await;
    let browser = Browser::start_with(AppState::new(app.store.clone()), Window::PHONE).await;
    browser.goto("/login").await;
    browser.fill("Email", &app.acme.email(Who::Host)).await;
    browser.fill("Password", PASSWORD).await;
    browser.click_button_and_wait("Sign in").await;

    let movement = app.acme.movement.0;
    browser
        .goto(&format!("/m/{movement}/host/recommendations"))
        .await;
    browser.fill("k", "2").await;
    browser.click_button_and_wait("Recommend").await;
    // htmx polls the job's progress and swaps in the picks when it is done.
    browser
        .wait_until("return document.body.innerText.includes('to invite')")
        .await;
    let text = browser.text_of("main").await;
    assert!(!browser.has_horizontal_scroll().await, "fits a phone");
    browser.screenshot("host-recommendations-phone").await;
    assert!(
        text.contains("Ask Person"),
        "each pick has someone to ask them: {text}"
    );
    browser.assert_no_console_errors().await;

    browser.goto(&format!("/m/{movement}/dashboard")).await;
    let dashboard = browser.text_of("main").await;
    assert!(
        dashboard.contains("Members") && dashboard.contains("Adoption"),
        "{dashboard}"
    );
    assert!(
        !dashboard.contains("Person 2"),
        "aggregates only, no names: {dashboard}"
    );
    assert!(!browser.has_horizontal_scroll().await, "fits a phone");
    browser.screenshot("dashboard-phone").await;
    browser.assert_no_console_errors().await;

    // Every form control on these pages has a label a screen reader can read.
    for path in [
        format!("/m/{movement}/host"),
        format!("/m/{movement}/host/import"),
        "/me".to_string(),
    ] {
        browser.goto(&path).await;
        let unlabelled = browser
            .eval(
                "return [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]\
                 .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label'))\
                 .map(el => el.name)",
            )
            .await;
        assert_eq!(
            unlabelled,
            serde_json::json!([]),
            "{path}: unlabelled controls"
        );
    }
    browser.close().await;
    app.stop().await;
}
