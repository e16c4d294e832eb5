//! The network as imported ([`Network`]: people, attributes, layered ties) and the compact
//! graph every algorithm runs on ([`Graph`]: compressed sparse rows in both directions).
//!
//! A [`Network`] keeps everything the files said; [`Network::graph`] selects layers and
//! materialises a [`Graph`] in O(n + m log d), with d the largest degree. Algorithms never
//! see strings: nodes are dense `u32` indices, and [`Network::id`] maps them back.

use std::collections::HashMap;
use std::fmt;

/// Dense index of a node, `0..n_nodes`. `u32` halves adjacency memory against `usize`.
pub type NodeIdx = u32;

/// A kind of relation between two people. The five named layers are the ones DESIGN.md
/// defines; anything else an import brings is kept as [`Layer::Custom`].
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Layer {
    /// "Whom do you go to for advice?"
    Advice,
    /// Working together.
    Collaboration,
    /// Named as a friend.
    Friendship,
    /// Derived from message counts.
    Communication,
    /// The org chart: the source reports to the target.
    ReportsTo,
    /// Any other layer name, kept verbatim (trimmed).
    Custom(String),
}

impl Layer {
    /// Parses a layer name, case-insensitively for the named layers. Never fails: an unknown
    /// name becomes [`Layer::Custom`].
    pub fn parse(name: &str) -> Layer {
        let name = name.trim();
        match name.to_ascii_lowercase().as_str() {
            "advice" => Layer::Advice,
            "collaboration" => Layer::Collaboration,
            "friendship" => Layer::Friendship,
            "communication" => Layer::Communication,
            "reports_to" => Layer::ReportsTo,
            _ => Layer::Custom(name.to_string()),
        }
    }

    /// The name as written in files.
    pub fn as_str(&self) -> &str {
        match self {
            Layer::Advice => "advice",
            Layer::Collaboration => "collaboration",
            Layer::Friendship => "friendship",
            Layer::Communication => "communication",
            Layer::ReportsTo => "reports_to",
            Layer::Custom(name) => name,
        }
    }
}

impl fmt::Display for Layer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One directed, weighted tie of a [`Network`], in one layer.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Tie {
    /// Who asks (for advice), writes, reports …
    pub source: NodeIdx,
    /// … and to whom.
    pub target: NodeIdx,
    /// Index into [`Network::layers`].
    pub layer: u16,
    /// Tie strength; 1 when the file gives none.
    pub weight: f64,
}

/// An organization's network as imported: node ids, node attributes (columns such as
/// `name`, `unit`, `grade`) and directed ties in layers. Parsers build it; algorithms read
/// the [`Graph`] that [`Network::graph`] makes from it.
#[derive(Clone, Debug, Default)]
pub struct Network {
    ids: Vec<String>,
    index: HashMap<String, NodeIdx>,
    /// Attribute columns in first-seen order; every column has one entry per node.
    columns: Vec<(String, Vec<Option<String>>)>,
    layers: Vec<Layer>,
    ties: Vec<Tie>,
}

/// Which part of a [`Network`] becomes a [`Graph`].
#[derive(Clone, Debug, Default)]
pub struct GraphOptions {
    /// Layers whose union is taken; `None` takes every layer.
    pub layers: Option<Vec<Layer>>,
    /// Drop ties from a person to themselves (some data sets carry them, e.g. email to self).
    pub drop_self_loops: bool,
}

impl Network {
    /// An empty network.
    pub fn new() -> Network {
        Network::default()
    }

    /// Number of nodes.
    pub fn n_nodes(&self) -> usize {
        self.ids.len()
    }

    /// The dense index of an external id, if present.
    pub fn node_idx(&self, id: &str) -> Option<NodeIdx> {
        self.index.get(id).copied()
    }

    /// The external id of a node.
    ///
    /// # Panics
    /// If `node` is not below [`Network::n_nodes`].
    pub fn id(&self, node: NodeIdx) -> &str {
        &self.ids[node as usize]
    }

    /// All external ids in index order.
    pub fn ids(&self) -> &[String] {
        &self.ids
    }

    /// Adds a node with a new id; `None` if the id already exists (callers report that as a
    /// duplicate, with their own file and line).
    pub fn add_node(&mut self, id: &str) -> Option<NodeIdx> {
        if self.index.contains_key(id) {
            return None;
        }
        Some(self.push_node(id))
    }

    /// The index of `id`, adding a node without attributes if it is new (edge lists name
    /// nodes only through their ties).
    pub fn node_or_insert(&mut self, id: &str) -> NodeIdx {
        match self.index.get(id) {
            Some(&node) => node,
            None => self.push_node(id),
        }
    }

    fn push_node(&mut self, id: &str) -> NodeIdx {
        let node = NodeIdx::try_from(self.ids.len()).expect("more than u32::MAX nodes");
        self.ids.push(id.to_string());
        self.index.insert(id.to_string(), node);
        for (_, values) in &mut self.columns {
            values.push(None);
        }
        node
    }

    /// Sets one attribute of a node, creating the column if needed.
    pub fn set_attribute(&mut self, node: NodeIdx, column: &str, value: impl Into<String>) {
        let column_idx = match self.columns.iter().position(|(name, _)| name == column) {
            Some(idx) => idx,
            None => {
                self.columns
                    .push((column.to_string(), vec![None; self.ids.len()]));
                self.columns.len() - 1
            }
        };
        self.columns[column_idx].1[node as usize] = Some(value.into());
    }

    /// One attribute of a node (`None` if unset or the column does not exist).
    pub fn attribute(&self, node: NodeIdx, column: &str) -> Option<&str> {
        self.attribute_column(column)
            .and_then(|values| values[node as usize].as_deref())
    }

    /// A whole attribute column, one entry per node, e.g. everyone's `unit`.
    pub fn attribute_column(&self, column: &str) -> Option<&[Option<String>]> {
        self.columns
            .iter()
            .find(|(name, _)| name == column)
            .map(|(_, values)| values.as_slice())
    }

    /// Attribute column names in the order they were first set.
    pub fn attribute_names(&self) -> impl Iterator<Item = &str> {
        self.columns.iter().map(|(name, _)| name.as_str())
    }

    /// Layers that occur in the ties, in first-seen order; [`Tie::layer`] indexes this.
    pub fn layers(&self) -> &[Layer] {
        &self.layers
    }

    /// All ties as added.
    pub fn ties(&self) -> &[Tie] {
        &self.ties
    }

    /// Adds a directed tie. Duplicates are kept here; [`Network::graph`] merges them.
    ///
    /// # Panics
    /// If either end is not a node of this network.
    pub fn add_tie(&mut self, source: NodeIdx, target: NodeIdx, layer: &Layer, weight: f64) {
        assert!(
            (source as usize) < self.ids.len() && (target as usize) < self.ids.len(),
            "tie end out of range"
        );
        let layer = match self.layers.iter().position(|known| known == layer) {
            Some(idx) => idx,
            None => {
                self.layers.push(layer.clone());
                self.layers.len() - 1
            }
        };
        let layer = u16::try_from(layer).expect("more than 65,536 layers");
        self.ties.push(Tie {
            source,
            target,
            layer,
            weight,
        });
    }

    /// The directed graph of the chosen layers: parallel ties (the same pair in several
    /// layers, or repeated) become one edge whose weight is the sum of theirs.
    ///
    /// # Complexity
    /// O(n + m log d) time, O(n + m) extra memory.
    pub fn graph(&self, options: &GraphOptions) -> Graph {
        let chosen: Vec<bool> = self
            .layers
            .iter()
            .map(|layer| options.layers.as_ref().is_none_or(|l| l.contains(layer)))
            .collect();
        let edges = self
            .ties
            .iter()
            .filter(|tie| chosen[tie.layer as usize])
            .filter(|tie| !(options.drop_self_loops && tie.source == tie.target))
            .map(|tie| (tie.source, tie.target, tie.weight));
        Graph::directed(self.n_nodes(), edges)
    }
}

/// One direction of adjacency in compressed sparse row form: the neighbours of `v` are
/// `targets[offsets[v]..offsets[v + 1]]`, sorted ascending, with their weights alongside.
/// Hot loops borrow the three slices once instead of calling per-node accessors.
#[derive(Clone, Debug, PartialEq)]
pub struct Csr {
    offsets: Vec<usize>,
    targets: Vec<NodeIdx>,
    weights: Vec<f64>,
}

impl Csr {
    /// Builds rows from (row, column, weight) triples by counting sort; duplicates within a
    /// row are merged by summing weights. O(n + m log d).
    fn build(n_nodes: usize, entries: &[(NodeIdx, NodeIdx, f64)]) -> Csr {
        let mut offsets = vec![0usize; n_nodes + 1];
        for &(row, _, _) in entries {
            offsets[row as usize + 1] += 1;
        }
        for v in 0..n_nodes {
            offsets[v + 1] += offsets[v];
        }
        let mut cursor = offsets.clone();
        let mut slots = vec![(0 as NodeIdx, 0.0f64); entries.len()];
        for &(row, col, weight) in entries {
            let at = &mut cursor[row as usize];
            slots[*at] = (col, weight);
            *at += 1;
        }
        let mut targets = Vec::with_capacity(entries.len());
        let mut weights = Vec::with_capacity(entries.len());
        let mut merged_offsets = Vec::with_capacity(n_nodes + 1);
        merged_offsets.push(0);
        for v in 0..n_nodes {
            let row = &mut slots[offsets[v]..offsets[v + 1]];
            row.sort_unstable_by_key(|&(col, _)| col);
            for &(col, weight) in row.iter() {
                if targets.len() > *merged_offsets.last().unwrap() && targets.last() == Some(&col) {
                    *weights.last_mut().unwrap() += weight;
                } else {
                    targets.push(col);
                    weights.push(weight);
                }
            }
            merged_offsets.push(targets.len());
        }
        targets.shrink_to_fit();
        weights.shrink_to_fit();
        Csr {
            offsets: merged_offsets,
            targets,
            weights,
        }
    }

    /// Neighbours of `v`, ascending.
    #[inline]
    pub fn neighbors(&self, v: NodeIdx) -> &[NodeIdx] {
        let v = v as usize;
        &self.targets[self.offsets[v]..self.offsets[v + 1]]
    }

    /// Weights of the edges to [`Csr::neighbors`], in the same order.
    #[inline]
    pub fn weights(&self, v: NodeIdx) -> &[f64] {
        let v = v as usize;
        &self.weights[self.offsets[v]..self.offsets[v + 1]]
    }

    /// Number of neighbours of `v`.
    #[inline]
    pub fn degree(&self, v: NodeIdx) -> usize {
        let v = v as usize;
        self.offsets[v + 1] - self.offsets[v]
    }

    /// Row starts, `n_nodes + 1` entries.
    pub fn offsets(&self) -> &[usize] {
        &self.offsets
    }

    /// All neighbour lists, concatenated.
    pub fn targets(&self) -> &[NodeIdx] {
        &self.targets
    }

    /// All weights, concatenated like [`Csr::targets`].
    pub fn all_weights(&self) -> &[f64] {
        &self.weights
    }
}

/// A simple weighted graph, directed or undirected, in compressed sparse rows: what every
/// algorithm of the engine runs on. No parallel edges (they are merged, weights summed).
/// Self-loops are kept if the input had them; an undirected self-loop is listed once.
#[derive(Clone, Debug, PartialEq)]
pub struct Graph {
    out: Csr,
    /// `None` for undirected graphs, whose incoming rows are the outgoing ones.
    incoming: Option<Csr>,
    n_edges: usize,
}

impl Graph {
    /// A directed graph from `(source, target, weight)` edges.
    ///
    /// # Panics
    /// If an endpoint is not below `n_nodes`.
    pub fn directed(
        n_nodes: usize,
        edges: impl IntoIterator<Item = (NodeIdx, NodeIdx, f64)>,
    ) -> Graph {
        let entries: Vec<_> = edges.into_iter().collect();
        check_endpoints(n_nodes, &entries);
        let out = Csr::build(n_nodes, &entries);
        let reversed: Vec<_> = entries.iter().map(|&(s, t, w)| (t, s, w)).collect();
        drop(entries);
        let incoming = Csr::build(n_nodes, &reversed);
        let n_edges = out.targets.len();
        Graph {
            out,
            incoming: Some(incoming),
            n_edges,
        }
    }

    /// An undirected graph from edges given once each (either orientation); an edge given in
    /// both orientations is one edge with the summed weight.
    ///
    /// # Panics
    /// If an endpoint is not below `n_nodes`.
    pub fn undirected(
        n_nodes: usize,
        edges: impl IntoIterator<Item = (NodeIdx, NodeIdx, f64)>,
    ) -> Graph {
        let mut entries = Vec::new();
        for (s, t, w) in edges {
            entries.push((s, t, w));
            if s != t {
                entries.push((t, s, w));
            }
        }
        check_endpoints(n_nodes, &entries);
        let out = Csr::build(n_nodes, &entries);
        let n_nodes_usize = n_nodes;
        let n_self_loops = (0..n_nodes_usize as NodeIdx)
            .filter(|&v| out.neighbors(v).binary_search(&v).is_ok())
            .count();
        let n_edges = (out.targets.len() - n_self_loops) / 2 + n_self_loops;
        Graph {
            out,
            incoming: None,
            n_edges,
        }
    }

    /// The undirected graph with an edge wherever this one has one in either direction;
    /// u→v and v→u merge into one edge whose weight is their sum.
    pub fn to_undirected(&self) -> Graph {
        if !self.is_directed() {
            return self.clone();
        }
        let edges = (0..self.n_nodes() as NodeIdx).flat_map(|v| {
            self.out
                .neighbors(v)
                .iter()
                .zip(self.out.weights(v))
                .map(move |(&t, &w)| (v, t, w))
        });
        Graph::undirected(self.n_nodes(), edges)
    }

    /// Whether edges have a direction.
    pub fn is_directed(&self) -> bool {
        self.incoming.is_some()
    }

    /// Number of nodes.
    pub fn n_nodes(&self) -> usize {
        self.out.offsets.len() - 1
    }

    /// Number of edges: arcs if directed, unordered pairs if undirected.
    pub fn n_edges(&self) -> usize {
        self.n_edges
    }

    /// Whether any edge weight differs from 1.
    pub fn is_weighted(&self) -> bool {
        self.out.weights.iter().any(|&w| w != 1.0)
    }

    /// Outgoing rows (all rows, if undirected).
    #[inline]
    pub fn outgoing(&self) -> &Csr {
        &self.out
    }

    /// Incoming rows (the outgoing ones, if undirected).
    #[inline]
    pub fn incoming(&self) -> &Csr {
        self.incoming.as_ref().unwrap_or(&self.out)
    }

    /// Heads of the edges leaving `v`.
    #[inline]
    pub fn out_neighbors(&self, v: NodeIdx) -> &[NodeIdx] {
        self.out.neighbors(v)
    }

    /// Tails of the edges entering `v`.
    #[inline]
    pub fn in_neighbors(&self, v: NodeIdx) -> &[NodeIdx] {
        self.incoming().neighbors(v)
    }

    /// All nodes, `0..n_nodes`.
    pub fn nodes(&self) -> std::ops::Range<NodeIdx> {
        0..self.n_nodes() as NodeIdx
    }

    /// Every edge once as `(source, target, weight)`; for undirected graphs with
    /// `source <= target`.
    pub fn edges(&self) -> impl Iterator<Item = (NodeIdx, NodeIdx, f64)> + '_ {
        let directed = self.is_directed();
        self.nodes().flat_map(move |v| {
            self.out
                .neighbors(v)
                .iter()
                .zip(self.out.weights(v))
                .filter(move |&(&t, _)| directed || v <= t)
                .map(move |(&t, &w)| (v, t, w))
        })
    }
}

fn check_endpoints(n_nodes: usize, entries: &[(NodeIdx, NodeIdx, f64)]) {
    if let Some(&(s, t, _)) = entries
        .iter()
        .find(|&&(s, t, _)| s as usize >= n_nodes || t as usize >= n_nodes)
    {
        panic!("edge ({s}, {t}) has an endpoint outside 0..{n_nodes}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directed_rows_are_sorted_and_parallel_edges_merge() {
        let g = Graph::directed(3, [(0, 2, 1.0), (0, 1, 2.0), (0, 2, 0.5), (2, 0, 1.0)]);
        assert_eq!(g.n_edges(), 3);
        assert_eq!(g.out_neighbors(0), &[1, 2]);
        assert_eq!(g.outgoing().weights(0), &[2.0, 1.5]);
        assert_eq!(g.in_neighbors(0), &[2]);
        assert_eq!(g.in_neighbors(2), &[0]);
        assert!(g.is_weighted());
    }

    #[test]
    fn undirected_counts_each_pair_once_and_self_loops_once() {
        let g = Graph::undirected(3, [(0, 1, 1.0), (1, 0, 1.0), (2, 2, 1.0), (1, 2, 1.0)]);
        assert_eq!(g.n_edges(), 3);
        assert_eq!(g.out_neighbors(1), &[0, 2]);
        assert_eq!(g.outgoing().weights(1), &[2.0, 1.0]);
        assert_eq!(g.out_neighbors(2), &[1, 2]);
        assert_eq!(g.edges().count(), 3);
    }

    #[test]
    fn network_graph_selects_layers_and_drops_self_loops() {
        let mut net = Network::new();
        let a = net.add_node("a").unwrap();
        let b = net.node_or_insert("b");
        assert_eq!(net.add_node("a"), None);
        net.add_tie(a, b, &Layer::Advice, 1.0);
        net.add_tie(b, a, &Layer::Friendship, 1.0);
        net.add_tie(a, a, &Layer::Advice, 1.0);
        net.set_attribute(b, "unit", "finance");
        assert_eq!(net.attribute(b, "unit"), Some("finance"));
        assert_eq!(net.attribute(a, "unit"), None);

        let advice = net.graph(&GraphOptions {
            layers: Some(vec![Layer::Advice]),
            drop_self_loops: true,
        });
        assert_eq!(advice.n_edges(), 1);
        assert_eq!(advice.out_neighbors(a), &[b]);
        let all = net.graph(&GraphOptions::default());
        assert_eq!(all.n_edges(), 3);
        assert_eq!(all.to_undirected().n_edges(), 2);
    }

    #[test]
    fn layer_names_round_trip() {
        for name in [
            "advice",
            "collaboration",
            "friendship",
            "communication",
            "reports_to",
            "mentoring",
        ] {
            assert_eq!(Layer::parse(name).as_str(), name);
        }
        assert_eq!(Layer::parse(" Advice "), Layer::Advice);
    }
}
