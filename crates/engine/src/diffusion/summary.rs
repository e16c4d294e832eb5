//! What a Monte-Carlo batch reports: the final spread with its interval, the distribution of
//! final sizes, the mean adoption curve with bands, and per-unit curves.
//!
//! Per-run figures are integers (numbers of people), summed as integers: the summary does
//! not depend on the order in which runs were added, let alone on threads.

use super::kernel::Scratch;

/// The 97.5th percentile of the standard normal distribution.
const Z_95: f64 = 1.959_963_984_540_054;

/// Expected final number of adopters, estimated from a batch of runs.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Spread {
    /// Mean final number of adopters (seeds and already-adopted people included).
    pub mean: f64,
    /// Sample standard deviation of the final number across runs (0 for one run).
    pub std_dev: f64,
    /// Lower end of the normal 95 % confidence interval of the mean.
    pub ci_low: f64,
    /// Upper end of the normal 95 % confidence interval of the mean.
    pub ci_high: f64,
    /// Number of runs.
    pub n_runs: usize,
}

impl Spread {
    /// The spread of final sizes given per run.
    pub fn from_sizes(sizes: &[u32]) -> Spread {
        let n_runs = sizes.len();
        let sum: u64 = sizes.iter().map(|&s| u64::from(s)).sum();
        let sum_sq: u128 = sizes.iter().map(|&s| u128::from(s) * u128::from(s)).sum();
        let (mean, half, std_dev) = mean_interval(n_runs, sum, sum_sq);
        Spread {
            mean,
            std_dev,
            ci_low: mean - half,
            ci_high: mean + half,
            n_runs,
        }
    }
}

/// Mean, half-width of the normal 95 % interval and sample standard deviation, from the
/// exact integer sum and sum of squares of `n` values.
fn mean_interval(n: usize, sum: u64, sum_sq: u128) -> (f64, f64, f64) {
    if n == 0 {
        return (0.0, 0.0, 0.0);
    }
    let nf = n as f64;
    let mean = sum as f64 / nf;
    if n == 1 {
        return (mean, 0.0, 0.0);
    }
    // n·Σx² − (Σx)² is exact in integers (both terms fit in u128 for n < 2^32 runs).
    let n128 = n as u128;
    let sum128 = u128::from(sum);
    let spread = (n128 * sum_sq).saturating_sub(sum128 * sum128);
    let variance = spread as f64 / (nf * (nf - 1.0));
    let std_dev = variance.sqrt();
    (mean, Z_95 * std_dev / nf.sqrt(), std_dev)
}

/// One step of an adoption curve: the cumulative fraction adopted by the end of the step.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CurvePoint {
    /// Mean fraction across runs.
    pub mean: f64,
    /// Lower end of the normal 95 % confidence interval of the mean.
    pub mean_low: f64,
    /// Upper end of the normal 95 % confidence interval of the mean.
    pub mean_high: f64,
    /// 2.5th percentile across runs (linear interpolation between order statistics).
    pub band_low: f64,
    /// 97.5th percentile across runs.
    pub band_high: f64,
}

/// The mean adoption curve of a batch, one point per step from step 0.
#[derive(Clone, Debug, PartialEq)]
pub struct Curve {
    /// How many people the fractions are of.
    pub n_people: usize,
    /// Point s is the state at the end of step s.
    pub points: Vec<CurvePoint>,
}

/// One step of a unit's adoption curve.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct UnitPoint {
    /// Mean fraction of the unit's members who have adopted, across runs.
    pub mean: f64,
    /// Lower end of the normal 95 % confidence interval of the mean.
    pub mean_low: f64,
    /// Upper end of the normal 95 % confidence interval of the mean.
    pub mean_high: f64,
}

/// The mean adoption curve within one unit (department, location, …).
#[derive(Clone, Debug, PartialEq)]
pub struct UnitCurve {
    /// The unit label, as given per person.
    pub unit: u32,
    /// How many people carry this label (fractions are of them; 0 if none).
    pub n_members: usize,
    /// Point s is the state at the end of step s, like [`Curve::points`].
    pub points: Vec<UnitPoint>,
}

/// The summary of a Monte-Carlo batch.
#[derive(Clone, Debug, PartialEq)]
pub struct Batch {
    spread: Spread,
    final_sizes: Vec<u32>,
    curve: Curve,
    unit_curves: Vec<UnitCurve>,
}

impl Batch {
    /// Final number of adopters: mean and its 95 % interval.
    pub fn spread(&self) -> &Spread {
        &self.spread
    }

    /// Final number of adopters of each run, in run order.
    pub fn final_sizes(&self) -> &[u32] {
        &self.final_sizes
    }

    /// The distribution of final sizes: (size, number of runs), by size.
    pub fn final_size_counts(&self) -> Vec<(u32, usize)> {
        let mut sorted = self.final_sizes.clone();
        sorted.sort_unstable();
        let mut counts: Vec<(u32, usize)> = Vec::new();
        for size in sorted {
            match counts.last_mut() {
                Some((last, n)) if *last == size => *n += 1,
                _ => counts.push((size, 1)),
            }
        }
        counts
    }

    /// The mean adoption curve with its bands. Runs that ended early count with their final
    /// state at later steps.
    pub fn curve(&self) -> &Curve {
        &self.curve
    }

    /// Per-unit curves, one per label 0..=largest label (empty without unit labels).
    pub fn unit_curves(&self) -> &[UnitCurve] {
        &self.unit_curves
    }
}

/// What one block of runs contributes, kept as integers.
pub(crate) struct BlockSummary {
    final_sizes: Vec<u32>,
    /// Each run's cumulative curve, concatenated; run k is `curves[ends[k-1]..ends[k]]`.
    curves: Vec<u32>,
    ends: Vec<usize>,
    units: Option<UnitSums>,
}

/// Per (step, unit) sums of the runs' cumulative counts and of their squares. A run that
/// ended at length L adds its final counts to `tail_*[L]`, which stand for every later step.
struct UnitSums {
    labels_n_units: usize,
    running: Vec<u32>,
    sum: Vec<u64>,
    sum_sq: Vec<u128>,
    tail_sum: Vec<u64>,
    tail_sq: Vec<u128>,
}

impl BlockSummary {
    pub(crate) fn new(n_units: Option<usize>) -> BlockSummary {
        BlockSummary {
            final_sizes: Vec::new(),
            curves: Vec::new(),
            ends: Vec::new(),
            units: n_units.map(|n_units| UnitSums {
                labels_n_units: n_units,
                running: vec![0; n_units],
                sum: Vec::new(),
                sum_sq: Vec::new(),
                tail_sum: Vec::new(),
                tail_sq: Vec::new(),
            }),
        }
    }

    /// Appends `later`, whose runs come after this one's: final sizes and curves keep run
    /// order, unit sums add up (exactly, as integers).
    pub(crate) fn merge(mut self, later: BlockSummary) -> BlockSummary {
        self.final_sizes.extend_from_slice(&later.final_sizes);
        let offset = self.curves.len();
        self.curves.extend_from_slice(&later.curves);
        self.ends.extend(later.ends.iter().map(|&end| end + offset));
        if let (Some(mine), Some(theirs)) = (&mut self.units, &later.units) {
            add_into(&mut mine.sum, &theirs.sum);
            add_into(&mut mine.sum_sq, &theirs.sum_sq);
            add_into(&mut mine.tail_sum, &theirs.tail_sum);
            add_into(&mut mine.tail_sq, &theirs.tail_sq);
        }
        self
    }

    /// Adds the run just finished in `scratch`.
    pub(crate) fn add_run(&mut self, scratch: &Scratch, labels: &[u32]) {
        self.final_sizes.push(scratch.order.len() as u32);
        self.curves.extend_from_slice(&scratch.curve);
        self.ends.push(self.curves.len());
        let Some(units) = &mut self.units else { return };
        let n_units = units.labels_n_units;
        let len = scratch.curve.len();
        let needed = (len + 1) * n_units;
        for v in [&mut units.sum, &mut units.tail_sum] {
            if v.len() < needed {
                v.resize(needed, 0);
            }
        }
        for v in [&mut units.sum_sq, &mut units.tail_sq] {
            if v.len() < needed {
                v.resize(needed, 0);
            }
        }
        units.running.fill(0);
        let mut begin = 0;
        for (step, &end) in scratch.curve.iter().enumerate() {
            for &v in &scratch.order[begin..end as usize] {
                units.running[labels[v as usize] as usize] += 1;
            }
            begin = end as usize;
            let row = step * n_units;
            for (unit, &x) in units.running.iter().enumerate() {
                units.sum[row + unit] += u64::from(x);
                units.sum_sq[row + unit] += u128::from(x) * u128::from(x);
            }
        }
        let row = len * n_units;
        for (unit, &x) in units.running.iter().enumerate() {
            units.tail_sum[row + unit] += u64::from(x);
            units.tail_sq[row + unit] += u128::from(x) * u128::from(x);
        }
    }
}

/// `total[i] += part[i]`, growing `total` to `part`'s length.
fn add_into<T: Copy + Default + std::ops::AddAssign>(total: &mut Vec<T>, part: &[T]) {
    if total.len() < part.len() {
        total.resize(part.len(), T::default());
    }
    for (t, &p) in total.iter_mut().zip(part) {
        *t += p;
    }
}

/// The [`Batch`] of all runs, merged in run order; with `fixed_points`, the curves have at
/// least that many points.
pub(crate) fn finish(
    all: BlockSummary,
    n_people: usize,
    labels: &[u32],
    fixed_points: Option<usize>,
) -> Batch {
    let n_runs = all.final_sizes.len();
    let longest = run_curves(&all).map(<[u32]>::len).max().unwrap_or(0);
    let n_points = fixed_points.unwrap_or(longest).max(longest);
    let curve = overall_curve(&all, n_people, n_runs, n_points);
    let unit_curves = unit_curves(&all, labels, n_runs, n_points);
    Batch {
        spread: Spread::from_sizes(&all.final_sizes),
        final_sizes: all.final_sizes,
        curve,
        unit_curves,
    }
}

/// Each run's cumulative curve, in run order.
fn run_curves(all: &BlockSummary) -> impl Iterator<Item = &[u32]> {
    let mut begin = 0;
    all.ends.iter().map(move |&end| {
        let run_curve = &all.curves[begin..end];
        begin = end;
        run_curve
    })
}

fn overall_curve(all: &BlockSummary, n_people: usize, n_runs: usize, n_points: usize) -> Curve {
    // values[step * n_runs + run]: each run's cumulative count, carried past its end.
    let mut values = vec![0u32; n_points * n_runs];
    for (run, run_curve) in run_curves(all).enumerate() {
        let last = run_curve.last().copied().unwrap_or(0);
        for step in 0..n_points {
            values[step * n_runs + run] = run_curve.get(step).copied().unwrap_or(last);
        }
    }
    let per_person = |x: f64| {
        if n_people == 0 {
            0.0
        } else {
            x / n_people as f64
        }
    };
    let points = values
        .chunks_mut(n_runs.max(1))
        .take(n_points)
        .map(|at_step| {
            let sum: u64 = at_step.iter().map(|&x| u64::from(x)).sum();
            let sum_sq: u128 = at_step.iter().map(|&x| u128::from(x) * u128::from(x)).sum();
            let (mean, half, _) = mean_interval(n_runs, sum, sum_sq);
            at_step.sort_unstable();
            CurvePoint {
                mean: per_person(mean),
                mean_low: per_person(mean - half),
                mean_high: per_person(mean + half),
                band_low: per_person(percentile(at_step, 0.025)),
                band_high: per_person(percentile(at_step, 0.975)),
            }
        })
        .collect();
    Curve { n_people, points }
}

/// The q-quantile of sorted values, interpolating linearly between order statistics (type 7
/// of Hyndman & Fan 1996, numpy's default).
fn percentile(sorted: &[u32], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let h = (sorted.len() - 1) as f64 * q;
    let below = h.floor() as usize;
    let above = (below + 1).min(sorted.len() - 1);
    let (lo, hi) = (f64::from(sorted[below]), f64::from(sorted[above]));
    lo + (h - below as f64) * (hi - lo)
}

fn unit_curves(
    all: &BlockSummary,
    labels: &[u32],
    n_runs: usize,
    n_points: usize,
) -> Vec<UnitCurve> {
    let Some(units) = &all.units else {
        return Vec::new();
    };
    let n_units = units.labels_n_units;
    let mut n_members = vec![0usize; n_units];
    for &label in labels {
        n_members[label as usize] += 1;
    }
    // Sums within runs, plus the tails of runs that ended, carried forward step by step.
    let cells = (n_points + 1) * n_units;
    let (mut sum, mut sum_sq) = (vec![0u64; cells], vec![0u128; cells]);
    let (mut tail_sum, mut tail_sq) = (vec![0u64; cells], vec![0u128; cells]);
    add_into(&mut sum, &units.sum);
    add_into(&mut sum_sq, &units.sum_sq);
    add_into(&mut tail_sum, &units.tail_sum);
    add_into(&mut tail_sq, &units.tail_sq);
    let mut carried_sum = vec![0u64; n_units];
    let mut carried_sq = vec![0u128; n_units];
    let mut curves: Vec<UnitCurve> = (0..n_units)
        .map(|unit| UnitCurve {
            unit: unit as u32,
            n_members: n_members[unit],
            points: Vec::with_capacity(n_points),
        })
        .collect();
    for step in 0..n_points {
        let row = step * n_units;
        for (unit, curve) in curves.iter_mut().enumerate() {
            carried_sum[unit] += tail_sum[row + unit];
            carried_sq[unit] += tail_sq[row + unit];
            let s = sum[row + unit] + carried_sum[unit];
            let sq = sum_sq[row + unit] + carried_sq[unit];
            let (mean, half, _) = mean_interval(n_runs, s, sq);
            let members = curve.n_members as f64;
            let per_member = |x: f64| if members == 0.0 { 0.0 } else { x / members };
            curve.points.push(UnitPoint {
                mean: per_member(mean),
                mean_low: per_member(mean - half),
                mean_high: per_member(mean + half),
            });
        }
    }
    curves
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spread_of_known_sizes() {
        let s = Spread::from_sizes(&[1, 2, 3, 4]);
        assert_eq!(s.mean, 2.5);
        // Sample variance 5/3.
        assert!((s.std_dev - (5.0f64 / 3.0).sqrt()).abs() < 1e-12);
        assert!((s.ci_high - s.mean - Z_95 * s.std_dev / 2.0).abs() < 1e-12);
        assert_eq!(Spread::from_sizes(&[7]).ci_low, 7.0);
    }

    #[test]
    fn percentiles_interpolate_like_numpy() {
        // numpy.percentile([1, 2, 3, 4, 10], [2.5, 97.5]) == [1.1, 9.4]
        let v = [1, 2, 3, 4, 10];
        assert!((percentile(&v, 0.025) - 1.1).abs() < 1e-12);
        assert!((percentile(&v, 0.975) - 9.4).abs() < 1e-12);
        assert_eq!(percentile(&[5], 0.975), 5.0);
    }
}
