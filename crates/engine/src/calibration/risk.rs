//! Who is at risk of adopting when, and how exposed: the sufficient statistics of the
//! discrete-time hazard model, counted once so that the likelihood costs O(distinct k).

use rayon::prelude::*;

use super::{AdoptionTimes, Rates};
use crate::{Csr, Error, Graph, NodeIdx};

/// Which ties expose a person to a neighbour's adoption. For a tie "i asks j for advice"
/// (source i, target j), `Out` means j's adoption exposes i (i hears from whom they ask),
/// `In` means i's adoption exposes j (j hears from who asks them), `Both` counts each
/// neighbour in either direction once.
///
/// The default is `Both`: on the medical-innovation data (`docs/validation.md`) `Out` fits
/// worst on every layer, and `In` and `Both` differ by about one log-likelihood unit (a
/// likelihood ratio near 3, weak evidence), so the default does not presume which way a
/// survey question or a message log points.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Exposure {
    /// A person is exposed by the people they point to (their out-neighbours).
    Out,
    /// A person is exposed by the people who point to them (their in-neighbours).
    In,
    /// A person is exposed by neighbours in either direction, each counted once.
    #[default]
    Both,
}

impl Exposure {
    /// The name used in files and on the command line: `out`, `in`, `both`.
    pub fn as_str(self) -> &'static str {
        match self {
            Exposure::Out => "out",
            Exposure::In => "in",
            Exposure::Both => "both",
        }
    }
}

/// Rows of people: borrowed from the graph, except for [`Exposure::Both`] on a directed
/// graph, which needs the merged undirected rows.
pub(crate) enum Rows<'a> {
    Borrowed(&'a Csr),
    Owned(Graph),
}

impl Rows<'_> {
    pub(crate) fn csr(&self) -> &Csr {
        match self {
            Rows::Borrowed(csr) => csr,
            Rows::Owned(graph) => graph.outgoing(),
        }
    }
}

/// For each person, the people whose adoption exposes them.
pub(crate) fn exposers(graph: &Graph, exposure: Exposure) -> Rows<'_> {
    match exposure {
        Exposure::Out => Rows::Borrowed(graph.outgoing()),
        Exposure::In => Rows::Borrowed(graph.incoming()),
        Exposure::Both if graph.is_directed() => Rows::Owned(graph.to_undirected()),
        Exposure::Both => Rows::Borrowed(graph.outgoing()),
    }
}

/// The person-periods at risk up to a cut-off, grouped by exposure: for each k, how many
/// person-periods began with k adopted exposers and ended in an adoption, and how many did
/// not. A person is at risk in period t if they had not adopted by the end of t − 1; people
/// adopting after the cut-off, or never, are censored at it.
#[derive(Clone, Debug, PartialEq)]
pub struct RiskTable {
    cutoff: u32,
    /// Adoptions by exposure k (index).
    n_adopted: Vec<u64>,
    /// Person-periods without adoption by exposure k (index).
    n_stayed: Vec<u64>,
}

impl RiskTable {
    /// Counts the person-periods of periods `1..=cutoff`. Ties from a person to themselves
    /// expose no one; tie weights are ignored (k counts people).
    ///
    /// ```
    /// use engine::Graph;
    /// use engine::calibration::{AdoptionTimes, Exposure, RiskTable};
    /// // 0 asks 1 for advice; 1 adopts in period 1, 0 in period 3.
    /// let g = Graph::directed(2, [(0, 1, 1.0)]);
    /// let times = AdoptionTimes::new(vec![Some(3), Some(1)]);
    /// let table = RiskTable::new(&g, Exposure::Out, &times, 5).unwrap();
    /// // Person 1: adopts in period 1 unexposed. Person 0: period 1 unexposed, stays;
    /// // periods 2 and 3 exposed once, adopts in 3.
    /// assert_eq!((table.n_adopted(0), table.n_stayed(0)), (1, 1));
    /// assert_eq!((table.n_adopted(1), table.n_stayed(1)), (1, 1));
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] if `times` is not one entry per node of `graph`.
    ///
    /// # Complexity
    /// O(n + m log d) time, independent of the number of periods: runs of periods with the
    /// same exposure are counted at once. Parallel over people; counts are integers, so the
    /// result is the same for any thread count.
    pub fn new(
        graph: &Graph,
        exposure: Exposure,
        times: &AdoptionTimes,
        cutoff: u32,
    ) -> Result<RiskTable, Error> {
        check_sizes(graph, times)?;
        let rows = exposers(graph, exposure);
        let csr = rows.csr();
        let periods = times.periods();
        let chunk = 4096;
        let (n_adopted, n_stayed) = (0..graph.n_nodes())
            .into_par_iter()
            .with_min_len(chunk)
            .fold(
                || (Vec::new(), Vec::new(), Vec::new()),
                |(mut adopted, mut stayed, mut buffer): (Vec<u64>, Vec<u64>, Vec<u32>), node| {
                    count_person(
                        node as NodeIdx,
                        csr,
                        periods,
                        cutoff,
                        &mut buffer,
                        &mut adopted,
                        &mut stayed,
                    );
                    (adopted, stayed, buffer)
                },
            )
            .map(|(adopted, stayed, _)| (adopted, stayed))
            .reduce(
                || (Vec::new(), Vec::new()),
                |(a1, s1), (a2, s2)| (add_counts(a1, a2), add_counts(s1, s2)),
            );
        Ok(RiskTable {
            cutoff,
            n_adopted,
            n_stayed,
        })
    }

    /// The last period counted.
    pub fn cutoff(&self) -> u32 {
        self.cutoff
    }

    /// Adoptions that happened with exactly `k` adopted exposers.
    pub fn n_adopted(&self, k: usize) -> u64 {
        self.n_adopted.get(k).copied().unwrap_or(0)
    }

    /// Person-periods at exposure `k` that did not end in an adoption.
    pub fn n_stayed(&self, k: usize) -> u64 {
        self.n_stayed.get(k).copied().unwrap_or(0)
    }

    /// One more than the largest exposure with a count.
    pub fn n_exposure_levels(&self) -> usize {
        self.n_adopted.len().max(self.n_stayed.len())
    }

    /// All adoptions in periods `1..=cutoff`.
    pub fn n_adoptions(&self) -> u64 {
        self.n_adopted.iter().sum()
    }

    /// All person-periods at risk.
    pub fn n_person_periods(&self) -> u64 {
        self.n_adoptions() + self.n_stayed.iter().sum::<u64>()
    }

    /// Whether some person-period at risk had an adopted exposer: without one, the personal
    /// rate is not identified.
    pub fn has_exposure(&self) -> bool {
        self.n_adopted.iter().skip(1).any(|&n| n > 0)
            || self.n_stayed.iter().skip(1).any(|&n| n > 0)
    }

    /// The log-likelihood of `rates` (−∞ where they cannot explain an observed adoption):
    /// Σ over person-periods of log h or log(1 − h), h = 1 − (1 − q)(1 − p)^k.
    ///
    /// # Complexity
    /// O(distinct exposure levels).
    pub fn log_likelihood(&self, rates: Rates) -> f64 {
        let (broadcast, personal) = rates.hazards();
        self.grouped().value(broadcast, personal)
    }

    /// The counts as floating-point groups with at least one person-period.
    pub(crate) fn grouped(&self) -> Grouped {
        let mut grouped = Grouped::default();
        for k in 0..self.n_exposure_levels() {
            let (adopted, stayed) = (self.n_adopted(k), self.n_stayed(k));
            if adopted > 0 {
                grouped.exposure.push(k as f64);
                grouped.adopted.push(adopted as f64);
            }
            grouped.stayed += stayed as f64;
            grouped.stayed_exposure += (k as f64) * stayed as f64;
        }
        grouped
    }
}

pub(crate) fn check_sizes(graph: &Graph, times: &AdoptionTimes) -> Result<(), Error> {
    if times.n_nodes() != graph.n_nodes() {
        return Err(Error::InvalidParameter {
            name: "times",
            reason: format!(
                "{} adoption times for a graph of {} people",
                times.n_nodes(),
                graph.n_nodes()
            ),
        });
    }
    Ok(())
}

/// Adds one person's person-periods to the counts.
fn count_person(
    node: NodeIdx,
    exposers: &Csr,
    periods: &[Option<u32>],
    cutoff: u32,
    buffer: &mut Vec<u32>,
    n_adopted: &mut Vec<u64>,
    n_stayed: &mut Vec<u64>,
) {
    let own = periods[node as usize];
    if own == Some(0) || cutoff == 0 {
        return; // adopted before observation began, or nothing observed
    }
    let adopts = own.is_some_and(|t| t <= cutoff);
    let end = if adopts {
        own.unwrap_or(cutoff)
    } else {
        cutoff
    };
    // Exposers who adopted by the end of period end − 1 are all that matter.
    buffer.clear();
    buffer.extend(
        exposers
            .neighbors(node)
            .iter()
            .filter(|&&other| other != node)
            .filter_map(|&other| periods[other as usize])
            .filter(|&t| t < end),
    );
    buffer.sort_unstable();
    let last_stay = if adopts { end - 1 } else { end };
    let mut k = 0usize;
    let mut run_start = 1u32;
    let mut at = 0;
    while at < buffer.len() {
        let t = buffer[at];
        // Periods run_start..=t begin with k adopted exposers (they adopt from t + 1 on).
        if t >= run_start {
            let run_end = t.min(last_stay);
            if run_end >= run_start {
                add(n_stayed, k, u64::from(run_end - run_start + 1));
            }
            run_start = t + 1;
        }
        while at < buffer.len() && buffer[at] == t {
            k += 1;
            at += 1;
        }
    }
    if last_stay >= run_start {
        add(n_stayed, k, u64::from(last_stay - run_start + 1));
    }
    if adopts {
        add(n_adopted, k, 1);
    }
}

fn add(counts: &mut Vec<u64>, k: usize, n: u64) {
    if counts.len() <= k {
        counts.resize(k + 1, 0);
    }
    counts[k] += n;
}

fn add_counts(mut a: Vec<u64>, b: Vec<u64>) -> Vec<u64> {
    if a.len() < b.len() {
        return add_counts(b, a);
    }
    for (x, y) in a.iter_mut().zip(b) {
        *x += y;
    }
    a
}

/// The counts in the form the likelihood uses: exposure levels with adoptions, and the
/// totals of the non-adopting person-periods (their log-likelihood is linear).
#[derive(Clone, Debug, Default)]
pub(crate) struct Grouped {
    pub(crate) exposure: Vec<f64>,
    pub(crate) adopted: Vec<f64>,
    pub(crate) stayed: f64,
    pub(crate) stayed_exposure: f64,
}

impl Grouped {
    /// ℓ at broadcast hazard λ = −ln(1 − q) and personal hazard μ = −ln(1 − p): then
    /// 1 − h = e^{−(λ + kμ)} and ℓ = Σ A_k ln(1 − e^{−(λ + kμ)}) − Σ S_k (λ + kμ), concave
    /// in (λ, μ).
    pub(crate) fn value(&self, broadcast: f64, personal: f64) -> f64 {
        // Terms with a zero count are skipped, so that an infinite hazard (a rate of 1)
        // times a zero count does not make NaN.
        let mut value = 0.0;
        if self.stayed > 0.0 {
            value -= broadcast * self.stayed;
        }
        if self.stayed_exposure > 0.0 {
            value -= personal * self.stayed_exposure;
        }
        for (&k, &n) in self.exposure.iter().zip(&self.adopted) {
            let x = if k == 0.0 {
                broadcast
            } else {
                broadcast + k * personal
            };
            value += n * (-(-x).exp_m1()).ln();
        }
        if value.is_nan() {
            f64::NEG_INFINITY
        } else {
            value
        }
    }

    /// ℓ, its gradient and Hessian in (λ, μ).
    pub(crate) fn derivatives(
        &self,
        broadcast: f64,
        personal: f64,
    ) -> (f64, [f64; 2], [[f64; 2]; 2]) {
        let mut gradient = [-self.stayed, -self.stayed_exposure];
        let mut hessian = [[0.0; 2]; 2];
        for (&k, &n) in self.exposure.iter().zip(&self.adopted) {
            let x = if k == 0.0 {
                broadcast
            } else {
                broadcast + k * personal
            };
            // d/dx ln(1 − e^{−x}) = 1 / (e^x − 1); d²/dx² = −1 / ((e^x − 1)(1 − e^{−x})).
            let first = 1.0 / x.exp_m1();
            let second = -1.0 / (x.exp_m1() * -(-x).exp_m1());
            gradient[0] += n * first;
            hessian[0][0] += n * second;
            if k > 0.0 {
                gradient[1] += n * k * first;
                hessian[0][1] += n * k * second;
                hessian[1][1] += n * k * k * second;
            }
        }
        hessian[1][0] = hessian[0][1];
        (self.value(broadcast, personal), gradient, hessian)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The log-likelihood summed person-period by person-period, the slow obvious way.
    fn brute_force(
        graph: &Graph,
        exposure: Exposure,
        times: &[Option<u32>],
        cutoff: u32,
        rates: Rates,
    ) -> f64 {
        let rows = exposers(graph, exposure);
        let mut total = 0.0;
        for node in graph.nodes() {
            let own = times[node as usize];
            for t in 1..=cutoff {
                if own.is_some_and(|own| own < t) {
                    break;
                }
                let k = rows
                    .csr()
                    .neighbors(node)
                    .iter()
                    .filter(|&&j| j != node && times[j as usize].is_some_and(|tj| tj < t))
                    .count() as i32;
                let stay = (1.0 - rates.broadcast) * (1.0 - rates.personal).powi(k);
                total += if own == Some(t) {
                    (1.0 - stay).ln()
                } else {
                    stay.ln()
                };
            }
        }
        total
    }

    #[test]
    fn runs_of_equal_exposure_are_counted_by_hand() {
        // 0 is exposed by 1 (adopts in 2) and 2 (adopts at 0, before observation) and by
        // itself (a self-tie, ignored); 0 never adopts. Cut-off 4.
        let g = Graph::directed(3, [(0, 1, 1.0), (0, 2, 1.0), (0, 0, 1.0)]);
        let times = AdoptionTimes::new(vec![None, Some(2), Some(0)]);
        let table = RiskTable::new(&g, Exposure::Out, &times, 4).unwrap();
        // Person 0: periods 1–2 at k = 1, periods 3–4 at k = 2. Person 1: period 1 stays
        // at k = 0, adopts in 2 at k = 0. Person 2: not at risk.
        assert_eq!(table.n_stayed(0), 1);
        assert_eq!(table.n_adopted(0), 1);
        assert_eq!(table.n_stayed(1), 2);
        assert_eq!(table.n_stayed(2), 2);
        assert_eq!(table.n_person_periods(), 6);
        assert!(table.has_exposure());
        // In the other direction 1 and 2 are exposed by 0, who never adopts.
        let reversed = RiskTable::new(&g, Exposure::In, &times, 4).unwrap();
        assert!(!reversed.has_exposure());
    }

    #[test]
    fn mismatched_sizes_are_an_error() {
        let g = Graph::directed(2, [(0, 1, 1.0)]);
        let err = RiskTable::new(&g, Exposure::Out, &AdoptionTimes::new(vec![None]), 3);
        assert!(matches!(
            err,
            Err(Error::InvalidParameter { name: "times", .. })
        ));
    }

    #[test]
    fn derivatives_match_finite_differences() {
        let grouped = Grouped {
            exposure: vec![0.0, 1.0, 3.0],
            adopted: vec![4.0, 2.0, 1.0],
            stayed: 30.0,
            stayed_exposure: 12.0,
        };
        let (l, m) = (0.2, 0.3);
        let (_, gradient, hessian) = grouped.derivatives(l, m);
        let h = 1e-6;
        let d_l = (grouped.value(l + h, m) - grouped.value(l - h, m)) / (2.0 * h);
        let d_m = (grouped.value(l, m + h) - grouped.value(l, m - h)) / (2.0 * h);
        assert!((d_l - gradient[0]).abs() < 1e-5);
        assert!((d_m - gradient[1]).abs() < 1e-5);
        let d_lm =
            (grouped.derivatives(l, m + h).1[0] - grouped.derivatives(l, m - h).1[0]) / (2.0 * h);
        assert!((d_lm - hessian[0][1]).abs() < 1e-4);
        assert!(hessian[0][0] < 0.0 && hessian[0][0] * hessian[1][1] >= hessian[0][1].powi(2));
    }

    proptest! {
        #[test]
        fn grouped_likelihood_equals_the_person_period_sum(
            edges in proptest::collection::vec((0u32..8, 0u32..8), 0..24),
            times in proptest::collection::vec(proptest::option::of(0u32..7), 8),
            cutoff in 0u32..8,
            exposure_idx in 0usize..3,
            personal in 0.0f64..0.9,
            broadcast in 0.01f64..0.9,
        ) {
            let exposure = [Exposure::Out, Exposure::In, Exposure::Both][exposure_idx];
            let g = Graph::directed(8, edges.iter().map(|&(s, t)| (s, t, 1.0)));
            let rates = Rates { personal, broadcast };
            let table = RiskTable::new(&g, exposure, &AdoptionTimes::new(times.clone()), cutoff).unwrap();
            let expected = brute_force(&g, exposure, &times, cutoff, rates);
            let got = table.log_likelihood(rates);
            prop_assert!((expected - got).abs() <= 1e-9 * (1.0 + expected.abs()), "{expected} vs {got}");
        }
    }
}
