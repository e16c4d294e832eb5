//! Simulating the hazard model forward, period by period: synthetic adoption data
//! ([`SimulateAdoptions`]) and the runs of a [`super::Forecast`].

use rand::{RngExt, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

use super::fit::MAX_HAZARD;
use super::risk::{check_sizes, exposees};
use super::{AdoptionTimes, Exposure, Rates};
use crate::{Csr, Error, Graph, NodeIdx};

/// Draws adoption times from the model: in each period t, everyone who has not adopted by
/// the end of t − 1 adopts with probability 1 − (1 − q)(1 − p)^k, k their adopted exposers.
/// For synthetic data with known rates, and for what-if runs.
///
/// ```
/// use engine::Graph;
/// use engine::calibration::{AdoptionTimes, Exposure, Rates, SimulateAdoptions};
/// let g = Graph::directed(3, [(1, 0, 1.0), (2, 1, 1.0)]); // 2 asks 1, 1 asks 0
/// let start = AdoptionTimes::new(vec![Some(0), None, None]);
/// let sim = SimulateAdoptions {
///     rates: Rates { personal: 1.0, broadcast: 0.0 },
///     exposure: Exposure::Out,
///     from: 0,
///     until: 5,
///     seed: 7,
/// };
/// // With p = 1 the behaviour moves one step along the advice chain each period.
/// assert_eq!(sim.run(&g, &start).unwrap().periods(), [Some(0), Some(1), Some(2)]);
/// ```
#[derive(Clone, Copy, Debug)]
pub struct SimulateAdoptions {
    /// The personal and broadcast rates.
    pub rates: Rates,
    /// Which ties expose whom.
    pub exposure: Exposure,
    /// Adoptions in periods up to `from` are kept; later ones are dropped and redrawn.
    pub from: u32,
    /// The last period simulated.
    pub until: u32,
    /// The random seed.
    pub seed: u64,
}

impl SimulateAdoptions {
    /// One draw of the adoption times.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for rates outside [0, 1], `until < from`, or `start`
    /// not one entry per node.
    ///
    /// # Complexity
    /// O(n + m) plus, per period, O(q·n) for broadcast adoptions and O(1) per exposed person.
    pub fn run(&self, graph: &Graph, start: &AdoptionTimes) -> Result<AdoptionTimes, Error> {
        check_sizes(graph, start)?;
        let hazards = self.rates.checked_hazards()?;
        if self.until < self.from {
            return Err(Error::InvalidParameter {
                name: "until",
                reason: format!("{} is before the start, {}", self.until, self.from),
            });
        }
        let rows = exposees(graph, self.exposure);
        let origin = State::observed(rows.csr(), start, self.from);
        let mut periods: Vec<Option<u32>> = start
            .periods()
            .iter()
            .map(|t| t.filter(|&t| t <= self.from))
            .collect();
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(run_seed(self.seed, 0));
        let mut state = origin.clone();
        let mut new = Vec::new();
        let mut hazards = Hazards::new(hazards);
        for period in self.from + 1..=self.until {
            state.step(rows.csr(), &mut hazards, &mut rng, &mut new);
            for &node in &new {
                periods[node as usize] = Some(period);
            }
        }
        Ok(AdoptionTimes::new(periods))
    }
}
/// The seed of run `run_idx`: SplitMix64 (Steele, Lea & Flood 2014) of the seed and index,
/// so neighbouring runs and seeds get unrelated streams.
pub(crate) fn run_seed(seed: u64, run_idx: usize) -> u64 {
    let mix = |mut z: u64| {
        z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    };
    mix(seed ^ mix(run_idx as u64))
}
/// The state of one simulated run.
#[derive(Clone, Debug)]
pub(crate) struct State {
    adopted: Vec<bool>,
    /// Adopted exposers per person.
    exposure: Vec<u32>,
    /// People not adopted with at least one adopted exposer.
    exposed: Vec<NodeIdx>,
    pub(crate) n_adopted: usize,
}

impl State {
    /// The state at the end of period `cutoff`, as observed.
    pub(crate) fn observed(exposees: &Csr, times: &AdoptionTimes, cutoff: u32) -> State {
        let n_nodes = times.n_nodes();
        let mut state = State {
            adopted: vec![false; n_nodes],
            exposure: vec![0; n_nodes],
            exposed: Vec::new(),
            n_adopted: 0,
        };
        let new: Vec<NodeIdx> = (0..n_nodes as NodeIdx)
            .filter(|&v| times.period(v).is_some_and(|t| t <= cutoff))
            .collect();
        state.apply(exposees, &new);
        state
    }

    pub(crate) fn reset(&mut self, origin: &State) {
        self.adopted.copy_from_slice(&origin.adopted);
        self.exposure.copy_from_slice(&origin.exposure);
        self.exposed.clone_from(&origin.exposed);
        self.n_adopted = origin.n_adopted;
    }

    /// Marks `new` adopted and raises the exposure of the people they expose.
    fn apply(&mut self, exposees: &Csr, new: &[NodeIdx]) {
        for &node in new {
            self.adopted[node as usize] = true;
        }
        self.n_adopted += new.len();
        for &node in new {
            for &other in exposees.neighbors(node) {
                if other == node {
                    continue;
                }
                let count = &mut self.exposure[other as usize];
                *count += 1;
                if *count == 1 && !self.adopted[other as usize] {
                    self.exposed.push(other);
                }
            }
        }
        let adopted = &self.adopted;
        self.exposed.retain(|&v| !adopted[v as usize]);
    }

    /// One period: exposed people adopt with 1 − e^{−(λ + kμ)}; unexposed ones with
    /// q = 1 − e^{−λ}, visited by geometric jumps so that the cost is O(q·n), not O(n).
    pub(crate) fn step(
        &mut self,
        exposees: &Csr,
        hazards: &mut Hazards,
        rng: &mut Xoshiro256PlusPlus,
        new: &mut Vec<NodeIdx>,
    ) {
        let broadcast = hazards.broadcast;
        new.clear();
        for &node in &self.exposed {
            let stay = hazards.stay(self.exposure[node as usize]);
            if rng.random::<f64>() >= stay {
                new.push(node);
            }
        }
        if broadcast > 0.0 {
            let n_nodes = self.adopted.len();
            // The number of people passed over before the next broadcast adopter is
            // geometric: floor(ln U / ln(1 − q)) with ln(1 − q) = −λ.
            let jump = |rng: &mut Xoshiro256PlusPlus| {
                let u = 1.0 - rng.random::<f64>();
                (-u.ln() / broadcast).floor().min(n_nodes as f64) as usize
            };
            let mut at = jump(rng);
            while at < n_nodes {
                if !self.adopted[at] && self.exposure[at] == 0 {
                    new.push(at as NodeIdx);
                }
                at += 1 + jump(rng);
            }
        }
        let new_adopters = std::mem::take(new);
        self.apply(exposees, &new_adopters);
        *new = new_adopters;
    }
}

/// The hazards of one run, with the chance of not adopting, e^{−(λ + kμ)}, tabulated by k
/// as the run needs it (one `exp` per level instead of one per person and period).
pub(crate) struct Hazards {
    broadcast: f64,
    personal: f64,
    stay: Vec<f64>,
}

impl Hazards {
    pub(crate) fn new([broadcast, personal]: [f64; 2]) -> Hazards {
        Hazards {
            broadcast,
            personal,
            stay: Vec::new(),
        }
    }

    #[inline]
    fn stay(&mut self, k: u32) -> f64 {
        let k = k as usize;
        while self.stay.len() <= k {
            let level = self.stay.len() as f64;
            self.stay
                .push((-(self.broadcast + level * self.personal)).exp());
        }
        self.stay[k]
    }
}

impl Rates {
    /// (λ, μ) = (−ln(1 − q), −ln(1 − p)), capped so that a rate of 1 stays finite.
    pub(crate) fn hazards(self) -> (f64, f64) {
        let hazard = |r: f64| (-(-r).ln_1p()).min(MAX_HAZARD);
        (hazard(self.broadcast), hazard(self.personal))
    }

    pub(crate) fn checked_hazards(self) -> Result<[f64; 2], Error> {
        for (name, value) in [("personal", self.personal), ("broadcast", self.broadcast)] {
            if !(0.0..=1.0).contains(&value) {
                return Err(invalid(name, format!("{value} is not a rate in [0, 1]")));
            }
        }
        let (broadcast, personal) = self.hazards();
        Ok([broadcast, personal])
    }
}

pub(crate) fn invalid(name: &'static str, reason: String) -> Error {
    Error::InvalidParameter { name, reason }
}
