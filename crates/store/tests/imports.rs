//! Imports: all-or-nothing with every bad row listed by line and field in file order, the
//! people diff (leavers keep their history and drop out of suggestions), ties from GraphML
//! and GEXF, and adoptions keeping the earliest time.
//!
//! The fixtures are built as lists of rows, each with the problem it should cause, so the
//! expected report (lines, fields) is derived from the fixture rather than typed twice.

use std::collections::BTreeMap;
use std::path::Path;

use movement::{AdoptionTime, EventPayload, OptOut, PersonRecord};
use store::{Error, ImportFile, ImportSummary, Org, PeopleDiff, RowError};

use crate::util::{TestDb, both_backends};

/// A CSV file as a header and rows, each row with the `(field, reason fragment)` it is
/// expected to be reported with (none for a good row; several for a row with several
/// problems). Rows are raw bytes so that a fixture can hold invalid UTF-8.
struct Fixture {
    header: &'static str,
    rows: Vec<(Vec<u8>, Vec<Problem>)>,
}

/// A problem a row must be reported with: its field (none for the row as a whole) and a
/// fragment of the reason.
type Problem = (Option<&'static str>, &'static str);

impl Fixture {
    fn new(header: &'static str) -> Fixture {
        Fixture {
            header,
            rows: Vec::new(),
        }
    }

    fn good(mut self, row: &str) -> Fixture {
        self.rows.push((row.as_bytes().to_vec(), vec![]));
        self
    }

    fn bad(
        mut self,
        row: impl AsRef<[u8]>,
        field: Option<&'static str>,
        reason: &'static str,
    ) -> Fixture {
        self.rows
            .push((row.as_ref().to_vec(), vec![(field, reason)]));
        self
    }

    fn bad_twice(mut self, row: &str, first: Problem, second: Problem) -> Fixture {
        self.rows
            .push((row.as_bytes().to_vec(), vec![first, second]));
        self
    }

    fn bytes(&self) -> Vec<u8> {
        let mut bytes = format!("{}\n", self.header).into_bytes();
        for (row, _) in &self.rows {
            bytes.extend_from_slice(row);
            bytes.push(b'\n');
        }
        bytes
    }

    /// The report the file must get: (line, field, reason fragment) in file order; the
    /// header is line 1, so row `i` is on line `i + 2`.
    fn expected(&self) -> Vec<(u64, Option<&'static str>, &'static str)> {
        let mut expected = Vec::new();
        for (i, (_, problems)) in self.rows.iter().enumerate() {
            for (field, reason) in problems {
                expected.push((i as u64 + 2, *field, *reason));
            }
        }
        expected
    }
}

/// The rows listed by a refused import, and how many more there were; panics on anything
/// else.
fn refused<T: std::fmt::Debug>(result: Result<T, Error>, source: &str) -> (Vec<RowError>, usize) {
    match result {
        Err(Error::Rejected {
            source_name,
            errors,
            more,
        }) => {
            assert_eq!(source_name, source);
            (errors, more)
        }
        other => panic!("expected the import to be refused, got {other:?}"),
    }
}

fn assert_report(errors: &[RowError], expected: &[(u64, Option<&str>, &str)]) {
    let found: Vec<(u64, Option<&str>)> = errors
        .iter()
        .map(|e| (e.line, e.field.as_deref()))
        .collect();
    let wanted: Vec<(u64, Option<&str>)> = expected
        .iter()
        .map(|(line, field, _)| (*line, *field))
        .collect();
    assert_eq!(found, wanted, "report: {errors:#?}");
    for (error, (_, _, reason)) in errors.iter().zip(expected) {
        assert!(
            error.reason.contains(reason),
            "{error} should say {reason:?}"
        );
    }
}

/// Row counts of the tables an import writes, read behind the store's back.
async fn counts(db: &TestDb) -> [i64; 4] {
    [
        db.raw_count("people").await,
        db.raw_count("ties").await,
        db.raw_count("adoptions").await,
        db.raw_count("events").await,
    ]
}

async fn import_people(org: &Org<'_>, csv: &str) -> PeopleDiff {
    org.import_people("people.csv", csv.as_bytes())
        .await
        .unwrap()
}

/// `p1`…`pN`, each with a name and an email.
fn people_csv(n: usize) -> String {
    let mut csv = String::from("id,name,email\n");
    for i in 1..=n {
        csv.push_str(&format!("p{i},Person {i},p{i}@acme.example\n"));
    }
    csv
}

fn external_ids(people: &[store::Person]) -> Vec<&str> {
    people
        .iter()
        .map(|p| p.record.external_id.as_str())
        .collect()
}

both_backends! {
    async fn a_people_file_with_bad_rows_is_refused_whole(db) {
        let org = db.store.create_organization("Acme").await.unwrap();
        let fixture = Fixture::new("id,name,email,manager_id")
            .good("p1,Ada,ada@acme.example,")
            .bad("p2,Bob,not-an-email,p1", Some("email"), "not an email address")
            .bad("p3,,c@acme.example,p1", Some("name"), "is empty")
            .bad("p1,Again,again@acme.example,", Some("id"), "already on line 2")
            .bad("p5,Eve,e@acme.example,nobody", Some("manager_id"), "no person with id \"nobody\"")
            .bad("p6,Fay,f@acme.example", None, "3 fields where the header has 4")
            .bad(b"p7,G\xff\xfeorge,g@acme.example,", Some("name"), "not valid UTF-8")
            .good("p8,Hal,h@acme.example,p1");
        let (errors, more) = refused(org.import_people("people.csv", &fixture.bytes()[..]).await, "people.csv");
        assert_report(&errors, &fixture.expected());
        assert_eq!(more, 0);
        assert_eq!(counts(&db).await, [0, 0, 0, 0], "nothing may be written");

        // The message a person reads names each line and field.
        let message = org
            .import_people("people.csv", &fixture.bytes()[..])
            .await
            .unwrap_err()
            .to_string();
        assert!(message.contains("import refused, nothing written"), "{message}");
        assert!(message.contains("line 3: email:"), "{message}");
    }

    async fn a_people_file_without_a_required_column_is_refused(db) {
        let org = db.store.create_organization("Acme").await.unwrap();
        let csv = "id,email\np1,ada@acme.example\np2,bob@acme.example\n";
        let (errors, more) = refused(org.import_people("people.csv", csv.as_bytes()).await, "people.csv");
        // One problem, the header's; not one "name is empty" per row.
        assert_report(&errors, &[(1, Some("name"), "required column missing")]);
        assert_eq!(more, 0);
        assert_eq!(counts(&db).await, [0, 0, 0, 0]);
    }

    async fn a_ties_file_with_bad_rows_is_refused_whole(db) {
        let org = db.store.create_organization("Acme").await.unwrap();
        import_people(&org, &people_csv(4)).await;
        let before = counts(&db).await;
        let fixture = Fixture::new("source,target,layer,weight")
            .good("p1,p2,advice,2")
            .bad("p1,ghost,advice,1", Some("target"), "no person with id \"ghost\"")
            .bad("nobody,p1,advice,1", Some("source"), "no person with id \"nobody\"")
            .bad("p3,p3,advice,1", Some("target"), "to itself")
            .bad("p2,p3,advice,heavy", Some("weight"), "\"heavy\" is not a number")
            .bad("p2,p4,advice,-1", Some("weight"), "not a positive number")
            .bad("p1,p2,advice,5", None, "the same tie as line 2")
            .good("p1,p2,friendship,5")
            .good("p4,p1,,");
        let (errors, more) = refused(org.import_ties("ties.csv", &fixture.bytes()[..]).await, "ties.csv");
        assert_report(&errors, &fixture.expected());
        assert_eq!(more, 0);
        assert_eq!(counts(&db).await, before, "nothing may be written");
        assert!(org.ties().await.unwrap().is_empty());
    }

    async fn an_adoptions_file_with_bad_rows_is_refused_whole(db) {
        let org = db.store.create_organization("Acme").await.unwrap();
        import_people(&org, &people_csv(2)).await;
        let before = counts(&db).await;
        let fixture = Fixture::new("id,behaviour,time")
            .good("p1,cycling,3")
            .bad("ghost,cycling,2", Some("id"), "no person with id \"ghost\"")
            .bad("p2,cycling,yesterday", Some("time"), "neither a period number nor an ISO date")
            .bad_twice(
                "nobody,walking,2026-13-45",
                (Some("id"), "no person with id \"nobody\""),
                (Some("time"), "neither a period number nor an ISO date"),
            )
            .good("p2,walking,2026-11-30");
        let (errors, more) =
            refused(org.import_adoptions("adoptions.csv", &fixture.bytes()[..]).await, "adoptions.csv");
        assert_report(&errors, &fixture.expected());
        assert_eq!(more, 0);
        assert_eq!(counts(&db).await, before, "nothing may be written");
    }

    async fn past_a_hundred_bad_rows_the_first_hundred_are_listed_and_the_rest_counted(db) {
        let org = db.store.create_organization("Acme").await.unwrap();
        // The first bad row is found by a later pass (its manager is unknown) than the
        // others (bad emails): the report must still start with it.
        let mut fixture = Fixture::new("id,name,email,manager_id")
            .bad("p0,Zero,zero@acme.example,nobody", Some("manager_id"), "no person");
        let bad_emails = 149;
        for i in 1..=bad_emails {
            fixture = fixture.bad(format!("p{i},Person {i},broken-{i},"), Some("email"), "not an email");
        }
        let fixture = fixture.good("q,Quinn,quinn@acme.example,");
        let (errors, more) = refused(org.import_people("people.csv", &fixture.bytes()[..]).await, "people.csv");
        let expected = fixture.expected();
        assert_eq!(errors.len(), store::MAX_LISTED);
        assert_report(&errors, &expected[..store::MAX_LISTED]);
        assert_eq!(more, expected.len() - store::MAX_LISTED);
        let message = Error::Rejected { source_name: "people.csv".into(), errors, more }.to_string();
        assert!(message.ends_with(&format!("and {more} more bad rows")), "{message}");
        assert_eq!(counts(&db).await, [0, 0, 0, 0]);
    }

    async fn reimporting_people_applies_the_diff_and_keeps_the_history_of_leavers(db) {
        let org = db.store.create_organization("Acme").await.unwrap();
        let first = "id,name,email,unit,manager_id\n\
                     p1,Ada,ada@acme.example,Finance,\n\
                     p2,Bob,bob@acme.example,Finance,p1\n\
                     p3,Cy,cy@acme.example,Sales,p1\n\
                     p4,Di,di@acme.example,Sales,p1\n";
        let diff = import_people(&org, first).await;
        assert_eq!(diff, PeopleDiff { added: 4, changed: 0, left: 0, unchanged: 0 });
        org.import_ties("ties.csv", "source,target\np3,p1\np2,p3\np4,p2\n".as_bytes()).await.unwrap();
        org.import_adoptions("adoptions.csv", "id,behaviour,time\np3,cycling,2\n".as_bytes())
            .await
            .unwrap();
        let (ties_before, adoptions_before) = (org.ties().await.unwrap(), org.adoptions().await.unwrap());

        // The next export: Bob moved unit, Cy is gone, Ed is new, Ada and Di as they were.
        let second = "id,name,email,unit,manager_id\n\
                      p1,Ada,ada@acme.example,Finance,\n\
                      p2,Bob,bob@acme.example,Sales,p1\n\
                      p4,Di,di@acme.example,Sales,p1\n\
                      p5,Ed,ed@acme.example,Sales,p4\n";
        let diff = import_people(&org, second).await;
        assert_eq!(diff, PeopleDiff { added: 1, changed: 1, left: 1, unchanged: 2 });
        let people = org.people().await.unwrap();
        let by_id: BTreeMap<&str, &store::Person> =
            people.iter().map(|p| (p.record.external_id.as_str(), p)).collect();
        assert_eq!(by_id.len(), 5, "nobody is deleted");
        let left: Vec<&str> = people.iter().filter(|p| p.left).map(|p| p.record.external_id.as_str()).collect();
        assert_eq!(left, ["p3"]);
        assert_eq!(by_id["p2"].record.unit.as_deref(), Some("Sales"));
        // History stays: Cy's ties and adoptions are untouched.
        assert_eq!(org.ties().await.unwrap(), ties_before);
        assert_eq!(org.adoptions().await.unwrap(), adoptions_before);
        let cy = by_id["p3"].id;
        let events = org.events().await.unwrap();
        assert!(events.iter().any(|e| e.payload == EventPayload::PersonLeft { person: cy }));
        // …but Cy is never suggested again.
        assert_eq!(external_ids(&org.suggestable_people().await.unwrap()), ["p1", "p2", "p4", "p5"]);

        // The same export again changes nothing and logs nothing.
        let events_before = db.raw_count("events").await;
        let diff = import_people(&org, second).await;
        assert_eq!(diff, PeopleDiff { added: 0, changed: 0, left: 0, unchanged: 4 });
        assert_eq!(db.raw_count("events").await, events_before);

        // Cy comes back: a change, and suggestable again, with the same row (and history).
        let third = format!("{second}p3,Cy,cy@acme.example,Sales,p1\n");
        let diff = import_people(&org, &third).await;
        assert_eq!(diff, PeopleDiff { added: 0, changed: 1, left: 0, unchanged: 4 });
        let cy_again = org.person_by_external_id("p3").await.unwrap().unwrap();
        assert_eq!((cy_again.id, cy_again.left), (cy, false));
        assert_eq!(external_ids(&org.suggestable_people().await.unwrap()), ["p1", "p2", "p3", "p4", "p5"]);
    }

    async fn suggestions_skip_leavers_and_people_who_opted_out(db) {
        let org = db.store.create_organization("Acme").await.unwrap();
        let other = db.store.create_organization("Other").await.unwrap();
        let mut ids = BTreeMap::new();
        for name in ["ada", "bob", "cy", "di"] {
            let record = PersonRecord::new(name, name).unwrap();
            ids.insert(name, org.add_person(&record).await.unwrap());
        }
        other.add_person(&PersonRecord::new("elsewhere", "Elsewhere").unwrap()).await.unwrap();
        assert_eq!(external_ids(&org.suggestable_people().await.unwrap()), ["ada", "bob", "cy", "di"]);

        org.set_opt_out(ids["bob"], OptOut::DoNotSuggest).await.unwrap();
        // Other opt-outs do not keep someone from being suggested.
        org.set_opt_out(ids["cy"], OptOut::DoNotContact).await.unwrap();
        org.mark_left(ids["di"]).await.unwrap();
        assert_eq!(external_ids(&org.suggestable_people().await.unwrap()), ["ada", "cy"]);
        // Another organization's people are its own business.
        assert_eq!(external_ids(&other.suggestable_people().await.unwrap()), ["elsewhere"]);

        org.clear_opt_out(ids["bob"], OptOut::DoNotSuggest).await.unwrap();
        assert_eq!(external_ids(&org.suggestable_people().await.unwrap()), ["ada", "bob", "cy"]);
    }

    async fn reimporting_ties_updates_weights_and_adds_the_new_ones(db) {
        let org = db.store.create_organization("Acme").await.unwrap();
        import_people(&org, &people_csv(3)).await;
        let first = "source,target,layer,weight\np1,p2,advice,1\np2,p3,advice,2\n";
        org.import_ties("ties.csv", first.as_bytes()).await.unwrap();
        let second = "source,target,layer,weight\np1,p2,advice,4\np1,p2,friendship,1\n";
        let summary = org.import_ties("ties.csv", second.as_bytes()).await.unwrap();
        assert_eq!((summary.rows, summary.written), (2, 2));
        let weights: BTreeMap<(String, String), f64> = {
            let people: BTreeMap<_, _> = org
                .people()
                .await
                .unwrap()
                .into_iter()
                .map(|p| (p.id, p.record.external_id))
                .collect();
            org.ties()
                .await
                .unwrap()
                .into_iter()
                .map(|t| ((format!("{}>{}", people[&t.source], people[&t.target]), t.layer), t.weight))
                .collect()
        };
        let key = |pair: &str, layer: &str| (pair.to_string(), layer.to_string());
        assert_eq!(weights, BTreeMap::from([
            (key("p1>p2", "advice"), 4.0),
            (key("p1>p2", "friendship"), 1.0),
            (key("p2>p3", "advice"), 2.0),
        ]));
        // The log replays to the same ties: the second batch carries the new weight.
        let events = org.events().await.unwrap();
        let replayed = movement::replay(events.iter().map(|e| &e.payload));
        assert_eq!(replayed.ties, org.analytics_inputs().await.unwrap().ties);
    }

    async fn tie_weights_are_stored_exactly(db) {
        let org = db.store.create_organization("Acme").await.unwrap();
        import_people(&org, &people_csv(8)).await;
        let weights = ["0.1", "0.30000000000000004", "1e-7", "123456.789", "0.6666666666666666", "3", "1.7976931348623157e308"];
        let mut csv = String::from("source,target,weight\n");
        for (i, weight) in weights.iter().enumerate() {
            csv.push_str(&format!("p{},p{},{weight}\n", i + 1, i + 2));
        }
        org.import_ties("ties.csv", csv.as_bytes()).await.unwrap();
        let stored: Vec<f64> = org.ties().await.unwrap().iter().map(|t| t.weight).collect();
        let expected: Vec<f64> = weights.iter().map(|w| w.parse().unwrap()).collect();
        // Bit for bit: compared as bits, not as floats close enough.
        assert_eq!(
            stored.iter().map(|w| w.to_bits()).collect::<Vec<_>>(),
            expected.iter().map(|w| w.to_bits()).collect::<Vec<_>>(),
            "{stored:?} != {expected:?}"
        );
    }

    async fn ties_come_from_graphml_and_gexf_files(db) {
        let org = db.store.create_organization("Acme").await.unwrap();
        import_people(&org, "id,name\na,A\nb,B\nc,C\n").await;
        let dir = tempfile::tempdir().unwrap();
        let graphml = write(dir.path(), "org.graphml", GRAPHML);
        let summary = org.import_ties_file(&graphml).await.unwrap();
        assert_eq!((summary.rows, summary.written), (2, 2));
        let gexf = write(dir.path(), "org.gexf", GEXF);
        let summary = org.import_ties_file(&gexf).await.unwrap();
        assert_eq!((summary.rows, summary.written), (1, 1));

        let names: BTreeMap<_, _> = org
            .people()
            .await
            .unwrap()
            .into_iter()
            .map(|p| (p.id, p.record.external_id))
            .collect();
        let mut ties: Vec<(String, String, String, f64)> = org
            .ties()
            .await
            .unwrap()
            .into_iter()
            .map(|t| (names[&t.source].clone(), names[&t.target].clone(), t.layer, t.weight))
            .collect();
        ties.sort_by(|x, y| x.partial_cmp(y).unwrap());
        let tie = |s: &str, t: &str, layer: &str, w: f64| (s.to_string(), t.to_string(), layer.to_string(), w);
        assert_eq!(ties, [
            tie("a", "b", "advice", 2.5),
            tie("b", "c", engine::io::DEFAULT_LAYER, 1.0),
            tie("c", "a", engine::io::DEFAULT_LAYER, 3.0),
        ]);
        let batches = org
            .events()
            .await
            .unwrap()
            .into_iter()
            .filter(|e| matches!(e.payload, EventPayload::TiesSet { .. }))
            .count();
        assert_eq!(batches, 2, "one event per file (each a single batch)");
    }

    async fn a_graph_file_naming_strangers_or_broken_is_refused(db) {
        let org = db.store.create_organization("Acme").await.unwrap();
        import_people(&org, "id,name\na,A\nb,B\n").await;
        let before = counts(&db).await;
        let dir = tempfile::tempdir().unwrap();

        // Well-formed, but its second edge names someone not in the directory.
        let strangers = GRAPHML.replace("target=\"c\"", "target=\"zed\"").replace("<node id=\"c\"/>", "<node id=\"zed\"/>");
        let path = write(dir.path(), "strangers.graphml", &strangers);
        let name = path.display().to_string();
        let (errors, more) = refused(org.import_ties_file(&path).await, &name);
        // For graph files the "line" is the edge's position in the document.
        assert_report(&errors, &[(2, Some("target"), "no person with id \"zed\"")]);
        assert_eq!(more, 0);

        // Not even XML: the close tag does not match. Refused with where it broke.
        let broken = "<?xml version=\"1.0\"?>\n<graphml>\n  <graph>\n    <node id=\"a\">\n  </graph>\n</graphml>\n";
        let broken_line = broken.lines().position(|l| l.contains("</graph>")).unwrap() + 1;
        let path = write(dir.path(), "broken.graphml", broken);
        match org.import_ties_file(&path).await {
            Err(Error::Unreadable(message)) => {
                let place = format!("{}:{broken_line} (byte ", path.display());
                assert!(message.starts_with(&place), "{message} should start with {place}");
            }
            other => panic!("expected a broken file to be unreadable, got {other:?}"),
        }
        assert_eq!(counts(&db).await, before, "nothing may be written");
    }

    async fn adoptions_keep_the_earliest_time(db) {
        let org = db.store.create_organization("Acme").await.unwrap();
        import_people(&org, &people_csv(2)).await;
        let (p1, p2) = ("p1", "p2");
        let id = |external: &str, people: &[store::Person]| {
            people.iter().find(|p| p.record.external_id == external).unwrap().id
        };
        let people = org.people().await.unwrap();
        let date = |text: &str| AdoptionTime::parse(text).unwrap();

        // Twice in one file: the earlier wins, whatever the order.
        let first = "id,behaviour,time\np1,cycling,5\np1,cycling,3\np2,cycling,2026-01-10\np2,cycling,2026-01-05\n";
        let summary = org.import_adoptions("adoptions.csv", first.as_bytes()).await.unwrap();
        assert_eq!((summary.rows, summary.written), (4, 2));
        let expected = BTreeMap::from([
            ((id(p1, &people), "cycling".to_string()), date("3")),
            ((id(p2, &people), "cycling".to_string()), date("2026-01-05")),
        ]);
        assert_eq!(org.adoptions().await.unwrap(), expected);

        // Against what is stored: a later time changes nothing, an earlier one replaces it.
        let second = "id,behaviour,time\np1,cycling,4\np2,cycling,2025-12-31\np1,walking,7\n";
        let summary = org.import_adoptions("adoptions.csv", second.as_bytes()).await.unwrap();
        assert_eq!((summary.rows, summary.written), (3, 2));
        let expected = BTreeMap::from([
            ((id(p1, &people), "cycling".to_string()), date("3")),
            ((id(p2, &people), "cycling".to_string()), date("2025-12-31")),
            ((id(p1, &people), "walking".to_string()), date("7")),
        ]);
        assert_eq!(org.adoptions().await.unwrap(), expected);
        let recorded = org
            .events()
            .await
            .unwrap()
            .into_iter()
            .filter(|e| matches!(e.payload, EventPayload::AdoptionRecorded { .. }))
            .count();
        assert_eq!(recorded, 4, "one event per adoption written");
    }
}

fn write(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

const GRAPHML: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<graphml xmlns="http://graphml.graphdrawing.org/xmlns">
  <key id="w" for="edge" attr.name="weight" attr.type="double"/>
  <key id="l" for="edge" attr.name="layer" attr.type="string"/>
  <graph edgedefault="directed">
    <node id="a"/>
    <node id="b"/>
    <node id="c"/>
    <edge source="a" target="b"><data key="w">2.5</data><data key="l">advice</data></edge>
    <edge source="b" target="c"/>
  </graph>
</graphml>
"#;

const GEXF: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<gexf xmlns="http://gexf.net/1.3" version="1.3">
  <graph defaultedgetype="directed">
    <nodes>
      <node id="a" label="A"/>
      <node id="c" label="C"/>
    </nodes>
    <edges>
      <edge id="0" source="c" target="a" weight="3"/>
    </edges>
  </graph>
</gexf>
"#;

fn file<'a>(source_name: &'a str, bytes: &'a [u8]) -> ImportFile<'a> {
    ImportFile { source_name, bytes }
}

both_backends! {
    async fn a_preview_tells_what_an_import_would_do_and_writes_nothing(db) {
        let org = db.store.create_organization("Acme").await.unwrap();
        import_people(&org, &people_csv(3)).await;
        let before = counts(&db).await;
        // p3 is missing (would leave), p2 renamed, p4 new; a tie names the new p4.
        let people = "id,name,email\np1,Person 1,p1@acme.example\np2,Renamed,p2@acme.example\n\
                      p4,Person 4,p4@acme.example\n";
        let ties = "source,target,weight\np1,p2,1\np4,p1,2\n";
        let preview = org
            .preview_import(Some(file("people.csv", people.as_bytes())), Some(file("ties.csv", ties.as_bytes())))
            .await
            .unwrap();
        let diff = preview.people.unwrap().unwrap();
        assert_eq!(diff, PeopleDiff { added: 1, changed: 1, left: 1, unchanged: 1 });
        assert_eq!(preview.ties.unwrap().unwrap(), ImportSummary { rows: 2, written: 2 });
        assert_eq!(counts(&db).await, before, "a preview writes nothing");

        // The real imports answer what the preview said.
        assert_eq!(import_people(&org, people).await, diff);
        let summary = org.import_ties("ties.csv", ties.as_bytes()).await.unwrap();
        assert_eq!(summary, ImportSummary { rows: 2, written: 2 });
    }
}

both_backends! {
    async fn a_preview_lists_the_bad_rows_by_line_as_the_import_would(db) {
        let org = db.store.create_organization("Acme").await.unwrap();
        import_people(&org, &people_csv(2)).await;
        let before = counts(&db).await;
        let people = Fixture::new("id,name,email")
            .good("p1,Ada,ada@acme.example")
            .bad("p2,Bob,not-an-email", Some("email"), "not an email address")
            .bad("p3,,c@acme.example", Some("name"), "is empty");
        // Without a people file, ties can name only the directory's people.
        let ties = Fixture::new("source,target,weight")
            .good("p1,p2,1")
            .bad("p1,p9,1", Some("target"), "no person with id \"p9\"")
            .bad("p2,p1,heavy", Some("weight"), "is not a number");
        let preview = org
            .preview_import(
                Some(file("people.csv", &people.bytes())),
                Some(file("ties.csv", &ties.bytes())),
            )
            .await
            .unwrap();
        let (errors, more) = refused(preview.people.unwrap(), "people.csv");
        assert_report(&errors, &people.expected());
        assert_eq!(more, 0);
        let (errors, _) = refused(preview.ties.unwrap(), "ties.csv");
        assert_report(&errors, &ties.expected());
        // The import refuses the same rows.
        let (real, _) = refused(org.import_people("people.csv", &people.bytes()[..]).await, "people.csv");
        assert_report(&real, &people.expected());
        assert_eq!(counts(&db).await, before, "nothing may be written");

        // One file alone is previewed alone.
        let preview = org.preview_import(None, Some(file("ties.csv", b"source,target\np2,p1\n"))).await.unwrap();
        assert!(preview.people.is_none());
        assert_eq!(preview.ties.unwrap().unwrap(), ImportSummary { rows: 1, written: 1 });
    }
}
