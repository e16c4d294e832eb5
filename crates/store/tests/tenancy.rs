//! Tenancy: two organizations hold the same scenario under the same external ids, and
//! nothing of one is read, counted or changed through the other.
//!
//! Every public function of [`Org`] is in one of two tables: [`reads`] (run through A with
//! A's ids, they see exactly what A wrote and nothing B wrote; run with B's ids, they see
//! nothing) and [`writes`] (run through A with B's ids, they are refused and change neither
//! B nor A; those that name no id of B succeed and still leave B as it was).
//! `every_public_function_is_covered` fails when a function is added to `org.rs`,
//! `import.rs` or `suggest.rs` without a row here.

use std::collections::BTreeSet;
use std::fmt::Debug;
use std::future::Future;
use std::pin::Pin;

use chrono::Utc;
use movement::{
    AdoptionTime, Ask, AskStatus, Behaviour, Channel, Conversation, Experiment, JobStatus,
    Membership, OptOut, PersonRecord, ReactionKind, Recruitment, Role, StoryKind, StorySpec,
    Visibility,
};
use store::{Error, ImportFile, Org};

use crate::scenario::{self, Scenario, populate};
use crate::util::both_backends;

type Fut<'a, T> = Pin<Box<dyn Future<Output = T> + 'a>>;

/// What a read saw: how many rows and what they were, or that the thing asked for was not
/// found in this organization.
#[derive(Clone, Debug, PartialEq)]
enum Seen {
    Rows(usize, String),
    NotFound,
}

impl Seen {
    fn is_nothing(&self) -> bool {
        matches!(self, Seen::Rows(0, _) | Seen::NotFound)
    }
}

fn rows<T: Debug>(result: Result<Vec<T>, Error>) -> Seen {
    let rows = result.unwrap();
    Seen::Rows(rows.len(), format!("{rows:?}"))
}

fn found<T: Debug>(result: Result<T, Error>) -> Seen {
    match result {
        Ok(value) => Seen::Rows(1, format!("{value:?}")),
        Err(Error::NotFound { .. }) => Seen::NotFound,
        Err(error) => panic!("{error}"),
    }
}

/// A read through an organization, given the ids of a scenario (its own or the other's).
struct Read {
    /// The `Org` function it calls.
    name: &'static str,
    /// Whether it looks something up by an id of the scenario (rather than listing the
    /// organization's rows), so that with the other organization's ids it must see nothing.
    by_id: bool,
    run: for<'a> fn(&'a Org<'a>, &'a Scenario) -> Fut<'a, Seen>,
}

macro_rules! read {
    ($name:literal, by_id: $by_id:expr, |$org:ident, $ids:ident| $body:expr) => {
        Read {
            name: $name,
            by_id: $by_id,
            run: |$org, $ids| Box::pin(async move { $body }),
        }
    };
}

fn reads() -> Vec<Read> {
    vec![
        read!("id", by_id: false, |org, _ids| Seen::Rows(1, org.id().to_string())),
        read!("people", by_id: false, |org, _ids| rows(org.people().await)),
        read!("suggestable_people", by_id: false, |org, _ids| {
            rows(org.suggestable_people().await)
        }),
        read!("person_by_external_id", by_id: true, |org, ids| {
            rows(org.person_by_external_id(&ids.own_person).await.map(Vec::from_iter))
        }),
        read!("ties", by_id: false, |org, _ids| rows(org.ties().await)),
        read!("adoptions", by_id: false, |org, _ids| {
            rows(org.adoptions().await.map(Vec::from_iter))
        }),
        read!("adoption_confirmations", by_id: false, |org, _ids| {
            rows(org.adoption_confirmations().await.map(Vec::from_iter))
        }),
        read!("opted_out", by_id: false, |org, _ids| {
            let mut all = Vec::new();
            for opt_out in OptOut::ALL {
                all.extend(org.opted_out(*opt_out).await.unwrap().into_iter().map(|p| (*opt_out, p)));
            }
            rows(Ok(all))
        }),
        read!("movement", by_id: true, |org, ids| found(org.movement(ids.movement).await)),
        read!("memberships", by_id: true, |org, ids| rows(org.memberships(ids.movement).await)),
        read!("asks", by_id: true, |org, ids| rows(org.asks(ids.movement).await)),
        read!("ask_by_token", by_id: true, |org, ids| {
            rows(org.ask_by_token(&ids.asks[0].1).await.map(Vec::from_iter))
        }),
        read!("reaction_counts", by_id: true, |org, ids| rows(org.reaction_counts(ids.story).await)),
        read!("job_status", by_id: true, |org, ids| found(org.job_status(ids.pending_job).await)),
        read!("name", by_id: false, |org, _ids| found(org.name().await)),
        read!("movements", by_id: false, |org, _ids| rows(org.movements().await)),
        read!("person", by_id: true, |org, ids| found(org.person(ids.person("p1")).await)),
        read!("ties_of", by_id: true, |org, ids| rows(org.ties_of(ids.person("p2")).await)),
        read!("stories", by_id: true, |org, ids| rows(org.stories(ids.movement).await)),
        read!("conversations", by_id: true, |org, ids| rows(org.conversations(ids.movement).await)),
        read!("job", by_id: true, |org, ids| found(org.job(ids.job).await)),
        read!("latest_job", by_id: false, |org, _ids| {
            rows(org.latest_job("recommend").await.map(Vec::from_iter))
        }),
        read!("account", by_id: true, |org, ids| {
            rows(org.account(ids.account).await.map(Vec::from_iter))
        }),
        read!("account_of", by_id: true, |org, ids| {
            rows(org.account_of(ids.person("p1")).await.map(Vec::from_iter))
        }),
        // Both organizations have an account with this email: by value, not by id.
        read!("account_by_email", by_id: false, |org, _ids| {
            rows(org.account_by_email(" ADA@acme.example").await.map(Vec::from_iter))
        }),
        read!("session", by_id: true, |org, ids| {
            rows(org.session(&ids.session).await.map(Vec::from_iter))
        }),
        read!("events", by_id: false, |org, _ids| rows(org.events().await)),
        read!("analytics_inputs", by_id: false, |org, _ids| {
            let inputs = org.analytics_inputs().await.unwrap();
            Seen::Rows(inputs.people.len() + inputs.asks.len(), format!("{inputs:?}"))
        }),
    ]
}

/// Everything `org` shows through its reads, given `ids`.
async fn snapshot(org: &Org<'_>, ids: &Scenario) -> Vec<(&'static str, Seen)> {
    let mut seen = Vec::new();
    for read in reads() {
        seen.push((read.name, (read.run)(org, ids).await));
    }
    seen
}

/// How a write through A ended.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Verdict {
    Done,
    Dangling,
    NotFound,
    Duplicate,
    Rejected,
}

/// A write through A; `foreign` holds B's ids, `own` A's.
struct Write {
    /// The `Org` function it calls, then what it tries.
    name: &'static str,
    expect: Verdict,
    run: for<'a> fn(&'a Org<'a>, &'a Scenario, &'a Scenario) -> Fut<'a, Result<(), Error>>,
}

macro_rules! write {
    ($name:literal, $expect:ident, |$org:ident, $b:ident, $a:ident| $body:expr) => {
        Write {
            name: $name,
            expect: Verdict::$expect,
            run: |$org, $b, $a| {
                Box::pin(async move {
                    let result = $body.await;
                    result.map(drop)
                })
            },
        }
    };
}

fn ask(movement: &Scenario, from: &Scenario, to: &Scenario, token: String) -> Ask {
    Ask {
        movement: movement.movement,
        from: from.person("p1"),
        to: to.person("p3"),
        channel: Channel::Sms,
        message: "Walk with us?".into(),
        token,
        status: AskStatus::Drafted,
        arm: None,
    }
}

fn member(movement: &Scenario, person: &Scenario, recruiter: &Scenario) -> Membership {
    Membership {
        movement: movement.movement,
        person: person.person("p5"),
        role: Role::Member,
        personal_mission: None,
        joined_at: Utc::now(),
        recruited_by: Recruitment::Person(recruiter.person("p1")),
    }
}

fn talk(movement: &Scenario, activist: &Scenario, with: &Scenario) -> Conversation {
    Conversation {
        movement: movement.movement,
        activist: activist.person("p2"),
        with: with.person("p5"),
        behaviours: vec![],
        outcome: "later".into(),
        at: Utc::now(),
    }
}

fn story(movement: &Scenario, author: &Scenario, co_author: &Scenario) -> StorySpec {
    StorySpec {
        movement: movement.movement,
        author: author.person("p4"),
        co_authors: vec![co_author.person("p5")],
        kind: StoryKind::Experience,
        text: "The bus lane opened.".into(),
        behaviours: vec![],
        visibility: Visibility::Movement,
    }
}

fn walk() -> Behaviour {
    Behaviour::new("walk").unwrap()
}

/// Writes an edge list naming `source` and `target` and imports it as a file.
async fn import_edge_list(
    org: &Org<'_>,
    source: &str,
    target: &str,
) -> Result<store::ImportSummary, Error> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ties.txt");
    std::fs::write(&path, format!("{source} {target}\n")).unwrap();
    org.import_ties_file(&path).await
}

fn writes() -> Vec<Write> {
    vec![
        // People: B's ids mean nothing through A.
        write!("mark_left: B's person", NotFound, |org, b, _a| org
            .mark_left(b.person("p1"))),
        write!("record_adoption: B's person", Dangling, |org, b, _a| {
            async move {
                org.record_adoption(b.person("p1"), &walk(), AdoptionTime::Period(0))
                    .await
            }
        }),
        write!("confirm_adoption: B's adoption", Dangling, |org, b, a| {
            async move {
                org.confirm_adoption(b.person("p2"), &walk(), a.person("p3"))
                    .await
            }
        }),
        write!("confirm_adoption: B's peer", Dangling, |org, b, a| {
            async move {
                org.confirm_adoption(a.person("p2"), &walk(), b.person("p3"))
                    .await
            }
        }),
        write!("set_opt_out: B's person", Dangling, |org, b, _a| {
            org.set_opt_out(b.person("p1"), OptOut::DoNotContact)
        }),
        write!("clear_opt_out: B's person", Dangling, |org, b, _a| {
            org.clear_opt_out(b.person("p5"), OptOut::DoNotContact)
        }),
        write!("create_account: B's person", Dangling, |org, b, _a| {
            org.create_account(b.person("p2"), "grace@acme.example")
        }),
        write!("acting_as: B's account", Dangling, |org, b, _a| {
            async move { org.acting_as(b.account).queue_job("recommend").await }
        }),
        write!("at: a past time, B's person", Dangling, |org, b, _a| {
            let past = Utc::now() - chrono::Duration::days(30);
            async move {
                org.at(past)
                    .react(b.story, b.person("p2"), ReactionKind::Inspired)
                    .await
            }
        }),
        // Imports write their events their own way; the actor is checked all the same.
        write!(
            "acting_as: B's account importing ties",
            Dangling,
            |org, b, _a| {
                async move {
                    org.acting_as(b.account)
                        .import_ties("ties.csv", "source,target\np3,p2\n".as_bytes())
                        .await
                }
            }
        ),
        write!(
            "create_movement: B's has the same name",
            Done,
            |org, _b, _a| { async move { org.create_movement(&scenario::movement_spec()).await } }
        ),
        write!("join: B's movement", Dangling, |org, b, a| org
            .join(member(b, a, a))),
        write!("join: B's person", Dangling, |org, b, a| org
            .join(member(a, b, a))),
        write!("join: recruited by B's person", Dangling, |org, b, a| org
            .join(member(a, a, b))),
        write!("create_experiment: B's movement", Dangling, |org, b, _a| {
            org.create_experiment(Experiment {
                movement: b.movement,
                name: "x or y".into(),
                arms: vec!["x".into(), "y".into()],
            })
        }),
        write!("create_ask: B's movement", Dangling, |org, b, a| {
            org.create_ask(ask(b, a, a, scenario::token("a", 90)))
        }),
        write!("create_ask: from B's person", Dangling, |org, b, a| {
            org.create_ask(ask(a, b, a, scenario::token("a", 91)))
        }),
        write!("create_ask: to B's person", Dangling, |org, b, a| {
            org.create_ask(ask(a, a, b, scenario::token("a", 92)))
        }),
        write!("create_ask: in B's experiment", Dangling, |org, b, a| {
            let arm = Some((b.experiment, "sms".to_string()));
            org.create_ask(Ask {
                arm,
                ..ask(a, a, a, scenario::token("a", 93))
            })
        }),
        // Link tokens are unique across organizations: taking B's is refused.
        write!("create_ask: B's token", Duplicate, |org, b, a| {
            org.create_ask(ask(a, a, a, b.asks[2].1.clone()))
        }),
        write!("redraft_ask: B's ask", NotFound, |org, b, _a| {
            org.redraft_ask(b.asks[2].0, Channel::Sms, "hello")
        }),
        write!("change_role: B's membership", NotFound, |org, b, _a| {
            org.change_role(b.membership, Role::Host, None)
        }),
        write!("advance_ask: B's ask", NotFound, |org, b, _a| {
            org.advance_ask(b.asks[2].0, AskStatus::Sent)
        }),
        write!("log_conversation: B's movement", Dangling, |org, b, a| org
            .log_conversation(&talk(b, a, a))),
        write!("log_conversation: B's activist", Dangling, |org, b, a| org
            .log_conversation(&talk(a, b, a))),
        write!(
            "log_conversation: with B's person",
            Dangling,
            |org, b, a| org.log_conversation(&talk(a, a, b))
        ),
        write!("publish_story: B's movement", Dangling, |org, b, a| org
            .publish_story(story(b, a, a))),
        write!("publish_story: B's author", Dangling, |org, b, a| org
            .publish_story(story(a, b, a))),
        write!("publish_story: B's co-author", Dangling, |org, b, a| org
            .publish_story(story(a, a, b))),
        write!("react: to B's story", Dangling, |org, b, a| {
            org.react(b.story, a.person("p2"), ReactionKind::WillTry)
        }),
        write!("react: as B's person", Dangling, |org, b, a| {
            org.react(a.story, b.person("p2"), ReactionKind::WillTry)
        }),
        write!("retell: B's story", Dangling, |org, b, a| org.retell(
            b.story,
            a.person("p2"),
            "same here"
        )),
        write!("retell: as B's person", Dangling, |org, b, a| org.retell(
            a.story,
            b.person("p2"),
            "same here"
        )),
        write!("queue_job: B queues the same task", Done, |org, _b, _a| org
            .queue_job("export")),
        write!("advance_job: B's job", NotFound, |org, b, _a| {
            org.advance_job(b.pending_job, JobStatus::Running, None)
        }),
        write!("report_job_progress: B's job", NotFound, |org, b, _a| {
            org.report_job_progress(b.job, 0.9)
        }),
        write!("keep_job_result: B's job", NotFound, |org, b, _a| {
            org.keep_job_result(b.job, "{}")
        }),
        // Accounts and sessions: B's account is not found through A, B's secrets open nothing.
        write!("set_password_hash: B's account", NotFound, |org, b, _a| {
            org.set_password_hash(b.account, None)
        }),
        write!("set_admin: B's account", NotFound, |org, b, _a| org
            .set_admin(b.account, false)),
        write!("create_session: for B's account", Dangling, |org, b, _a| {
            org.create_session(b.account, "new-hash", "csrf", chrono::Duration::hours(1))
        }),
        write!("end_session: B's session", Done, |org, b, _a| org
            .end_session(&b.session)),
        write!("end_all_sessions: B's account", Done, |org, b, _a| org
            .end_all_sessions(b.account)),
        write!(
            "create_login_link: for B's account",
            Dangling,
            |org, b, _a| {
                org.create_login_link(b.account, "new-link", chrono::Duration::hours(1))
            }
        ),
        write!("use_login_link: B's link", Done, |org, b, _a| {
            async move {
                let used = org.use_login_link(&b.login_link).await?;
                assert_eq!(used, None, "B's link signed in through A");
                Ok(())
            }
        }),
        // Imports resolve external ids in A only: the ids both have mean A's people, an id
        // only B has is unknown.
        write!("import_people: the ids both have", Done, |org, _b, _a| {
            org.import_people("people.csv", scenario::PEOPLE_CSV.as_bytes())
        }),
        write!(
            "import_people: managed by someone only B has",
            Rejected,
            |org, b, _a| {
                let csv = format!("id,name,manager_id\nnew,New Person,{}\n", b.own_person);
                org.import_people("people.csv", std::io::Cursor::new(csv))
            }
        ),
        write!("import_ties: the ids both have", Done, |org, _b, _a| {
            org.import_ties("ties.csv", "source,target,weight\np3,p1,2\n".as_bytes())
        }),
        write!("import_ties: someone only B has", Rejected, |org, b, _a| {
            let csv = format!("source,target\np1,{}\n", b.own_person);
            org.import_ties("ties.csv", std::io::Cursor::new(csv))
        }),
        // A preview writes nothing, and resolves ids as the imports do.
        write!("preview_import: the ids both have", Done, |org, _b, _a| {
            async move {
                let people = ImportFile {
                    source_name: "people.csv",
                    bytes: scenario::PEOPLE_CSV.as_bytes(),
                };
                let ties = ImportFile {
                    source_name: "ties.csv",
                    bytes: b"source,target\np3,p1\n",
                };
                let preview = org.preview_import(Some(people), Some(ties)).await?;
                preview.people.expect("people previewed")?;
                preview.ties.expect("ties previewed").map(drop)
            }
        }),
        write!(
            "preview_import: someone only B has",
            Rejected,
            |org, b, _a| {
                async move {
                    let csv = format!("source,target\np1,{}\n", b.own_person);
                    let ties = ImportFile {
                        source_name: "ties.csv",
                        bytes: csv.as_bytes(),
                    };
                    let preview = org.preview_import(None, Some(ties)).await?;
                    preview.ties.expect("ties previewed").map(drop)
                }
            }
        ),
        write!(
            "import_ties_file: the ids both have",
            Done,
            |org, _b, _a| import_edge_list(org, "p4", "p1")
        ),
        write!(
            "import_ties_file: someone only B has",
            Rejected,
            |org, b, _a| { import_edge_list(org, "p1", &b.own_person) }
        ),
        write!(
            "import_adoptions: the ids both have",
            Done,
            |org, _b, _a| {
                org.import_adoptions("adoptions.csv", "id,behaviour,time\np5,walk,0\n".as_bytes())
            }
        ),
        write!(
            "import_adoptions: someone only B has",
            Rejected,
            |org, b, _a| {
                let csv = format!("id,behaviour,time\n{},walk,0\n", b.own_person);
                org.import_adoptions("adoptions.csv", std::io::Cursor::new(csv))
            }
        ),
        // Last, since A then has a namesake of B's own person.
        write!(
            "add_person: an external id only B has",
            Done,
            |org, b, _a| {
                async move {
                    org.add_person(&PersonRecord::new(&b.own_person, "Namesake in A").unwrap())
                        .await
                }
            }
        ),
    ]
}

fn verdict(result: &Result<(), Error>) -> Verdict {
    match result {
        Ok(()) => Verdict::Done,
        Err(Error::Dangling) => Verdict::Dangling,
        Err(Error::NotFound { .. }) => Verdict::NotFound,
        Err(Error::Duplicate { .. }) => Verdict::Duplicate,
        Err(Error::Rejected { .. }) => Verdict::Rejected,
        Err(error) => panic!("unexpected error: {error}"),
    }
}

both_backends! {
    async fn nothing_of_one_organization_is_seen_or_changed_through_another(db) {
        let org_a = db.store.create_organization("A").await.unwrap();
        let a = populate(&org_a, "a").await;
        let alone = snapshot(&org_a, &a).await;

        let org_b = db.store.create_organization("B").await.unwrap();
        let b = populate(&org_b, "b").await;

        // Reads through A see what A wrote, as they did before B existed, and never B.
        for (name, seen) in &alone {
            assert!(!seen.is_nothing(), "{name} through A sees nothing of A: {seen:?}");
        }
        assert_eq!(snapshot(&org_a, &a).await, alone, "B's rows are seen through A");
        let people: BTreeSet<_> = org_a.people().await.unwrap().into_iter().map(|p| p.id).collect();
        assert_eq!(people, a.people.values().copied().collect::<BTreeSet<_>>());
        // With the other organization's ids, lookups see nothing, both ways.
        for (org, ids) in [(&org_a, &b), (&org_b, &a)] {
            for read in reads().iter().filter(|r| r.by_id) {
                let seen = (read.run)(org, ids).await;
                assert!(seen.is_nothing(), "{} through {} with the other's ids: {seen:?}", read.name, org.id());
            }
        }
        assert_eq!(org_a.ask_by_token(&b.asks[0].1).await.unwrap(), None);
        assert!(org_b.ask_by_token(&b.asks[0].1).await.unwrap().is_some());

        // Writes through A naming B's ids are refused and change nothing anywhere; the
        // others change A only.
        let b_at_start = snapshot(&org_b, &b).await;
        for write in writes() {
            let a_before = snapshot(&org_a, &a).await;
            let result = (write.run)(&org_a, &b, &a).await;
            assert_eq!(verdict(&result), write.expect, "{}: {result:?}", write.name);
            assert!(snapshot(&org_b, &b).await == b_at_start, "{} changed B", write.name);
            if write.expect != Verdict::Done {
                assert!(snapshot(&org_a, &a).await == a_before, "{} was refused but changed A", write.name);
            }
        }
        // B's login link survived every attempt through A, and works once through B.
        assert_eq!(org_b.use_login_link(&b.login_link).await.unwrap(), Some(b.account));
    }
}

/// The function names that `pub fn` / `pub async fn` declare in a source file.
fn public_functions(source: &str) -> Vec<String> {
    source
        .lines()
        .filter_map(|line| {
            let line = line.trim_start();
            let rest = line
                .strip_prefix("pub async fn ")
                .or_else(|| line.strip_prefix("pub fn "))?;
            Some(
                rest.split(|c: char| !(c.is_alphanumeric() || c == '_'))
                    .next()?
                    .to_string(),
            )
        })
        .collect()
}

#[test]
fn every_public_function_is_covered() {
    let mut covered: Vec<String> = reads().iter().map(|r| r.name.to_string()).collect();
    covered.extend(
        writes()
            .iter()
            .map(|w| w.name.split(':').next().unwrap().to_string()),
    );
    let declared = [
        include_str!("../src/org.rs"),
        include_str!("../src/import.rs"),
        include_str!("../src/suggest.rs"),
        include_str!("../src/auth.rs"),
        include_str!("../src/views.rs"),
        include_str!("../src/revise.rs"),
    ]
    .into_iter()
    .flat_map(public_functions)
    .collect::<Vec<_>>();
    assert!(
        declared.len() > 20,
        "the scan found too few functions: {declared:?}"
    );
    let missing: Vec<&String> = declared.iter().filter(|f| !covered.contains(f)).collect();
    assert!(
        missing.is_empty(),
        "add these to tenancy.rs's reads() or writes(): {missing:?}"
    );
}
