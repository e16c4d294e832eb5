//! Reverse-reachable (RR) sets (Borgs, Brautbar, Chayes & Lucier, SODA 2014): the people who
//! would have activated a uniformly random root in one random world. A seed set's expected
//! spread is n × the probability that it hits a random RR set.
//!
//! Sets are stored flat (one `Vec<NodeIdx>` plus offsets; the root first in each set) and
//! generated in parallel yet bit-identically for any thread count: set i of stream s is
//! grown from a generator seeded by (seed, s, i) alone, blocks of sets are built
//! independently and concatenated in index order.

use fixedbitset::FixedBitSet;
use rayon::prelude::*;

use super::model::{LogKeep, ReverseSampler, row_range};
use crate::{Graph, NodeIdx};

/// Sets per work item: large enough to amortise scheduling, small enough to balance.
const BLOCK: usize = 2048;

/// Which nodes of each RR set count.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Part {
    /// All of them: plain coverage, the spread.
    Whole,
    /// Those beyond the first layer: what the one-step control variate leaves to sampling.
    BeyondFirst,
}

/// A node → values index over RR sets (see [`RrSets::invert`]).
pub(crate) struct Inverted {
    offsets: Vec<usize>,
    entries: Vec<u32>,
}

impl Inverted {
    /// The values listed under node `v`.
    #[inline]
    pub(crate) fn of(&self, v: NodeIdx) -> &[u32] {
        &self.entries[self.offsets[v as usize]..self.offsets[v as usize + 1]]
    }

    /// How many values are listed under node `v`.
    #[inline]
    pub(crate) fn len_of(&self, v: NodeIdx) -> usize {
        self.offsets[v as usize + 1] - self.offsets[v as usize]
    }
}

/// One task's sets: their nodes, and per set (length, first-layer length).
type TaskSets = (Vec<NodeIdx>, Vec<(u32, u32)>);

/// A growing collection of RR sets drawn from one random stream.
#[derive(Clone, Debug)]
pub(crate) struct RrSets {
    nodes: Vec<NodeIdx>,
    offsets: Vec<usize>,
    /// Per set, how many of its first nodes are the root and the root's live in-neighbours
    /// (the part a seed reaches in one step): the control variate of [`super::first_hop`].
    first_layer: Vec<u32>,
    /// Σ over sets of the entries beyond the first layer.
    n_beyond: usize,
    seed: u64,
    stream: u64,
}

impl RrSets {
    /// An empty collection; sets drawn into it are numbered from 0 in stream `stream`.
    pub(crate) fn new(seed: u64, stream: u64) -> RrSets {
        RrSets {
            nodes: Vec::new(),
            offsets: vec![0],
            first_layer: Vec::new(),
            n_beyond: 0,
            seed,
            stream,
        }
    }

    /// Number of sets.
    pub(crate) fn len(&self) -> usize {
        self.offsets.len() - 1
    }

    /// Total number of node entries over all sets.
    pub(crate) fn n_entries(&self) -> usize {
        self.nodes.len()
    }

    /// Entries beyond the first layers, over all sets: what the one-step control variate
    /// leaves to sampling.
    pub(crate) fn n_beyond_entries(&self) -> usize {
        self.n_beyond
    }

    /// The nodes of set `set_idx`, root first.
    #[inline]
    pub(crate) fn set(&self, set_idx: usize) -> &[NodeIdx] {
        &self.nodes[self.offsets[set_idx]..self.offsets[set_idx + 1]]
    }

    /// The root and its live in-neighbours: the first nodes of set `set_idx`.
    #[inline]
    pub(crate) fn first_layer(&self, set_idx: usize) -> &[NodeIdx] {
        let start = self.offsets[set_idx];
        &self.nodes[start..start + self.first_layer[set_idx] as usize]
    }

    /// The nodes of set `set_idx` beyond its first layer: reached from the root's live
    /// in-neighbours in two steps or more.
    #[inline]
    pub(crate) fn beyond_first(&self, set_idx: usize) -> &[NodeIdx] {
        &self.set(set_idx)[self.first_layer[set_idx] as usize..]
    }

    /// The whole set or the part beyond its first layer.
    #[inline]
    pub(crate) fn part(&self, set_idx: usize, part: Part) -> &[NodeIdx] {
        match part {
            Part::Whole => self.set(set_idx),
            Part::BeyondFirst => self.beyond_first(set_idx),
        }
    }

    /// The root of set `set_idx`: the person this set is about.
    #[inline]
    pub(crate) fn root(&self, set_idx: usize) -> NodeIdx {
        self.nodes[self.offsets[set_idx]]
    }

    /// Draws `count` more sets (numbered after the existing ones). An empty graph gets none.
    pub(crate) fn extend(&mut self, graph: &Graph, sampler: &ReverseSampler, count: usize) {
        let n_nodes = graph.n_nodes();
        if n_nodes == 0 || count == 0 {
            return;
        }
        let first = self.len();
        let end = first + count;
        let n_blocks = count.div_ceil(BLOCK);
        let n_tasks = n_blocks.min(4 * rayon::current_num_threads()).max(1);
        let blocks_per_task = n_blocks.div_ceil(n_tasks);
        let tasks: Vec<(usize, usize)> = (0..n_blocks)
            .step_by(blocks_per_task)
            .map(|b| {
                let lo = first + b * BLOCK;
                (lo, (lo + blocks_per_task * BLOCK).min(end))
            })
            .collect();
        let (seed, stream) = (self.seed, self.stream);
        let parts: Vec<TaskSets> = tasks
            .into_par_iter()
            .map(|(lo, hi)| {
                let mut grower = Grower::new(graph, sampler);
                let mut nodes = Vec::with_capacity(2 * (hi - lo));
                let mut lens = Vec::with_capacity(hi - lo);
                for set_idx in lo..hi {
                    let before = nodes.len();
                    let mut rng = SplitMix64::for_item(seed, stream, set_idx as u64);
                    let first = grower.grow(&mut rng, &mut nodes);
                    lens.push(((nodes.len() - before) as u32, first));
                }
                (nodes, lens)
            })
            .collect();
        let n_new: usize = parts.iter().map(|(nodes, _)| nodes.len()).sum();
        self.nodes.reserve_exact(n_new);
        self.offsets.reserve_exact(count);
        self.first_layer.reserve_exact(count);
        for (nodes, lens) in parts {
            let mut at = *self.offsets.last().expect("offsets start with 0");
            for (len, first) in lens {
                self.n_beyond += (len - first) as usize;
                at += len as usize;
                self.offsets.push(at);
                self.first_layer.push(first);
            }
            self.nodes.extend_from_slice(&nodes);
        }
    }

    /// The node → sets index: for every entry (set r, position pos) that `keep` maps to a
    /// value, that value is listed under the entry's node, in increasing r. Built in parallel
    /// over node ranges (each range scans all sets and fills its own part), so the result
    /// does not depend on the thread count.
    pub(crate) fn invert<F>(&self, n_nodes: usize, keep: F) -> Inverted
    where
        F: Fn(usize, usize) -> Option<u32> + Sync,
    {
        let n_ranges = rayon::current_num_threads().clamp(1, n_nodes.max(1));
        let bounds: Vec<usize> = (0..=n_ranges).map(|i| i * n_nodes / n_ranges).collect();
        let scan = |lo: usize, hi: usize, visit: &mut dyn FnMut(usize, u32)| {
            for r in 0..self.len() {
                for (pos, &v) in self.set(r).iter().enumerate() {
                    let v = v as usize;
                    if (lo..hi).contains(&v)
                        && let Some(value) = keep(r, pos)
                    {
                        visit(v - lo, value);
                    }
                }
            }
        };
        let counts: Vec<Vec<u32>> = (0..n_ranges)
            .into_par_iter()
            .map(|i| {
                let mut counts = vec![0u32; bounds[i + 1] - bounds[i]];
                scan(bounds[i], bounds[i + 1], &mut |v, _| counts[v] += 1);
                counts
            })
            .collect();
        let mut offsets = Vec::with_capacity(n_nodes + 1);
        offsets.push(0usize);
        for &c in counts.iter().flatten() {
            offsets.push(offsets.last().copied().unwrap_or(0) + c as usize);
        }
        drop(counts);
        let mut entries = vec![0u32; offsets[n_nodes]];
        let mut parts = Vec::with_capacity(n_ranges);
        let mut rest = entries.as_mut_slice();
        for i in 0..n_ranges {
            let (part, tail) = rest.split_at_mut(offsets[bounds[i + 1]] - offsets[bounds[i]]);
            parts.push((i, part));
            rest = tail;
        }
        parts.into_par_iter().for_each(|(i, part)| {
            let (lo, hi) = (bounds[i], bounds[i + 1]);
            let base = offsets[lo];
            let mut cursor: Vec<usize> = offsets[lo..hi].iter().map(|&o| o - base).collect();
            scan(lo, hi, &mut |v, value| {
                part[cursor[v]] = value;
                cursor[v] += 1;
            });
        });
        Inverted { offsets, entries }
    }

    /// Which sets contain a node of `members` (e.g. the fixed seeds).
    pub(crate) fn covered_by(&self, members: &FixedBitSet) -> FixedBitSet {
        let mut covered = FixedBitSet::with_capacity(self.len());
        let chunk = 1 << 14;
        let flags: Vec<Vec<usize>> = (0..self.len().div_ceil(chunk))
            .into_par_iter()
            .map(|c| {
                (c * chunk..((c + 1) * chunk).min(self.len()))
                    .filter(|&r| self.set(r).iter().any(|&v| members.contains(v as usize)))
                    .collect()
            })
            .collect();
        for r in flags.into_iter().flatten() {
            covered.insert(r);
        }
        covered
    }

    /// How many sets not in `skip` contain a node of `members`.
    pub(crate) fn count_covered(&self, members: &FixedBitSet, skip: &FixedBitSet) -> u64 {
        let chunk = 1 << 14;
        (0..self.len().div_ceil(chunk))
            .into_par_iter()
            .map(|c| {
                (c * chunk..((c + 1) * chunk).min(self.len()))
                    .filter(|&r| {
                        !skip.contains(r)
                            && self.set(r).iter().any(|&v| members.contains(v as usize))
                    })
                    .count() as u64
            })
            .sum()
    }
}

/// Grows one RR set at a time for a task; keeps a visited bitmap that it clears after each
/// set (only the bits it set), so a task allocates it once.
struct Grower<'a> {
    offsets: &'a [usize],
    sources: &'a [NodeIdx],
    sampler: &'a ReverseSampler,
    n_nodes: u64,
    visited: Vec<u64>,
    /// For uniform cascades, (1 − p)^d for d < 64: the chance that none of d edges is live.
    no_live_edge: [f64; 64],
    /// ln(1 − p) for uniform cascades, for larger degrees.
    log_keep: f64,
}

impl<'a> Grower<'a> {
    fn new(graph: &'a Graph, sampler: &'a ReverseSampler) -> Grower<'a> {
        let incoming = graph.incoming();
        Grower {
            offsets: incoming.offsets(),
            sources: incoming.targets(),
            sampler,
            n_nodes: graph.n_nodes() as u64,
            visited: vec![0; graph.n_nodes().div_ceil(64)],
            no_live_edge: std::array::from_fn(|d| match sampler {
                ReverseSampler::IcGeometric(LogKeep::Uniform(x)) => (x * d as f64).exp(),
                _ => 1.0,
            }),
            log_keep: match sampler {
                ReverseSampler::IcGeometric(LogKeep::Uniform(x)) => *x,
                _ => 0.0,
            },
        }
    }

    #[inline]
    fn visit(&mut self, v: NodeIdx) -> bool {
        let (word, bit) = (v as usize / 64, 1u64 << (v % 64));
        let fresh = self.visited[word] & bit == 0;
        self.visited[word] |= bit;
        fresh
    }

    /// Appends one RR set (root first, then the root's live in-neighbours) to `out`;
    /// returns the size of that first layer, root included.
    fn grow(&mut self, rng: &mut SplitMix64, out: &mut Vec<NodeIdx>) -> u32 {
        let mut first_layer = 0usize;
        let start = out.len();
        let root = rng.below(self.n_nodes) as NodeIdx;
        self.visit(root);
        out.push(root);
        match self.sampler {
            ReverseSampler::IcGeometric(keep) => {
                let mut head = start;
                while head < out.len() {
                    if head == start + 1 {
                        first_layer = out.len() - start;
                    }
                    let v = out[head];
                    head += 1;
                    let row = &self.sources[row_range(self.offsets, v)];
                    let (log_keep, mut draw) = match keep {
                        LogKeep::Uniform(x) => {
                            // No live edge at all, U ≤ (1 − p)^d, is the common case: test it
                            // against a table instead of taking a logarithm.
                            let draw = rng.open_unit();
                            let none = match self.no_live_edge.get(row.len()) {
                                Some(&none) => none,
                                None => (self.log_keep * row.len() as f64).exp(),
                            };
                            if draw <= none {
                                continue;
                            }
                            (*x, draw)
                        }
                        LogKeep::PerNode(values) => (values[v as usize], rng.open_unit()),
                    };
                    if log_keep == 0.0 {
                        continue;
                    }
                    let mut i = 0usize;
                    loop {
                        // Number of failed edges before the next live one: geometric.
                        let skip = draw.ln() / log_keep;
                        draw = rng.open_unit();
                        if skip >= (row.len() - i) as f64 {
                            break;
                        }
                        i += skip as usize;
                        let u = row[i];
                        if self.visit(u) {
                            out.push(u);
                        }
                        i += 1;
                        if i >= row.len() {
                            break;
                        }
                    }
                }
            }
            ReverseSampler::IcPerEdge(prob) => {
                let mut head = start;
                while head < out.len() {
                    if head == start + 1 {
                        first_layer = out.len() - start;
                    }
                    let v = out[head];
                    head += 1;
                    for e in row_range(self.offsets, v) {
                        if rng.unit() < prob[e] {
                            let u = self.sources[e];
                            if self.visit(u) {
                                out.push(u);
                            }
                        }
                    }
                }
            }
            ReverseSampler::LinearThreshold(cumulative) => {
                let mut v = root;
                loop {
                    let range = row_range(self.offsets, v);
                    let row = &cumulative[range.clone()];
                    let Some(&total) = row.last() else { break };
                    let x = rng.unit();
                    if x >= total {
                        break;
                    }
                    let pos = row.partition_point(|&c| c <= x);
                    let u = self.sources[range.start + pos];
                    if !self.visit(u) {
                        break;
                    }
                    out.push(u);
                    v = u;
                }
            }
        }
        for &v in &out[start..] {
            self.visited[v as usize / 64] = 0;
        }
        let first_layer = match self.sampler {
            ReverseSampler::LinearThreshold(_) => (out.len() - start).min(2),
            _ if first_layer == 0 => out.len() - start,
            _ => first_layer,
        };
        first_layer as u32
    }
}

/// SplitMix64 (Steele, Lea & Flood, OOPSLA 2014): a tiny, fast generator, here seeded per
/// RR set so that every set is reproducible on its own.
pub(crate) struct SplitMix64 {
    state: u64,
}

const GOLDEN_GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;

/// The SplitMix64 output function: a bijective 64-bit mixer.
#[inline]
pub(crate) fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl SplitMix64 {
    /// The generator of work item `item` of stream `stream` under `seed`.
    #[inline]
    pub(crate) fn for_item(seed: u64, stream: u64, item: u64) -> SplitMix64 {
        let key = mix64(seed ^ GOLDEN_GAMMA) ^ mix64(stream.wrapping_mul(GOLDEN_GAMMA) ^ !item);
        SplitMix64 {
            state: mix64(key ^ item.rotate_left(32)),
        }
    }

    #[inline]
    pub(crate) fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(GOLDEN_GAMMA);
        mix64(self.state)
    }

    /// Uniform in [0, 1).
    #[inline]
    pub(crate) fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform in (0, 1], safe for `ln`.
    #[inline]
    fn open_unit(&mut self) -> f64 {
        1.0 - self.unit()
    }

    /// Uniform in 0..bound (Lemire's multiply-shift; bias below bound / 2⁶⁴).
    #[inline]
    pub(crate) fn below(&mut self, bound: u64) -> u64 {
        ((self.next_u64() as u128 * bound as u128) >> 64) as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::influence::{EdgeProbability, Model};

    fn sets_of(rr: &RrSets) -> Vec<Vec<NodeIdx>> {
        (0..rr.len()).map(|r| rr.set(r).to_vec()).collect()
    }

    #[test]
    fn path_with_p_one_reaches_every_ancestor() {
        // 0 → 1 → 2 → 3: the RR set of root v is {v, v−1, …, 0}.
        let g = Graph::directed(4, [(0, 1, 1.0), (1, 2, 1.0), (2, 3, 1.0)]);
        let model = Model::IndependentCascade(EdgeProbability::Uniform(1.0));
        let sampler = ReverseSampler::new(&g, &model).unwrap();
        let mut rr = RrSets::new(3, 0);
        rr.extend(&g, &sampler, 200);
        for r in 0..rr.len() {
            let root = rr.root(r);
            let mut set = rr.set(r).to_vec();
            set.sort_unstable();
            assert_eq!(set, (0..=root).collect::<Vec<_>>());
        }
        let lt = ReverseSampler::new(&g, &Model::LinearThreshold).unwrap();
        let mut rr_lt = RrSets::new(3, 0);
        rr_lt.extend(&g, &lt, 50);
        for r in 0..rr_lt.len() {
            let root = rr_lt.root(r);
            assert_eq!(rr_lt.set(r), (0..=root).rev().collect::<Vec<_>>());
        }
    }

    #[test]
    fn geometric_skipping_matches_the_edge_probability() {
        // A star into node 0 from 1..=200, p = 0.1: an RR set rooted at 0 has ~20 leaves.
        let g = Graph::directed(201, (1..=200).map(|v| (v, 0, 1.0)));
        let model = Model::IndependentCascade(EdgeProbability::Uniform(0.1));
        let sampler = ReverseSampler::new(&g, &model).unwrap();
        let mut rr = RrSets::new(11, 0);
        rr.extend(&g, &sampler, 40_000);
        let (mut n_rooted, mut n_leaves) = (0usize, 0usize);
        for r in 0..rr.len() {
            if rr.root(r) == 0 {
                n_rooted += 1;
                n_leaves += rr.set(r).len() - 1;
            } else {
                assert_eq!(rr.set(r).len(), 1);
            }
        }
        let mean = n_leaves as f64 / n_rooted as f64;
        // ~200 sets rooted at 0; the mean of Binomial(200, 0.1) has sd ~0.3 here.
        assert!(
            (mean - 20.0).abs() < 1.5,
            "mean {mean} from {n_rooted} sets"
        );
    }

    #[test]
    fn bit_identical_for_any_thread_count_and_split() {
        let edges: Vec<_> = (0..300u32)
            .flat_map(|v| [(v, (v * 7 + 1) % 300, 1.0), (v, (v * 13 + 5) % 300, 2.0)])
            .collect();
        let g = Graph::directed(300, edges);
        for model in [
            Model::IndependentCascade(EdgeProbability::Uniform(0.3)),
            Model::IndependentCascade(EdgeProbability::PerUnitWeight(0.2)),
            Model::LinearThreshold,
        ] {
            let sampler = ReverseSampler::new(&g, &model).unwrap();
            let draw = |threads: usize, split: bool| {
                let pool = rayon::ThreadPoolBuilder::new()
                    .num_threads(threads)
                    .build()
                    .unwrap();
                pool.install(|| {
                    let mut rr = RrSets::new(5, 1);
                    if split {
                        rr.extend(&g, &sampler, 3000);
                        rr.extend(&g, &sampler, 7000);
                    } else {
                        rr.extend(&g, &sampler, 10_000);
                    }
                    sets_of(&rr)
                })
            };
            let one = draw(1, false);
            assert_eq!(one, draw(2, true));
            assert_eq!(one, draw(7, false));
        }
    }
}
