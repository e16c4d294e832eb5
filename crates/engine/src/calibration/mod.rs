//! Transmission and broadcast rates estimated from adoption data, and forecasts.
//!
//! The model (DESIGN.md, "Calibration"): periods t = 1, 2, …; a person who has not adopted by
//! the end of period t − 1 adopts in period t with hazard
//! h = 1 − (1 − q)·(1 − p)^{k(t−1)}, where q is the per-period **broadcast** rate (any
//! outside influence), p the per-period **personal** rate of each adopted exposer, and
//! k(t − 1) the number of exposers adopted by the end of t − 1 ([`Exposure`] says which
//! ties expose whom).
//!
//! - Data: [`read_adoptions`] parses `adoptions.csv` into [`Adoptions`]; one behaviour's
//!   [`AdoptionTimes`] is what the rest takes.
//! - Fit: [`RateFit`] gives [`RateEstimate`] (p and q with 95 % profile-likelihood
//!   intervals) from the person-periods at risk up to a cut-off ([`RiskTable`]).
//! - Forecast: [`Forecast`] continues from the observed state by Monte-Carlo with
//!   parameter uncertainty, giving bands of the adoption fraction and when a critical-mass
//!   target is reached ([`ForecastResult`]); [`SimulateAdoptions`] draws synthetic data.
//! - Baseline: [`BassFit`], the network-free Bass model.
//!
//! ```
//! use engine::Graph;
//! use engine::calibration::{AdoptionTimes, Exposure, Forecast, RateFit, Rates, SimulateAdoptions};
//! // A ring of 200 people; simulate 10 periods with p = 0.3, q = 0.02, fit on the first 6.
//! let g = Graph::undirected(200, (0..200).map(|v| (v, (v + 1) % 200, 1.0)));
//! let truth = Rates { personal: 0.3, broadcast: 0.02 };
//! let sim = SimulateAdoptions { rates: truth, exposure: Exposure::Both, from: 0, until: 10, seed: 1 };
//! let times = sim.run(&g, &AdoptionTimes::new(vec![None; 200])).unwrap();
//! let estimate = RateFit { cutoff: Some(6), exposure: Exposure::Both }.run(&g, &times).unwrap();
//! assert!(estimate.broadcast.contains(0.02));
//! let forecast = Forecast { until: Some(10), n_runs: 300, ..Forecast::default() }
//!     .run(&g, &times, &estimate)
//!     .unwrap();
//! assert_eq!(forecast.periods().len(), 4);
//! ```

mod adoptions;
mod bass;
mod date;
mod fit;
mod forecast;
mod risk;
mod simulate;

pub use adoptions::{
    AdoptionOptions, AdoptionTimes, Adoptions, PeriodLength, parse_adoptions, read_adoptions,
};
pub use bass::{BassFit, BassModel};
pub use date::Date;
pub use fit::{Interval, RateEstimate, RateFit};
pub use forecast::{Forecast, ForecastResult, PeriodBand, ReachPeriod};
pub use risk::{Exposure, RiskTable};
pub use simulate::SimulateAdoptions;

/// Per-period adoption rates of the model.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Rates {
    /// p: the chance that one adopted exposer makes a person adopt in a period.
    pub personal: f64,
    /// q: the chance that a person adopts in a period from outside influence (broadcasts,
    /// anything not along a tie).
    pub broadcast: f64,
}
