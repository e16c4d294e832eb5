//! A movement, its behaviours, and who takes part in it.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::people::required_text;
use crate::text_enum::text_enum;
use crate::{Error, MovementId, PersonId};

/// The fewest and most behaviours a movement may carry: fewer is a slogan, more is a
/// programme nobody remembers (DESIGN.md, "behavioural DNA").
const BEHAVIOURS: std::ops::RangeInclusive<usize> = 3..=7;

/// One behaviour of a movement's behavioural DNA, e.g. "share one thing you learned each week".
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Behaviour(String);

impl Behaviour {
    /// A behaviour named by non-empty text.
    pub fn new(name: &str) -> Result<Behaviour, Error> {
        required_text("behaviour", name).map(Behaviour)
    }

    /// The behaviour's name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What a movement is: a mission, 3–7 distinct behaviours, a critical-mass target and a start.
/// Only [`MovementSpec::new`] makes one, so every movement in the system is well formed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MovementSpec {
    name: String,
    mission: String,
    behaviours: Vec<Behaviour>,
    critical_mass: f64,
    starts_on: NaiveDate,
}

impl MovementSpec {
    /// Checks the name and mission are given, the behaviours number 3–7 and are distinct,
    /// and the critical-mass target is a fraction in (0, 1] (DESIGN.md's default is 0.25).
    pub fn new(
        name: &str,
        mission: &str,
        behaviours: Vec<Behaviour>,
        critical_mass: f64,
        starts_on: NaiveDate,
    ) -> Result<MovementSpec, Error> {
        let name = required_text("name", name)?;
        let mission = required_text("mission", mission)?;
        if !BEHAVIOURS.contains(&behaviours.len()) {
            return Err(Error::invalid(
                "behaviours",
                format!(
                    "a movement has {} to {} behaviours, not {}",
                    BEHAVIOURS.start(),
                    BEHAVIOURS.end(),
                    behaviours.len()
                ),
            ));
        }
        for (i, behaviour) in behaviours.iter().enumerate() {
            if behaviours[..i]
                .iter()
                .any(|b| b.0.eq_ignore_ascii_case(&behaviour.0))
            {
                return Err(Error::invalid(
                    "behaviours",
                    format!("{:?} is listed twice", behaviour.0),
                ));
            }
        }
        if !(critical_mass > 0.0 && critical_mass <= 1.0) {
            return Err(Error::invalid(
                "critical_mass",
                format!("{critical_mass} is not a fraction in (0, 1]"),
            ));
        }
        Ok(MovementSpec {
            name,
            mission,
            behaviours,
            critical_mass,
            starts_on,
        })
    }

    /// The movement's short name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Why it exists, in its hosts' words.
    pub fn mission(&self) -> &str {
        &self.mission
    }

    /// Its behaviours, in the order the hosts gave.
    pub fn behaviours(&self) -> &[Behaviour] {
        &self.behaviours
    }

    /// Target fraction of the directory adopting.
    pub fn critical_mass(&self) -> f64 {
        self.critical_mass
    }

    /// First day.
    pub fn starts_on(&self) -> NaiveDate {
        self.starts_on
    }

    /// Whether `behaviour` is one of this movement's, compared case-insensitively.
    pub fn behaviour(&self, name: &str) -> Option<&Behaviour> {
        self.behaviours
            .iter()
            .find(|b| b.0.eq_ignore_ascii_case(name.trim()))
    }
}

text_enum! {
    /// What someone does in a movement — never their job grade.
    Role, field = "role" {
        /// Convenes the movement, sees network scores, invites activists.
        Host = "host",
        /// Asks colleagues personally from their own outreach list.
        Activist = "activist",
        /// Takes part: adopts, shares stories, reacts.
        Member = "member",
        /// A senior supporter who celebrates, not a manager of it.
        Sponsor = "sponsor",
    }
}

/// How someone came to join.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "by", content = "person")]
pub enum Recruitment {
    /// Asked personally by this person: an edge of the recruitment tree.
    Person(PersonId),
    /// Answered a broadcast.
    Broadcast,
    /// Came on their own.
    SelfSignup,
}

/// A person's part in a movement.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Membership {
    /// The movement.
    pub movement: MovementId,
    /// Who.
    pub person: PersonId,
    /// Their role.
    pub role: Role,
    /// "Why this mission is mine", in their own words; optional.
    pub personal_mission: Option<String>,
    /// When they joined.
    pub joined_at: DateTime<Utc>,
    /// Who or what brought them.
    pub recruited_by: Recruitment,
}

impl Membership {
    /// Refuses a person recruiting themselves.
    pub fn validate(self) -> Result<Membership, Error> {
        if self.recruited_by == Recruitment::Person(self.person) {
            return Err(Error::invalid(
                "recruited_by",
                "a person cannot recruit themselves",
            ));
        }
        Ok(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn behaviours(names: &[&str]) -> Vec<Behaviour> {
        names.iter().map(|n| Behaviour::new(n).unwrap()).collect()
    }

    fn day() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, 1).unwrap()
    }

    #[test]
    fn a_movement_has_three_to_seven_distinct_behaviours() {
        let ok = MovementSpec::new(
            "Paperless",
            "Less paper",
            behaviours(&["a", "b", "c"]),
            0.25,
            day(),
        );
        assert!(ok.is_ok());
        for names in [&["a", "b"][..], &["a", "b", "c", "d", "e", "f", "g", "h"]] {
            let error = MovementSpec::new("P", "M", behaviours(names), 0.25, day()).unwrap_err();
            assert!(error.to_string().starts_with("behaviours: "), "{error}");
        }
        let twice = MovementSpec::new("P", "M", behaviours(&["a", "b", "A"]), 0.25, day());
        assert!(twice.unwrap_err().to_string().contains("twice"));
    }

    #[test]
    fn the_critical_mass_is_a_fraction() {
        for bad in [0.0, -0.1, 1.5, f64::NAN] {
            let error = MovementSpec::new("P", "M", behaviours(&["a", "b", "c"]), bad, day());
            assert!(error.unwrap_err().to_string().starts_with("critical_mass"));
        }
        let spec = MovementSpec::new("P", "M", behaviours(&["a", "b", "c"]), 1.0, day()).unwrap();
        assert_eq!(spec.behaviour(" B ").map(Behaviour::as_str), Some("b"));
    }

    #[test]
    fn nobody_recruits_themselves() {
        let membership = Membership {
            movement: MovementId(1),
            person: PersonId(7),
            role: Role::Member,
            personal_mission: None,
            joined_at: DateTime::UNIX_EPOCH,
            recruited_by: Recruitment::Person(PersonId(7)),
        };
        assert!(membership.clone().validate().is_err());
        let asked = Membership {
            recruited_by: Recruitment::Person(PersonId(3)),
            ..membership
        };
        assert!(asked.validate().is_ok());
    }
}
