//! `groundswell demo`: the real binary seeds a small organization, serves it on a free
//! loopback port, signs in each role with one click and shows them their pages with data,
//! reuses the file on a second run, and stops cleanly on SIGINT.

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::util::TestDir;

/// The demo process; killed if a test fails before stopping it.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts the demo on `db` and returns it with what it printed up to its last note.
fn start(dir: &TestDir, db: &str) -> (Running, String, Vec<String>) {
    let child = Command::new(env!("CARGO_BIN_EXE_groundswell"))
        .args([
            "demo",
            "--people",
            "200",
            "--db",
            db,
            "--bind",
            "127.0.0.1:0",
        ])
        .current_dir(dir.path())
        .env_remove("RUST_LOG")
        .env_remove("GROUNDSWELL_DEMO_DB")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start groundswell demo");
    let mut running = Running(child);
    let mut stdout = BufReader::new(running.0.stdout.take().unwrap());
    let mut lines = Vec::new();
    loop {
        let mut line = String::new();
        assert!(
            stdout.read_line(&mut line).unwrap() > 0,
            "the demo ended early: {lines:?}"
        );
        let done = line.starts_with("Ctrl-C");
        lines.push(line.trim_end().to_string());
        if done {
            break;
        }
    }
    let addr = lines[0]
        .strip_prefix("listening on http://")
        .unwrap_or_else(|| panic!("no address announced: {lines:?}"))
        .to_string();
    (running, addr, lines)
}

fn client() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder()
        .cookie_store(true)
        .no_proxy()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap()
}

fn csrf_in(html: &str) -> String {
    let at = html.find("name=\"csrf\" value=\"").expect("a CSRF field") + 19;
    html[at..at + html[at..].find('"').unwrap()].to_string()
}

fn stop(mut running: Running) {
    let pid = running.0.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-INT", &pid])
            .status()
            .unwrap()
            .success()
    );
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(status) = running.0.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "still running 20 s after SIGINT");
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut stderr = String::new();
    running
        .0
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert_eq!(status.code(), Some(0), "stderr: {stderr}");
}

#[test]
fn the_demo_serves_every_role_with_data_and_stops_on_sigint() {
    let dir = TestDir::new();
    let db = format!("sqlite://{}", dir.path().join("demo.db").display());
    let (running, addr, lines) = start(&dir, &db);
    let printed = lines.join("\n");
    assert!(
        printed.contains("wrote `Northwind (demo)` (200 people)"),
        "{printed}"
    );
    for role in ["host", "activist", "member", "sponsor"] {
        assert!(
            printed.contains(&format!("  {role}")),
            "{role} is not announced: {printed}"
        );
    }
    let url = |path: &str| format!("http://{addr}{path}");

    for (index, role) in ["host", "activist", "member", "sponsor"].iter().enumerate() {
        let browser = client();
        let choose = browser.get(url("/demo")).send().unwrap().text().unwrap();
        assert!(
            choose.contains(&format!("Sign in as the {role}")),
            "{choose}"
        );
        let home = browser
            .post(url("/demo/sign-in"))
            .form(&[("who", index.to_string()), ("csrf", csrf_in(&choose))])
            .send()
            .unwrap();
        assert_eq!(home.status(), 200, "{role}");
        let home = home.text().unwrap();
        assert!(
            home.contains("Work Out Loud"),
            "{role} sees the movement: {home}"
        );
        let movement = browser.get(url("/m/1")).send().unwrap().text().unwrap();
        assert!(
            movement.contains(&format!(
                "You are <strong>a{} {role}</strong>",
                if *role == "activist" { "n" } else { "" }
            )),
            "{role}: {movement}"
        );
    }
    stop(running);

    // A second run reuses the file.
    let (running, _, lines) = start(&dir, &db);
    assert!(
        lines.join("\n").contains("reusing `Northwind (demo)`"),
        "{lines:?}"
    );
    stop(running);
}

#[test]
fn the_demo_listens_on_loopback_only() {
    let dir = TestDir::new();
    let assert = dir.run(&["demo", "--bind", "0.0.0.0:0"]).code(2);
    let stderr = crate::util::stderr(&assert);
    assert!(stderr.contains("loopback only"), "{stderr}");
}
