//! The demo's history, planned before anything is written: every write with its time and the
//! person who makes it, in time order. Pure (no I/O, no clock): the same organization,
//! options and seed give the same plan.
//!
//! How the history unfolds:
//!
//! 1. **Founding** (day 0): the host founds the movement and joins; they ask the sponsor in
//!    person, who joins the next day.
//! 2. **Activists** (days 1–5): the picks of the engine's activist selection, in greedy
//!    order, each asked personally by the asker the selection names (the host or an earlier
//!    pick); most say yes. Day 7 is the kick-off, celebrated in a story.
//! 3. **Spread** (day 8 on): the engine's diffusion model — a persistent cascade from the
//!    host and the activists on the informal network, with a small broadcast rate — says
//!    who joins on which day. Each join is put down to the personal channel or to broadcast
//!    in proportion to their chances that day (k colleagues in: 1 − (1 − p)^k against q);
//!    a personal join was asked by one of those colleagues (an activist more likely than a
//!    member), an outside one answered the host's newsletter (two waves) or signed up on
//!    their own. Around the personal asks that worked, askers also asked colleagues who said
//!    no, did not answer yet, or are still in their drafts: personal asks end up converting
//!    at about 40 % and broadcasts at 2–3 %.
//! 4. **Practice**: members adopt behaviours days after joining (the first behaviours more
//!    than the last), write stories of every kind with co-authors, react, retell, say
//!    "I did it" on the story that convinced them, and confirm each other's adoptions;
//!    activists log their talks. A few people opt out.

use std::collections::HashSet;

use engine::{Graph, Network, NodeIdx};
use movement::{AskStatus, Channel, OptOut, ReactionKind, Role, StoryKind, Visibility};
use rand::{RngExt, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

use crate::text;

mod outreach;
mod practice;

pub(crate) const MINUTE_MS: i64 = 60_000;
pub(crate) const HOUR_MS: i64 = 60 * MINUTE_MS;
pub(crate) const DAY_MS: i64 = 24 * HOUR_MS;

/// The day of the kick-off; the spread starts the day after.
pub(crate) const KICKOFF_DAY: u32 = 7;

/// Share of people picked as activists (most of them say yes).
pub const ACTIVIST_SHARE: f64 = 0.045;

/// Share of picks who say yes to their asker.
const ACTIVIST_YES: f64 = 0.85;

/// Probability per day that a member's tie brings a colleague in (the cascade's personal
/// rate), and that someone not yet in joins from broadcast.
const CASCADE_PERSONAL: f64 = 0.0011;
const CASCADE_BROADCAST: f64 = 0.0003;

/// How many personal asks that did not work are planned per one that did, as
/// (1 − r) / r: with the activists' own asks (most of which work) and drafts not counted,
/// about 40 % of the sent personal asks end in a join.
pub(crate) const PERSONAL_RATE: f64 = 0.33;

/// Each broadcast wave reaches this share of the people not in yet.
const WAVE_SHARE: f64 = 0.3;

/// How likely each behaviour is taken up by a member, in the order of [`text::BEHAVIOURS`].
const UPTAKE: [f64; 5] = [0.72, 0.58, 0.45, 0.34, 0.25];

/// Who is who before the history starts.
pub(crate) struct Cast {
    pub host: NodeIdx,
    pub sponsor: NodeIdx,
    /// The activist selection's picks in greedy order, with who should ask each.
    pub picks: Vec<(NodeIdx, Option<NodeIdx>)>,
}

/// How someone came in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Recruiter {
    Person(NodeIdx),
    Broadcast,
    SelfSignup,
}

/// One write.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Action {
    /// The host founds the movement.
    Movement,
    Account {
        person: NodeIdx,
    },
    Join {
        person: NodeIdx,
        role: Role,
        recruited_by: Recruiter,
        mission: Option<String>,
    },
    /// Ask number `ask` (in the plan's order), created with `status`.
    CreateAsk {
        ask: usize,
        from: NodeIdx,
        to: NodeIdx,
        channel: Channel,
        status: AskStatus,
        message: String,
        token: String,
    },
    AdvanceAsk {
        ask: usize,
        status: AskStatus,
    },
    Conversation {
        activist: NodeIdx,
        with: NodeIdx,
        behaviours: Vec<usize>,
        outcome: String,
    },
    /// Story number `story` (in the plan's order).
    Story {
        story: usize,
        author: NodeIdx,
        co_authors: Vec<NodeIdx>,
        kind: StoryKind,
        behaviours: Vec<usize>,
        visibility: Visibility,
        text: String,
    },
    React {
        story: usize,
        person: NodeIdx,
        reaction: ReactionKind,
    },
    Retell {
        story: usize,
        person: NodeIdx,
        note: String,
    },
    Adopt {
        person: NodeIdx,
        behaviour: usize,
    },
    Confirm {
        person: NodeIdx,
        behaviour: usize,
        by: NodeIdx,
    },
    OptOut {
        person: NodeIdx,
        opt_out: OptOut,
    },
}

/// A write, when, and who makes it (their account, if they have one by then, is its actor).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Planned {
    pub at_ms: i64,
    pub doer: Option<NodeIdx>,
    pub action: Action,
}

/// The whole history, in time order.
pub(crate) struct Plan {
    pub actions: Vec<Planned>,
}

/// Plans `days` days of history starting at `start_ms` (a midnight); nothing is planned at
/// or after `start_ms + days` days. `graph` is the undirected influence graph of `network`.
pub(crate) fn plan(
    network: &Network,
    graph: &Graph,
    cast: &Cast,
    days: u32,
    start_ms: i64,
    seed: u64,
) -> Result<Plan, engine::Error> {
    let n = graph.n_nodes();
    let mut history = History {
        network,
        graph,
        rng: Xoshiro256PlusPlus::seed_from_u64(seed ^ 0x6465_6d6f_6869_7374),
        start_ms,
        end_ms: start_ms + i64::from(days) * DAY_MS,
        days,
        joined: vec![None; n],
        role: vec![None; n],
        recruiter: vec![None; n],
        actions: Vec::new(),
        n_asks: 0,
        stories: Vec::new(),
        asked: HashSet::new(),
        n_personal_joins: 0,
        broadcast_joins: Vec::new(),
        adoptions: Vec::new(),
    };
    history.found(cast);
    let activists = history.recruit_activists(cast);
    history.kickoff(cast.host, &activists);
    history.spread(cast, &activists, seed)?;
    let opted_out = history.broadcast_waves(cast.host);
    history.unanswered_asks(&opted_out);
    history.do_not_suggest(&opted_out);
    history.adopt();
    history.write_stories(cast);
    history.react_and_retell();
    history.confirm_and_follow_up();
    history.open_accounts(cast);
    let mut actions = history.actions;
    // Accounts first among writes of the same moment: a person's account exists before
    // anything they do.
    actions.sort_by_key(|p| (p.at_ms, !matches!(p.action, Action::Account { .. })));
    Ok(Plan { actions })
}

struct StoryInfo {
    at_ms: i64,
    author: NodeIdx,
    behaviours: Vec<usize>,
    kind: StoryKind,
    /// Whether members can see it (not a hosts-only story).
    public: bool,
}

struct History<'a> {
    network: &'a Network,
    graph: &'a Graph,
    rng: Xoshiro256PlusPlus,
    start_ms: i64,
    end_ms: i64,
    days: u32,
    /// When each person joined, if they did.
    joined: Vec<Option<i64>>,
    role: Vec<Option<Role>>,
    recruiter: Vec<Option<Recruiter>>,
    actions: Vec<Planned>,
    n_asks: usize,
    stories: Vec<StoryInfo>,
    /// (asker, asked) pairs already planned.
    asked: HashSet<(NodeIdx, NodeIdx)>,
    n_personal_joins: usize,
    /// (person, join time) of those who answered a broadcast.
    broadcast_joins: Vec<(NodeIdx, i64)>,
    /// (person, behaviour, time), in time order once planned.
    adoptions: Vec<(NodeIdx, usize, i64)>,
}

impl History<'_> {
    // ----- time and chance -----

    /// A moment in working hours (08:00–18:00) of `day`.
    fn time(&mut self, day: i64) -> i64 {
        self.start_ms + day * DAY_MS + 8 * HOUR_MS + self.rng.random_range(0..10 * HOUR_MS)
    }

    /// A duration drawn uniformly from `low..high` milliseconds.
    fn between(&mut self, low: i64, high: i64) -> i64 {
        self.rng.random_range(low..high.max(low + 1))
    }

    /// An exponential duration with this mean.
    fn exponential(&mut self, mean_ms: f64) -> i64 {
        let u: f64 = self.rng.random();
        (-(1.0 - u).ln() * mean_ms) as i64
    }

    fn chance(&mut self, p: f64) -> bool {
        self.rng.random_bool(p.clamp(0.0, 1.0))
    }

    /// An index drawn in proportion to `weights` (not all zero).
    fn weighted(&mut self, weights: &[f64]) -> usize {
        let total: f64 = weights.iter().sum();
        let mut x = self.rng.random::<f64>() * total;
        for (i, w) in weights.iter().enumerate() {
            if x < *w {
                return i;
            }
            x -= w;
        }
        weights.len() - 1
    }

    fn token(&mut self) -> String {
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        (0..22)
            .map(|_| ALPHABET[self.rng.random_range(0..ALPHABET.len())] as char)
            .collect()
    }

    fn push(&mut self, at_ms: i64, doer: Option<NodeIdx>, action: Action) {
        self.actions.push(Planned {
            at_ms,
            doer,
            action,
        });
    }

    // ----- people -----

    fn first_name(&self, person: NodeIdx) -> String {
        let name = self.network.attribute(person, "name").unwrap_or("there");
        name.split_whitespace().next().unwrap_or(name).to_string()
    }

    fn unit(&self, person: NodeIdx) -> String {
        self.network
            .attribute(person, "unit")
            .unwrap_or("our unit")
            .to_string()
    }

    fn is_in_before(&self, person: NodeIdx, at_ms: i64) -> bool {
        self.joined[person as usize].is_some_and(|joined| joined < at_ms)
    }

    fn neighbours(&self, person: NodeIdx) -> &[NodeIdx] {
        self.graph.out_neighbors(person)
    }

    /// Everyone who joined, in order of joining.
    fn members_by_time(&self) -> Vec<(i64, NodeIdx)> {
        let mut members: Vec<(i64, NodeIdx)> = (0..self.joined.len())
            .filter_map(|v| self.joined[v].map(|t| (t, v as NodeIdx)))
            .collect();
        members.sort_unstable();
        members
    }

    fn join(
        &mut self,
        at_ms: i64,
        person: NodeIdx,
        role: Role,
        recruited_by: Recruiter,
        mission: bool,
    ) {
        let mission = mission.then(|| {
            let unit = self.unit(person);
            text::personal_mission(&mut self.rng, &unit)
        });
        self.joined[person as usize] = Some(at_ms);
        self.role[person as usize] = Some(role);
        self.recruiter[person as usize] = Some(recruited_by);
        self.push(
            at_ms,
            Some(person),
            Action::Join {
                person,
                role,
                recruited_by,
                mission,
            },
        );
    }

    /// Plans an ask created at `created` with status `first`, then moved through `steps`
    /// (each later than the one before); steps at or after the end are left out.
    fn ask(
        &mut self,
        (from, to): (NodeIdx, NodeIdx),
        channel: Channel,
        created: i64,
        first: AskStatus,
        steps: &[(AskStatus, i64)],
    ) {
        let ask = self.n_asks;
        self.n_asks += 1;
        self.asked.insert((from, to));
        let first_name = self.first_name(to);
        let message = text::ask_message(&mut self.rng, channel, &first_name);
        let token = self.token();
        self.push(
            created,
            Some(from),
            Action::CreateAsk {
                ask,
                from,
                to,
                channel,
                status: first,
                message,
                token,
            },
        );
        for &(status, at_ms) in steps {
            if at_ms >= self.end_ms {
                break;
            }
            let doer = (status == AskStatus::Sent).then_some(from);
            self.push(at_ms, doer, Action::AdvanceAsk { ask, status });
        }
    }

    /// One or two behaviours, the popular ones more often.
    fn some_behaviours(&mut self) -> Vec<usize> {
        let first = self.weighted(&UPTAKE);
        let mut behaviours = vec![first];
        if self.chance(0.35) {
            let second = self.weighted(&UPTAKE);
            if second != first {
                behaviours.push(second);
            }
        }
        behaviours
    }

    fn converse(&mut self, at_ms: i64, activist: NodeIdx, with: NodeIdx, joined: bool) {
        let behaviours = self.some_behaviours();
        let outcome = text::conversation_outcome(&mut self.rng, joined);
        self.push(
            at_ms,
            Some(activist),
            Action::Conversation {
                activist,
                with,
                behaviours,
                outcome,
            },
        );
    }

    fn personal_channel(&mut self) -> Channel {
        const CHANNELS: [Channel; 5] = [
            Channel::InPerson,
            Channel::Chat,
            Channel::Sms,
            Channel::Email,
            Channel::Call,
        ];
        CHANNELS[self.weighted(&[0.30, 0.25, 0.15, 0.15, 0.15])]
    }
}
