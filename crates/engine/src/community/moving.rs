//! Fast local moving (Traag, Waltman & van Eck 2019, "FastMoveNodes"): visit nodes from a
//! queue, move each to the neighbouring (or an empty) community with the largest modularity
//! gain, and queue again only the neighbours that a move may have made movable.
//!
//! With several threads, the queue is taken in batches: the weights from each node of the
//! batch to its neighbouring communities are summed in parallel, then the nodes are decided
//! one by one in queue order against the current community weights, and a node whose
//! neighbour moved earlier in the batch is summed again. Each decision thus sees exactly
//! what the sequential loop would see, so the partition is the same for any thread count.

use std::cell::RefCell;
use std::collections::VecDeque;

use rand::seq::SliceRandom;
use rand_xoshiro::Xoshiro256PlusPlus;
use rayon::prelude::*;

use super::level::LevelGraph;

/// Nodes taken from the queue at once when summing in parallel.
const BATCH: usize = 4096;
/// Nodes per parallel task within a batch.
const CHUNK: usize = 256;
/// Below this many nodes the sequential loop is faster.
const MIN_PARALLEL_NODES: usize = 20_000;
/// In the batched loop's node state, the bit saying that a node is queued.
const QUEUED: u32 = 1 << 31;

thread_local! {
    /// Per-thread dense scratch for the parallel sums; always left all zero.
    static SCRATCH: RefCell<Vec<f64>> = const { RefCell::new(Vec::new()) };
}

/// Row offsets and (community, weight) pairs of one chunk of a batch.
type ChunkSums = (Vec<usize>, Vec<(u32, f64)>);

/// Community weights and sizes, and the ids of empty communities.
struct Communities {
    weight: Vec<f64>,
    size: Vec<u32>,
    empty: Vec<u32>,
}

/// Moves nodes of `graph` between communities until no single move raises modularity.
/// `membership` holds community ids below `graph.n_nodes()` and is updated in place;
/// `gamma` is the resolution divided by the total node weight (2m). Returns the weight of
/// each node's edges into its final community, which refinement needs: every node is
/// summed at least once, and the moves after its last sum are accounted for as they
/// happen, which is cheaper than summing all rows again.
///
/// The gain of putting node v (taken out of its community) into community C is
/// w(v, C) − gamma · k_v · K_C, with w(v, C) the weight of v's edges into C, k_v its node
/// weight and K_C the node weight of C: modularity changes by twice that over 2m.
pub(super) fn move_nodes(
    graph: &LevelGraph,
    membership: &mut [u32],
    gamma: f64,
    rng: &mut Xoshiro256PlusPlus,
) -> Vec<f64> {
    let n_nodes = graph.n_nodes();
    let mut comms = Communities {
        weight: vec![0.0f64; n_nodes],
        size: vec![0u32; n_nodes],
        empty: Vec::new(),
    };
    for (v, &c) in membership.iter().enumerate() {
        comms.weight[c as usize] += graph.node_weight[v];
        comms.size[c as usize] += 1;
    }
    comms.empty = (0..n_nodes as u32)
        .rev()
        .filter(|&c| comms.size[c as usize] == 0)
        .collect();

    let mut order: Vec<u32> = (0..n_nodes as u32).collect();
    order.shuffle(rng);
    let mut queue: VecDeque<u32> = order.into();

    let mut to_comm = vec![0.0f64; n_nodes];
    let mut candidates: Vec<(u32, f64)> = Vec::new();
    let mut inside = vec![0.0f64; n_nodes];

    if rayon::current_num_threads() > 1 && n_nodes >= MIN_PARALLEL_NODES {
        // Per node: whether it is queued (the top bit), and the batch in which one of its
        // neighbours last moved (0: never; batches are numbered from 1).
        let mut state = vec![QUEUED; n_nodes];
        let mut batch_idx = 0u32;
        let mut batch: Vec<u32> = Vec::with_capacity(BATCH);
        while !queue.is_empty() {
            batch_idx += 1;
            batch.clear();
            batch.extend(queue.drain(..BATCH.min(queue.len())));
            let sums = sum_batch(graph, membership, &batch);
            for (chunk, (offsets, flat)) in batch.chunks(CHUNK).zip(&sums) {
                for (idx, &v) in chunk.iter().enumerate() {
                    let v = v as usize;
                    state[v] &= !QUEUED;
                    let cands: &[(u32, f64)] = if state[v] == batch_idx {
                        candidates.clear();
                        scan(graph, membership, v, &mut to_comm, &mut candidates);
                        &candidates
                    } else {
                        &flat[offsets[idx]..offsets[idx + 1]]
                    };
                    inside[v] = cands[0].1;
                    if let Some((best, to_best)) =
                        decide(graph, membership, v, cands, gamma, &comms)
                    {
                        let old = membership[v];
                        apply(graph, membership, v, best, &mut comms);
                        inside[v] = to_best;
                        let (nbrs, ws) = graph.row(v);
                        for (&u, &w) in nbrs.iter().zip(ws) {
                            let u = u as usize;
                            let c = membership[u];
                            account(&mut inside[u], c, old, best, w);
                            let queued = state[u] & QUEUED;
                            if queued == 0 && c != best {
                                state[u] = QUEUED | batch_idx;
                                queue.push_back(u as u32);
                            } else {
                                state[u] = queued | batch_idx;
                            }
                        }
                    }
                }
            }
        }
        return inside;
    }

    let mut queued = vec![true; n_nodes];
    while let Some(v) = queue.pop_front() {
        let v = v as usize;
        queued[v] = false;
        candidates.clear();
        scan(graph, membership, v, &mut to_comm, &mut candidates);
        inside[v] = candidates[0].1;
        if let Some((best, to_best)) = decide(graph, membership, v, &candidates, gamma, &comms) {
            let old = membership[v];
            apply(graph, membership, v, best, &mut comms);
            inside[v] = to_best;
            let (nbrs, ws) = graph.row(v);
            for (&u, &w) in nbrs.iter().zip(ws) {
                let u = u as usize;
                let c = membership[u];
                account(&mut inside[u], c, old, best, w);
                if !queued[u] && c != best {
                    queued[u] = true;
                    queue.push_back(u as u32);
                }
            }
        }
    }
    inside
}

/// Updates the weight `inside` from a node in community `c` to its community, when its
/// neighbour across an edge of weight `w` moves from community `old` to `best`.
#[inline]
fn account(inside: &mut f64, c: u32, old: u32, best: u32, w: f64) {
    if c == old {
        *inside -= w;
    } else if c == best {
        *inside += w;
    }
}

/// Sums, in parallel, each batch node's edge weight to each neighbouring community: per
/// chunk of [`CHUNK`] nodes, row offsets and (community, weight) pairs.
fn sum_batch(graph: &LevelGraph, membership: &[u32], batch: &[u32]) -> Vec<ChunkSums> {
    let membership: &[u32] = membership;
    batch
        .par_chunks(CHUNK)
        .map(|chunk| {
            SCRATCH.with(|scratch| {
                let mut to_comm = scratch.borrow_mut();
                if to_comm.len() < graph.n_nodes() {
                    to_comm.resize(graph.n_nodes(), 0.0);
                }
                let mut offsets = Vec::with_capacity(chunk.len() + 1);
                let mut flat = Vec::new();
                offsets.push(0);
                for &v in chunk {
                    scan(graph, membership, v as usize, &mut to_comm, &mut flat);
                    offsets.push(flat.len());
                }
                (offsets, flat)
            })
        })
        .collect()
}

/// Appends v's own community and then each other neighbouring community, in order of first
/// neighbour, with the weight of v's edges into it. Leaves `to_comm` all zero.
#[inline]
fn scan(
    graph: &LevelGraph,
    membership: &[u32],
    v: usize,
    to_comm: &mut [f64],
    out: &mut Vec<(u32, f64)>,
) {
    let first = out.len();
    let own = membership[v];
    out.push((own, 0.0));
    let (nbrs, ws) = graph.row(v);
    for (&u, &w) in nbrs.iter().zip(ws) {
        let c = membership[u as usize];
        // Weights are positive, so a zero slot is one not seen yet.
        if to_comm[c as usize] == 0.0 && c != own {
            out.push((c, 0.0));
        }
        to_comm[c as usize] += w;
    }
    for entry in &mut out[first..] {
        entry.1 = to_comm[entry.0 as usize];
        to_comm[entry.0 as usize] = 0.0;
    }
}

/// The community v should move to, if any, and the weight of v's edges into it, given its
/// candidates from [`scan`] (its own community first).
#[inline]
fn decide(
    graph: &LevelGraph,
    membership: &[u32],
    v: usize,
    candidates: &[(u32, f64)],
    gamma: f64,
    comms: &Communities,
) -> Option<(u32, f64)> {
    let own = membership[v];
    let k_v = graph.node_weight[v];
    // Take v out of its community; staying is then one candidate among the others.
    let stay_gain = candidates[0].1 - gamma * k_v * (comms.weight[own as usize] - k_v);
    let (mut best, mut to_best) = candidates[0];
    let mut best_gain = stay_gain;
    for &(c, w) in &candidates[1..] {
        let gain = w - gamma * k_v * comms.weight[c as usize];
        if gain > best_gain {
            best_gain = gain;
            (best, to_best) = (c, w);
        }
    }
    // An empty community gains 0; it only helps when v is not alone already.
    if best_gain < 0.0
        && comms.size[own as usize] > 1
        && let Some(&c) = comms.empty.last()
    {
        (best, to_best) = (c, 0.0);
        best_gain = 0.0;
    }
    // The tolerance keeps rounding noise from moving a node back and forth forever.
    if best == own || best_gain <= stay_gain + 1e-13 * k_v {
        return None;
    }
    Some((best, to_best))
}

/// Moves v from its community to `best`.
#[inline]
fn apply(graph: &LevelGraph, membership: &mut [u32], v: usize, best: u32, comms: &mut Communities) {
    let own = membership[v] as usize;
    let k_v = graph.node_weight[v];
    if comms.empty.last() == Some(&best) {
        comms.empty.pop();
    }
    comms.weight[own] -= k_v;
    comms.size[own] -= 1;
    if comms.size[own] == 0 {
        comms.weight[own] = 0.0;
        comms.empty.push(own as u32);
    }
    comms.weight[best as usize] += k_v;
    comms.size[best as usize] += 1;
    membership[v] = best;
}
