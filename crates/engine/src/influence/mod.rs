//! Activist selection: which k people, if they start a behaviour, spread it furthest, under
//! per-unit quotas, exclusions and people already active; why each of them, who should ask
//! them, and how reach grows with every extra activist.
//!
//! The optimiser is OPIM-C (Tang, Tang, Xiao & Yuan, SIGMOD 2018) over reverse-reachable sets
//! (Borgs, Brautbar, Chayes & Lucier, SODA 2014) with greedy maximum coverage:
//!
//! - **Guarantee.** Without quotas the picks reach at least (1 − 1/e − ε) of the best
//!   possible expected spread with probability ≥ 1 − δ (δ = 1/n by default); exclusions and
//!   fixed seeds keep this (the objective is then the spread beyond the fixed seeds, still
//!   monotone and submodular). With quotas the feasible sets are the independent sets of a
//!   matroid (a partition matroid with lower and upper bounds, truncated at k), and greedy
//!   selection that keeps every quota satisfiable gives 1/2 − ε (Fisher, Nemhauser & Wolsey,
//!   Math. Programming Study 1978). Either way the result reports the ratio it *certifies*
//!   from the data ([`Selection::certified_ratio`]), usually far above the worst case.
//! - **Candidates.** Greedy on a sample overfits its noise: on `ba_100k` (IC, p = 0.01,
//!   k = 50) the reference OPIM-C set spreads to ~317 people where the 50 highest degrees
//!   reach ~334. So the OPIM-C set is compared, on the independent checking pool, with a
//!   greedy set chosen on a lower-variance estimator (one-step reach computed exactly, only
//!   the rest sampled; see [`SetSource::OneStepGreedy`]), the top-k by out-degree and the
//!   greedy set for exact one-step reach (both constrained the same way). The best by the
//!   lower-variance estimate wins, provided its own certified ratio is at least the target
//!   (or the greedy set's): the answer is never worse than those heuristics within
//!   sampling noise, and the guarantee stands.
//! - **Reproducible.** RR sets are generated in parallel, each from its own seed (seed, pool,
//!   index): the same seed gives bit-identical picks for any thread count.
//!
//! Influence runs along edges: u→v means u can activate v. For advice ties ("u asks v") the
//! influence runs from v to u, so reverse such a graph first.
//!
//! ```
//! use engine::Graph;
//! use engine::influence::{ActivistSelection, EdgeProbability, Model};
//! // A star: 0 talks to 1..=5.
//! let g = Graph::directed(6, (1..6).map(|v| (0, v, 1.0)));
//! let selection = ActivistSelection {
//!     k: 1,
//!     model: Model::IndependentCascade(EdgeProbability::Uniform(1.0)),
//!     ..ActivistSelection::default()
//! }
//! .run(&g)
//! .unwrap();
//! assert_eq!(selection.picks[0].node, 0);
//! assert!((selection.spread - 6.0).abs() < 1e-9);
//! ```

mod constraints;
mod explain;
mod first_hop;
mod greedy;
mod model;
mod opim;
mod rr_sets;

use fixedbitset::FixedBitSet;

pub use constraints::{Constraints, UnitQuota, Units};
pub use explain::Asker;
pub use model::{EdgeProbability, Model};

use crate::{Error, Graph, NodeIdx};
use constraints::{Checked, feasible_prefix};

/// Activist selection: parameters. [`ActivistSelection::run`] does the work.
#[derive(Clone, Debug, PartialEq)]
pub struct ActivistSelection {
    /// How many activists to pick.
    pub k: usize,
    /// How the behaviour spreads.
    pub model: Model,
    /// Approximation slack: the guarantee is (1 − 1/e − ε), or (1/2 − ε) with quotas. Smaller
    /// is slower (RR sets grow like 1/ε²).
    pub epsilon: f64,
    /// Failure probability of the guarantee; `None` means 1/n.
    pub delta: Option<f64>,
    /// Seed of every random choice.
    pub seed: u64,
    /// Quotas, exclusions, people already active.
    pub constraints: Constraints,
    /// A unit per person: needed for quotas, and names units in the reasons.
    pub units: Option<Units>,
    /// People who can ask picks to join (besides the fixed seeds, who always can).
    pub engaged: Vec<NodeIdx>,
    /// Let earlier picks ask later ones.
    pub askers_include_picks: bool,
    /// Also compare with the top-k by degree and the one-step-reach greedy set.
    pub compare_baselines: bool,
    /// Stop enlarging the pools at this many RR sets each, guarantee met or not (memory).
    pub max_rr_sets: usize,
    /// Once the guarantee is certified, keep doubling the pools while each holds fewer than
    /// this many node entries (Σ|R|): on small networks a bigger sample costs little and
    /// makes the picks steadier from seed to seed; on large ones the guarantee needs more.
    pub min_rr_entries: usize,
}

impl Default for ActivistSelection {
    fn default() -> Self {
        ActivistSelection {
            k: 10,
            model: Model::IndependentCascade(EdgeProbability::Uniform(0.05)),
            epsilon: 0.1,
            delta: None,
            seed: 0,
            constraints: Constraints::default(),
            units: None,
            engaged: Vec::new(),
            askers_include_picks: false,
            compare_baselines: true,
            max_rr_sets: 1 << 26,
            min_rr_entries: 1 << 18,
        }
    }
}

/// Where the returned set came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SetSource {
    /// OPIM-C's greedy maximum coverage on RR sets: the set the guarantee is proven for.
    Greedy,
    /// Greedy on the same RR sets with a control variate: one-step reach is computed
    /// exactly, only reach beyond one step is sampled, so far less noise steers the choice.
    OneStepGreedy,
    /// The k highest out-degrees that satisfy the constraints.
    Degree,
    /// Greedy on the exact expected one-step reach, without sampling: degree discount
    /// (Chen, Wang & Yang, KDD 2009) generalised to any edge probabilities.
    OneStepReach,
}

/// One chosen activist.
#[derive(Clone, Debug, PartialEq)]
pub struct Pick {
    /// Who.
    pub node: NodeIdx,
    /// Expected extra people reached given the earlier picks (and the fixed seeds).
    pub marginal_gain: f64,
    /// Expected people reached by this pick and by no other pick or fixed seed.
    pub exclusive_reach: f64,
    /// The newly reached people per unit (expected counts), most first; empty without units.
    pub unit_reach: Vec<(u32, f64)>,
    /// Why, in plain language, e.g. "reaches ~40 people no earlier pick reaches, mostly in
    /// Finance and Legal; bridges 3 units".
    pub reason: String,
    /// The engaged person best placed to ask them, if any is connected.
    pub asker: Option<Asker>,
}

/// The chosen activists and what they are expected to achieve.
#[derive(Clone, Debug, PartialEq)]
pub struct Selection {
    /// Picks in greedy order (each the best addition to the ones before).
    pub picks: Vec<Pick>,
    /// Expected number of people reached (fixed seeds and picks included).
    pub spread: f64,
    /// A 95 % Wilson interval for [`Selection::spread`].
    pub spread_interval: (f64, f64),
    /// Expected reach with the fixed seeds and the first j picks, j = 0..=k: the value of one
    /// more activist.
    pub reach_curve: Vec<f64>,
    /// With probability ≥ 1 − δ, the picks' spread beyond the fixed seeds is at least this
    /// fraction of the best possible.
    pub certified_ratio: f64,
    /// The worst-case ratio aimed at: 1 − 1/e − ε, or 1/2 − ε with quotas.
    pub target_ratio: f64,
    /// Which candidate set won.
    pub source: SetSource,
    /// Every candidate set's estimated spread (fixed seeds included), greedy first, by the
    /// control-variate estimate used to choose; it differs from [`Selection::spread`] (plain
    /// RR coverage, consistent with the gains) within the sampling noise.
    pub candidates: Vec<(SetSource, f64)>,
    /// RR sets in each of the two pools.
    pub n_rr_sets: usize,
}

impl ActivistSelection {
    /// Picks `k` activists.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for k = 0, ε or δ outside (0, 1), a bad probability or
    /// weight, a node index outside the graph, and constraints no k people can meet (too few
    /// candidates, minimums beyond k, caps too tight, an unknown unit).
    ///
    /// # Complexity
    /// Expected O(k (m + n) log n / ε² · OPT-relative factor) for the RR sets (Tang et al.
    /// 2018), O(Σ|R|) per greedy pass, plus one multi-source Dijkstra for the askers.
    pub fn run(&self, graph: &Graph) -> Result<Selection, Error> {
        let n_nodes = graph.n_nodes();
        if self.k == 0 {
            return Err(invalid(
                "k",
                "at least one activist must be requested".into(),
            ));
        }
        let checked = Checked::new(n_nodes, self.k, &self.constraints, self.units.as_ref())?;
        let ratio = if checked.has_quotas {
            0.5
        } else {
            1.0 - (-1.0f64).exp()
        };
        if !(self.epsilon > 0.0 && self.epsilon < ratio) {
            return Err(invalid(
                "epsilon",
                format!("{} is not in (0, {ratio:.3})", self.epsilon),
            ));
        }
        let delta = self.delta.unwrap_or(1.0 / n_nodes as f64);
        if !(delta > 0.0 && delta < 1.0) {
            return Err(invalid("delta", format!("{delta} is not in (0, 1)")));
        }
        if self.max_rr_sets == 0 || self.max_rr_sets > u32::MAX as usize {
            return Err(invalid(
                "max_rr_sets",
                format!("{} is not in 1..=2^32-1", self.max_rr_sets),
            ));
        }
        if let Some(v) = self.engaged.iter().find(|&&v| v as usize >= n_nodes) {
            return Err(invalid(
                "engaged",
                format!("node {v} is not in the graph, which has {n_nodes} nodes"),
            ));
        }
        let sampler = model::ReverseSampler::new(graph, &self.model)?;
        let _span = tracing::info_span!("activist_selection", n_nodes, k = self.k).entered();
        let plan = opim::Plan {
            graph,
            sampler: &sampler,
            checked: &checked,
            k: self.k,
            epsilon: self.epsilon,
            delta,
            seed: self.seed,
            max_rr_sets: self.max_rr_sets,
            min_rr_entries: self.min_rr_entries,
        };
        let outcome = opim::run(&plan);
        let check = &outcome.check;
        let scale = n_nodes as f64 / check.len() as f64;

        let first_hop = first_hop::FirstHop::new(graph, &self.model);
        let mut candidates = vec![
            (SetSource::Greedy, outcome.greedy.picks.clone()),
            (
                SetSource::OneStepGreedy,
                first_hop::greedy(graph, &first_hop, &outcome.choose, &checked, self.k),
            ),
        ];
        if self.compare_baselines {
            candidates.push((
                SetSource::Degree,
                feasible_prefix(&checked, self.k, degree_ranking(graph)),
            ));
            let no_sets = rr_sets::RrSets::new(0, 0);
            candidates.push((
                SetSource::OneStepReach,
                first_hop::greedy(graph, &first_hop, &no_sets, &checked, self.k),
            ));
        }
        let coverages: Vec<u64> = candidates
            .iter()
            .map(|(_, set)| {
                let mut members = FixedBitSet::with_capacity(n_nodes);
                members.extend(set.iter().map(|&v| v as usize));
                check.count_covered(&members, &outcome.check_pre_covered)
            })
            .collect();
        let estimates: Vec<f64> = candidates
            .iter()
            .map(|(_, set)| {
                first_hop::estimate_beyond(graph, &first_hop, check, set, &checked.fixed)
            })
            .collect();
        // Each candidate's lower bound holds w.p. 1 − δ/(3 i_max · #candidates). A candidate
        // may replace the greedy set only if its certificate is as good as the target (or
        // as the greedy set's, when that fell short): the guarantee never weakens.
        let a = outcome.log_term + (candidates.len() as f64).ln();
        let certified: Vec<f64> = coverages
            .iter()
            .map(|&c| (opim::lower_bound(c as f64, a, scale) / outcome.opt_upper).min(1.0))
            .collect();
        let target_ratio = outcome.ratio - self.epsilon;
        let bar = target_ratio.min(certified[0]);
        let mut best = 0;
        for i in 1..candidates.len() {
            if certified[i] >= bar && estimates[i] > estimates[best] {
                best = i;
            }
        }
        let certified_ratio = certified[best];

        let chosen = &candidates[best].1;
        let parts = explain::breakdown(
            check,
            &outcome.check_pre_covered,
            chosen,
            n_nodes,
            self.units.as_ref(),
        );
        let mut engaged: Vec<NodeIdx> = self.constraints.fixed.clone();
        engaged.extend_from_slice(&self.engaged);
        let askers = explain::askers(graph, &engaged, &parts.order, self.askers_include_picks);
        let has_fixed = !self.constraints.fixed.is_empty();
        let picks: Vec<Pick> = parts
            .order
            .iter()
            .enumerate()
            .zip(askers)
            .map(|((rank, &node), asker)| {
                let marginal_gain = parts.gains[rank] as f64 * scale;
                let exclusive_reach = parts.exclusive[rank] as f64 * scale;
                let unit_reach: Vec<(u32, f64)> = parts.unit_roots[rank]
                    .iter()
                    .map(|&(u, c)| (u, c as f64 * scale))
                    .collect();
                let reason = explain::reason(
                    rank,
                    marginal_gain,
                    exclusive_reach,
                    &unit_reach,
                    self.units.as_ref(),
                    has_fixed,
                );
                Pick {
                    node,
                    marginal_gain,
                    exclusive_reach,
                    unit_reach,
                    reason,
                    asker,
                }
            })
            .collect();
        let mut reach_curve = Vec::with_capacity(picks.len() + 1);
        let mut covered = parts.fixed_coverage;
        reach_curve.push(covered as f64 * scale);
        for &g in &parts.gains {
            covered += g;
            reach_curve.push(covered as f64 * scale);
        }
        let (low, high) = wilson(covered, check.len() as u64);
        Ok(Selection {
            picks,
            spread: covered as f64 * scale,
            spread_interval: (low * n_nodes as f64, high * n_nodes as f64),
            reach_curve,
            certified_ratio,
            target_ratio,
            source: candidates[best].0,
            candidates: candidates
                .iter()
                .zip(&estimates)
                .map(|((source, _), &e)| (*source, e + parts.fixed_coverage as f64 * scale))
                .collect(),
            n_rr_sets: check.len(),
        })
    }
}

fn invalid(name: &'static str, reason: String) -> Error {
    Error::InvalidParameter { name, reason }
}

/// Nodes by out-degree (people one can pass the behaviour to), highest first, ties by index.
fn degree_ranking(graph: &Graph) -> Vec<NodeIdx> {
    let mut order: Vec<NodeIdx> = graph.nodes().collect();
    order.sort_by_key(|&v| (std::cmp::Reverse(graph.outgoing().degree(v)), v));
    order
}

/// 95 % Wilson score interval of a proportion.
fn wilson(successes: u64, trials: u64) -> (f64, f64) {
    if trials == 0 {
        return (0.0, 1.0);
    }
    let z = 1.959_963_984_540_054_f64;
    let n = trials as f64;
    let p = successes as f64 / n;
    let denom = 1.0 + z * z / n;
    let centre = (p + z * z / (2.0 * n)) / denom;
    let half = z * (p * (1.0 - p) / n + z * z / (4.0 * n * n)).sqrt() / denom;
    ((centre - half).max(0.0), (centre + half).min(1.0))
}
