//! `import`, `backup` and `restore`: the binary against a real SQLite file (and, for import,
//! the PostgreSQL server on 127.0.0.1:5432), checked through the binary's reports and by
//! opening the database with `store` behind its back.

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

use predicates::prelude::*;
use serde_json::Value;

use crate::util::{TestDir, fixture, stderr, stdout};

const SET: &str = "medical_innovation";

/// Copies the data set's files into the test's directory (short names in the reports).
fn copy_fixture(dir: &TestDir) {
    for file in ["people.csv", "ties.csv", "adoptions.csv"] {
        fs::copy(fixture(SET, file), dir.path().join(file)).expect("copy a fixture");
    }
}

/// The data rows of a CSV file.
fn csv_rows(path: &Path) -> Vec<csv::StringRecord> {
    csv::Reader::from_path(path)
        .expect("open a CSV file")
        .records()
        .map(|r| r.expect("a CSV row"))
        .collect()
}

/// How many distinct keys the given columns of a CSV file have.
fn distinct(path: &Path, columns: &[usize]) -> usize {
    let keys: BTreeSet<Vec<String>> = csv_rows(path)
        .iter()
        .map(|row| columns.iter().map(|&c| row[c].to_string()).collect())
        .collect();
    keys.len()
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

/// The report of one file in `import --format json` output.
fn file_report<'a>(report: &'a Value, kind: &str) -> &'a Value {
    report["files"]
        .as_array()
        .expect("files")
        .iter()
        .find(|f| f["kind"] == kind)
        .unwrap_or_else(|| panic!("no {kind} in {report}"))
}

/// (people, ties, adoptions) stored for an organization, read with `store` directly.
fn stored_counts(url: &str, org: &str) -> (usize, usize, usize) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let store = store::Store::open(url).await.expect("open the database");
        let org_handle = store
            .find_organization(org)
            .await
            .unwrap()
            .expect("the organization exists");
        let counts = (
            org_handle.people().await.unwrap().len(),
            org_handle.ties().await.unwrap().len(),
            org_handle.adoptions().await.unwrap().len(),
        );
        store.close().await;
        counts
    })
}

fn sqlite_url(dir: &TestDir, file: &str) -> String {
    format!("sqlite://{}", dir.path().join(file).display())
}

#[test]
fn import_loads_a_real_data_set_into_the_default_database() {
    let dir = TestDir::new();
    copy_fixture(&dir);
    let people = csv_rows(&dir.path().join("people.csv")).len();
    let ties = distinct(&dir.path().join("ties.csv"), &[0, 1, 2]);
    let adoptions = distinct(&dir.path().join("adoptions.csv"), &[0, 1]);
    let assert = dir
        .command()
        .env_remove("GROUNDSWELL_DB")
        .args(["import", "--org", "Medical", "--people", "people.csv"])
        .args(["--ties", "ties.csv", "--adoptions", "adoptions.csv"])
        .args(["--format", "json"])
        .assert();
    let assert = dir.with_context(assert).success();
    let report = json(&stdout(&assert));
    assert_eq!(report["organization"], "Medical");
    assert_eq!(report["organization_created"], true);
    let people_report = file_report(&report, "people");
    assert_eq!(people_report["added"], people);
    assert_eq!(people_report["rows"], people);
    assert_eq!(people_report["changed"], 0);
    assert_eq!(file_report(&report, "ties")["written"], ties);
    assert_eq!(file_report(&report, "adoptions")["written"], adoptions);
    // Without --db or GROUNDSWELL_DB: ./groundswell.db.
    assert!(dir.path().join("groundswell.db").is_file());
    assert_eq!(
        stored_counts(&sqlite_url(&dir, "groundswell.db"), "Medical"),
        (people, ties, adoptions)
    );
}

#[test]
fn reimport_reports_the_difference() {
    let dir = TestDir::new();
    copy_fixture(&dir);
    let url = sqlite_url(&dir, "org.db");
    dir.command()
        .env("GROUNDSWELL_DB", &url)
        .args(["import", "--org", "Medical", "--people", "people.csv"])
        .assert()
        .success();
    // Next month's export: the last person left, the first renamed, one new hire.
    let original = fs::read_to_string(dir.path().join("people.csv")).unwrap();
    let mut lines: Vec<String> = original.lines().map(str::to_string).collect();
    let n_people = lines.len() - 1;
    lines.pop();
    let mut first: Vec<String> = lines[1].split(',').map(str::to_string).collect();
    first[1] = "Renamed Person".to_string();
    lines[1] = first.join(",");
    let header_fields = lines[0].split(',').count();
    lines.push(format!(
        "new-hire,New Hire{}",
        ",".repeat(header_fields - 2)
    ));
    dir.write("people-next.csv", &(lines.join("\n") + "\n"));

    let assert = dir
        .command()
        .env("GROUNDSWELL_DB", &url)
        .args(["import", "--org", "Medical", "--people", "people-next.csv"])
        .args(["--format", "json"])
        .assert();
    let report = json(&stdout(&dir.with_context(assert).success()));
    assert_eq!(report["organization_created"], false);
    let diff = file_report(&report, "people");
    assert_eq!(
        [
            &diff["added"],
            &diff["changed"],
            &diff["left"],
            &diff["unchanged"]
        ],
        [1, 1, 1, n_people - 2]
    );
    // The same export again changes nothing; the table says so.
    dir.command()
        .env("GROUNDSWELL_DB", &url)
        .args(["import", "--org", "Medical", "--people", "people-next.csv"])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("Organization Medical\n").and(
                predicate::str::is_match(format!(
                    r"people +people-next\.csv +{n_people} +0 +0 +0 +0 +{n_people}\n"
                ))
                .unwrap(),
            ),
        );
}

#[test]
fn a_bad_file_is_refused_with_its_lines_and_nothing_written() {
    let dir = TestDir::new();
    copy_fixture(&dir);
    let url = sqlite_url(&dir, "org.db");
    dir.run(&[
        "import",
        "--db",
        &url,
        "--org",
        "Medical",
        "--people",
        "people.csv",
    ])
    .success();
    let people = fs::read_to_string(dir.path().join("people.csv")).unwrap();
    let n_people = people.lines().count() - 1;
    let ids: Vec<String> = csv_rows(&dir.path().join("people.csv"))
        .iter()
        .map(|row| row[0].to_string())
        .collect();

    // People: a new hire and a dropped person, but line 4 has no name: all refused.
    let mut lines: Vec<String> = people.lines().map(str::to_string).collect();
    lines.pop();
    let mut nameless: Vec<String> = lines[3].split(',').map(str::to_string).collect();
    nameless[1].clear();
    lines[3] = nameless.join(",");
    let header_fields = lines[0].split(',').count();
    lines.push(format!(
        "new-hire,New Hire{}",
        ",".repeat(header_fields - 2)
    ));
    dir.write("people-bad.csv", &(lines.join("\n") + "\n"));
    let assert = dir
        .run(&[
            "import",
            "--db",
            &url,
            "--org",
            "Medical",
            "--people",
            "people-bad.csv",
        ])
        .code(2)
        .stdout("");
    let message = stderr(&assert);
    assert!(
        message.contains("people-bad.csv: import refused, nothing written"),
        "{message}"
    );
    assert!(message.contains("line 4: name"), "{message}");

    // Ties: two good new ties, an unknown person on line 3 and a bad weight on line 5.
    dir.write(
        "ties-bad.csv",
        &format!(
            "source,target,layer,weight\n{a},{b},advice,1\n{a},nobody,advice,1\n{b},{a},advice,1\n{b},{c},advice,heavy\n",
            a = ids[0],
            b = ids[1],
            c = ids[2]
        ),
    );
    let assert = dir
        .run(&[
            "import",
            "--db",
            &url,
            "--org",
            "Medical",
            "--ties",
            "ties-bad.csv",
        ])
        .code(2)
        .stdout("");
    let message = stderr(&assert);
    assert!(
        message.contains("line 3: target: no person with id \"nobody\""),
        "{message}"
    );
    assert!(message.contains("line 5: weight"), "{message}");
    assert!(!message.contains("line 2"), "{message}");

    // Nothing of either file was written: the directory is as the first import left it
    // (re-importing it changes nothing) and there are no ties.
    assert_eq!(stored_counts(&url, "Medical"), (n_people, 0, 0));
    let assert = dir.run(&[
        "import",
        "--db",
        &url,
        "--org",
        "Medical",
        "--people",
        "people.csv",
        "--format",
        "json",
    ]);
    let report = json(&stdout(&assert.success()));
    assert_eq!(file_report(&report, "people")["unchanged"], n_people);
    assert_eq!(file_report(&report, "people")["written"], 0);
}

#[test]
fn a_missing_file_or_no_file_is_bad_usage() {
    let dir = TestDir::new();
    let url = sqlite_url(&dir, "org.db");
    dir.run(&["import", "--db", &url, "--org", "A", "--people", "nope.csv"])
        .code(2)
        .stderr(predicate::str::contains("nope.csv"));
    dir.run(&["import", "--db", &url, "--org", "A"]).code(2);
    dir.run(&[
        "import",
        "--db",
        "mysql://x/y",
        "--org",
        "A",
        "--people",
        "nope.csv",
    ])
    .code(2)
    .stderr(predicate::str::contains("unsupported database url"));
}

#[test]
fn backup_and_restore_round_trip() {
    let dir = TestDir::new();
    copy_fixture(&dir);
    let url = sqlite_url(&dir, "live.db");
    dir.run(&[
        "import",
        "--db",
        &url,
        "--org",
        "Medical",
        "--people",
        "people.csv",
    ])
    .success();
    dir.run(&[
        "import", "--db", &url, "--org", "Medical", "--ties", "ties.csv",
    ])
    .success();
    let at_backup = stored_counts(&url, "Medical");
    dir.run(&["backup", "--db", &url, "--to", "backup.db"])
        .success()
        .stdout(predicate::str::contains("backup.db"));

    // After the backup: the adoptions arrive and a second organization is created.
    dir.run(&[
        "import",
        "--db",
        &url,
        "--org",
        "Medical",
        "--adoptions",
        "adoptions.csv",
    ])
    .success();
    dir.run(&[
        "import",
        "--db",
        &url,
        "--org",
        "Other",
        "--people",
        "people.csv",
    ])
    .success();
    assert_ne!(stored_counts(&url, "Medical"), at_backup);

    // A backup never overwrites.
    dir.run(&["backup", "--db", &url, "--to", "backup.db"])
        .code(2)
        .stderr(predicate::str::contains("exists already"));

    dir.run(&["restore", "--from", "backup.db", "--db", &url, "--force"])
        .success();
    assert_eq!(stored_counts(&url, "Medical"), at_backup);
    // "Other" came after the backup: importing into it creates it anew.
    let assert = dir.run(&[
        "import",
        "--db",
        &url,
        "--org",
        "Other",
        "--people",
        "people.csv",
        "--format",
        "json",
    ]);
    assert_eq!(
        json(&stdout(&assert.success()))["organization_created"],
        true
    );
}

/// Refusing to replace a database without `--force` is exit status 2, like every other
/// "the command as given cannot run" case: nothing was attempted, and the fix is in the
/// arguments (add --force), not in the environment.
#[test]
fn restore_refuses_to_overwrite_without_force_and_refuses_bad_backups() {
    let dir = TestDir::new();
    copy_fixture(&dir);
    let url = sqlite_url(&dir, "live.db");
    dir.run(&[
        "import",
        "--db",
        &url,
        "--org",
        "Medical",
        "--people",
        "people.csv",
    ])
    .success();
    dir.run(&["backup", "--db", &url, "--to", "backup.db"])
        .success();
    let before = fs::read(dir.path().join("live.db")).unwrap();

    dir.run(&["restore", "--from", "backup.db", "--db", &url])
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains("--force").and(predicate::str::contains("live.db")));
    dir.run(&["restore", "--from", "people.csv", "--db", &url, "--force"])
        .code(2)
        .stderr(predicate::str::contains(
            "people.csv is not an SQLite database",
        ));
    dir.run(&[
        "restore",
        "--from",
        "backup.db",
        "--db",
        "postgres://root@127.0.0.1/test",
    ])
    .code(2)
    .stderr(predicate::str::contains("pg_restore"));
    assert_eq!(fs::read(dir.path().join("live.db")).unwrap(), before);

    // Into a new file, no --force needed.
    let copy = sqlite_url(&dir, "copy.db");
    dir.run(&["restore", "--from", "backup.db", "--db", &copy])
        .success();
    assert_eq!(
        stored_counts(&copy, "Medical"),
        stored_counts(&url, "Medical")
    );
}

#[test]
fn backup_of_a_pg_url_points_to_pg_dump_and_of_nothing_is_refused() {
    let dir = TestDir::new();
    dir.run(&[
        "backup",
        "--db",
        "postgres://root@127.0.0.1/test",
        "--to",
        "x.dump",
    ])
    .code(2)
    .stderr(predicate::str::contains("pg_dump --format=custom"));
    dir.run(&["backup", "--db", "sqlite://missing.db", "--to", "x.db"])
        .code(2)
        .stderr(predicate::str::contains("no database at missing.db"));
    assert!(!dir.path().join("missing.db").exists());
    assert!(!dir.path().join("x.db").exists());
}

/// `import` into PostgreSQL, in a schema of its own on the server at 127.0.0.1:5432
/// (`GROUNDSWELL_TEST_POSTGRES` overrides the administrator URL, as in the store's tests).
/// An unreachable server fails the test; `--skip postgres` leaves it out.
#[test]
fn import_into_postgres() {
    let admin_url = std::env::var("GROUNDSWELL_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://root@127.0.0.1:5432/test".to_string());
    let schema = format!(
        "gs_cli_{}_{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos()
    );
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let admin = runtime.block_on(async {
        let admin = sqlx::PgPool::connect(&admin_url).await.unwrap_or_else(|e| {
            panic!("PostgreSQL at {admin_url} is unreachable ({e}); skip with `-- --skip postgres`")
        });
        sqlx::query(&format!("CREATE SCHEMA {schema}"))
            .execute(&admin)
            .await
            .unwrap();
        admin
    });
    let separator = if admin_url.contains('?') { '&' } else { '?' };
    let url = format!("{admin_url}{separator}options=-c%20search_path%3D{schema}");

    let dir = TestDir::new();
    copy_fixture(&dir);
    let people = csv_rows(&dir.path().join("people.csv")).len();
    let ties = distinct(&dir.path().join("ties.csv"), &[0, 1, 2]);
    let adoptions = distinct(&dir.path().join("adoptions.csv"), &[0, 1]);
    let assert = dir
        .command()
        .env("GROUNDSWELL_DB", &url)
        .args(["import", "--org", "Medical", "--people", "people.csv"])
        .args([
            "--ties",
            "ties.csv",
            "--adoptions",
            "adoptions.csv",
            "--format",
            "json",
        ])
        .assert();
    let report = json(&stdout(&dir.with_context(assert).success()));
    assert_eq!(file_report(&report, "people")["added"], people);
    assert_eq!(stored_counts(&url, "Medical"), (people, ties, adoptions));
    // The tables are in the test's schema, not elsewhere on the server.
    let in_schema: i64 = runtime
        .block_on(
            sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {schema}.people")).fetch_one(&admin),
        )
        .unwrap();
    assert_eq!(usize::try_from(in_schema).unwrap(), people);
    // A refused file on PostgreSQL: exit 2, nothing written.
    dir.write(
        "adoptions-bad.csv",
        "id,behaviour,time\nnobody,tetracycline,3\n",
    );
    dir.run(&[
        "import",
        "--db",
        &url,
        "--org",
        "Medical",
        "--adoptions",
        "adoptions-bad.csv",
    ])
    .code(2)
    .stderr(predicate::str::contains(
        "line 2: id: no person with id \"nobody\"",
    ));
    assert_eq!(stored_counts(&url, "Medical"), (people, ties, adoptions));

    runtime.block_on(async {
        sqlx::query(&format!("DROP SCHEMA {schema} CASCADE"))
            .execute(&admin)
            .await
            .unwrap();
        admin.close().await;
    });
}

#[test]
fn help_shows_examples() {
    let dir = TestDir::new();
    dir.run(&["import", "--help"]).success().stdout(
        predicate::str::contains("Examples:")
            .and(predicate::str::contains("groundswell import --org"))
            .and(predicate::str::contains("GROUNDSWELL_DB")),
    );
    dir.run(&["backup", "--help"])
        .success()
        .stdout(predicate::str::contains("pg_dump"));
    dir.run(&["restore", "--help"])
        .success()
        .stdout(predicate::str::contains("--force"));
}
