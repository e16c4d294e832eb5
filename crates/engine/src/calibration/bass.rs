//! The Bass (1969) diffusion model, the network-free baseline forecasts are compared with.

use super::AdoptionTimes;
use crate::Error;

/// Fits the Bass model (Bass 1969, "A new product growth for model consumer durables",
/// *Management Science* 15) to the adoptions of periods `1..=cutoff`: cumulative adoptions
/// N(t) = N₀ + m·F(t), F(t) = (1 − e^{−(p+q)t}) / (1 + (q/p)·e^{−(p+q)t}), with innovation
/// p, imitation q and market size m. Estimated by nonlinear least squares on the new
/// adopters per period, n_t ≈ m·(F(t) − F(t − 1)) (Srinivasan & Mason 1986, *Marketing
/// Science* 5), with m kept between the adopters so far and the population. N₀ counts
/// people adopted before observation began (period 0).
///
/// ```
/// use engine::calibration::{AdoptionTimes, BassFit};
/// // 1 000 people; new adopters per period follow a Bass curve with p = 0.02, q = 0.5,
/// // m = 800, rounded to whole people.
/// let (p, q, m) = (0.02f64, 0.5f64, 800.0);
/// let f = |t: f64| (1.0 - (-(p + q) * t).exp()) / (1.0 + q / p * (-(p + q) * t).exp());
/// let mut periods = Vec::new();
/// for t in 1..=20u32 {
///     let n = (m * f(t as f64)).round() as usize - periods.len();
///     periods.extend(std::iter::repeat_n(Some(t), n));
/// }
/// periods.resize(1000, None);
/// let bass = BassFit { cutoff: Some(20) }.run(&AdoptionTimes::new(periods)).unwrap();
/// assert!((bass.innovation - p).abs() < 0.002 && (bass.imitation - q).abs() < 0.02);
/// assert!((bass.market - m).abs() < 5.0);
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct BassFit {
    /// The last period used; `None` uses every period up to the last adoption.
    pub cutoff: Option<u32>,
}

/// A fitted Bass curve.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BassModel {
    /// p, the coefficient of innovation (per period).
    pub innovation: f64,
    /// q, the coefficient of imitation (per period).
    pub imitation: f64,
    /// m, the number of people who eventually adopt in periods ≥ 1.
    pub market: f64,
    /// People adopted before observation began.
    pub n_initial: usize,
    /// Everyone, adopters or not.
    pub n_people: usize,
    /// The last period used.
    pub cutoff: u32,
    /// The residual sum of squares of new adopters per period.
    pub sum_of_squares: f64,
}

impl BassModel {
    /// Expected adopters by the end of `period`.
    pub fn cumulative(&self, period: u32) -> f64 {
        self.n_initial as f64
            + self.market * bass_share(self.innovation, self.imitation, f64::from(period))
    }

    /// Expected adoption fraction by the end of `period`.
    pub fn fraction(&self, period: u32) -> f64 {
        self.cumulative(period) / self.n_people.max(1) as f64
    }
}

impl BassFit {
    /// Fits p, q and m.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] if no one adopted in periods `1..=cutoff`.
    ///
    /// # Complexity
    /// O(n) to count, then O(T) per evaluation of the sum of squares for T periods: a
    /// 26 × 26 grid and a Nelder–Mead refinement, a few thousand evaluations.
    pub fn run(&self, times: &AdoptionTimes) -> Result<BassModel, Error> {
        let cutoff = self.cutoff.unwrap_or_else(|| times.last_period());
        let mut new_adopters = vec![0.0f64; cutoff as usize + 1];
        let mut n_initial = 0usize;
        for &t in times.periods().iter().flatten() {
            if t == 0 {
                n_initial += 1;
            } else if t <= cutoff {
                new_adopters[t as usize] += 1.0;
            }
        }
        let n_observed: f64 = new_adopters.iter().sum();
        if n_observed == 0.0 {
            return Err(Error::InvalidParameter {
                name: "cutoff",
                reason: format!("no one adopted in periods 1..={cutoff}: nothing to fit"),
            });
        }
        let n_people = times.n_nodes();
        let market_range = (n_observed, (n_people - n_initial) as f64);
        let objective = |log_rates: [f64; 2]| {
            let (p, q) = (log_rates[0].exp(), log_rates[1].exp());
            least_squares(&new_adopters, p, q, market_range)
        };
        let grid = |low: f64, high: f64, i: usize| low + (high - low) * i as f64 / 25.0;
        let mut start = [0.0, 0.0];
        let mut best = f64::INFINITY;
        for i in 0..26 {
            for j in 0..26 {
                let point = [grid(LOG_LOW, LOG_HIGH, i), grid(LOG_LOW, LOG_HIGH, j)];
                let (sse, _) = objective(point);
                if sse < best {
                    best = sse;
                    start = point;
                }
            }
        }
        let log_rates = nelder_mead(|x| objective(x).0, start, 0.5);
        let (sum_of_squares, market) = objective(log_rates);
        Ok(BassModel {
            innovation: log_rates[0].exp(),
            imitation: log_rates[1].exp(),
            market,
            n_initial,
            n_people,
            cutoff,
            sum_of_squares,
        })
    }
}

/// Rates are searched on [e^{−14}, e^{2}] ≈ [8·10⁻⁷, 7.4] per period.
const LOG_LOW: f64 = -14.0;
const LOG_HIGH: f64 = 2.0;

/// F(t), the share of the market adopted by time t.
fn bass_share(p: f64, q: f64, t: f64) -> f64 {
    let decay = (-(p + q) * t).exp();
    (1.0 - decay) / (1.0 + q / p * decay)
}

/// The sum of squares at (p, q) with the best m in range (the objective is quadratic in
/// m, so the clamped unconstrained optimum is the constrained one), and that m.
fn least_squares(new_adopters: &[f64], p: f64, q: f64, market_range: (f64, f64)) -> (f64, f64) {
    let shares: Vec<f64> = (1..new_adopters.len())
        .map(|t| bass_share(p, q, t as f64) - bass_share(p, q, t as f64 - 1.0))
        .collect();
    let cross: f64 = shares
        .iter()
        .zip(&new_adopters[1..])
        .map(|(f, n)| f * n)
        .sum();
    let square: f64 = shares.iter().map(|f| f * f).sum();
    let market = if square > 0.0 {
        (cross / square).clamp(market_range.0, market_range.1)
    } else {
        market_range.0
    };
    let sse = shares
        .iter()
        .zip(&new_adopters[1..])
        .map(|(f, n)| (n - market * f).powi(2))
        .sum();
    (if f64::is_nan(sse) { f64::INFINITY } else { sse }, market)
}

/// Nelder–Mead simplex minimisation in two dimensions (Nelder & Mead 1965, standard
/// coefficients: reflection 1, expansion 2, contraction ½, shrink ½), points kept in
/// [LOG_LOW, LOG_HIGH]².
fn nelder_mead(f: impl Fn([f64; 2]) -> f64, start: [f64; 2], step: f64) -> [f64; 2] {
    let clamp = |x: [f64; 2]| x.map(|v| v.clamp(LOG_LOW, LOG_HIGH));
    let mut simplex: Vec<([f64; 2], f64)> = [
        start,
        [start[0] + step, start[1]],
        [start[0], start[1] + step],
    ]
    .into_iter()
    .map(|x| {
        let x = clamp(x);
        (x, f(x))
    })
    .collect();
    let along = |from: [f64; 2], to: [f64; 2], t: f64| {
        clamp([
            from[0] + t * (to[0] - from[0]),
            from[1] + t * (to[1] - from[1]),
        ])
    };
    for _ in 0..1000 {
        simplex.sort_by(|a, b| a.1.total_cmp(&b.1));
        let (best, worst) = (simplex[0].1, simplex[2].1);
        let size = (0..2)
            .map(|d| {
                (simplex[1].0[d] - simplex[0].0[d])
                    .abs()
                    .max((simplex[2].0[d] - simplex[0].0[d]).abs())
            })
            .fold(0.0, f64::max);
        if (worst - best).abs() <= 1e-12 * (1.0 + best.abs()) && size <= 1e-9 {
            break;
        }
        let centroid = [
            0.5 * (simplex[0].0[0] + simplex[1].0[0]),
            0.5 * (simplex[0].0[1] + simplex[1].0[1]),
        ];
        let worst_point = simplex[2].0;
        let reflected = along(centroid, worst_point, -1.0);
        let reflected_value = f(reflected);
        if reflected_value < simplex[0].1 {
            let expanded = along(centroid, worst_point, -2.0);
            let expanded_value = f(expanded);
            simplex[2] = if expanded_value < reflected_value {
                (expanded, expanded_value)
            } else {
                (reflected, reflected_value)
            };
        } else if reflected_value < simplex[1].1 {
            simplex[2] = (reflected, reflected_value);
        } else {
            let (toward, toward_value) = if reflected_value < worst {
                (reflected, reflected_value)
            } else {
                (worst_point, worst)
            };
            let contracted = along(centroid, toward, 0.5);
            let contracted_value = f(contracted);
            if contracted_value < toward_value {
                simplex[2] = (contracted, contracted_value);
            } else {
                let best_point = simplex[0].0;
                for vertex in simplex.iter_mut().skip(1) {
                    let x = along(best_point, vertex.0, 0.5);
                    *vertex = (x, f(x));
                }
            }
        }
    }
    simplex.sort_by(|a, b| a.1.total_cmp(&b.1));
    simplex[0].0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_curve_starts_at_zero_and_tends_to_one() {
        assert_eq!(bass_share(0.03, 0.4, 0.0), 0.0);
        assert!((bass_share(0.03, 0.4, 200.0) - 1.0).abs() < 1e-12);
        // Without imitation, F is the exponential distribution's.
        assert!((bass_share(0.1, 0.0, 3.0) - (1.0 - (-0.3f64).exp())).abs() < 1e-15);
    }

    #[test]
    fn the_market_stays_between_adopters_so_far_and_the_population() {
        // Steady adoption, 5 a period for 4 periods, of 100 people: no inflection, so the
        // least-squares market would run away; it is capped at the population.
        let mut periods = Vec::new();
        for t in 1..=4 {
            periods.extend([Some(t); 5]);
        }
        periods.resize(100, None);
        let bass = BassFit { cutoff: None }
            .run(&AdoptionTimes::new(periods))
            .unwrap();
        assert!(bass.market >= 20.0 && bass.market <= 100.0);
        assert!(bass.fraction(4) > 0.15 && bass.fraction(4) < 0.25);
    }

    #[test]
    fn initial_adopters_are_an_offset() {
        let mut periods = vec![Some(0); 10];
        periods.extend([Some(1), Some(2), Some(2), Some(3)]);
        periods.resize(50, None);
        let bass = BassFit { cutoff: Some(3) }
            .run(&AdoptionTimes::new(periods))
            .unwrap();
        assert_eq!(bass.n_initial, 10);
        assert_eq!(bass.cumulative(0), 10.0);
        assert!(bass.market >= 4.0 && bass.market <= 40.0);
    }

    #[test]
    fn no_adoptions_is_an_error() {
        let times = AdoptionTimes::new(vec![None, Some(0), Some(9)]);
        assert!(BassFit { cutoff: Some(5) }.run(&times).is_err());
    }
}
