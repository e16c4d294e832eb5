//! Spread with the one-step control variate: exact one-step reach ([`super::first_hop`]) plus
//! the sampled reach beyond it, for estimates, lower bounds and a low-noise greedy.
//!
//! Per RR set, X(S) = 1{S ∩ R ≠ ∅} and Y(S) = 1{S ∩ L ≠ ∅} (L the first layer). Without
//! fixed seeds Y ≤ X, so Z = X − Y is a Bernoulli variable and σ(S) = A(S) + n·E[Z]: the
//! martingale bounds of OPIM-C apply to Z's count, which is far smaller than X's.

use fixedbitset::FixedBitSet;
use rayon::prelude::*;

use super::constraints::Checked;
use super::first_hop::{OneStep, OrdF64};
use super::rr_sets::RrSets;
use crate::NodeIdx;

#[inline]
fn hits(nodes: &[NodeIdx], who: &FixedBitSet) -> bool {
    nodes.iter().any(|&v| who.contains(v as usize))
}

/// Counts over the sets not in `skip`: those T ∪ F reaches (X), and those it reaches in
/// their first layer (Y).
pub(crate) fn counts(rr: &RrSets, members: &FixedBitSet, skip: &FixedBitSet) -> (u64, u64) {
    let chunk = 1 << 14;
    (0..rr.len().div_ceil(chunk))
        .into_par_iter()
        .map(|c| {
            let (mut x, mut y) = (0u64, 0u64);
            for r in (c * chunk..((c + 1) * chunk).min(rr.len())).filter(|&r| !skip.contains(r)) {
                if hits(rr.first_layer(r), members) {
                    x += 1;
                    y += 1;
                } else if hits(rr.beyond_first(r), members) {
                    x += 1;
                }
            }
            (x, y)
        })
        .reduce(|| (0, 0), |a, b| (a.0 + b.0, a.1 + b.1))
}

/// An estimate of σ(S) and the half-width of its 95 % interval.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Estimate {
    pub(crate) spread: f64,
    pub(crate) half_width: f64,
    /// The regression coefficient used.
    pub(crate) beta: f64,
    /// The exact one-step reach A(S).
    pub(crate) one_step: f64,
}

/// σ(S) by the regression estimator n·(X̄ − β̂(Ȳ − A(S)/n)) (Glasserman 2004, §4.1.1), with
/// the variance-minimising β = Cov(X, Y)/Var(Y) = (1 − p_X)/(1 − p_Y) (Y ≤ X): β ≈ 1 at small
/// probabilities, where one step carries most of the spread; β → 0 when nearly every set is
/// reached and plain coverage is already exact. `empty` is the one-step state with no
/// members; `set` the whole seed set (fixed seeds included).
pub(crate) fn estimate(empty: &OneStep<'_>, pools: &[&RrSets], set: &[NodeIdx]) -> Estimate {
    let mut members = FixedBitSet::with_capacity(empty.members.len());
    members.extend(set.iter().map(|&v| v as usize));
    let (mut x, mut y, mut n_sets) = (0, 0, 0);
    for rr in pools {
        let (px, py) = counts(rr, &members, &FixedBitSet::new());
        x += px;
        y += py;
        n_sets += rr.len();
    }
    regression(empty.members.len(), n_sets, empty.value_of(set), x, y)
}

/// The regression estimate from its parts: n people, θ sets, exact one-step reach A, and
/// the counts of sets reached (x) and reached in their first layer (y).
pub(crate) fn regression(n_nodes: usize, n_sets: usize, one_step: f64, x: u64, y: u64) -> Estimate {
    let (n, theta) = (n_nodes as f64, n_sets as f64);
    let (px, py) = (x as f64 / theta, y as f64 / theta);
    let beta = if py < 1.0 {
        ((1.0 - px) / (1.0 - py)).clamp(0.0, 1.0)
    } else {
        0.0
    };
    let mean = px - beta * (py - one_step / n);
    let variance =
        (px * (1.0 - px) + beta * beta * py * (1.0 - py) - 2.0 * beta * py * (1.0 - px)).max(0.0);
    Estimate {
        spread: n * mean,
        half_width: 1.959_963_984_540_054 * n * (variance / theta).sqrt(),
        beta,
        one_step,
    }
}

/// The difference of two regression estimates on the same sets, σ̂(A) − σ̂(B), and its
/// standard error from the per-set differences: sets reached by both cancel, so the
/// difference is far more precise than either estimate. Per set only (X, Y) of each side
/// matter, so the sums come from integer counts of the 16 patterns: the same bits on any
/// number of threads.
pub(crate) fn paired_difference(
    n_nodes: usize,
    pools: &[&RrSets],
    (a, est_a): (&[NodeIdx], &Estimate),
    (b, est_b): (&[NodeIdx], &Estimate),
) -> (f64, f64) {
    let members = |set: &[NodeIdx]| {
        let mut m = FixedBitSet::with_capacity(n_nodes);
        m.extend(set.iter().map(|&v| v as usize));
        m
    };
    let (ma, mb) = (members(a), members(b));
    let mut patterns = [0u64; 16];
    for rr in pools {
        let pattern = |r: usize, m: &FixedBitSet| {
            let first = hits(rr.first_layer(r), m);
            let x = first || hits(rr.beyond_first(r), m);
            (x as usize) << 1 | first as usize
        };
        let chunk = 1 << 14;
        let found: Vec<[u64; 16]> = (0..rr.len().div_ceil(chunk))
            .into_par_iter()
            .map(|c| {
                let mut counts = [0u64; 16];
                for r in c * chunk..((c + 1) * chunk).min(rr.len()) {
                    counts[pattern(r, &ma) << 2 | pattern(r, &mb)] += 1;
                }
                counts
            })
            .collect();
        for counts in found {
            for (total, c) in patterns.iter_mut().zip(counts) {
                *total += c;
            }
        }
    }
    let value = |p: usize, beta: f64| (p >> 1) as f64 - beta * (p & 1) as f64;
    let (mut sum, mut sum_sq, mut n_sets) = (0.0, 0.0, 0u64);
    for (idx, &count) in patterns.iter().enumerate() {
        let d = value(idx >> 2, est_a.beta) - value(idx & 3, est_b.beta);
        sum += count as f64 * d;
        sum_sq += count as f64 * d * d;
        n_sets += count;
    }
    let theta = n_sets.max(1) as f64;
    let n = n_nodes as f64;
    let mean = sum / theta;
    let variance = (sum_sq / theta - mean * mean).max(0.0);
    let diff = n * mean + est_a.beta * est_a.one_step - est_b.beta * est_b.one_step;
    (diff, n * (variance / theta).sqrt())
}

/// Without fixed seeds: the exact A(T), and over `rr` the sets T reaches (X) and those it
/// reaches only beyond their first layer (Z = X − Y, Bernoulli since Y ≤ X).
pub(crate) fn split(empty: &OneStep<'_>, rr: &RrSets, set: &[NodeIdx]) -> (f64, u64, u64) {
    debug_assert!(empty.members.is_clear());
    let mut members = FixedBitSet::with_capacity(empty.members.len());
    members.extend(set.iter().map(|&v| v as usize));
    let (x, y) = counts(rr, &members, &FixedBitSet::new());
    (empty.value_of(set), x, x - y)
}

/// Greedy on the control-variate estimate: each step adds the allowed node with the largest
/// estimated gain (exact one-step gain + sampled remainder), ties to the lower index. The
/// estimate is not submodular (a gain can rise), so there is no lazy heap: a shortlist of
/// the best initial scores is scanned, and everyone when no shortlisted node is allowed.
///
/// # Complexity
/// O(Σ|R| + k·(8k + updates)) after the index; O(n + Σ|R|) memory.
pub(crate) fn greedy(
    start: &OneStep<'_>,
    start_gains: &[f64],
    rr: &RrSets,
    checked: &Checked,
    k: usize,
) -> Vec<NodeIdx> {
    let n_nodes = start.members.len();
    let mut state = start.clone();
    // Without sets, the greedy maximises the exact one-step reach alone.
    let scale = if rr.len() == 0 {
        0.0
    } else {
        n_nodes as f64 / rr.len() as f64
    };
    let n_sets = rr.len();
    let mut x_covered = FixedBitSet::with_capacity(n_sets);
    let mut y_covered = FixedBitSet::with_capacity(n_sets);
    if !state.members.is_clear() {
        for r in 0..n_sets {
            if hits(rr.set(r), &state.members) {
                x_covered.insert(r);
            }
            if hits(rr.first_layer(r), &state.members) {
                y_covered.insert(r);
            }
        }
    }
    // Node → (set << 1 | in first layer), for sets where the node can still change X or Y.
    let entries = rr.invert(n_nodes, |r, pos| {
        let first = pos < rr.first_layer(r).len();
        (!x_covered.contains(r) || (first && !y_covered.contains(r)))
            .then_some(((r as u32) << 1) | first as u32)
    });
    let (mut count_x, mut count_y): (Vec<i64>, Vec<i64>) = (0..n_nodes as NodeIdx)
        .into_par_iter()
        .map(|v| {
            let of = entries.of(v);
            let x = of
                .iter()
                .filter(|&&e| !x_covered.contains((e >> 1) as usize))
                .count();
            let y = of
                .iter()
                .filter(|&&e| e & 1 == 1 && !y_covered.contains((e >> 1) as usize))
                .count();
            (x as i64, y as i64)
        })
        .unzip();
    // Scores mostly fall as picks accumulate, so the picks come from the best initial
    // scores: a shortlist whose one-step gains are kept exact through the edges into the
    // nodes whose miss chances change; everyone else is only scored (from scratch) when no
    // shortlisted node is allowed.
    let sampled = |u: NodeIdx, count_x: &[i64], count_y: &[i64]| {
        scale * (count_x[u as usize] - count_y[u as usize]) as f64
    };
    let mut shortlist: Vec<NodeIdx> = checked.eligible.ones().map(|u| u as NodeIdx).collect();
    let n_short = (8 * k).max(256);
    if shortlist.len() > n_short {
        let initial: Vec<f64> = shortlist
            .iter()
            .map(|&u| start_gains[u as usize] + sampled(u, &count_x, &count_y))
            .collect();
        let mut order: Vec<usize> = (0..shortlist.len()).collect();
        order.select_nth_unstable_by_key(n_short, |&i| {
            (std::cmp::Reverse(OrdF64(initial[i])), shortlist[i])
        });
        order.truncate(n_short);
        let mut kept: Vec<NodeIdx> = order.iter().map(|&i| shortlist[i]).collect();
        kept.sort_unstable();
        shortlist = kept;
    }
    let mut one_step: Vec<f64> = shortlist.iter().map(|&u| start_gains[u as usize]).collect();
    // Edges from shortlisted nodes, chained by target: (shortlist position, weight, next).
    let mut head = vec![u32::MAX; n_nodes];
    let mut into: Vec<(u32, f64, u32)> = Vec::new();
    for (pos, &u) in shortlist.iter().enumerate() {
        for (r, p) in state.out_edges(u) {
            if r != u {
                into.push((pos as u32, p, head[r as usize]));
                head[r as usize] = (into.len() - 1) as u32;
            }
        }
    }
    let mut tracker = checked.tracker(k);
    let mut picks = Vec::with_capacity(k);
    for _ in 0..k {
        let mut best: Option<(f64, NodeIdx)> = None;
        for (pos, &u) in shortlist.iter().enumerate() {
            if state.members.contains(u as usize) || !tracker.allows(u) {
                continue;
            }
            let s = one_step[pos] + sampled(u, &count_x, &count_y);
            if best.is_none_or(|(b, _)| s > b) {
                best = Some((s, u));
            }
        }
        if best.is_none() {
            for u in checked.eligible.ones().map(|u| u as NodeIdx) {
                if state.members.contains(u as usize) || !tracker.allows(u) {
                    continue;
                }
                let s = state.gain(u) + sampled(u, &count_x, &count_y);
                if best.is_none_or(|(b, _)| s > b) {
                    best = Some((s, u));
                }
            }
        }
        let Some((_, v)) = best else { break };
        tracker.take(v);
        picks.push(v);
        for &entry in entries.of(v) {
            let r = (entry >> 1) as usize;
            if !x_covered.contains(r) {
                x_covered.insert(r);
                for &u in rr.set(r) {
                    count_x[u as usize] -= 1;
                }
            }
            if entry & 1 == 1 && !y_covered.contains(r) {
                y_covered.insert(r);
                for &u in rr.first_layer(r) {
                    count_y[u as usize] -= 1;
                }
            }
        }
        let mut changes: Vec<(NodeIdx, f64, f64)> = Vec::new();
        state.add(v, |x, before, after| changes.push((x, before, after)));
        for (x, before, after) in changes {
            if let Ok(pos) = shortlist.binary_search(&x) {
                one_step[pos] += after - before;
            }
            let mut at = head[x as usize];
            while at != u32::MAX {
                let (pos, p, next) = into[at as usize];
                one_step[pos as usize] += state.through(before, after, p);
                at = next;
            }
        }
    }
    picks
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Graph;
    use crate::influence::constraints::Constraints;
    use crate::influence::first_hop::FirstHop;
    use crate::influence::model::ReverseSampler;
    use crate::influence::{EdgeProbability, Model};

    #[test]
    fn the_estimate_is_unbiased_and_exact_when_every_set_is_reached() {
        // 0 → 1, 0 → 2, 1 → 2, 2 → 3 with p = 0.5.
        let g = Graph::directed(4, [(0, 1, 1.0), (0, 2, 1.0), (1, 2, 1.0), (2, 3, 1.0)]);
        let model = Model::IndependentCascade(EdgeProbability::Uniform(0.5));
        let fh = FirstHop::new(&g, &model);
        let empty = OneStep::new(&g, &fh, &FixedBitSet::with_capacity(4));
        let sampler = ReverseSampler::new(&g, &model).unwrap();
        let mut rr = RrSets::new(9, 0);
        rr.extend(&g, &sampler, 200_000);
        // σ({0}) = 1 + 1/2 + P(2) + P(3), P(2) = 1 − (1/2)(1 − 1/4) = 5/8, P(3) = 5/16.
        let est = estimate(&empty, &[&rr], &[0]);
        assert!(
            (est.spread - 2.4375).abs() < 3.0 * est.half_width / 1.96,
            "{est:?}"
        );
        assert!(est.half_width < 0.02);
        let (one_step, reached, beyond) = split(&empty, &rr, &[0]);
        assert!((one_step - 2.0).abs() < 1e-12);
        assert!(beyond < reached);
        // A path with p = 1: the head reaches everyone, and the estimate is exact.
        let path = Graph::directed(10, (0..9).map(|v| (v, v + 1, 1.0)));
        let certain = Model::IndependentCascade(EdgeProbability::Uniform(1.0));
        let fh = FirstHop::new(&path, &certain);
        let empty = OneStep::new(&path, &fh, &FixedBitSet::with_capacity(10));
        let mut rr = RrSets::new(1, 0);
        rr.extend(&path, &ReverseSampler::new(&path, &certain).unwrap(), 1000);
        let est = estimate(&empty, &[&rr], &[0]);
        assert!(
            (est.spread - 10.0).abs() < 1e-9 && est.half_width < 1e-9,
            "{est:?}"
        );
    }

    #[test]
    fn greedy_takes_the_hub_then_the_other_component() {
        let g = Graph::directed(
            7,
            [(0, 1), (0, 2), (0, 3), (4, 5), (5, 6)].map(|(s, t)| (s, t, 1.0)),
        );
        let model = Model::IndependentCascade(EdgeProbability::Uniform(0.9));
        let sampler = ReverseSampler::new(&g, &model).unwrap();
        let mut rr = RrSets::new(2, 0);
        rr.extend(&g, &sampler, 20_000);
        let checked = Checked::new(7, 2, &Constraints::default(), None).unwrap();
        let fh = FirstHop::new(&g, &model);
        let start = OneStep::new(&g, &fh, &FixedBitSet::with_capacity(7));
        assert_eq!(greedy(&start, &start.gains(), &rr, &checked, 2), vec![0, 4]);
    }
}
