//! The append-only event log's entries, and [`replay`], which folds them back into the
//! inputs of the analytics.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::{
    AccountId, AdoptionTime, Ask, AskId, AskStatus, Channel, Conversation, ConversationId, EventId,
    Experiment, ExperimentId, JobId, JobStatus, Membership, MembershipId, MovementId, MovementSpec,
    OptOut, PersonId, PersonRecord, ReactionKind, Role, StoryId, StorySpec,
};

/// One entry of an organization's event log: who did what, when. Never changed once written.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// Position in the log; increasing in the order events were written.
    pub id: EventId,
    /// When it was written.
    pub at: DateTime<Utc>,
    /// The account that did it; `None` for the system (imports from the command line, jobs).
    pub actor: Option<AccountId>,
    /// What happened.
    pub payload: EventPayload,
}

/// A tie as stored: people by row id, the layer by name.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StoredTie {
    /// Source person.
    pub source: PersonId,
    /// Target person.
    pub target: PersonId,
    /// Layer name.
    pub layer: String,
    /// Positive weight.
    pub weight: f64,
}

/// What happened. Each variant carries what a reader of the log needs to rebuild the state
/// without the tables; the `kind` tag is the event's name in the database.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EventPayload {
    /// A person entered the directory.
    PersonAdded {
        /// Their row id.
        person: PersonId,
        /// As imported or entered.
        record: PersonRecord,
    },
    /// A person's directory entry changed (or they came back after leaving).
    PersonChanged {
        /// Their row id.
        person: PersonId,
        /// The new entry.
        record: PersonRecord,
    },
    /// A person left the organization: history kept, gone from suggestions.
    PersonLeft {
        /// Their row id.
        person: PersonId,
    },
    /// Ties added, or their weights changed (one event per imported batch).
    TiesSet {
        /// The ties, as they now are.
        ties: Vec<StoredTie>,
    },
    /// A person adopted a behaviour.
    AdoptionRecorded {
        /// Who.
        person: PersonId,
        /// Which behaviour, by name.
        behaviour: String,
        /// Since when.
        time: AdoptionTime,
    },
    /// A peer vouched that a person practises a behaviour they recorded.
    AdoptionConfirmed {
        /// Whose adoption.
        person: PersonId,
        /// Which behaviour, by name.
        behaviour: String,
        /// The peer who confirms it.
        by: PersonId,
    },
    /// A login was created for a person.
    AccountCreated {
        /// The account.
        account: AccountId,
        /// Its person.
        person: PersonId,
    },
    /// A movement was founded.
    MovementCreated {
        /// Its id.
        movement: MovementId,
        /// What it is.
        spec: MovementSpec,
    },
    /// Someone joined a movement.
    MembershipCreated {
        /// Its id.
        membership: MembershipId,
        /// Who, how, recruited by whom.
        spec: Membership,
    },
    /// An ask was drafted.
    AskCreated {
        /// Its id.
        ask: AskId,
        /// The ask.
        spec: Ask,
    },
    /// An ask moved along its lifecycle.
    AskAdvanced {
        /// Which ask.
        ask: AskId,
        /// Its new status.
        status: AskStatus,
    },
    /// A drafted ask was rewritten or moved to another channel before it was sent.
    AskRedrafted {
        /// Which ask.
        ask: AskId,
        /// How it will be sent.
        channel: Channel,
        /// The new draft.
        message: String,
    },
    /// A member took another role (a member became an activist, say), in their own words.
    RoleChanged {
        /// Whose membership.
        membership: MembershipId,
        /// The new role.
        role: Role,
        /// Why this mission is theirs, if they said.
        personal_mission: Option<String>,
    },
    /// An activist logged a talk.
    ConversationLogged {
        /// Its id.
        conversation: ConversationId,
        /// The talk.
        spec: Conversation,
    },
    /// A story was shared.
    StoryPublished {
        /// Its id.
        story: StoryId,
        /// The story.
        spec: StorySpec,
    },
    /// Someone reacted to a story.
    Reacted {
        /// Which story.
        story: StoryId,
        /// Who.
        person: PersonId,
        /// How.
        reaction: ReactionKind,
    },
    /// Someone retold a story with a note of their own.
    Retold {
        /// Which story.
        story: StoryId,
        /// Who.
        person: PersonId,
        /// Their note.
        note: String,
    },
    /// A person opted out of something.
    OptOutSet {
        /// Who.
        person: PersonId,
        /// Of what.
        opt_out: OptOut,
    },
    /// A person withdrew an opt-out.
    OptOutCleared {
        /// Who.
        person: PersonId,
        /// Which.
        opt_out: OptOut,
    },
    /// A channel experiment was set up.
    ExperimentCreated {
        /// Its id.
        experiment: ExperimentId,
        /// The experiment.
        spec: Experiment,
    },
    /// A background job was queued.
    JobQueued {
        /// Its id.
        job: JobId,
        /// What it computes, e.g. "recommend".
        task: String,
    },
    /// A background job moved along its lifecycle.
    JobAdvanced {
        /// Which job.
        job: JobId,
        /// Its new status.
        status: JobStatus,
    },
}

impl EventPayload {
    /// The `kind` tag: the event's name as stored.
    pub fn kind(&self) -> &'static str {
        match self {
            EventPayload::PersonAdded { .. } => "person_added",
            EventPayload::PersonChanged { .. } => "person_changed",
            EventPayload::PersonLeft { .. } => "person_left",
            EventPayload::TiesSet { .. } => "ties_set",
            EventPayload::AdoptionRecorded { .. } => "adoption_recorded",
            EventPayload::AdoptionConfirmed { .. } => "adoption_confirmed",
            EventPayload::AccountCreated { .. } => "account_created",
            EventPayload::MovementCreated { .. } => "movement_created",
            EventPayload::MembershipCreated { .. } => "membership_created",
            EventPayload::AskCreated { .. } => "ask_created",
            EventPayload::AskAdvanced { .. } => "ask_advanced",
            EventPayload::AskRedrafted { .. } => "ask_redrafted",
            EventPayload::RoleChanged { .. } => "role_changed",
            EventPayload::ConversationLogged { .. } => "conversation_logged",
            EventPayload::StoryPublished { .. } => "story_published",
            EventPayload::Reacted { .. } => "reacted",
            EventPayload::Retold { .. } => "retold",
            EventPayload::OptOutSet { .. } => "opt_out_set",
            EventPayload::OptOutCleared { .. } => "opt_out_cleared",
            EventPayload::ExperimentCreated { .. } => "experiment_created",
            EventPayload::JobQueued { .. } => "job_queued",
            EventPayload::JobAdvanced { .. } => "job_advanced",
        }
    }
}

/// A directory entry as the analytics see it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PersonState {
    /// The latest entry.
    pub record: PersonRecord,
    /// Whether they left the organization.
    pub left: bool,
}

/// Everything the analytics read — directory, network, adoptions, memberships, asks and
/// opt-outs — as the event log says it is. The store's tables hold the same; [`replay`]
/// proves the log alone suffices.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct AnalyticsInputs {
    /// People by row id.
    pub people: BTreeMap<PersonId, PersonState>,
    /// Tie weights by (source, target, layer).
    pub ties: BTreeMap<(PersonId, PersonId, String), f64>,
    /// The earliest recorded time each person adopted each behaviour.
    pub adoptions: BTreeMap<(PersonId, String), AdoptionTime>,
    /// The peers who confirmed each adoption (self-reported ones have none).
    pub confirmations: BTreeMap<(PersonId, String), BTreeSet<PersonId>>,
    /// Memberships by id.
    pub memberships: BTreeMap<MembershipId, Membership>,
    /// Asks by id, each with its latest status.
    pub asks: BTreeMap<AskId, Ask>,
    /// Opt-outs in force.
    pub opt_outs: BTreeSet<(PersonId, OptOut)>,
}

/// Folds events, in log order, into the analytics' inputs. Events that do not bear on them
/// (stories, jobs, …) are passed over.
pub fn replay<'e>(events: impl IntoIterator<Item = &'e EventPayload>) -> AnalyticsInputs {
    let mut inputs = AnalyticsInputs::default();
    for event in events {
        match event {
            EventPayload::PersonAdded { person, record }
            | EventPayload::PersonChanged { person, record } => {
                let state = PersonState {
                    record: record.clone(),
                    left: false,
                };
                inputs.people.insert(*person, state);
            }
            EventPayload::PersonLeft { person } => {
                if let Some(state) = inputs.people.get_mut(person) {
                    state.left = true;
                }
            }
            EventPayload::TiesSet { ties } => {
                for tie in ties {
                    let key = (tie.source, tie.target, tie.layer.clone());
                    inputs.ties.insert(key, tie.weight);
                }
            }
            EventPayload::AdoptionRecorded {
                person,
                behaviour,
                time,
            } => {
                let earliest = inputs
                    .adoptions
                    .entry((*person, behaviour.clone()))
                    .or_insert(*time);
                *earliest = (*earliest).min(*time);
            }
            EventPayload::AdoptionConfirmed {
                person,
                behaviour,
                by,
            } => {
                inputs
                    .confirmations
                    .entry((*person, behaviour.clone()))
                    .or_default()
                    .insert(*by);
            }
            EventPayload::MembershipCreated { membership, spec } => {
                inputs.memberships.insert(*membership, spec.clone());
            }
            EventPayload::AskCreated { ask, spec } => {
                inputs.asks.insert(*ask, spec.clone());
            }
            EventPayload::AskAdvanced { ask, status } => {
                if let Some(ask) = inputs.asks.get_mut(ask) {
                    ask.status = *status;
                }
            }
            EventPayload::AskRedrafted {
                ask,
                channel,
                message,
            } => {
                if let Some(ask) = inputs.asks.get_mut(ask) {
                    ask.channel = *channel;
                    ask.message.clone_from(message);
                }
            }
            EventPayload::RoleChanged {
                membership,
                role,
                personal_mission,
            } => {
                if let Some(membership) = inputs.memberships.get_mut(membership) {
                    membership.role = *role;
                    membership.personal_mission.clone_from(personal_mission);
                }
            }
            EventPayload::OptOutSet { person, opt_out } => {
                inputs.opt_outs.insert((*person, *opt_out));
            }
            EventPayload::OptOutCleared { person, opt_out } => {
                inputs.opt_outs.remove(&(*person, *opt_out));
            }
            EventPayload::AccountCreated { .. }
            | EventPayload::MovementCreated { .. }
            | EventPayload::ConversationLogged { .. }
            | EventPayload::StoryPublished { .. }
            | EventPayload::Reacted { .. }
            | EventPayload::Retold { .. }
            | EventPayload::ExperimentCreated { .. }
            | EventPayload::JobQueued { .. }
            | EventPayload::JobAdvanced { .. } => {}
        }
    }
    inputs
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person(id: &str) -> PersonRecord {
        PersonRecord::new(id, &format!("Person {id}")).unwrap()
    }

    #[test]
    fn the_kind_is_the_serde_tag() {
        let event = EventPayload::PersonLeft {
            person: PersonId(3),
        };
        let json = serde_json::to_value(&event).unwrap();
        assert_eq!(json["kind"], event.kind());
        let back: EventPayload = serde_json::from_value(json).unwrap();
        assert_eq!(back, event);
    }

    #[test]
    fn replay_keeps_the_latest_state() {
        let (a, b) = (PersonId(1), PersonId(2));
        let tie = |weight| StoredTie {
            source: a,
            target: b,
            layer: "advice".into(),
            weight,
        };
        let events = [
            EventPayload::PersonAdded {
                person: a,
                record: person("a"),
            },
            EventPayload::PersonAdded {
                person: b,
                record: person("b"),
            },
            EventPayload::TiesSet {
                ties: vec![tie(1.0)],
            },
            EventPayload::TiesSet {
                ties: vec![tie(3.0)],
            },
            EventPayload::PersonLeft { person: b },
            EventPayload::AdoptionRecorded {
                person: a,
                behaviour: "x".into(),
                time: AdoptionTime::Period(4),
            },
            EventPayload::AdoptionRecorded {
                person: a,
                behaviour: "x".into(),
                time: AdoptionTime::Period(2),
            },
            EventPayload::OptOutSet {
                person: a,
                opt_out: OptOut::DoNotContact,
            },
            EventPayload::OptOutSet {
                person: a,
                opt_out: OptOut::DoNotSuggest,
            },
            EventPayload::OptOutCleared {
                person: a,
                opt_out: OptOut::DoNotContact,
            },
        ];
        let inputs = replay(&events);
        assert!(!inputs.people[&a].left && inputs.people[&b].left);
        assert_eq!(inputs.ties[&(a, b, "advice".to_string())], 3.0);
        assert_eq!(
            inputs.adoptions[&(a, "x".to_string())],
            AdoptionTime::Period(2)
        );
        assert_eq!(inputs.opt_outs, BTreeSet::from([(a, OptOut::DoNotSuggest)]));
    }
}
