//! The joining half of the history: the founding, the activists, the spread of joins from
//! the engine's cascade with the personal ask (or broadcast) behind each, the broadcast
//! waves, the personal asks that did not (yet) work, and opt-outs.

use std::collections::HashSet;

use engine::NodeIdx;
use engine::diffusion::{Diffusion, EdgeProbability, Model, Start};
use movement::{AskStatus, Channel, OptOut, Role};
use rand::RngExt;

use super::{
    ACTIVIST_YES, Action, CASCADE_BROADCAST, CASCADE_PERSONAL, Cast, DAY_MS, HOUR_MS, History,
    KICKOFF_DAY, MINUTE_MS, PERSONAL_RATE, Recruiter, WAVE_SHARE,
};

impl History<'_> {
    pub(super) fn found(&mut self, cast: &Cast) {
        let host = cast.host;
        let founded = self.start_ms + 9 * HOUR_MS;
        self.push(founded, Some(host), Action::Movement);
        self.join(
            founded + 20 * MINUTE_MS,
            host,
            Role::Host,
            Recruiter::SelfSignup,
            true,
        );
        // The host asks the sponsor in person; the sponsor says yes the next day.
        let asked = self.time(1);
        let sent = asked + self.between(MINUTE_MS, 10 * MINUTE_MS);
        let yes = self.time(2);
        let pair = (host, cast.sponsor);
        self.ask(
            pair,
            Channel::InPerson,
            asked,
            AskStatus::Drafted,
            &[(AskStatus::Sent, sent), (AskStatus::Joined, yes)],
        );
        self.converse(sent, host, cast.sponsor, true);
        self.join(
            yes,
            cast.sponsor,
            Role::Sponsor,
            Recruiter::Person(host),
            true,
        );
    }

    /// Asks the picks in greedy order; returns those who said yes.
    pub(super) fn recruit_activists(&mut self, cast: &Cast) -> Vec<NodeIdx> {
        let mut activists = Vec::new();
        let n_picks = cast.picks.len().max(1) as i64;
        for (i, &(pick, asker)) in cast.picks.iter().enumerate() {
            let day = 1 + (i as i64 * 5) / n_picks;
            let day_start = self.start_ms + day * DAY_MS;
            let asker = asker
                .filter(|&a| a != pick && self.is_in_before(a, day_start))
                .unwrap_or(cast.host);
            let channel = [Channel::InPerson, Channel::Call, Channel::Chat]
                [self.weighted(&[0.55, 0.2, 0.25])];
            let created = self.time(day);
            let sent = created + self.between(MINUTE_MS, 20 * MINUTE_MS);
            let mut steps = vec![(AskStatus::Sent, sent)];
            let mut last = sent;
            if channel == Channel::Chat {
                last = sent + self.between(10 * MINUTE_MS, 5 * HOUR_MS);
                steps.push((AskStatus::Opened, last));
            }
            let yes = i == 0 || self.chance(ACTIVIST_YES);
            let answered = last + self.between(30 * MINUTE_MS, 20 * HOUR_MS);
            let answer = if yes {
                AskStatus::Joined
            } else {
                AskStatus::Declined
            };
            steps.push((answer, answered));
            self.ask((asker, pick), channel, created, AskStatus::Drafted, &steps);
            if channel != Channel::Chat {
                self.converse(sent, asker, pick, yes);
            }
            if yes {
                self.join(
                    answered,
                    pick,
                    Role::Activist,
                    Recruiter::Person(asker),
                    true,
                );
                activists.push(pick);
            }
        }
        activists
    }

    /// Who joins when, from the engine's cascade; and who asked them.
    pub(super) fn spread(
        &mut self,
        cast: &Cast,
        activists: &[NodeIdx],
        seed: u64,
    ) -> Result<(), engine::Error> {
        let steps = self.days.saturating_sub(KICKOFF_DAY + 1).max(1);
        let diffusion = Diffusion {
            model: Model::Persistent(EdgeProbability::Uniform(CASCADE_PERSONAL)),
            broadcast: CASCADE_BROADCAST,
            max_steps: Some(steps),
            ..Diffusion::default()
        };
        let simulator = diffusion.simulator(self.graph)?;
        let mut seeds = vec![cast.host];
        seeds.extend_from_slice(activists);
        let cascade = simulator.cascade(&Start::seeds(&seeds), seed, 0)?;
        let mut joins: Vec<(u32, NodeIdx)> = cascade
            .steps()
            .iter()
            .enumerate()
            .filter(|&(v, &step)| {
                step >= 1 && step != engine::diffusion::NEVER && self.joined[v].is_none()
            })
            .map(|(v, &step)| (KICKOFF_DAY + step, v as NodeIdx))
            .filter(|&(day, _)| day < self.days)
            .collect();
        joins.sort_unstable();
        let (wave_1, wave_2) = self.wave_days();
        for (day, person) in joins {
            let joined_at = self.time(i64::from(day));
            let askers: Vec<NodeIdx> = self
                .neighbours(person)
                .iter()
                .copied()
                .filter(|&u| {
                    self.role[u as usize].is_some_and(|r| r != Role::Sponsor)
                        && self.is_in_before(u, joined_at - 2 * HOUR_MS)
                })
                .collect();
            // The cascade does not say which channel brought someone in: with k colleagues
            // in, the personal channel's daily chance is 1 - (1 - p)^k against broadcast's
            // q, and the join is put down to each in that proportion.
            let personal = 1.0 - (1.0 - CASCADE_PERSONAL).powi(askers.len() as i32);
            let outside = CASCADE_BROADCAST / (CASCADE_BROADCAST + personal);
            if askers.is_empty() || self.chance(outside) {
                if day >= wave_1 {
                    // Answering the last wave out: after it went out that morning.
                    let wave = if day >= wave_2 { wave_2 } else { wave_1 };
                    let joined_at = joined_at.max(self.wave_sent_at(wave) + 40 * MINUTE_MS);
                    self.broadcast_joins.push((person, joined_at));
                    self.join(joined_at, person, Role::Member, Recruiter::Broadcast, false);
                } else {
                    let mission = self.chance(0.3);
                    self.join(
                        joined_at,
                        person,
                        Role::Member,
                        Recruiter::SelfSignup,
                        mission,
                    );
                }
                continue;
            }
            let weights: Vec<f64> = askers
                .iter()
                .map(|&u| match self.role[u as usize] {
                    Some(Role::Activist) => 4.0,
                    Some(Role::Host) => 2.0,
                    _ => 1.0,
                })
                .collect();
            let asker = askers[self.weighted(&weights)];
            self.asked_and_joined(asker, person, joined_at);
        }
        Ok(())
    }

    /// A personal ask from `asker` that `person` answers by joining at `joined_at`.
    fn asked_and_joined(&mut self, asker: NodeIdx, person: NodeIdx, joined_at: i64) {
        let channel = self.personal_channel();
        let digital = matches!(channel, Channel::Sms | Channel::Email | Channel::Chat);
        let mut opened = joined_at - self.between(5 * MINUTE_MS, 2 * HOUR_MS);
        let mut sent =
            if digital { opened } else { joined_at } - self.between(30 * MINUTE_MS, 36 * HOUR_MS);
        let mut created = sent - self.between(MINUTE_MS, 30 * MINUTE_MS);
        let asker_in = self.joined[asker as usize].unwrap_or(self.start_ms);
        if created <= asker_in + 5 * MINUTE_MS {
            let span = joined_at - asker_in;
            created = asker_in + span / 5;
            sent = asker_in + 2 * span / 5;
            opened = asker_in + 3 * span / 5;
        }
        let mut steps = vec![(AskStatus::Sent, sent)];
        if digital {
            steps.push((AskStatus::Opened, opened));
        }
        steps.push((AskStatus::Joined, joined_at));
        self.ask(
            (asker, person),
            channel,
            created,
            AskStatus::Drafted,
            &steps,
        );
        let logs_talks = matches!(self.role[asker as usize], Some(Role::Activist | Role::Host));
        if logs_talks && matches!(channel, Channel::InPerson | Channel::Call) {
            self.converse(sent, asker, person, true);
        }
        self.n_personal_joins += 1;
        let mission = self.chance(0.25);
        self.join(
            joined_at,
            person,
            Role::Member,
            Recruiter::Person(asker),
            mission,
        );
    }

    /// The days of the two newsletter waves.
    fn wave_days(&self) -> (u32, u32) {
        let first = (self.days / 6).max(KICKOFF_DAY + 2);
        let second = (self.days * 7 / 12).max(first + 1);
        (first, second)
    }

    /// When a wave goes out, and the first day after it that belongs to the next wave.
    fn wave_sent_at(&self, day: u32) -> i64 {
        self.start_ms + i64::from(day) * DAY_MS + 10 * HOUR_MS
    }

    /// The host's two broadcast waves; returns the people who opted out through them.
    pub(super) fn broadcast_waves(&mut self, host: NodeIdx) -> HashSet<NodeIdx> {
        let n = self.joined.len();
        let (day_1, day_2) = self.wave_days();
        // A few people who never join opt out of all contact when the first wave reaches
        // them; nobody asks them again.
        let outsiders: Vec<NodeIdx> = (0..n as NodeIdx)
            .filter(|&v| self.joined[v as usize].is_none())
            .collect();
        let n_opt_outs = ((n as f64 * 0.006).round() as usize)
            .max(1)
            .min(outsiders.len());
        let mut opted_out = HashSet::new();
        while opted_out.len() < n_opt_outs {
            opted_out.insert(outsiders[self.rng.random_range(0..outsiders.len())]);
        }
        let second_starts = self.start_ms + i64::from(day_2) * DAY_MS;
        for (first, day) in [(true, day_1), (false, day_2)] {
            if day >= self.days {
                continue;
            }
            let sent_at = self.wave_sent_at(day);
            // Who answers this wave: the broadcast joiners until the next one (their join
            // times were set after the wave went out).
            let answers: Vec<(NodeIdx, i64)> = self
                .broadcast_joins
                .iter()
                .copied()
                .filter(|&(_, t)| {
                    if first {
                        t < second_starts
                    } else {
                        t >= second_starts
                    }
                })
                .collect();
            for (person, joined_at) in answers {
                let sent = sent_at + self.between(0, 5 * MINUTE_MS);
                let opened = joined_at - self.between(5 * MINUTE_MS, 25 * MINUTE_MS);
                self.ask(
                    (host, person),
                    Channel::Broadcast,
                    sent,
                    AskStatus::Sent,
                    &[(AskStatus::Opened, opened), (AskStatus::Joined, joined_at)],
                );
            }
            // The rest of the wave: a share of those not in, and (first wave) the people
            // who opt out.
            for person in 0..n as NodeIdx {
                let opting_out = opted_out.contains(&person);
                let reached = if opting_out {
                    first
                } else {
                    person != host
                        && !self.is_in_before(person, sent_at + DAY_MS)
                        && !self.broadcast_joins.iter().any(|&(v, _)| v == person)
                        && self.chance(WAVE_SHARE)
                };
                if !reached {
                    continue;
                }
                let sent = sent_at + self.between(0, 5 * MINUTE_MS);
                let mut steps = Vec::new();
                if opting_out {
                    let opened = sent + self.between(HOUR_MS, 2 * DAY_MS);
                    let out = opened + self.between(MINUTE_MS, 10 * MINUTE_MS);
                    steps.push((AskStatus::Opened, opened));
                    steps.push((AskStatus::OptedOut, out));
                    if out < self.end_ms {
                        let opt_out = OptOut::DoNotContact;
                        self.push(out, Some(person), Action::OptOut { person, opt_out });
                    }
                } else if self.chance(0.22) {
                    let opened = sent + HOUR_MS + self.exponential(DAY_MS as f64);
                    steps.push((AskStatus::Opened, opened));
                    if self.chance(0.05) {
                        steps.push((AskStatus::Declined, opened + 3 * MINUTE_MS));
                    }
                }
                self.ask(
                    (host, person),
                    Channel::Broadcast,
                    sent,
                    AskStatus::Sent,
                    &steps,
                );
            }
        }
        opted_out
    }

    /// Personal asks that did not (or not yet) bring anyone in: (1 − r) / r of them per
    /// personal join of the spread, r = [`PERSONAL_RATE`].
    pub(super) fn unanswered_asks(&mut self, opted_out: &HashSet<NodeIdx>) {
        let n_wanted =
            (self.n_personal_joins as f64 * (1.0 - PERSONAL_RATE) / PERSONAL_RATE).round() as usize;
        let askers: Vec<(NodeIdx, bool)> = (0..self.joined.len() as NodeIdx)
            .filter_map(|v| match self.role[v as usize] {
                Some(Role::Activist | Role::Host) => Some((v, true)),
                Some(Role::Member) => Some((v, false)),
                _ => None,
            })
            .collect();
        let weights: Vec<f64> = askers
            .iter()
            .map(|&(_, activist)| if activist { 6.0 } else { 1.0 })
            .collect();
        let mut n_planned = 0;
        let mut attempts = 0;
        while n_planned < n_wanted && attempts < 20 * n_wanted + 100 && !askers.is_empty() {
            attempts += 1;
            let (asker, activist) = askers[self.weighted(&weights)];
            let Some(asker_in) = self.joined[asker as usize] else {
                continue;
            };
            let first_day = (asker_in - self.start_ms) / DAY_MS + 1;
            let last_day = i64::from(self.days) - 1;
            if first_day > last_day {
                continue;
            }
            let candidates: Vec<NodeIdx> = self
                .neighbours(asker)
                .iter()
                .copied()
                .filter(|&v| {
                    self.joined[v as usize].is_none()
                        && !opted_out.contains(&v)
                        && !self.asked.contains(&(asker, v))
                })
                .collect();
            if candidates.is_empty() {
                continue;
            }
            let person = candidates[self.rng.random_range(0..candidates.len())];
            let day = self.rng.random_range(first_day..=last_day);
            let channel = self.personal_channel();
            let digital = matches!(channel, Channel::Sms | Channel::Email | Channel::Chat);
            let created = self.time(day);
            let sent = created + self.between(MINUTE_MS, 30 * MINUTE_MS);
            let outcome = self.weighted(&[0.06, 0.24, 0.20, 0.50]);
            let mut steps = Vec::new();
            if outcome >= 1 {
                steps.push((AskStatus::Sent, sent));
            }
            let mut last = sent;
            if outcome >= 2 && digital {
                last = sent + self.between(10 * MINUTE_MS, 30 * HOUR_MS);
                steps.push((AskStatus::Opened, last));
            }
            if outcome == 3 {
                let declined = last + self.between(HOUR_MS, 3 * DAY_MS);
                steps.push((AskStatus::Declined, declined));
            }
            self.ask(
                (asker, person),
                channel,
                created,
                AskStatus::Drafted,
                &steps,
            );
            if activist && outcome >= 1 && matches!(channel, Channel::InPerson | Channel::Call) {
                self.converse(sent, asker, person, false);
            }
            n_planned += 1;
        }
    }

    /// A few people who never joined ask not to be suggested as activists.
    pub(super) fn do_not_suggest(&mut self, opted_out: &HashSet<NodeIdx>) {
        let n = self.joined.len();
        let n_wanted = ((n as f64 * 0.003).round() as usize).max(1);
        let mut done = HashSet::new();
        for _ in 0..100 * n_wanted {
            if done.len() == n_wanted {
                break;
            }
            let person = self.rng.random_range(0..n) as NodeIdx;
            if self.joined[person as usize].is_some()
                || opted_out.contains(&person)
                || !done.insert(person)
            {
                continue;
            }
            let day = self.rng.random_range(0..i64::from(self.days));
            let at_ms = self.time(day);
            self.push(
                at_ms,
                Some(person),
                Action::OptOut {
                    person,
                    opt_out: OptOut::DoNotSuggest,
                },
            );
        }
    }
}
