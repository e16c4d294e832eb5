//! The spread models, turned into what reverse sampling needs: for independent cascade the
//! activation probability of every edge (or one per node, for geometric skipping), for linear
//! threshold the cumulative in-weights of every node.

use crate::{Error, Graph, NodeIdx};

/// How a behaviour spreads along ties. An edge u→v means u can activate v (u talks to v);
/// for advice ties ("u asks v for advice") the influence runs v→u, so callers reverse such
/// a graph before selecting activists.
#[derive(Clone, Debug, PartialEq)]
pub enum Model {
    /// Independent cascade (Kempe, Kleinberg & Tardos 2003): a newly active u gets one chance
    /// to activate each inactive out-neighbour v, succeeding with probability p(u, v).
    IndependentCascade(EdgeProbability),
    /// Linear threshold (Kempe, Kleinberg & Tardos 2003) with edge weights normalised per
    /// target: b(u, v) = w(u, v) / Σₓ w(x, v), so v activates once the normalised weight of
    /// its active in-neighbours reaches a uniform random threshold. Self-loops are ignored.
    LinearThreshold,
}

/// Where the cascade probability p(u, v) of an edge comes from.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum EdgeProbability {
    /// The same p on every edge, ignoring weights.
    Uniform(f64),
    /// p(u, v) = 1 − (1 − p)^w(u, v): each unit of tie weight (a message, a shared layer) is
    /// an independent chance p. Equals `Uniform(p)` on unweighted graphs.
    PerUnitWeight(f64),
    /// p(u, v) = w(u, v): the weights are probabilities already (each must be in [0, 1]).
    Weight,
    /// The weighted cascade of Kempe et al.: p(u, v) = w(u, v) / Σₓ w(x, v), i.e. 1 / in-degree
    /// on unweighted graphs. Self-loops are ignored.
    WeightedCascade,
}

/// Probabilities shared by every edge into a node: `ln(1 − p)`, uniform or per node.
#[derive(Clone, Debug)]
pub(crate) enum LogKeep {
    /// One value for all nodes.
    Uniform(f64),
    /// One value per node.
    PerNode(Vec<f64>),
}

/// A model prepared for growing reverse-reachable sets over the graph's incoming rows.
#[derive(Clone, Debug)]
pub(crate) enum ReverseSampler {
    /// Independent cascade where all edges into a node share p: geometric skipping over the
    /// incoming row, with `ln(1 − p)` (0 means p = 0; −∞ means p = 1).
    IcGeometric(LogKeep),
    /// Independent cascade with one probability per incoming edge (aligned with
    /// `graph.incoming().targets()`).
    IcPerEdge(Vec<f64>),
    /// Linear threshold: for each incoming row, the running sum of normalised weights
    /// (aligned like `IcPerEdge`); a row whose total is 0 has no live edge.
    LinearThreshold(Vec<f64>),
}

impl ReverseSampler {
    /// Checks the model against the graph and precomputes what sampling needs.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] (named `model`) for a probability outside [0, 1], a
    /// negative or non-finite weight, or a weight that is not a probability under
    /// [`EdgeProbability::Weight`].
    pub(crate) fn new(graph: &Graph, model: &Model) -> Result<ReverseSampler, Error> {
        let incoming = graph.incoming();
        let weighted = graph.is_weighted();
        let needs_weights = !matches!(
            model,
            Model::IndependentCascade(EdgeProbability::Uniform(_))
        );
        if needs_weights {
            check_weights(graph)?;
        }
        let n_nodes = graph.n_nodes();
        let sampler = match *model {
            Model::IndependentCascade(EdgeProbability::Uniform(p)) => {
                ReverseSampler::IcGeometric(LogKeep::Uniform(log_keep(check_probability(p)?)))
            }
            Model::IndependentCascade(EdgeProbability::PerUnitWeight(p)) => {
                let p = check_probability(p)?;
                if weighted {
                    let prob = incoming
                        .all_weights()
                        .iter()
                        .map(|&w| 1.0 - (1.0 - p).powf(w))
                        .collect();
                    ReverseSampler::IcPerEdge(prob)
                } else {
                    ReverseSampler::IcGeometric(LogKeep::Uniform(log_keep(p)))
                }
            }
            Model::IndependentCascade(EdgeProbability::Weight) => {
                let weights = incoming.all_weights();
                if let Some(&w) = weights.iter().find(|&&w| w > 1.0) {
                    return Err(Error::InvalidParameter {
                        name: "model",
                        reason: format!("tie weight {w} is not a probability in [0, 1]"),
                    });
                }
                if weighted {
                    ReverseSampler::IcPerEdge(weights.to_vec())
                } else {
                    ReverseSampler::IcGeometric(LogKeep::Uniform(log_keep(1.0)))
                }
            }
            Model::IndependentCascade(EdgeProbability::WeightedCascade) => {
                let totals = in_weight_totals(graph);
                if weighted {
                    let mut prob = vec![0.0; incoming.targets().len()];
                    for v in graph.nodes() {
                        let range = row_range(incoming.offsets(), v);
                        for e in range {
                            let total = totals[v as usize];
                            if incoming.targets()[e] != v && total > 0.0 {
                                prob[e] = (incoming.all_weights()[e] / total).min(1.0);
                            }
                        }
                    }
                    ReverseSampler::IcPerEdge(prob)
                } else {
                    let per_node = (0..n_nodes)
                        .map(|v| match totals[v] {
                            t if t > 0.0 => log_keep(1.0 / t),
                            _ => 0.0,
                        })
                        .collect();
                    ReverseSampler::IcGeometric(LogKeep::PerNode(per_node))
                }
            }
            Model::LinearThreshold => {
                let totals = in_weight_totals(graph);
                let mut cumulative = vec![0.0; incoming.targets().len()];
                for v in graph.nodes() {
                    let total = totals[v as usize];
                    let mut running = 0.0;
                    for e in row_range(incoming.offsets(), v) {
                        if incoming.targets()[e] != v && total > 0.0 {
                            running += incoming.all_weights()[e] / total;
                        }
                        cumulative[e] = running;
                    }
                }
                ReverseSampler::LinearThreshold(cumulative)
            }
        };
        Ok(sampler)
    }
}

/// `ln(1 − p)`: 0 for p = 0, −∞ for p = 1.
fn log_keep(p: f64) -> f64 {
    (-p).ln_1p()
}

fn check_probability(p: f64) -> Result<f64, Error> {
    if (0.0..=1.0).contains(&p) {
        Ok(p)
    } else {
        Err(Error::InvalidParameter {
            name: "model",
            reason: format!("edge probability {p} is not in [0, 1]"),
        })
    }
}

fn check_weights(graph: &Graph) -> Result<(), Error> {
    match graph
        .outgoing()
        .all_weights()
        .iter()
        .find(|w| !(w.is_finite() && **w >= 0.0))
    {
        Some(w) => Err(Error::InvalidParameter {
            name: "model",
            reason: format!("tie weight {w} is negative or not finite"),
        }),
        None => Ok(()),
    }
}

/// Σ of weights into each node, self-loops excluded.
pub(crate) fn in_weight_totals(graph: &Graph) -> Vec<f64> {
    let incoming = graph.incoming();
    graph
        .nodes()
        .map(|v| {
            incoming
                .neighbors(v)
                .iter()
                .zip(incoming.weights(v))
                .filter(|&(&u, _)| u != v)
                .map(|(_, &w)| w)
                .sum()
        })
        .collect()
}

pub(crate) fn row_range(offsets: &[usize], v: NodeIdx) -> std::ops::Range<usize> {
    offsets[v as usize]..offsets[v as usize + 1]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weighted_cascade_divides_by_in_strength() {
        let g = Graph::directed(3, [(0, 2, 1.0), (1, 2, 3.0), (2, 2, 5.0)]);
        let sampler = ReverseSampler::new(
            &g,
            &Model::IndependentCascade(EdgeProbability::WeightedCascade),
        )
        .unwrap();
        let ReverseSampler::IcPerEdge(prob) = sampler else {
            panic!("weighted graph needs per-edge probabilities")
        };
        // Incoming row of 2 is [0, 1, 2]: weights 1, 3 and the ignored self-loop.
        assert_eq!(prob, vec![0.25, 0.75, 0.0]);
    }

    #[test]
    fn linear_threshold_rows_sum_to_one() {
        let g = Graph::directed(3, [(0, 2, 2.0), (1, 2, 2.0), (0, 1, 1.0)]);
        let ReverseSampler::LinearThreshold(cum) =
            ReverseSampler::new(&g, &Model::LinearThreshold).unwrap()
        else {
            panic!("expected a threshold sampler")
        };
        assert_eq!(cum, vec![1.0, 0.5, 1.0]);
    }

    #[test]
    fn bad_probabilities_and_weights_are_rejected() {
        let g = Graph::directed(2, [(0, 1, 2.0)]);
        let err = ReverseSampler::new(&g, &Model::IndependentCascade(EdgeProbability::Weight));
        assert!(matches!(
            err,
            Err(Error::InvalidParameter { name: "model", .. })
        ));
        let err = ReverseSampler::new(
            &g,
            &Model::IndependentCascade(EdgeProbability::Uniform(1.5)),
        );
        assert!(err.is_err());
        let g = Graph::directed(2, [(0, 1, -1.0)]);
        assert!(ReverseSampler::new(&g, &Model::LinearThreshold).is_err());
        assert!(
            ReverseSampler::new(
                &g,
                &Model::IndependentCascade(EdgeProbability::Uniform(0.5))
            )
            .is_ok()
        );
    }
}
