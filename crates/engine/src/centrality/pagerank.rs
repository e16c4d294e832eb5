use rayon::prelude::*;

use crate::{Error, Graph, NodeScores};

/// Nodes per parallel work item. Fixed, so partial sums are reduced in the same order
/// whatever the number of threads.
const CHUNK: usize = 2048;

/// PageRank by power iteration (Page, Brin, Motwani & Winograd 1999), with NetworkX's
/// conventions (`nx.pagerank`): dangling nodes spread their rank by the personalization vector
/// (uniform without one), scores sum to 1.
///
/// Each iteration computes, for every node v,
/// `x'[v] = damping · (Σ_{u→v} x[u] · w(u,v) / W(u) + Σ_{dangling u} x[u] · p[v]) + (1 − damping) · p[v]`,
/// with W(u) the out-weight of u (out-degree if unweighted), starting from the uniform
/// vector. A node whose out-weight is 0 is dangling. An undirected graph is walked along each
/// edge both ways.
///
/// The iteration pulls along incoming edges, parallel over fixed chunks of nodes: each score
/// is a sequential sum and the chunks' partial sums are reduced in order, so the result is
/// bit-identical for any number of threads.
///
/// # Complexity
/// O(n + m) per iteration, at most `max_iterations` iterations; O(n) extra memory.
///
/// # Example
/// ```
/// use engine::{Graph, centrality::PageRank};
/// // A star pointing inwards: the centre collects the rank.
/// let g = Graph::directed(4, [(1, 0, 1.0), (2, 0, 1.0), (3, 0, 1.0)]);
/// let ranks = PageRank::default().run(&g).unwrap();
/// assert_eq!(ranks.ranking().next().unwrap().0, 0);
/// assert!((ranks.values().iter().sum::<f64>() - 1.0).abs() < 1e-12);
/// ```
#[derive(Clone, Debug)]
pub struct PageRank {
    /// Probability of following an edge rather than teleporting; in [0, 1).
    pub damping: f64,
    /// Stop when the L1 change between two iterations falls below `n_nodes * tolerance`
    /// (NetworkX's criterion).
    pub tolerance: f64,
    /// Give up (with [`Error::NotConverged`]) after this many iterations.
    pub max_iterations: usize,
    /// Teleport distribution, one non-negative weight per node (normalised here); uniform if `None`.
    pub personalization: Option<Vec<f64>>,
    /// Follow edges in proportion to their weight.
    pub weighted: bool,
}

impl Default for PageRank {
    fn default() -> Self {
        PageRank {
            damping: 0.85,
            tolerance: 1e-6,
            max_iterations: 100,
            personalization: None,
            weighted: true,
        }
    }
}

/// The teleport distribution, normalised.
enum Teleport {
    Uniform(f64),
    Vector(Vec<f64>),
}

impl Teleport {
    #[inline]
    fn at(&self, v: usize) -> f64 {
        match self {
            Teleport::Uniform(p) => *p,
            Teleport::Vector(p) => p[v],
        }
    }
}

impl PageRank {
    /// The PageRank vector; an empty graph gives empty scores.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for a damping outside [0, 1), a negative or NaN tolerance,
    /// a personalization of the wrong length, with a negative or non-finite entry, or summing
    /// to zero, and (when `weighted`) a negative or non-finite edge weight;
    /// [`Error::NotConverged`] if the tolerance is not reached within `max_iterations`.
    pub fn run(&self, graph: &Graph) -> Result<NodeScores, Error> {
        let _span = tracing::debug_span!("pagerank", n_nodes = graph.n_nodes()).entered();
        let invalid = |name, reason: String| Err(Error::InvalidParameter { name, reason });
        if !(0.0..1.0).contains(&self.damping) {
            return invalid("damping", format!("{} is outside [0, 1)", self.damping));
        }
        if self.tolerance.is_nan() || self.tolerance < 0.0 {
            return invalid("tolerance", format!("{} is not >= 0", self.tolerance));
        }
        let n_nodes = graph.n_nodes();
        let teleport = self.teleport(n_nodes)?;
        let weighted = self.weighted && graph.is_weighted();
        if weighted
            && let Some((s, t, w)) = graph
                .edges()
                .find(|&(_, _, w)| !(w.is_finite() && w >= 0.0))
        {
            return invalid(
                "weighted",
                format!("edge ({s}, {t}) has weight {w}; weights must be finite and >= 0"),
            );
        }
        if n_nodes == 0 {
            return Ok(NodeScores::new(Vec::new()));
        }

        // Inverse out-weight; 0 marks a dangling node.
        let out = graph.outgoing();
        let inverse_out: Vec<f64> = graph
            .nodes()
            .map(|u| {
                let total: f64 = if weighted {
                    out.weights(u).iter().sum()
                } else {
                    out.degree(u) as f64
                };
                if total == 0.0 { 0.0 } else { 1.0 / total }
            })
            .collect();

        let mut x = vec![1.0 / n_nodes as f64; n_nodes];
        // `share[u] = x[u] / W(u)`: what u sends along each unit of out-weight.
        let mut share: Vec<f64> = x.iter().zip(&inverse_out).map(|(x, i)| x * i).collect();
        let mut next_share = vec![0.0; n_nodes];
        let mut dangling_sum: f64 = x
            .chunks(CHUNK)
            .zip(inverse_out.chunks(CHUNK))
            .map(|(x, inv)| dangling_mass(x, inv))
            .sum();

        let incoming = graph.incoming();
        let (offsets, sources, in_weights) = (
            incoming.offsets(),
            incoming.targets(),
            incoming.all_weights(),
        );
        let damping = self.damping;
        let mut partials: Vec<(f64, f64)> = Vec::with_capacity(n_nodes.div_ceil(CHUNK));
        for _ in 0..self.max_iterations {
            let share_now = &share;
            x.par_chunks_mut(CHUNK)
                .zip(next_share.par_chunks_mut(CHUNK))
                .enumerate()
                .map(|(chunk_idx, (x_chunk, next_chunk))| {
                    let first = chunk_idx * CHUNK;
                    let (mut change, mut dangling) = (0.0, 0.0);
                    for (i, (x_v, next_v)) in x_chunk.iter_mut().zip(next_chunk).enumerate() {
                        let v = first + i;
                        let range = offsets[v]..offsets[v + 1];
                        let pulled = if weighted {
                            weighted_pull(&sources[range.clone()], &in_weights[range], share_now)
                        } else {
                            pull(&sources[range], share_now)
                        };
                        let p_v = teleport.at(v);
                        let new = damping * (pulled + dangling_sum * p_v) + (1.0 - damping) * p_v;
                        change += (new - *x_v).abs();
                        *x_v = new;
                        *next_v = new * inverse_out[v];
                        if inverse_out[v] == 0.0 {
                            dangling += new;
                        }
                    }
                    (change, dangling)
                })
                .collect_into_vec(&mut partials);
            let (change, dangling) = partials
                .iter()
                .fold((0.0, 0.0), |(c, d), &(pc, pd)| (c + pc, d + pd));
            std::mem::swap(&mut share, &mut next_share);
            dangling_sum = dangling;
            if change < n_nodes as f64 * self.tolerance {
                return Ok(NodeScores::new(x));
            }
        }
        Err(Error::NotConverged {
            algorithm: "pagerank",
            iterations: self.max_iterations,
        })
    }

    fn teleport(&self, n_nodes: usize) -> Result<Teleport, Error> {
        let Some(weights) = &self.personalization else {
            return Ok(Teleport::Uniform(1.0 / n_nodes as f64));
        };
        let invalid = |reason: String| {
            Err(Error::InvalidParameter {
                name: "personalization",
                reason,
            })
        };
        if weights.len() != n_nodes {
            return invalid(format!("has {} entries for {n_nodes} nodes", weights.len()));
        }
        if let Some((v, w)) = weights
            .iter()
            .enumerate()
            .find(|&(_, &w)| !(w.is_finite() && w >= 0.0))
        {
            return invalid(format!("entry {v} is {w}; entries must be finite and >= 0"));
        }
        let total: f64 = weights.iter().sum();
        if !(total > 0.0 && total.is_finite()) {
            return invalid(format!(
                "entries sum to {total}; the sum must be positive and finite"
            ));
        }
        Ok(Teleport::Vector(
            weights.iter().map(|w| w / total).collect(),
        ))
    }
}

fn dangling_mass(x: &[f64], inverse_out: &[f64]) -> f64 {
    x.iter()
        .zip(inverse_out)
        .filter(|&(_, &inv)| inv == 0.0)
        .map(|(x, _)| x)
        .sum()
}

/// Σ share[u] over the in-neighbours, with four accumulators so the adds overlap.
#[inline]
fn pull(sources: &[u32], share: &[f64]) -> f64 {
    let mut acc = [0.0f64; 4];
    let mut quads = sources.chunks_exact(4);
    for quad in &mut quads {
        acc[0] += share[quad[0] as usize];
        acc[1] += share[quad[1] as usize];
        acc[2] += share[quad[2] as usize];
        acc[3] += share[quad[3] as usize];
    }
    for &u in quads.remainder() {
        acc[0] += share[u as usize];
    }
    (acc[0] + acc[1]) + (acc[2] + acc[3])
}

/// Σ share[u] · w(u, v) over the in-neighbours.
#[inline]
fn weighted_pull(sources: &[u32], weights: &[f64], share: &[f64]) -> f64 {
    let mut acc = [0.0f64; 4];
    let mut quads = sources.chunks_exact(4).zip(weights.chunks_exact(4));
    for (quad, w) in &mut quads {
        acc[0] += share[quad[0] as usize] * w[0];
        acc[1] += share[quad[1] as usize] * w[1];
        acc[2] += share[quad[2] as usize] * w[2];
        acc[3] += share[quad[3] as usize] * w[3];
    }
    let tail = sources.len() - sources.len() % 4;
    for (&u, &w) in sources[tail..].iter().zip(&weights[tail..]) {
        acc[0] += share[u as usize] * w;
    }
    (acc[0] + acc[1]) + (acc[2] + acc[3])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::NodeIdx;
    use proptest::prelude::*;

    /// A weighted digraph with a self-loop, a dangling node (4) and an isolated node (5).
    fn small() -> Graph {
        Graph::directed(
            6,
            [
                (0, 1, 2.0),
                (1, 2, 1.0),
                (2, 0, 0.5),
                (2, 3, 4.0),
                (3, 3, 1.0),
                (3, 1, 1.5),
                (0, 4, 1.0),
            ],
        )
    }

    fn assert_close(actual: &[f64], expected: &[f64], rel: f64) {
        assert_eq!(actual.len(), expected.len());
        for (v, (a, e)) in actual.iter().zip(expected).enumerate() {
            assert!(
                (a - e).abs() <= rel * e.abs().max(1e-300),
                "node {v}: {a} vs {e}"
            );
        }
    }

    #[test]
    fn matches_networkx_on_a_small_digraph() {
        // From NetworkX 3.6.1, nx.pagerank(G) on small() with default parameters
        // (alpha 0.85, tol 1e-6, weight "weight"): the same iterations, so the same digits.
        let expected = [
            0.061978792453806615,
            0.24915349752433816,
            0.2501336621500089,
            0.34446328159821316,
            0.055915759336909135,
            0.03835500693672416,
        ];
        let ranks = PageRank::default().run(&small()).unwrap();
        assert_close(ranks.values(), &expected, 1e-12);

        // nx.pagerank(G, weight=None)
        let expected = [
            0.14511471464810208,
            0.21600768589825028,
            0.23068024526214473,
            0.25237342759342685,
            0.10874897295292549,
            0.04707495364515045,
        ];
        let unweighted = PageRank {
            weighted: false,
            ..PageRank::default()
        };
        assert_close(unweighted.run(&small()).unwrap().values(), &expected, 1e-12);

        // nx.pagerank(G, alpha=0.5, personalization={0: 1, 3: 2})
        let expected = [
            0.17728173231751834,
            0.20485881951969628,
            0.10242889261702798,
            0.4858835968678093,
            0.029546958677948088,
            0.0,
        ];
        let personalized = PageRank {
            damping: 0.5,
            personalization: Some(vec![1.0, 0.0, 0.0, 2.0, 0.0, 0.0]),
            ..PageRank::default()
        };
        assert_close(
            personalized.run(&small()).unwrap().values(),
            &expected,
            1e-12,
        );
    }

    #[test]
    fn undirected_graph_walks_each_edge_both_ways() {
        // From NetworkX 3.6.1: a triangle 0-1-2 with a pendant 3 on node 2, 4 isolated.
        let g = Graph::undirected(5, [(0, 1, 1.0), (1, 2, 1.0), (2, 0, 1.0), (2, 3, 1.0)]);
        let expected = [
            0.23703911343630887,
            0.23703911343630887,
            0.35347942441816593,
            0.13629777039596325,
            0.03614457831325302,
        ];
        assert_close(
            PageRank::default().run(&g).unwrap().values(),
            &expected,
            1e-12,
        );
    }

    #[test]
    fn cycle_is_uniform() {
        let g = Graph::directed(4, [(0, 1, 1.0), (1, 2, 1.0), (2, 3, 1.0), (3, 0, 1.0)]);
        let ranks = PageRank::default().run(&g).unwrap();
        for &r in ranks.values() {
            assert_eq!(r, 0.25);
        }
    }

    #[test]
    fn too_few_iterations_is_an_error() {
        let pr = PageRank {
            max_iterations: 3,
            ..PageRank::default()
        };
        assert_eq!(
            pr.run(&small()),
            Err(Error::NotConverged {
                algorithm: "pagerank",
                iterations: 3
            })
        );
    }

    #[test]
    fn bad_parameters_are_rejected() {
        let g = small();
        let bad = [
            PageRank {
                damping: 1.0,
                ..PageRank::default()
            },
            PageRank {
                damping: -0.1,
                ..PageRank::default()
            },
            PageRank {
                damping: f64::NAN,
                ..PageRank::default()
            },
            PageRank {
                tolerance: f64::NAN,
                ..PageRank::default()
            },
            PageRank {
                personalization: Some(vec![1.0; 5]),
                ..PageRank::default()
            },
            PageRank {
                personalization: Some(vec![0.0; 6]),
                ..PageRank::default()
            },
            PageRank {
                personalization: Some(vec![1.0, -1.0, 1.0, 1.0, 1.0, 1.0]),
                ..PageRank::default()
            },
            PageRank {
                personalization: Some(vec![1.0, f64::NAN, 1.0, 1.0, 1.0, 1.0]),
                ..PageRank::default()
            },
        ];
        for pr in bad {
            assert!(
                matches!(pr.run(&g), Err(Error::InvalidParameter { .. })),
                "{pr:?} accepted"
            );
        }
        let negative = Graph::directed(2, [(0, 1, -1.0)]);
        assert!(matches!(
            PageRank::default().run(&negative),
            Err(Error::InvalidParameter {
                name: "weighted",
                ..
            })
        ));
        // Unweighted, the weights do not matter.
        let unweighted = PageRank {
            weighted: false,
            ..PageRank::default()
        };
        assert!(unweighted.run(&negative).is_ok());
    }

    #[test]
    fn empty_graph_gives_empty_scores() {
        let g = Graph::directed(0, []);
        assert!(PageRank::default().run(&g).unwrap().values().is_empty());
    }

    fn random_graph(n: usize, edges: &[(NodeIdx, NodeIdx, u8)]) -> Graph {
        let n = n as NodeIdx;
        Graph::directed(
            n as usize,
            edges.iter().map(|&(s, t, w)| (s % n, t % n, f64::from(w))),
        )
    }

    #[test]
    fn same_bits_for_any_thread_count() {
        // Enough nodes for several chunks.
        let n = 3 * CHUNK + 17;
        let edges: Vec<_> = (0..n as u64 * 5)
            .map(|i| {
                let h = i.wrapping_mul(0x9E37_79B9_7F4A_7C15);
                ((h >> 7) as u32, (h >> 35) as u32, (h % 3) as u8 + 1)
            })
            .collect();
        let g = random_graph(n, &edges);
        let run = |threads| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
                .install(|| {
                    PageRank {
                        tolerance: 1e-10,
                        ..PageRank::default()
                    }
                    .run(&g)
                })
                .unwrap()
        };
        let one = run(1);
        assert_eq!(one, run(2));
        assert_eq!(one, run(16));
    }

    proptest! {
        #[test]
        fn sums_to_one_and_is_non_negative(
            n in 1usize..30,
            edges in proptest::collection::vec((0u32..30, 0u32..30, 1u8..4), 0..90),
            weighted in any::<bool>(),
        ) {
            let g = random_graph(n, &edges);
            let pr = PageRank { weighted, tolerance: 1e-10, max_iterations: 1000, ..PageRank::default() };
            let ranks = pr.run(&g).unwrap();
            prop_assert!(ranks.values().iter().all(|&r| r >= 0.0));
            prop_assert!((ranks.values().iter().sum::<f64>() - 1.0).abs() < 1e-9);
        }
    }
}
