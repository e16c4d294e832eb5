//! Real-browser tests: the application on a loopback port, driven in headless Chromium
//! through ChromeDriver (WebDriver), as a person on a phone would use it.
//!
//! Include it in a test binary with `#[path = "support/browser.rs"] mod browser;`, then:
//!
//! ```ignore
//! let browser = Browser::start().await;          // phone-sized window, fresh SQLite store
//! browser.goto("/login").await;
//! browser.fill("Email", "ana@example.org").await; // by label text, or by name
//! browser.click_button("Send me a link").await;
//! assert_eq!(browser.text_of("h1").await, "Check your email");
//! browser.screenshot("login-sent").await;         // docs/screenshots/login-sent.png, if asked
//! browser.assert_no_console_errors().await;
//! browser.close().await;
//! ```
//!
//! Each `Browser` has its own ChromeDriver (a child process in its own process group, killed
//! with its browser when the `Browser` is dropped, so a failing test leaves nothing running),
//! its own Chromium profile in a temporary directory, and its own server.
//!
//! Needs Debian's `chromium` and `chromium-driver` ([`CHROMIUM`], [`CHROMEDRIVER`]);
//! `./scripts/test` installs them. Without them every test fails, saying so: never skipped.

// Shared by several test binaries, each using only part of it.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use axum::http::Method;
use fantoccini::wd::{Capabilities, WebDriverCompatibleCommand};
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};
use server::AppState;
use store::Store;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// The browser (Debian package `chromium`).
pub const CHROMIUM: &str = "/usr/bin/chromium";
/// Its WebDriver server (Debian package `chromium-driver`).
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// Screenshots are written only when this environment variable is `1`
/// (`./scripts/screenshots` sets it).
pub const SCREENSHOTS_ENV: &str = "GROUNDSWELL_SCREENSHOTS";

/// How long to wait for ChromeDriver to listen, an element to appear, a condition to hold.
const WAIT: Duration = Duration::from_secs(20);

/// The size of the browser's viewport, in CSS pixels, and whether it is a phone's.
#[derive(Clone, Copy, Debug)]
pub struct Window {
    pub width: u32,
    pub height: u32,
    /// Emulate a phone (ChromeDriver's `mobileEmulation`): touch, `<meta name=viewport>`
    /// honoured, and widths below desktop Chromium's 500 px minimum window width.
    pub mobile: bool,
}

impl Window {
    /// A common Android phone (412 × 915): the size pages are designed for first.
    pub const PHONE: Window = Window {
        width: 412,
        height: 915,
        mobile: true,
    };
    /// A laptop screen.
    pub const DESKTOP: Window = Window {
        width: 1280,
        height: 800,
        mobile: false,
    };
}

/// The directory screenshots go to: `docs/screenshots` at the workspace root.
pub fn screenshots_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/screenshots")
}

/// A fresh, migrated SQLite store in a temporary directory (keep the directory alive).
pub async fn sqlite_store() -> (Store, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temporary directory");
    let url = format!("sqlite://{}", dir.path().join("groundswell.db").display());
    let store = Store::open(&url).await.expect("open SQLite store");
    (store, dir)
}

/// A headless Chromium showing the application; see the module's documentation.
pub struct Browser {
    /// The WebDriver client, for what the helpers below do not cover.
    pub client: Client,
    /// Where the application listens.
    pub addr: SocketAddr,
    window: Window,
    app: RunningApp,
    // Dropped last: the browser goes with its driver.
    driver: ChromeDriver,
    _profile: tempfile::TempDir,
    _store_dir: Option<tempfile::TempDir>,
}

impl Browser {
    /// The application on a fresh SQLite store, in a phone-sized window.
    pub async fn start() -> Browser {
        Browser::start_sized(Window::PHONE).await
    }

    /// The application on a fresh SQLite store, in a window of this size.
    pub async fn start_sized(window: Window) -> Browser {
        let (store, dir) = sqlite_store().await;
        let mut browser = Browser::start_with(AppState::new(store), window).await;
        browser._store_dir = Some(dir);
        browser
    }

    /// The application with this state (a store, a mailer pointed at an `SmtpSink`, …).
    pub async fn start_with(state: AppState, window: Window) -> Browser {
        let app = RunningApp::start(state).await;
        let driver = ChromeDriver::start();
        let profile = tempfile::tempdir().expect("temporary directory for the browser profile");
        let client = new_session(&driver, profile.path(), window).await;
        Browser {
            client,
            addr: app.addr,
            window,
            app,
            driver,
            _profile: profile,
            _store_dir: None,
        }
    }

    /// The absolute URL of `path` on the application.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// The window size the browser was started with.
    pub fn window(&self) -> Window {
        self.window
    }

    /// Opens `path` and waits for the page to load.
    pub async fn goto(&self, path: &str) {
        let url = self.url(path);
        self.client
            .goto(&url)
            .await
            .unwrap_or_else(|error| panic!("open {url}: {error}"));
    }

    /// The path (and query) of the page shown now.
    pub async fn path(&self) -> String {
        let url = self.client.current_url().await.expect("current URL");
        match url.query() {
            Some(query) => format!("{}?{query}", url.path()),
            None => url.path().to_owned(),
        }
    }

    /// Types `value` into the field whose `<label>` reads `label_or_name` (whitespace
    /// trimmed), or else whose `name` is `label_or_name`, replacing what it held. A `<select>`
    /// gets the option whose text, or else value, is `value`.
    pub async fn fill(&self, label_or_name: &str, value: &str) {
        let field = self.field(label_or_name).await;
        let tag = field.tag_name().await.expect("tag name");
        if tag.eq_ignore_ascii_case("select") {
            if field.select_by_label(value).await.is_err() {
                field.select_by_value(value).await.unwrap_or_else(|error| {
                    panic!("field {label_or_name:?} has no option {value:?}: {error}")
                });
            }
            return;
        }
        field.clear().await.expect("clear the field");
        field
            .send_keys(value)
            .await
            .unwrap_or_else(|error| panic!("type into {label_or_name:?}: {error}"));
    }

    /// Clicks the button (`<button>`, `<input type=submit|button>`, or a link styled
    /// `.button`) whose text is `text`, and returns at once: for an htmx button, wait for
    /// what it swaps in with [`Browser::wait_for`]; for one that loads another page, use
    /// [`Browser::click_button_and_wait`].
    pub async fn click_button(&self, text: &str) {
        let literal = xpath_literal(text);
        let xpath = format!(
            "//button[normalize-space()={literal}] \
             | //input[(@type='submit' or @type='button') and normalize-space(@value)={literal}] \
             | //a[contains(concat(' ', normalize-space(@class), ' '), ' button ') \
                   and normalize-space()={literal}]"
        );
        let button = match self.client.find(Locator::XPath(&xpath)).await {
            Ok(button) => button,
            Err(_) => panic!(
                "no button {text:?} on {}; the buttons there: {:?}",
                self.path().await,
                self.eval(
                    "return [...document.querySelectorAll('button, input[type=submit], \
                     input[type=button], a.button')].map(b => (b.value || b.textContent).trim())"
                )
                .await
            ),
        };
        button
            .click()
            .await
            .unwrap_or_else(|error| panic!("click {text:?}: {error}"));
    }

    /// Clicks the button whose text is `text` (as [`Browser::click_button`]) and waits up to
    /// 20 s for the page it leads to (a form submission, a link) to have loaded.
    pub async fn click_button_and_wait(&self, text: &str) {
        // The window object is replaced when another page loads: mark this one.
        self.eval("window.groundswellPageBeforeClick = true; return null")
            .await;
        self.click_button(text).await;
        if !self
            .poll(
                "return window.groundswellPageBeforeClick === undefined \
                 && document.readyState === 'complete'",
            )
            .await
        {
            panic!(
                "clicking {text:?} on {} did not load another page within {WAIT:?}",
                self.path().await
            );
        }
    }

    /// Waits up to 20 s for the JavaScript `condition` (a function body: `return …`) to
    /// return `true`; panics, naming it, if it does not.
    pub async fn wait_until(&self, condition: &str) {
        if !self.poll(condition).await {
            panic!(
                "on {}, `{condition}` was not true within {WAIT:?}",
                self.path().await
            );
        }
    }

    /// Whether `condition` became true within [`WAIT`]; errors (the page is changing) are
    /// "not yet".
    async fn poll(&self, condition: &str) -> bool {
        let deadline = Instant::now() + WAIT;
        while Instant::now() < deadline {
            if let Ok(Value::Bool(true)) = self.client.execute(condition, Vec::new()).await {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        false
    }

    /// The text (as rendered: trimmed, whitespace collapsed by the browser) of the first
    /// element matching the CSS `selector`, waiting up to 20 s for one to appear.
    pub async fn text_of(&self, selector: &str) -> String {
        let element = self.wait_for(selector).await;
        element.text().await.expect("element text")
    }

    /// Waits up to 20 s for an element matching the CSS `selector` (after an htmx swap, say).
    pub async fn wait_for(&self, selector: &str) -> fantoccini::elements::Element {
        match self
            .client
            .wait()
            .at_most(WAIT)
            .for_element(Locator::Css(selector))
            .await
        {
            Ok(element) => element,
            Err(error) => panic!(
                "no {selector:?} on {} after {WAIT:?} ({error}); the page:\n{}",
                self.path().await,
                self.client.source().await.unwrap_or_default()
            ),
        }
    }

    /// Runs JavaScript in the page (a function body: `return …` gives the result).
    pub async fn eval(&self, script: &str) -> Value {
        self.client
            .execute(script, Vec::new())
            .await
            .unwrap_or_else(|error| panic!("run {script:?}: {error}"))
    }

    /// Whether the page is wider than the window (a person would have to scroll sideways).
    pub async fn has_horizontal_scroll(&self) -> bool {
        let widths = self
            .eval(
                "const root = document.documentElement; \
                 return [root.scrollWidth, root.clientWidth, document.body.scrollWidth];",
            )
            .await;
        let width = |idx: usize| widths[idx].as_u64().expect("a width");
        width(0) > width(1) || width(2) > width(1)
    }

    /// With `GROUNDSWELL_SCREENSHOTS=1`, saves what the window shows as
    /// `docs/screenshots/<name>.png`; otherwise does nothing.
    pub async fn screenshot(&self, name: &str) {
        if std::env::var(SCREENSHOTS_ENV).as_deref() != Ok("1") {
            return;
        }
        assert!(
            !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'),
            "screenshot names are letters, digits, - and _: {name:?}"
        );
        let png = self.client.screenshot().await.expect("screenshot");
        let dir = screenshots_dir();
        std::fs::create_dir_all(&dir).expect("create docs/screenshots");
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, png).unwrap_or_else(|error| panic!("write {path:?}: {error}"));
    }

    /// The errors the browser logged since the last call: uncaught exceptions,
    /// `console.error`, resources that failed to load (a 404 stylesheet), Content-Security-
    /// Policy violations.
    pub async fn console_errors(&self) -> Vec<String> {
        let entries = self
            .client
            .issue_cmd(BrowserLog)
            .await
            .expect("read the browser's log");
        entries
            .as_array()
            .expect("the browser's log is a list")
            .iter()
            .filter(|entry| entry["level"] == "SEVERE")
            .map(|entry| entry["message"].as_str().unwrap_or_default().to_owned())
            .collect()
    }

    /// Panics, listing them, if the browser logged errors since the last check.
    pub async fn assert_no_console_errors(&self) {
        let errors = self.console_errors().await;
        assert!(
            errors.is_empty(),
            "the browser logged errors on {}:\n{}",
            self.path().await,
            errors.join("\n")
        );
    }

    /// Ends the browser session, stops the application (waiting for `serve` to return) and
    /// ChromeDriver.
    pub async fn close(self) {
        let Browser {
            client,
            app,
            driver,
            ..
        } = self;
        client.close().await.expect("end the browser session");
        app.stop().await;
        drop(driver);
    }

    async fn field(&self, label_or_name: &str) -> fantoccini::elements::Element {
        let literal = xpath_literal(label_or_name);
        let by_label = format!("//label[normalize-space()={literal}]");
        if let Ok(label) = self.client.find(Locator::XPath(&by_label)).await {
            if let Some(id) = label.attr("for").await.expect("label's for") {
                let by_id = format!("//*[@id={}]", xpath_literal(&id));
                return self
                    .client
                    .find(Locator::XPath(&by_id))
                    .await
                    .unwrap_or_else(|_| {
                        panic!("label {label_or_name:?} is for #{id}, which is not on the page")
                    });
            }
            if let Ok(field) = label
                .find(Locator::XPath(".//input | .//select | .//textarea"))
                .await
            {
                return field;
            }
        }
        let by_name = format!("//*[@name={literal}]");
        match self.client.find(Locator::XPath(&by_name)).await {
            Ok(field) => field,
            Err(_) => panic!(
                "no field labelled or named {label_or_name:?} on {}; the labels there: {:?}",
                self.path().await,
                self.eval(
                    "return [...document.querySelectorAll('label')].map(l => l.textContent.trim())"
                )
                .await
            ),
        }
    }
}

/// `text` as an XPath 1.0 string literal (which has no escapes: quotes are joined with
/// `concat`).
fn xpath_literal(text: &str) -> String {
    if !text.contains('\'') {
        format!("'{text}'")
    } else if !text.contains('"') {
        format!("\"{text}\"")
    } else {
        let parts: Vec<String> = text.split('\'').map(|part| format!("'{part}'")).collect();
        format!("concat({})", parts.join(", \"'\", "))
    }
}

async fn new_session(driver: &ChromeDriver, profile: &Path, window: Window) -> Client {
    let args = [
        "--headless".to_owned(),
        "--no-sandbox".to_owned(),
        "--disable-gpu".to_owned(),
        "--disable-dev-shm-usage".to_owned(),
        "--disable-quic".to_owned(),
        "--no-first-run".to_owned(),
        "--disable-background-networking".to_owned(),
        "--disable-component-update".to_owned(),
        "--disable-sync".to_owned(),
        format!("--user-data-dir={}", profile.display()),
        format!("--window-size={},{}", window.width, window.height),
    ];
    let mut chrome_options = json!({ "binary": CHROMIUM, "args": args });
    if window.mobile {
        chrome_options["mobileEmulation"] = json!({
            "deviceMetrics": {
                "width": window.width,
                "height": window.height,
                "pixelRatio": 1.0,
                "touch": true,
                "mobile": true,
            }
        });
    }
    let capabilities: Capabilities = json!({
        "browserName": "chrome",
        "goog:chromeOptions": chrome_options,
        "goog:loggingPrefs": { "browser": "ALL" },
    })
    .as_object()
    .cloned()
    .expect("an object");
    // ChromeDriver speaks plain HTTP on loopback: no TLS connector needed.
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    ClientBuilder::new(connector)
        .capabilities(capabilities)
        .connect(&driver.url)
        .await
        .unwrap_or_else(|error| {
            panic!(
                "ChromeDriver at {} could not start {CHROMIUM}: {error}\nits log:\n{}",
                driver.url,
                driver.log()
            )
        })
}

/// The browser's log (ChromeDriver's `POST /session/{id}/se/log`); each call returns and
/// forgets the entries since the last one.
#[derive(Debug)]
struct BrowserLog;

impl WebDriverCompatibleCommand for BrowserLog {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/se/log",
            session_id.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _request_url: &url::Url) -> (Method, Option<String>) {
        (Method::POST, Some(r#"{"type":"browser"}"#.to_owned()))
    }
}

/// ChromeDriver on a free loopback port, in a process group of its own: dropping it kills
/// the group, so Chromium goes too even when a test panicked before `Browser::close`.
struct ChromeDriver {
    child: Child,
    url: String,
    log_dir: tempfile::TempDir,
}

impl ChromeDriver {
    fn start() -> ChromeDriver {
        for binary in [CHROMIUM, CHROMEDRIVER] {
            assert!(
                Path::new(binary).exists(),
                "the browser tests need {binary}, which is missing: install Debian's chromium \
                 and chromium-driver (`./scripts/install-browser` does; `./scripts/test` runs it)"
            );
        }
        let port = {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
            listener.local_addr().unwrap().port()
        };
        let log_dir = tempfile::tempdir().expect("temporary directory for ChromeDriver's log");
        let log_path = log_dir.path().join("chromedriver.log");
        let mut command = Command::new(CHROMEDRIVER);
        command
            .arg(format!("--port={port}"))
            .arg(format!("--log-path={}", log_path.display()))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        std::os::unix::process::CommandExt::process_group(&mut command, 0);
        let child = command
            .spawn()
            .unwrap_or_else(|error| panic!("start {CHROMEDRIVER}: {error}"));
        let mut driver = ChromeDriver {
            child,
            url: format!("http://127.0.0.1:{port}/"),
            log_dir,
        };
        driver.wait_until_listening(port);
        driver
    }

    fn wait_until_listening(&mut self, port: u16) {
        let deadline = Instant::now() + WAIT;
        loop {
            if let Some(status) = self.child.try_wait().expect("ChromeDriver's status") {
                panic!("{CHROMEDRIVER} exited ({status}) at start:\n{}", self.log());
            }
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "{CHROMEDRIVER} did not listen on port {port} within {WAIT:?}:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.log_dir.path().join("chromedriver.log"))
            .unwrap_or_else(|error| format!("(no log: {error})"))
    }
}

impl Drop for ChromeDriver {
    fn drop(&mut self) {
        // The group's id is ChromeDriver's process id (`process_group(0)`); Chromium and its
        // helpers are in it. `kill` is the only portable way to signal a group from std.
        let group = format!("-{}", self.child.id());
        let _ = Command::new("kill")
            .args(["-KILL", "--", &group])
            .stderr(Stdio::null())
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The application on a loopback port.
struct RunningApp {
    addr: SocketAddr,
    shutdown: oneshot::Sender<()>,
    serving: JoinHandle<std::io::Result<()>>,
}

impl RunningApp {
    async fn start(state: AppState) -> RunningApp {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().unwrap();
        let (shutdown, shutdown_requested) = oneshot::channel::<()>();
        let serving = tokio::spawn(server::serve(listener, state, async move {
            let _ = shutdown_requested.await;
        }));
        RunningApp {
            addr,
            shutdown,
            serving,
        }
    }

    async fn stop(self) {
        let _ = self.shutdown.send(());
        tokio::time::timeout(Duration::from_secs(10), self.serving)
            .await
            .expect("serve returns after shutdown")
            .expect("the server task")
            .expect("serve ends without error");
    }
}

#[test]
fn xpath_literals_quote_any_text() {
    assert_eq!(xpath_literal("Email"), "'Email'");
    assert_eq!(xpath_literal("Ana's email"), "\"Ana's email\"");
    assert_eq!(
        xpath_literal("Ana's \"email\""),
        "concat('Ana', \"'\", 's \"email\"')"
    );
}
