use rayon::prelude::*;

use super::kernel::{Compiled, Personal, PreparedStart, Scratch, Trials};
use super::rng::{self, inv_ln_fail};
use super::summary::{self, Batch, BlockSummary, Spread};
use super::{Cascade, Diffusion, Direction, EdgeProbability, Model, MonteCarlo, NEVER, Start};
use crate::{Csr, Error, Graph, NodeIdx};

/// Runs per parallel work item. Fixed, so which runs share a scratch never depends on the
/// number of threads (and results never depend on it at all).
const BLOCK_RUNS: usize = 64;

/// Adoption steps above this are refused: a curve has one point per step.
const MAX_STEP: u32 = 10_000_000;

/// Batch summaries keep every run's curve until the percentiles are taken: at most this
/// many (run, step) cells (1 GiB).
const MAX_CURVE_CELLS: usize = 1 << 28;

/// A [`Diffusion`] checked and compiled for one graph, ready for many simulations: tie
/// probabilities, normalised weights and thresholds are computed once, in O(n + m).
///
/// Every method that runs a batch parallelises over runs with rayon in fixed blocks; run r
/// draws from (seed, r) only and results are combined in run order, so the output is
/// bit-identical for any number of threads. Install a rayon pool to choose the threads.
pub struct Simulator<'g> {
    compiled: Compiled<'g>,
}

impl<'g> Simulator<'g> {
    pub(crate) fn new(graph: &'g Graph, diffusion: &Diffusion) -> Result<Simulator<'g>, Error> {
        let (spread, exposure) = match diffusion.direction {
            Direction::Forward => (graph.outgoing(), graph.incoming()),
            Direction::Reverse => (graph.incoming(), graph.outgoing()),
        };
        let q = diffusion.broadcast;
        check_probability("broadcast", q)?;
        if q > 0.0 && diffusion.max_steps.is_none() {
            return Err(invalid(
                "max_steps",
                "broadcast above 0 needs a step limit: everyone adopts in the end".into(),
            ));
        }
        if matches!(diffusion.model, Model::Persistent(_)) && diffusion.max_steps.is_none() {
            return Err(invalid(
                "max_steps",
                "the persistent model needs a step limit: everyone reachable adopts in the end"
                    .into(),
            ));
        }
        if diffusion.max_steps.is_some_and(|s| s > MAX_STEP) {
            return Err(invalid("max_steps", format!("at most {MAX_STEP} steps")));
        }
        let personal = match &diffusion.model {
            Model::IndependentCascade(probability) => Personal::Cascade {
                trials: trials(probability, spread, exposure)?,
                persistent: false,
            },
            Model::Persistent(probability) => Personal::Cascade {
                trials: trials(probability, spread, exposure)?,
                persistent: true,
            },
            Model::LinearThreshold => Personal::Threshold {
                weights: threshold_weights(spread, exposure)?,
            },
            Model::Complex(threshold) => Personal::Counting {
                need: needs(threshold, exposure)?,
            },
        };
        Ok(Simulator {
            compiled: Compiled {
                n_nodes: graph.n_nodes(),
                spread,
                exposure,
                personal,
                broadcast: q,
                broadcast_inv_ln_fail: inv_ln_fail(q),
                max_steps: diffusion.max_steps,
            },
        })
    }

    /// Number of people in the graph.
    pub fn n_people(&self) -> usize {
        self.compiled.n_nodes
    }

    /// One run — run `run_idx` of a batch with seed `seed`, so any run of a batch can be
    /// replayed — with each person's adoption step.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] if `start` names a node outside the graph or a step above
    /// 10,000,000.
    ///
    /// # Complexity
    /// O(n) for the output, plus the run: O(adopters + successful ties) for uniform
    /// independent cascade, O(sum of the adopters' degrees) for the other models, plus O(qn)
    /// a step with broadcast.
    pub fn cascade(&self, start: &Start, seed: u64, run_idx: u64) -> Result<Cascade, Error> {
        let start = self.prepare(start)?;
        let mut scratch = Scratch::new(self.compiled.n_nodes);
        self.compiled
            .run(&start, rng::run_key(seed, run_idx), &mut scratch);
        let mut steps = vec![NEVER; self.compiled.n_nodes];
        let mut begin = 0;
        for (step, &end) in scratch.curve.iter().enumerate() {
            for &v in &scratch.order[begin..end as usize] {
                steps[v as usize] = step as u32;
            }
            begin = end as usize;
        }
        Ok(Cascade {
            steps,
            curve: scratch.curve,
        })
    }

    /// The final number of adopters of each run, in run order: the fast path, with no
    /// per-person or per-step output.
    ///
    /// # Errors
    /// As [`Simulator::cascade`], and for `runs` = 0.
    pub fn final_sizes(&self, start: &Start, monte_carlo: &MonteCarlo) -> Result<Vec<u32>, Error> {
        let start = self.prepare(start)?;
        check_runs(monte_carlo)?;
        Ok(self.run_blocks(
            &start,
            monte_carlo,
            Vec::new,
            |sizes, scratch| sizes.push(scratch.order.len() as u32),
            |mut sizes, later| {
                sizes.extend_from_slice(&later);
                sizes
            },
        ))
    }

    /// The expected number of adopters (seeds included) when `seeds` adopt at step 0: the
    /// question activist selection asks many times. Simulating two seed sets with the same
    /// [`MonteCarlo`] seed reuses the same tie trials run by run (the spread of a superset is
    /// never smaller in any run), so differences between them have little noise.
    ///
    /// # Errors
    /// As [`Simulator::final_sizes`].
    ///
    /// # Example
    /// ```
    /// use engine::Graph;
    /// use engine::diffusion::{Diffusion, EdgeProbability, Model, MonteCarlo};
    /// // A star: the centre 0 reaches each of 4 leaves with probability 0.5.
    /// let star = Graph::undirected(5, (1..5).map(|leaf| (0, leaf, 1.0)));
    /// let sim = Diffusion {
    ///     model: Model::IndependentCascade(EdgeProbability::Uniform(0.5)),
    ///     ..Diffusion::default()
    /// }
    /// .simulator(&star)
    /// .unwrap();
    /// let spread = sim.expected_spread(&[0], &MonteCarlo { runs: 20_000, seed: 1 }).unwrap();
    /// assert!(spread.ci_low < 3.0 && 3.0 < spread.ci_high); // 1 + 4 · 0.5
    /// ```
    pub fn expected_spread(
        &self,
        seeds: &[NodeIdx],
        monte_carlo: &MonteCarlo,
    ) -> Result<Spread, Error> {
        let sizes = self.final_sizes(&Start::seeds(seeds), monte_carlo)?;
        Ok(Spread::from_sizes(&sizes))
    }

    /// A batch of runs summarised: final spread with its interval, distribution of final
    /// sizes, and the mean adoption curve with its 95 % bands. With `max_steps`, the curve
    /// has a point for every step up to start step + max_steps; otherwise up to the longest
    /// run.
    ///
    /// # Errors
    /// As [`Simulator::final_sizes`], and when the curves of all runs would exceed 2^28
    /// (run, step) cells.
    ///
    /// # Complexity
    /// The runs, plus O(runs × steps × log runs) for the bands; memory O(runs × steps).
    pub fn simulate(&self, start: &Start, monte_carlo: &MonteCarlo) -> Result<Batch, Error> {
        self.summarise(start, monte_carlo, None)
    }

    /// As [`Simulator::simulate`], with a mean curve per unit: `units[v]` is person v's unit
    /// label, 0..n_units (e.g. the index of their department). The per-unit curves, in
    /// numbers of people, add up to the overall curve.
    ///
    /// # Errors
    /// As [`Simulator::simulate`], and if `units` does not have one label per person.
    ///
    /// # Complexity
    /// As [`Simulator::simulate`], plus O(runs × steps × n_units).
    pub fn simulate_by_unit(
        &self,
        start: &Start,
        monte_carlo: &MonteCarlo,
        units: &[u32],
    ) -> Result<Batch, Error> {
        if units.len() != self.compiled.n_nodes {
            return Err(invalid(
                "units",
                format!(
                    "{} labels for {} people",
                    units.len(),
                    self.compiled.n_nodes
                ),
            ));
        }
        self.summarise(start, monte_carlo, Some(units))
    }

    fn summarise(
        &self,
        start: &Start,
        monte_carlo: &MonteCarlo,
        units: Option<&[u32]>,
    ) -> Result<Batch, Error> {
        let prepared = self.prepare(start)?;
        check_runs(monte_carlo)?;
        let labels = units.unwrap_or(&[]);
        let n_units = units.map(|u| u.iter().max().map_or(0, |&m| m as usize + 1));
        let fixed_points = self
            .compiled
            .max_steps
            .map(|max| prepared.start_step as usize + max as usize + 1);
        if let Some(points) = fixed_points
            && points.saturating_mul(monte_carlo.runs) > MAX_CURVE_CELLS
        {
            return Err(invalid(
                "max_steps",
                format!(
                    "{points} steps × {} runs of curves is too large; use fewer steps or \
                     runs, or final sizes only",
                    monte_carlo.runs
                ),
            ));
        }
        let all = self.run_blocks(
            &prepared,
            monte_carlo,
            || BlockSummary::new(n_units),
            |block, scratch| block.add_run(scratch, labels),
            BlockSummary::merge,
        );
        Ok(summary::finish(
            all,
            self.compiled.n_nodes,
            labels,
            fixed_points,
        ))
    }

    /// Runs the batch in blocks of [`BLOCK_RUNS`] on the current rayon pool; each block
    /// folds its runs, in order, into a fresh `T`, and neighbouring blocks are merged as they
    /// finish (`merge(earlier, later)`, which must be associative with `new()` as identity),
    /// so memory holds a few partial results, not one per block. Rayon keeps the sequence
    /// order when it reduces, so the result is that of a sequential fold.
    fn run_blocks<T: Send>(
        &self,
        start: &PreparedStart,
        monte_carlo: &MonteCarlo,
        new: impl Fn() -> T + Sync + Send,
        add: impl Fn(&mut T, &Scratch) + Sync,
        merge: impl Fn(T, T) -> T + Sync + Send,
    ) -> T {
        let runs = monte_carlo.runs;
        let n_blocks = runs.div_ceil(BLOCK_RUNS);
        let n_nodes = self.compiled.n_nodes;
        (0..n_blocks)
            .into_par_iter()
            .map_init(
                || Scratch::new(n_nodes),
                |scratch, block_idx| {
                    let mut acc = new();
                    let first = block_idx * BLOCK_RUNS;
                    for run_idx in first..(first + BLOCK_RUNS).min(runs) {
                        let key = rng::run_key(monte_carlo.seed, run_idx as u64);
                        self.compiled.run(start, key, scratch);
                        add(&mut acc, scratch);
                    }
                    acc
                },
            )
            .reduce(&new, merge)
    }

    /// Checks a start against the graph and lays it out for the runs.
    fn prepare(&self, start: &Start) -> Result<PreparedStart, Error> {
        let n = self.compiled.n_nodes;
        let adopted = start.adopted();
        if let Some(&(node, _)) = adopted.iter().find(|&&(node, _)| node as usize >= n) {
            return Err(invalid(
                "start",
                format!("person {node} is not in the graph of {n} people"),
            ));
        }
        let start_step = start.start_step();
        if start_step > MAX_STEP {
            return Err(invalid(
                "start",
                format!("adoption step {start_step} is above {MAX_STEP}"),
            ));
        }
        let mut curve = vec![0u32; start_step as usize + 1];
        for &(_, step) in adopted {
            curve[step as usize] += 1;
        }
        for step in 1..curve.len() {
            curve[step] += curve[step - 1];
        }
        Ok(PreparedStart {
            nodes: adopted.iter().map(|&(node, _)| node).collect(),
            start_step_begin: adopted.partition_point(|&(_, step)| step < start_step),
            curve,
            start_step,
        })
    }
}

fn invalid(name: &'static str, reason: String) -> Error {
    Error::InvalidParameter { name, reason }
}

fn check_probability(name: &'static str, p: f64) -> Result<(), Error> {
    if (0.0..=1.0).contains(&p) {
        Ok(())
    } else {
        Err(invalid(name, format!("{p} is not a probability in [0, 1]")))
    }
}

fn check_runs(monte_carlo: &MonteCarlo) -> Result<(), Error> {
    if monte_carlo.runs == 0 {
        return Err(invalid("runs", "at least one run is needed".into()));
    }
    Ok(())
}

fn check_weights(csr: &Csr, allow_negative: bool) -> Result<(), Error> {
    match csr
        .all_weights()
        .iter()
        .find(|w| !w.is_finite() || (!allow_negative && **w < 0.0))
    {
        Some(w) => Err(invalid(
            "weights",
            format!("tie weight {w} is not a finite non-negative number"),
        )),
        None => Ok(()),
    }
}

/// Tie trials for a cascade model, aligned with the rows of `spread`.
fn trials(probability: &EdgeProbability, spread: &Csr, exposure: &Csr) -> Result<Trials, Error> {
    let probabilities: Vec<f64> = match *probability {
        EdgeProbability::Uniform(p) => {
            check_probability("p", p)?;
            let max_degree = (0..spread.offsets().len() - 1)
                .map(|v| spread.degree(v as NodeIdx))
                .max()
                .unwrap_or(0);
            let ln_fail = (-p).ln_1p();
            return Ok(Trials::Uniform {
                p,
                inv_ln_fail: 1.0 / ln_fail,
                none_by_degree: (0..=max_degree)
                    .map(|d| (d as f64 * ln_fail).exp())
                    .collect(),
            });
        }
        EdgeProbability::TieWeight => {
            check_weights(spread, true)?;
            spread
                .all_weights()
                .iter()
                .map(|w| w.clamp(0.0, 1.0))
                .collect()
        }
        EdgeProbability::WeightedCascade => spread
            .targets()
            .iter()
            .map(|&v| 1.0 / exposure.degree(v) as f64)
            .collect(),
    };
    let offsets = spread.offsets();
    let row_max: Vec<f64> = offsets
        .windows(2)
        .map(|w| {
            probabilities[w[0]..w[1]]
                .iter()
                .fold(0.0, |a: f64, &b| a.max(b))
        })
        .collect();
    let row_inv_ln_fail = row_max.iter().map(|&p| inv_ln_fail(p)).collect();
    Ok(Trials::PerTie {
        probabilities,
        row_max,
        row_inv_ln_fail,
    })
}

/// Linear-threshold weights w(u, v) / Σ_u' w(u', v), aligned with the rows of `spread`.
fn threshold_weights(spread: &Csr, exposure: &Csr) -> Result<Vec<f64>, Error> {
    check_weights(spread, false)?;
    let n = exposure.offsets().len() - 1;
    let inv_total: Vec<f64> = (0..n as NodeIdx)
        .map(|v| {
            let total: f64 = exposure.weights(v).iter().sum();
            if total > 0.0 { 1.0 / total } else { 0.0 }
        })
        .collect();
    Ok(spread
        .targets()
        .iter()
        .zip(spread.all_weights())
        .map(|(&v, &w)| w * inv_total[v as usize])
        .collect())
}

/// How many adopting influencers each person needs under complex contagion.
fn needs(threshold: &super::Threshold, exposure: &Csr) -> Result<Vec<u32>, Error> {
    let n = exposure.offsets().len() - 1;
    match *threshold {
        super::Threshold::Count(k) => {
            if k == 0 {
                return Err(invalid(
                    "threshold",
                    "a count threshold is at least 1".into(),
                ));
            }
            Ok(vec![k; n])
        }
        super::Threshold::Fraction(theta) => {
            if !(theta > 0.0 && theta <= 1.0) {
                return Err(invalid(
                    "threshold",
                    format!("fraction {theta} is not in (0, 1]"),
                ));
            }
            // The least integer c with c ≥ θ·degree, and at least one.
            Ok((0..n as NodeIdx)
                .map(|v| ((theta * exposure.degree(v) as f64).ceil() as u32).max(1))
                .collect())
        }
    }
}
