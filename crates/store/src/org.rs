//! [`Org`]: the organization-scoped API. Every function here runs inside one transaction
//! that is bound to the organization, and every write appends its event in that transaction.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, NaiveDate, Utc};
use movement::{
    AccountId, AdoptionTime, AnalyticsInputs, Ask, AskId, AskStatus, Behaviour, Channel,
    Conversation, ConversationId, Event, EventId, EventPayload, Experiment, ExperimentId, JobId,
    JobStatus, Membership, MembershipId, MovementId, MovementSpec, OptOut, OrgId, PersonId,
    PersonRecord, PersonState, ReactionKind, Recruitment, Role, StoryId, StorySpec,
};

use crate::rows::{PERSON_COLUMNS, PersonRow, TieRow};
use crate::{Error, Person, Store, Tie, now_ms};

/// One organization's data, and nothing else. Obtained from [`Store::org`] or
/// [`Store::create_organization`]; there is no way to query without one.
#[derive(Clone, Copy, Debug)]
pub struct Org<'s> {
    pub(crate) store: &'s Store,
    pub(crate) id: OrgId,
    pub(crate) actor: Option<AccountId>,
    /// When writes happen: `None` for the clock, or a fixed instant ([`Org::at`]).
    pub(crate) at: Option<DateTime<Utc>>,
}

/// Runs `$body` in one transaction on the store's backend with `$tx` bound to it; on
/// PostgreSQL the transaction first tells row-level security which organization it serves.
/// An early return (`?`) drops the transaction, which rolls it back.
macro_rules! in_transaction {
    ($org:expr, |$tx:ident| $body:expr) => {{
        let org: &Org<'_> = $org;
        match &org.store.pool {
            crate::Pool::Sqlite(pool) => {
                let mut $tx = pool.begin().await?;
                let value = $body;
                $tx.commit().await?;
                value
            }
            crate::Pool::Postgres(pool) => {
                let mut $tx = pool.begin().await?;
                sqlx::query("SELECT set_config('groundswell.org_id', $1, true)")
                    .bind(org.id.0.to_string())
                    .execute(&mut *$tx)
                    .await?;
                let value = $body;
                $tx.commit().await?;
                value
            }
        }
    }};
}
pub(crate) use in_transaction;

/// Refuses the write ([`Error::Dangling`]) when the actor is not an account of this
/// organization: the log never names another organization's account.
macro_rules! check_actor {
    ($org:expr, $tx:ident) => {{
        if let Some(actor) = $org.actor {
            let found: Option<i64> =
                sqlx::query_scalar("SELECT id FROM accounts WHERE org_id = $1 AND id = $2")
                    .bind($org.id.0)
                    .bind(actor.0)
                    .fetch_optional(&mut *$tx)
                    .await?;
            if found.is_none() {
                return Err(Error::Dangling);
            }
        }
    }};
}
pub(crate) use check_actor;

/// Appends events, stamped `$at`, in the transaction `$tx`: a batched insert, so that an
/// import's hundred thousand events cost a hundred statements. Checks the actor first.
macro_rules! append_events {
    ($org:expr, $tx:ident, $at:expr, $events:expr) => {{
        check_actor!($org, $tx);
        let rows = $events
            .into_iter()
            .map(|payload: EventPayload| {
                let json =
                    serde_json::to_string(&payload).map_err(|e| Error::corrupt("event", e))?;
                Ok((payload.kind(), json))
            })
            .collect::<Result<Vec<_>, Error>>()?;
        for chunk in rows.chunks(crate::import::BATCH) {
            let mut insert = sqlx::QueryBuilder::new(
                "INSERT INTO events (org_id, actor_account_id, kind, payload, at_ms) ",
            );
            insert.push_values(chunk, |mut row, (kind, json)| {
                row.push_bind($org.id.0)
                    .push_bind($org.actor.map(|a| a.0))
                    .push_bind(*kind)
                    .push_bind(json)
                    .push_bind($at);
            });
            insert.build().execute(&mut *$tx).await?;
        }
    }};
}
pub(crate) use append_events;

/// Appends one event in the transaction `$tx`.
macro_rules! append_event {
    ($org:expr, $tx:ident, $payload:expr) => {{
        let payload: &EventPayload = $payload;
        append_events!($org, $tx, $org.now(), std::iter::once(payload.clone()));
    }};
}
pub(crate) use append_event;

/// The status of row `$id` of `$table` (asks, jobs) in the transaction `$tx`, parsed into the
/// type the caller annotates; [`Error::NotFound`] if this organization has no such row.
macro_rules! current_status {
    ($org:expr, $tx:ident, $table:literal, $what:literal, $id:expr) => {{
        let status: Option<String> = sqlx::query_scalar(concat!(
            "SELECT status FROM ",
            $table,
            " WHERE org_id = $1 AND id = $2"
        ))
        .bind($org.id.0)
        .bind($id.0)
        .fetch_optional(&mut *$tx)
        .await?;
        status
            .ok_or_else(|| Error::not_found($what, $id))?
            .parse()
            .map_err(|e| Error::corrupt(concat!($what, " status"), e))?
    }};
}
pub(crate) use current_status;

impl<'s> Org<'s> {
    pub(crate) fn new(store: &'s Store, id: OrgId) -> Org<'s> {
        Org {
            store,
            id,
            actor: None,
            at: None,
        }
    }

    /// The organization's id.
    pub fn id(&self) -> OrgId {
        self.id
    }

    /// The same organization, with writes recorded in the event log as done by `account`.
    pub fn acting_as(self, account: AccountId) -> Org<'s> {
        Org {
            actor: Some(account),
            ..self
        }
    }

    /// The same organization, with writes stamped `at` instead of the clock's time: in their
    /// rows (`created_at_ms`, `at_ms`, …) and in their events. For history written after the
    /// fact (imports of past activity, the demo); times are kept to the millisecond.
    pub fn at(self, at: DateTime<Utc>) -> Org<'s> {
        Org {
            at: Some(at),
            ..self
        }
    }

    /// The time a write made now is stamped with, in milliseconds since the Unix epoch.
    pub(crate) fn now(&self) -> i64 {
        self.at.map_or_else(now_ms, |at| at.timestamp_millis())
    }

    // ----- people -----

    /// Adds one person to the directory.
    pub async fn add_person(&self, record: &PersonRecord) -> Result<PersonId, Error> {
        let attributes = serde_json::to_string(&record.attributes)
            .map_err(|e| Error::corrupt("person attributes", e))?;
        Ok(in_transaction!(self, |tx| {
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO people (org_id, external_id, name, email, phone, unit, location, \
                 grade, manager_external_id, attributes) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
            )
            .bind(self.id.0)
            .bind(&record.external_id)
            .bind(&record.name)
            .bind(&record.email)
            .bind(&record.phone)
            .bind(&record.unit)
            .bind(&record.location)
            .bind(&record.grade)
            .bind(&record.manager)
            .bind(&attributes)
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| Error::refused(e, "person", &record.external_id))?;
            let person = PersonId(id);
            append_event!(
                self,
                tx,
                &EventPayload::PersonAdded {
                    person,
                    record: record.clone(),
                }
            );
            person
        }))
    }

    /// Everyone in the directory, those who left included, by id.
    pub async fn people(&self) -> Result<Vec<Person>, Error> {
        let sql = format!("SELECT {PERSON_COLUMNS} FROM people WHERE org_id = $1 ORDER BY id");
        let rows: Vec<PersonRow> = in_transaction!(self, |tx| sqlx::query_as(&sql)
            .bind(self.id.0)
            .fetch_all(&mut *tx)
            .await?);
        rows.into_iter().map(PersonRow::into_person).collect()
    }

    /// The person with this external id, if any.
    pub async fn person_by_external_id(&self, external_id: &str) -> Result<Option<Person>, Error> {
        let sql =
            format!("SELECT {PERSON_COLUMNS} FROM people WHERE org_id = $1 AND external_id = $2");
        let row: Option<PersonRow> = in_transaction!(self, |tx| sqlx::query_as(&sql)
            .bind(self.id.0)
            .bind(external_id.trim())
            .fetch_optional(&mut *tx)
            .await?);
        row.map(PersonRow::into_person).transpose()
    }

    /// Marks a person as having left: their history stays, suggestions skip them.
    pub async fn mark_left(&self, person: PersonId) -> Result<(), Error> {
        in_transaction!(self, |tx| {
            let done = sqlx::query(
                "UPDATE people SET left_at_ms = $1 \
                 WHERE org_id = $2 AND id = $3 AND left_at_ms IS NULL",
            )
            .bind(self.now())
            .bind(self.id.0)
            .bind(person.0)
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() == 0 {
                return Err(Error::not_found(
                    "person (still in the organization)",
                    person,
                ));
            }
            append_event!(self, tx, &EventPayload::PersonLeft { person });
        });
        Ok(())
    }

    /// Every tie, ordered by source, target, layer.
    pub async fn ties(&self) -> Result<Vec<Tie>, Error> {
        let rows: Vec<TieRow> = in_transaction!(self, |tx| sqlx::query_as(
            "SELECT source_id, target_id, layer, weight FROM ties WHERE org_id = $1 \
             ORDER BY source_id, target_id, layer",
        )
        .bind(self.id.0)
        .fetch_all(&mut *tx)
        .await?);
        Ok(rows.into_iter().map(Tie::from).collect())
    }

    // ----- adoptions and opt-outs -----

    /// Records that `person` practises `behaviour` since `time`; an earlier time already
    /// recorded is kept.
    pub async fn record_adoption(
        &self,
        person: PersonId,
        behaviour: &Behaviour,
        time: AdoptionTime,
    ) -> Result<(), Error> {
        in_transaction!(self, |tx| {
            let known: Option<String> = sqlx::query_scalar(
                "SELECT time FROM adoptions WHERE org_id = $1 AND person_id = $2 AND behaviour = $3",
            )
            .bind(self.id.0)
            .bind(person.0)
            .bind(behaviour.as_str())
            .fetch_optional(&mut *tx)
            .await?;
            let known = known.map(|text| parse_time(&text)).transpose()?;
            let earliest = known.map_or(time, |known| known.min(time));
            let json = serde_json::to_string(&earliest).map_err(|e| Error::corrupt("time", e))?;
            sqlx::query(
                "INSERT INTO adoptions (org_id, person_id, behaviour, time) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (org_id, person_id, behaviour) DO UPDATE SET time = excluded.time",
            )
            .bind(self.id.0)
            .bind(person.0)
            .bind(behaviour.as_str())
            .bind(json)
            .execute(&mut *tx)
            .await
            .map_err(|e| Error::refused(e, "person", &person.to_string()))?;
            append_event!(
                self,
                tx,
                &EventPayload::AdoptionRecorded {
                    person,
                    behaviour: behaviour.as_str().to_string(),
                    time,
                }
            );
        });
        Ok(())
    }

    /// Every adoption recorded: the earliest time each person adopted each behaviour.
    pub async fn adoptions(&self) -> Result<BTreeMap<(PersonId, String), AdoptionTime>, Error> {
        let rows: Vec<(i64, String, String)> = in_transaction!(self, |tx| sqlx::query_as(
            "SELECT person_id, behaviour, time FROM adoptions WHERE org_id = $1",
        )
        .bind(self.id.0)
        .fetch_all(&mut *tx)
        .await?);
        rows.into_iter()
            .map(|(person, behaviour, time)| {
                Ok(((PersonId(person), behaviour), parse_time(&time)?))
            })
            .collect()
    }

    /// A peer confirms that `person` practises `behaviour`, which they have recorded.
    /// Confirming one's own adoption, or an adoption not recorded, is refused.
    pub async fn confirm_adoption(
        &self,
        person: PersonId,
        behaviour: &Behaviour,
        by: PersonId,
    ) -> Result<(), Error> {
        if person == by {
            return Err(movement::Error::Invalid {
                field: "confirmed_by",
                reason: "a person cannot confirm their own adoption".into(),
            }
            .into());
        }
        in_transaction!(self, |tx| {
            sqlx::query(
                "INSERT INTO adoption_confirmations (org_id, person_id, behaviour, confirmed_by, \
                 at_ms) VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (org_id, person_id, behaviour, confirmed_by) DO NOTHING",
            )
            .bind(self.id.0)
            .bind(person.0)
            .bind(behaviour.as_str())
            .bind(by.0)
            .bind(self.now())
            .execute(&mut *tx)
            .await
            .map_err(|e| Error::refused(e, "adoption confirmation", ""))?;
            append_event!(
                self,
                tx,
                &EventPayload::AdoptionConfirmed {
                    person,
                    behaviour: behaviour.as_str().to_string(),
                    by,
                }
            );
        });
        Ok(())
    }

    /// The peers who confirmed each adoption; self-reported adoptions are absent.
    pub async fn adoption_confirmations(
        &self,
    ) -> Result<BTreeMap<(PersonId, String), BTreeSet<PersonId>>, Error> {
        let rows: Vec<(i64, String, i64)> = in_transaction!(self, |tx| sqlx::query_as(
            "SELECT person_id, behaviour, confirmed_by FROM adoption_confirmations \
             WHERE org_id = $1",
        )
        .bind(self.id.0)
        .fetch_all(&mut *tx)
        .await?);
        let mut confirmations: BTreeMap<(PersonId, String), BTreeSet<PersonId>> = BTreeMap::new();
        for (person, behaviour, by) in rows {
            confirmations
                .entry((PersonId(person), behaviour))
                .or_default()
                .insert(PersonId(by));
        }
        Ok(confirmations)
    }

    /// Turns an opt-out on; it applies everywhere at once.
    pub async fn set_opt_out(&self, person: PersonId, opt_out: OptOut) -> Result<(), Error> {
        in_transaction!(self, |tx| {
            sqlx::query(
                "INSERT INTO opt_outs (org_id, person_id, kind, at_ms) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (org_id, person_id, kind) DO NOTHING",
            )
            .bind(self.id.0)
            .bind(person.0)
            .bind(opt_out.as_str())
            .bind(self.now())
            .execute(&mut *tx)
            .await
            .map_err(|e| Error::refused(e, "person", &person.to_string()))?;
            append_event!(self, tx, &EventPayload::OptOutSet { person, opt_out });
        });
        Ok(())
    }

    /// Withdraws an opt-out. A person not in this organization is refused, as setting one is.
    pub async fn clear_opt_out(&self, person: PersonId, opt_out: OptOut) -> Result<(), Error> {
        in_transaction!(self, |tx| {
            let found: Option<i64> =
                sqlx::query_scalar("SELECT id FROM people WHERE org_id = $1 AND id = $2")
                    .bind(self.id.0)
                    .bind(person.0)
                    .fetch_optional(&mut *tx)
                    .await?;
            if found.is_none() {
                return Err(Error::Dangling);
            }
            sqlx::query("DELETE FROM opt_outs WHERE org_id = $1 AND person_id = $2 AND kind = $3")
                .bind(self.id.0)
                .bind(person.0)
                .bind(opt_out.as_str())
                .execute(&mut *tx)
                .await?;
            append_event!(self, tx, &EventPayload::OptOutCleared { person, opt_out });
        });
        Ok(())
    }

    /// The people who opted out of `opt_out`.
    pub async fn opted_out(&self, opt_out: OptOut) -> Result<Vec<PersonId>, Error> {
        let ids: Vec<i64> = in_transaction!(self, |tx| sqlx::query_scalar(
            "SELECT person_id FROM opt_outs WHERE org_id = $1 AND kind = $2 ORDER BY person_id",
        )
        .bind(self.id.0)
        .bind(opt_out.as_str())
        .fetch_all(&mut *tx)
        .await?);
        Ok(ids.into_iter().map(PersonId).collect())
    }

    // ----- accounts, movements, memberships -----

    /// Creates a login for a person.
    pub async fn create_account(&self, person: PersonId, email: &str) -> Result<AccountId, Error> {
        let email = email.trim().to_lowercase();
        Ok(in_transaction!(self, |tx| {
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO accounts (org_id, person_id, email, created_at_ms) \
                 VALUES ($1, $2, $3, $4) RETURNING id",
            )
            .bind(self.id.0)
            .bind(person.0)
            .bind(&email)
            .bind(self.now())
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| Error::refused(e, "account", &email))?;
            let account = AccountId(id);
            append_event!(self, tx, &EventPayload::AccountCreated { account, person });
            account
        }))
    }

    /// Founds a movement.
    pub async fn create_movement(&self, spec: &MovementSpec) -> Result<MovementId, Error> {
        let behaviours: Vec<&str> = spec.behaviours().iter().map(Behaviour::as_str).collect();
        let behaviours =
            serde_json::to_string(&behaviours).map_err(|e| Error::corrupt("behaviours", e))?;
        Ok(in_transaction!(self, |tx| {
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO movements (org_id, name, mission, behaviours, critical_mass, \
                 starts_on, created_at_ms) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            )
            .bind(self.id.0)
            .bind(spec.name())
            .bind(spec.mission())
            .bind(&behaviours)
            .bind(spec.critical_mass())
            .bind(spec.starts_on().to_string())
            .bind(self.now())
            .fetch_one(&mut *tx)
            .await?;
            let movement = MovementId(id);
            append_event!(
                self,
                tx,
                &EventPayload::MovementCreated {
                    movement,
                    spec: spec.clone(),
                }
            );
            movement
        }))
    }

    /// The movement with this id.
    pub async fn movement(&self, movement: MovementId) -> Result<MovementSpec, Error> {
        let row: Option<(String, String, String, f64, String)> =
            in_transaction!(self, |tx| sqlx::query_as(
                "SELECT name, mission, behaviours, critical_mass, starts_on FROM movements \
                 WHERE org_id = $1 AND id = $2",
            )
            .bind(self.id.0)
            .bind(movement.0)
            .fetch_optional(&mut *tx)
            .await?);
        let (name, mission, behaviours, critical_mass, starts_on) =
            row.ok_or_else(|| Error::not_found("movement", movement))?;
        let behaviours: Vec<String> =
            serde_json::from_str(&behaviours).map_err(|e| Error::corrupt("behaviours", e))?;
        let behaviours = behaviours
            .iter()
            .map(|b| Behaviour::new(b))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| Error::corrupt("behaviours", e))?;
        let starts_on: NaiveDate = starts_on
            .parse()
            .map_err(|e| Error::corrupt("starts_on", e))?;
        MovementSpec::new(&name, &mission, behaviours, critical_mass, starts_on)
            .map_err(|e| Error::corrupt("movement", e))
    }

    /// Someone joins a movement.
    pub async fn join(&self, membership: Membership) -> Result<MembershipId, Error> {
        let mut membership = membership.validate()?;
        // The table keeps milliseconds; the event says the same, or replay would differ.
        membership.joined_at = from_ms(membership.joined_at.timestamp_millis())?;
        let (recruited_by, recruiter) = match membership.recruited_by {
            Recruitment::Person(person) => ("person", Some(person.0)),
            Recruitment::Broadcast => ("broadcast", None),
            Recruitment::SelfSignup => ("self_signup", None),
        };
        Ok(in_transaction!(self, |tx| {
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO memberships (org_id, movement_id, person_id, role, personal_mission, \
                 joined_at_ms, recruited_by, recruiter_id) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
            )
            .bind(self.id.0)
            .bind(membership.movement.0)
            .bind(membership.person.0)
            .bind(membership.role.as_str())
            .bind(&membership.personal_mission)
            .bind(membership.joined_at.timestamp_millis())
            .bind(recruited_by)
            .bind(recruiter)
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| {
                Error::refused(e, "membership of person", &membership.person.to_string())
            })?;
            let id = MembershipId(id);
            append_event!(
                self,
                tx,
                &EventPayload::MembershipCreated {
                    membership: id,
                    spec: membership.clone(),
                }
            );
            id
        }))
    }

    /// The members of a movement, by membership id.
    pub async fn memberships(
        &self,
        movement: MovementId,
    ) -> Result<Vec<(MembershipId, Membership)>, Error> {
        type Row = (i64, i64, String, Option<String>, i64, String, Option<i64>);
        let rows: Vec<Row> = in_transaction!(self, |tx| {
            sqlx::query_as(
            "SELECT id, person_id, role, personal_mission, joined_at_ms, recruited_by, recruiter_id \
             FROM memberships WHERE org_id = $1 AND movement_id = $2 ORDER BY id",
        )
        .bind(self.id.0)
        .bind(movement.0)
        .fetch_all(&mut *tx)
        .await?
        });
        rows.into_iter()
            .map(
                |(id, person, role, personal_mission, joined_at, recruited_by, recruiter)| {
                    let recruited_by = match (recruited_by.as_str(), recruiter) {
                        ("person", Some(recruiter)) => Recruitment::Person(PersonId(recruiter)),
                        ("broadcast", None) => Recruitment::Broadcast,
                        ("self_signup", None) => Recruitment::SelfSignup,
                        (other, _) => return Err(Error::corrupt("recruited_by", other)),
                    };
                    Ok((
                        MembershipId(id),
                        Membership {
                            movement,
                            person: PersonId(person),
                            role: role
                                .parse::<Role>()
                                .map_err(|e| Error::corrupt("role", e))?,
                            personal_mission,
                            joined_at: from_ms(joined_at)?,
                            recruited_by,
                        },
                    ))
                },
            )
            .collect()
    }

    // ----- outreach -----

    /// Drafts (or records) an ask.
    pub async fn create_ask(&self, ask: Ask) -> Result<AskId, Error> {
        let ask = ask.validate()?;
        let (experiment, arm) = match &ask.arm {
            Some((experiment, arm)) => (Some(experiment.0), Some(arm.as_str())),
            None => (None, None),
        };
        Ok(in_transaction!(self, |tx| {
            let now = self.now();
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO asks (org_id, movement_id, from_id, to_id, channel, message, token, \
                 status, experiment_id, arm, created_at_ms, updated_at_ms) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) RETURNING id",
            )
            .bind(self.id.0)
            .bind(ask.movement.0)
            .bind(ask.from.0)
            .bind(ask.to.0)
            .bind(ask.channel.as_str())
            .bind(&ask.message)
            .bind(&ask.token)
            .bind(ask.status.as_str())
            .bind(experiment)
            .bind(arm)
            .bind(now)
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| Error::refused(e, "ask token", &ask.token))?;
            let id = AskId(id);
            append_event!(
                self,
                tx,
                &EventPayload::AskCreated {
                    ask: id,
                    spec: ask.clone()
                }
            );
            id
        }))
    }

    /// Moves an ask along its lifecycle; an illegal step is refused and nothing changes.
    pub async fn advance_ask(&self, ask: AskId, next: AskStatus) -> Result<(), Error> {
        in_transaction!(self, |tx| {
            let status: AskStatus = current_status!(self, tx, "asks", "ask", ask);
            status.advance(next)?;
            sqlx::query(
                "UPDATE asks SET status = $1, updated_at_ms = $2 WHERE org_id = $3 AND id = $4",
            )
            .bind(next.as_str())
            .bind(self.now())
            .bind(self.id.0)
            .bind(ask.0)
            .execute(&mut *tx)
            .await?;
            append_event!(self, tx, &EventPayload::AskAdvanced { ask, status: next });
        });
        Ok(())
    }

    /// The ask behind a personal join link, with its id and status.
    pub async fn ask_by_token(&self, token: &str) -> Result<Option<(AskId, Ask)>, Error> {
        let asks = self.asks_where("token = $2", token.to_string()).await?;
        Ok(asks.into_iter().next())
    }

    /// Every ask of a movement, by id.
    pub async fn asks(&self, movement: MovementId) -> Result<Vec<(AskId, Ask)>, Error> {
        self.asks_where("movement_id = $2", movement.0).await
    }

    async fn asks_where<T>(&self, condition: &str, value: T) -> Result<Vec<(AskId, Ask)>, Error>
    where
        T: crate::Bindable,
    {
        type Row = (
            i64,
            i64,
            i64,
            i64,
            String,
            String,
            String,
            String,
            Option<i64>,
            Option<String>,
        );
        let sql = format!(
            "SELECT id, movement_id, from_id, to_id, channel, message, token, status, \
             experiment_id, arm FROM asks WHERE org_id = $1 AND {condition} ORDER BY id"
        );
        let rows: Vec<Row> = in_transaction!(self, |tx| sqlx::query_as(&sql)
            .bind(self.id.0)
            .bind(value.clone())
            .fetch_all(&mut *tx)
            .await?);
        rows.into_iter()
            .map(
                |(id, movement, from, to, channel, message, token, status, experiment, arm)| {
                    let arm = match (experiment, arm) {
                        (Some(experiment), Some(arm)) => Some((ExperimentId(experiment), arm)),
                        _ => None,
                    };
                    Ok((
                        AskId(id),
                        Ask {
                            movement: MovementId(movement),
                            from: PersonId(from),
                            to: PersonId(to),
                            channel: channel
                                .parse::<Channel>()
                                .map_err(|e| Error::corrupt("channel", e))?,
                            message,
                            token,
                            status: status
                                .parse()
                                .map_err(|e| Error::corrupt("ask status", e))?,
                            arm,
                        },
                    ))
                },
            )
            .collect()
    }

    /// Logs a talk.
    pub async fn log_conversation(
        &self,
        conversation: &Conversation,
    ) -> Result<ConversationId, Error> {
        let behaviours = names(&conversation.behaviours)?;
        // The table keeps milliseconds; the event says the same.
        let conversation = &Conversation {
            at: from_ms(conversation.at.timestamp_millis())?,
            ..conversation.clone()
        };
        Ok(in_transaction!(self, |tx| {
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO conversations (org_id, movement_id, activist_id, with_id, behaviours, \
                 outcome, at_ms) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            )
            .bind(self.id.0)
            .bind(conversation.movement.0)
            .bind(conversation.activist.0)
            .bind(conversation.with.0)
            .bind(&behaviours)
            .bind(&conversation.outcome)
            .bind(conversation.at.timestamp_millis())
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| Error::refused(e, "row", ""))?;
            let id = ConversationId(id);
            append_event!(
                self,
                tx,
                &EventPayload::ConversationLogged {
                    conversation: id,
                    spec: conversation.clone(),
                }
            );
            id
        }))
    }

    /// Sets up a channel experiment.
    pub async fn create_experiment(&self, experiment: Experiment) -> Result<ExperimentId, Error> {
        let experiment = experiment.validate()?;
        let arms =
            serde_json::to_string(&experiment.arms).map_err(|e| Error::corrupt("arms", e))?;
        Ok(in_transaction!(self, |tx| {
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO experiments (org_id, movement_id, name, arms) VALUES ($1, $2, $3, $4) \
                 RETURNING id",
            )
            .bind(self.id.0)
            .bind(experiment.movement.0)
            .bind(&experiment.name)
            .bind(&arms)
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| Error::refused(e, "row", ""))?;
            let id = ExperimentId(id);
            append_event!(
                self,
                tx,
                &EventPayload::ExperimentCreated {
                    experiment: id,
                    spec: experiment.clone(),
                }
            );
            id
        }))
    }

    // ----- stories -----

    /// Shares a story.
    pub async fn publish_story(&self, story: StorySpec) -> Result<StoryId, Error> {
        let story = story.validate()?;
        let co_authors = serde_json::to_string(&story.co_authors)
            .map_err(|e| Error::corrupt("co_authors", e))?;
        let behaviours = names(&story.behaviours)?;
        Ok(in_transaction!(self, |tx| {
            for co_author in &story.co_authors {
                let found: Option<i64> =
                    sqlx::query_scalar("SELECT id FROM people WHERE org_id = $1 AND id = $2")
                        .bind(self.id.0)
                        .bind(co_author.0)
                        .fetch_optional(&mut *tx)
                        .await?;
                if found.is_none() {
                    return Err(Error::Dangling);
                }
            }
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO stories (org_id, movement_id, author_id, co_authors, kind, text, \
                 behaviours, visibility, created_at_ms) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
            )
            .bind(self.id.0)
            .bind(story.movement.0)
            .bind(story.author.0)
            .bind(&co_authors)
            .bind(story.kind.as_str())
            .bind(&story.text)
            .bind(&behaviours)
            .bind(story.visibility.as_str())
            .bind(self.now())
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| Error::refused(e, "row", ""))?;
            let id = StoryId(id);
            append_event!(
                self,
                tx,
                &EventPayload::StoryPublished {
                    story: id,
                    spec: story.clone()
                }
            );
            id
        }))
    }

    /// Someone reacts to a story; reacting twice the same way is one reaction.
    pub async fn react(
        &self,
        story: StoryId,
        person: PersonId,
        reaction: ReactionKind,
    ) -> Result<(), Error> {
        in_transaction!(self, |tx| {
            sqlx::query(
                "INSERT INTO reactions (org_id, story_id, person_id, kind, at_ms) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
            )
            .bind(self.id.0)
            .bind(story.0)
            .bind(person.0)
            .bind(reaction.as_str())
            .bind(self.now())
            .execute(&mut *tx)
            .await
            .map_err(|e| Error::refused(e, "row", ""))?;
            append_event!(
                self,
                tx,
                &EventPayload::Reacted {
                    story,
                    person,
                    reaction
                }
            );
        });
        Ok(())
    }

    /// Someone retells a story with a note of their own.
    pub async fn retell(&self, story: StoryId, person: PersonId, note: &str) -> Result<(), Error> {
        in_transaction!(self, |tx| {
            sqlx::query(
                "INSERT INTO retells (org_id, story_id, person_id, note, at_ms) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(self.id.0)
            .bind(story.0)
            .bind(person.0)
            .bind(note.trim())
            .bind(self.now())
            .execute(&mut *tx)
            .await
            .map_err(|e| Error::refused(e, "row", ""))?;
            append_event!(
                self,
                tx,
                &EventPayload::Retold {
                    story,
                    person,
                    note: note.trim().to_string()
                }
            );
        });
        Ok(())
    }

    /// Reactions to a story, counted by kind.
    pub async fn reaction_counts(&self, story: StoryId) -> Result<Vec<(ReactionKind, i64)>, Error> {
        let rows: Vec<(String, i64)> = in_transaction!(self, |tx| sqlx::query_as(
            "SELECT kind, COUNT(*) FROM reactions WHERE org_id = $1 AND story_id = $2 \
             GROUP BY kind ORDER BY kind",
        )
        .bind(self.id.0)
        .bind(story.0)
        .fetch_all(&mut *tx)
        .await?);
        rows.into_iter()
            .map(|(kind, n)| Ok((kind.parse().map_err(|e| Error::corrupt("reaction", e))?, n)))
            .collect()
    }

    // ----- jobs -----

    /// Queues a background job.
    pub async fn queue_job(&self, task: &str) -> Result<JobId, Error> {
        Ok(in_transaction!(self, |tx| {
            let now = self.now();
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO jobs (org_id, task, status, created_at_ms, updated_at_ms) \
                 VALUES ($1, $2, $3, $4, $4) RETURNING id",
            )
            .bind(self.id.0)
            .bind(task)
            .bind(JobStatus::Queued.as_str())
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            let job = JobId(id);
            append_event!(
                self,
                tx,
                &EventPayload::JobQueued {
                    job,
                    task: task.to_string()
                }
            );
            job
        }))
    }

    /// Moves a job along its lifecycle, with an error message when it failed.
    pub async fn advance_job(
        &self,
        job: JobId,
        next: JobStatus,
        error: Option<&str>,
    ) -> Result<(), Error> {
        in_transaction!(self, |tx| {
            let status: JobStatus = current_status!(self, tx, "jobs", "job", job);
            status.advance(next)?;
            sqlx::query(
                "UPDATE jobs SET status = $1, error = $2, updated_at_ms = $3 \
                 WHERE org_id = $4 AND id = $5",
            )
            .bind(next.as_str())
            .bind(error)
            .bind(self.now())
            .bind(self.id.0)
            .bind(job.0)
            .execute(&mut *tx)
            .await?;
            append_event!(self, tx, &EventPayload::JobAdvanced { job, status: next });
        });
        Ok(())
    }

    /// A job's status.
    pub async fn job_status(&self, job: JobId) -> Result<JobStatus, Error> {
        Ok(in_transaction!(self, |tx| {
            let status: JobStatus = current_status!(self, tx, "jobs", "job", job);
            status
        }))
    }

    // ----- the event log and the analytics' inputs -----

    /// The organization's event log, oldest first.
    pub async fn events(&self) -> Result<Vec<Event>, Error> {
        let rows: Vec<(i64, Option<i64>, String, i64)> = in_transaction!(self, |tx| {
            sqlx::query_as(
            "SELECT id, actor_account_id, payload, at_ms FROM events WHERE org_id = $1 ORDER BY id",
        )
        .bind(self.id.0)
        .fetch_all(&mut *tx)
        .await?
        });
        rows.into_iter()
            .map(|(id, actor, payload, at)| {
                Ok(Event {
                    id: EventId(id),
                    at: from_ms(at)?,
                    actor: actor.map(AccountId),
                    payload: serde_json::from_str(&payload)
                        .map_err(|e| Error::corrupt("event", e))?,
                })
            })
            .collect()
    }

    /// The analytics' inputs as the tables hold them; [`movement::replay`] of
    /// [`Org::events`] gives the same.
    pub async fn analytics_inputs(&self) -> Result<AnalyticsInputs, Error> {
        let mut inputs = AnalyticsInputs::default();
        for person in self.people().await? {
            inputs.people.insert(
                person.id,
                PersonState {
                    record: person.record,
                    left: person.left,
                },
            );
        }
        for tie in self.ties().await? {
            inputs
                .ties
                .insert((tie.source, tie.target, tie.layer), tie.weight);
        }
        inputs.adoptions = self.adoptions().await?;
        inputs.confirmations = self.adoption_confirmations().await?;
        let movements: Vec<i64> = in_transaction!(self, |tx| sqlx::query_scalar(
            "SELECT id FROM movements WHERE org_id = $1",
        )
        .bind(self.id.0)
        .fetch_all(&mut *tx)
        .await?);
        for movement in movements {
            inputs
                .memberships
                .extend(self.memberships(MovementId(movement)).await?);
            inputs.asks.extend(self.asks(MovementId(movement)).await?);
        }
        for opt_out in OptOut::ALL {
            for person in self.opted_out(*opt_out).await? {
                inputs.opt_outs.insert((person, *opt_out));
            }
        }
        Ok(inputs)
    }
}

fn names(behaviours: &[Behaviour]) -> Result<String, Error> {
    let names: Vec<&str> = behaviours.iter().map(Behaviour::as_str).collect();
    serde_json::to_string(&names).map_err(|e| Error::corrupt("behaviours", e))
}

fn parse_time(text: &str) -> Result<AdoptionTime, Error> {
    serde_json::from_str(text).map_err(|e| Error::corrupt("adoption time", e))
}

pub(crate) fn from_ms(ms: i64) -> Result<DateTime<Utc>, Error> {
    DateTime::from_timestamp_millis(ms).ok_or_else(|| Error::corrupt("timestamp", ms))
}
