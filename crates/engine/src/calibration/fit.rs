//! Maximum likelihood of the personal and broadcast rates, with profile-likelihood
//! intervals.
//!
//! The discrete-time hazard h = 1 − (1 − q)(1 − p)^k is a complementary log-log model
//! (Allison 1982, "Discrete-time methods for the analysis of event histories", *Sociological
//! Methodology* 13): with the hazards λ = −ln(1 − q) and μ = −ln(1 − p), 1 − h = e^{−(λ + kμ)}
//! and the log-likelihood is concave in (λ, μ) ≥ 0. The maximum is therefore unique and a
//! projected Newton method on that box finds it, boundaries (p = 0 or q = 0) included.

use super::risk::Grouped;
use super::{AdoptionTimes, Exposure, Rates, RiskTable};
use crate::{Error, Graph};

/// The largest hazard considered: e^{−40} ≈ 4·10⁻¹⁸, so a rate of 1 in `f64`.
pub(crate) const MAX_HAZARD: f64 = 40.0;
/// The 95 % quantile of χ² with one degree of freedom.
const CHI2_1_95: f64 = 3.841_458_820_694_124;

/// An estimate with its 95 % confidence interval.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Interval {
    /// The maximum-likelihood estimate.
    pub estimate: f64,
    /// Lower end of the 95 % interval.
    pub lower: f64,
    /// Upper end of the 95 % interval.
    pub upper: f64,
}

impl Interval {
    /// Whether `value` lies in the interval (ends included).
    pub fn contains(&self, value: f64) -> bool {
        self.lower <= value && value <= self.upper
    }
}

/// Estimates the personal rate p and the broadcast rate q from adoption times up to a
/// cut-off, by maximum likelihood over the person-periods at risk ([`RiskTable`]).
///
/// Intervals are profile-likelihood intervals: the values whose profile log-likelihood is
/// within χ²₁(0.95)/2 ≈ 1.92 of the maximum (Venzon & Moolgavkar 1988). They stay inside
/// [0, 1] and are asymmetric where the likelihood is, which matters for small rates near
/// the boundary; at a boundary estimate they are slightly conservative.
///
/// ```
/// use engine::Graph;
/// use engine::calibration::{AdoptionTimes, RateFit};
/// // Nobody is tied to anybody: 2 adoptions in 2 + 3 + 4 + 4 = 13 person-periods.
/// let g = Graph::directed(4, []);
/// let times = AdoptionTimes::new(vec![Some(2), Some(3), None, None]);
/// let fit = RateFit { cutoff: Some(4), ..RateFit::default() }.run(&g, &times).unwrap();
/// assert!((fit.broadcast.estimate - 2.0 / 13.0).abs() < 1e-12);
/// assert!(!fit.personal_identified);
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct RateFit {
    /// The last period used; adoptions after it count as not (yet) happened. `None` uses
    /// every period up to the last adoption.
    pub cutoff: Option<u32>,
    /// Which ties expose whom.
    pub exposure: Exposure,
}

/// The fitted rates of one behaviour, and what a forecast needs to draw from their sampling
/// distribution.
#[derive(Clone, Debug, PartialEq)]
pub struct RateEstimate {
    /// p, the chance that one adopted exposer makes a person adopt in a period.
    pub personal: Interval,
    /// q, the chance that a person adopts in a period from outside influence.
    pub broadcast: Interval,
    /// False when no person-period at risk had an adopted exposer: then the data say
    /// nothing about p, which is reported as 0 with the interval [0, 1].
    pub personal_identified: bool,
    /// The maximised log-likelihood.
    pub log_likelihood: f64,
    /// The last period used.
    pub cutoff: u32,
    /// Which ties exposed whom.
    pub exposure: Exposure,
    /// Person-periods at risk.
    pub n_person_periods: u64,
    /// Adoptions in periods `1..=cutoff`.
    pub n_adoptions: u64,
    /// (λ, μ) at the maximum.
    pub(crate) hazards: [f64; 2],
    /// Inverse observed information of (λ, μ); zero rows for unidentified parameters.
    pub(crate) covariance: [[f64; 2]; 2],
}

impl RateEstimate {
    /// Known rates as an estimate without uncertainty (intervals of zero width): to
    /// forecast with default or assumed rates before a movement has its own data, or with
    /// the truth in a simulation study.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for a rate outside [0, 1].
    pub fn from_rates(
        rates: Rates,
        exposure: Exposure,
        cutoff: u32,
    ) -> Result<RateEstimate, Error> {
        let [broadcast, personal] = rates.checked_hazards()?;
        let point = |value: f64| Interval {
            estimate: value,
            lower: value,
            upper: value,
        };
        Ok(RateEstimate {
            personal: point(rates.personal),
            broadcast: point(rates.broadcast),
            personal_identified: true,
            log_likelihood: f64::NAN,
            cutoff,
            exposure,
            n_person_periods: 0,
            n_adoptions: 0,
            hazards: [broadcast, personal],
            covariance: [[0.0; 2]; 2],
        })
    }

    /// The point estimates as rates.
    pub fn rates(&self) -> Rates {
        Rates {
            personal: self.personal.estimate,
            broadcast: self.broadcast.estimate,
        }
    }
}

impl RateFit {
    /// Fits p and q.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] if `times` does not have one entry per node, or nobody
    /// is at risk in periods `1..=cutoff` (nothing to learn from).
    ///
    /// # Complexity
    /// O(n + m log d) to count the person-periods, then O(K) per likelihood evaluation for
    /// K distinct exposure levels: a few thousand evaluations in all.
    pub fn run(&self, graph: &Graph, times: &AdoptionTimes) -> Result<RateEstimate, Error> {
        let cutoff = self.cutoff.unwrap_or_else(|| times.last_period());
        let table = RiskTable::new(graph, self.exposure, times, cutoff)?;
        if table.n_person_periods() == 0 {
            return Err(Error::InvalidParameter {
                name: "cutoff",
                reason: format!("nobody is at risk of adopting in periods 1..={cutoff}"),
            });
        }
        let grouped = table.grouped();
        let identified = table.has_exposure();
        let hazards = if identified {
            maximise(&grouped)
        } else {
            // ℓ = A ln(1 − e^{−λ}) − S λ is maximal at e^λ = 1 + A/S: q = A / (A + S).
            let broadcast = if grouped.stayed > 0.0 {
                (table.n_adoptions() as f64 / grouped.stayed).ln_1p()
            } else {
                MAX_HAZARD
            };
            [broadcast.min(MAX_HAZARD), 0.0]
        };
        let log_likelihood = grouped.value(hazards[0], hazards[1]);
        let broadcast = interval(&grouped, hazards, 0, log_likelihood);
        let personal = if identified {
            interval(&grouped, hazards, 1, log_likelihood)
        } else {
            Interval {
                estimate: 0.0,
                lower: 0.0,
                upper: 1.0,
            }
        };
        Ok(RateEstimate {
            personal,
            broadcast,
            personal_identified: identified,
            log_likelihood,
            cutoff,
            exposure: self.exposure,
            n_person_periods: table.n_person_periods(),
            n_adoptions: table.n_adoptions(),
            hazards,
            covariance: covariance(&grouped, hazards, identified),
        })
    }
}

/// The rate of a hazard: 1 − e^{−h}.
pub(crate) fn rate(hazard: f64) -> f64 {
    -(-hazard).exp_m1()
}

/// Projected Newton with an Armijo line search on the box [0, MAX_HAZARD]², from the best
/// point of a coarse grid (Bertsekas 1982, "Projected Newton methods for optimization
/// problems with simple constraints", *SIAM J. Control Optim.* 20).
fn maximise(grouped: &Grouped) -> [f64; 2] {
    // Rates 0, 10⁻⁶, 10^−5.5, …, 10^−0.5, 0.6, 0.9, 0.99, as hazards.
    let grid: Vec<f64> = std::iter::once(0.0)
        .chain((0..12).map(|i| 10f64.powf(-6.0 + 0.5 * f64::from(i))))
        .chain([0.6, 0.9, 0.99])
        .map(|rate: f64| -(-rate).ln_1p())
        .collect();
    let mut theta = [1.0, 1.0];
    let mut best = f64::NEG_INFINITY;
    for &broadcast in &grid {
        for &personal in &grid {
            let value = grouped.value(broadcast, personal);
            if value > best {
                best = value;
                theta = [broadcast, personal];
            }
        }
    }
    for _ in 0..200 {
        let (value, gradient, hessian) = grouped.derivatives(theta[0], theta[1]);
        let free: [bool; 2] = std::array::from_fn(|j| {
            !((theta[j] <= 0.0 && gradient[j] <= 0.0)
                || (theta[j] >= MAX_HAZARD && gradient[j] >= 0.0))
        });
        let direction = newton_direction(gradient, hessian, free);
        if direction == [0.0, 0.0] {
            break;
        }
        let mut step = 1.0;
        let mut accepted = None;
        for _ in 0..80 {
            let candidate: [f64; 2] =
                std::array::from_fn(|j| (theta[j] + step * direction[j]).clamp(0.0, MAX_HAZARD));
            let candidate_value = grouped.value(candidate[0], candidate[1]);
            let rise: f64 = (0..2)
                .map(|j| gradient[j] * (candidate[j] - theta[j]))
                .sum();
            if candidate_value.is_finite() && candidate_value >= value + 1e-4 * rise {
                accepted = Some((candidate, candidate_value));
                break;
            }
            step *= 0.5;
        }
        let Some((candidate, candidate_value)) = accepted else {
            break;
        };
        let moved = (0..2).all(|j| (candidate[j] - theta[j]).abs() <= 1e-12 * (1.0 + theta[j]));
        theta = candidate;
        if moved && (candidate_value - value).abs() <= 1e-14 * (1.0 + value.abs()) {
            break;
        }
    }
    theta
}

/// The Newton step on the free coordinates, or the gradient where the Hessian is singular.
fn newton_direction(gradient: [f64; 2], hessian: [[f64; 2]; 2], free: [bool; 2]) -> [f64; 2] {
    let information = [
        [-hessian[0][0], -hessian[0][1]],
        [-hessian[1][0], -hessian[1][1]],
    ];
    let mut direction = [0.0; 2];
    match free {
        [true, true] => {
            let det = information[0][0] * information[1][1] - information[0][1].powi(2);
            if information[0][0] > 0.0 && det > 1e-12 * information[0][0] * information[1][1] {
                direction[0] =
                    (information[1][1] * gradient[0] - information[0][1] * gradient[1]) / det;
                direction[1] =
                    (information[0][0] * gradient[1] - information[0][1] * gradient[0]) / det;
            } else {
                direction = gradient;
            }
        }
        [false, false] => {}
        _ => {
            let j = usize::from(free[1]);
            direction[j] = if information[j][j] > 0.0 {
                gradient[j] / information[j][j]
            } else {
                gradient[j]
            };
        }
    }
    if direction.iter().any(|d| !d.is_finite()) {
        return [0.0; 2];
    }
    direction
}

/// max over the other hazard of ℓ, with hazard `fixed_idx` held at `fixed`.
fn profile(grouped: &Grouped, fixed_idx: usize, fixed: f64) -> f64 {
    let other_idx = 1 - fixed_idx;
    let at = |x: f64| {
        let mut theta = [0.0; 2];
        theta[fixed_idx] = fixed;
        theta[other_idx] = x;
        theta
    };
    let slope = |x: f64| {
        let theta = at(x);
        let (_, gradient, hessian) = grouped.derivatives(theta[0], theta[1]);
        (gradient[other_idx], hessian[other_idx][other_idx])
    };
    // ℓ is concave in the other hazard: its slope falls; find where it crosses zero.
    let value_at = |x: f64| {
        let theta = at(x);
        grouped.value(theta[0], theta[1])
    };
    let (slope_low, _) = slope(0.0);
    if slope_low <= 0.0 && !slope_low.is_nan() {
        return value_at(0.0);
    }
    let (slope_high, _) = slope(MAX_HAZARD);
    if slope_high >= 0.0 {
        return value_at(MAX_HAZARD);
    }
    let (mut low, mut high) = (0.0, MAX_HAZARD);
    let mut x = 1.0f64.min(MAX_HAZARD);
    for _ in 0..200 {
        let (first, second) = slope(x);
        if first > 0.0 {
            low = x;
        } else {
            high = x;
        }
        if high - low <= 1e-15 * (1.0 + x) || first == 0.0 {
            break;
        }
        let newton = x - first / second;
        x = if newton > low && newton < high && newton.is_finite() {
            newton
        } else {
            0.5 * (low + high)
        };
    }
    value_at(x)
}

/// The 95 % profile-likelihood interval of hazard `idx`, as rates.
fn interval(grouped: &Grouped, hazards: [f64; 2], idx: usize, maximum: f64) -> Interval {
    let threshold = maximum - 0.5 * CHI2_1_95;
    let inside = |x: f64| profile(grouped, idx, x) >= threshold;
    // The profile is concave, so each side crosses the threshold once.
    let crossing = |mut inner: f64, mut outer: f64| {
        for _ in 0..200 {
            let mid = 0.5 * (inner + outer);
            if inside(mid) {
                inner = mid;
            } else {
                outer = mid;
            }
            if (outer - inner).abs() <= 1e-13 * inner.abs().max(1e-300) {
                break;
            }
        }
        inner
    };
    let estimate = hazards[idx];
    let upper = if inside(MAX_HAZARD) {
        MAX_HAZARD
    } else {
        crossing(estimate, MAX_HAZARD)
    };
    let lower = if estimate <= 0.0 || inside(0.0) {
        0.0
    } else {
        crossing(estimate, 0.0)
    };
    Interval {
        estimate: rate(estimate),
        lower: rate(lower),
        upper: rate(upper),
    }
}

/// The inverse observed information of (λ, μ) at the estimate; an unidentified or flat
/// parameter gets variance 0 (it is held at its estimate).
fn covariance(grouped: &Grouped, hazards: [f64; 2], identified: bool) -> [[f64; 2]; 2] {
    let (_, _, hessian) = grouped.derivatives(hazards[0], hazards[1]);
    let information = [
        [-hessian[0][0], -hessian[0][1]],
        [-hessian[1][0], -hessian[1][1]],
    ];
    let inverse_diagonal = |j: usize| {
        if information[j][j] > 0.0 && information[j][j].is_finite() {
            1.0 / information[j][j]
        } else {
            0.0
        }
    };
    if !identified {
        return [[inverse_diagonal(0), 0.0], [0.0, 0.0]];
    }
    let det = information[0][0] * information[1][1] - information[0][1].powi(2);
    if information[0][0] > 0.0 && det > 1e-12 * information[0][0] * information[1][1] {
        [
            [information[1][1] / det, -information[0][1] / det],
            [-information[0][1] / det, information[0][0] / det],
        ]
    } else {
        [[inverse_diagonal(0), 0.0], [0.0, inverse_diagonal(1)]]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fit(graph: &Graph, times: &[Option<u32>], cutoff: u32) -> RateEstimate {
        RateFit {
            cutoff: Some(cutoff),
            exposure: Exposure::Out,
        }
        .run(graph, &AdoptionTimes::new(times.to_vec()))
        .unwrap()
    }

    #[test]
    fn without_ties_q_is_adoptions_over_person_periods() {
        let g = Graph::directed(5, []);
        let times = [Some(1), Some(4), None, Some(9), Some(0)];
        // Cut at 6: person 0 one period, 1 four, 2 and 3 six each; person 4 not at risk.
        let estimate = fit(&g, &times, 6);
        assert_eq!(estimate.n_person_periods, 17);
        assert_eq!(estimate.n_adoptions, 2);
        assert!((estimate.broadcast.estimate - 2.0 / 17.0).abs() < 1e-14);
        assert_eq!(estimate.personal.estimate, 0.0);
        assert_eq!(
            (estimate.personal.lower, estimate.personal.upper),
            (0.0, 1.0)
        );
        assert!(estimate.broadcast.lower < 2.0 / 17.0 && 2.0 / 17.0 < estimate.broadcast.upper);
    }

    #[test]
    fn the_interval_of_a_binomial_rate_matches_the_likelihood_ratio_by_hand() {
        // No ties; 5 people adopt in period 2, 5 in period 4, 15 never; cut at 4. That is
        // 10 adoptions in 5·2 + 5·4 + 15·4 = 90 person-periods, so q̂ = 1/9, and the
        // interval's ends solve 10 ln q + 80 ln(1 − q) = ℓ(1/9) − χ²₁(0.95)/2.
        let g = Graph::directed(25, []);
        let mut times = vec![None; 25];
        for (i, t) in times.iter_mut().enumerate().take(10) {
            *t = Some(if i < 5 { 2 } else { 4 });
        }
        let estimate = fit(&g, &times, 4);
        assert_eq!(estimate.n_person_periods, 90);
        let q = estimate.broadcast;
        let l = |q: f64| 10.0 * q.ln() + 80.0 * (1.0 - q).ln();
        assert!((q.estimate - 1.0 / 9.0).abs() < 1e-12);
        let target = l(1.0 / 9.0) - 0.5 * CHI2_1_95;
        assert!((l(q.lower) - target).abs() < 1e-8 && (l(q.upper) - target).abs() < 1e-8);
        assert!(q.lower < q.estimate && q.estimate < q.upper);
    }

    #[test]
    fn adoptions_only_after_exposure_put_q_on_its_boundary() {
        // A star whose centre adopts at 0: 3 of its 5 leaves adopt in period 1, and 5
        // isolated people never adopt. Unexposed people never adopt (q̂ = 0) and exposed
        // ones adopt 3 times in 5 (p̂ = 3/5).
        let g = Graph::directed(11, (1..=5).map(|leaf| (leaf, 0, 1.0)));
        let mut times = vec![Some(0)];
        times.extend([Some(1), Some(1), Some(1), None, None]);
        times.extend([None; 5]);
        let estimate = fit(&g, &times, 1);
        assert_eq!(estimate.broadcast.estimate, 0.0);
        assert_eq!(estimate.broadcast.lower, 0.0);
        assert!((estimate.personal.estimate - 0.6).abs() < 1e-9);
        assert!(estimate.personal.contains(0.6) && estimate.personal.lower > 0.1);
    }

    #[test]
    fn the_maximum_beats_nearby_points() {
        // Path 0 → 1 → 2 → 3 with mixed adoption times.
        let g = Graph::directed(
            6,
            [
                (1, 0, 1.0),
                (2, 1, 1.0),
                (3, 2, 1.0),
                (4, 0, 1.0),
                (5, 4, 1.0),
            ],
        );
        let times = [Some(1), Some(2), Some(2), None, Some(3), Some(5)];
        let estimate = fit(&g, &times, 6);
        let table =
            RiskTable::new(&g, Exposure::Out, &AdoptionTimes::new(times.to_vec()), 6).unwrap();
        let best = table.log_likelihood(estimate.rates());
        assert!((best - estimate.log_likelihood).abs() < 1e-9);
        for dp in [-0.01, 0.0, 0.01] {
            for dq in [-0.01, 0.0, 0.01] {
                let rates = Rates {
                    personal: (estimate.personal.estimate + dp).clamp(0.0, 1.0),
                    broadcast: (estimate.broadcast.estimate + dq).clamp(0.0, 1.0),
                };
                assert!(table.log_likelihood(rates) <= best + 1e-12);
            }
        }
    }

    #[test]
    fn no_one_at_risk_is_an_error() {
        let g = Graph::directed(2, []);
        let err = RateFit {
            cutoff: Some(0),
            exposure: Exposure::Both,
        }
        .run(&g, &AdoptionTimes::new(vec![Some(1), None]));
        assert!(matches!(
            err,
            Err(Error::InvalidParameter { name: "cutoff", .. })
        ));
    }

    proptest::proptest! {
        #[test]
        fn estimates_lie_in_their_intervals_and_beat_a_grid(
            edges in proptest::collection::vec((0u32..10, 0u32..10), 0..30),
            times in proptest::collection::vec(proptest::option::of(0u32..6), 10),
            cutoff in 1u32..7,
        ) {
            let g = Graph::directed(10, edges.iter().map(|&(s, t)| (s, t, 1.0)));
            let times = AdoptionTimes::new(times);
            let Ok(estimate) = RateFit { cutoff: Some(cutoff), exposure: Exposure::Both }
                .run(&g, &times)
            else {
                return Ok(()); // nobody at risk
            };
            for i in [estimate.personal, estimate.broadcast] {
                proptest::prop_assert!(0.0 <= i.lower && i.lower <= i.estimate);
                proptest::prop_assert!(i.estimate <= i.upper && i.upper <= 1.0);
            }
            let table = RiskTable::new(&g, Exposure::Both, &times, cutoff).unwrap();
            for p in [0.0, 0.01, 0.1, 0.3, 0.6, 0.9, 1.0] {
                for q in [0.0, 0.01, 0.1, 0.3, 0.6, 0.9, 1.0] {
                    let rates = Rates { personal: p, broadcast: q };
                    proptest::prop_assert!(
                        table.log_likelihood(rates) <= estimate.log_likelihood + 1e-9,
                        "{rates:?} beats {estimate:?}"
                    );
                }
            }
        }
    }
}
