//! Outreach: asks and their lifecycle, conversations, channel experiments, and the lifecycle
//! of the background jobs that compute analytics.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::text_enum::text_enum;
use crate::{Behaviour, Error, ExperimentId, MovementId, PersonId};

text_enum! {
    /// How an ask reaches its person. All but `broadcast` are personal: a person sends them
    /// themselves, from their own phone or mail; nothing is sent in their name.
    Channel, field = "channel" {
        /// Face to face.
        InPerson = "in_person",
        /// A text message from the asker's own phone.
        Sms = "sms",
        /// A mail from the asker's own mailbox.
        Email = "email",
        /// A chat message.
        Chat = "chat",
        /// A phone call.
        Call = "call",
        /// A mass message: kept so that personal asks can be compared with it.
        Broadcast = "broadcast",
    }
}

impl Channel {
    /// Whether a person asks personally (every channel but broadcast).
    pub fn is_personal(self) -> bool {
        self != Channel::Broadcast
    }
}

text_enum! {
    /// Where an ask stands. The lifecycle is drafted → sent → opened → joined | declined |
    /// opted_out; an ask may also be answered without having been opened (in person, a
    /// call), and the three answers are final.
    AskStatus, field = "status" {
        /// Written, not yet sent by its author.
        Drafted = "drafted",
        /// The author says they sent it.
        Sent = "sent",
        /// The personal link was followed.
        Opened = "opened",
        /// The person joined the movement.
        Joined = "joined",
        /// The person said no.
        Declined = "declined",
        /// The person asked never to be contacted again.
        OptedOut = "opted_out",
    }
}

impl AskStatus {
    /// Whether the lifecycle has the edge `self → next`.
    pub fn can_become(self, next: AskStatus) -> bool {
        use AskStatus::*;
        matches!(
            (self, next),
            (Drafted, Sent) | (Sent, Opened) | (Sent | Opened, Joined | Declined | OptedOut)
        )
    }

    /// The next status, or an error naming both if the lifecycle has no such edge.
    pub fn advance(self, next: AskStatus) -> Result<AskStatus, Error> {
        if self.can_become(next) {
            Ok(next)
        } else {
            Err(Error::Transition {
                what: "ask",
                from: self.as_str(),
                to: next.as_str(),
            })
        }
    }

    /// Whether the ask has been answered for good.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            AskStatus::Joined | AskStatus::Declined | AskStatus::OptedOut
        )
    }
}

/// An invitation from one person to another to join a movement.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Ask {
    /// The movement asked about.
    pub movement: MovementId,
    /// Who asks: always a person, broadcasts included (the host who sent it).
    pub from: PersonId,
    /// Who is asked.
    pub to: PersonId,
    /// How.
    pub channel: Channel,
    /// The words, the asker's own.
    pub message: String,
    /// The personal join link's token: conversions are attributed through it.
    pub token: String,
    /// Where it stands.
    pub status: AskStatus,
    /// The experiment arm, when the ask is part of a channel experiment.
    pub arm: Option<(ExperimentId, String)>,
}

impl Ask {
    /// Refuses asking oneself and tokens too short to be unguessable (at least 16
    /// characters of `[A-Za-z0-9_.-]`: the token is the only key to the personal link).
    pub fn validate(self) -> Result<Ask, Error> {
        if self.from == self.to {
            return Err(Error::invalid("to", "a person cannot ask themselves"));
        }
        let token_ok = self.token.len() >= 16
            && self
                .token
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'));
        if !token_ok {
            return Err(Error::invalid("token", "not an unguessable link token"));
        }
        Ok(self)
    }
}

/// An activist's note of a talk with someone.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Conversation {
    /// The movement talked about.
    pub movement: MovementId,
    /// Who logs it.
    pub activist: PersonId,
    /// With whom.
    pub with: PersonId,
    /// Which behaviours came up.
    pub behaviours: Vec<Behaviour>,
    /// How it went, in the activist's words.
    pub outcome: String,
    /// When.
    pub at: DateTime<Utc>,
}

/// A randomized comparison of outreach channels on a target population.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Experiment {
    /// The movement it serves.
    pub movement: MovementId,
    /// What it tests, e.g. "personal sms vs broadcast mail".
    pub name: String,
    /// The arms' names, two or more and distinct.
    pub arms: Vec<String>,
}

impl Experiment {
    /// Checks there are at least two distinct, named arms.
    pub fn validate(self) -> Result<Experiment, Error> {
        if self.arms.len() < 2 {
            return Err(Error::invalid(
                "arms",
                "an experiment compares at least two arms",
            ));
        }
        for (i, arm) in self.arms.iter().enumerate() {
            if arm.trim().is_empty() || self.arms[..i].contains(arm) {
                return Err(Error::invalid(
                    "arms",
                    format!("arm {arm:?} is empty or repeated"),
                ));
            }
        }
        Ok(self)
    }
}

text_enum! {
    /// Where a background job stands: queued → running → succeeded | failed, and a queued
    /// or running job may be cancelled.
    JobStatus, field = "status" {
        /// Waiting for a worker.
        Queued = "queued",
        /// Being computed; progress is visible.
        Running = "running",
        /// Done; its result is cached.
        Succeeded = "succeeded",
        /// Stopped by an error, kept with its message.
        Failed = "failed",
        /// Stopped on request.
        Cancelled = "cancelled",
    }
}

impl JobStatus {
    /// The next status, or an error naming both if the lifecycle has no such edge.
    pub fn advance(self, next: JobStatus) -> Result<JobStatus, Error> {
        use JobStatus::*;
        let ok = matches!(
            (self, next),
            (Queued, Running) | (Running, Succeeded | Failed) | (Queued | Running, Cancelled)
        );
        if ok {
            Ok(next)
        } else {
            Err(Error::Transition {
                what: "job",
                from: self.as_str(),
                to: next.as_str(),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn status() -> impl Strategy<Value = AskStatus> {
        proptest::sample::select(AskStatus::ALL)
    }

    proptest! {
        /// Whatever sequence of steps is tried, the accepted ones only move forward: no
        /// status is ever reached twice, and nothing follows a final answer.
        #[test]
        fn asks_only_move_forward(steps in proptest::collection::vec(status(), 0..12)) {
            let mut current = AskStatus::Drafted;
            let mut seen = vec![current];
            for step in steps {
                match current.advance(step) {
                    Ok(next) => {
                        prop_assert!(!current.is_final());
                        prop_assert!(!seen.contains(&next));
                        seen.push(next);
                        current = next;
                    }
                    Err(error) => prop_assert!(!current.can_become(step), "{error}"),
                }
            }
        }
    }

    #[test]
    fn the_ask_lifecycle_has_exactly_its_edges() {
        use AskStatus::*;
        assert!(Drafted.advance(Sent).is_ok());
        assert!(Sent.advance(Joined).is_ok());
        assert!(Opened.advance(OptedOut).is_ok());
        let error = Joined.advance(Sent).unwrap_err();
        assert_eq!(error.to_string(), "ask cannot go from joined to sent");
        assert!(Drafted.advance(Joined).is_err());
        assert!(Declined.advance(Joined).is_err());
    }

    #[test]
    fn jobs_finish_once() {
        use JobStatus::*;
        assert!(
            Queued
                .advance(Running)
                .and_then(|s| s.advance(Succeeded))
                .is_ok()
        );
        assert!(Succeeded.advance(Running).is_err());
        assert!(Failed.advance(Cancelled).is_err());
    }

    #[test]
    fn asks_need_two_people_and_a_strong_token() {
        let ask = Ask {
            movement: MovementId(1),
            from: PersonId(1),
            to: PersonId(2),
            channel: Channel::Sms,
            message: "Join us?".into(),
            token: "a1b2c3d4e5f6g7h8".into(),
            status: AskStatus::Drafted,
            arm: None,
        };
        assert!(ask.clone().validate().is_ok());
        assert!(
            Ask {
                to: PersonId(1),
                ..ask.clone()
            }
            .validate()
            .is_err()
        );
        assert!(
            Ask {
                token: "short".into(),
                ..ask.clone()
            }
            .validate()
            .is_err()
        );
        assert!(
            Ask {
                token: "a1b2c3d4e5f6g7h8/../".into(),
                ..ask
            }
            .validate()
            .is_err()
        );
        assert!(!Channel::Broadcast.is_personal() && Channel::Call.is_personal());
    }

    #[test]
    fn experiments_compare_distinct_arms() {
        let experiment = Experiment {
            movement: MovementId(1),
            name: "sms vs broadcast".into(),
            arms: vec!["sms".into(), "broadcast".into()],
        };
        assert!(experiment.clone().validate().is_ok());
        assert!(
            Experiment {
                arms: vec!["sms".into()],
                ..experiment.clone()
            }
            .validate()
            .is_err()
        );
        assert!(
            Experiment {
                arms: vec!["sms".into(), "sms".into()],
                ..experiment
            }
            .validate()
            .is_err()
        );
    }
}
