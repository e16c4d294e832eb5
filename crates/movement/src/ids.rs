//! Typed row ids, so that a person's id can never be passed where a movement's is expected.

use serde::{Deserialize, Serialize};

macro_rules! ids {
    ($($(#[$doc:meta])* $name:ident),* $(,)?) => {$(
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }
    )*};
}

ids! {
    /// An organization: the tenant everything else belongs to.
    OrgId,
    /// A person in an organization's directory.
    PersonId,
    /// A login, tied to one person.
    AccountId,
    /// A movement of an organization.
    MovementId,
    /// A person's role in a movement.
    MembershipId,
    /// An ask from one person to another.
    AskId,
    /// An activist's log of a talk.
    ConversationId,
    /// A story.
    StoryId,
    /// A randomized comparison of channels.
    ExperimentId,
    /// A background job.
    JobId,
    /// An entry of the append-only event log.
    EventId,
}
