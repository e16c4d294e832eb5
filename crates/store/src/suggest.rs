//! Who the recommender may put forward: the people it is allowed to suggest, as activists or
//! as someone to ask. Kept in one place so that every suggestion honours the same rules.

use movement::OptOut;

use crate::org::{Org, in_transaction};
use crate::rows::{PERSON_COLUMNS, PersonRow};
use crate::{Error, Person};

impl Org<'_> {
    /// Everyone who may be suggested, by id: people still in the organization (those who
    /// left keep their history but are never put forward) who have not opted out of
    /// [`OptOut::DoNotSuggest`].
    pub async fn suggestable_people(&self) -> Result<Vec<Person>, Error> {
        let sql = format!(
            "SELECT {PERSON_COLUMNS} FROM people WHERE org_id = $1 AND left_at_ms IS NULL \
             AND NOT EXISTS (SELECT 1 FROM opt_outs WHERE opt_outs.org_id = people.org_id \
             AND opt_outs.person_id = people.id AND opt_outs.kind = $2) ORDER BY id"
        );
        let rows: Vec<PersonRow> = in_transaction!(self, |tx| sqlx::query_as(&sql)
            .bind(self.id.0)
            .bind(OptOut::DoNotSuggest.as_str())
            .fetch_all(&mut *tx)
            .await?);
        rows.into_iter().map(PersonRow::into_person).collect()
    }
}
