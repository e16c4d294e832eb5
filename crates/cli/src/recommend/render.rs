//! Writing a recommendation [`Report`]: JSON (the whole report), CSV (one row per pick, the
//! summary on stderr) or a table for reading.

use std::io::{self, Write};

use engine::influence::{Selection, SetSource, Units};
use engine::{Network, NodeIdx};
use serde::Serialize;

use super::{ModelArg, Parameters};
use crate::output::{self, Align, Format, Table};

/// Everything `recommend` reports; the JSON output is exactly this.
#[derive(Serialize)]
pub struct Report {
    parameters: Parameters,
    spread: SpreadReport,
    /// In greedy order.
    picks: Vec<PickRow>,
    /// Expected reach with the fixed seeds and the first k picks, k = 0, 1, ….
    reach_curve: Vec<CurvePoint>,
    /// Every set compared, with its expected reach; the returned one is `source`.
    candidates: Vec<Candidate>,
}

#[derive(Serialize)]
struct SpreadReport {
    mean: f64,
    ci_low: f64,
    ci_high: f64,
    mean_fraction: f64,
    /// With probability 1 − 1/n the picks reach at least this share of the best possible.
    certified_ratio: f64,
    /// The worst-case share guaranteed: 1 − 1/e − ε, or 1/2 − ε with quotas.
    target_ratio: f64,
    source: &'static str,
    n_rr_sets: usize,
}

/// One pick; also one CSV row.
#[derive(Serialize)]
struct PickRow {
    rank: usize,
    id: String,
    name: Option<String>,
    unit: Option<String>,
    marginal_gain: f64,
    reach: f64,
    exclusive_reach: f64,
    asked_by: Option<String>,
    asked_by_name: Option<String>,
    ask_hops: Option<u32>,
    ask_tie_weight: Option<f64>,
    reason: String,
}

#[derive(Serialize)]
struct CurvePoint {
    k: usize,
    reach: f64,
}

#[derive(Serialize)]
struct Candidate {
    source: &'static str,
    spread: f64,
}

fn source_name(source: SetSource) -> &'static str {
    match source {
        SetSource::Greedy => "greedy",
        SetSource::OneStepGreedy => "one_step_greedy",
        SetSource::Degree => "degree",
        SetSource::PageRank => "pagerank",
        SetSource::OneStepReach => "one_step_reach",
    }
}

impl Report {
    /// The report of `selection`; ids, names and units come from `network` and `units`.
    pub fn new(
        parameters: Parameters,
        selection: &Selection,
        network: &Network,
        units: Option<&Units>,
    ) -> Report {
        let name = |v: NodeIdx| network.attribute(v, "name").map(str::to_string);
        let unit = |v: NodeIdx| {
            units
                .and_then(|u| u.of(v))
                .map(|u| units.map_or("", |us| us.name(u)).to_string())
        };
        let picks = selection
            .picks
            .iter()
            .enumerate()
            .map(|(rank, pick)| PickRow {
                rank: rank + 1,
                id: network.id(pick.node).to_string(),
                name: name(pick.node),
                unit: unit(pick.node),
                marginal_gain: pick.marginal_gain,
                reach: selection.reach_curve[rank + 1],
                exclusive_reach: pick.exclusive_reach,
                asked_by: pick.asker.as_ref().map(|a| network.id(a.node).to_string()),
                asked_by_name: pick.asker.as_ref().and_then(|a| name(a.node)),
                ask_hops: pick.asker.as_ref().map(|a| a.hops),
                ask_tie_weight: pick.asker.as_ref().and_then(|a| a.tie_weight),
                reason: pick.reason.clone(),
            })
            .collect();
        let n_people = parameters.n_people.max(1) as f64;
        Report {
            spread: SpreadReport {
                mean: selection.spread,
                ci_low: selection.spread_interval.0,
                ci_high: selection.spread_interval.1,
                mean_fraction: selection.spread / n_people,
                certified_ratio: selection.certified_ratio,
                target_ratio: selection.target_ratio,
                source: source_name(selection.source),
                n_rr_sets: selection.n_rr_sets,
            },
            picks,
            reach_curve: selection
                .reach_curve
                .iter()
                .enumerate()
                .map(|(k, &reach)| CurvePoint { k, reach })
                .collect(),
            candidates: selection
                .candidates
                .iter()
                .map(|&(source, spread)| Candidate {
                    source: source_name(source),
                    spread,
                })
                .collect(),
            parameters,
        }
    }
}

/// Writes the report in `format`.
pub fn write(report: &Report, format: Format, out: &mut impl Write) -> io::Result<()> {
    match format {
        Format::Json => output::write_json(out, report),
        Format::Csv => {
            output::write_csv(out, &report.picks)?;
            // The summary goes where a person watching sees it and a pipeline does not.
            let _ = writeln!(io::stderr(), "groundswell: {}", one_line_summary(report));
            Ok(())
        }
        Format::Table => write_table(report, out),
    }
}

fn one_line_summary(report: &Report) -> String {
    let s = &report.spread;
    format!(
        "{} activists, {}; expected reach {} (95 % CI {} to {}) of {} people",
        report.picks.len(),
        model_text(&report.parameters),
        output::number(s.mean),
        output::number(s.ci_low),
        output::number(s.ci_high),
        report.parameters.n_people,
    )
}

fn model_text(p: &Parameters) -> String {
    let mut text = match p.model {
        ModelArg::Ic => "independent cascade".to_string(),
        ModelArg::Lt => "linear threshold".to_string(),
    };
    match (p.p, p.tie_probability) {
        (Some(prob), Some(super::TieProbability::PerUnitWeight)) => {
            text.push_str(&format!(", p = {prob} per unit of tie weight"))
        }
        (Some(prob), _) => text.push_str(&format!(", p = {prob}")),
        (None, Some(super::TieProbability::Weight)) => {
            text.push_str(", tie weights as probabilities")
        }
        (None, Some(_)) => text.push_str(", weighted cascade"),
        (None, None) => {}
    }
    text
}

fn write_table(report: &Report, out: &mut impl Write) -> io::Result<()> {
    let p = &report.parameters;
    let s = &report.spread;
    writeln!(out, "Activists")?;
    let mut limits = Vec::new();
    if let Some(n) = p.max_per_unit {
        limits.push(format!(
            "at most {n} per {}",
            p.quota_by.as_deref().unwrap_or("unit")
        ));
    }
    if let Some(n) = p.min_per_unit {
        limits.push(format!(
            "at least {n} per {}",
            p.quota_by.as_deref().unwrap_or("unit")
        ));
    }
    if p.n_excluded > 0 {
        limits.push(format!("{} excluded", p.n_excluded));
    }
    if p.n_fixed > 0 {
        limits.push(format!("{} already active", p.n_fixed));
    }
    output::write_fields(
        out,
        &[
            ("people", p.n_people.to_string()),
            ("layers", p.layers.join(", ")),
            ("model", model_text(p)),
            (
                "limits",
                if limits.is_empty() {
                    "none".to_string()
                } else {
                    limits.join(", ")
                },
            ),
            (
                "expected reach",
                format!(
                    "{} (95 % CI {} to {}), {} % of everyone",
                    output::number(s.mean),
                    output::number(s.ci_low),
                    output::number(s.ci_high),
                    output::number(100.0 * s.mean_fraction)
                ),
            ),
            (
                "guarantee",
                format!(
                    "at least {} % of the best possible reach (proven for this run; worst case {} %)",
                    output::number(100.0 * s.certified_ratio),
                    output::number(100.0 * s.target_ratio)
                ),
            ),
            ("chosen by", s.source.replace('_', " ")),
        ],
    )?;
    writeln!(out)?;
    let mut table = Table::new([
        ("#", Align::Right),
        ("id", Align::Left),
        ("name", Align::Left),
        ("unit", Align::Left),
        ("gain", Align::Right),
        ("reach", Align::Right),
        ("asked by", Align::Left),
        ("why", Align::Left),
    ]);
    for pick in &report.picks {
        let asker = match (&pick.asked_by, &pick.asked_by_name, pick.ask_hops) {
            (Some(id), name, Some(hops)) => {
                let who = name.clone().unwrap_or_else(|| id.clone());
                if hops == 1 {
                    who
                } else {
                    format!("{who} ({hops} steps)")
                }
            }
            _ => "-".to_string(),
        };
        table.push(vec![
            pick.rank.to_string(),
            pick.id.clone(),
            pick.name.clone().unwrap_or_default(),
            pick.unit.clone().unwrap_or_default(),
            output::number(pick.marginal_gain),
            output::number(pick.reach),
            asker,
            pick.reason.clone(),
        ]);
    }
    table.write(out)
}
