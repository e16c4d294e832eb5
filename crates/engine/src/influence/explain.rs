//! Why each pick, and who should ask them: marginal gains and unit breakdowns measured on the
//! checking pool of RR sets, plain-language reasons, and the engaged person with the
//! strongest tie (or strongest path) to each pick.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use fixedbitset::FixedBitSet;
use rayon::prelude::*;

use super::constraints::Units;
use super::rr_sets::RrSets;
use crate::{Graph, NodeIdx};

/// Per chunk of sets: (chosen position, set) hits, and chosen positions hit alone.
type ChunkHits = (Vec<(u32, u32)>, Vec<u32>);

/// What the checking pool says about a chosen set, in greedy order.
pub(crate) struct Breakdown {
    /// Picks reordered greedily (each maximises its gain given the ones before).
    pub(crate) order: Vec<NodeIdx>,
    /// Sets newly covered by each pick, in order.
    pub(crate) gains: Vec<u64>,
    /// Sets covered by this pick alone among picks and fixed seeds.
    pub(crate) exclusive: Vec<u64>,
    /// Per pick, (unit, roots of newly covered sets in it), most first.
    pub(crate) unit_roots: Vec<Vec<(u32, u64)>>,
    /// Sets covered by the fixed seeds.
    pub(crate) fixed_coverage: u64,
}

/// Orders `chosen` greedily on `rr` (sets in `pre_covered` count as reached already) and
/// breaks each pick's gain down by the units of the roots it newly reaches.
pub(crate) fn breakdown(
    rr: &RrSets,
    pre_covered: &FixedBitSet,
    chosen: &[NodeIdx],
    n_nodes: usize,
    units: Option<&Units>,
) -> Breakdown {
    let mut position = vec![u32::MAX; n_nodes];
    for (i, &v) in chosen.iter().enumerate() {
        position[v as usize] = i as u32;
    }
    // Sets per chosen node, and sets only one chosen node hits; chunks in order.
    let chunk = 1 << 14;
    let found: Vec<ChunkHits> = (0..rr.len().div_ceil(chunk))
        .into_par_iter()
        .map(|c| {
            let mut hits_of = Vec::new();
            let mut exclusive = Vec::new();
            for r in
                (c * chunk..((c + 1) * chunk).min(rr.len())).filter(|&r| !pre_covered.contains(r))
            {
                let before = hits_of.len();
                for &v in rr.set(r) {
                    let i = position[v as usize];
                    if i != u32::MAX {
                        hits_of.push((i, r as u32));
                    }
                }
                if hits_of.len() == before + 1 {
                    exclusive.push(hits_of[before].0);
                }
            }
            (hits_of, exclusive)
        })
        .collect();
    let mut sets_of: Vec<Vec<u32>> = vec![Vec::new(); chosen.len()];
    let mut exclusive_to = vec![0u64; chosen.len()];
    for (hits_of, exclusive) in found {
        for (i, r) in hits_of {
            sets_of[i as usize].push(r);
        }
        for i in exclusive {
            exclusive_to[i as usize] += 1;
        }
    }
    let mut covered = FixedBitSet::with_capacity(rr.len());
    let mut heap: BinaryHeap<(u64, std::cmp::Reverse<usize>)> = sets_of
        .iter()
        .enumerate()
        .map(|(i, sets)| (sets.len() as u64, std::cmp::Reverse(i)))
        .collect();
    let mut out = Breakdown {
        order: Vec::with_capacity(chosen.len()),
        gains: Vec::with_capacity(chosen.len()),
        exclusive: Vec::with_capacity(chosen.len()),
        unit_roots: Vec::with_capacity(chosen.len()),
        fixed_coverage: pre_covered.count_ones(..) as u64,
    };
    while let Some((stale, std::cmp::Reverse(i))) = heap.pop() {
        let gain = sets_of[i]
            .iter()
            .filter(|&&r| !covered.contains(r as usize))
            .count() as u64;
        if gain != stale {
            heap.push((gain, std::cmp::Reverse(i)));
            continue;
        }
        let mut per_unit: Vec<(u32, u64)> = Vec::new();
        for &r in &sets_of[i] {
            let r = r as usize;
            if covered.contains(r) {
                continue;
            }
            covered.insert(r);
            if let Some(u) = units.and_then(|units| units.of(rr.root(r))) {
                match per_unit.iter_mut().find(|(unit, _)| *unit == u) {
                    Some((_, count)) => *count += 1,
                    None => per_unit.push((u, 1)),
                }
            }
        }
        per_unit.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        out.order.push(chosen[i]);
        out.gains.push(gain);
        out.exclusive.push(exclusive_to[i]);
        out.unit_roots.push(per_unit);
    }
    out
}

/// "~40", "~3.5", "fewer than one".
fn about(people: f64) -> String {
    if people < 0.95 {
        "less than one".to_string()
    } else if people < 9.95 {
        format!("~{people:.1}")
    } else {
        format!("~{}", people.round())
    }
}

/// The plain-language reason for one pick, from its gain (in people), the part no other
/// pick reaches, and the people it newly reaches per unit.
pub(crate) fn reason(
    rank: usize,
    gain: f64,
    exclusive: f64,
    unit_people: &[(u32, f64)],
    units: Option<&Units>,
    has_fixed: bool,
) -> String {
    let whom = match (rank, has_fixed) {
        (0, false) => "people",
        (0, true) => "people beyond those already active",
        _ => "more people than the earlier picks",
    };
    let mut text = format!("reaches {} {whom}", about(gain));
    let named: Vec<&(u32, f64)> = unit_people.iter().filter(|(_, p)| *p >= 0.5).collect();
    if let (Some(units), false) = (units, named.is_empty()) {
        let top: Vec<&str> = named.iter().take(2).map(|(u, _)| units.name(*u)).collect();
        let share: f64 =
            named.iter().take(2).map(|(_, p)| p).sum::<f64>() / gain.max(f64::MIN_POSITIVE);
        let lead = if share > 0.75 { "mostly in" } else { "most in" };
        text.push_str(&format!(", {lead} {}", top.join(" and ")));
        if named.len() >= 2 {
            text.push_str(&format!("; bridges {} units", named.len()));
        }
    }
    if exclusive >= 0.95 && rank > 0 {
        text.push_str(&format!(
            "; {} of them reached by no other pick",
            about(exclusive)
        ));
    }
    text
}

/// Who should ask a pick: an engaged person and how they are tied to the pick.
#[derive(Clone, Debug, PartialEq)]
pub struct Asker {
    /// The engaged person.
    pub node: NodeIdx,
    /// Ties on the path from them to the pick (1 for a direct tie).
    pub hops: u32,
    /// Path length, each tie counting max weight / its weight (an unweighted path: hops).
    pub distance: f64,
    /// The weight of the direct tie, if they are neighbours.
    pub tie_weight: Option<f64>,
}

/// Dijkstra label: (distance, hops, source), compared lexicographically.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Label {
    distance: f64,
    hops: u32,
    source: NodeIdx,
}

impl Label {
    fn better_than(&self, other: &Label) -> bool {
        self.cmp_key(other) == Ordering::Less
    }
    fn cmp_key(&self, other: &Label) -> Ordering {
        self.distance
            .total_cmp(&other.distance)
            .then(self.hops.cmp(&other.hops))
            .then(self.source.cmp(&other.source))
    }
}

struct Entry(Label, NodeIdx);
impl PartialEq for Entry {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Entry {}
impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Entry {
    // Reversed: BinaryHeap pops the smallest label first.
    fn cmp(&self, other: &Self) -> Ordering {
        other.0.cmp_key(&self.0).then(other.1.cmp(&self.1))
    }
}

/// Nearest engaged person for every node, kept up to date as people join: a multi-source
/// Dijkstra over ties in both directions, each tie of weight w having length max_w / w.
struct Nearest<'a> {
    graph: &'a Graph,
    max_weight: f64,
    label: Vec<Option<Label>>,
}

impl<'a> Nearest<'a> {
    fn new(graph: &'a Graph, max_weight: f64) -> Nearest<'a> {
        Nearest {
            graph,
            max_weight,
            label: vec![None; graph.n_nodes()],
        }
    }

    /// Adds an engaged person and relaxes every node they are now nearest to.
    fn add_source(&mut self, source: NodeIdx) {
        let start = Label {
            distance: 0.0,
            hops: 0,
            source,
        };
        if self.label[source as usize].is_some_and(|l| !start.better_than(&l)) {
            return;
        }
        self.label[source as usize] = Some(start);
        let mut heap = BinaryHeap::from([Entry(start, source)]);
        while let Some(Entry(at, v)) = heap.pop() {
            if self.label[v as usize] != Some(at) {
                continue;
            }
            for csr in directions(self.graph) {
                for (&u, &w) in csr.neighbors(v).iter().zip(csr.weights(v)) {
                    if !(w.is_finite() && w > 0.0) {
                        continue;
                    }
                    let next = Label {
                        distance: at.distance + self.max_weight / w,
                        hops: at.hops + 1,
                        source,
                    };
                    if self.label[u as usize].is_none_or(|l| next.better_than(&l)) {
                        self.label[u as usize] = Some(next);
                        heap.push(Entry(next, u));
                    }
                }
            }
        }
    }
}

/// For each pick in order, the engaged person with the strongest direct tie (either
/// direction; ties broken by the lower index), else the one at the shortest strong path,
/// else none. `engaged` are the people active before the picks; with `include_picks`,
/// earlier picks may ask later ones.
pub(crate) fn askers(
    graph: &Graph,
    engaged: &[NodeIdx],
    picks: &[NodeIdx],
    include_picks: bool,
) -> Vec<Option<Asker>> {
    if engaged.is_empty() && !include_picks {
        return vec![None; picks.len()];
    }
    let n_nodes = graph.n_nodes();
    let max_weight = max_weight(graph);
    let mut is_engaged = FixedBitSet::with_capacity(n_nodes);
    is_engaged.extend(engaged.iter().map(|&v| v as usize));
    let mut nearest: Option<Nearest<'_>> = None;
    let mut out = Vec::with_capacity(picks.len());
    for (j, &pick) in picks.iter().enumerate() {
        let mut best: Option<(f64, NodeIdx)> = None;
        for csr in directions(graph) {
            for (&u, &w) in csr.neighbors(pick).iter().zip(csr.weights(pick)) {
                if u != pick && is_engaged.contains(u as usize) {
                    let better = match best {
                        None => true,
                        Some((bw, bu)) => w > bw || (w == bw && u < bu),
                    };
                    if better {
                        best = Some((w, u));
                    }
                }
            }
        }
        let asker = match best {
            Some((w, u)) => Some(Asker {
                node: u,
                hops: 1,
                distance: max_weight / w,
                tie_weight: Some(w),
            }),
            None if is_engaged.is_clear() => None,
            None => {
                let near = nearest.get_or_insert_with(|| {
                    let mut near = Nearest::new(graph, max_weight);
                    for v in is_engaged.ones() {
                        near.add_source(v as NodeIdx);
                    }
                    near
                });
                near.label[pick as usize].map(|l| Asker {
                    node: l.source,
                    hops: l.hops,
                    distance: l.distance,
                    tie_weight: None,
                })
            }
        };
        out.push(asker);
        if include_picks && j + 1 < picks.len() {
            is_engaged.insert(pick as usize);
            if let Some(near) = nearest.as_mut() {
                near.add_source(pick);
            }
        }
    }
    out
}

/// The largest positive finite tie weight (0 without any).
fn max_weight(graph: &Graph) -> f64 {
    graph
        .outgoing()
        .all_weights()
        .iter()
        .copied()
        .filter(|w| w.is_finite() && *w > 0.0)
        .fold(0.0, f64::max)
}

/// The rows to follow for "a tie in either direction": outgoing, plus incoming if directed.
fn directions(graph: &Graph) -> impl Iterator<Item = &crate::Csr> {
    std::iter::once(graph.outgoing()).chain(graph.is_directed().then(|| graph.incoming()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn direct_ties_win_by_weight_then_paths_by_strength() {
        // 0 —3— 1 —1— 2, and 1 —1— 3 —1— 4; engaged: 0 and 4.
        let g = Graph::directed(5, [(0, 1, 3.0), (2, 1, 1.0), (1, 3, 1.0), (3, 4, 1.0)]);
        let found = askers(&g, &[0, 4], &[1, 2, 3], false);
        assert_eq!(found[0].as_ref().unwrap().node, 0);
        assert_eq!(found[0].as_ref().unwrap().tie_weight, Some(3.0));
        // 2 reaches 0 via 1: length 3/1 + 3/3 = 4; reaches 4 via 1, 3: 3 + 3 + 3 = 9.
        let via = found[1].as_ref().unwrap();
        assert_eq!((via.node, via.hops), (0, 2));
        assert!((via.distance - 4.0).abs() < 1e-12);
        assert_eq!(found[2].as_ref().unwrap().node, 4);
        // With earlier picks engaged, 1 asks 2 directly.
        let chained = askers(&g, &[0, 4], &[1, 2], true);
        assert_eq!(chained[1].as_ref().unwrap().node, 1);
        // Nobody engaged, or unreachable: none.
        assert_eq!(askers(&g, &[], &[1], false), vec![None]);
        let apart = Graph::directed(3, [(0, 1, 1.0)]);
        assert_eq!(askers(&apart, &[0], &[2], false), vec![None]);
    }

    #[test]
    fn reasons_name_units_and_counts() {
        let units = Units::from_labels(&[
            Some("Finance".into()),
            Some("Legal".into()),
            Some("Ops".into()),
        ]);
        let text = reason(
            1,
            40.2,
            12.0,
            &[(0, 25.0), (1, 10.0), (2, 5.2)],
            Some(&units),
            false,
        );
        assert_eq!(
            text,
            "reaches ~40 more people than the earlier picks, mostly in Finance and Legal; \
             bridges 3 units; ~12 of them reached by no other pick"
        );
        assert_eq!(
            reason(0, 2.34, 2.0, &[], None, false),
            "reaches ~2.3 people"
        );
    }
}
