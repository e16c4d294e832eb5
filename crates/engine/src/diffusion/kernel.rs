//! One run of a diffusion, written for speed: the CSR slices are borrowed once, all per-run
//! state lives in a reusable [`Scratch`] whose arrays are epoch-stamped instead of cleared,
//! and uniform tie trials skip geometrically to the next success, so a run costs time in
//! proportion to the people it reaches and the ties that transmit, not to n or m.

use rand_xoshiro::Xoshiro256PlusPlus;

use super::rng::{self, Stream, geometric_gap};
use crate::{Csr, NodeIdx};

/// Above this largest tie probability in a row, plain per-tie Bernoulli trials beat
/// geometric skipping (which pays a logarithm per candidate).
const DIRECT_TRIALS_ABOVE: f64 = 0.25;

/// A [`super::Diffusion`] compiled for one graph: everything a run reads.
pub(crate) struct Compiled<'g> {
    pub(crate) n_nodes: usize,
    /// Row u lists the people u influences.
    pub(crate) spread: &'g Csr,
    /// Row v lists the people who influence v (the transpose of `spread`).
    pub(crate) exposure: &'g Csr,
    pub(crate) personal: Personal,
    pub(crate) broadcast: f64,
    pub(crate) broadcast_inv_ln_fail: f64,
    pub(crate) max_steps: Option<u32>,
}

/// The personal channel, with what its runs need precomputed.
pub(crate) enum Personal {
    /// Independent cascade, or its persistent form when `persistent`.
    Cascade { trials: Trials, persistent: bool },
    /// Linear threshold: normalised weights aligned with `spread.targets()`.
    Threshold { weights: Vec<f64> },
    /// Complex contagion: how many adopting influencers each person needs.
    Counting { need: Vec<u32> },
}

/// The adoption rule of the threshold models.
#[derive(Clone, Copy)]
enum Rule<'a> {
    /// Linear threshold with these normalised weights.
    Linear(&'a [f64]),
    /// Complex contagion with these needs.
    Count(&'a [u32]),
}

/// How the ties of a row are tried.
pub(crate) enum Trials {
    /// Every tie with probability `p`; `none_by_degree[d]` = (1 − p)^d is the chance that a
    /// row of d ties has no success, which spares the logarithm for most rows.
    Uniform {
        p: f64,
        inv_ln_fail: f64,
        none_by_degree: Vec<f64>,
    },
    /// A probability per tie, aligned with `spread.targets()`, with each row's largest
    /// (candidates are drawn at that rate, then thinned) and 1 / ln(1 − largest).
    PerTie {
        probabilities: Vec<f64>,
        row_max: Vec<f64>,
        row_inv_ln_fail: Vec<f64>,
    },
}

impl Trials {
    /// Calls `hit` with the target of every tie of row `node` (ties `first_tie..`, targets
    /// `targets`) that transmits, in row order.
    #[inline]
    fn for_each_success(
        &self,
        node: NodeIdx,
        first_tie: usize,
        targets: &[NodeIdx],
        stream: &mut Stream,
        mut hit: impl FnMut(NodeIdx),
    ) {
        let degree = targets.len();
        if degree == 0 {
            return;
        }
        match self {
            Trials::Uniform {
                p,
                inv_ln_fail,
                none_by_degree,
            } => {
                if *p <= 0.0 {
                    return;
                }
                if *p >= 1.0 {
                    targets.iter().for_each(|&v| hit(v));
                    return;
                }
                // The first gap reaches past the row exactly when U ≤ (1 − p)^degree.
                let u = stream.open01();
                if u <= none_by_degree[degree] {
                    return;
                }
                let mut i = geometric_gap(u, *inv_ln_fail);
                while i < degree {
                    hit(targets[i]);
                    i = i.saturating_add(1 + geometric_gap(stream.open01(), *inv_ln_fail));
                }
            }
            Trials::PerTie {
                probabilities,
                row_max,
                row_inv_ln_fail,
            } => {
                let p_max = row_max[node as usize];
                if p_max <= 0.0 {
                    return;
                }
                let probabilities = &probabilities[first_tie..first_tie + degree];
                if p_max > DIRECT_TRIALS_ABOVE {
                    for (&v, &p) in targets.iter().zip(probabilities) {
                        if stream.unit() < p {
                            hit(v);
                        }
                    }
                    return;
                }
                // Candidates at rate p_max, each kept with probability p / p_max.
                let inv_ln_fail = row_inv_ln_fail[node as usize];
                let mut i = geometric_gap(stream.open01(), inv_ln_fail);
                while i < degree {
                    let p = probabilities[i];
                    if p >= p_max || stream.unit() * p_max < p {
                        hit(targets[i]);
                    }
                    i = i.saturating_add(1 + geometric_gap(stream.open01(), inv_ln_fail));
                }
            }
        }
    }
}

/// A [`super::Start`] checked against the graph, in the form runs copy from.
pub(crate) struct PreparedStart {
    /// Initially adopted people, by step.
    pub(crate) nodes: Vec<NodeIdx>,
    /// Cumulative adopters at the end of steps 0..=start_step.
    pub(crate) curve: Vec<u32>,
    pub(crate) start_step: u32,
    /// Index in `nodes` of the first person who adopted at the start step.
    pub(crate) start_step_begin: usize,
}

/// Per-thread working memory, reused across runs. After [`Compiled::run`], `order` holds
/// the adopters in adoption order and `curve[s]` how many had adopted by the end of step s,
/// so the adopters at step s are `order[curve[s - 1]..curve[s]]`.
pub(crate) struct Scratch {
    epoch: u32,
    /// `adopted[v] == epoch` iff v has adopted in the current run.
    adopted: Vec<u32>,
    /// `touched[v] == epoch` iff `acc[v]` / `count[v]` hold this run's value.
    touched: Vec<u32>,
    acc: Vec<f64>,
    count: Vec<u32>,
    active: Vec<NodeIdx>,
    pub(crate) order: Vec<NodeIdx>,
    pub(crate) curve: Vec<u32>,
}

impl Scratch {
    pub(crate) fn new(n_nodes: usize) -> Scratch {
        Scratch {
            epoch: 0,
            adopted: vec![0; n_nodes],
            touched: Vec::new(),
            acc: Vec::new(),
            count: Vec::new(),
            active: Vec::new(),
            order: Vec::new(),
            curve: Vec::new(),
        }
    }

    /// Starts a new run: one increment instead of clearing n entries.
    fn begin(&mut self, n_nodes: usize) {
        if self.epoch == u32::MAX {
            self.epoch = 0;
            self.adopted.fill(0);
            self.touched.fill(0);
        }
        self.epoch += 1;
        self.order.clear();
        self.curve.clear();
        self.active.clear();
        debug_assert_eq!(self.adopted.len(), n_nodes);
    }

    /// Sizes the arrays that only some models use.
    fn ensure_touched(&mut self, n_nodes: usize, with_acc: bool) {
        if self.touched.len() != n_nodes {
            self.touched = vec![0; n_nodes];
            self.count = vec![0; n_nodes];
        }
        if with_acc && self.acc.len() != n_nodes {
            self.acc = vec![0.0; n_nodes];
        }
    }
}

impl Compiled<'_> {
    /// Simulates one run with key `run_key` from `start`, leaving the outcome in `scratch`.
    pub(crate) fn run(&self, start: &PreparedStart, run_key: u64, scratch: &mut Scratch) {
        scratch.begin(self.n_nodes);
        let epoch = scratch.epoch;
        for &v in &start.nodes {
            scratch.adopted[v as usize] = epoch;
        }
        scratch.order.extend_from_slice(&start.nodes);
        scratch.curve.extend_from_slice(&start.curve);
        let mut broadcast = (self.broadcast > 0.0).then(|| rng::broadcast_rng(run_key));
        match &self.personal {
            Personal::Cascade {
                trials,
                persistent: false,
            } => self.run_cascade(trials, start, run_key, &mut broadcast, scratch),
            Personal::Cascade {
                trials,
                persistent: true,
            } => self.run_persistent(trials, start, run_key, &mut broadcast, scratch),
            Personal::Threshold { weights } => self.run_threshold(
                Rule::Linear(weights),
                start,
                run_key,
                &mut broadcast,
                scratch,
            ),
            Personal::Counting { need } => {
                self.run_threshold(Rule::Count(need), start, run_key, &mut broadcast, scratch)
            }
        }
        // The run ends with its last adoption: drop the idle steps that showed nothing more
        // could happen (batches carry the final state forward to a common length).
        let curve = &mut scratch.curve;
        while curve.len() > start.curve.len() && curve[curve.len() - 2] == curve[curve.len() - 1] {
            curve.pop();
        }
    }

    /// Whether to simulate another step after `elapsed` steps past the start.
    #[inline]
    fn keep_going(&self, elapsed: u32, personal_idle: bool, n_adopted: usize) -> bool {
        if self.max_steps.is_some_and(|max| elapsed >= max) {
            return false;
        }
        !personal_idle || (self.broadcast > 0.0 && n_adopted < self.n_nodes)
    }

    /// Broadcast at one step: each person not yet adopted adopts with probability q.
    /// Candidates are drawn among all n people by geometric skipping (O(qn) a step).
    fn broadcast_step(
        &self,
        rng: &mut Option<Xoshiro256PlusPlus>,
        adopted: &mut [u32],
        epoch: u32,
        order: &mut Vec<NodeIdx>,
    ) {
        let Some(rng) = rng else { return };
        let n = self.n_nodes;
        let mut i = if self.broadcast >= 1.0 {
            0
        } else {
            geometric_gap(rng::open01(rng), self.broadcast_inv_ln_fail)
        };
        while i < n {
            if adopted[i] != epoch {
                adopted[i] = epoch;
                order.push(i as NodeIdx);
            }
            let gap = if self.broadcast >= 1.0 {
                0
            } else {
                geometric_gap(rng::open01(rng), self.broadcast_inv_ln_fail)
            };
            i = i.saturating_add(1 + gap);
        }
    }

    fn run_cascade(
        &self,
        trials: &Trials,
        start: &PreparedStart,
        run_key: u64,
        broadcast: &mut Option<Xoshiro256PlusPlus>,
        scratch: &mut Scratch,
    ) {
        let offsets = self.spread.offsets();
        let all_targets = self.spread.targets();
        let Scratch {
            epoch,
            adopted,
            order,
            curve,
            ..
        } = scratch;
        let epoch = *epoch;
        let mut frontier_begin = start.start_step_begin;
        let mut step = start.start_step;
        loop {
            let frontier_end = order.len();
            let idle = frontier_begin == frontier_end;
            if !self.keep_going(step - start.start_step, idle, frontier_end) {
                break;
            }
            step += 1;
            for idx in frontier_begin..frontier_end {
                let u = order[idx];
                let (lo, hi) = (offsets[u as usize], offsets[u as usize + 1]);
                let mut stream = Stream::cascade(run_key, u);
                trials.for_each_success(u, lo, &all_targets[lo..hi], &mut stream, |v| {
                    let seen = &mut adopted[v as usize];
                    if *seen != epoch {
                        *seen = epoch;
                        order.push(v);
                    }
                });
            }
            self.broadcast_step(broadcast, adopted, epoch, order);
            curve.push(order.len() as u32);
            frontier_begin = frontier_end;
        }
    }

    fn run_persistent(
        &self,
        trials: &Trials,
        start: &PreparedStart,
        run_key: u64,
        broadcast: &mut Option<Xoshiro256PlusPlus>,
        scratch: &mut Scratch,
    ) {
        scratch.ensure_touched(self.n_nodes, false);
        let offsets = self.spread.offsets();
        let all_targets = self.spread.targets();
        let mut step = start.start_step;
        // Every initial adopter is "new": count who each can still reach.
        self.settle_persistent(0, scratch);
        loop {
            let Scratch {
                epoch,
                adopted,
                order,
                curve,
                active,
                ..
            } = &mut *scratch;
            let epoch = *epoch;
            if !self.keep_going(step - start.start_step, active.is_empty(), order.len()) {
                break;
            }
            step += 1;
            let new_begin = order.len();
            for &u in active.iter() {
                let (lo, hi) = (offsets[u as usize], offsets[u as usize + 1]);
                let mut stream = Stream::persistent(run_key, u, step);
                trials.for_each_success(u, lo, &all_targets[lo..hi], &mut stream, |v| {
                    let seen = &mut adopted[v as usize];
                    if *seen != epoch {
                        *seen = epoch;
                        order.push(v);
                    }
                });
            }
            self.broadcast_step(broadcast, adopted, epoch, order);
            curve.push(order.len() as u32);
            self.settle_persistent(new_begin, scratch);
        }
    }

    /// Keeps `count[w]` = the number of people w influences who have not adopted, for every
    /// adopter w, and `active` = the adopters with such people left, after the adopters
    /// `order[new_begin..]` joined. O(sum of their degrees).
    fn settle_persistent(&self, new_begin: usize, scratch: &mut Scratch) {
        let Scratch {
            epoch,
            adopted,
            touched,
            count,
            active,
            order,
            ..
        } = scratch;
        let epoch = *epoch;
        let new = &order[new_begin..];
        // Earlier adopters lose each newcomer they influence.
        for &v in new {
            for &w in self.exposure.neighbors(v) {
                if touched[w as usize] == epoch {
                    count[w as usize] -= 1;
                }
            }
        }
        for &v in new {
            let left = self
                .spread
                .neighbors(v)
                .iter()
                .filter(|&&t| adopted[t as usize] != epoch)
                .count();
            touched[v as usize] = epoch;
            count[v as usize] = left as u32;
        }
        active.retain(|&w| count[w as usize] > 0);
        active.extend(new.iter().filter(|&&v| count[v as usize] > 0));
    }

    fn run_threshold(
        &self,
        rule: Rule<'_>,
        start: &PreparedStart,
        run_key: u64,
        broadcast: &mut Option<Xoshiro256PlusPlus>,
        scratch: &mut Scratch,
    ) {
        let linear = matches!(rule, Rule::Linear(_));
        scratch.ensure_touched(self.n_nodes, linear);
        let offsets = self.spread.offsets();
        let all_targets = self.spread.targets();
        let Scratch {
            epoch,
            adopted,
            touched,
            acc,
            count,
            order,
            curve,
            ..
        } = scratch;
        let epoch = *epoch;
        // Every initial adopter exerts influence at the first step.
        let mut frontier_begin = 0;
        let mut step = start.start_step;
        loop {
            let frontier_end = order.len();
            let idle = frontier_begin == frontier_end;
            if !self.keep_going(step - start.start_step, idle, frontier_end) {
                break;
            }
            step += 1;
            for idx in frontier_begin..frontier_end {
                let u = order[idx] as usize;
                for tie in offsets[u]..offsets[u + 1] {
                    let v = all_targets[tie];
                    let vi = v as usize;
                    if adopted[vi] == epoch {
                        continue;
                    }
                    if touched[vi] != epoch {
                        touched[vi] = epoch;
                        count[vi] = 0;
                        if linear {
                            acc[vi] = 0.0;
                        }
                    }
                    let adopts = match rule {
                        Rule::Linear(weights) => {
                            acc[vi] += weights[tie];
                            acc[vi] >= Stream::threshold(run_key, v)
                        }
                        Rule::Count(need) => {
                            count[vi] += 1;
                            count[vi] >= need[vi]
                        }
                    };
                    if adopts {
                        adopted[vi] = epoch;
                        order.push(v);
                    }
                }
            }
            self.broadcast_step(broadcast, adopted, epoch, order);
            curve.push(order.len() as u32);
            frontier_begin = frontier_end;
        }
    }
}
