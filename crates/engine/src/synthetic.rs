//! A synthetic organization: a directory (units, sites, grades, an org chart) and an informal
//! network with the structure organizational network studies report — homophily by unit and
//! site, heavy-tailed degrees, clustering, and a few brokers between silos. The demo, the
//! tests and the benchmarks all need an organization nobody's HR data went into.
//!
//! How it is built, in O(n + m):
//!
//! 1. **Units** of Zipf-like sizes (weight ∝ 1/(u + 1)^0.8, at least two people each), people
//!    numbered unit by unit; each unit has a home **site**, where 85 % of its people work.
//! 2. **Org chart**: person 0 runs the organization and unit 0; every other unit's first
//!    person is its head and reports to person 0; inside a unit the i-th person reports to
//!    the ((i − 1) / span)-th, with a span of control of 6. Grades follow the depth.
//! 3. **Informal ties**: each person's activity is drawn from a Pareto law (α = 2.5), and
//!    they name about `mean_ties` × activity colleagues (out-ties). Each tie either closes a
//!    triangle (with probability `closure`, a colleague of a colleague: the clustering of
//!    real networks, Holme & Kim 2002) or picks a colleague in proportion to activity
//!    (preferential attachment: the heavy tail) from the same unit (`unit_share`), the same
//!    site (`site_share`) or anywhere. Brokers (`broker_share` of people) look outside
//!    their unit half the time: the bridges between silos (Burt 2004). Half the ties are
//!    `advice` (directed, weight 1), half `collaboration` (recorded both ways, weight 1–5).
//!
//! The same parameters and seed give the same organization, bit for bit.

use rand::{Rng, RngExt, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

use crate::{Error, Layer, Network, NodeIdx};

/// The parameters of a synthetic organization. `Default` is the demo's: 2,000 people in 12
/// units on 3 sites.
#[derive(Clone, Debug, PartialEq)]
pub struct SyntheticOrg {
    /// People in the directory (at least 2 per unit).
    pub n_people: usize,
    /// Units (departments), at least 1.
    pub n_units: usize,
    /// Sites (locations), at least 1.
    pub n_sites: usize,
    /// Mean number of colleagues each person names.
    pub mean_ties: f64,
    /// Share of ties, not made by closing a triangle, that stay inside the unit.
    pub unit_share: f64,
    /// Share of such ties to another unit on the same site.
    pub site_share: f64,
    /// Probability that a tie closes a triangle when the person already has colleagues.
    pub closure: f64,
    /// Share of people who are brokers between silos.
    pub broker_share: f64,
    /// Seed of the generator.
    pub seed: u64,
}

impl Default for SyntheticOrg {
    fn default() -> SyntheticOrg {
        SyntheticOrg {
            n_people: 2_000,
            n_units: 12,
            n_sites: 3,
            mean_ties: 8.0,
            unit_share: 0.7,
            site_share: 0.2,
            closure: 0.4,
            broker_share: 0.02,
            seed: 1,
        }
    }
}

/// Span of control in the generated org chart.
const SPAN: usize = 6;
/// Share of a unit's people who work at its home site.
const AT_HOME_SITE: f64 = 0.85;
/// Tail exponent of the activity law: finite mean and variance, a visible heavy tail.
const PARETO_ALPHA: f64 = 2.5;

const UNIT_NAMES: [&str; 16] = [
    "Operations",
    "Sales",
    "Finance",
    "Engineering",
    "Customer Service",
    "Marketing",
    "Human Resources",
    "Legal",
    "Logistics",
    "Procurement",
    "Research",
    "IT",
    "Quality",
    "Facilities",
    "Communications",
    "Strategy",
];
const SITE_NAMES: [&str; 8] = [
    "London",
    "Lyon",
    "Nairobi",
    "Toronto",
    "Bangalore",
    "São Paulo",
    "Sydney",
    "Osaka",
];
const GRADES: [&str; 5] = ["executive", "director", "manager", "senior", "staff"];
const FIRST_NAMES: [&str; 24] = [
    "Ada", "Amara", "Ben", "Chen", "Dara", "Elif", "Femi", "Grace", "Hugo", "Ines", "Jonas", "Kai",
    "Lena", "Malik", "Nadia", "Omar", "Priya", "Quinn", "Rosa", "Sami", "Tomas", "Uma", "Vera",
    "Yusuf",
];
const LAST_NAMES: [&str; 24] = [
    "Okafor", "Martin", "Nguyen", "Silva", "Kowalski", "Haddad", "Moreau", "Tanaka", "Osei",
    "Novak", "Fischer", "Rossi", "Ahmed", "Larsen", "Costa", "Ivanova", "Mensah", "Dubois", "Kim",
    "Garcia", "Petrov", "Sato", "Bauer", "Lopez",
];

/// Where a person stands in the directory.
struct Placement {
    unit: Vec<u32>,
    site: Vec<u32>,
    manager: Vec<Option<NodeIdx>>,
    depth: Vec<u8>,
    /// People of unit u are `unit_start[u]..unit_start[u + 1]`.
    unit_start: Vec<usize>,
}

impl SyntheticOrg {
    /// Generates the organization: people with `name`, `email`, `unit`, `location`, `grade`
    /// and `manager_id` attributes (the columns of `people.csv`) and ties in the layers
    /// `reports_to`, `advice` and `collaboration`.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for fewer than two people per unit, no unit or site, or a
    /// share outside [0, 1] (`unit_share + site_share` at most 1).
    ///
    /// # Example
    /// ```
    /// use engine::synthetic::SyntheticOrg;
    /// let org = SyntheticOrg { n_people: 200, n_units: 5, ..SyntheticOrg::default() };
    /// let network = org.generate().unwrap();
    /// assert_eq!(network.n_nodes(), 200);
    /// assert_eq!(network.attribute(0, "grade"), Some("executive"));
    /// ```
    pub fn generate(&self) -> Result<Network, Error> {
        self.check()?;
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(self.seed);
        let placement = self.place(&mut rng);
        let mut network = Network::new();
        for person in 0..self.n_people {
            let node = network.node_or_insert(&person_id(person));
            let first = FIRST_NAMES[rng.random_range(0..FIRST_NAMES.len())];
            let last = LAST_NAMES[rng.random_range(0..LAST_NAMES.len())];
            network.set_attribute(node, "name", format!("{first} {last}"));
            let email = format!(
                "{}.{}.{person}@example.org",
                first.to_lowercase(),
                last.to_lowercase()
            );
            network.set_attribute(node, "email", email);
            network.set_attribute(
                node,
                "unit",
                name_of(&UNIT_NAMES, "Unit", placement.unit[person]),
            );
            network.set_attribute(
                node,
                "location",
                name_of(&SITE_NAMES, "Site", placement.site[person]),
            );
            let grade = GRADES[usize::from(placement.depth[person]).min(GRADES.len() - 1)];
            network.set_attribute(node, "grade", grade);
            if let Some(manager) = placement.manager[person] {
                network.set_attribute(node, "manager_id", person_id(manager as usize));
            }
        }
        for (person, manager) in placement.manager.iter().enumerate() {
            if let Some(manager) = *manager {
                network.add_tie(person as NodeIdx, manager, &Layer::ReportsTo, 1.0);
            }
        }
        for (source, target, collaboration, weight) in self.informal_ties(&placement, &mut rng) {
            if collaboration {
                network.add_tie(source, target, &Layer::Collaboration, weight);
                network.add_tie(target, source, &Layer::Collaboration, weight);
            } else {
                network.add_tie(source, target, &Layer::Advice, 1.0);
            }
        }
        Ok(network)
    }

    fn check(&self) -> Result<(), Error> {
        let invalid =
            |name: &'static str, reason: String| Err(Error::InvalidParameter { name, reason });
        if self.n_units == 0 || self.n_sites == 0 {
            return invalid(
                "n_units",
                "an organization needs at least one unit and one site".into(),
            );
        }
        if self.n_people < 2 * self.n_units || self.n_people > u32::MAX as usize / 2 {
            return invalid(
                "n_people",
                format!(
                    "{} people cannot fill {} units of at least 2",
                    self.n_people, self.n_units
                ),
            );
        }
        for (name, share) in [
            ("unit_share", self.unit_share),
            ("site_share", self.site_share),
            ("closure", self.closure),
            ("broker_share", self.broker_share),
        ] {
            if !(0.0..=1.0).contains(&share) {
                return invalid(name, format!("{share} is not in [0, 1]"));
            }
        }
        if self.unit_share + self.site_share > 1.0 {
            return invalid("site_share", "unit_share + site_share exceeds 1".into());
        }
        if !(self.mean_ties.is_finite() && self.mean_ties >= 0.0) {
            return invalid(
                "mean_ties",
                format!("{} is not a number >= 0", self.mean_ties),
            );
        }
        Ok(())
    }

    /// Units, sites and the org chart.
    fn place(&self, rng: &mut impl Rng) -> Placement {
        let n = self.n_people;
        let weights: Vec<f64> = (0..self.n_units)
            .map(|u| 1.0 / ((u + 1) as f64).powf(0.8))
            .collect();
        let total: f64 = weights.iter().sum();
        // Two people per unit first, the rest shared in proportion to the weights.
        let spare = n - 2 * self.n_units;
        let mut sizes: Vec<usize> = weights
            .iter()
            .map(|w| 2 + (spare as f64 * w / total) as usize)
            .collect();
        let short = n - sizes.iter().sum::<usize>();
        for size in sizes.iter_mut().take(short) {
            *size += 1;
        }
        let mut unit_start = vec![0];
        for size in &sizes {
            unit_start.push(unit_start.last().copied().unwrap_or(0) + size);
        }
        let mut placement = Placement {
            unit: vec![0; n],
            site: vec![0; n],
            manager: vec![None; n],
            depth: vec![0; n],
            unit_start,
        };
        for unit in 0..self.n_units {
            let (first, end) = (placement.unit_start[unit], placement.unit_start[unit + 1]);
            let home = (unit % self.n_sites) as u32;
            for person in first..end {
                let rank = person - first;
                placement.unit[person] = unit as u32;
                placement.site[person] = if rank == 0 || rng.random::<f64>() < AT_HOME_SITE {
                    home
                } else {
                    rng.random_range(0..self.n_sites as u32)
                };
                if rank == 0 {
                    // Unit heads report to the head of the organization; they are directors.
                    if person != 0 {
                        placement.manager[person] = Some(0);
                        placement.depth[person] = 1;
                    }
                } else {
                    let manager = first + (rank - 1) / SPAN;
                    placement.manager[person] = Some(manager as NodeIdx);
                    placement.depth[person] = placement.depth[manager].saturating_add(1).max(2);
                }
            }
        }
        placement
    }

    /// The informal ties as (source, target, is collaboration, weight), without self-ties
    /// or repeats of an ordered pair.
    fn informal_ties(
        &self,
        placement: &Placement,
        rng: &mut impl Rng,
    ) -> Vec<(NodeIdx, NodeIdx, bool, f64)> {
        let n = self.n_people;
        // Pareto(α) activity scaled to mean 1: x_m = (α − 1) / α.
        let x_min = (PARETO_ALPHA - 1.0) / PARETO_ALPHA;
        let activity: Vec<f64> = (0..n)
            .map(|_| x_min / (1.0 - rng.random::<f64>()).powf(1.0 / PARETO_ALPHA))
            .collect();
        let pool = Pools::new(&activity, placement, self.n_sites);
        let mut neighbours: Vec<Vec<NodeIdx>> = vec![Vec::new(); n];
        let mut ties = Vec::with_capacity((n as f64 * self.mean_ties) as usize);
        // People name colleagues in a random order, so that closing triangles does not
        // favour low ids.
        let mut order: Vec<usize> = (0..n).collect();
        for i in (1..n).rev() {
            order.swap(i, rng.random_range(0..=i));
        }
        for &person in &order {
            let wanted = poisson(rng, self.mean_ties * activity[person]).min(n - 1);
            let broker = rng.random::<f64>() < self.broker_share;
            let mut attempts = 0;
            let mut made = 0;
            while made < wanted && attempts < 4 * wanted + 8 {
                attempts += 1;
                let target = if !neighbours[person].is_empty() && rng.random::<f64>() < self.closure
                {
                    let friend = pick(rng, &neighbours[person]);
                    if neighbours[friend as usize].is_empty() {
                        continue;
                    }
                    pick(rng, &neighbours[friend as usize])
                } else {
                    let draw = rng.random::<f64>();
                    let (unit_share, site_share) = if broker {
                        (0.5 * self.unit_share, 0.5 * self.site_share)
                    } else {
                        (self.unit_share, self.site_share)
                    };
                    if draw < unit_share {
                        pool.in_unit(rng, placement.unit[person] as usize)
                    } else if draw < unit_share + site_share {
                        pool.at_site(rng, placement.site[person] as usize)
                    } else {
                        pool.anywhere(rng)
                    }
                };
                let target_idx = target as usize;
                if target_idx == person || neighbours[person].contains(&target) {
                    continue;
                }
                let collaboration = rng.random::<bool>();
                let weight = if collaboration {
                    f64::from(rng.random_range(1..=5u8))
                } else {
                    1.0
                };
                ties.push((person as NodeIdx, target, collaboration, weight));
                neighbours[person].push(target);
                neighbours[target_idx].push(person as NodeIdx);
                made += 1;
            }
        }
        ties
    }
}

/// Activity-proportional sampling from the whole organization, a unit, or a site: cumulative
/// activity over each group's members, searched by bisection.
struct Pools {
    all: Group,
    units: Vec<Group>,
    sites: Vec<Group>,
}

struct Group {
    members: Vec<NodeIdx>,
    cumulative: Vec<f64>,
}

impl Group {
    fn new(members: Vec<NodeIdx>, activity: &[f64]) -> Group {
        let mut total = 0.0;
        let cumulative = members
            .iter()
            .map(|&m| {
                total += activity[m as usize];
                total
            })
            .collect();
        Group {
            members,
            cumulative,
        }
    }

    fn sample(&self, rng: &mut impl Rng) -> NodeIdx {
        let total = self.cumulative.last().copied().unwrap_or(0.0);
        let x = rng.random::<f64>() * total;
        let at = self
            .cumulative
            .partition_point(|&c| c <= x)
            .min(self.members.len() - 1);
        self.members[at]
    }
}

impl Pools {
    fn new(activity: &[f64], placement: &Placement, n_sites: usize) -> Pools {
        let n = activity.len();
        let units = placement
            .unit_start
            .windows(2)
            .map(|w| Group::new((w[0] as NodeIdx..w[1] as NodeIdx).collect(), activity))
            .collect();
        let mut at_site: Vec<Vec<NodeIdx>> = vec![Vec::new(); n_sites];
        for person in 0..n {
            at_site[placement.site[person] as usize].push(person as NodeIdx);
        }
        let sites = at_site
            .into_iter()
            .map(|members| Group::new(members, activity))
            .collect();
        Pools {
            all: Group::new((0..n as NodeIdx).collect(), activity),
            units,
            sites,
        }
    }

    fn in_unit(&self, rng: &mut impl Rng, unit: usize) -> NodeIdx {
        self.units[unit].sample(rng)
    }

    fn at_site(&self, rng: &mut impl Rng, site: usize) -> NodeIdx {
        // Every site holds its units' heads, so it is never empty for a unit's people.
        self.sites[site].sample(rng)
    }

    fn anywhere(&self, rng: &mut impl Rng) -> NodeIdx {
        self.all.sample(rng)
    }
}

fn pick(rng: &mut impl Rng, from: &[NodeIdx]) -> NodeIdx {
    from[rng.random_range(0..from.len())]
}

/// A Poisson draw: Knuth's product of uniforms for small means, a rounded normal beyond.
fn poisson(rng: &mut impl Rng, mean: f64) -> usize {
    if mean <= 0.0 {
        return 0;
    }
    if mean > 30.0 {
        // Box–Muller.
        let (u, v): (f64, f64) = (1.0 - rng.random::<f64>(), rng.random::<f64>());
        let z = (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos();
        return (mean + mean.sqrt() * z).round().max(0.0) as usize;
    }
    let limit = (-mean).exp();
    let mut product = rng.random::<f64>();
    let mut count = 0;
    while product > limit {
        product *= rng.random::<f64>();
        count += 1;
    }
    count
}

/// The external id of the n-th person: `p000042`.
fn person_id(n: usize) -> String {
    format!("p{n:06}")
}

/// The n-th name of a list, or "Prefix N" past its end.
fn name_of(names: &[&str], prefix: &str, n: u32) -> String {
    names
        .get(n as usize)
        .map_or_else(|| format!("{prefix} {}", n + 1), |name| (*name).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::GraphOptions;
    use std::collections::{BTreeSet, HashMap, HashSet};

    fn org(n_people: usize, seed: u64) -> Network {
        SyntheticOrg {
            n_people,
            seed,
            ..SyntheticOrg::default()
        }
        .generate()
        .unwrap()
    }

    fn layer_ties<'n>(
        network: &'n Network,
        layer: &Layer,
    ) -> impl Iterator<Item = (usize, usize)> + 'n {
        let idx = network.layers().iter().position(|l| l == layer);
        network
            .ties()
            .iter()
            .filter(move |t| Some(usize::from(t.layer)) == idx)
            .map(|t| (t.source as usize, t.target as usize))
    }

    fn informal(network: &Network) -> Vec<(usize, usize)> {
        layer_ties(network, &Layer::Advice)
            .chain(layer_ties(network, &Layer::Collaboration))
            .collect()
    }

    #[test]
    fn the_same_seed_gives_the_same_organization() {
        let (a, b, c) = (org(500, 7), org(500, 7), org(500, 8));
        assert_eq!(a.ties(), b.ties());
        assert_eq!(a.attribute_column("unit"), b.attribute_column("unit"));
        assert_ne!(a.ties(), c.ties());
    }

    #[test]
    fn everyone_has_a_unit_a_site_and_one_chain_of_managers_to_the_top() {
        let network = org(2_000, 1);
        assert_eq!(network.n_nodes(), 2_000);
        let units: BTreeSet<&str> = (0..2_000)
            .filter_map(|v| network.attribute(v, "unit"))
            .collect();
        let sites: BTreeSet<&str> = (0..2_000)
            .filter_map(|v| network.attribute(v, "location"))
            .collect();
        assert_eq!((units.len(), sites.len()), (12, 3));
        let manager: HashMap<usize, usize> = layer_ties(&network, &Layer::ReportsTo).collect();
        assert_eq!(
            manager.len(),
            1_999,
            "everyone but the head has exactly one manager"
        );
        for person in 0..2_000 {
            let (mut at, mut steps) = (person, 0);
            while let Some(&next) = manager.get(&at) {
                at = next;
                steps += 1;
                assert!(steps < 20, "a cycle above person {person}");
            }
            assert_eq!(at, 0);
            let manager_id = network.attribute(person as u32, "manager_id");
            assert_eq!(
                manager_id,
                manager.get(&person).map(|&m| network.id(m as u32))
            );
        }
    }

    #[test]
    fn ties_stay_mostly_inside_units_yet_every_unit_is_reached() {
        let network = org(3_000, 3);
        let unit = |v: usize| network.attribute(v as u32, "unit").unwrap();
        let ties = informal(&network);
        let inside = ties.iter().filter(|&&(s, t)| unit(s) == unit(t)).count();
        let share = inside as f64 / ties.len() as f64;
        assert!(
            (0.6..0.95).contains(&share),
            "share of ties inside a unit {share}"
        );
        let bridged: HashSet<(&str, &str)> = ties
            .iter()
            .map(|&(s, t)| (unit(s), unit(t)))
            .filter(|(a, b)| a != b)
            .collect();
        assert!(
            bridged.len() >= 12 * 4,
            "only {} pairs of units are tied",
            bridged.len()
        );
        assert!(ties.iter().all(|&(s, t)| s != t));
    }

    #[test]
    fn degrees_are_heavy_tailed_and_the_network_clusters() {
        let network = org(5_000, 5);
        let graph = network
            .graph(&GraphOptions {
                layers: Some(vec![Layer::Advice, Layer::Collaboration]),
                drop_self_loops: true,
            })
            .to_undirected();
        let degrees: Vec<usize> = graph
            .nodes()
            .map(|v| graph.out_neighbors(v).len())
            .collect();
        let mean = degrees.iter().sum::<usize>() as f64 / degrees.len() as f64;
        let max = *degrees.iter().max().unwrap() as f64;
        assert!((8.0..40.0).contains(&mean), "mean degree {mean}");
        assert!(
            max > 5.0 * mean,
            "max degree {max} against mean {mean}: no heavy tail"
        );
        // Average local clustering, against the density a random graph would have.
        let mut clustering = 0.0;
        for v in graph.nodes() {
            let nbrs = graph.out_neighbors(v);
            if nbrs.len() < 2 {
                continue;
            }
            let links: usize = nbrs
                .iter()
                .map(|&u| {
                    graph
                        .out_neighbors(u)
                        .iter()
                        .filter(|w| nbrs.binary_search(w).is_ok())
                        .count()
                })
                .sum();
            clustering += links as f64 / (nbrs.len() * (nbrs.len() - 1)) as f64;
        }
        clustering /= graph.n_nodes() as f64;
        let density = mean / graph.n_nodes() as f64;
        assert!(
            clustering > 20.0 * density,
            "clustering {clustering} vs density {density}"
        );
    }

    #[test]
    fn it_round_trips_through_people_and_ties_csv() {
        let network = org(300, 2);
        let (mut people, mut ties) = (Vec::new(), Vec::new());
        crate::io::write_people_csv(&network, &mut people).unwrap();
        crate::io::write_ties_csv(&network, &mut ties).unwrap();
        let back = crate::io::read_people(&people, std::path::Path::new("people.csv")).unwrap();
        let back = crate::io::read_ties(
            Some(back),
            &ties,
            std::path::Path::new("ties.csv"),
            crate::io::TiesFormat::Csv,
            &crate::io::ReadOptions::default(),
        )
        .unwrap();
        assert_eq!(back.ids(), network.ids());
        assert_eq!(back.ties().len(), network.ties().len());
        assert_eq!(
            back.attribute_column("grade"),
            network.attribute_column("grade")
        );
    }

    #[test]
    fn bad_parameters_are_refused_by_name() {
        let error = |org: SyntheticOrg| match org.generate() {
            Err(Error::InvalidParameter { name, .. }) => name,
            other => panic!("expected a refusal, got {other:?}"),
        };
        assert_eq!(
            error(SyntheticOrg {
                n_people: 10,
                n_units: 12,
                ..Default::default()
            }),
            "n_people"
        );
        assert_eq!(
            error(SyntheticOrg {
                n_sites: 0,
                ..Default::default()
            }),
            "n_units"
        );
        assert_eq!(
            error(SyntheticOrg {
                closure: 1.5,
                ..Default::default()
            }),
            "closure"
        );
        assert_eq!(
            error(SyntheticOrg {
                unit_share: 0.9,
                site_share: 0.2,
                ..Default::default()
            }),
            "site_share"
        );
        assert_eq!(
            error(SyntheticOrg {
                mean_ties: f64::NAN,
                ..Default::default()
            }),
            "mean_ties"
        );
    }
}
