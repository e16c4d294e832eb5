//! OPIM-C (Tang, Tang, Xiao & Yuan, SIGMOD 2018, "Online processing algorithms for influence
//! maximization"): two independent pools of RR sets, R1 to choose and R2 to check, doubled
//! until the certified ratio σˡ(S) / σᵘ(OPT) reaches the target, or until the pool size of
//! the martingale analysis (Tang, Shi & Xiao, SIGMOD 2015) that guarantees it anyway.

use fixedbitset::FixedBitSet;

use super::constraints::Checked;
use super::greedy::{GreedyOutcome, greedy};
use super::model::ReverseSampler;
use super::rr_sets::RrSets;
use crate::Graph;

/// Stream numbers of the pools: every pool is its own reproducible random sequence.
pub(crate) const STREAM_CHOOSE: u64 = 1;
pub(crate) const STREAM_CHECK: u64 = 2;

/// Inputs of one OPIM-C run.
pub(crate) struct Plan<'a> {
    pub(crate) graph: &'a Graph,
    pub(crate) sampler: &'a ReverseSampler,
    pub(crate) checked: &'a Checked,
    pub(crate) k: usize,
    pub(crate) epsilon: f64,
    pub(crate) delta: f64,
    pub(crate) seed: u64,
    pub(crate) max_rr_sets: usize,
    /// Keep doubling while the checking pool holds fewer node entries than this.
    pub(crate) min_rr_entries: usize,
}

/// What OPIM-C leaves behind: the greedy set, both pools, and the bounds.
pub(crate) struct Outcome {
    pub(crate) greedy: GreedyOutcome,
    pub(crate) choose: RrSets,
    pub(crate) check: RrSets,
    pub(crate) check_pre_covered: FixedBitSet,
    /// Upper bound on the optimum's marginal spread (people), valid w.p. ≥ 1 − δ/3.
    pub(crate) opt_upper: f64,
    /// ln(3 i_max / δ): the confidence term of each bound.
    pub(crate) log_term: f64,
    /// Greedy's worst-case ratio under the constraints: 1 − 1/e, or 1/2 with quotas.
    pub(crate) ratio: f64,
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

/// Runs OPIM-C.
pub(crate) fn run(plan: &Plan<'_>) -> Outcome {
    let n = plan.graph.n_nodes() as f64;
    let k = plan.k;
    let ratio = if plan.checked.has_quotas {
        0.5
    } else {
        1.0 - (-1.0f64).exp()
    };
    // OPT ≥ k without fixed seeds (every seed activates itself); with them, only ≥ 1 is
    // assumed for the size cap (the certificate does not rely on it).
    let opt_lower = if plan.checked.fixed.is_clear() {
        k as f64
    } else {
        1.0
    };
    let eps = plan.epsilon;
    let l1 = (6.0 / plan.delta).ln();
    let lnc = ln_binomial(plan.checked.n_eligible, k);
    let theta_max = 2.0 * n * (ratio * l1.sqrt() + (ratio * (lnc + l1)).sqrt()).powi(2)
        / (eps * eps * opt_lower);
    let theta_0 = (theta_max * eps * eps * opt_lower / n).max(1.0);
    let i_max = (theta_max / theta_0).log2().ceil().max(1.0) as u32;
    let a = (3.0 * i_max as f64 / plan.delta).ln();
    let cap = plan.max_rr_sets.max(1);
    let mut size = (theta_0.ceil() as usize).min(cap);

    let mut fixed_members = plan.checked.fixed.clone();
    fixed_members.grow(plan.graph.n_nodes());
    let mut choose = RrSets::new(plan.seed, STREAM_CHOOSE);
    let mut check = RrSets::new(plan.seed, STREAM_CHECK);
    let target = ratio - eps;
    let mut round = 1;
    loop {
        choose.extend(plan.graph, plan.sampler, size - choose.len());
        check.extend(plan.graph, plan.sampler, size - check.len());
        let (choose_pre, check_pre) = if fixed_members.is_clear() {
            (
                FixedBitSet::with_capacity(choose.len()),
                FixedBitSet::with_capacity(check.len()),
            )
        } else {
            (
                choose.covered_by(&fixed_members),
                check.covered_by(&fixed_members),
            )
        };
        let outcome = greedy(&choose, &choose_pre, plan.checked, k);
        let mut members = FixedBitSet::with_capacity(plan.graph.n_nodes());
        members.extend(outcome.picks.iter().map(|&v| v as usize));
        let coverage_check = check.count_covered(&members, &check_pre) as f64;
        let sigma_low = lower_bound(coverage_check, a, n / check.len() as f64);
        let opt_upper = upper_bound(outcome.upper_bound as f64, a, n / choose.len() as f64);
        let certified = sigma_low / opt_upper;
        tracing::debug!(
            round,
            size,
            coverage_choose = outcome.coverage,
            coverage_check,
            sigma_low,
            opt_upper,
            certified,
            "opim-c round"
        );
        let done = (certified >= target && check.n_entries() >= plan.min_rr_entries)
            || round >= i_max
            || size >= cap;
        if done {
            return Outcome {
                greedy: outcome,
                choose,
                check,
                check_pre_covered: check_pre,
                opt_upper,
                log_term: a,
                ratio,
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
