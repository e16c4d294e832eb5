//! Which candidate set to return: the best by the regression estimate on the checking pool,
//! among those allowed to carry the guarantee, with a race (in the spirit of Maron & Moore's
//! Hoeffding races, NIPS 1993) when the two best are too close to call: the checking pool
//! doubles, up to `MAX_RACE_ROUNDS` times, until their paired difference exceeds two
//! standard errors, or two standard errors fall below 1 % of the spread (then the choice
//! cannot cost more than that).

use fixedbitset::FixedBitSet;

use super::SetSource;
use super::cv_greedy::{self, Estimate};
use super::first_hop::OneStep;
use super::opim::{self, Outcome, Plan, Stop};
use crate::NodeIdx;

/// Doublings of the checking pool at most, to separate the two best candidates.
pub(crate) const MAX_RACE_ROUNDS: u32 = 2;

/// The decision and what it rests on.
pub(crate) struct Choice {
    /// Index of the returned candidate.
    pub(crate) best: usize,
    /// Spread of every candidate with the fixed seeds.
    pub(crate) estimates: Vec<Estimate>,
    /// Certified ratio of every candidate.
    pub(crate) certified: Vec<f64>,
}

/// Chooses among `candidates` (the plain greedy set first), growing `outcome.check` when
/// the race needs it.
pub(crate) fn choose(
    plan: &Plan<'_>,
    outcome: &mut Outcome,
    from_scratch: &OneStep<'_>,
    candidates: &[(SetSource, Vec<NodeIdx>)],
    fixed: &[NodeIdx],
    target_ratio: f64,
) -> Choice {
    let n_nodes = plan.graph.n_nodes();
    let with_fixed = |set: &[NodeIdx]| {
        let mut all = fixed.to_vec();
        all.extend_from_slice(set);
        all
    };
    // Certificates are taken at one of 1 + MAX_RACE_ROUNDS pool sizes: pay for each.
    let a = outcome.log_term + f64::from(1 + MAX_RACE_ROUNDS).ln();
    let mut round = 0;
    loop {
        let check = &outcome.check;
        let estimates: Vec<Estimate> = candidates
            .iter()
            .map(|(_, set)| cv_greedy::estimate(from_scratch, check, &with_fixed(set)))
            .collect();
        let certified: Vec<f64> = candidates
            .iter()
            .map(|(_, set)| {
                let (low, _) = opim::set_bounds(plan, check, &outcome.check_pre_covered, set, a);
                (low / outcome.opt_upper).min(1.0)
            })
            .collect();
        // A candidate may be returned if its own certificate reaches the target; the plain
        // greedy set also at θ_max (the martingale analysis covers it); any set when a
        // memory cap stopped the pools (then only the certificates hold).
        let allowed = |i: usize| {
            certified[i] >= target_ratio
                || outcome.stop == Stop::Budget
                || (i == 0 && outcome.stop == Stop::RoundLimit)
        };
        let mut order: Vec<usize> = (0..candidates.len()).filter(|&i| allowed(i)).collect();
        order.sort_by(|&i, &j| {
            estimates[j]
                .spread
                .total_cmp(&estimates[i].spread)
                .then(i.cmp(&j))
        });
        let best = order.first().copied().unwrap_or(0);
        let close = order.get(1).is_some_and(|&second| {
            let (diff, se) = cv_greedy::paired_difference(
                n_nodes,
                check,
                (&with_fixed(&candidates[best].1), &estimates[best]),
                (&with_fixed(&candidates[second].1), &estimates[second]),
            );
            diff < 2.0 * se && 2.0 * se > 0.01 * estimates[best].spread
        });
        let room =
            2 * check.n_entries() <= plan.max_rr_entries && 2 * check.len() <= plan.max_rr_sets;
        if !close || round == MAX_RACE_ROUNDS || !room {
            return Choice {
                best,
                estimates,
                certified,
            };
        }
        let grow = outcome.check.len();
        outcome.check.extend(plan.graph, plan.sampler, grow);
        outcome.check_pre_covered = if plan.one_step.members.is_clear() {
            FixedBitSet::with_capacity(outcome.check.len())
        } else {
            outcome.check.covered_by(&plan.one_step.members)
        };
        round += 1;
    }
}
