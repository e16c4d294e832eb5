//! Monte-Carlo forecasts from an observed state, with parameter uncertainty.

use rand::RngExt;
use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;
use rayon::prelude::*;

use super::fit::{MAX_HAZARD, rate};
use super::risk::check_sizes;
use super::simulate::{adopted_by, influence, invalid, run_seed, simulator};
use super::{AdoptionTimes, RateEstimate, Rates};
use crate::diffusion::Start;
use crate::{Error, Graph};

/// Keeps the parameter draws' random streams apart from the diffusion runs' (which are
/// keyed by the same seed and run index).
const PARAMETER_SALT: u64 = 0x5EED_0F9A_2A3E_7E11;

/// A Monte-Carlo forecast from the state observed at the estimate's cut-off: each run
/// draws (p, q) from the estimate's sampling distribution (a normal approximation on the
/// hazard scale λ = −ln(1 − q), μ = −ln(1 − p) with the inverse observed information as
/// covariance, clipped at 0), then simulates the model period by period. Run r is seeded
/// from (seed, r) and runs are gathered in order, so the result is the same for any number
/// of threads.
///
/// ```
/// use engine::Graph;
/// use engine::calibration::{AdoptionTimes, Forecast, RateFit};
/// let g = Graph::directed(40, (1..40).map(|v| (v, v - 1, 1.0))); // a chain of askers
/// let times = AdoptionTimes::new((0..40).map(|v| (v < 8).then_some(v + 1)).collect());
/// let estimate = RateFit { cutoff: Some(8), ..RateFit::default() }.run(&g, &times).unwrap();
/// let forecast = Forecast { until: Some(30), n_runs: 200, ..Forecast::default() }
///     .run(&g, &times, &estimate)
///     .unwrap();
/// assert_eq!(forecast.periods().len(), 22);
/// assert_eq!(forecast.probability_by(8), Some(0.0)); // 8 of 40 is below 25 %
/// let last = forecast.periods().last().unwrap();
/// assert!(last.lower <= last.median && last.median <= last.upper && last.lower >= 0.2);
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Forecast {
    /// The last period forecast; `None` means 52 periods past the cut-off (a year of weeks).
    pub until: Option<u32>,
    /// The critical-mass target, a fraction of all people (DESIGN.md: 0.25).
    pub target: f64,
    /// Monte-Carlo runs.
    pub n_runs: usize,
    /// The random seed.
    pub seed: u64,
    /// Draw (p, q) per run from their sampling distribution; `false` uses the estimate
    /// alone (process noise only).
    pub parameter_uncertainty: bool,
}

impl Default for Forecast {
    fn default() -> Self {
        Forecast {
            until: None,
            target: 0.25,
            n_runs: 1000,
            seed: 0,
            parameter_uncertainty: true,
        }
    }
}

/// The forecast cumulative adoption fraction of one period: median and 80 % band.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PeriodBand {
    /// The period.
    pub period: u32,
    /// The median over runs.
    pub median: f64,
    /// The 10th percentile.
    pub lower: f64,
    /// The 90th percentile.
    pub upper: f64,
}

/// When the target is reached: the median over runs and the 80 % band (10th and 90th
/// percentiles); `None` means "not within the horizon".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReachPeriod {
    /// The median period.
    pub median: Option<u32>,
    /// The 10th percentile.
    pub lower: Option<u32>,
    /// The 90th percentile.
    pub upper: Option<u32>,
}

/// What [`Forecast::run`] returns.
#[derive(Clone, Debug, PartialEq)]
pub struct ForecastResult {
    /// The last observed period.
    pub cutoff: u32,
    /// The last forecast period.
    pub until: u32,
    /// The critical-mass target.
    pub target: f64,
    /// Everyone, adopters or not: the denominator of every fraction.
    pub n_people: usize,
    /// The adoption fraction observed by the end of the cut-off.
    pub observed_fraction: f64,
    periods: Vec<PeriodBand>,
    /// Per run, the period the target was reached (`None`: not within the horizon), sorted
    /// with `None` last.
    reach: Vec<Option<u32>>,
}

impl ForecastResult {
    /// Periods `cutoff + 1..=until`.
    pub fn periods(&self) -> &[PeriodBand] {
        &self.periods
    }

    /// The number of runs.
    pub fn n_runs(&self) -> usize {
        self.reach.len()
    }

    /// P(the adoption fraction reaches the target by the end of `period`): the share of
    /// runs; `None` past the horizon, where the runs say nothing.
    pub fn probability_by(&self, period: u32) -> Option<f64> {
        if period > self.until {
            return None;
        }
        let n_reached = self
            .reach
            .partition_point(|r| r.is_some_and(|r| r <= period));
        Some(n_reached as f64 / self.reach.len() as f64)
    }

    /// The period the target is reached: median and 80 % band over runs (inverse of the
    /// empirical distribution, runs that never reach it counting as later than any period).
    pub fn reach_period(&self) -> ReachPeriod {
        let quantile = |share: f64| {
            let rank = ((share * self.reach.len() as f64).ceil() as usize).max(1);
            self.reach[rank.min(self.reach.len()) - 1]
        };
        ReachPeriod {
            median: quantile(0.5),
            lower: quantile(0.1),
            upper: quantile(0.9),
        }
    }
}

impl Forecast {
    /// Forecasts from the state observed in `times` at `estimate.cutoff` (later adoptions
    /// in `times` are ignored), with the estimate's exposure.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for a horizon not after the cut-off, no runs, a target
    /// outside (0, 1], or `times` not one entry per node.
    ///
    /// # Complexity
    /// O(n + m) once, then per run O(n) for the run's working memory plus, per period,
    /// O(q·n) for broadcast and O(1 + p·d) per adopter with non-adopted contacts left (d
    /// their degree), and the degrees of new adopters; parallel over runs. Summaries sort the runs:
    /// O(H · R log R) for H periods and R runs.
    pub fn run(
        &self,
        graph: &Graph,
        times: &AdoptionTimes,
        estimate: &RateEstimate,
    ) -> Result<ForecastResult, Error> {
        check_sizes(graph, times)?;
        let cutoff = estimate.cutoff;
        let until = self.until.unwrap_or(cutoff.saturating_add(52));
        if until <= cutoff {
            return Err(invalid(
                "until",
                format!("{until} is not after the cut-off {cutoff}"),
            ));
        }
        if self.n_runs == 0 {
            return Err(invalid("n_runs", "at least one run is needed".into()));
        }
        if !(self.target > 0.0 && self.target <= 1.0) {
            return Err(invalid(
                "target",
                format!("{} is not in (0, 1]", self.target),
            ));
        }
        let n_people = graph.n_nodes();
        let (influence_graph, direction) = influence(graph, estimate.exposure);
        let seeds = adopted_by(times, cutoff);
        let start = Start::seeds(&seeds);
        let n_periods = until - cutoff;
        let draw = HazardDraw::new(estimate, self.parameter_uncertainty);
        // Without parameter uncertainty every run shares one simulator.
        let shared = if self.parameter_uncertainty {
            None
        } else {
            Some(simulator(
                &influence_graph,
                direction,
                draw.rates(draw.mean),
                n_periods,
            )?)
        };
        let counts: Vec<Vec<u32>> = (0..self.n_runs)
            .into_par_iter()
            .map(|run_idx| {
                let own;
                let simulator = match &shared {
                    Some(simulator) => simulator,
                    None => {
                        let seed = run_seed(self.seed ^ PARAMETER_SALT, run_idx);
                        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
                        let rates = draw.rates(draw.sample(&mut rng));
                        own = simulator(&influence_graph, direction, rates, n_periods)?;
                        &own
                    }
                };
                let cascade = simulator.cascade(&start, self.seed, run_idx as u64)?;
                // curve[s] counts adopters by the end of step s; a run that stops adopting
                // early ends its curve early.
                let curve = cascade.curve();
                let last = curve.last().copied().unwrap_or(0);
                Ok((1..=n_periods as usize)
                    .map(|step| curve.get(step).copied().unwrap_or(last))
                    .collect())
            })
            .collect::<Result<_, Error>>()?;
        let n_periods = n_periods as usize;

        let fraction = |count: u32| f64::from(count) / n_people.max(1) as f64;
        let mut column = vec![0u32; self.n_runs];
        let periods = (0..n_periods)
            .map(|offset| {
                for (slot, run) in column.iter_mut().zip(&counts) {
                    *slot = run[offset];
                }
                column.sort_unstable();
                PeriodBand {
                    period: cutoff + 1 + offset as u32,
                    median: fraction_quantile(&column, 0.5, fraction),
                    lower: fraction_quantile(&column, 0.1, fraction),
                    upper: fraction_quantile(&column, 0.9, fraction),
                }
            })
            .collect();
        let reached = |count: u32| fraction(count) >= self.target;
        let observed_reach = (0..=cutoff).find(|&t| times.fraction_by(t) >= self.target);
        let mut reach: Vec<Option<u32>> = counts
            .iter()
            .map(|run| {
                observed_reach.or_else(|| {
                    run.iter()
                        .position(|&count| reached(count))
                        .map(|offset| cutoff + 1 + offset as u32)
                })
            })
            .collect();
        reach.sort_unstable_by_key(|r| r.unwrap_or(u32::MAX));
        Ok(ForecastResult {
            cutoff,
            until,
            target: self.target,
            n_people,
            observed_fraction: fraction(seeds.len() as u32),
            periods,
            reach,
        })
    }
}

/// Linear interpolation between order statistics (Hyndman & Fan 1996, definition 7).
fn fraction_quantile(sorted: &[u32], share: f64, fraction: impl Fn(u32) -> f64) -> f64 {
    let position = share * (sorted.len() - 1) as f64;
    let below = position.floor() as usize;
    let above = (below + 1).min(sorted.len() - 1);
    let weight = position - below as f64;
    fraction(sorted[below]) * (1.0 - weight) + fraction(sorted[above]) * weight
}
/// Draws (λ, μ) from N(estimate, covariance) by its Cholesky factor, clipped to the box.
struct HazardDraw {
    mean: [f64; 2],
    /// Lower-triangular factor: [[a, 0], [b, c]].
    factor: [f64; 3],
    enabled: bool,
}

impl HazardDraw {
    fn new(estimate: &RateEstimate, enabled: bool) -> HazardDraw {
        let cov = estimate.covariance;
        let a = cov[0][0].max(0.0).sqrt();
        let b = if a > 0.0 { cov[0][1] / a } else { 0.0 };
        let c = (cov[1][1] - b * b).max(0.0).sqrt();
        HazardDraw {
            mean: estimate.hazards,
            factor: [a, b, c],
            enabled,
        }
    }

    /// The rates of hazards (λ, μ).
    fn rates(&self, [broadcast, personal]: [f64; 2]) -> Rates {
        Rates {
            personal: rate(personal),
            broadcast: rate(broadcast),
        }
    }

    fn sample(&self, rng: &mut Xoshiro256PlusPlus) -> [f64; 2] {
        if !self.enabled {
            return self.mean;
        }
        // Box–Muller: two independent standard normals from two uniforms.
        let radius = (-2.0 * (1.0 - rng.random::<f64>()).ln()).sqrt();
        let angle = std::f64::consts::TAU * rng.random::<f64>();
        let (z0, z1) = (radius * angle.cos(), radius * angle.sin());
        let [a, b, c] = self.factor;
        [
            (self.mean[0] + a * z0).clamp(0.0, MAX_HAZARD),
            (self.mean[1] + b * z0 + c * z1).clamp(0.0, MAX_HAZARD),
        ]
    }
}
#[cfg(test)]
mod tests {
    use super::*;
    use crate::calibration::{Exposure, RateFit, Rates, SimulateAdoptions};

    fn known(rates: Rates, cutoff: u32) -> RateEstimate {
        RateEstimate::from_rates(rates, Exposure::Both, cutoff).unwrap()
    }

    #[test]
    fn broadcast_alone_follows_the_geometric_curve() {
        // No ties, q = 0.1: the expected fraction by period t is 1 − 0.9^t, and with 4 000
        // people the median of 200 runs is within 0.02 of it.
        let g = Graph::directed(4000, []);
        let times = AdoptionTimes::new(vec![None; 4000]);
        let rates = Rates {
            personal: 0.0,
            broadcast: 0.1,
        };
        let forecast = Forecast {
            until: Some(12),
            n_runs: 200,
            ..Forecast::default()
        }
        .run(&g, &times, &known(rates, 0))
        .unwrap();
        for band in forecast.periods() {
            let expected = 1.0 - 0.9f64.powi(band.period as i32);
            assert!(
                (band.median - expected).abs() < 0.02,
                "{band:?} vs {expected}"
            );
            assert!(band.lower <= band.median && band.median <= band.upper);
        }
        // 25 % is expected between periods 2 (0.19) and 3 (0.271).
        assert_eq!(forecast.reach_period().median, Some(3));
        assert_eq!(forecast.probability_by(1), Some(0.0));
        assert_eq!(forecast.probability_by(12), Some(1.0));
        assert_eq!(forecast.probability_by(13), None);
    }

    #[test]
    fn certain_transmission_walks_the_chain_one_tie_a_period() {
        // 0 ← 1 ← 2 ← … (each asks the previous one), 0 adopted: with p = 1, q = 0 person
        // v adopts in period v, in every run.
        let g = Graph::directed(8, (1..8).map(|v| (v, v - 1, 1.0)));
        let mut periods = vec![None; 8];
        periods[0] = Some(0);
        let times = AdoptionTimes::new(periods);
        let rates = Rates {
            personal: 1.0,
            broadcast: 0.0,
        };
        let estimate = RateEstimate::from_rates(rates, Exposure::Out, 0).unwrap();
        let forecast = Forecast {
            until: Some(7),
            n_runs: 20,
            target: 0.5,
            ..Forecast::default()
        }
        .run(&g, &times, &estimate)
        .unwrap();
        for band in forecast.periods() {
            let expected = f64::from(band.period + 1) / 8.0;
            assert_eq!(
                (band.lower, band.median, band.upper),
                (expected, expected, expected)
            );
        }
        let reach = forecast.reach_period();
        assert_eq!(
            (reach.lower, reach.median, reach.upper),
            (Some(3), Some(3), Some(3))
        );
        // The other way round nobody is exposed.
        let estimate = RateEstimate::from_rates(rates, Exposure::In, 0).unwrap();
        let forecast = Forecast {
            until: Some(7),
            n_runs: 20,
            ..Forecast::default()
        }
        .run(&g, &times, &estimate)
        .unwrap();
        assert_eq!(forecast.periods().last().unwrap().upper, 1.0 / 8.0);
        assert_eq!(forecast.reach_period().median, None);
    }

    #[test]
    fn a_target_reached_before_the_cutoff_is_certain() {
        let g = Graph::directed(4, []);
        let times = AdoptionTimes::new(vec![Some(1), Some(2), None, None]);
        let rates = Rates {
            personal: 0.0,
            broadcast: 0.01,
        };
        let forecast = Forecast {
            until: Some(6),
            n_runs: 10,
            ..Forecast::default()
        }
        .run(&g, &times, &known(rates, 3))
        .unwrap();
        assert_eq!(forecast.observed_fraction, 0.5);
        assert_eq!(forecast.reach_period().median, Some(1));
        assert_eq!(forecast.probability_by(2), Some(1.0));
    }

    #[test]
    fn results_are_identical_for_any_thread_count() {
        let g = Graph::undirected(300, (0..300).map(|v| (v, (v * 7 + 1) % 300, 1.0)));
        let times = SimulateAdoptions {
            rates: Rates {
                personal: 0.2,
                broadcast: 0.02,
            },
            exposure: Exposure::Both,
            from: 0,
            until: 5,
            seed: 3,
        }
        .run(&g, &AdoptionTimes::new(vec![None; 300]))
        .unwrap();
        let estimate = RateFit {
            cutoff: Some(5),
            exposure: Exposure::Both,
        }
        .run(&g, &times)
        .unwrap();
        let run = |n_threads: usize| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(n_threads)
                .build()
                .unwrap()
                .install(|| {
                    Forecast {
                        until: Some(15),
                        n_runs: 64,
                        seed: 11,
                        ..Forecast::default()
                    }
                    .run(&g, &times, &estimate)
                    .unwrap()
                })
        };
        let one = run(1);
        assert_eq!(one, run(2));
        assert_eq!(one, run(16));
        let other_seed = Forecast {
            until: Some(15),
            n_runs: 64,
            seed: 12,
            ..Forecast::default()
        }
        .run(&g, &times, &estimate)
        .unwrap();
        assert_ne!(one, other_seed);
    }

    #[test]
    fn bad_parameters_are_errors() {
        let g = Graph::directed(3, []);
        let times = AdoptionTimes::new(vec![None; 3]);
        let estimate = known(
            Rates {
                personal: 0.1,
                broadcast: 0.1,
            },
            4,
        );
        let forecast = |f: Forecast| f.run(&g, &times, &estimate);
        let name = |r: Result<ForecastResult, Error>| match r {
            Err(Error::InvalidParameter { name, .. }) => name,
            other => panic!("{other:?}"),
        };
        let base = Forecast::default();
        assert_eq!(
            name(forecast(Forecast {
                until: Some(4),
                ..base
            })),
            "until"
        );
        assert_eq!(name(forecast(Forecast { n_runs: 0, ..base })), "n_runs");
        assert_eq!(
            name(forecast(Forecast {
                target: 0.0,
                ..base
            })),
            "target"
        );
        assert_eq!(
            name(forecast(Forecast {
                target: f64::NAN,
                ..base
            })),
            "target"
        );
        let bad_rate = Rates {
            personal: 1.5,
            broadcast: 0.1,
        };
        assert!(RateEstimate::from_rates(bad_rate, Exposure::Both, 0).is_err());
        let short = AdoptionTimes::new(vec![None; 2]);
        assert!(base.run(&g, &short, &estimate).is_err());
    }

    #[test]
    fn each_exposure_level_adopts_at_its_hazard() {
        // Sources 0..6 adopted at 0; three groups of 2 000 people exposed by 1, 3 and 6 of
        // them (k = 1 falls in bucket 0, k = 3 in bucket 1, k = 6 in bucket 2). With p = 0.1
        // and q = 0.01 one period adopts 1 − 0.99·0.9^k of each group: 0.109, 0.278, 0.474.
        let (n_sources, group) = (6u32, 2000u32);
        let mut edges = Vec::new();
        for (group_idx, k) in [1u32, 3, 6].into_iter().enumerate() {
            for member in 0..group {
                let node = n_sources + group_idx as u32 * group + member;
                edges.extend((0..k).map(|source| (node, source, 1.0)));
            }
        }
        let n_nodes = (n_sources + 3 * group) as usize;
        let g = Graph::directed(n_nodes, edges);
        let mut start = vec![None; n_nodes];
        start[..n_sources as usize].fill(Some(0));
        let times = SimulateAdoptions {
            rates: Rates {
                personal: 0.1,
                broadcast: 0.01,
            },
            exposure: Exposure::Out,
            from: 0,
            until: 1,
            seed: 9,
        }
        .run(&g, &AdoptionTimes::new(start))
        .unwrap();
        for (group_idx, k) in [1, 3, 6].into_iter().enumerate() {
            let first = n_sources as usize + group_idx * group as usize;
            let members = &times.periods()[first..first + group as usize];
            let share = members.iter().filter(|t| **t == Some(1)).count() as f64 / f64::from(group);
            let expected = 1.0 - 0.99 * 0.9f64.powi(k);
            // 3.5 standard deviations of a share of 2 000.
            let tolerance = 3.5 * (expected * (1.0 - expected) / f64::from(group)).sqrt();
            assert!(
                (share - expected).abs() < tolerance,
                "k = {k}: {share} vs {expected}"
            );
        }
    }
}
