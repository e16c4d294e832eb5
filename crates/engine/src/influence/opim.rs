//! OPIM-C (Tang, Tang, Xiao & Yuan, SIGMOD 2018, "Online processing algorithms for influence
//! maximization"): two independent pools of RR sets, R1 to choose and R2 to check, doubled
//! until the certified ratio σˡ(S) / σᵘ(OPT) reaches the target, or until the pool size of
//! the martingale analysis (Tang, Shi & Xiao, SIGMOD 2015) that guarantees it anyway.
//!
//! Without fixed seeds both bounds use the one-step control variate ([`super::first_hop`]):
//! σˡ(S) = A(S) + n·LB(Z-count)/θ₂, where Z marks sets S reaches only beyond their first
//! layer (a Bernoulli variable, so the same martingale bound applies), and
//! σᵘ(OPT) ≤ max A + n·UB(W-coverage)/θ₁, where W covers a set when a node lies beyond its
//! first layer (Z ≤ W, and W-coverage is a coverage function, so greedy prefixes bound its
//! optimum). max A is bounded exactly, without sampling. Both sampled counts are a fraction
//! of the plain coverage, so the bounds meet with several times fewer RR sets.

use fixedbitset::FixedBitSet;

use super::constraints::Checked;
use super::cv_greedy::{self, Estimate};
use super::first_hop::{self, OneStep};
use super::greedy::{GreedyOutcome, greedy};
use super::model::ReverseSampler;
use super::rr_sets::{Part, RrSets};
use crate::{Graph, NodeIdx};

/// Stream numbers of the pools: every pool is its own reproducible random sequence.
pub(crate) const STREAM_CHOOSE: u64 = 1;
pub(crate) const STREAM_CHECK: u64 = 2;

/// Pools hold at least this many sets before stopping, unless they already hold
/// `FLOOR_ENTRIES` node entries: on small networks (where sets are cheap and the
/// guarantee is met with a few hundred) the picks and per-pick gains then carry little
/// noise, for a few milliseconds of sampling.
const FLOOR_SETS: usize = 1 << 15;
const FLOOR_ENTRIES: usize = 1 << 22;

/// Candidate sets whose lower bounds share one round's confidence budget.
pub(crate) const MAX_CANDIDATES: usize = 5;

/// Inputs of one OPIM-C run.
pub(crate) struct Plan<'a> {
    pub(crate) graph: &'a Graph,
    pub(crate) sampler: &'a ReverseSampler,
    pub(crate) checked: &'a Checked,
    /// One-step state of the fixed seeds, and every node's one-step gain in it.
    pub(crate) one_step: &'a OneStep<'a>,
    pub(crate) one_step_gains: &'a [f64],
    pub(crate) k: usize,
    pub(crate) epsilon: f64,
    pub(crate) delta: f64,
    pub(crate) seed: u64,
    pub(crate) max_rr_sets: usize,
    /// Stop doubling when a pool would pass this many node entries.
    pub(crate) max_rr_entries: usize,
    /// Keep doubling, once certified, until the tested set's spread is known to ± this
    /// fraction (95 % half-width).
    pub(crate) precision: f64,
    /// One-step state with no members, for spread estimates.
    pub(crate) empty: &'a OneStep<'a>,
}

/// Why the pools stopped growing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Stop {
    /// The tested set's certified ratio reached the target.
    Certified,
    /// θ_max reached: plain greedy on R1 has the guarantee by the martingale analysis.
    RoundLimit,
    /// A memory cap: no guarantee beyond the certificates.
    Budget,
}

/// What OPIM-C leaves behind: both pools, the bounds and the tested set.
pub(crate) struct Outcome {
    pub(crate) choose: RrSets,
    pub(crate) check: RrSets,
    pub(crate) check_pre_covered: FixedBitSet,
    /// Upper bound on the optimum's marginal spread (people), valid w.p. ≥ 1 − δ/3.
    pub(crate) opt_upper: f64,
    /// ln(6 i_max · MAX_CANDIDATES / δ): the confidence term of each bound.
    pub(crate) log_term: f64,
    /// Greedy's worst-case ratio under the constraints: 1 − 1/e, or 1/2 with quotas.
    pub(crate) ratio: f64,
    pub(crate) stop: Stop,
    /// The set the stopping test certified: the control-variate greedy set, or the plain
    /// greedy set when the last round used plain bounds.
    pub(crate) tested: Vec<NodeIdx>,
    /// The plain greedy outcome, when it was the tested set.
    pub(crate) plain: Option<GreedyOutcome>,
}

/// Lower confidence bound on a coverage's mean, times `scale` (Tang et al. 2018, Lemma 4.2
/// form): ((√(Λ + 2a/9) − √(a/2))² − a/18) · scale, clamped at 0.
pub(crate) fn lower_bound(coverage: f64, a: f64, scale: f64) -> f64 {
    let root = (coverage + 2.0 * a / 9.0).sqrt() - (a / 2.0).sqrt();
    ((root * root - a / 18.0) * scale).max(0.0)
}

/// Upper confidence bound: (√(Λ + a/2) + √(a/2))² · scale.
pub(crate) fn upper_bound(coverage: f64, a: f64, scale: f64) -> f64 {
    let root = (coverage + a / 2.0).sqrt() + (a / 2.0).sqrt();
    root * root * scale
}

/// ln C(n, k), summed term by term.
fn ln_binomial(n: usize, k: usize) -> f64 {
    let k = k.min(n - k.min(n));
    (0..k).map(|i| ((n - i) as f64 / (i + 1) as f64).ln()).sum()
}

/// The certified lower bound on σ(T ∪ F) − σ(F) for a set T chosen without R2 — without
/// fixed seeds, the better of the plain bound LB(X) and the control-variate bound
/// A(T) + LB(Z) (`a` pays for both) — and the estimate of σ(T ∪ F).
pub(crate) fn set_bounds(
    plan: &Plan<'_>,
    check: &RrSets,
    pre_covered: &FixedBitSet,
    set: &[NodeIdx],
    a: f64,
) -> (f64, Estimate) {
    let n_nodes = plan.graph.n_nodes();
    let scale = n_nodes as f64 / check.len() as f64;
    if plan.one_step.members.is_clear() {
        let (exact, reached, beyond) = cv_greedy::split(plan.one_step, check, set);
        let low = (exact + lower_bound(beyond as f64, a, scale)).max(lower_bound(
            reached as f64,
            a,
            scale,
        ));
        (
            low,
            cv_greedy::regression(n_nodes, check.len(), exact, reached, reached - beyond),
        )
    } else {
        let mut members = FixedBitSet::with_capacity(n_nodes);
        members.extend(set.iter().map(|&v| v as usize));
        let low = lower_bound(check.count_covered(&members, pre_covered) as f64, a, scale);
        let mut everyone: Vec<NodeIdx> =
            plan.one_step.members.ones().map(|v| v as NodeIdx).collect();
        everyone.extend_from_slice(set);
        (low, cv_greedy::estimate(plan.empty, &[check], &everyone))
    }
}

/// Runs OPIM-C.
pub(crate) fn run(plan: &Plan<'_>) -> Outcome {
    let n_nodes = plan.graph.n_nodes();
    let n = n_nodes as f64;
    let k = plan.k;
    let ratio = if plan.checked.has_quotas {
        0.5
    } else {
        1.0 - (-1.0f64).exp()
    };
    let control_variate = plan.checked.fixed.is_clear();
    // OPT ≥ k without fixed seeds (every seed activates itself); with them, only ≥ 1 is
    // assumed for the size cap (the certificate does not rely on it).
    let opt_lower = if control_variate { k as f64 } else { 1.0 };
    let eps = plan.epsilon;
    let l1 = (6.0 / plan.delta).ln();
    let lnc = ln_binomial(plan.checked.n_eligible, k);
    let theta_max = 2.0 * n * (ratio * l1.sqrt() + (ratio * (lnc + l1)).sqrt()).powi(2)
        / (eps * eps * opt_lower);
    let theta_0 = (theta_max * eps * eps * opt_lower / n).max(1.0);
    let i_max = (theta_max / theta_0).log2().ceil().max(1.0) as u32;
    // Per round, δ/(3 i_max) for each bound, shared by up to MAX_CANDIDATES sets and by the
    // plain and control-variate forms of each bound.
    let a = (3.0 * i_max as f64 * MAX_CANDIDATES as f64 * 2.0 / plan.delta).ln();
    let cap = plan.max_rr_sets.max(1);
    let theta_0 = (theta_0.ceil() as usize).min(cap);
    let mut choose = RrSets::new(plan.seed, STREAM_CHOOSE);
    let mut check = RrSets::new(plan.seed, STREAM_CHECK);
    // Room to double both pools within the memory budget.
    let room = |choose: &RrSets, check: &RrSets| {
        2 * choose.n_entries().max(check.n_entries()) <= plan.max_rr_entries
    };
    // Grow to θ₀ by doublings from 64 sets, so that huge sets (dense graphs, p near 1)
    // cannot overshoot the budget; no bound is tested before θ₀, so no confidence is spent.
    let mut size = theta_0.min(64);
    loop {
        choose.extend(plan.graph, plan.sampler, size - choose.len());
        check.extend(plan.graph, plan.sampler, size - check.len());
        if size >= theta_0 || !room(&choose, &check) {
            break;
        }
        size = (2 * size).min(theta_0);
    }

    let unconstrained = plan.checked.without_quotas();
    let one_step_bound = if control_variate {
        first_hop::upper_bound(plan.one_step, plan.one_step_gains, &unconstrained, k)
    } else {
        0.0
    };
    let fixed_members = &plan.one_step.members;
    let target = ratio - eps;
    let mut round = 1;
    loop {
        choose.extend(plan.graph, plan.sampler, size - choose.len());
        check.extend(plan.graph, plan.sampler, size - check.len());
        let (choose_pre, check_pre) = if control_variate {
            (
                FixedBitSet::with_capacity(choose.len()),
                FixedBitSet::with_capacity(check.len()),
            )
        } else {
            (
                choose.covered_by(fixed_members),
                check.covered_by(fixed_members),
            )
        };
        let scale_choose = n / choose.len() as f64;
        // The control variate pays when most entries are in first layers (small
        // probabilities); when most lie beyond (near-certain spread), plain bounds are tighter.
        let use_cv = control_variate && 2 * choose.n_beyond_entries() < choose.n_entries();
        let (tested, plain, opt_upper) = if use_cv {
            let tested =
                cv_greedy::greedy(plan.one_step, plan.one_step_gains, &choose, plan.checked, k);
            let beyond = greedy(&choose, Part::BeyondFirst, &choose_pre, &unconstrained, k);
            let opt_upper =
                one_step_bound + upper_bound(beyond.upper_bound as f64, a, scale_choose);
            (tested, None, opt_upper)
        } else {
            let outcome = greedy(&choose, Part::Whole, &choose_pre, plan.checked, k);
            let opt_upper = upper_bound(outcome.upper_bound as f64, a, scale_choose);
            (outcome.picks.clone(), Some(outcome), opt_upper)
        };
        let (sigma_low, estimate) = set_bounds(plan, &check, &check_pre, &tested, a);
        let certified = sigma_low / opt_upper;
        tracing::debug!(round, size, sigma_low, opt_upper, certified, "opim-c round");
        let precise = estimate.half_width <= plan.precision * estimate.spread
            && (check.len() >= FLOOR_SETS || check.n_entries() >= FLOOR_ENTRIES);
        let stop = if certified >= target && precise {
            Some(Stop::Certified)
        } else if round >= i_max {
            Some(Stop::RoundLimit)
        } else if size >= cap || !room(&choose, &check) {
            Some(if certified >= target {
                Stop::Certified
            } else {
                Stop::Budget
            })
        } else {
            None
        };
        if let Some(stop) = stop {
            return Outcome {
                choose,
                check,
                check_pre_covered: check_pre,
                opt_upper,
                log_term: a,
                ratio,
                stop,
                tested,
                plain,
            };
        }
        size = (2 * size).min(cap);
        round += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_bracket_the_observation_and_tighten_with_more_data() {
        let a = 10.0;
        for coverage in [0.0, 5.0, 100.0, 10_000.0] {
            assert!(lower_bound(coverage, a, 1.0) <= coverage + 1e-9);
            assert!(upper_bound(coverage, a, 1.0) >= coverage);
        }
        let slack = |c: f64| (upper_bound(c, a, 1.0) - lower_bound(c, a, 1.0)) / c;
        assert!(slack(10_000.0) < slack(100.0));
        assert!(lower_bound(0.0, a, 1.0) < 1e-9);
        // The lower bound inverts the upper tail: a mean of `low` rarely shows `coverage`.
        let low = lower_bound(400.0, a, 1.0);
        let deviation = 400.0 - low;
        let tail = (-deviation * deviation / (2.0 * low + 2.0 * deviation / 3.0)).exp();
        assert!((tail - (-a).exp()).abs() < 1e-12);
    }

    #[test]
    fn ln_binomial_matches_small_cases() {
        assert!((ln_binomial(5, 2) - 10f64.ln()).abs() < 1e-12);
        assert_eq!(ln_binomial(4, 0), 0.0);
        assert!((ln_binomial(6, 6)).abs() < 1e-12);
    }
}
