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
//! - **Fewer RR sets.** The expected reach *in one step* has a closed form, so only the
//!   reach beyond it is sampled (a control variate): OPIM-C's lower bound on the chosen set
//!   and upper bound on the optimum then rest on far smaller sampled counts, and the bounds
//!   meet with ~4× fewer RR sets at small edge probabilities (on `ba_100k`, IC p = 0.01,
//!   k = 50: 92 k sets instead of 370 k). Where one step carries little of the spread, the
//!   plain bounds are used.
//! - **Candidates.** Greedy on a sample overfits its noise: on `ba_100k` the reference
//!   OPIM-C set spreads to ~317 people where the 50 highest degrees reach ~334. So the
//!   greedy set is compared, on the independent checking pool, with a greedy set chosen on
//!   the lower-variance estimate ([`SetSource::OneStepGreedy`]), the top-k by out-degree, by
//!   PageRank and the greedy set for exact one-step reach (all constrained the same way).
//!   The one-step-reach set is kept unless another beats it by two paired standard errors
//!   (the pool doubles, at most twice, while one is plausibly better by more than 2 %), and
//!   only sets whose own certified ratio reaches the target may be returned: the answer is
//!   never worse than those heuristics beyond sampling noise, and the guarantee stands.
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

mod choose;
mod constraints;
mod cv_greedy;
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
    /// Failure probability of the guarantee; `None` means 1/n (1/2 for a single person).
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
    /// Also compare with the top-k by degree, by PageRank and the one-step-reach greedy set.
    pub compare_baselines: bool,
    /// Stop enlarging the pools at this many RR sets each, guarantee met or not (at most
    /// 2³¹ − 1).
    pub max_rr_sets: usize,
    /// Stop enlarging the pools before either holds more node entries than this (memory:
    /// about 4 bytes an entry and 12 bytes a set per pool, twice that while indexing). When
    /// a cap stops the pools early, [`Selection::certified_ratio`] may fall short of the
    /// target; it stays a valid certificate.
    pub max_rr_entries: usize,
    /// Once the guarantee is certified, keep doubling the pools until the spread of the
    /// set under test is known to ± this fraction (95 % interval), within the memory caps:
    /// a bigger sample sharpens the choice and the estimates. In (0, 1].
    pub precision: f64,
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
            max_rr_entries: 1 << 28,
            precision: 0.05,
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
    /// The k highest PageRanks of the reversed graph (a node ranks high when it reaches
    /// nodes that rank high) that satisfy the constraints.
    PageRank,
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
    /// Why, in plain language, e.g. "reaches ~40 more people than the earlier picks, mostly
    /// in Finance and Legal; bridges 3 units; ~12 of them reached by no other pick".
    pub reason: String,
    /// The engaged person best placed to ask them, if any is connected.
    pub asker: Option<Asker>,
}

/// The chosen activists and what they are expected to achieve.
#[derive(Clone, Debug, PartialEq)]
pub struct Selection {
    /// Picks in greedy order (each the best addition to the ones before).
    pub picks: Vec<Pick>,
    /// Expected number of people reached (fixed seeds and picks included), by a regression
    /// estimator that computes one-step reach exactly and samples only the rest.
    pub spread: f64,
    /// A 95 % interval for [`Selection::spread`] (normal approximation).
    pub spread_interval: (f64, f64),
    /// Expected reach with the fixed seeds and the first j picks, j = 0..=k: the value of one
    /// more activist. Plain RR-coverage estimates, like the gains, so the curve rises by
    /// exactly [`Pick::marginal_gain`] at each step; its last point agrees with
    /// [`Selection::spread`] within the sampling noise.
    pub reach_curve: Vec<f64>,
    /// With probability ≥ 1 − δ, the picks' spread beyond the fixed seeds is at least this
    /// fraction of the best possible.
    pub certified_ratio: f64,
    /// The worst-case ratio aimed at: 1 − 1/e − ε, or 1/2 − ε with quotas.
    pub target_ratio: f64,
    /// Which candidate set won.
    pub source: SetSource,
    /// Every candidate set's estimated spread (fixed seeds included), greedy first, by the
    /// same estimate as [`Selection::spread`] (sets chosen without RR sets on both pools).
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
    /// RR sets: at worst the O((k + log n)(n + m) log n / (ε² · OPT/n)) expected work of
    /// OPIM-C (Tang et al. 2018), in practice several times less with the one-step control
    /// variate; O(Σ|R|) per greedy pass and round (rounds double the pools); O(n + m) for
    /// the one-step state and the baselines; one multi-source Dijkstra, O(m log n), for the
    /// askers. Memory: the two pools (see [`ActivistSelection::max_rr_entries`]) and O(n + m).
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
        let delta = self.delta.unwrap_or(1.0 / n_nodes.max(2) as f64);
        if !(delta > 0.0 && delta < 1.0) {
            return Err(invalid("delta", format!("{delta} is not in (0, 1)")));
        }
        if self.max_rr_sets == 0 || self.max_rr_sets > (u32::MAX >> 1) as usize {
            return Err(invalid(
                "max_rr_sets",
                format!("{} is not in 1..=2^31-1", self.max_rr_sets),
            ));
        }
        if !(self.precision > 0.0 && self.precision <= 1.0) {
            return Err(invalid(
                "precision",
                format!("{} is not in (0, 1]", self.precision),
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
        let weights = first_hop::FirstHop::new(graph, &self.model);
        let one_step = first_hop::OneStep::new(graph, &weights, &checked.fixed);
        let one_step_gains = one_step.gains();
        let empty = FixedBitSet::with_capacity(n_nodes);
        let from_scratch = first_hop::OneStep::new(graph, &weights, &empty);
        let plan = opim::Plan {
            graph,
            sampler: &sampler,
            checked: &checked,
            one_step: &one_step,
            one_step_gains: &one_step_gains,
            k: self.k,
            epsilon: self.epsilon,
            delta,
            seed: self.seed,
            max_rr_sets: self.max_rr_sets,
            max_rr_entries: self.max_rr_entries,
            precision: self.precision,
            empty: &from_scratch,
        };
        let mut outcome = opim::run(&plan);

        // Candidates, the plain greedy set first (it carries the guarantee at θ_max).
        let plain = match &outcome.plain {
            Some(plain) => plain.picks.clone(),
            None => {
                let none = FixedBitSet::with_capacity(outcome.choose.len());
                greedy::greedy(
                    &outcome.choose,
                    rr_sets::Part::Whole,
                    &none,
                    &checked,
                    self.k,
                )
                .picks
            }
        };
        let one_step_greedy = if outcome.plain.is_none() {
            outcome.tested.clone()
        } else {
            cv_greedy::greedy(
                &one_step,
                &one_step_gains,
                &outcome.choose,
                &checked,
                self.k,
            )
        };
        let mut candidates = vec![
            (SetSource::Greedy, plain),
            (SetSource::OneStepGreedy, one_step_greedy),
        ];
        if self.compare_baselines {
            let by_degree = top_by_degree(graph, &checked, self.k);
            let no_sets = rr_sets::RrSets::new(0, 0);
            let by_one_step =
                cv_greedy::greedy(&one_step, &one_step_gains, &no_sets, &checked, self.k);
            candidates.push((SetSource::Degree, by_degree));
            if let Some(by_pagerank) = top_by_pagerank(graph, &self.model, &checked, self.k) {
                candidates.push((SetSource::PageRank, by_pagerank));
            }
            candidates.push((SetSource::OneStepReach, by_one_step));
        }
        debug_assert!(candidates.len() <= opim::MAX_CANDIDATES);
        let target_ratio = outcome.ratio - self.epsilon;
        let choice = choose::choose(
            &plan,
            &mut outcome,
            &from_scratch,
            &candidates,
            &self.constraints.fixed,
            target_ratio,
        );
        let (best, estimates, certified) = (choice.best, choice.estimates, choice.certified);
        let check = &outcome.check;
        let scale = n_nodes as f64 / check.len() as f64;
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
        // (Plain RR coverage, like the gains: monotone by construction.)
        for &g in &parts.gains {
            covered += g;
            reach_curve.push(covered as f64 * scale);
        }
        let estimate = estimates[best];
        Ok(Selection {
            picks,
            spread: estimate.spread,
            spread_interval: (
                (estimate.spread - estimate.half_width).max(0.0),
                (estimate.spread + estimate.half_width).min(n_nodes as f64),
            ),
            reach_curve,
            certified_ratio,
            target_ratio,
            source: candidates[best].0,
            candidates: candidates
                .iter()
                .zip(&estimates)
                .map(|((source, _), e)| (*source, e.spread))
                .collect(),
            n_rr_sets: check.len(),
        })
    }
}

fn invalid(name: &'static str, reason: String) -> Error {
    Error::InvalidParameter { name, reason }
}

/// The first k nodes by PageRank of the reversed graph (influence flows along edges, rank
/// against them), ties by index, that satisfy the constraints; `None` if PageRank does not
/// converge. Weighted unless the model ignores weights.
fn top_by_pagerank(
    graph: &Graph,
    model: &Model,
    checked: &Checked,
    k: usize,
) -> Option<Vec<NodeIdx>> {
    let pagerank = crate::centrality::PageRank {
        weighted: !matches!(
            model,
            Model::IndependentCascade(EdgeProbability::Uniform(_))
        ),
        ..crate::centrality::PageRank::default()
    };
    let scores = if graph.is_directed() {
        let reversed = Graph::directed(graph.n_nodes(), graph.edges().map(|(s, t, w)| (t, s, w)));
        pagerank.run(&reversed)
    } else {
        pagerank.run(graph)
    };
    let scores = scores.ok()?;
    Some(feasible_prefix(
        checked,
        k,
        scores.ranking().map(|(v, _)| v),
    ))
}

/// The first k nodes by out-degree (people one can pass the behaviour to), highest first,
/// ties by index, that satisfy the constraints: from the top 4k + 64 if they suffice,
/// else from the full ranking.
fn top_by_degree(graph: &Graph, checked: &Checked, k: usize) -> Vec<NodeIdx> {
    let key = |&v: &NodeIdx| (std::cmp::Reverse(graph.outgoing().degree(v)), v);
    let mut order: Vec<NodeIdx> = graph.nodes().collect();
    let head = (4 * k + 64).min(order.len());
    if head < order.len() {
        order.select_nth_unstable_by_key(head, key);
        let mut top = order[..head].to_vec();
        top.sort_unstable_by_key(key);
        let picks = feasible_prefix(checked, k, top);
        if picks.len() == k {
            return picks;
        }
    }
    order.sort_unstable_by_key(key);
    feasible_prefix(checked, k, order)
}
