//! Hosting and the dashboard through the real server: imports with a preview that writes
//! nothing, recommendation jobs run in the background and cached, invitations drafted for
//! the asker, rights per role, and the dashboard's privacy rules; the JSON twins.

use std::time::Duration;

use movement::{JobStatus, Membership, MovementId, OptOut, PersonRecord, Recruitment, Role};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::app::{Client, TestApp, Who};

/// A multipart body of `(field, file name, content)` parts, and its content type.
fn multipart(parts: &[(&str, Option<&str>, &[u8])]) -> (String, Vec<u8>) {
    let boundary = "groundswell-test-boundary-7d1f";
    let mut body = Vec::new();
    for (name, file_name, content) in parts {
        body.extend(format!("--{boundary}\r\n").as_bytes());
        let disposition = match file_name {
            Some(file) => format!(
                "Content-Disposition: form-data; name=\"{name}\"; filename=\"{file}\"\r\n\
                 Content-Type: text/csv\r\n\r\n"
            ),
            None => format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n"),
        };
        body.extend(disposition.as_bytes());
        body.extend_from_slice(content);
        body.extend(b"\r\n");
    }
    body.extend(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// Uploads files to the import page as its form does (the CSRF token as a field).
async fn upload(
    client: &Client,
    movement: MovementId,
    people: Option<&[u8]>,
    ties: Option<&[u8]>,
) -> reqwest::Response {
    let mut parts: Vec<(&str, Option<&str>, &[u8])> = vec![("csrf", None, client.csrf.as_bytes())];
    if let Some(people) = people {
        parts.push(("people", Some("people.csv"), people));
    }
    if let Some(ties) = ties {
        parts.push(("ties", Some("ties.csv"), ties));
    }
    let (content_type, body) = multipart(&parts);
    client
        .http
        .post(client.url(&format!("/m/{movement}/host/import")))
        .header("accept", "text/html")
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap()
}

/// Acme's directory as a people file, as the seed wrote it.
async fn people_csv(app: &TestApp) -> String {
    let mut csv = String::from("id,name,email,phone,unit,location\n");
    let mut people = app.acme().people().await.unwrap();
    people.sort_by_key(|p| p.id);
    for person in people {
        let r = person.record;
        let cell = |v: &Option<String>| v.clone().unwrap_or_default();
        csv.push_str(&format!(
            "{},{},{},{},{},{}\n",
            r.external_id,
            r.name,
            cell(&r.email),
            cell(&r.phone),
            cell(&r.unit),
            cell(&r.location)
        ));
    }
    csv
}

fn value_of(html: &str, name: &str) -> Option<String> {
    let marker = format!("name=\"{name}\" value=\"");
    let at = html.find(&marker)? + marker.len();
    let end = html[at..].find('"')?;
    Some(html[at..at + end].to_string())
}

async fn n_events(app: &TestApp) -> usize {
    app.acme().events().await.unwrap().len()
}

#[tokio::test]
async fn a_preview_shows_the_diff_and_first_rows_writes_nothing_and_confirm_imports() {
    let app = TestApp::start().await;
    let host = app.client(Who::Host).await;
    let movement = app.acme.movement;
    let mut people = people_csv(&app).await;
    people.push_str("p13,Person 13,p13@acme.example,,Finance,London\n");
    let ties = "source,target,layer,weight\np13,p1,advice,1\np1,p13,advice,2\n";
    let events = n_events(&app).await;

    let response = upload(
        &host,
        movement,
        Some(people.as_bytes()),
        Some(ties.as_bytes()),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    let page = response.text().await.unwrap();
    assert!(
        page.contains("add 1 people, change 0, mark 0 as having left, and leave 12 unchanged"),
        "{page}"
    );
    assert!(page.contains("add or update 2 ties from 2 rows"), "{page}");
    // The first rows as a table: the header, then rows 1–10 of 13, not the eleventh.
    assert!(page.contains(r#"<th scope="col">email</th>"#), "{page}");
    assert!(page.contains("<td>Person 10</td>"), "{page}");
    assert!(!page.contains("<td>Person 11</td>"), "{page}");
    assert_eq!(n_events(&app).await, events, "a preview writes nothing");
    assert_eq!(app.acme().people().await.unwrap().len(), 12);

    // Confirming imports the bytes previewed, once.
    let token = value_of(&page, "token").expect("a confirm form");
    let confirmed = host
        .post_form(
            &format!("/m/{movement}/host/import/confirm"),
            &[("token", &token)],
        )
        .await;
    assert_eq!(confirmed.status(), StatusCode::OK);
    let page = confirmed.text().await.unwrap();
    assert!(page.contains("People: 1 added, 0 changed"), "{page}");
    assert!(
        page.contains("Ties: 2 added or updated from 2 rows"),
        "{page}"
    );
    let p13 = app
        .acme()
        .person_by_external_id("p13")
        .await
        .unwrap()
        .expect("p13 imported");
    assert_eq!(app.acme().ties_of(p13.id).await.unwrap().len(), 2);
    let again = host
        .post_form(
            &format!("/m/{movement}/host/import/confirm"),
            &[("token", &token)],
        )
        .await;
    assert_eq!(again.status(), StatusCode::CONFLICT);
    app.stop().await;
}

#[tokio::test]
async fn a_refused_file_lists_its_rows_by_line_and_cannot_be_confirmed() {
    let app = TestApp::start().await;
    let host = app.client(Who::Host).await;
    let movement = app.acme.movement;
    let people = "id,name,email\np1,Person 1,p1@acme.example\np2,Person 2,not-an-email\np3,,\n";
    let events = n_events(&app).await;
    let response = upload(&host, movement, Some(people.as_bytes()), None).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = response.text().await.unwrap();
    assert!(page.contains("line 3: email:"), "{page}");
    assert!(page.contains("line 4: name:"), "{page}");
    assert!(
        value_of(&page, "token").is_none(),
        "no confirm form: {page}"
    );
    assert_eq!(n_events(&app).await, events);

    // More than 100 bad rows: the first 100, then a count; the body is over 1 MiB, which
    // only the import route accepts.
    let mut ties = String::from("source,target\n");
    while ties.len() < 2 * 1024 * 1024 {
        ties.push_str("nobody-at-all,p1\n");
    }
    let n_rows = ties.lines().count() - 1;
    let response = upload(&host, movement, None, Some(ties.as_bytes())).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = response.text().await.unwrap();
    assert!(page.contains("line 101: source:"), "{page}");
    assert!(!page.contains("line 102: source:"), "{page}");
    assert!(
        page.contains(&format!("… and {} more bad rows.", n_rows - 100)),
        "{}",
        &page[page.len().saturating_sub(2000)..]
    );
    let elsewhere = host
        .http
        .post(host.url(&format!("/m/{movement}/host/roles")))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(vec![b'x'; 2 * 1024 * 1024])
        .send()
        .await
        .unwrap();
    assert_eq!(elsewhere.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(n_events(&app).await, events);
    app.stop().await;
}

/// Polls the latest recommendation job until it finishes.
async fn finished_job(app: &TestApp, movement: MovementId) -> store::Job {
    let task = format!("recommend:{movement}");
    for _ in 0..600 {
        if let Some(job) = app.acme().latest_job(&task).await.unwrap()
            && !matches!(job.status, JobStatus::Queued | JobStatus::Running)
        {
            return job;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the recommendation did not finish in a minute");
}

#[tokio::test]
async fn a_recommendation_runs_in_the_background_and_its_result_is_cached() {
    let app = TestApp::start().await;
    let host = app.client(Who::Host).await;
    let movement = app.acme.movement;
    // p8 opted out of being suggested: never picked.
    let p8 = app.acme.person("p8");
    app.acme()
        .set_opt_out(p8, OptOut::DoNotSuggest)
        .await
        .unwrap();

    // A job in progress is shown with its progress and polls itself.
    let task = format!("recommend:{movement}");
    let running = app.acme().queue_job(&task).await.unwrap();
    app.acme()
        .advance_job(running, JobStatus::Running, None)
        .await
        .unwrap();
    app.acme().report_job_progress(running, 0.4).await.unwrap();
    let fragment = host
        .http
        .get(host.url(&format!("/m/{movement}/host/recommendations/progress")))
        .header("hx-request", "true")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(fragment.contains(r#"hx-trigger="every 1s""#), "{fragment}");
    assert!(fragment.contains("40 %"), "{fragment}");
    // Starting while one runs returns that one.
    let started = host
        .post_form(
            &format!("/m/{movement}/host/recommendations"),
            &[("k", "3")],
        )
        .await;
    assert_eq!(started.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        app.acme().latest_job(&task).await.unwrap().unwrap().id,
        running
    );
    app.acme()
        .advance_job(running, JobStatus::Cancelled, None)
        .await
        .unwrap();

    let started = host
        .post_form(
            &format!("/m/{movement}/host/recommendations"),
            &[("k", "3")],
        )
        .await;
    assert_eq!(started.status(), StatusCode::SEE_OTHER);
    let job = finished_job(&app, movement).await;
    assert_ne!(job.id, running);
    assert_eq!(job.status, JobStatus::Succeeded, "{:?}", job.error);
    assert_eq!(job.progress, 1.0);
    let result: Value = serde_json::from_str(job.result.as_deref().unwrap()).unwrap();
    let picks: Vec<i64> = result["picks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["person"].as_i64().unwrap())
        .collect();
    assert_eq!(picks.len(), 3, "{result}");
    for never in ["p1", "p2", "p8"] {
        assert!(
            !picks.contains(&app.acme.person(never).0),
            "{never} picked: {result}"
        );
    }
    let askers: Vec<i64> = result["picks"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["asker"]["person"].as_i64())
        .collect();
    let active = [app.acme.person("p1").0, app.acme.person("p2").0];
    assert!(askers.iter().all(|a| active.contains(a)), "{result}");

    // The page shows the cached result, with scores and who should ask; loading it again
    // starts nothing.
    let events = n_events(&app).await;
    for _ in 0..2 {
        let page = host
            .get_html(&format!("/m/{movement}/host/recommendations"))
            .await;
        assert!(page.contains("Marginal gain"), "{page}");
        assert!(!page.contains("hx-trigger"), "{page}");
    }
    assert_eq!(n_events(&app).await, events, "a page load wrote something");
    assert_eq!(
        app.acme().latest_job(&task).await.unwrap().unwrap().id,
        job.id
    );
    app.stop().await;
}

#[tokio::test]
async fn an_invite_drafts_an_ask_from_the_asker_and_respects_opt_outs() {
    let app = TestApp::start().await;
    let host = app.client(Who::Host).await;
    let movement = app.acme.movement;
    let (p2, p7, p9) = (
        app.acme.person("p2"),
        app.acme.person("p7"),
        app.acme.person("p9"),
    );
    let invite = |pick: movement::PersonId, asker: movement::PersonId| {
        let (pick, asker) = (pick.0.to_string(), asker.0.to_string());
        let host = &host;
        async move {
            host.post_form(
                &format!("/m/{movement}/host/invite"),
                &[("pick", &pick), ("asker", &asker)],
            )
            .await
        }
    };
    let response = invite(p7, p2).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let asks = app.acme().asks(movement).await.unwrap();
    assert_eq!(asks.len(), 1);
    let ask = &asks[0].1;
    assert_eq!((ask.from, ask.to), (p2, p7));
    assert_eq!(ask.status, movement::AskStatus::Drafted);
    assert_eq!(ask.channel, movement::Channel::InPerson);
    assert!(ask.message.contains("Green commute"), "{}", ask.message);

    // An open ask already: refused. Opted out of contact: refused. A member cannot be the
    // asker.
    assert_eq!(invite(p7, p2).await.status(), StatusCode::CONFLICT);
    app.acme()
        .set_opt_out(p9, OptOut::DoNotContact)
        .await
        .unwrap();
    assert_eq!(invite(p9, p2).await.status(), StatusCode::CONFLICT);
    let p3 = app.acme.person("p3");
    assert_eq!(
        invite(app.acme.person("p10"), p3).await.status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(app.acme().asks(movement).await.unwrap().len(), 1);
    app.stop().await;
}

#[tokio::test]
async fn hosts_give_roles_and_a_sponsor_sees_the_dashboard_not_the_host_pages() {
    let app = TestApp::start().await;
    let movement = app.acme.movement;
    let host = app.client(Who::Host).await;
    let given = host
        .post_form(
            &format!("/m/{movement}/host/roles"),
            &[("person", "p11"), ("role", "sponsor")],
        )
        .await;
    assert_eq!(given.status(), StatusCode::OK);
    let memberships = app.acme().memberships(movement).await.unwrap();
    let p11 = app.acme.person("p11");
    assert!(
        memberships
            .iter()
            .any(|(_, m)| m.person == p11 && m.role == Role::Sponsor)
    );
    let refused = host
        .post_form(
            &format!("/m/{movement}/host/roles"),
            &[("person", "p11"), ("role", "activist")],
        )
        .await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);

    let gets = [
        "/host",
        "/host/import",
        "/host/recommendations",
        "/host/recommendations/progress",
    ];
    let posts: [(&str, &[(&str, &str)]); 5] = [
        ("/host/roles", &[("person", "p12"), ("role", "host")]),
        ("/host/recommendations", &[("k", "2")]),
        ("/host/invite", &[("pick", "1"), ("asker", "2")]),
        ("/host/import/confirm", &[("token", "whatever")]),
        ("/host/import", &[]),
    ];
    for who in [Who::Activist, Who::Member, Who::Sponsor, Who::Outsider] {
        let client = app.client(who).await;
        for path in gets {
            let response = client.get(&format!("/m/{movement}{path}")).await;
            assert_eq!(
                response.status(),
                StatusCode::FORBIDDEN,
                "{who:?} GET {path}"
            );
        }
        for (path, fields) in posts {
            let response = client
                .post_form(&format!("/m/{movement}{path}"), fields)
                .await;
            assert_eq!(
                response.status(),
                StatusCode::FORBIDDEN,
                "{who:?} POST {path}"
            );
        }
        let dashboard = client.get(&format!("/m/{movement}/dashboard")).await;
        let expected = if who == Who::Sponsor {
            StatusCode::OK
        } else {
            StatusCode::FORBIDDEN
        };
        assert_eq!(dashboard.status(), expected, "{who:?} dashboard");
    }
    assert_eq!(app.acme().asks(movement).await.unwrap().len(), 0);
    assert_eq!(
        app.acme()
            .latest_job(&format!("recommend:{movement}"))
            .await
            .unwrap(),
        None
    );
    // Admins host; another organization's host finds nothing here.
    let admin = app.client(Who::Admin).await;
    assert_eq!(
        admin.get(&format!("/m/{movement}/host")).await.status(),
        StatusCode::OK
    );
    let stranger = app.client_of(&app.other, Who::Host).await;
    for path in ["/host", "/dashboard"] {
        let response = stranger.get(&format!("/m/{movement}{path}")).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
    }
    app.stop().await;
}

/// The number in the dashboard table row headed `heading`, as shown.
fn row(page: &str, heading: &str) -> Vec<String> {
    let marker = format!(r#"<th scope="row">{heading}</th>"#);
    let at = page
        .find(&marker)
        .unwrap_or_else(|| panic!("no row {heading}: {page}"))
        + marker.len();
    let end = page[at..].find("</tr>").unwrap() + at;
    page[at..end]
        .split("</td>")
        .filter_map(|cell| cell.split('>').nth(1))
        .map(str::to_string)
        .collect()
}

#[tokio::test]
async fn the_dashboard_hides_groups_under_five_and_honours_the_analytics_opt_out() {
    let app = TestApp::start().await;
    let movement = app.acme.movement;
    let org = app.acme();
    // Four more members (five in all) and a fifth person in Finance.
    for id in ["p7", "p8", "p9", "p10"] {
        org.join(Membership {
            movement,
            person: app.acme.person(id),
            role: Role::Member,
            personal_mission: None,
            joined_at: chrono::Utc::now(),
            recruited_by: Recruitment::Person(app.acme.person("p2")),
        })
        .await
        .unwrap();
    }
    let p13 = org
        .add_person(
            &PersonRecord::new("p13", "Person 13")
                .unwrap()
                .with_placement("Finance", "", "", "")
                .unwrap(),
        )
        .await
        .unwrap();
    let sponsor = app.client(Who::Sponsor).await;
    let path = format!("/m/{movement}/dashboard");
    let page = sponsor.get_html(&path).await;
    assert_eq!(row(&page, "Members"), ["5"]);
    assert_eq!(row(&page, "Hosts"), ["fewer than 5"]);
    // Finance has five people (shown), four members (withheld); the others four people.
    assert_eq!(row(&page, "Finance"), ["5", "fewer than 5", "fewer than 5"]);
    assert_eq!(
        row(&page, "Engineering"),
        ["fewer than 5", "withheld", "withheld"]
    );
    assert!(!page.contains("Person "), "no names on the dashboard");

    // One member and the fifth Finance person opt out of analytics: both groups fall
    // under five at once.
    org.set_opt_out(app.acme.person("p7"), OptOut::ExcludeFromAnalytics)
        .await
        .unwrap();
    org.set_opt_out(p13, OptOut::ExcludeFromAnalytics)
        .await
        .unwrap();
    let page = sponsor.get_html(&path).await;
    assert_eq!(row(&page, "Members"), ["fewer than 5"]);
    assert_eq!(
        row(&page, "Finance"),
        ["fewer than 5", "withheld", "withheld"]
    );

    // The API says the same.
    let board: Value = sponsor
        .api(
            Method::GET,
            &format!("/api/v1/movements/{movement}/dashboard"),
            None,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        board["people"],
        json!({"shown": "count", "n": 11}),
        "{board}"
    );
    let member = app.client(Who::Member).await;
    let refused = member
        .api(
            Method::GET,
            &format!("/api/v1/movements/{movement}/dashboard"),
            None,
        )
        .await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    app.stop().await;
}

#[tokio::test]
async fn the_api_previews_imports_runs_jobs_and_drafts_invitations() {
    let app = TestApp::start().await;
    let movement = app.acme.movement;
    let host = app.client(Who::Host).await;
    let base = format!("/api/v1/movements/{movement}");
    let events = n_events(&app).await;
    let body = json!({"ties_csv": "source,target\np3,p9\np3,nobody\n"});
    let preview: Value = host
        .api(
            Method::POST,
            &format!("{base}/imports?dry_run=true"),
            Some(body.clone()),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(preview["dry_run"], true);
    assert_eq!(preview["ties"]["errors"][0]["line"], 3, "{preview}");
    assert_eq!(preview["ties"]["errors"][0]["field"], "target", "{preview}");
    assert_eq!(n_events(&app).await, events);
    let refused = host
        .api(Method::POST, &format!("{base}/imports"), Some(body))
        .await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let done: Value = host
        .api(
            Method::POST,
            &format!("{base}/imports"),
            Some(json!({"ties_csv": "source,target\np3,p9\n"})),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        done["ties"]["counts"],
        json!({"rows": 1, "written": 1}),
        "{done}"
    );
    // Multipart, as a file.
    let (content_type, multipart_body) =
        multipart(&[("ties", Some("ties.csv"), b"source,target\np4,p9\n")]);
    let response = host
        .http
        .post(host.url(&format!("{base}/imports?dry_run=true")))
        .header("x-csrf-token", &host.csrf)
        .header("content-type", content_type)
        .body(multipart_body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let preview: Value = response.json().await.unwrap();
    assert_eq!(preview["ties"]["counts"]["written"], 1, "{preview}");

    // A job: started, then polled to its cached result.
    let started = host
        .api(
            Method::POST,
            &format!("{base}/recommendations"),
            Some(json!({"k": 2})),
        )
        .await;
    assert_eq!(started.status(), StatusCode::ACCEPTED);
    let started: Value = started.json().await.unwrap();
    let id = started["id"].as_i64().unwrap();
    finished_job(&app, movement).await;
    let job: Value = host
        .api(Method::GET, &format!("{base}/jobs/{id}"), None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(job["status"], "succeeded", "{job}");
    let pick = &job["result"]["picks"][0];
    assert!(
        pick["reason"].as_str().is_some_and(|r| !r.is_empty()),
        "{job}"
    );
    let latest: Value = host
        .api(Method::GET, &format!("{base}/recommendations/latest"), None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(latest["id"], id);

    let invitation = host
        .api(
            Method::POST,
            &format!("{base}/invitations"),
            Some(json!({"pick": app.acme.person("p9").0, "asker": app.acme.person("p2").0})),
        )
        .await;
    assert_eq!(invitation.status(), StatusCode::CREATED);
    let invitation: Value = invitation.json().await.unwrap();
    assert_eq!(invitation["status"], "drafted");
    assert_eq!(invitation["from"], app.acme.person("p2").0);
    // Without the CSRF header: refused.
    let refused = host
        .http
        .post(host.url(&format!("{base}/invitations")))
        .json(&json!({"pick": app.acme.person("p10").0, "asker": app.acme.person("p2").0}))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    // Activists cannot start jobs.
    let activist = app.client(Who::Activist).await;
    let refused = activist
        .api(
            Method::POST,
            &format!("{base}/recommendations"),
            Some(json!({})),
        )
        .await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    app.stop().await;
}
