//! Changes to what was written: a member taking another role, an ask redrafted before it
//! is sent. Each is an event of its own, so the log replays to the tables.

use movement::{AskId, AskStatus, Channel, EventPayload, MembershipId, Role};

use crate::Error;
use crate::org::{Org, append_event, append_events, check_actor, current_status, in_transaction};

impl Org<'_> {
    /// A member takes another role, with their personal mission ("why this mission is
    /// mine") if they give one.
    pub async fn change_role(
        &self,
        membership: MembershipId,
        role: Role,
        personal_mission: Option<&str>,
    ) -> Result<(), Error> {
        let personal_mission = personal_mission
            .map(str::trim)
            .filter(|text| !text.is_empty())
            .map(str::to_string);
        in_transaction!(self, |tx| {
            let updated = sqlx::query(
                "UPDATE memberships SET role = $1, personal_mission = $2 \
                 WHERE org_id = $3 AND id = $4",
            )
            .bind(role.as_str())
            .bind(&personal_mission)
            .bind(self.id.0)
            .bind(membership.0)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if updated == 0 {
                return Err(Error::not_found("membership", membership));
            }
            append_event!(
                self,
                tx,
                &EventPayload::RoleChanged {
                    membership,
                    role,
                    personal_mission,
                }
            );
        });
        Ok(())
    }

    /// Rewrites a drafted ask, or moves it to another channel. Once sent, an ask is what
    /// was sent: redrafting it is refused.
    pub async fn redraft_ask(
        &self,
        ask: AskId,
        channel: Channel,
        message: &str,
    ) -> Result<(), Error> {
        let message = message.trim().to_string();
        in_transaction!(self, |tx| {
            let status: AskStatus = current_status!(self, tx, "asks", "ask", ask);
            if status != AskStatus::Drafted {
                return Err(movement::Error::Invalid {
                    field: "ask",
                    reason: format!(
                        "was {} already; only a draft can be rewritten",
                        status.as_str()
                    ),
                }
                .into());
            }
            sqlx::query(
                "UPDATE asks SET channel = $1, message = $2, updated_at_ms = $3 \
                 WHERE org_id = $4 AND id = $5",
            )
            .bind(channel.as_str())
            .bind(&message)
            .bind(self.now())
            .bind(self.id.0)
            .bind(ask.0)
            .execute(&mut *tx)
            .await?;
            append_event!(
                self,
                tx,
                &EventPayload::AskRedrafted {
                    ask,
                    channel,
                    message,
                }
            );
        });
        Ok(())
    }
}
