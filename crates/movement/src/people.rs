//! The directory: people, their ties, what they adopted, and what they opted out of.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::Error;
use crate::text_enum::text_enum;

/// Longest id, name or attribute value accepted; HR exports never need more, and a longer
/// one is almost always a broken file (a missing quote swallowing lines).
const MAX_TEXT: usize = 1_000;

/// One person as an HR export describes them (`people.csv` of DESIGN.md). Built only by
/// [`PersonRecord::new`] and its `with_*` setters, each of which validates its field.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PersonRecord {
    /// The organization's own id for the person (the `id` column): stable across exports.
    pub external_id: String,
    /// Display name.
    pub name: String,
    /// Work email, if known.
    pub email: Option<String>,
    /// Phone, if known; only ever shown to the person asking, never used to send.
    pub phone: Option<String>,
    /// Unit (department, team): the silo the quotas and breakdowns are about.
    pub unit: Option<String>,
    /// Site or location.
    pub location: Option<String>,
    /// Job grade; recommendations may exclude chosen grades.
    pub grade: Option<String>,
    /// The manager's external id.
    pub manager: Option<String>,
    /// Extra columns of the export, kept verbatim.
    pub attributes: BTreeMap<String, String>,
}

impl PersonRecord {
    /// A person with an id and a name, both non-empty.
    pub fn new(external_id: &str, name: &str) -> Result<PersonRecord, Error> {
        Ok(PersonRecord {
            external_id: required_text("id", external_id)?,
            name: required_text("name", name)?,
            email: None,
            phone: None,
            unit: None,
            location: None,
            grade: None,
            manager: None,
            attributes: BTreeMap::new(),
        })
    }

    /// Sets the email; empty means unknown. Checks the shape `local@domain`, nothing more:
    /// deliverability is the mail server's business.
    pub fn with_email(mut self, email: &str) -> Result<PersonRecord, Error> {
        self.email = optional("email", email)?;
        if let Some(email) = &self.email {
            let valid = email.split_once('@').is_some_and(|(local, domain)| {
                !local.is_empty() && domain.contains('.') && !domain.contains('@')
            }) && !email.contains(char::is_whitespace);
            if !valid {
                return Err(Error::invalid(
                    "email",
                    format!("{email:?} is not an email address"),
                ));
            }
        }
        Ok(self)
    }

    /// Sets the phone; empty means unknown. Digits, spaces and `+-().` only.
    pub fn with_phone(mut self, phone: &str) -> Result<PersonRecord, Error> {
        self.phone = optional("phone", phone)?;
        if let Some(phone) = &self.phone {
            let valid = phone.chars().any(|c| c.is_ascii_digit())
                && phone
                    .chars()
                    .all(|c| c.is_ascii_digit() || " +-().".contains(c));
            if !valid {
                return Err(Error::invalid(
                    "phone",
                    format!("{phone:?} is not a phone number"),
                ));
            }
        }
        Ok(self)
    }

    /// Sets unit, location, grade and manager; empty strings mean unknown.
    pub fn with_placement(
        mut self,
        unit: &str,
        location: &str,
        grade: &str,
        manager: &str,
    ) -> Result<PersonRecord, Error> {
        self.unit = optional("unit", unit)?;
        self.location = optional("location", location)?;
        self.grade = optional("grade", grade)?;
        self.manager = optional("manager_id", manager)?;
        if self.manager.as_deref() == Some(self.external_id.as_str()) {
            return Err(Error::invalid(
                "manager_id",
                "a person cannot manage themselves",
            ));
        }
        Ok(self)
    }

    /// Keeps an extra column.
    pub fn with_attribute(mut self, key: &str, value: &str) -> Result<PersonRecord, Error> {
        let value = bounded("attribute", value)?;
        self.attributes
            .insert(key.trim().to_string(), value.trim().to_string());
        Ok(self)
    }
}

/// A directed, weighted tie between two people of the directory, by external id (`ties.csv`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TieRecord {
    /// Who asks, works with, names, writes to.
    pub source: String,
    /// The other end.
    pub target: String,
    /// Which relation.
    #[serde(with = "layer_text")]
    pub layer: engine::Layer,
    /// Strength; positive and finite.
    pub weight: f64,
}

impl TieRecord {
    /// A tie; refuses self-ties, empty ids and weights that are not positive and finite.
    pub fn new(
        source: &str,
        target: &str,
        layer: engine::Layer,
        weight: f64,
    ) -> Result<TieRecord, Error> {
        let source = required_text("source", source)?;
        let target = required_text("target", target)?;
        if source == target {
            return Err(Error::invalid(
                "target",
                format!("a tie from {source:?} to itself"),
            ));
        }
        if !(weight.is_finite() && weight > 0.0) {
            return Err(Error::invalid(
                "weight",
                format!("{weight} is not a positive number"),
            ));
        }
        if layer.as_str().is_empty() {
            return Err(Error::invalid("layer", "empty layer name"));
        }
        Ok(TieRecord {
            source,
            target,
            layer,
            weight,
        })
    }
}

mod layer_text {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(layer: &engine::Layer, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(layer.as_str())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<engine::Layer, D::Error> {
        Ok(engine::Layer::parse(&String::deserialize(d)?))
    }
}

/// When someone started practising a behaviour: a moment ("I did it" today), a calendar
/// date, or an integer period of historical diffusion data (`adoptions.csv`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AdoptionTime {
    /// Period number of a historical data set (e.g. months since the start of a study).
    Period(i64),
    /// A calendar day.
    Date(NaiveDate),
    /// A moment, as recorded by the product.
    At(DateTime<Utc>),
}

impl AdoptionTime {
    /// Parses the `time` column of `adoptions.csv`: an integer period or an ISO date.
    pub fn parse(text: &str) -> Result<AdoptionTime, Error> {
        let text = text.trim();
        if let Ok(period) = text.parse::<i64>() {
            return Ok(AdoptionTime::Period(period));
        }
        if let Ok(date) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
            return Ok(AdoptionTime::Date(date));
        }
        if let Ok(at) = DateTime::parse_from_rfc3339(text) {
            return Ok(AdoptionTime::At(at.with_timezone(&Utc)));
        }
        Err(Error::invalid(
            "time",
            format!("{text:?} is neither a period number nor an ISO date"),
        ))
    }
}

text_enum! {
    /// What a person asked not to be part of. Each is honoured everywhere at once: the
    /// recommender, outreach lists and aggregates read the same flags.
    OptOut, field = "opt_out" {
        /// Never suggest me as an activist or as someone to ask.
        DoNotSuggest = "do_not_suggest",
        /// Never put me on anyone's outreach list.
        DoNotContact = "do_not_contact",
        /// Leave me out of every analytic and aggregate.
        ExcludeFromAnalytics = "exclude_from_analytics",
    }
}

fn bounded<'t>(field: &'static str, text: &'t str) -> Result<&'t str, Error> {
    if text.chars().count() > MAX_TEXT {
        return Err(Error::invalid(
            field,
            format!("longer than {MAX_TEXT} characters"),
        ));
    }
    if text.chars().any(|c| c.is_control() && c != '\t') {
        return Err(Error::invalid(field, "contains control characters"));
    }
    Ok(text)
}

pub(crate) fn required_text(field: &'static str, text: &str) -> Result<String, Error> {
    let text = bounded(field, text)?.trim();
    if text.is_empty() {
        return Err(Error::invalid(field, "is empty"));
    }
    Ok(text.to_string())
}

fn optional(field: &'static str, text: &str) -> Result<Option<String>, Error> {
    let text = bounded(field, text)?.trim();
    Ok((!text.is_empty()).then(|| text.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_person_needs_an_id_and_a_name() {
        assert!(PersonRecord::new("p1", "Ada").is_ok());
        assert_eq!(
            PersonRecord::new(" ", "Ada").unwrap_err().to_string(),
            "id: is empty"
        );
        assert!(PersonRecord::new("p1", "").is_err());
    }

    #[test]
    fn emails_and_phones_are_checked_for_shape() {
        let ada = PersonRecord::new("p1", "Ada").unwrap();
        assert!(ada.clone().with_email("ada@example.org").is_ok());
        assert!(ada.clone().with_email("").unwrap().email.is_none());
        for bad in [
            "ada",
            "@example.org",
            "ada@localhost",
            "a b@example.org",
            "a@b@c.org",
        ] {
            let error = ada.clone().with_email(bad).unwrap_err();
            assert!(error.to_string().starts_with("email: "), "{bad}: {error}");
        }
        assert!(ada.clone().with_phone("+44 (0)20 7946-0958").is_ok());
        assert!(ada.clone().with_phone("call me").is_err());
    }

    #[test]
    fn nobody_manages_themselves() {
        let error = PersonRecord::new("p1", "Ada")
            .unwrap()
            .with_placement("Finance", "", "", "p1")
            .unwrap_err();
        assert!(error.to_string().contains("manager_id"));
    }

    #[test]
    fn ties_refuse_loops_and_bad_weights() {
        assert!(TieRecord::new("a", "b", engine::Layer::Advice, 1.0).is_ok());
        assert!(TieRecord::new("a", "a", engine::Layer::Advice, 1.0).is_err());
        for weight in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            let error = TieRecord::new("a", "b", engine::Layer::Advice, weight).unwrap_err();
            assert!(error.to_string().starts_with("weight: "));
        }
    }

    #[test]
    fn adoption_times_are_periods_or_dates() {
        assert_eq!(AdoptionTime::parse(" 3 ").unwrap(), AdoptionTime::Period(3));
        assert_eq!(
            AdoptionTime::parse("2026-11-30").unwrap(),
            AdoptionTime::Date(NaiveDate::from_ymd_opt(2026, 11, 30).unwrap())
        );
        assert!(AdoptionTime::parse("2026-11-30T10:00:00Z").is_ok());
        assert!(AdoptionTime::parse("last week").is_err());
    }

    #[test]
    fn opt_outs_parse_from_their_words() {
        assert_eq!(
            "do_not_contact".parse::<OptOut>().unwrap(),
            OptOut::DoNotContact
        );
        let error = "never".parse::<OptOut>().unwrap_err().to_string();
        assert!(error.contains("do_not_suggest"), "{error}");
    }
}
