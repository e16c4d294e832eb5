//! What reads return: plain values with typed ids, converted from the rows once.

use std::collections::BTreeMap;

use movement::{PersonId, PersonRecord};

use crate::Error;

/// A person of the directory as stored.
#[derive(Clone, Debug, PartialEq)]
pub struct Person {
    /// Row id.
    pub id: PersonId,
    /// The entry, as last imported or entered.
    pub record: PersonRecord,
    /// Whether they have left the organization (history kept, never suggested).
    pub left: bool,
}

/// A tie as stored.
#[derive(Clone, Debug, PartialEq)]
pub struct Tie {
    /// Source person.
    pub source: PersonId,
    /// Target person.
    pub target: PersonId,
    /// Layer name.
    pub layer: String,
    /// Weight.
    pub weight: f64,
}

/// The columns of `people` in the order [`PERSON_COLUMNS`] lists them.
#[derive(sqlx::FromRow)]
pub(crate) struct PersonRow {
    pub id: i64,
    pub external_id: String,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub unit: Option<String>,
    pub location: Option<String>,
    pub grade: Option<String>,
    pub manager_external_id: Option<String>,
    pub attributes: String,
    pub left_at_ms: Option<i64>,
}

pub(crate) const PERSON_COLUMNS: &str = "id, external_id, name, email, phone, unit, location, \
     grade, manager_external_id, attributes, left_at_ms";

impl PersonRow {
    /// Rebuilds the validated record; a row that no longer validates was changed behind the
    /// store's back.
    pub fn into_person(self) -> Result<Person, Error> {
        let corrupt = |e: movement::Error| Error::corrupt("person", e);
        let text = |value: &Option<String>| value.clone().unwrap_or_default();
        let mut record = PersonRecord::new(&self.external_id, &self.name)
            .and_then(|r| r.with_email(&text(&self.email)))
            .and_then(|r| r.with_phone(&text(&self.phone)))
            .and_then(|r| {
                r.with_placement(
                    &text(&self.unit),
                    &text(&self.location),
                    &text(&self.grade),
                    &text(&self.manager_external_id),
                )
            })
            .map_err(corrupt)?;
        let attributes: BTreeMap<String, String> = serde_json::from_str(&self.attributes)
            .map_err(|e| Error::corrupt("person attributes", e))?;
        for (key, value) in &attributes {
            record = record.with_attribute(key, value).map_err(corrupt)?;
        }
        Ok(Person {
            id: PersonId(self.id),
            record,
            left: self.left_at_ms.is_some(),
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct TieRow {
    pub source_id: i64,
    pub target_id: i64,
    pub layer: String,
    pub weight: f64,
}

impl From<TieRow> for Tie {
    fn from(row: TieRow) -> Tie {
        Tie {
            source: PersonId(row.source_id),
            target: PersonId(row.target_id),
            layer: row.layer,
            weight: row.weight,
        }
    }
}
