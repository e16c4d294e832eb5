//! Imports of `people.csv`, `ties.csv` (or GraphML/GEXF) and `adoptions.csv`: parsed row by
//! row, every bad row listed (up to [`MAX_LISTED`]), and written in one transaction only if
//! the whole file is good — all or nothing.

use std::collections::{BTreeMap, HashMap};
use std::io::Read;
use std::path::Path;

use movement::{
    AdoptionTime, Behaviour, EventPayload, PersonId, PersonRecord, StoredTie, TieRecord,
};
use sqlx::QueryBuilder;

use crate::org::{Org, append_event, append_events, check_actor, in_transaction};
use crate::{Backend, Error, RowError};

/// How many bad rows an import report lists before it only counts them.
pub const MAX_LISTED: usize = 100;

/// Rows written per statement: well under both backends' limits on bound parameters
/// (SQLite 32,766; PostgreSQL 65,535) for the widest table.
pub(crate) const BATCH: usize = 1_000;

/// SQLite's page cache while it writes ties (negative: in KiB, here 256 MiB); taken only as
/// pages are needed.
const SQLITE_IMPORT_CACHE_KIB: i64 = -262_144;

/// Ties per statement and per `TiesSet` event: each batch is one JSON text (about 60 bytes
/// a tie), bound once.
const TIES_BATCH: usize = 1_000;

/// What an import of `people.csv` changed, against the directory as it was.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PeopleDiff {
    /// New people.
    pub added: usize,
    /// People whose entry changed, or who came back after leaving.
    pub changed: usize,
    /// People missing from the export: marked as having left (history kept).
    pub left: usize,
    /// People already there exactly as in the file.
    pub unchanged: usize,
}

/// What an import of ties or adoptions wrote.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ImportSummary {
    /// Data rows in the file.
    pub rows: usize,
    /// Rows that added or changed something.
    pub written: usize,
}

/// Files uploaded together for [`Org::preview_import`]: a name for the report and the bytes.
#[derive(Clone, Copy, Debug)]
pub struct ImportFile<'a> {
    /// The file's name, as the report names it.
    pub source_name: &'a str,
    /// Its content.
    pub bytes: &'a [u8],
}

/// What importing a people file and/or a ties file would do, each as its import would
/// answer: the diff or summary, or the refusal ([`Error::Rejected`]) listing its bad rows.
#[derive(Debug)]
pub struct ImportPreview {
    /// The people file's diff or refusal, if one was given.
    pub people: Option<Result<PeopleDiff, Error>>,
    /// The ties file's summary or refusal, if one was given.
    pub ties: Option<Result<ImportSummary, Error>>,
}

/// What an import of `people.csv` will write, worked out before the transaction.
struct PeoplePlan {
    diff: PeopleDiff,
    added: Vec<PersonRecord>,
    changed: Vec<(PersonId, PersonRecord)>,
    leaving: Vec<PersonId>,
    /// Every external id in the file, sorted.
    external_ids: Vec<String>,
}

/// Bad rows seen so far. Checks run in several passes (a row's own fields, then references
/// to other rows), so problems arrive out of file order; the report must still list the
/// *first* [`MAX_LISTED`] by line. Kept in memory: at most twice that many, trimmed to the
/// lowest lines whenever full, the rest only counted.
#[derive(Default)]
struct Problems {
    listed: Vec<RowError>,
    more: usize,
}

impl Problems {
    fn add(&mut self, line: u64, field: Option<&str>, reason: impl Into<String>) {
        self.listed.push(RowError {
            line,
            field: field.map(str::to_string),
            reason: reason.into(),
        });
        if self.listed.len() >= 2 * MAX_LISTED {
            self.keep_first();
        }
    }

    /// Keeps the [`MAX_LISTED`] problems of the lowest lines (a stable sort: problems of
    /// one line stay in the order found) and counts the others.
    fn keep_first(&mut self) {
        self.listed.sort_by_key(|e| e.line);
        if self.listed.len() > MAX_LISTED {
            self.more += self.listed.len() - MAX_LISTED;
            self.listed.truncate(MAX_LISTED);
        }
    }

    fn invalid(&mut self, line: u64, error: movement::Error) {
        match error {
            movement::Error::Invalid { field, reason } => self.add(line, Some(field), reason),
            other => self.add(line, None, other.to_string()),
        }
    }

    fn is_empty(&self) -> bool {
        self.listed.is_empty()
    }

    /// `Ok` when nothing was wrong; otherwise the refusal listing the rows in file order.
    fn verdict(mut self, source_name: &str) -> Result<(), Error> {
        if self.listed.is_empty() {
            return Ok(());
        }
        self.keep_first();
        Err(Error::Rejected {
            source_name: source_name.to_string(),
            errors: self.listed,
            more: self.more,
        })
    }
}

/// A CSV file's rows as (line, column → value), with the columns checked against the
/// required ones. Malformed rows (wrong number of fields, invalid UTF-8) go to `problems`.
struct CsvRows {
    header: Vec<String>,
    rows: Vec<(u64, csv::StringRecord)>,
}

fn read_csv(
    reader: impl Read,
    required: &[&str],
    problems: &mut Problems,
) -> Result<CsvRows, Error> {
    let mut csv = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(reader);
    let header: Vec<String> = match csv.headers() {
        Ok(header) => header
            .iter()
            .map(|h| h.trim().to_ascii_lowercase())
            .collect(),
        Err(error) => {
            problems.add(1, None, format!("unreadable header: {error}"));
            return Ok(CsvRows {
                header: vec![],
                rows: vec![],
            });
        }
    };
    for column in required {
        if !header.iter().any(|h| h == column) {
            problems.add(
                1,
                Some(column),
                format!("required column missing (header: {})", header.join(",")),
            );
        }
    }
    for (i, column) in header.iter().enumerate() {
        if header[..i].contains(column) {
            problems.add(1, Some(column), "column appears twice");
        }
    }
    if !problems.is_empty() {
        // Without its columns the rows mean nothing: every one would repeat the header's
        // problem ("name: is empty" a hundred thousand times).
        return Ok(CsvRows {
            header,
            rows: vec![],
        });
    }
    let mut rows = Vec::new();
    for record in csv.records() {
        match record {
            Ok(record) => rows.push((record.position().map_or(0, |p| p.line()), record)),
            Err(error) => {
                let line = error.position().map_or(0, |p| p.line());
                match error.into_kind() {
                    csv::ErrorKind::Io(io) => return Err(Error::Unreadable(io.to_string())),
                    csv::ErrorKind::UnequalLengths {
                        expected_len, len, ..
                    } => problems.add(
                        line,
                        None,
                        format!("{len} fields where the header has {expected_len}"),
                    ),
                    csv::ErrorKind::Utf8 { err, .. } => problems.add(
                        line,
                        header.get(err.field()).map(String::as_str),
                        "not valid UTF-8",
                    ),
                    other => problems.add(line, None, format!("{other:?}")),
                }
            }
        }
    }
    Ok(CsvRows { header, rows })
}

impl CsvRows {
    fn column(&self, name: &str) -> Option<usize> {
        self.header.iter().position(|h| h == name)
    }
}

/// The value of an optional column in a row ("" when the file has no such column).
fn cell(record: &csv::StringRecord, column: Option<usize>) -> &str {
    column.and_then(|c| record.get(c)).unwrap_or("")
}

/// The columns of `people.csv` that are not kept as attributes.
const PEOPLE_COLUMNS: [&str; 8] = [
    "id",
    "name",
    "email",
    "phone",
    "unit",
    "location",
    "grade",
    "manager_id",
];

impl Org<'_> {
    /// Imports an HR export (`people.csv`) as the directory's new state: new people are
    /// added, changed ones updated, people missing from the file marked as having left.
    /// Refused as a whole, with every bad row listed, if any row is bad.
    pub async fn import_people(
        &self,
        source_name: &str,
        reader: impl Read,
    ) -> Result<PeopleDiff, Error> {
        let plan = self.plan_people(source_name, reader).await?;
        let PeoplePlan {
            diff,
            added,
            changed,
            leaving,
            ..
        } = plan;
        let now = self.now();
        in_transaction!(self, |tx| {
            for chunk in added.chunks(BATCH) {
                let mut insert = QueryBuilder::new(
                    "INSERT INTO people (org_id, external_id, name, email, phone, unit, location, \
                     grade, manager_external_id, attributes) ",
                );
                insert.push_values(chunk, |mut row, r| {
                    row.push_bind(self.id.0)
                        .push_bind(&r.external_id)
                        .push_bind(&r.name)
                        .push_bind(&r.email)
                        .push_bind(&r.phone)
                        .push_bind(&r.unit)
                        .push_bind(&r.location)
                        .push_bind(&r.grade)
                        .push_bind(&r.manager)
                        .push_bind(attributes_json(r));
                });
                insert.push(" RETURNING id, external_id");
                let ids: Vec<(i64, String)> = insert.build_query_as().fetch_all(&mut *tx).await?;
                let ids: HashMap<&str, i64> =
                    ids.iter().map(|(id, ext)| (ext.as_str(), *id)).collect();
                let events = chunk.iter().map(|record| EventPayload::PersonAdded {
                    person: PersonId(ids[record.external_id.as_str()]),
                    record: record.clone(),
                });
                append_events!(self, tx, now, events);
            }
            for (person, record) in &changed {
                sqlx::query(
                    "UPDATE people SET name = $1, email = $2, phone = $3, unit = $4, location = $5, \
                     grade = $6, manager_external_id = $7, attributes = $8, left_at_ms = NULL \
                     WHERE org_id = $9 AND id = $10",
                )
                .bind(&record.name)
                .bind(&record.email)
                .bind(&record.phone)
                .bind(&record.unit)
                .bind(&record.location)
                .bind(&record.grade)
                .bind(&record.manager)
                .bind(attributes_json(record))
                .bind(self.id.0)
                .bind(person.0)
                .execute(&mut *tx)
                .await?;
                append_event!(
                    self,
                    tx,
                    &EventPayload::PersonChanged {
                        person: *person,
                        record: record.clone()
                    }
                );
            }
            for person in &leaving {
                sqlx::query("UPDATE people SET left_at_ms = $1 WHERE org_id = $2 AND id = $3")
                    .bind(now)
                    .bind(self.id.0)
                    .bind(person.0)
                    .execute(&mut *tx)
                    .await?;
                append_event!(self, tx, &EventPayload::PersonLeft { person: *person });
            }
        });
        tracing::info!(source_name, ?diff, "people imported");
        Ok(diff)
    }

    /// Checks `people.csv` and works out what importing it would change, writing nothing.
    async fn plan_people(&self, source_name: &str, reader: impl Read) -> Result<PeoplePlan, Error> {
        let mut problems = Problems::default();
        let csv = read_csv(reader, &["id", "name"], &mut problems)?;
        let columns: Vec<Option<usize>> = PEOPLE_COLUMNS.iter().map(|c| csv.column(c)).collect();
        let extra: Vec<(usize, &str)> = csv
            .header
            .iter()
            .enumerate()
            .filter(|(_, h)| !PEOPLE_COLUMNS.contains(&h.as_str()))
            .map(|(i, h)| (i, h.as_str()))
            .collect();
        let mut records: Vec<(u64, PersonRecord)> = Vec::with_capacity(csv.rows.len());
        let mut first_line: HashMap<String, u64> = HashMap::with_capacity(csv.rows.len());
        for (line, row) in &csv.rows {
            let get = |i: usize| cell(row, columns[i]);
            let record = PersonRecord::new(get(0), get(1))
                .and_then(|r| r.with_email(get(2)))
                .and_then(|r| r.with_phone(get(3)))
                .and_then(|r| r.with_placement(get(4), get(5), get(6), get(7)))
                .and_then(|r| {
                    extra.iter().try_fold(r, |r, (i, key)| {
                        r.with_attribute(key, row.get(*i).unwrap_or(""))
                    })
                });
            match record {
                Ok(record) => {
                    if let Some(first) = first_line.insert(record.external_id.clone(), *line) {
                        problems.add(
                            *line,
                            Some("id"),
                            format!("{:?} already on line {first}", record.external_id),
                        );
                    } else {
                        records.push((*line, record));
                    }
                }
                Err(error) => problems.invalid(*line, error),
            }
        }
        let existing: HashMap<String, crate::Person> = self
            .people()
            .await?
            .into_iter()
            .map(|p| (p.record.external_id.clone(), p))
            .collect();
        for (line, record) in &records {
            if let Some(manager) = &record.manager
                && !first_line.contains_key(manager)
                && !existing.contains_key(manager)
            {
                problems.add(
                    *line,
                    Some("manager_id"),
                    format!("no person with id {manager:?}"),
                );
            }
        }
        problems.verdict(source_name)?;

        let mut diff = PeopleDiff::default();
        let mut added = Vec::new();
        let mut changed = Vec::new();
        for (_, record) in records {
            match existing.get(&record.external_id) {
                None => added.push(record),
                Some(person) if person.left || person.record != record => {
                    changed.push((person.id, record))
                }
                Some(_) => diff.unchanged += 1,
            }
        }
        let leaving: Vec<PersonId> = existing
            .values()
            .filter(|p| !p.left && !first_line.contains_key(&p.record.external_id))
            .map(|p| p.id)
            .collect();
        (diff.added, diff.changed, diff.left) = (added.len(), changed.len(), leaving.len());
        let mut external_ids: Vec<String> = first_line.into_keys().collect();
        external_ids.sort_unstable();
        Ok(PeoplePlan {
            diff,
            added,
            changed,
            leaving,
            external_ids,
        })
    }

    /// Imports `ties.csv` (`source,target[,layer][,weight]`; layer defaults to the
    /// engine's default layer, weight to 1): ties are added or their weights updated.
    /// Refused as a whole, with every bad row listed, if any row is bad.
    pub async fn import_ties(
        &self,
        source_name: &str,
        reader: impl Read,
    ) -> Result<ImportSummary, Error> {
        let mut problems = Problems::default();
        let rows = tie_rows(reader, &mut problems)?;
        self.write_ties(source_name, rows, problems).await
    }

    /// What importing `people` and then `ties` would do, writing nothing: the same checks,
    /// the same diff and summary, the same line-numbered refusals as [`Org::import_people`]
    /// and [`Org::import_ties`]. Ties may name people of the people file who are not in the
    /// directory yet (they would be, imported first). A file's refusal is its part of the
    /// preview; only a failure of the database is an error.
    pub async fn preview_import(
        &self,
        people: Option<ImportFile<'_>>,
        ties: Option<ImportFile<'_>>,
    ) -> Result<ImportPreview, Error> {
        let mut known = self.person_ids().await?;
        let people = match people {
            None => None,
            Some(file) => match self.plan_people(file.source_name, file.bytes).await {
                Ok(plan) => {
                    // Stand-in ids for people the file adds: never stored, only told apart.
                    let mut next_new = -1;
                    for external_id in plan.external_ids {
                        known.entry(external_id).or_insert_with(|| {
                            next_new -= 1;
                            PersonId(next_new)
                        });
                    }
                    Some(Ok(plan.diff))
                }
                Err(error @ Error::Rejected { .. }) => Some(Err(error)),
                Err(other) => return Err(other),
            },
        };
        let ties = match ties {
            None => None,
            Some(file) => {
                let mut problems = Problems::default();
                let planned = tie_rows(file.bytes, &mut problems)
                    .and_then(|rows| plan_ties(file.source_name, &rows, problems, &known));
                match planned {
                    Ok((summary, _)) => Some(Ok(summary)),
                    Err(error @ Error::Rejected { .. }) => Some(Err(error)),
                    Err(other) => return Err(other),
                }
            }
        };
        Ok(ImportPreview { people, ties })
    }

    /// Imports ties from a file, by its extension: `.csv` as `ties.csv`; `.graphml`/`.xml`,
    /// `.gexf` and anything else (an edge list) through the engine's parsers (nodes must be people of the directory, by
    /// external id; "line" in the report is then the edge's position in the document).
    pub async fn import_ties_file(&self, path: &Path) -> Result<ImportSummary, Error> {
        let name = path.display().to_string();
        let format = engine::io::TiesFormat::from_path(path);
        if format == engine::io::TiesFormat::Csv {
            let file =
                std::fs::File::open(path).map_err(|e| Error::Unreadable(format!("{name}: {e}")))?;
            return self.import_ties(&name, std::io::BufReader::new(file)).await;
        }
        let data = std::fs::read(path).map_err(|e| Error::Unreadable(format!("{name}: {e}")))?;
        let network = engine::io::read_ties(
            None,
            &data,
            path,
            format,
            &engine::io::ReadOptions::default(),
        )
        .map_err(|e| Error::Unreadable(e.to_string()))?;
        let rows = network
            .ties()
            .iter()
            .enumerate()
            .map(|(i, tie)| {
                let layer = network.layers()[usize::from(tie.layer)].clone();
                let record = TieRecord::new(
                    network.id(tie.source),
                    network.id(tie.target),
                    layer,
                    tie.weight,
                );
                (i as u64 + 1, record)
            })
            .collect();
        self.write_ties(&name, rows, Problems::default()).await
    }

    async fn write_ties(
        &self,
        source_name: &str,
        rows: Vec<TieRow>,
        problems: Problems,
    ) -> Result<ImportSummary, Error> {
        let people = self.person_ids().await?;
        let (summary, mut ties) = plan_ties(source_name, &rows, problems, &people)?;
        // In key order, the primary key's B-tree grows at its right edge instead of taking
        // a million random inserts (each a page that falls out of the cache).
        ties.sort_unstable_by(|a, b| {
            (a.source, a.target, &a.layer).cmp(&(b.source, b.target, &b.layer))
        });
        // Each batch is serialized once, as its event, and the rows are inserted from that
        // same text by the database's JSON functions: two bound parameters per batch instead
        // of five per tie (what made a million ties slow), and the event log and the table
        // cannot disagree. Serialized before the transaction, so that the write lock is held
        // only for the writes.
        let payloads = ties
            .chunks(TIES_BATCH)
            .map(|chunk| {
                let event = EventPayload::TiesSet {
                    ties: chunk.to_vec(),
                };
                let json = serde_json::to_string(&event).map_err(|e| Error::corrupt("event", e))?;
                Ok((event.kind(), json))
            })
            .collect::<Result<Vec<(&str, String)>, Error>>()?;
        let sqlite = self.store.backend() == Backend::Sqlite;
        let insert_ties = if sqlite {
            // `WHERE true` tells SQLite's parser that an `ON CONFLICT` after it is the upsert's.
            "INSERT INTO ties (org_id, source_id, target_id, layer, weight) \
             SELECT $1, tie.value ->> 'source', tie.value ->> 'target', \
             tie.value ->> 'layer', tie.value ->> 'weight' \
             FROM json_each($2, '$.ties') AS tie WHERE true"
        } else {
            "INSERT INTO ties (org_id, source_id, target_id, layer, weight) \
             SELECT $1, tie.source, tie.target, tie.layer, tie.weight \
             FROM json_to_recordset($2::json -> 'ties') \
             AS tie (source BIGINT, target BIGINT, layer TEXT, weight DOUBLE PRECISION)"
        };
        let upsert_ties = format!(
            "{insert_ties} ON CONFLICT (org_id, source_id, target_id, layer) \
             DO UPDATE SET weight = excluded.weight"
        );
        let now = self.now();
        in_transaction!(self, |tx| {
            // The events are written below without `append_events!`, from the same text as
            // the ties; the actor is checked as it checks it.
            check_actor!(self, tx);
            let cache_size: Option<i64> = if sqlite {
                // SQLite's default 2 MiB page cache spills a large transaction to the log
                // page by page; for this connection, for this import, give it room.
                let cache_size = sqlx::query_scalar("PRAGMA cache_size")
                    .fetch_one(&mut *tx)
                    .await?;
                sqlx::query(&format!("PRAGMA cache_size = {SQLITE_IMPORT_CACHE_KIB}"))
                    .execute(&mut *tx)
                    .await?;
                Some(cache_size)
            } else {
                None
            };
            // An organization without ties yet (the first import) needs no upsert, and a plain
            // insert is a fifth faster on PostgreSQL. Should another import add ties
            // meanwhile, the unique key refuses this one whole.
            let has_ties: bool =
                sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM ties WHERE org_id = $1)")
                    .bind(self.id.0)
                    .fetch_one(&mut *tx)
                    .await?;
            let insert_ties = if has_ties {
                upsert_ties.as_str()
            } else {
                insert_ties
            };
            // Written in an inner block so that the cache size is put back even when a
            // write fails: the pooled connection outlives this import.
            let written: Result<(), Error> = async {
                for (kind, payload) in &payloads {
                    sqlx::query(insert_ties)
                        .bind(self.id.0)
                        .bind(payload)
                        .execute(&mut *tx)
                        .await?;
                    sqlx::query(
                        "INSERT INTO events (org_id, actor_account_id, kind, payload, at_ms) \
                         VALUES ($1, $2, $3, $4, $5)",
                    )
                    .bind(self.id.0)
                    .bind(self.actor.map(|a| a.0))
                    .bind(*kind)
                    .bind(payload)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                }
                Ok(())
            }
            .await;
            if let Some(cache_size) = cache_size {
                // As it was, for the next user of this pooled connection.
                sqlx::query(&format!("PRAGMA cache_size = {cache_size}"))
                    .execute(&mut *tx)
                    .await?;
            }
            written?;
        });
        tracing::info!(source_name, ?summary, "ties imported");
        Ok(summary)
    }

    /// Imports `adoptions.csv` (`id,behaviour,time`; time an integer period or an ISO
    /// date). A person adopting the same behaviour twice keeps the earliest time, in the
    /// file and against what is stored. Refused as a whole if any row is bad.
    pub async fn import_adoptions(
        &self,
        source_name: &str,
        reader: impl Read,
    ) -> Result<ImportSummary, Error> {
        let mut problems = Problems::default();
        let csv = read_csv(reader, &["id", "behaviour", "time"], &mut problems)?;
        let [id, behaviour, time] = ["id", "behaviour", "time"].map(|c| csv.column(c));
        let people = self.person_ids().await?;
        let mut earliest: BTreeMap<(PersonId, String), AdoptionTime> = BTreeMap::new();
        for (line, row) in &csv.rows {
            // Every field is checked, so that one pass over the report shows all of a row's
            // problems.
            let external_id = cell(row, id);
            let person = people.get(external_id).copied();
            if person.is_none() {
                problems.add(
                    *line,
                    Some("id"),
                    format!("no person with id {external_id:?}"),
                );
            }
            let behaviour = Behaviour::new(cell(row, behaviour))
                .map_err(|error| problems.invalid(*line, error))
                .ok();
            let time = AdoptionTime::parse(cell(row, time))
                .map_err(|error| problems.invalid(*line, error))
                .ok();
            if let (Some(person), Some(behaviour), Some(time)) = (person, behaviour, time) {
                let slot = earliest
                    .entry((person, behaviour.as_str().to_string()))
                    .or_insert(time);
                *slot = (*slot).min(time);
            }
        }
        problems.verdict(source_name)?;
        let stored = self.adoptions().await?;
        let changes: Vec<((PersonId, String), AdoptionTime, String)> = earliest
            .into_iter()
            .filter(|(key, time)| stored.get(key).is_none_or(|known| time < known))
            .map(|(key, time)| {
                Ok((
                    key,
                    time,
                    serde_json::to_string(&time).map_err(|e| Error::corrupt("time", e))?,
                ))
            })
            .collect::<Result<_, Error>>()?;
        let summary = ImportSummary {
            rows: csv.rows.len(),
            written: changes.len(),
        };
        let now = self.now();
        in_transaction!(self, |tx| {
            for chunk in changes.chunks(BATCH) {
                let mut insert = QueryBuilder::new(
                    "INSERT INTO adoptions (org_id, person_id, behaviour, time) ",
                );
                insert.push_values(chunk, |mut row, ((person, behaviour), _, json)| {
                    row.push_bind(self.id.0)
                        .push_bind(person.0)
                        .push_bind(behaviour)
                        .push_bind(json);
                });
                insert.push(" ON CONFLICT (org_id, person_id, behaviour) DO UPDATE SET time = excluded.time");
                insert.build().execute(&mut *tx).await?;
                let events = chunk.iter().map(|((person, behaviour), time, _)| {
                    EventPayload::AdoptionRecorded {
                        person: *person,
                        behaviour: behaviour.clone(),
                        time: *time,
                    }
                });
                append_events!(self, tx, now, events);
            }
        });
        Ok(summary)
    }

    /// External id → row id of everyone in the directory (those who left included: ties
    /// and adoptions are history).
    async fn person_ids(&self) -> Result<HashMap<String, PersonId>, Error> {
        let rows: Vec<(String, i64)> = in_transaction!(self, |tx| sqlx::query_as(
            "SELECT external_id, id FROM people WHERE org_id = $1",
        )
        .bind(self.id.0)
        .fetch_all(&mut *tx)
        .await?);
        Ok(rows
            .into_iter()
            .map(|(ext, id)| (ext, PersonId(id)))
            .collect())
    }
}

/// The rows of `ties.csv`, each a tie or why it is not one; a bad weight goes straight to
/// `problems`.
fn tie_rows(reader: impl Read, problems: &mut Problems) -> Result<Vec<TieRow>, Error> {
    let csv = read_csv(reader, &["source", "target"], problems)?;
    let [source, target, layer, weight] =
        ["source", "target", "layer", "weight"].map(|c| csv.column(c));
    let rows = csv.rows.iter().filter_map(|(line, row)| {
        let layer = match cell(row, layer) {
            "" => engine::io::DEFAULT_LAYER,
            name => name,
        };
        let weight = match cell(row, weight) {
            "" => Ok(1.0),
            text => text
                .parse::<f64>()
                .map_err(|_| format!("{text:?} is not a number")),
        };
        match weight {
            Ok(weight) => Some((
                *line,
                TieRecord::new(
                    cell(row, source),
                    cell(row, target),
                    engine::Layer::parse(layer),
                    weight,
                ),
            )),
            Err(reason) => {
                problems.add(*line, Some("weight"), reason);
                None
            }
        }
    });
    Ok(rows.collect())
}

/// A tie of an import with its line, or why the row is not a tie.
type TieRow = (u64, Result<TieRecord, movement::Error>);

/// Checks ties against the people they name (`people`: external id → id) and one another,
/// and returns what an import would write, or the refusal listing every bad row.
fn plan_ties(
    source_name: &str,
    rows: &[TieRow],
    mut problems: Problems,
    people: &HashMap<String, PersonId>,
) -> Result<(ImportSummary, Vec<StoredTie>), Error> {
    let mut first_line: HashMap<(PersonId, PersonId, String), u64> =
        HashMap::with_capacity(rows.len());
    let mut ties = Vec::with_capacity(rows.len());
    for (line, record) in rows {
        let record = match record {
            Ok(record) => record,
            Err(error) => {
                problems.invalid(*line, error.clone());
                continue;
            }
        };
        let end = |field: &str, id: &str, problems: &mut Problems| {
            let found = people.get(id).copied();
            if found.is_none() {
                problems.add(*line, Some(field), format!("no person with id {id:?}"));
            }
            found
        };
        let (Some(source), Some(target)) = (
            end("source", &record.source, &mut problems),
            end("target", &record.target, &mut problems),
        ) else {
            continue;
        };
        let layer = record.layer.as_str().to_string();
        if let Some(first) = first_line.insert((source, target, layer.clone()), *line) {
            problems.add(*line, None, format!("the same tie as line {first}"));
            continue;
        }
        ties.push(StoredTie {
            source,
            target,
            layer,
            weight: record.weight,
        });
    }
    problems.verdict(source_name)?;
    let summary = ImportSummary {
        rows: rows.len(),
        written: ties.len(),
    };
    Ok((summary, ties))
}

fn attributes_json(record: &PersonRecord) -> String {
    // A map of strings always serializes.
    serde_json::to_string(&record.attributes).unwrap_or_default()
}
