//! The dashboard's aggregates (DESIGN.md "Metrics"), computed from [`AnalyticsInputs`]:
//! members by role, joins by week, adoption and progress to critical mass, channel
//! conversion with Wilson intervals, units, and how widely the movement is carried.
//!
//! Privacy is part of the definitions, not of the page:
//!
//! - people who opted out of analytics ([`OptOut::ExcludeFromAnalytics`]) are left out of
//!   every figure at once: the directory size, memberships, adoptions, asks they sent or
//!   received, recruits credited to them;
//! - every count of people is a [`Shown`]: a group smaller than [`MIN_GROUP`] is shown as
//!   "fewer than 5", never as its number, and figures derived from it (rates, shares) are
//!   withheld with it;
//! - nothing names a person.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, Duration, NaiveDate};
use serde::Serialize;

use crate::{
    AnalyticsInputs, AskStatus, Channel, MovementId, MovementSpec, OptOut, PersonId, Recruitment,
    Role,
};

/// The smallest group an aggregate shows the size of (k-anonymity with k = 5).
pub const MIN_GROUP: usize = 5;

/// A count of people as the dashboard may show it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "shown", content = "n")]
pub enum Shown {
    /// At least [`MIN_GROUP`] people: the number.
    Count(usize),
    /// Fewer than [`MIN_GROUP`] people (zero included): withheld.
    FewerThanMinGroup,
}

impl Shown {
    /// `n` as it may be shown.
    pub fn of(n: usize) -> Shown {
        if n >= MIN_GROUP {
            Shown::Count(n)
        } else {
            Shown::FewerThanMinGroup
        }
    }

    /// The number, when it may be shown.
    pub fn count(self) -> Option<usize> {
        match self {
            Shown::Count(n) => Some(n),
            Shown::FewerThanMinGroup => None,
        }
    }
}

impl std::fmt::Display for Shown {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Shown::Count(n) => write!(f, "{n}"),
            Shown::FewerThanMinGroup => write!(f, "fewer than {MIN_GROUP}"),
        }
    }
}

/// The Wilson score interval of a proportion `successes / trials` at normal quantile `z`
/// (1.96 for 95 %): `(low, high)`, within [0, 1] even at 0 or `trials` successes.
/// `None` for no trials.
///
/// Wilson, "Probable inference, the law of succession, and statistical inference",
/// JASA 22 (1927).
pub fn wilson_interval(successes: usize, trials: usize, z: f64) -> Option<(f64, f64)> {
    if trials == 0 {
        return None;
    }
    let n = trials as f64;
    let p = successes as f64 / n;
    let z2 = z * z;
    let denominator = 1.0 + z2 / n;
    let centre = (p + z2 / (2.0 * n)) / denominator;
    let half = z / denominator * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    Some(((centre - half).max(0.0), (centre + half).min(1.0)))
}

/// The normal quantile of a two-sided 95 % interval.
pub const Z_95: f64 = 1.959_963_984_540_054;

/// Asks sent through a channel (or a group of channels) and how many led to a join.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Conversion {
    /// What the row is about: a channel's word, `personal` or `broadcast`.
    pub label: String,
    /// Asks sent (anything past drafted).
    pub sent: Shown,
    /// Asks answered by joining.
    pub joined: Shown,
    /// joined / sent with its Wilson 95 % interval, when there are at least
    /// [`MIN_GROUP`] sent asks.
    pub rate: Option<Rate>,
}

/// A proportion with its 95 % interval.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Rate {
    /// The proportion.
    pub value: f64,
    /// Lower end of the 95 % interval.
    pub low: f64,
    /// Upper end of the 95 % interval.
    pub high: f64,
}

impl Conversion {
    fn new(label: &str, sent: usize, joined: usize) -> Conversion {
        let rate = (sent >= MIN_GROUP)
            .then(|| wilson_interval(joined, sent, Z_95))
            .flatten()
            .map(|(low, high)| Rate {
                value: joined as f64 / sent as f64,
                low,
                high,
            });
        Conversion {
            label: label.to_string(),
            sent: Shown::of(sent),
            joined: Shown::of(joined),
            rate,
        }
    }
}

/// One unit (department, team) of the directory.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct UnitRow {
    /// The unit's name (`(no unit)` for people without one).
    pub unit: String,
    /// People of the unit in the directory.
    pub people: Shown,
    /// Members of the movement in the unit; withheld for a unit of fewer than
    /// [`MIN_GROUP`] people.
    pub members: Option<Shown>,
    /// People of the unit practising at least one behaviour; withheld likewise.
    pub adopters: Option<Shown>,
}

/// Whether the movement is carried by many people in many units, or by its hosts.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Accountability {
    /// Joins counted (memberships, the hosts' own included).
    pub joins: Shown,
    /// Share of joins recruited by the one person who recruited most; withheld under
    /// [`MIN_GROUP`] joins.
    pub top_recruiter_share: Option<f64>,
    /// Share of joins recruited by hosts (owner dependence).
    pub by_hosts_share: Option<f64>,
    /// Share of joins recruited by anyone else personally.
    pub by_others_share: Option<f64>,
    /// Units with at least one activist.
    pub units_with_activist: usize,
    /// Units in the directory.
    pub units: usize,
}

/// Everything the dashboard shows of one movement.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Dashboard {
    /// N: people in the directory, still in the organization.
    pub people: Shown,
    /// Members by role, in [`Role`] order.
    pub members_by_role: Vec<(Role, Shown)>,
    /// Joins by week (the Monday starting it), oldest first.
    pub joins_by_week: Vec<(NaiveDate, Shown)>,
    /// People practising each of the movement's behaviours.
    pub adoption_by_behaviour: Vec<(String, Shown)>,
    /// A: people practising at least one of them.
    pub adopters: Shown,
    /// The target fraction c.
    pub critical_mass: f64,
    /// A / (c·N); withheld while A is under [`MIN_GROUP`].
    pub progress: Option<f64>,
    /// Per channel used, then `personal` and `broadcast` overall.
    pub channels: Vec<Conversion>,
    /// Per unit, by name.
    pub units: Vec<UnitRow>,
    /// How widely the movement is carried.
    pub accountability: Accountability,
}

/// The dashboard of `movement` (described by `spec`) from the organization's analytics
/// inputs.
///
/// # Complexity
/// O(people + memberships + asks + adoptions), with logarithmic map lookups.
pub fn dashboard(inputs: &AnalyticsInputs, movement: MovementId, spec: &MovementSpec) -> Dashboard {
    let excluded: BTreeSet<PersonId> = inputs
        .opt_outs
        .iter()
        .filter(|(_, opt_out)| *opt_out == OptOut::ExcludeFromAnalytics)
        .map(|(person, _)| *person)
        .collect();
    // The directory N: still in the organization, not opted out.
    let people: BTreeMap<PersonId, &str> = inputs
        .people
        .iter()
        .filter(|(id, state)| !state.left && !excluded.contains(id))
        .map(|(id, state)| (*id, state.record.unit.as_deref().unwrap_or("(no unit)")))
        .collect();
    let counted = |person: &PersonId| people.contains_key(person);

    let memberships: Vec<_> = inputs
        .memberships
        .values()
        .filter(|m| m.movement == movement && counted(&m.person))
        .collect();
    let members_by_role = Role::ALL
        .iter()
        .map(|role| {
            let n = memberships.iter().filter(|m| m.role == *role).count();
            (*role, Shown::of(n))
        })
        .collect();
    let mut weeks: BTreeMap<NaiveDate, usize> = BTreeMap::new();
    for membership in &memberships {
        let day = membership.joined_at.date_naive();
        let monday = day - Duration::days(i64::from(day.weekday().num_days_from_monday()));
        *weeks.entry(monday).or_default() += 1;
    }
    let joins_by_week = weeks.into_iter().map(|(w, n)| (w, Shown::of(n))).collect();

    // Adoptions of the movement's behaviours by counted people.
    let behaviours: Vec<&str> = spec.behaviours().iter().map(|b| b.as_str()).collect();
    let mut adopters_of: BTreeMap<&str, BTreeSet<PersonId>> = BTreeMap::new();
    for (person, behaviour) in inputs.adoptions.keys() {
        if counted(person)
            && let Some(name) = behaviours
                .iter()
                .find(|b| b.eq_ignore_ascii_case(behaviour))
        {
            adopters_of.entry(*name).or_default().insert(*person);
        }
    }
    let adoption_by_behaviour = behaviours
        .iter()
        .map(|b| {
            let n = adopters_of.get(b).map_or(0, BTreeSet::len);
            (b.to_string(), Shown::of(n))
        })
        .collect();
    let adopters: BTreeSet<PersonId> = adopters_of.values().flatten().copied().collect();
    let critical_mass = spec.critical_mass();
    let progress = (adopters.len() >= MIN_GROUP)
        .then(|| adopters.len() as f64 / (critical_mass * people.len() as f64));

    // Asks between counted people, sent (past drafted).
    let mut by_channel: BTreeMap<&'static str, (usize, usize)> = BTreeMap::new();
    let (mut personal, mut broadcast) = ((0, 0), (0, 0));
    for ask in inputs.asks.values() {
        if ask.movement != movement
            || ask.status == AskStatus::Drafted
            || !counted(&ask.from)
            || !counted(&ask.to)
        {
            continue;
        }
        let joined = usize::from(ask.status == AskStatus::Joined);
        let slot = by_channel.entry(ask.channel.as_str()).or_default();
        *slot = (slot.0 + 1, slot.1 + joined);
        let group = if ask.channel.is_personal() {
            &mut personal
        } else {
            &mut broadcast
        };
        *group = (group.0 + 1, group.1 + joined);
    }
    let mut channels: Vec<Conversion> = Channel::ALL
        .iter()
        .filter_map(|c| {
            let (sent, joined) = by_channel.get(c.as_str())?;
            Some(Conversion::new(c.as_str(), *sent, *joined))
        })
        .collect();
    channels.push(Conversion::new("personal", personal.0, personal.1));
    channels.push(Conversion::new("broadcast", broadcast.0, broadcast.1));

    // Units.
    let mut unit_people: BTreeMap<&str, usize> = BTreeMap::new();
    for unit in people.values() {
        *unit_people.entry(*unit).or_default() += 1;
    }
    let unit_count = |persons: &mut dyn Iterator<Item = PersonId>, unit: &str| {
        persons.filter(|p| people.get(p) == Some(&unit)).count()
    };
    let units = unit_people
        .iter()
        .map(|(unit, n)| {
            let shown = *n >= MIN_GROUP;
            let members = unit_count(&mut memberships.iter().map(|m| m.person), unit);
            let adopting = unit_count(&mut adopters.iter().copied(), unit);
            UnitRow {
                unit: unit.to_string(),
                people: Shown::of(*n),
                members: shown.then(|| Shown::of(members)),
                adopters: shown.then(|| Shown::of(adopting)),
            }
        })
        .collect();

    // Accountability: who recruited the joins.
    let hosts: BTreeSet<PersonId> = memberships
        .iter()
        .filter(|m| m.role == Role::Host)
        .map(|m| m.person)
        .collect();
    let mut recruits: BTreeMap<PersonId, usize> = BTreeMap::new();
    for membership in &memberships {
        if let Recruitment::Person(recruiter) = membership.recruited_by
            && counted(&recruiter)
        {
            *recruits.entry(recruiter).or_default() += 1;
        }
    }
    let joins = memberships.len();
    let share = |n: usize| (joins >= MIN_GROUP).then(|| n as f64 / joins as f64);
    let by_hosts: usize = recruits
        .iter()
        .filter(|(p, _)| hosts.contains(p))
        .map(|(_, n)| n)
        .sum();
    let by_anyone: usize = recruits.values().sum();
    let units_with_activist: BTreeSet<&str> = memberships
        .iter()
        .filter(|m| m.role == Role::Activist)
        .filter_map(|m| people.get(&m.person).copied())
        .collect();
    let accountability = Accountability {
        joins: Shown::of(joins),
        top_recruiter_share: share(recruits.values().copied().max().unwrap_or(0)),
        by_hosts_share: share(by_hosts),
        by_others_share: share(by_anyone - by_hosts),
        units_with_activist: units_with_activist.len(),
        units: unit_people.len(),
    };

    Dashboard {
        people: Shown::of(people.len()),
        members_by_role,
        joins_by_week,
        adoption_by_behaviour,
        adopters: Shown::of(adopters.len()),
        critical_mass,
        progress,
        channels,
        units,
        accountability,
    }
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, TimeZone, Utc};

    use super::*;
    use crate::{
        AdoptionTime, Ask, AskId, Behaviour, Membership, MembershipId, PersonRecord, PersonState,
    };

    #[test]
    fn groups_under_five_are_withheld_and_five_is_shown() {
        assert_eq!(Shown::of(4), Shown::FewerThanMinGroup);
        assert_eq!(Shown::of(0), Shown::FewerThanMinGroup);
        assert_eq!(Shown::of(5), Shown::Count(5));
        assert_eq!(Shown::of(4).to_string(), "fewer than 5");
        assert_eq!(Shown::of(5).to_string(), "5");
    }

    #[test]
    fn wilson_interval_matches_known_values() {
        // 8 of 10 at 95 %: (0.4902, 0.9433), as in Newcombe (1998), table I.
        let (low, high) = wilson_interval(8, 10, Z_95).unwrap();
        assert!((low - 0.4902).abs() < 1e-4, "{low}");
        assert!((high - 0.9433).abs() < 1e-4, "{high}");
        // 0 of 10: the lower end is 0, the upper 0.2775.
        let (low, high) = wilson_interval(0, 10, Z_95).unwrap();
        assert_eq!(low, 0.0);
        assert!((high - 0.2775).abs() < 1e-4, "{high}");
        assert_eq!(wilson_interval(0, 0, Z_95), None);
    }

    fn at(day: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, day, 12, 0, 0).unwrap()
    }

    /// `n` people in unit "Big" (p1..) and 4 in unit "Small"; the first `members` of Big
    /// are members (p1 a host, p2 an activist), each of the first `adopters` of Big
    /// practises "walk".
    fn org(n: i64, members: i64, adopters: i64) -> (AnalyticsInputs, MovementSpec) {
        let mut inputs = AnalyticsInputs::default();
        for i in 1..=n + 4 {
            let unit = if i <= n { "Big" } else { "Small" };
            let record = PersonRecord::new(&format!("p{i}"), &format!("Person {i}"))
                .unwrap()
                .with_placement(unit, "", "", "")
                .unwrap();
            let state = PersonState {
                record,
                left: false,
            };
            inputs.people.insert(PersonId(i), state);
        }
        for i in 1..=members {
            let role = match i {
                1 => Role::Host,
                2 => Role::Activist,
                _ => Role::Member,
            };
            let recruited_by = if i == 1 {
                Recruitment::SelfSignup
            } else {
                Recruitment::Person(PersonId(1))
            };
            inputs.memberships.insert(
                MembershipId(i),
                Membership {
                    movement: MovementId(1),
                    person: PersonId(i),
                    role,
                    personal_mission: None,
                    joined_at: at(1 + (i as u32 % 2) * 7),
                    recruited_by,
                },
            );
        }
        for i in 1..=adopters {
            inputs
                .adoptions
                .insert((PersonId(i), "walk".into()), AdoptionTime::At(at(2)));
        }
        let behaviours = ["walk", "cycle", "bus"]
            .iter()
            .map(|b| Behaviour::new(b).unwrap())
            .collect();
        let spec = MovementSpec::new(
            "Green",
            "Fewer cars",
            behaviours,
            0.25,
            NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
        )
        .unwrap();
        (inputs, spec)
    }

    #[test]
    fn units_under_five_people_hide_their_figures() {
        let (inputs, spec) = org(6, 6, 5);
        let board = dashboard(&inputs, MovementId(1), &spec);
        let big = board.units.iter().find(|u| u.unit == "Big").unwrap();
        assert_eq!(big.people, Shown::Count(6));
        assert_eq!(big.members, Some(Shown::Count(6)));
        assert_eq!(big.adopters, Some(Shown::Count(5)));
        let small = board.units.iter().find(|u| u.unit == "Small").unwrap();
        assert_eq!(small.people, Shown::FewerThanMinGroup);
        assert_eq!((small.members, small.adopters), (None, None));
        assert_eq!(board.people, Shown::Count(10));
        assert_eq!(board.adopters, Shown::Count(5));
        // 5 adopters of 10 people at c = 0.25: twice the critical mass.
        assert!((board.progress.unwrap() - 2.0).abs() < 1e-12);
        assert_eq!(board.accountability.units_with_activist, 1);
        assert_eq!(board.accountability.units, 2);
        // p1 (a host) recruited the 5 others of 6 joins.
        let share = board.accountability.top_recruiter_share.unwrap();
        assert!((share - 5.0 / 6.0).abs() < 1e-12);
        assert_eq!(board.accountability.by_hosts_share, Some(share));
        assert_eq!(board.accountability.by_others_share, Some(0.0));
        // Joins fall in two weeks: 3 and 3, both withheld.
        assert_eq!(board.joins_by_week.len(), 2);
        assert!(
            board
                .joins_by_week
                .iter()
                .all(|(_, n)| *n == Shown::FewerThanMinGroup)
        );
    }

    #[test]
    fn a_unit_of_exactly_five_is_shown_and_four_is_not() {
        let (inputs, spec) = org(5, 1, 0);
        let board = dashboard(&inputs, MovementId(1), &spec);
        let big = board.units.iter().find(|u| u.unit == "Big").unwrap();
        assert_eq!(big.people, Shown::Count(5));
        assert!(big.members.is_some());
        let (inputs, spec) = org(4, 1, 0);
        let board = dashboard(&inputs, MovementId(1), &spec);
        let big = board.units.iter().find(|u| u.unit == "Big").unwrap();
        assert_eq!(big.members, None);
    }

    #[test]
    fn people_who_opted_out_of_analytics_are_in_no_count() {
        let (mut inputs, spec) = org(6, 6, 5);
        // p3 is a member and an adopter; p1, the host, recruited them.
        inputs
            .opt_outs
            .insert((PersonId(3), OptOut::ExcludeFromAnalytics));
        let board = dashboard(&inputs, MovementId(1), &spec);
        assert_eq!(board.people, Shown::Count(9));
        assert_eq!(board.adopters, Shown::FewerThanMinGroup, "4 adopters left");
        assert_eq!(board.progress, None);
        let big = board.units.iter().find(|u| u.unit == "Big").unwrap();
        assert_eq!(big.people, Shown::Count(5));
        assert_eq!(big.members, Some(Shown::Count(5)));
        assert_eq!(board.accountability.joins, Shown::Count(5));
        // Other opt-outs change nothing.
        let (mut inputs, spec) = org(6, 6, 5);
        inputs.opt_outs.insert((PersonId(3), OptOut::DoNotContact));
        assert_eq!(
            dashboard(&inputs, MovementId(1), &spec).people,
            Shown::Count(10)
        );
    }

    #[test]
    fn conversion_counts_sent_asks_between_counted_people() {
        let (mut inputs, spec) = org(10, 1, 0);
        let statuses = [
            AskStatus::Joined,
            AskStatus::Joined,
            AskStatus::Sent,
            AskStatus::Declined,
            AskStatus::Opened,
            AskStatus::Drafted,
        ];
        for (i, status) in statuses.iter().enumerate() {
            let ask = Ask {
                movement: MovementId(1),
                from: PersonId(1),
                to: PersonId(i as i64 + 2),
                channel: Channel::InPerson,
                message: "Join us?".into(),
                token: format!("token-{i}-0123456789abcdef"),
                status: *status,
                arm: None,
            };
            inputs.asks.insert(AskId(i as i64), ask);
        }
        let board = dashboard(&inputs, MovementId(1), &spec);
        let in_person = &board.channels[0];
        assert_eq!(in_person.label, "in_person");
        assert_eq!(in_person.sent, Shown::Count(5));
        let rate = in_person.rate.unwrap();
        assert!((rate.value - 0.4).abs() < 1e-12);
        let (low, high) = wilson_interval(2, 5, Z_95).unwrap();
        assert_eq!((rate.low, rate.high), (low, high));
        let personal = board
            .channels
            .iter()
            .find(|c| c.label == "personal")
            .unwrap();
        assert_eq!(personal.sent, Shown::Count(5));
        let broadcast = board
            .channels
            .iter()
            .find(|c| c.label == "broadcast")
            .unwrap();
        assert_eq!(
            (broadcast.sent, broadcast.rate),
            (Shown::FewerThanMinGroup, None)
        );
        // An opted-out recipient takes their ask out of the counts: 4 sent, rate withheld.
        inputs
            .opt_outs
            .insert((PersonId(2), OptOut::ExcludeFromAnalytics));
        let board = dashboard(&inputs, MovementId(1), &spec);
        assert_eq!(board.channels[0].sent, Shown::FewerThanMinGroup);
        assert_eq!(board.channels[0].rate, None);
    }
}
