//! A running platform with an organization in it, and a signed-in HTTP client per role:
//! what the page and API tests start from.
//!
//! [`TestApp::start`] serves [`server::app`] on a loopback port over a fresh SQLite file and
//! seeds, through the store, the organization "Acme": twelve people in three units, a ring
//! of ties with a few chords, a movement ("Green commute") and an account (password
//! [`PASSWORD`]) for each [`Who`]; and a second organization, "Other", with the same shape,
//! whose ids must never work through Acme. [`TestApp::client`] signs in through the real
//! sign-in form and keeps the session's cookie and CSRF token.

#![allow(dead_code)] // each test module uses a part

use std::net::SocketAddr;
use std::time::Duration;

use chrono::{NaiveDate, Utc};
use movement::{
    AccountId, Behaviour, Membership, MovementId, MovementSpec, OrgId, PersonId, Recruitment, Role,
};
use server::AppState;
use store::{Org, Store};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// Every seeded account's password.
pub const PASSWORD: &str = "correct horse battery";

/// Who is signed in: one account per role in the movement, an organization admin who is in
/// no movement, and someone of the organization who is in no movement either.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Who {
    Host,
    Activist,
    Member,
    Sponsor,
    Admin,
    Outsider,
}

impl Who {
    pub const ALL: [Who; 6] = [
        Who::Host,
        Who::Activist,
        Who::Member,
        Who::Sponsor,
        Who::Admin,
        Who::Outsider,
    ];

    /// The seeded person's external id (`p1`…).
    pub fn external_id(self) -> &'static str {
        match self {
            Who::Host => "p1",
            Who::Activist => "p2",
            Who::Member => "p3",
            Who::Sponsor => "p4",
            Who::Admin => "p5",
            Who::Outsider => "p6",
        }
    }

    fn role(self) -> Option<Role> {
        match self {
            Who::Host => Some(Role::Host),
            Who::Activist => Some(Role::Activist),
            Who::Member => Some(Role::Member),
            Who::Sponsor => Some(Role::Sponsor),
            Who::Admin | Who::Outsider => None,
        }
    }
}

/// One seeded organization's ids.
#[derive(Clone, Debug)]
pub struct Seeded {
    pub org: OrgId,
    pub movement: MovementId,
    /// People by external id `p1` … `p12`.
    pub people: Vec<(String, PersonId)>,
    pub accounts: Vec<(Who, AccountId)>,
}

impl Seeded {
    pub fn person(&self, external_id: &str) -> PersonId {
        self.people
            .iter()
            .find(|(id, _)| id == external_id)
            .unwrap_or_else(|| panic!("no person {external_id}"))
            .1
    }

    pub fn email(&self, who: Who) -> String {
        format!("{}@{}.example", who.external_id(), self.domain())
    }

    fn domain(&self) -> String {
        format!("org{}", self.org.0)
    }
}

/// The server, its store, and the two organizations.
pub struct TestApp {
    pub addr: SocketAddr,
    pub store: Store,
    pub acme: Seeded,
    pub other: Seeded,
    shutdown: Option<oneshot::Sender<()>>,
    serving: Option<JoinHandle<std::io::Result<()>>>,
    _dir: tempfile::TempDir,
}

impl TestApp {
    /// Serves the platform with the default configuration (mail to the log).
    pub async fn start() -> TestApp {
        TestApp::start_with(AppState::new).await
    }

    /// Serves the platform with the state `make_state` builds over the seeded store.
    pub async fn start_with(make_state: impl FnOnce(Store) -> AppState) -> TestApp {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("groundswell.db").display());
        let store = Store::open(&url).await.expect("open the SQLite store");
        let acme = seed(&store, "Acme").await;
        let other = seed(&store, "Other").await;
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (shutdown, requested) = oneshot::channel::<()>();
        let state = make_state(store.clone());
        let serving = tokio::spawn(server::serve(listener, state, async move {
            let _ = requested.await;
        }));
        TestApp {
            addr,
            store,
            acme,
            other,
            shutdown: Some(shutdown),
            serving: Some(serving),
            _dir: dir,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// A client with no session.
    pub fn anonymous(&self) -> Client {
        Client::new(self.addr)
    }

    /// A client signed in as `who` of Acme.
    pub async fn client(&self, who: Who) -> Client {
        self.client_of(&self.acme, who).await
    }

    /// A client signed in as `who` of the given organization.
    pub async fn client_of(&self, org: &Seeded, who: Who) -> Client {
        let mut client = Client::new(self.addr);
        client.sign_in(&org.email(who), PASSWORD).await;
        client
    }

    /// Acme's scoped store handle.
    pub fn acme(&self) -> Org<'_> {
        self.store.org(self.acme.org)
    }

    /// Stops the server and waits for it to finish.
    pub async fn stop(mut self) {
        self.shutdown.take().unwrap().send(()).unwrap();
        tokio::time::timeout(Duration::from_secs(10), self.serving.take().unwrap())
            .await
            .expect("serve returns after shutdown")
            .unwrap()
            .unwrap();
    }
}

/// Writes one organization: people p1–p12 in three units, ties, a movement, accounts.
async fn seed(store: &Store, name: &str) -> Seeded {
    let org = store.create_organization(name).await.unwrap();
    let domain = format!("org{}", org.id().0);
    let mut people_csv = String::from("id,name,email,phone,unit,location\n");
    let units = ["Finance", "Engineering", "Research"];
    for i in 1..=12 {
        people_csv.push_str(&format!(
            "p{i},Person {i},p{i}@{domain}.example,+4470000000{i:02},{},London\n",
            units[(i - 1) % 3]
        ));
    }
    org.import_people("people.csv", people_csv.as_bytes())
        .await
        .unwrap();
    // A ring, and chords from the activist (p2) to six colleagues.
    let mut ties_csv = String::from("source,target,layer,weight\n");
    for i in 1..=12 {
        ties_csv.push_str(&format!("p{i},p{},advice,1\n", i % 12 + 1));
    }
    for j in [5, 7, 8, 9, 10, 11] {
        ties_csv.push_str(&format!("p2,p{j},collaboration,{}\n", j as f64 / 4.0));
    }
    org.import_ties("ties.csv", ties_csv.as_bytes())
        .await
        .unwrap();
    let people: Vec<(String, PersonId)> = org
        .people()
        .await
        .unwrap()
        .into_iter()
        .map(|p| (p.record.external_id, p.id))
        .collect();
    let person = |id: &str| people.iter().find(|(e, _)| e == id).unwrap().1;
    let behaviours = ["walk", "cycle", "bus"]
        .iter()
        .map(|b| Behaviour::new(b).unwrap())
        .collect();
    let spec = MovementSpec::new(
        "Green commute",
        "Fewer cars at the office",
        behaviours,
        0.25,
        NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
    )
    .unwrap();
    let movement = org.create_movement(&spec).await.unwrap();
    let hash = server::auth::hash_password(PASSWORD);
    let mut accounts = Vec::new();
    for who in Who::ALL {
        let id = person(who.external_id());
        let account = org
            .create_account(id, &format!("{}@{domain}.example", who.external_id()))
            .await
            .unwrap();
        org.set_password_hash(account, Some(&hash)).await.unwrap();
        if who == Who::Admin {
            org.set_admin(account, true).await.unwrap();
        }
        if let Some(role) = who.role() {
            org.join(Membership {
                movement,
                person: id,
                role,
                personal_mission: (role == Role::Activist)
                    .then(|| "I cycle already and love it".to_string()),
                joined_at: Utc::now(),
                recruited_by: Recruitment::SelfSignup,
            })
            .await
            .unwrap();
        }
        accounts.push((who, account));
    }
    Seeded {
        org: org.id(),
        movement,
        people,
        accounts,
    }
}

/// An HTTP client that keeps its cookies and knows its session's CSRF token.
pub struct Client {
    pub http: reqwest::Client,
    addr: SocketAddr,
    /// The session's CSRF token, once signed in.
    pub csrf: String,
}

impl Client {
    fn new(addr: SocketAddr) -> Client {
        let http = reqwest::Client::builder()
            .no_proxy()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(30))
            .build()
            .unwrap();
        Client {
            http,
            addr,
            csrf: String::new(),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Signs in through the sign-in form; panics unless it works.
    pub async fn sign_in(&mut self, email: &str, password: &str) {
        let form = self.get_html("/login").await;
        let token = csrf_in(&form).expect("the sign-in form has a CSRF field");
        let response = self
            .http
            .post(self.url("/login"))
            .form(&[("email", email), ("password", password), ("csrf", &token)])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 303, "signing in as {email} failed");
        let me = self.get_html("/me").await;
        self.csrf = csrf_in(&me).expect("a signed-in page carries the session's CSRF token");
    }

    /// GET as a browser asks for a page.
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.http
            .get(self.url(path))
            .header("accept", "text/html")
            .send()
            .await
            .unwrap()
    }

    /// GET a page's HTML (any status).
    pub async fn get_html(&self, path: &str) -> String {
        self.get(path).await.text().await.unwrap()
    }

    /// POST a form with the session's CSRF token added.
    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        let mut fields: Vec<(&str, &str)> = fields.to_vec();
        fields.push(("csrf", &self.csrf));
        self.http
            .post(self.url(path))
            .header("accept", "text/html")
            .form(&fields)
            .send()
            .await
            .unwrap()
    }

    /// An API request with the CSRF header; `body` as JSON if given.
    pub async fn api(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> reqwest::Response {
        let mut request = self
            .http
            .request(method, self.url(path))
            .header("x-csrf-token", &self.csrf);
        if let Some(body) = body {
            request = request.json(&body);
        }
        request.send().await.unwrap()
    }
}

/// The value of the first `name="csrf"` field in a page.
pub fn csrf_in(html: &str) -> Option<String> {
    let at = html.find("name=\"csrf\" value=\"")? + "name=\"csrf\" value=\"".len();
    let end = html[at..].find('"')?;
    Some(html[at..at + end].to_string())
}
