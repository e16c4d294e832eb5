//! The practising half of the history: adoptions, stories of every kind, reactions,
//! retells and "I did it", peer confirmations, follow-up talks, and who has an account.

use std::collections::HashSet;

use engine::NodeIdx;
use movement::{ReactionKind, Role, StoryKind, Visibility};
use rand::RngExt;

use super::{
    Action, Cast, DAY_MS, HOUR_MS, History, KICKOFF_DAY, MINUTE_MS, Recruiter, StoryInfo, UPTAKE,
};
use crate::text;

impl History<'_> {
    pub(super) fn kickoff(&mut self, host: NodeIdx, activists: &[NodeIdx]) {
        let at_ms = self.start_ms + i64::from(KICKOFF_DAY) * DAY_MS + 16 * HOUR_MS;
        let co_authors: Vec<NodeIdx> = activists.iter().copied().take(2).collect();
        let other = co_authors
            .first()
            .map_or_else(|| "everyone".to_string(), |&a| self.first_name(a));
        let unit = self.unit(host);
        let text = text::story(
            &mut self.rng,
            StoryKind::Celebration,
            0,
            &other,
            &unit,
            activists.len() + 2,
        );
        self.story(
            at_ms,
            host,
            co_authors,
            StoryKind::Celebration,
            vec![0, 1],
            text,
        );
    }

    /// Who takes up which behaviour when: days after joining, the first behaviours more.
    pub(super) fn adopt(&mut self) {
        let mut adoptions = Vec::new();
        for (joined_at, person) in self.members_by_time() {
            let role = self.role[person as usize];
            let (boost, mean_days) = match role {
                Some(Role::Host) => (2.0, 2.0),
                Some(Role::Activist) => (1.3, 3.0),
                Some(Role::Sponsor) => (0.8, 8.0),
                _ => (1.0, 5.0),
            };
            for (behaviour, uptake) in UPTAKE.iter().enumerate() {
                if !self.chance((uptake * boost).min(0.97)) {
                    continue;
                }
                let at_ms = joined_at + HOUR_MS + self.exponential(mean_days * DAY_MS as f64);
                if at_ms < self.end_ms {
                    adoptions.push((person, behaviour, at_ms));
                }
            }
        }
        adoptions.sort_unstable_by_key(|&(person, behaviour, at_ms)| (at_ms, person, behaviour));
        self.adoptions = adoptions;
    }

    fn story(
        &mut self,
        at_ms: i64,
        author: NodeIdx,
        co_authors: Vec<NodeIdx>,
        kind: StoryKind,
        behaviours: Vec<usize>,
        text: String,
    ) {
        let visibility = match kind {
            StoryKind::Celebration => Visibility::Organization,
            StoryKind::ProblemFixed => [
                Visibility::Organization,
                Visibility::Movement,
                Visibility::Hosts,
            ][self.weighted(&[0.5, 0.42, 0.08])],
            _ => [Visibility::Movement, Visibility::Organization][self.weighted(&[0.75, 0.25])],
        };
        let story = self.stories.len();
        self.stories.push(StoryInfo {
            at_ms,
            author,
            behaviours: behaviours.clone(),
            kind,
            public: visibility != Visibility::Hosts,
        });
        self.push(
            at_ms,
            Some(author),
            Action::Story {
                story,
                author,
                co_authors,
                kind,
                behaviours,
                visibility,
                text,
            },
        );
    }

    /// Stories by activists, members, the host, and the sponsor's milestone celebrations.
    pub(super) fn write_stories(&mut self, cast: &Cast) {
        // The first activists' first stories are one of each everyday kind, so even a small
        // demo shows them all; then kinds are drawn.
        const FIRST_KINDS: [StoryKind; 4] = [
            StoryKind::Aha,
            StoryKind::Experience,
            StoryKind::ProblemFixed,
            StoryKind::Inspiration,
        ];
        let mut n_activist_stories = 0;
        let members = self.members_by_time();
        for &(joined_at, author) in &members {
            let role = self.role[author as usize];
            let n_stories = match role {
                Some(Role::Activist) => [0, 1, 2, 3][self.weighted(&[0.15, 0.35, 0.3, 0.2])],
                Some(Role::Host) => 1,
                Some(Role::Member) => usize::from(self.chance(0.08)),
                _ => 0,
            };
            for _ in 0..n_stories {
                let earliest = joined_at + DAY_MS;
                if earliest >= self.end_ms - HOUR_MS {
                    break;
                }
                let at_ms = earliest + self.between(0, self.end_ms - HOUR_MS - earliest);
                let kind = if role == Some(Role::Activist) && n_activist_stories < 4 {
                    n_activist_stories += 1;
                    FIRST_KINDS[n_activist_stories - 1]
                } else {
                    [
                        StoryKind::Aha,
                        StoryKind::Inspiration,
                        StoryKind::ProblemFixed,
                        StoryKind::Experience,
                        StoryKind::Celebration,
                    ][self.weighted(&[0.25, 0.2, 0.25, 0.25, 0.05])]
                };
                self.everyday_story(at_ms, author, kind, members.len());
            }
        }
        // The sponsor celebrates when 10 % and 20 % of people are in.
        let n = self.joined.len();
        for share in [0.1, 0.2] {
            let count = (n as f64 * share).ceil() as usize;
            let Some(&(reached, _)) = members.get(count.saturating_sub(1)) else {
                continue;
            };
            let day = (reached - self.start_ms) / DAY_MS + 1;
            let at_ms = self.start_ms + day * DAY_MS + 11 * HOUR_MS;
            if at_ms >= self.end_ms {
                continue;
            }
            let mut co_authors = vec![cast.host];
            if let Some(&(_, activist)) = members
                .iter()
                .find(|&&(_, v)| self.role[v as usize] == Some(Role::Activist))
            {
                co_authors.push(activist);
            }
            let other = self.first_name(cast.host);
            let unit = self.unit(cast.sponsor);
            let text = text::story(
                &mut self.rng,
                StoryKind::Celebration,
                0,
                &other,
                &unit,
                count,
            );
            let behaviours = vec![self.weighted(&UPTAKE)];
            self.story(
                at_ms,
                cast.sponsor,
                co_authors,
                StoryKind::Celebration,
                behaviours,
                text,
            );
        }
    }

    fn everyday_story(&mut self, at_ms: i64, author: NodeIdx, kind: StoryKind, n_members: usize) {
        // About what the author practises by then, if anything.
        let practised: Vec<usize> = self
            .adoptions
            .iter()
            .filter(|&&(v, _, t)| v == author && t < at_ms)
            .map(|&(_, b, _)| b)
            .collect();
        let behaviours = if practised.is_empty() {
            self.some_behaviours()
        } else {
            let first = practised[self.rng.random_range(0..practised.len())];
            let mut behaviours = vec![first];
            if practised.len() > 1 && self.chance(0.35) {
                let second = practised[self.rng.random_range(0..practised.len())];
                if second != first {
                    behaviours.push(second);
                }
            }
            behaviours
        };
        let colleagues: Vec<NodeIdx> = self
            .neighbours(author)
            .iter()
            .copied()
            .filter(|&v| v != author && self.is_in_before(v, at_ms))
            .collect();
        let n_co_authors = [0, 1, 2][self.weighted(&[0.6, 0.3, 0.1])].min(colleagues.len());
        let mut co_authors = Vec::new();
        while co_authors.len() < n_co_authors {
            let v = colleagues[self.rng.random_range(0..colleagues.len())];
            if !co_authors.contains(&v) {
                co_authors.push(v);
            }
        }
        let other = match (co_authors.first(), colleagues.first()) {
            (Some(&v), _) | (None, Some(&v)) => self.first_name(v),
            (None, None) => "a colleague".to_string(),
        };
        let unit = self.unit(author);
        let text = text::story(&mut self.rng, kind, behaviours[0], &other, &unit, n_members);
        self.story(at_ms, author, co_authors, kind, behaviours, text);
    }

    /// Reactions and retells of every story, and "I did it" on the story behind an adoption.
    pub(super) fn react_and_retell(&mut self) {
        let members = self.members_by_time();
        let mut reacted: HashSet<(usize, NodeIdx, ReactionKind)> = HashSet::new();
        for story in 0..self.stories.len() {
            let (at_ms, author, kind) = {
                let s = &self.stories[story];
                if !s.public {
                    continue;
                }
                (s.at_ms, s.author, s.kind)
            };
            let n_in = members.partition_point(|&(t, _)| t < at_ms);
            let mut pool: Vec<NodeIdx> = self
                .neighbours(author)
                .iter()
                .copied()
                .filter(|&v| v != author && self.is_in_before(v, at_ms))
                .collect();
            for _ in 0..if n_in > 0 { 5 } else { 0 } {
                let (_, v) = members[self.rng.random_range(0..n_in)];
                if v != author && !pool.contains(&v) {
                    pool.push(v);
                }
            }
            let scale: f64 = self.rng.random_range(0.5..1.5);
            let n_reactions =
                (((2.0 + 0.03 * n_in as f64) * scale).round() as usize).min(pool.len());
            for reactor in pool.iter().copied().take(n_reactions) {
                let t = at_ms + 10 * MINUTE_MS + self.exponential(1.2 * DAY_MS as f64);
                if t >= self.end_ms {
                    continue;
                }
                let reaction =
                    [ReactionKind::Inspired, ReactionKind::WillTry][self.weighted(&[0.6, 0.4])];
                if reacted.insert((story, reactor, reaction)) {
                    self.push(
                        t,
                        Some(reactor),
                        Action::React {
                            story,
                            person: reactor,
                            reaction,
                        },
                    );
                }
            }
            let retell_chance = if kind == StoryKind::Celebration {
                0.4
            } else {
                0.15
            };
            if self.chance(retell_chance) {
                let n_retells = self.rng.random_range(1..=2).min(pool.len());
                for &person in pool.iter().rev().take(n_retells) {
                    let t = at_ms + self.between(2 * HOUR_MS, 5 * DAY_MS);
                    if t >= self.end_ms {
                        continue;
                    }
                    let unit = self.unit(person);
                    let note = text::retell_note(&mut self.rng, &unit);
                    self.push(
                        t,
                        Some(person),
                        Action::Retell {
                            story,
                            person,
                            note,
                        },
                    );
                }
            }
        }
        // Adoptions, some of them an "I did it" on a recent story about the behaviour.
        for i in 0..self.adoptions.len() {
            let (person, behaviour, at_ms) = self.adoptions[i];
            if self.chance(0.35) {
                let recent: Vec<usize> = (0..self.stories.len())
                    .filter(|&s| {
                        let story = &self.stories[s];
                        story.author != person
                            && story.public
                            && story.behaviours.contains(&behaviour)
                            && story.at_ms < at_ms - 10 * MINUTE_MS
                            && story.at_ms >= at_ms - 10 * DAY_MS
                    })
                    .collect();
                if !recent.is_empty() {
                    let story = recent[self.rng.random_range(0..recent.len())];
                    if reacted.insert((story, person, ReactionKind::DidIt)) {
                        self.push(
                            at_ms,
                            Some(person),
                            Action::React {
                                story,
                                person,
                                reaction: ReactionKind::DidIt,
                            },
                        );
                    }
                }
            }
            self.push(at_ms, Some(person), Action::Adopt { person, behaviour });
        }
    }

    /// Peers confirming adoptions they saw, and activists' follow-up talks with the people
    /// they brought in.
    pub(super) fn confirm_and_follow_up(&mut self) {
        for i in 0..self.adoptions.len() {
            let (person, behaviour, at_ms) = self.adoptions[i];
            if !self.chance(0.08) {
                continue;
            }
            let at_ms = at_ms + self.between(HOUR_MS, 4 * DAY_MS);
            let peers: Vec<NodeIdx> = self
                .neighbours(person)
                .iter()
                .copied()
                .filter(|&v| v != person && self.is_in_before(v, at_ms))
                .collect();
            if peers.is_empty() || at_ms >= self.end_ms {
                continue;
            }
            let by = peers[self.rng.random_range(0..peers.len())];
            self.push(
                at_ms,
                Some(by),
                Action::Confirm {
                    person,
                    behaviour,
                    by,
                },
            );
        }
        for (joined_at, person) in self.members_by_time() {
            let Some(Recruiter::Person(asker)) = self.recruiter[person as usize] else {
                continue;
            };
            if self.role[asker as usize] != Some(Role::Activist) || !self.chance(0.3) {
                continue;
            }
            let earliest = joined_at + DAY_MS;
            if earliest >= self.end_ms {
                continue;
            }
            let at_ms = earliest + self.between(0, self.end_ms - earliest);
            let behaviours = self.some_behaviours();
            let outcome = text::follow_up_outcome(&mut self.rng);
            self.push(
                at_ms,
                Some(asker),
                Action::Conversation {
                    activist: asker,
                    with: person,
                    behaviours,
                    outcome,
                },
            );
        }
    }

    /// Accounts: the host and the sponsor before it all starts, every activist, and every
    /// member who uses the platform (writes, reacts, retells, confirms), as they join.
    pub(super) fn open_accounts(&mut self, cast: &Cast) {
        let mut users: Vec<bool> = vec![false; self.joined.len()];
        for planned in &self.actions {
            let uses_platform = matches!(
                planned.action,
                Action::Story { .. }
                    | Action::React { .. }
                    | Action::Retell { .. }
                    | Action::Confirm { .. }
                    | Action::Conversation { .. }
            );
            if let (true, Some(doer)) = (uses_platform, planned.doer) {
                users[doer as usize] = true;
            }
        }
        let before = self.start_ms - DAY_MS + 10 * HOUR_MS;
        for (i, person) in [cast.host, cast.sponsor].into_iter().enumerate() {
            self.push(
                before + i as i64 * MINUTE_MS,
                Some(person),
                Action::Account { person },
            );
        }
        for (joined_at, person) in self.members_by_time() {
            if person == cast.host || person == cast.sponsor {
                continue;
            }
            let activist = self.role[person as usize] == Some(Role::Activist);
            if activist || users[person as usize] {
                self.push(joined_at, Some(person), Action::Account { person });
            }
        }
    }
}
