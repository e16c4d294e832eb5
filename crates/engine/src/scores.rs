use crate::NodeIdx;

/// One number per node (a centrality, a core number, …), indexed by [`NodeIdx`].
#[derive(Clone, Debug, PartialEq)]
pub struct NodeScores {
    values: Vec<f64>,
}

impl NodeScores {
    /// Wraps one value per node.
    pub fn new(values: Vec<f64>) -> NodeScores {
        NodeScores { values }
    }

    /// The score of one node.
    pub fn score(&self, node: NodeIdx) -> f64 {
        self.values[node as usize]
    }

    /// All scores, by node index.
    pub fn values(&self) -> &[f64] {
        &self.values
    }

    /// Consumes the scores into their vector.
    pub fn into_values(self) -> Vec<f64> {
        self.values
    }

    /// Nodes from the highest score down; ties broken by the lower index, so the order is
    /// deterministic. NaN scores sort last.
    pub fn ranking(&self) -> impl Iterator<Item = (NodeIdx, f64)> + '_ {
        let mut order: Vec<NodeIdx> = (0..self.values.len() as NodeIdx).collect();
        order.sort_by(|&a, &b| {
            let (x, y) = (self.values[a as usize], self.values[b as usize]);
            y.partial_cmp(&x)
                .unwrap_or_else(|| x.is_nan().cmp(&y.is_nan()))
                .then(a.cmp(&b))
        });
        order.into_iter().map(|v| (v, self.values[v as usize]))
    }
}
