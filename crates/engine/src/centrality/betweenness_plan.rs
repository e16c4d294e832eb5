//! The early-stopping test of [`super::ApproxBetweenness`]: per-node confidence bounds that
//! hold at every sample count at once, tuned from a pilot run.
//!
//! A sample puts a node on its path with probability `p` (the node's share of ordered
//! pairs), independently of the other samples. With `S` the node's count after `τ`
//! samples and any fixed `λ > 0`, `exp(λ·S − τ·ln(1 − p + p·e^λ))` and
//! `exp(−λ·S − τ·ln(1 − p + p·e^−λ))` are martingales of mean 1. By Ville's inequality,
//! with probability at least `1 − e^−L` each stays below `e^L` at every `τ`, that is:
//!
//! - lower: `p > (e^((λ·S − L)/τ) − 1) / (e^λ − 1)`,
//! - upper: `p < (1 − e^(−(L + λ·S)/τ)) / (1 − e^−λ)`.
//!
//! The errors `S/τ − lower` and `upper − S/τ` are concave in `S`, so their largest value
//! over `[0, S_max]` has a closed form; a class of nodes sharing `(λ, L)` is certified
//! when that largest value is at most ε (a lower bound is needed only when `S/τ > ε`).
//! Nodes are grouped by pilot count; the pilot, made of independent samples, fixes each
//! class's `λ` and `L` before the main run: `λ` is the Chernoff-optimal tilt for a rate a
//! little above the class's pilot estimate, and the `L` are set so that every class would
//! certify at the same sample count while `Σ e^−L` over all nodes and both sides equals the
//! failure budget.

/// One side's bound for a class: tilt `λ`, log failure `L`, and derived constants.
#[derive(Clone, Copy, Debug)]
struct Side {
    lambda: f64,
    log_failure: f64,
    /// `1 − e^−λ` (upper side) or `e^λ − 1` (lower side).
    scale: f64,
    /// `ln(λ / scale)` (upper) or `ln(scale / λ)` (lower): where the error peaks.
    peak: f64,
}

impl Side {
    fn new(lambda: f64, log_failure: f64, upper: bool) -> Side {
        let scale = if upper {
            -(-lambda).exp_m1()
        } else {
            lambda.exp_m1()
        };
        let peak = if upper {
            (lambda / scale).ln()
        } else {
            (scale / lambda).ln()
        };
        Side {
            lambda,
            log_failure,
            scale,
            peak,
        }
    }

    /// Largest `upper − S/τ` over counts `S` in `[0, max_count]`.
    fn upper_error(&self, max_count: f64, tau: f64) -> f64 {
        let stationary = (tau * self.peak - self.log_failure) / self.lambda;
        let s = stationary.clamp(0.0, max_count);
        -(-(self.log_failure + self.lambda * s) / tau).exp_m1() / self.scale - s / tau
    }

    /// Largest `S/τ − lower` over counts `S` in `[from, max_count]`.
    fn lower_error(&self, from: f64, max_count: f64, tau: f64) -> f64 {
        let stationary = (tau * self.peak + self.log_failure) / self.lambda;
        let s = stationary.clamp(from, max_count);
        s / tau - ((self.lambda * s - self.log_failure) / tau).exp_m1() / self.scale
    }
}

pub(super) struct Plan {
    /// Class of each pilot count value.
    class_of_count: Vec<u32>,
    /// Upper and lower bounds of each class.
    sides: Vec<(Side, Side)>,
    epsilon: f64,
}

impl Plan {
    /// A plan from pilot counts over `n_pilot` samples, spending `delta` in total.
    pub(super) fn new(pilot_counts: &[u32], n_pilot: u64, epsilon: f64, delta: f64) -> Plan {
        let max_count = pilot_counts.iter().copied().max().unwrap_or(0) as usize;
        let mut class_sizes = vec![0u64; max_count + 1];
        for &c in pilot_counts {
            class_sizes[c as usize] += 1;
        }
        let mut class_of_count = vec![u32::MAX; max_count + 1];
        // Per class: nodes, planned rates for both sides, and their per-sample exponents.
        let mut classes = Vec::new();
        for (count, &n_nodes) in class_sizes.iter().enumerate() {
            if n_nodes == 0 {
                continue;
            }
            class_of_count[count] = classes.len() as u32;
            let rate = planned_rate(count as u64, n_pilot, n_nodes);
            // The hardest rate for either side is near 1/2; planning beyond it only hurts.
            let p = rate.min(0.5 * (1.0 - epsilon));
            let upper = kl(p, p + epsilon);
            // Rates up to ε need no lower bound; plan those classes' rare excursions above
            // ε for 2ε, with the upper side's exponent.
            let q = rate.max(2.0 * epsilon).min(0.5 * (1.0 + epsilon));
            let lower = if rate > epsilon {
                kl(q, q - epsilon)
            } else {
                upper
            };
            classes.push((n_nodes as f64, p, upper, q, lower));
        }
        let failure = |t: f64| -> f64 {
            classes
                .iter()
                .map(|&(n, _, upper, _, lower)| n * ((-t * upper).exp() + (-t * lower).exp()))
                .sum()
        };
        let mut hi = 1.0;
        while failure(hi) > delta {
            hi *= 2.0;
        }
        let mut lo = 0.0;
        for _ in 0..64 {
            let mid = 0.5 * (lo + hi);
            if failure(mid) > delta {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        let sides = classes
            .iter()
            .map(|&(_, p, upper, q, lower)| {
                // Chernoff-optimal tilts for a mean of p + ε seen as p, and q − ε seen as q.
                let lambda_upper = ((p + epsilon) * (1.0 - p) / (p * (1.0 - p - epsilon))).ln();
                let lambda_lower = (q * (1.0 - q + epsilon) / ((q - epsilon) * (1.0 - q))).ln();
                (
                    Side::new(lambda_upper, hi * upper, true),
                    Side::new(lambda_lower, hi * lower, false),
                )
            })
            .collect();
        Plan {
            class_of_count,
            sides,
            epsilon,
        }
    }

    pub(super) fn n_classes(&self) -> usize {
        self.sides.len()
    }

    /// The class of a node with this pilot count.
    #[inline]
    pub(super) fn class_of(&self, pilot_count: u32) -> usize {
        self.class_of_count[pilot_count as usize] as usize
    }

    /// Whether, after `n_samples`, every node of every class is certified within ε, given
    /// the largest count in each class.
    pub(super) fn certified(&self, class_max: &[u64], n_samples: u64) -> bool {
        let tau = n_samples as f64;
        let free = self.epsilon * tau;
        self.sides
            .iter()
            .zip(class_max)
            .all(|((upper, lower), &s)| {
                let s = s as f64;
                upper.upper_error(s, tau) <= self.epsilon
                    && (s <= free || lower.lower_error(free, s, tau) <= self.epsilon)
            })
    }
}

/// Kullback–Leibler divergence between Bernoulli(a) and Bernoulli(b), 0 < b < 1.
fn kl(a: f64, b: f64) -> f64 {
    let term = |x: f64, y: f64| if x > 0.0 { x * (x / y).ln() } else { 0.0 };
    term(a, b) + term(1.0 - a, 1.0 - b)
}

/// A rate to plan a class for: the largest rate under which the pilot count is not
/// surprising for the most extreme of the class's `n_nodes` nodes (a KL upper confidence
/// bound at level `ln(n_nodes + 1) + 5`; generous margins certify sooner, because a
/// tilt planned too low may never certify a node whose rate turns out higher).
fn planned_rate(count: u64, n_pilot: u64, n_nodes: u64) -> f64 {
    let tau = n_pilot as f64;
    let observed = count as f64 / tau;
    let level = ((n_nodes + 1) as f64).ln() + 5.0;
    let (mut lo, mut hi) = (observed, 1.0);
    for _ in 0..60 {
        let mid = 0.5 * (lo + hi);
        if tau * kl(observed, mid) <= level {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    lo.max(f64::MIN_POSITIVE)
}
