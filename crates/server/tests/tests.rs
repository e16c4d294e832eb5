//! The server, started for real on a loopback port over a real store, and spoken to over
//! HTTP with reqwest: what a browser or API client sees.

#[path = "support/app.rs"]
mod app;
#[path = "support/smtp.rs"]
mod smtp;

mod accounts;
mod api;
mod host;
mod matrix;
mod outreach;
mod people_api;
mod stories;

use std::net::SocketAddr;
use std::str::FromStr;
use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use server::{AppState, CONTENT_SECURITY_POLICY, MAX_BODY_BYTES, PROBLEM_JSON, REQUEST_ID_HEADER};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use store::Store;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// A running server; [`TestServer::stop`] shuts it down and waits for `serve` to return.
struct TestServer {
    addr: SocketAddr,
    client: reqwest::Client,
    shutdown: oneshot::Sender<()>,
    serving: JoinHandle<std::io::Result<()>>,
    _dir: Option<tempfile::TempDir>,
}

impl TestServer {
    async fn start(store: Store, dir: Option<tempfile::TempDir>) -> TestServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().unwrap();
        let (shutdown, shutdown_requested) = oneshot::channel::<()>();
        let serving = tokio::spawn(server::serve(listener, AppState::new(store), async move {
            let _ = shutdown_requested.await;
        }));
        let client = reqwest::Client::builder()
            .no_proxy()
            .timeout(Duration::from_secs(30))
            .build()
            .unwrap();
        TestServer {
            addr,
            client,
            shutdown,
            serving,
            _dir: dir,
        }
    }

    /// On a fresh SQLite file in a temporary directory.
    async fn sqlite() -> TestServer {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("groundswell.db").display());
        let store = Store::open(&url).await.expect("open SQLite store");
        TestServer::start(store, Some(dir)).await
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.expect("GET")
    }

    /// Asks for shutdown and waits (bounded) for `serve` to return.
    async fn stop(self) {
        self.shutdown.send(()).unwrap();
        tokio::time::timeout(Duration::from_secs(10), self.serving)
            .await
            .expect("serve returns after shutdown")
            .unwrap()
            .expect("serve ends without error");
    }
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> &'a str {
    headers
        .get(name)
        .unwrap_or_else(|| panic!("no {name} header in {headers:?}"))
        .to_str()
        .unwrap()
}

fn assert_security_headers(headers: &HeaderMap) {
    assert_eq!(header(headers, "x-content-type-options"), "nosniff");
    assert_eq!(header(headers, "x-frame-options"), "DENY");
    assert_eq!(header(headers, "referrer-policy"), "no-referrer");
    assert_eq!(
        header(headers, "content-security-policy"),
        CONTENT_SECURITY_POLICY
    );
    assert!(!header(headers, REQUEST_ID_HEADER.as_str()).is_empty());
}

/// Checks a problem document against its status and returns it.
async fn problem(response: reqwest::Response, status: StatusCode) -> serde_json::Value {
    assert_eq!(response.status(), status);
    assert_eq!(header(response.headers(), "content-type"), PROBLEM_JSON);
    assert_security_headers(response.headers());
    let problem: serde_json::Value = response.json().await.unwrap();
    assert_eq!(problem["status"], status.as_u16(), "{problem}");
    assert_eq!(problem["title"], status.canonical_reason().unwrap());
    assert_eq!(problem["type"], "about:blank");
    assert!(problem["detail"].as_str().is_some_and(|d| !d.is_empty()));
    problem
}

#[tokio::test]
async fn healthz_on_sqlite_reports_ok_and_the_backend() {
    let server = TestServer::sqlite().await;
    let response = server.get("/healthz").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        header(response.headers(), "content-type"),
        "application/json"
    );
    assert_security_headers(response.headers());
    let health: serde_json::Value = response.json().await.unwrap();
    assert_eq!(
        health,
        serde_json::json!({"status": "ok", "database": "sqlite"})
    );
    server.stop().await;
}

#[tokio::test]
async fn healthz_on_postgres_reports_ok_and_the_backend() {
    // A schema of its own on the test server, dropped at the end.
    let admin_url = std::env::var("GROUNDSWELL_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://root@127.0.0.1:5432/test".to_string());
    let admin = PgPoolOptions::new()
        .max_connections(1)
        .connect(&admin_url)
        .await
        .unwrap_or_else(|e| panic!("PostgreSQL at {admin_url} is unreachable: {e}"));
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    let schema = format!("gs_server_test_{}_{nanos}", std::process::id());
    sqlx::query(&format!("CREATE SCHEMA {schema}"))
        .execute(&admin)
        .await
        .unwrap();
    let options = PgConnectOptions::from_str(&admin_url)
        .unwrap()
        .options([("search_path", schema.as_str())]);
    let store = Store::open_postgres(options)
        .await
        .expect("open PostgreSQL");
    let server = TestServer::start(store.clone(), None).await;

    let response = server.get("/healthz").await;
    assert_eq!(response.status(), StatusCode::OK);
    let health: serde_json::Value = response.json().await.unwrap();
    assert_eq!(
        health,
        serde_json::json!({"status": "ok", "database": "postgres"})
    );

    server.stop().await;
    store.close().await;
    sqlx::query(&format!("DROP SCHEMA {schema} CASCADE"))
        .execute(&admin)
        .await
        .unwrap();
}

#[tokio::test]
async fn healthz_is_503_problem_when_the_database_is_gone() {
    // Closing the store's pool (shared with the server's clone) makes every query fail.
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("gone.db").display());
    let store = Store::open(&url).await.unwrap();
    let broken = TestServer::start(store.clone(), Some(dir)).await;
    store.close().await;
    let response = broken.get("/healthz").await;
    let problem = problem(response, StatusCode::SERVICE_UNAVAILABLE).await;
    assert!(
        !problem.to_string().contains("pool"),
        "no internals: {problem}"
    );
    broken.stop().await;
}

#[tokio::test]
async fn home_page_is_html_with_security_headers() {
    let server = TestServer::sqlite().await;
    let response = server.get("/").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        header(response.headers(), "content-type").starts_with("text/html"),
        "{:?}",
        response.headers()
    );
    assert_security_headers(response.headers());
    let page = response.text().await.unwrap();
    assert!(page.to_ascii_lowercase().starts_with("<!doctype html>"));
    assert!(page.contains(r#"<html lang="en">"#));
    assert!(page.contains(r#"<meta name="viewport""#));
    assert!(page.contains("<title>Welcome · Groundswell</title>"));
    assert!(page.contains(r#"href="/login""#));
    server.stop().await;
}

#[tokio::test]
async fn unknown_paths_are_404_problems() {
    let server = TestServer::sqlite().await;
    for path in ["/nope", "/healthz/extra", "/api/v1/people"] {
        problem(server.get(path).await, StatusCode::NOT_FOUND).await;
    }
    server.stop().await;
}

#[tokio::test]
async fn wrong_methods_are_405_problems_with_allow() {
    let server = TestServer::sqlite().await;
    let response = server
        .client
        .post(server.url("/healthz"))
        .send()
        .await
        .unwrap();
    let allow = header(response.headers(), "allow").to_string();
    assert!(allow.contains("GET"), "{allow}");
    problem(response, StatusCode::METHOD_NOT_ALLOWED).await;
    let response = server.client.delete(server.url("/")).send().await.unwrap();
    problem(response, StatusCode::METHOD_NOT_ALLOWED).await;
    server.stop().await;
}

#[tokio::test]
async fn bodies_over_the_limit_are_413() {
    let server = TestServer::sqlite().await;
    let response = server
        .client
        .post(server.url("/healthz"))
        .body(vec![b'x'; MAX_BODY_BYTES + 1])
        .send()
        .await
        .unwrap();
    problem(response, StatusCode::PAYLOAD_TOO_LARGE).await;
    // At the limit the body passes the limit and reaches routing (405 here).
    let response = server
        .client
        .post(server.url("/healthz"))
        .body(vec![b'x'; MAX_BODY_BYTES])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    server.stop().await;
}

#[tokio::test]
async fn request_ids_are_generated_unique_and_echoed() {
    let server = TestServer::sqlite().await;
    let mut seen = std::collections::HashSet::new();
    for path in ["/", "/healthz", "/nope", "/"] {
        let response = server.get(path).await;
        let id = header(response.headers(), REQUEST_ID_HEADER.as_str()).to_string();
        assert!(server::request_id::is_sane(&id.parse().unwrap()), "{id}");
        assert!(seen.insert(id.clone()), "{id} given twice");
    }
    server.stop().await;
}

#[tokio::test]
async fn a_clients_sane_request_id_is_kept_and_others_replaced() {
    let server = TestServer::sqlite().await;
    let send = |id: &'static str| {
        server
            .client
            .get(server.url("/healthz"))
            .header(REQUEST_ID_HEADER.as_str(), id)
            .send()
    };
    let kept = send("client-trace-42").await.unwrap();
    assert_eq!(
        header(kept.headers(), REQUEST_ID_HEADER.as_str()),
        "client-trace-42"
    );
    let replaced = send("no spaces <allowed>").await.unwrap();
    let id = header(replaced.headers(), REQUEST_ID_HEADER.as_str());
    assert_ne!(id, "no spaces <allowed>");
    assert!(server::request_id::is_sane(&id.parse().unwrap()), "{id}");
    server.stop().await;
}

#[tokio::test]
async fn shutdown_returns_from_serve_and_frees_the_port() {
    let server = TestServer::sqlite().await;
    let addr = server.addr;
    // A pooled keep-alive connection stays open: shutdown must not wait for it forever.
    assert_eq!(server.get("/healthz").await.status(), StatusCode::OK);
    let client = server.client.clone();
    server.stop().await;
    let after = client.get(format!("http://{addr}/healthz")).send().await;
    assert!(after.is_err(), "still answering after shutdown: {after:?}");
    TcpListener::bind(addr)
        .await
        .expect("the port is free again");
}
