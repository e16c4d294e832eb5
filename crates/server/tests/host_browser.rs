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

#[tokio::test]
async fn an_admin_starts_a_movement_and_imports_people_and_ties() {
    let app = TestApp::start().await;
    let browser = Browser::start_with(AppState::new(app.store.clone()), Window::PHONE).await;
    browser.goto("/login").await;
    browser.fill("Email", &app.acme.email(Who::Admin)).await;
    browser.fill("Password", PASSWORD).await;
    browser.click_button_and_wait("Sign in").await;

    browser.goto("/movements/new").await;
    browser.fill("Name", "Lights off").await;
    browser
        .fill("Mission", "Save the power we do not use")
        .await;
    // Two behaviours: the form comes back with the field's error, keeping what was typed.
    browser.fill("behaviours", "switch off\nstairs").await;
    browser.click_button_and_wait("Start").await;
    assert!(
        browser
            .text_of(".field-error")
            .await
            .contains("3 to 7 behaviours")
    );
    browser
        .fill("behaviours", "switch off\nstairs\nunplug")
        .await;
    browser.click_button_and_wait("Start").await;
    let path = browser.path().await;
    let movement: i64 = path
        .strip_prefix("/m/")
        .and_then(|id| id.parse().ok())
        .unwrap_or_else(|| panic!("not on the movement's page: {path}"));
    assert!(
        browser
            .text_of("main")
            .await
            .contains("You are a host here.")
    );

    let dir = tempfile::tempdir().unwrap();
    let people = dir.path().join("people.csv");
    let ties = dir.path().join("ties.csv");
    std::fs::write(
        &people,
        "id,name,unit\nn1,New One,Finance\nn2,New Two,Research\n",
    )
    .unwrap();
    std::fs::write(&ties, "source,target,layer\nn1,n2,advice\nn2,p1,advice\n").unwrap();
    browser.goto(&format!("/m/{movement}/host/import")).await;
    let upload = |id: &'static str, file: std::path::PathBuf| {
        let client = browser.client.clone();
        async move {
            let input = client.find(fantoccini::Locator::Id(id)).await.unwrap();
            input.send_keys(&file.display().to_string()).await.unwrap();
        }
    };
    upload("field-people", people).await;
    upload("field-ties", ties).await;
    browser.click_button_and_wait("Preview").await;
    let preview = browser.text_of("main").await;
    assert!(preview.contains("The import would"), "{preview}");
    assert!(
        preview.contains("New One"),
        "the first rows are shown: {preview}"
    );
    assert_eq!(
        app.acme().people().await.unwrap().len(),
        12,
        "a preview writes nothing"
    );
    browser.screenshot("host-import-phone").await;
    browser.click_button_and_wait("Import").await;
    assert_eq!(app.acme().people().await.unwrap().len(), 14, "imported");
    // (No console check here: the refused form's 422 is logged by Chromium, on purpose.)
    browser.close().await;
    app.stop().await;
}
