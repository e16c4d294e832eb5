//! Who may be picked: units, per-unit quotas, exclusions and fixed seeds, checked once, then
//! a running feasibility test that greedy selection and the baselines share.

use fixedbitset::FixedBitSet;

use crate::{Error, NodeIdx};

/// A unit label per person (department, office …), as indices into a list of names. Quotas
/// and the plain-language reasons use it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Units {
    of_node: Vec<Option<u32>>,
    names: Vec<String>,
}

impl Units {
    /// Units from one optional label per node (e.g. `Network::attribute_column("unit")`);
    /// units are numbered in order of first appearance.
    pub fn from_labels(labels: &[Option<String>]) -> Units {
        let mut names: Vec<String> = Vec::new();
        let mut index = std::collections::HashMap::new();
        let of_node = labels
            .iter()
            .map(|label| {
                label.as_ref().map(|name| {
                    *index.entry(name.clone()).or_insert_with(|| {
                        names.push(name.clone());
                        (names.len() - 1) as u32
                    })
                })
            })
            .collect();
        Units { of_node, names }
    }

    /// Units from an index per node and the unit names.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] if an index is not below `names.len()`.
    pub fn new(of_node: Vec<Option<u32>>, names: Vec<String>) -> Result<Units, Error> {
        if let Some((node, unit)) = of_node
            .iter()
            .enumerate()
            .find_map(|(v, u)| u.filter(|&u| u as usize >= names.len()).map(|u| (v, u)))
        {
            return Err(Error::InvalidParameter {
                name: "units",
                reason: format!(
                    "node {node} has unit {unit}, but there are {} units",
                    names.len()
                ),
            });
        }
        Ok(Units { of_node, names })
    }

    /// The unit of a node, if it has one.
    pub fn of(&self, node: NodeIdx) -> Option<u32> {
        self.of_node.get(node as usize).copied().flatten()
    }

    /// The name of a unit.
    ///
    /// # Panics
    /// If `unit` is not below [`Units::n_units`].
    pub fn name(&self, unit: u32) -> &str {
        &self.names[unit as usize]
    }

    /// The index of a unit name.
    pub fn unit_idx(&self, name: &str) -> Option<u32> {
        self.names.iter().position(|n| n == name).map(|u| u as u32)
    }

    /// Number of units.
    pub fn n_units(&self) -> usize {
        self.names.len()
    }

    /// Number of nodes labelled (with or without a unit).
    pub fn n_nodes(&self) -> usize {
        self.of_node.len()
    }
}

/// Picks required or allowed in one unit. Quotas count new picks only, not fixed seeds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UnitQuota {
    /// Index into [`Units`].
    pub unit: u32,
    /// At least this many picks from the unit.
    pub at_least: usize,
    /// At most this many (`None`: no cap beyond `Constraints::max_per_unit`).
    pub at_most: Option<usize>,
}

/// Limits on the picks.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Constraints {
    /// People already active (current activists, members): never picked; whatever they reach
    /// counts as reached before selection starts, so gains are marginal to them.
    pub fixed: Vec<NodeIdx>,
    /// People never picked (opted out, excluded grades …); they still pass the behaviour on.
    pub excluded: Vec<NodeIdx>,
    /// Per-unit minimum and maximum numbers of picks (needs units).
    pub quotas: Vec<UnitQuota>,
    /// A cap on picks in every unit (needs units); people without a unit are not capped.
    pub max_per_unit: Option<usize>,
}

/// Constraints checked against the graph: who is eligible and how many per unit.
#[derive(Clone, Debug)]
pub(crate) struct Checked {
    pub(crate) eligible: FixedBitSet,
    pub(crate) n_eligible: usize,
    pub(crate) fixed: FixedBitSet,
    /// Per-unit (min, cap) and the unit of each node; empty when there are no quotas.
    pub(crate) unit_of: Vec<Option<u32>>,
    pub(crate) min: Vec<usize>,
    pub(crate) cap: Vec<usize>,
    /// Whether any quota or cap can bind (then greedy's ratio is 1/2, not 1 − 1/e).
    pub(crate) has_quotas: bool,
}

fn invalid(name: &'static str, reason: String) -> Error {
    Error::InvalidParameter { name, reason }
}

fn check_nodes(name: &'static str, nodes: &[NodeIdx], n_nodes: usize) -> Result<(), Error> {
    match nodes.iter().find(|&&v| v as usize >= n_nodes) {
        Some(v) => Err(invalid(
            name,
            format!("node {v} is not in the graph, which has {n_nodes} nodes"),
        )),
        None => Ok(()),
    }
}

impl Checked {
    /// Validates everything that can be wrong before any sampling.
    pub(crate) fn new(
        n_nodes: usize,
        k: usize,
        constraints: &Constraints,
        units: Option<&Units>,
    ) -> Result<Checked, Error> {
        check_nodes("fixed", &constraints.fixed, n_nodes)?;
        check_nodes("excluded", &constraints.excluded, n_nodes)?;
        let mut fixed = FixedBitSet::with_capacity(n_nodes);
        fixed.extend(constraints.fixed.iter().map(|&v| v as usize));
        let mut eligible = FixedBitSet::with_capacity(n_nodes);
        eligible.insert_range(..);
        for &v in constraints.excluded.iter().chain(&constraints.fixed) {
            eligible.remove(v as usize);
        }
        let n_eligible = eligible.count_ones(..);
        if k > n_eligible {
            return Err(invalid(
                "k",
                format!(
                    "{k} activists requested, but only {n_eligible} of {n_nodes} people can be \
                     picked ({} fixed, {} excluded)",
                    fixed.count_ones(..),
                    n_nodes - n_eligible - fixed.count_ones(..)
                ),
            ));
        }
        let has_quotas = !constraints.quotas.is_empty() || constraints.max_per_unit.is_some();
        let mut checked = Checked {
            eligible,
            n_eligible,
            fixed,
            unit_of: Vec::new(),
            min: Vec::new(),
            cap: Vec::new(),
            has_quotas,
        };
        if !has_quotas {
            return Ok(checked);
        }
        let Some(units) = units else {
            return Err(invalid(
                "quotas",
                "per-unit quotas need a unit for each person".into(),
            ));
        };
        if units.n_nodes() != n_nodes {
            return Err(invalid(
                "units",
                format!(
                    "{} unit labels for a graph of {n_nodes} nodes",
                    units.n_nodes()
                ),
            ));
        }
        let n_units = units.n_units();
        let mut min = vec![0usize; n_units];
        let mut cap = vec![constraints.max_per_unit.unwrap_or(usize::MAX); n_units];
        let mut seen = vec![false; n_units];
        for quota in &constraints.quotas {
            let u = quota.unit as usize;
            if u >= n_units {
                return Err(invalid(
                    "quotas",
                    format!("unknown unit index {u}: there are {n_units} units"),
                ));
            }
            if std::mem::replace(&mut seen[u], true) {
                return Err(invalid(
                    "quotas",
                    format!("unit '{}' has two quotas", units.name(quota.unit)),
                ));
            }
            min[u] = quota.at_least;
            cap[u] = cap[u].min(quota.at_most.unwrap_or(usize::MAX));
        }
        let mut eligible_in = vec![0usize; n_units];
        let mut eligible_without_unit = 0usize;
        for v in checked.eligible.ones() {
            match units.of(v as NodeIdx) {
                Some(u) => eligible_in[u as usize] += 1,
                None => eligible_without_unit += 1,
            }
        }
        for u in 0..n_units {
            let name = units.name(u as u32);
            if min[u] > cap[u] {
                return Err(invalid(
                    "quotas",
                    format!(
                        "unit '{name}' needs at least {} picks but allows at most {}",
                        min[u], cap[u]
                    ),
                ));
            }
            if min[u] > eligible_in[u] {
                return Err(invalid(
                    "quotas",
                    format!(
                        "unit '{name}' needs at least {} picks, but only {} people in it can be picked",
                        min[u], eligible_in[u]
                    ),
                ));
            }
        }
        let n_required: usize = min.iter().sum();
        if n_required > k {
            return Err(invalid(
                "quotas",
                format!("the per-unit minimums add up to {n_required}, more than k = {k}"),
            ));
        }
        let capacity = (0..n_units)
            .map(|u| cap[u].min(eligible_in[u]))
            .fold(eligible_without_unit, usize::saturating_add);
        if capacity < k {
            return Err(invalid(
                "quotas",
                format!("the per-unit caps allow at most {capacity} picks, fewer than k = {k}"),
            ));
        }
        checked.unit_of = (0..n_nodes as NodeIdx).map(|v| units.of(v)).collect();
        checked.min = min;
        checked.cap = cap;
        Ok(checked)
    }

    /// The same candidates without quotas: bounds on the optimum may ignore quotas (any
    /// feasible set is also a set of k eligible nodes).
    pub(crate) fn without_quotas(&self) -> Checked {
        Checked {
            unit_of: Vec::new(),
            min: Vec::new(),
            cap: Vec::new(),
            has_quotas: false,
            ..self.clone()
        }
    }

    /// A fresh feasibility tracker for choosing `k` nodes.
    pub(crate) fn tracker(&self, k: usize) -> Feasibility<'_> {
        Feasibility {
            checked: self,
            count: vec![0; self.min.len()],
            deficit: self.min.iter().sum(),
            remaining: k,
        }
    }
}

/// Tracks picks so far and answers "may v come next?". The sets it allows are the
/// independent sets of a matroid (a partition matroid with lower and upper bounds, truncated
/// at k): a set is allowed if it can still be completed to k picks meeting every quota.
pub(crate) struct Feasibility<'a> {
    checked: &'a Checked,
    count: Vec<usize>,
    deficit: usize,
    remaining: usize,
}

impl Feasibility<'_> {
    /// Whether `v` (eligible, not yet picked) may be picked next. Once a node is refused, it
    /// stays refused: caps only fill up, and once the open slots equal the missing minimums
    /// they stay equal.
    #[inline]
    pub(crate) fn allows(&self, v: NodeIdx) -> bool {
        if self.remaining == 0 {
            return false;
        }
        if self.count.is_empty() {
            return true;
        }
        match self.checked.unit_of[v as usize] {
            Some(u) => {
                let u = u as usize;
                if self.count[u] >= self.checked.cap[u] {
                    return false;
                }
                self.remaining > self.deficit || self.count[u] < self.checked.min[u]
            }
            None => self.remaining > self.deficit,
        }
    }

    /// Records a pick.
    pub(crate) fn take(&mut self, v: NodeIdx) {
        self.remaining -= 1;
        if self.count.is_empty() {
            return;
        }
        if let Some(u) = self.checked.unit_of[v as usize] {
            let u = u as usize;
            if self.count[u] < self.checked.min[u] {
                self.deficit -= 1;
            }
            self.count[u] += 1;
        }
    }
}

/// The first `k` nodes of `ranking` that are eligible and keep the quotas satisfiable: a
/// baseline (degree, PageRank) made to obey the same constraints as the greedy.
pub(crate) fn feasible_prefix(
    checked: &Checked,
    k: usize,
    ranking: impl IntoIterator<Item = NodeIdx>,
) -> Vec<NodeIdx> {
    let mut tracker = checked.tracker(k);
    let mut picks = Vec::with_capacity(k);
    for v in ranking {
        if picks.len() == k {
            break;
        }
        if checked.eligible.contains(v as usize) && tracker.allows(v) {
            tracker.take(v);
            picks.push(v);
        }
    }
    picks
}

#[cfg(test)]
mod tests {
    use super::*;

    fn units() -> Units {
        let labels = ["a", "a", "a", "b", "b", "c"]
            .iter()
            .map(|s| Some(s.to_string()))
            .chain([None])
            .collect::<Vec<_>>();
        Units::from_labels(&labels)
    }

    #[test]
    fn labels_become_indices_in_first_seen_order() {
        let u = units();
        assert_eq!(u.n_units(), 3);
        assert_eq!(u.of(3), Some(1));
        assert_eq!(u.of(6), None);
        assert_eq!(u.unit_idx("c"), Some(2));
        assert!(Units::new(vec![Some(3)], vec!["x".into()]).is_err());
    }

    #[test]
    fn impossible_constraints_are_reported() {
        let u = units();
        let c = |quotas: Vec<UnitQuota>, max_per_unit| Constraints {
            quotas,
            max_per_unit,
            ..Constraints::default()
        };
        let q = |unit, at_least, at_most| UnitQuota {
            unit,
            at_least,
            at_most,
        };
        let bad = [
            (8, c(vec![], None)),
            (3, c(vec![q(7, 0, None)], None)),
            (3, c(vec![q(1, 3, None)], None)),
            (2, c(vec![q(0, 2, None), q(1, 1, None)], None)),
            (5, c(vec![], Some(1))),
            (3, c(vec![q(0, 2, Some(1))], None)),
            (3, c(vec![q(0, 1, None), q(0, 1, None)], None)),
        ];
        for (k, constraints) in bad {
            let err = Checked::new(7, k, &constraints, Some(&u));
            assert!(err.is_err(), "k {k}, {constraints:?} should fail");
        }
        assert!(Checked::new(7, 1, &c(vec![], Some(1)), None).is_err());
        let fixed = Constraints {
            fixed: vec![9],
            ..Constraints::default()
        };
        assert!(Checked::new(7, 1, &fixed, None).is_err());
        assert!(Checked::new(7, 4, &c(vec![q(1, 2, None)], Some(2)), Some(&u)).is_ok());
    }

    #[test]
    fn tracker_fills_minimums_before_slots_run_out() {
        let u = units();
        let constraints = Constraints {
            quotas: vec![UnitQuota {
                unit: 1,
                at_least: 2,
                at_most: None,
            }],
            max_per_unit: Some(2),
            ..Constraints::default()
        };
        let checked = Checked::new(7, 3, &constraints, Some(&u)).unwrap();
        // Ranking prefers unit a; the cap stops it at 2 … but unit b needs 2 of the 3 slots.
        let picks = feasible_prefix(&checked, 3, [0, 1, 2, 6, 5, 3, 4]);
        assert_eq!(picks, vec![0, 3, 4]);
    }
}
