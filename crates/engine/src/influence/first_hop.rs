//! Expected one-step reach, exactly: A(S) = Σ_r P(r ∈ S or a live edge from S enters r).
//!
//! For a random RR set R with first layer L (its root and the root's live in-neighbours),
//! n·P(S ∩ L ≠ ∅) = A(S). So σ(S) = A(S) + n·P(S ∩ R ≠ ∅, S ∩ L = ∅): the exact one-step
//! reach plus a sampled remainder, a control variate with known mean (e.g. Glasserman,
//! *Monte Carlo Methods in Financial Engineering*, 2004, §4.1). At small edge probabilities
//! most of the spread is one step away, so the sampled part, and its noise, shrink several
//! fold. A is a probabilistic coverage function (monotone, submodular), so greedy prefixes
//! bound its maximum exactly.
//!
//! This module holds the edge weights of the first step and the exact state of A while
//! seeds are added; [`super::cv_greedy`] adds the sampled part.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use fixedbitset::FixedBitSet;
use rayon::prelude::*;

use super::constraints::Checked;
use super::model::{EdgeProbability, Model, in_weight_totals};
use crate::{Graph, NodeIdx};

/// First-step activation weights aligned with the graph's rows.
pub(crate) struct FirstHop {
    /// p(u, v) for independent cascade, b(u, v) for linear threshold, aligned with the
    /// outgoing rows; 0 on self-loops.
    prob: Vec<f64>,
    threshold: bool,
}

impl FirstHop {
    /// Weights of `model` on `graph` (already validated by the sampler).
    pub(crate) fn new(graph: &Graph, model: &Model) -> FirstHop {
        let per_target = matches!(
            model,
            Model::LinearThreshold | Model::IndependentCascade(EdgeProbability::WeightedCascade)
        );
        let totals = if per_target {
            in_weight_totals(graph)
        } else {
            Vec::new()
        };
        let weight = |u: NodeIdx, r: NodeIdx, w: f64| -> f64 {
            if u == r {
                return 0.0;
            }
            match model {
                Model::IndependentCascade(EdgeProbability::Uniform(p)) => *p,
                Model::IndependentCascade(EdgeProbability::PerUnitWeight(p)) => {
                    1.0 - (1.0 - p).powf(w)
                }
                Model::IndependentCascade(EdgeProbability::Weight) => w,
                Model::IndependentCascade(EdgeProbability::WeightedCascade)
                | Model::LinearThreshold => match totals[r as usize] {
                    t if t > 0.0 => (w / t).min(1.0),
                    _ => 0.0,
                },
            }
        };
        let out = graph.outgoing();
        let mut prob = Vec::with_capacity(out.targets().len());
        for v in graph.nodes() {
            for (&r, &w) in out.neighbors(v).iter().zip(out.weights(v)) {
                prob.push(weight(v, r, w));
            }
        }
        FirstHop {
            prob,
            threshold: matches!(model, Model::LinearThreshold),
        }
    }

    /// One node's chance of not being reached in one step, after a new seed's edge of
    /// weight `p` into it.
    #[inline]
    fn after(&self, miss: f64, p: f64) -> f64 {
        if self.threshold {
            (miss - p).max(0.0)
        } else {
            miss * (1.0 - p)
        }
    }

    /// How much a seed u adds to a non-seed r's one-step chance through an edge of weight p.
    #[inline]
    fn gain_through(&self, miss: f64, p: f64) -> f64 {
        if self.threshold {
            p.min(miss)
        } else {
            miss * p
        }
    }

    /// Per node, the chance of not being reached in one step from `members` (0 for members).
    pub(crate) fn miss(&self, graph: &Graph, members: &FixedBitSet) -> Vec<f64> {
        let out = graph.outgoing();
        let mut miss = vec![1.0; graph.n_nodes()];
        for u in members.ones() {
            let row = out.offsets()[u]..out.offsets()[u + 1];
            for e in row {
                let r = out.targets()[e] as usize;
                miss[r] = self.after(miss[r], self.prob[e]);
            }
        }
        for u in members.ones() {
            miss[u] = 0.0;
        }
        miss
    }

    /// A(S ∪ F) − A(F): expected extra people reached in one step (from scratch).
    #[cfg(test)]
    pub(crate) fn value_beyond(&self, graph: &Graph, set: &[NodeIdx], fixed: &FixedBitSet) -> f64 {
        let mut both = fixed.clone();
        both.extend(set.iter().map(|&v| v as usize));
        let before = self.miss(graph, fixed);
        let after = self.miss(graph, &both);
        before.iter().zip(&after).map(|(b, a)| b - a).sum()
    }
}

/// The exact one-step state while seeds are added: who is not yet reached in one step, and
/// with what probability. Gains are computed on demand (O(out-degree)).
#[derive(Clone)]
pub(crate) struct OneStep<'a> {
    graph: &'a Graph,
    weights: &'a FirstHop,
    /// The seeds so far (fixed seeds included).
    pub(crate) members: FixedBitSet,
    /// Per node, the chance of not being reached in one step (0 for members).
    miss: Vec<f64>,
    /// A(S) − A(F): one-step reach added since the start.
    pub(crate) value: f64,
}

impl<'a> OneStep<'a> {
    /// The state with the fixed seeds `fixed` as members.
    ///
    /// # Complexity
    /// O(n + out-degrees of the fixed seeds).
    pub(crate) fn new(graph: &'a Graph, weights: &'a FirstHop, fixed: &FixedBitSet) -> OneStep<'a> {
        let mut members = fixed.clone();
        members.grow(graph.n_nodes());
        let miss = weights.miss(graph, &members);
        OneStep {
            graph,
            weights,
            members,
            miss,
            value: 0.0,
        }
    }

    /// The one-step reach `u` would add now: its own miss chance plus, through each edge
    /// u→r, what it adds to r's chance.
    pub(crate) fn gain(&self, u: NodeIdx) -> f64 {
        if self.members.contains(u as usize) {
            return 0.0;
        }
        let out = self.graph.outgoing();
        let row = out.offsets()[u as usize]..out.offsets()[u as usize + 1];
        self.miss[u as usize]
            + out.targets()[row.clone()]
                .iter()
                .zip(&self.weights.prob[row])
                .filter(|&(&r, _)| r != u)
                .map(|(&r, &p)| self.weights.gain_through(self.miss[r as usize], p))
                .sum::<f64>()
    }

    /// [`OneStep::gain`] of every node, in parallel.
    pub(crate) fn gains(&self) -> Vec<f64> {
        (0..self.members.len() as NodeIdx)
            .into_par_iter()
            .map(|u| self.gain(u))
            .collect()
    }

    /// Makes `v` a seed. `changed(x, before, after)` hears of every node x whose miss chance
    /// moves (v itself to 0, its out-neighbours down): the gains of x and of x's
    /// in-neighbours depend on it.
    pub(crate) fn add(&mut self, v: NodeIdx, mut changed: impl FnMut(NodeIdx, f64, f64)) {
        if self.members.contains(v as usize) {
            return;
        }
        self.value += self.gain(v);
        self.members.insert(v as usize);
        let old = std::mem::replace(&mut self.miss[v as usize], 0.0);
        changed(v, old, 0.0);
        let out = self.graph.outgoing();
        let row = out.offsets()[v as usize]..out.offsets()[v as usize + 1];
        for (&r, &p) in out.targets()[row.clone()]
            .iter()
            .zip(&self.weights.prob[row])
        {
            if r == v || self.members.contains(r as usize) {
                continue;
            }
            let before = self.miss[r as usize];
            let after = self.weights.after(before, p);
            self.miss[r as usize] = after;
            changed(r, before, after);
        }
    }

    /// The edges leaving `u` with their first-step weights.
    pub(crate) fn out_edges(&self, u: NodeIdx) -> impl Iterator<Item = (NodeIdx, f64)> + '_ {
        let out = self.graph.outgoing();
        let row = out.offsets()[u as usize]..out.offsets()[u as usize + 1];
        out.targets()[row.clone()]
            .iter()
            .copied()
            .zip(self.weights.prob[row].iter().copied())
    }

    /// How a change of x's miss chance from `before` to `after` moves the gain of an
    /// in-neighbour of x whose edge into x has weight p.
    #[inline]
    pub(crate) fn through(&self, before: f64, after: f64, p: f64) -> f64 {
        self.weights.gain_through(after, p) - self.weights.gain_through(before, p)
    }

    /// A(S ∪ T) − A(S) for the current members S, without changing the state.
    ///
    /// # Complexity
    /// O(d log d) with d the out-degrees of T summed.
    pub(crate) fn value_of(&self, set: &[NodeIdx]) -> f64 {
        let out = self.graph.outgoing();
        let mut set = set.to_vec();
        set.sort_unstable();
        set.dedup();
        let in_set = |v: NodeIdx| set.binary_search(&v).is_ok();
        let mut touched: Vec<(NodeIdx, f64)> = Vec::new();
        for &v in &set {
            let row = out.offsets()[v as usize]..out.offsets()[v as usize + 1];
            for (&r, &p) in out.targets()[row.clone()]
                .iter()
                .zip(&self.weights.prob[row])
            {
                if r != v {
                    touched.push((r, p));
                }
            }
        }
        touched.sort_unstable_by_key(|&(r, _)| r);
        let mut value = 0.0;
        for &v in &set {
            if !self.members.contains(v as usize) {
                value += self.miss[v as usize];
            }
        }
        for group in touched.chunk_by(|a, b| a.0 == b.0) {
            let r = group[0].0;
            if self.members.contains(r as usize) || in_set(r) {
                continue;
            }
            let before = self.miss[r as usize];
            let after = group
                .iter()
                .fold(before, |m, &(_, p)| self.weights.after(m, p));
            value += before - after;
        }
        value
    }
}

/// An upper bound on max A(S ∪ F) − A(F) over k eligible nodes: lazy greedy on the exact
/// gains (they only fall, so a gain recomputed this step and still on top is the largest),
/// and for every prefix S_i, A(S_i) + the k largest gains (submodularity); the least of
/// these, and A(S_k) / (1 − (1 − 1/k)^k).
///
/// `gains` are [`OneStep::gains`] of `start`.
///
/// # Complexity
/// O(n) with the first gains given, then O(k² log n) recomputations of O(out-degree) each.
pub(crate) fn upper_bound(start: &OneStep<'_>, gains: &[f64], checked: &Checked, k: usize) -> f64 {
    let mut state = start.clone();
    let mut heap: BinaryHeap<(OrdF64, Reverse<NodeIdx>, usize)> = checked
        .eligible
        .ones()
        .map(|u| (OrdF64(gains[u]), Reverse(u as NodeIdx), 0))
        .collect();
    let mut best = f64::INFINITY;
    let mut fresh = Vec::with_capacity(k);
    for step in 0..=k {
        // The k largest current gains: an entry computed at this step is current.
        fresh.clear();
        while fresh.len() < k {
            let Some((g, Reverse(u), at)) = heap.pop() else {
                break;
            };
            if at == step {
                fresh.push((g, Reverse(u), at));
            } else {
                heap.push((OrdF64(state.gain(u)), Reverse(u), step));
            }
        }
        let top: f64 = fresh.iter().map(|(g, _, _)| g.0.max(0.0)).sum();
        best = best.min(state.value + top);
        if step == k || fresh.is_empty() {
            break;
        }
        let (_, Reverse(v), _) = fresh[0];
        heap.extend(fresh.drain(1..));
        state.add(v, |_, _, _| {});
    }
    let ratio = 1.0 - (1.0 - 1.0 / k as f64).powi(k as i32);
    best.min(state.value / ratio).max(state.value)
}

/// Total order on floats for sorting keys.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct OrdF64(pub(crate) f64);
impl Eq for OrdF64 {}
impl PartialOrd for OrdF64 {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for OrdF64 {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.total_cmp(&other.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::influence::constraints::Constraints;

    #[test]
    fn one_step_value_is_exact() {
        // 0 → 1, 0 → 2, 1 → 2, 2 → 3 with p = 0.5.
        let g = Graph::directed(4, [(0, 1, 1.0), (0, 2, 1.0), (1, 2, 1.0), (2, 3, 1.0)]);
        let model = Model::IndependentCascade(EdgeProbability::Uniform(0.5));
        let fh = FirstHop::new(&g, &model);
        let none = FixedBitSet::with_capacity(4);
        // One step from {0}: itself + 1/2 + 1/2.
        assert!((fh.value_beyond(&g, &[0], &none) - 2.0).abs() < 1e-12);
        // From {0, 1}: node 2 reached w.p. 3/4, node 3 w.p. 0 in one step.
        assert!((fh.value_beyond(&g, &[0, 1], &none) - 2.75).abs() < 1e-12);
        // The incremental state agrees.
        let mut state = OneStep::new(&g, &fh, &none);
        assert!((state.gain(0) - 2.0).abs() < 1e-12);
        assert!((state.value_of(&[0, 1]) - 2.75).abs() < 1e-12);
        state.add(0, |_, _, _| {});
        assert!((state.gain(1) - 0.75).abs() < 1e-12, "{}", state.gain(1));
        assert!((state.value_of(&[1, 3]) - 1.75).abs() < 1e-12);
        state.add(1, |_, _, _| {});
        assert!((state.value - 2.75).abs() < 1e-12);
        assert!((state.gain(3) - 1.0).abs() < 1e-12);
    }

    #[test]
    fn the_bound_is_above_every_k_set_and_tight_on_a_star() {
        let g = Graph::directed(
            6,
            [(0, 1), (0, 2), (0, 3), (4, 5)].map(|(s, t)| (s, t, 1.0)),
        );
        for model in [
            Model::IndependentCascade(EdgeProbability::Uniform(0.5)),
            Model::LinearThreshold,
        ] {
            let fh = FirstHop::new(&g, &model);
            let none = FixedBitSet::with_capacity(6);
            let checked = Checked::new(6, 2, &Constraints::default(), None).unwrap();
            let start = OneStep::new(&g, &fh, &none);
            let bound = upper_bound(&start, &start.gains(), &checked, 2);
            let mut best: f64 = 0.0;
            for a in 0..6 {
                for b in a + 1..6 {
                    best = best.max(fh.value_beyond(&g, &[a, b], &none));
                }
            }
            assert!(
                bound >= best - 1e-12 && bound <= best * 1.6,
                "{bound} vs {best}"
            );
        }
    }
}
