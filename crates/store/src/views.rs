//! Reads shaped for the platform's pages and API: lists of a movement's stories and
//! conversations, one person, one person's ties, and background jobs with their progress and
//! cached result. Each is one query in one transaction, scoped to the organization.

use chrono::{DateTime, Utc};
use movement::{
    Behaviour, Conversation, ConversationId, JobId, JobStatus, MovementId, MovementSpec, PersonId,
    ReactionKind, StoryId, StorySpec,
};

use crate::org::from_ms;
use crate::org::{Org, in_transaction};
use crate::rows::{PERSON_COLUMNS, PersonRow, TieRow};
use crate::{Bindable, Error, Person, Tie};

/// A published story with what it has gathered.
#[derive(Clone, Debug, PartialEq)]
pub struct Story {
    /// Row id.
    pub id: StoryId,
    /// As written.
    pub spec: StorySpec,
    /// When it was published.
    pub published_at: DateTime<Utc>,
    /// How many of each reaction, in [`ReactionKind::ALL`] order.
    pub reactions: Vec<(ReactionKind, i64)>,
    /// How many times it was retold.
    pub retells: i64,
}

/// A background job as its page shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct Job {
    /// Row id.
    pub id: JobId,
    /// What it computes, e.g. `recommend:3` (the movement's id).
    pub task: String,
    /// Where in its lifecycle.
    pub status: JobStatus,
    /// Between 0 and 1.
    pub progress: f64,
    /// Why it failed, if it did.
    pub error: Option<String>,
    /// The finished job's result (JSON), kept so that it is computed once.
    pub result: Option<String>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

type JobRow = (
    i64,
    String,
    String,
    f64,
    Option<String>,
    Option<String>,
    i64,
);

impl Org<'_> {
    /// The organization's name.
    pub async fn name(&self) -> Result<String, Error> {
        // `organizations` is the tenants' directory: it has no organization column to scope.
        let name: Option<String> = in_transaction!(self, |tx| sqlx::query_scalar(
            "SELECT name FROM organizations WHERE id = $1"
        )
        .bind(self.id.0)
        .fetch_optional(&mut *tx)
        .await?);
        name.ok_or_else(|| Error::not_found("organization", self.id))
    }

    /// Every movement of the organization, oldest first.
    pub async fn movements(&self) -> Result<Vec<(MovementId, MovementSpec)>, Error> {
        let ids: Vec<i64> = in_transaction!(self, |tx| sqlx::query_scalar(
            "SELECT id FROM movements WHERE org_id = $1 ORDER BY id"
        )
        .bind(self.id.0)
        .fetch_all(&mut *tx)
        .await?);
        let mut movements = Vec::with_capacity(ids.len());
        for id in ids {
            let id = MovementId(id);
            movements.push((id, self.movement(id).await?));
        }
        Ok(movements)
    }

    /// One person of the directory.
    pub async fn person(&self, person: PersonId) -> Result<Person, Error> {
        let sql = format!("SELECT {PERSON_COLUMNS} FROM people WHERE org_id = $1 AND id = $2");
        let row: Option<PersonRow> = in_transaction!(self, |tx| sqlx::query_as(&sql)
            .bind(self.id.0)
            .bind(person.0)
            .fetch_optional(&mut *tx)
            .await?);
        row.ok_or_else(|| Error::not_found("person", person))?
            .into_person()
    }

    /// The ties a person has, in either direction, in every layer.
    pub async fn ties_of(&self, person: PersonId) -> Result<Vec<Tie>, Error> {
        let rows: Vec<TieRow> = in_transaction!(self, |tx| sqlx::query_as(
            "SELECT source_id, target_id, layer, weight FROM ties WHERE org_id = $1 \
             AND (source_id = $2 OR target_id = $2) ORDER BY source_id, target_id, layer",
        )
        .bind(self.id.0)
        .bind(person.0)
        .fetch_all(&mut *tx)
        .await?);
        Ok(rows.into_iter().map(Tie::from).collect())
    }

    /// A movement's stories, newest first, with their reactions and retells.
    pub async fn stories(&self, movement: MovementId) -> Result<Vec<Story>, Error> {
        type Row = (i64, i64, String, String, String, String, String, i64, i64);
        let (rows, reactions): (Vec<Row>, Vec<(i64, String, i64)>) = in_transaction!(self, |tx| {
            let rows = sqlx::query_as(
                "SELECT s.id, s.author_id, s.co_authors, s.kind, s.text, s.behaviours, \
                 s.visibility, s.created_at_ms, \
                 (SELECT COUNT(*) FROM retells r WHERE r.org_id = s.org_id AND r.story_id = s.id) \
                 FROM stories s WHERE s.org_id = $1 AND s.movement_id = $2 \
                 ORDER BY s.created_at_ms DESC, s.id DESC",
            )
            .bind(self.id.0)
            .bind(movement.0)
            .fetch_all(&mut *tx)
            .await?;
            let reactions = sqlx::query_as(
                "SELECT r.story_id, r.kind, COUNT(*) FROM reactions r JOIN stories s \
                 ON s.org_id = r.org_id AND s.id = r.story_id \
                 WHERE r.org_id = $1 AND s.movement_id = $2 GROUP BY r.story_id, r.kind",
            )
            .bind(self.id.0)
            .bind(movement.0)
            .fetch_all(&mut *tx)
            .await?;
            (rows, reactions)
        });
        rows.into_iter()
            .map(
                |(id, author, co_authors, kind, text, behaviours, visibility, at, retells)| {
                    let co_authors: Vec<i64> = serde_json::from_str(&co_authors)
                        .map_err(|e| Error::corrupt("co_authors", e))?;
                    let counts = ReactionKind::ALL
                        .iter()
                        .map(|reaction| {
                            let count = reactions
                                .iter()
                                .find(|(story, kind, _)| *story == id && kind == reaction.as_str())
                                .map_or(0, |(_, _, count)| *count);
                            (*reaction, count)
                        })
                        .collect();
                    Ok(Story {
                        id: StoryId(id),
                        spec: StorySpec {
                            movement,
                            author: PersonId(author),
                            co_authors: co_authors.into_iter().map(PersonId).collect(),
                            kind: kind.parse().map_err(|e| Error::corrupt("story kind", e))?,
                            text,
                            behaviours: behaviours_from_json(&behaviours)?,
                            visibility: visibility
                                .parse()
                                .map_err(|e| Error::corrupt("visibility", e))?,
                        },
                        published_at: from_ms(at)?,
                        reactions: counts,
                        retells,
                    })
                },
            )
            .collect()
    }

    /// A movement's logged conversations, newest first.
    pub async fn conversations(
        &self,
        movement: MovementId,
    ) -> Result<Vec<(ConversationId, Conversation)>, Error> {
        type Row = (i64, i64, i64, String, String, i64);
        let rows: Vec<Row> = in_transaction!(self, |tx| sqlx::query_as(
            "SELECT id, activist_id, with_id, behaviours, outcome, at_ms FROM conversations \
             WHERE org_id = $1 AND movement_id = $2 ORDER BY at_ms DESC, id DESC",
        )
        .bind(self.id.0)
        .bind(movement.0)
        .fetch_all(&mut *tx)
        .await?);
        rows.into_iter()
            .map(|(id, activist, with, behaviours, outcome, at)| {
                Ok((
                    ConversationId(id),
                    Conversation {
                        movement,
                        activist: PersonId(activist),
                        with: PersonId(with),
                        behaviours: behaviours_from_json(&behaviours)?,
                        outcome,
                        at: from_ms(at)?,
                    },
                ))
            })
            .collect()
    }

    /// A background job with its progress and result.
    pub async fn job(&self, job: JobId) -> Result<Job, Error> {
        let row: Option<JobRow> = in_transaction!(self, |tx| sqlx::query_as(
            "SELECT id, task, status, progress, error, result, updated_at_ms FROM jobs \
             WHERE org_id = $1 AND id = $2",
        )
        .bind(self.id.0)
        .bind(job.0)
        .fetch_optional(&mut *tx)
        .await?);
        into_job(row.ok_or_else(|| Error::not_found("job", job))?)
    }

    /// The latest job of this task (queued, running or finished), if any: its result is the
    /// cache the pages show until a newer job finishes.
    pub async fn latest_job(&self, task: &str) -> Result<Option<Job>, Error> {
        let row: Option<JobRow> = in_transaction!(self, |tx| sqlx::query_as(
            "SELECT id, task, status, progress, error, result, updated_at_ms FROM jobs \
             WHERE org_id = $1 AND task = $2 ORDER BY id DESC LIMIT 1",
        )
        .bind(self.id.0)
        .bind(task)
        .fetch_optional(&mut *tx)
        .await?);
        row.map(into_job).transpose()
    }

    /// Reports a running job's progress (clamped to 0–1), for its page to show.
    pub async fn report_job_progress(&self, job: JobId, progress: f64) -> Result<(), Error> {
        self.update_job(job, "progress", progress.clamp(0.0, 1.0))
            .await
    }

    /// Keeps a job's result (JSON). The job is then finished with
    /// [`Org::advance_job`](crate::Org::advance_job).
    pub async fn keep_job_result(&self, job: JobId, result: &str) -> Result<(), Error> {
        self.update_job(job, "result", result.to_string()).await
    }

    async fn update_job<T>(&self, job: JobId, column: &'static str, value: T) -> Result<(), Error>
    where
        T: Bindable,
    {
        let sql = format!(
            "UPDATE jobs SET {column} = $1, updated_at_ms = $2 WHERE org_id = $3 AND id = $4"
        );
        let updated = in_transaction!(self, |tx| sqlx::query(&sql)
            .bind(value.clone())
            .bind(self.now())
            .bind(self.id.0)
            .bind(job.0)
            .execute(&mut *tx)
            .await?
            .rows_affected());
        if updated == 0 {
            return Err(Error::not_found("job", job));
        }
        Ok(())
    }
}

fn into_job((id, task, status, progress, error, result, updated_at): JobRow) -> Result<Job, Error> {
    Ok(Job {
        id: JobId(id),
        task,
        status: status
            .parse()
            .map_err(|e| Error::corrupt("job status", e))?,
        progress,
        error,
        result,
        updated_at: from_ms(updated_at)?,
    })
}

fn behaviours_from_json(json: &str) -> Result<Vec<Behaviour>, Error> {
    let names: Vec<String> =
        serde_json::from_str(json).map_err(|e| Error::corrupt("behaviours", e))?;
    names
        .iter()
        .map(|name| Behaviour::new(name).map_err(|e| Error::corrupt("behaviours", e)))
        .collect()
}
