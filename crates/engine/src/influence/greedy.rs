//! Greedy maximum coverage over RR sets, with exact marginal gains kept up to date (each
//! newly covered set decrements the gain of its members) and a lazy max-heap to find the
//! best allowed node; along the way, an upper bound on the optimum's coverage.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use fixedbitset::FixedBitSet;

use super::constraints::Checked;
use super::rr_sets::{Part, RrSets};
use crate::NodeIdx;

/// What a greedy run found.
#[derive(Clone, Debug)]
pub(crate) struct GreedyOutcome {
    /// Picks in order.
    pub(crate) picks: Vec<NodeIdx>,
    /// An upper bound on the sets any k eligible nodes cover (Tang et al. 2018, Sec. 4.2).
    pub(crate) upper_bound: u64,
}

/// Packs (gain, node) so that the max-heap pops the highest gain, then the lowest node.
#[inline]
fn key(gain: u32, v: NodeIdx) -> u64 {
    ((gain as u64) << 32) | (u32::MAX - v) as u64
}

#[inline]
fn unkey(key: u64) -> (u32, NodeIdx) {
    ((key >> 32) as u32, u32::MAX - key as u32)
}

/// Chooses `k` nodes greedily on `rr`, skipping sets in `pre_covered`; with
/// [`Part::BeyondFirst`], a set counts as covered when a pick is beyond its first layer.
///
/// The bound: for every prefix S_i of the picks, OPT ≤ Λ(S_i) + the k largest marginal
/// gains over eligible nodes (submodularity); the minimum over i is returned. With no
/// quotas, Λ(S_k) / (1 − (1 − 1/k)^k) also bounds OPT (greedy's ratio) and is used too.
///
/// # Complexity
/// O(Σ|R| + n + k² log n) time; O(n + Σ|R|) memory for the node → set index.
pub(crate) fn greedy(
    rr: &RrSets,
    part: Part,
    pre_covered: &FixedBitSet,
    checked: &Checked,
    k: usize,
) -> GreedyOutcome {
    let n_nodes = checked.eligible.len();
    let n_sets = rr.len();
    let sets_of = rr.invert(n_nodes, |r, pos| {
        let counted = part == Part::Whole || pos >= rr.first_layer(r).len();
        (counted && !pre_covered.contains(r)).then_some(r as u32)
    });
    let mut gain: Vec<u32> = (0..n_nodes as NodeIdx)
        .map(|v| sets_of.len_of(v) as u32)
        .collect();

    let mut heap: BinaryHeap<u64> = checked
        .eligible
        .ones()
        .map(|v| key(gain[v], v as NodeIdx))
        .collect();
    // Gains of nodes dropped for quota reasons, frozen when dropped: still upper bounds on
    // their current gain, and the optimum may contain them.
    let mut dropped: BinaryHeap<Reverse<u32>> = BinaryHeap::new();
    let mut covered = FixedBitSet::with_capacity(n_sets);
    let mut tracker = checked.tracker(k);
    let mut picks = Vec::with_capacity(k);
    let mut coverage = 0u64;
    let mut upper_bound = u64::MAX;
    let mut fresh = Vec::with_capacity(k);
    loop {
        upper_bound =
            upper_bound.min(coverage + top_k_sum(&mut heap, &gain, &dropped, k, &mut fresh));
        if picks.len() == k {
            break;
        }
        let Some(top) = heap.pop() else { break };
        let (g, v) = unkey(top);
        if g != gain[v as usize] {
            heap.push(key(gain[v as usize], v));
            continue;
        }
        if !tracker.allows(v) {
            push_bounded(&mut dropped, g, k);
            continue;
        }
        tracker.take(v);
        picks.push(v);
        coverage += g as u64;
        for &r in sets_of.of(v) {
            let r = r as usize;
            if covered.contains(r) {
                continue;
            }
            covered.insert(r);
            for &u in rr.part(r, part) {
                gain[u as usize] -= 1;
            }
        }
    }
    if !checked.has_quotas && k > 0 {
        let ratio = 1.0 - (1.0 - 1.0 / k as f64).powi(k as i32);
        upper_bound = upper_bound.min((coverage as f64 / ratio).ceil() as u64);
    }
    GreedyOutcome { picks, upper_bound }
}

fn push_bounded(dropped: &mut BinaryHeap<Reverse<u32>>, g: u32, k: usize) {
    dropped.push(Reverse(g));
    if dropped.len() > k {
        dropped.pop();
    }
}

/// Sum of the k largest current gains among heap nodes and frozen dropped gains. Stale heap
/// entries met on the way are refreshed; the heap keeps its content.
fn top_k_sum(
    heap: &mut BinaryHeap<u64>,
    gain: &[u32],
    dropped: &BinaryHeap<Reverse<u32>>,
    k: usize,
    fresh: &mut Vec<u64>,
) -> u64 {
    fresh.clear();
    while fresh.len() < k {
        let Some(top) = heap.pop() else { break };
        let (g, v) = unkey(top);
        if g == gain[v as usize] {
            fresh.push(top);
        } else {
            heap.push(key(gain[v as usize], v));
        }
    }
    let mut values: Vec<u32> = fresh.iter().map(|&t| unkey(t).0).collect();
    values.extend(dropped.iter().map(|r| r.0));
    values.sort_unstable_by(|a, b| b.cmp(a));
    heap.extend(fresh.drain(..));
    values.iter().take(k).map(|&g| g as u64).sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Graph;
    use crate::influence::constraints::{Constraints, UnitQuota, Units};
    use crate::influence::model::ReverseSampler;
    use crate::influence::{EdgeProbability, Model};

    fn rr_of(g: &Graph, p: f64, count: usize) -> RrSets {
        let model = Model::IndependentCascade(EdgeProbability::Uniform(p));
        let sampler = ReverseSampler::new(g, &model).unwrap();
        let mut rr = RrSets::new(1, 0);
        rr.extend(g, &sampler, count);
        rr
    }

    #[test]
    fn star_centre_then_nothing_left_to_gain() {
        let g = Graph::directed(6, (1..6).map(|v| (0, v, 1.0)));
        let rr = rr_of(&g, 1.0, 600);
        let checked = Checked::new(6, 2, &Constraints::default(), None).unwrap();
        let out = greedy(
            &rr,
            Part::Whole,
            &FixedBitSet::with_capacity(rr.len()),
            &checked,
            2,
        );
        assert_eq!(out.picks[0], 0);
        // The centre covers all 600 sets: the bound after it is exactly that.
        assert_eq!(out.upper_bound, 600);
    }

    #[test]
    fn fixed_seeds_make_gains_marginal_and_quotas_bind() {
        // Two disjoint stars (0 → 1..4, 5 → 6..7); units: first star "a", second "b".
        let g = Graph::directed(
            8,
            [(0, 1), (0, 2), (0, 3), (0, 4), (5, 6), (5, 7)].map(|(s, t)| (s, t, 1.0)),
        );
        let rr = rr_of(&g, 1.0, 800);
        let fixed = Constraints {
            fixed: vec![0],
            ..Constraints::default()
        };
        let checked = Checked::new(8, 1, &fixed, None).unwrap();
        let mut members = FixedBitSet::with_capacity(8);
        members.insert(0);
        let pre = rr.covered_by(&members);
        let out = greedy(&rr, Part::Whole, &pre, &checked, 1);
        assert_eq!(out.picks, vec![5]);

        let labels: Vec<Option<String>> = (0..8)
            .map(|v| Some(if v < 5 { "a" } else { "b" }.to_string()))
            .collect();
        let units = Units::from_labels(&labels);
        let capped = Constraints {
            max_per_unit: Some(1),
            quotas: vec![UnitQuota {
                unit: 0,
                at_least: 0,
                at_most: Some(1),
            }],
            ..Constraints::default()
        };
        let checked = Checked::new(8, 2, &capped, Some(&units)).unwrap();
        let out = greedy(
            &rr,
            Part::Whole,
            &FixedBitSet::with_capacity(rr.len()),
            &checked,
            2,
        );
        assert_eq!(out.picks, vec![0, 5]);
        // {0, 5} cover every set.
        assert_eq!(out.upper_bound, 800);
    }
}
