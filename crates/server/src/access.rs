//! Rights, checked on the server for every route, page and API alike.
//!
//! What one may do in a movement follows from one's role in it (DESIGN.md "Who uses it"),
//! never from job grade:
//!
//! | need | who |
//! |---|---|
//! | [`Need::Host`] (imports, recommendations and their scores, invitations) | hosts, organization admins |
//! | [`Need::Dashboard`] (aggregates) | hosts, sponsors, organization admins |
//! | [`Need::Activist`] (an outreach list, asks, conversations) | activists, hosts |
//! | [`Need::Participant`] (stories, reactions, "I did it") | members, activists, hosts |
//!
//! A movement of another organization does not exist for the viewer (404, whatever they
//! try); a movement of their own where their role falls short is 403.

use std::collections::HashMap;

use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;
use movement::{Membership, MembershipId, MovementId, MovementSpec, Role};

use crate::auth::Viewer;
use crate::{ApiError, AppState};

/// What a route needs of the viewer's role in the movement.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Need {
    Host,
    Dashboard,
    Activist,
    Participant,
}

impl Need {
    fn allows(self, role: Option<Role>, is_admin: bool) -> bool {
        if is_admin && matches!(self, Need::Host | Need::Dashboard) {
            return true;
        }
        match (self, role) {
            (_, None) => false,
            (Need::Host, Some(role)) => role == Role::Host,
            (Need::Dashboard, Some(role)) => matches!(role, Role::Host | Role::Sponsor),
            (Need::Activist, Some(role)) => matches!(role, Role::Host | Role::Activist),
            (Need::Participant, Some(role)) => role != Role::Sponsor,
        }
    }

    fn refusal(self) -> &'static str {
        match self {
            Need::Host => "Only the movement's hosts can do this.",
            Need::Dashboard => "Only hosts and sponsors see the movement's dashboard.",
            Need::Activist => "Only activists have an outreach list; become one first.",
            Need::Participant => "Join the movement first.",
        }
    }
}

/// A signed-in viewer in a movement of their organization (`{movement}` in the path), with
/// their membership if they have one.
#[derive(Clone, Debug)]
pub struct InMovement {
    pub viewer: Viewer,
    pub id: MovementId,
    pub spec: MovementSpec,
    pub membership: Option<(MembershipId, Membership)>,
}

impl InMovement {
    /// Their role in the movement, if they are in it.
    pub fn role(&self) -> Option<Role> {
        self.membership.as_ref().map(|(_, m)| m.role)
    }

    /// Whether they may do what `need` guards.
    pub fn can(&self, need: Need) -> bool {
        need.allows(self.role(), self.viewer.account.is_admin)
    }

    /// Refuses (403) unless they may do what `need` guards.
    pub fn require(&self, need: Need) -> Result<(), ApiError> {
        if self.can(need) {
            Ok(())
        } else {
            Err(ApiError::Forbidden(need.refusal().into()))
        }
    }

    /// Loads the movement `id` for `viewer`: 404 if their organization has no such movement.
    pub async fn load(state: &AppState, viewer: Viewer, id: i64) -> Result<InMovement, ApiError> {
        let org = viewer.org(state);
        let id = MovementId(id);
        let spec = org.movement(id).await?;
        let membership = org
            .memberships(id)
            .await?
            .into_iter()
            .find(|(_, membership)| membership.person == viewer.person.id);
        Ok(InMovement {
            viewer,
            id,
            spec,
            membership,
        })
    }
}

impl FromRequestParts<AppState> for InMovement {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let viewer =
            <Viewer as FromRequestParts<AppState>>::from_request_parts(parts, state).await?;
        let Path(params) = Path::<HashMap<String, String>>::from_request_parts(parts, state)
            .await
            .map_err(|_| ApiError::NotFound)?;
        let id = params
            .get("movement")
            .and_then(|id| id.parse::<i64>().ok())
            .ok_or(ApiError::NotFound)?;
        InMovement::load(state, viewer, id).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The table in the module's documentation, cell by cell.
    #[test]
    fn roles_allow_what_the_table_says() {
        use Need::*;
        let table: [(Option<Role>, bool, [bool; 4]); 6] = [
            // role, admin, [Host, Dashboard, Activist, Participant]
            (Some(Role::Host), false, [true, true, true, true]),
            (Some(Role::Activist), false, [false, false, true, true]),
            (Some(Role::Member), false, [false, false, false, true]),
            (Some(Role::Sponsor), false, [false, true, false, false]),
            (None, false, [false, false, false, false]),
            (None, true, [true, true, false, false]),
        ];
        for (role, admin, expected) in table {
            for (need, allowed) in [Host, Dashboard, Activist, Participant]
                .into_iter()
                .zip(expected)
            {
                assert_eq!(
                    need.allows(role, admin),
                    allowed,
                    "{need:?} for {role:?} admin={admin}"
                );
            }
        }
    }
}
