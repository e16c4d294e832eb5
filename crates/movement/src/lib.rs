//! The domain of a movement, as DESIGN.md's "Concepts" names it: organizations, people, ties,
//! movements and their behaviours, memberships, asks, conversations, stories, reactions,
//! retells, adoptions, opt-outs, experiments and background jobs — with their validation and
//! lifecycles, and the [`Event`] every change of them is recorded as.
//!
//! Pure: no I/O, no clock. The store persists these types and the server shows them; both
//! rely on what this crate guarantees:
//!
//! - a value of a domain type is valid: constructors validate ([`MovementSpec::new`] refuses
//!   two behaviours or eight), so the rest of the code never re-checks;
//! - lifecycles move only forward along their edges ([`AskStatus::advance`],
//!   [`JobStatus::advance`]); an illegal transition is an error naming both states;
//! - every change is an [`Event`], and [`replay`] folds the event log back into the inputs of
//!   the analytics, so the log alone can rebuild them.

#![deny(missing_docs)]

mod ask;
mod error;
mod event;
mod ids;
pub mod metrics;
mod movement;
mod people;
mod story;
mod text_enum;

pub use ask::{Ask, AskStatus, Channel, Conversation, Experiment, JobStatus};
pub use error::Error;
pub use event::{AnalyticsInputs, Event, EventPayload, PersonState, StoredTie, replay};
pub use ids::{
    AccountId, AskId, ConversationId, EventId, ExperimentId, JobId, MembershipId, MovementId,
    OrgId, PersonId, StoryId,
};
pub use movement::{Behaviour, Membership, MovementSpec, Recruitment, Role};
pub use people::{AdoptionTime, OptOut, PersonRecord, TieRecord};
pub use story::{ReactionKind, StoryKind, StorySpec, Visibility};

/// Re-exported so that callers name layers the way the engine's graphs do.
pub use engine::Layer;
