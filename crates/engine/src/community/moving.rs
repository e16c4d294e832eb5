//! Fast local moving (Traag, Waltman & van Eck 2019, "FastMoveNodes"): visit nodes from a
//! queue, move each to the neighbouring (or an empty) community with the largest modularity
//! gain, and queue again only the neighbours that a move may have made movable.

use std::collections::VecDeque;

use rand::seq::SliceRandom;
use rand_xoshiro::Xoshiro256PlusPlus;

use super::level::LevelGraph;

/// Moves nodes of `graph` between communities until no single move raises modularity.
/// `membership` holds community ids below `graph.n_nodes()` and is updated in place;
/// `gamma` is the resolution divided by the total node weight (2m). Returns whether any
/// node moved.
///
/// The gain of putting node v (taken out of its community) into community C is
/// w(v, C) − gamma · k_v · K_C, with w(v, C) the weight of v's edges into C, k_v its node
/// weight and K_C the node weight of C: modularity changes by twice that over 2m.
pub(super) fn move_nodes(
    graph: &LevelGraph,
    membership: &mut [u32],
    gamma: f64,
    rng: &mut Xoshiro256PlusPlus,
) -> bool {
    let n_nodes = graph.n_nodes();
    let mut comm_weight = vec![0.0f64; n_nodes];
    let mut comm_size = vec![0u32; n_nodes];
    for (v, &c) in membership.iter().enumerate() {
        comm_weight[c as usize] += graph.node_weight[v];
        comm_size[c as usize] += 1;
    }
    let mut empty: Vec<u32> = (0..n_nodes as u32)
        .rev()
        .filter(|&c| comm_size[c as usize] == 0)
        .collect();

    let mut order: Vec<u32> = (0..n_nodes as u32).collect();
    order.shuffle(rng);
    let mut queue: VecDeque<u32> = order.into();
    let mut queued = vec![true; n_nodes];

    // Weight from the current node to each community, and which entries are set.
    let mut to_comm = vec![0.0f64; n_nodes];
    let mut touched: Vec<u32> = Vec::new();
    let mut moved_any = false;

    while let Some(v) = queue.pop_front() {
        let v = v as usize;
        queued[v] = false;
        let (nbrs, ws) = graph.row(v);
        let own = membership[v];
        let k_v = graph.node_weight[v];
        touched.push(own);
        for (&u, &w) in nbrs.iter().zip(ws) {
            let c = membership[u as usize];
            if to_comm[c as usize] == 0.0 {
                touched.push(c);
            }
            to_comm[c as usize] += w;
        }
        // Take v out of its community; staying is then one candidate among the others.
        let own_weight_without = comm_weight[own as usize] - k_v;
        let stay_gain = to_comm[own as usize] - gamma * k_v * own_weight_without;
        let mut best = own;
        let mut best_gain = stay_gain;
        for &c in &touched[1..] {
            if c == own {
                continue;
            }
            let gain = to_comm[c as usize] - gamma * k_v * comm_weight[c as usize];
            if gain > best_gain {
                best_gain = gain;
                best = c;
            }
        }
        for &c in &touched {
            to_comm[c as usize] = 0.0;
        }
        touched.clear();
        // An empty community gains 0; it only helps when v is not alone already.
        if best_gain < 0.0
            && comm_size[own as usize] > 1
            && let Some(&c) = empty.last()
        {
            best = c;
            best_gain = 0.0;
        }
        // The tolerance keeps rounding noise from moving a node back and forth forever.
        if best == own || best_gain <= stay_gain + 1e-13 * k_v {
            continue;
        }
        if empty.last() == Some(&best) {
            empty.pop();
        }
        comm_weight[own as usize] = own_weight_without;
        comm_size[own as usize] -= 1;
        if comm_size[own as usize] == 0 {
            comm_weight[own as usize] = 0.0;
            empty.push(own);
        }
        comm_weight[best as usize] += k_v;
        comm_size[best as usize] += 1;
        membership[v] = best;
        moved_any = true;
        for &u in nbrs {
            let u = u as usize;
            if !queued[u] && membership[u] != best {
                queued[u] = true;
                queue.push_back(u as u32);
            }
        }
    }
    moved_any
}
