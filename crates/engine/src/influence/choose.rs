//! Which candidate set to return, among those allowed to carry the guarantee: an incumbent
//! (the one-step-reach set) unless a challenger beats it by two paired standard errors on
//! the checking pool, with a race (in the spirit of Maron & Moore's Hoeffding races, NIPS
//! 1993) while a challenger is unproven yet plausibly better by more than 2 % (1 % while the
//! pool is small): the checking pool doubles, up to `MAX_RACE_ROUNDS` times.

use fixedbitset::FixedBitSet;

use super::SetSource;
use super::cv_greedy::{self, Estimate};
use super::first_hop::OneStep;
use super::opim::{self, Outcome, Plan, Stop};
use super::rr_sets::RrSets;
use crate::NodeIdx;

/// Whether a candidate was chosen without looking at the RR sets (so both pools measure it
/// without bias).
fn independent(source: SetSource) -> bool {
    matches!(
        source,
        SetSource::Degree | SetSource::PageRank | SetSource::OneStepReach
    )
}

/// Checking pools up to this many node entries race for gains of 1 %, larger ones for 2 %.
const CHEAP_RACE_ENTRIES: usize = 1 << 23;

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
        // Sets chosen without the choosing pool may be measured on it too: twice the sets.
        let pools = |i: usize| -> Vec<&RrSets> {
            if independent(candidates[i].0) {
                vec![&outcome.choose, check]
            } else {
                vec![check]
            }
        };
        let estimates: Vec<Estimate> = candidates
            .iter()
            .enumerate()
            .map(|(i, (_, set))| cv_greedy::estimate(from_scratch, &pools(i), &with_fixed(set)))
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
        // The incumbent: the one-step-reach set (exact first-order optimum, no sampling
        // noise in its choice) when allowed, else the plain greedy set, else the first
        // allowed. A challenger replaces it only when better by two paired standard errors:
        // no winner's curse among candidates within noise of each other.
        let incumbent = candidates
            .iter()
            .position(|(source, _)| *source == SetSource::OneStepReach)
            .filter(|&i| allowed(i))
            .or_else(|| (0..candidates.len()).find(|&i| allowed(i)))
            .unwrap_or(0);
        let mut challengers: Vec<usize> = (0..candidates.len())
            .filter(|&i| allowed(i) && estimates[i].spread > estimates[incumbent].spread)
            .collect();
        challengers.sort_by(|&i, &j| {
            estimates[j]
                .spread
                .total_cmp(&estimates[i].spread)
                .then(i.cmp(&j))
        });
        // Races are cheap on small pools: there, chase gains of 1 %; of 2 % otherwise.
        let share = if check.n_entries() <= CHEAP_RACE_ENTRIES {
            0.01
        } else {
            0.02
        };
        let tolerance = share * estimates[incumbent].spread;
        let mut best = incumbent;
        let mut undecided = false;
        for &c in &challengers {
            let shared = if independent(candidates[c].0) && independent(candidates[incumbent].0) {
                pools(c)
            } else {
                vec![check]
            };
            let (diff, se) = cv_greedy::paired_difference(
                n_nodes,
                &shared,
                (&with_fixed(&candidates[c].1), &estimates[c]),
                (&with_fixed(&candidates[incumbent].1), &estimates[incumbent]),
            );
            if diff >= 2.0 * se {
                best = c;
                break;
            }
            // Not proven better, yet plausibly better by more than the tolerance: more sets.
            undecided |= diff + se > tolerance;
        }
        let close = best == incumbent && undecided;
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
