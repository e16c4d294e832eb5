//! Writing an analysis [`Report`]: JSON (the whole report), CSV (one row per person, the
//! network summary on stderr) or a table for reading.

use std::io::{self, Write};

use super::{NetworkSummary, PersonScores, Report, UnitMatrix};
use crate::output::{self, Align, Format, Table};

/// People listed by the table format without `--all`.
const TOP_PEOPLE: usize = 20;

/// Beyond this many units the table leaves the unit matrix to the JSON output.
const MAX_UNITS_SHOWN: usize = 20;

/// Writes the report in `format`; `all` lists every person in the table format.
pub fn write(report: &Report, format: Format, all: bool, out: &mut impl Write) -> io::Result<()> {
    match format {
        Format::Json => output::write_json(out, report),
        Format::Csv => {
            output::write_csv(out, &report.people)?;
            // The CSV holds people only; the summary goes where a person watching will see it
            // and a pipeline will not read it. Failing to show it is no reason to fail.
            let _ = writeln!(io::stderr(), "{}", one_line_summary(&report.network));
            Ok(())
        }
        Format::Table => write_table(report, all, out),
    }
}

fn one_line_summary(network: &NetworkSummary) -> String {
    format!(
        "groundswell: {} people, {} ties; {} edges analysed ({}); weak components: {}; \
         communities: {}, modularity {}; betweenness {}",
        network.n_people,
        network.n_ties,
        network.n_edges,
        network.layers_analysed.join(", "),
        network.n_weak_components,
        network.n_communities,
        output::number(network.modularity),
        betweenness_method(network),
    )
}

fn betweenness_method(network: &NetworkSummary) -> String {
    let method = &network.betweenness;
    match (method.epsilon, method.delta) {
        (Some(epsilon), Some(delta)) => format!(
            "{} (within {epsilon} with probability {})",
            method.method,
            1.0 - delta
        ),
        _ => method.method.to_string(),
    }
}

fn write_table(report: &Report, all: bool, out: &mut impl Write) -> io::Result<()> {
    let network = &report.network;
    writeln!(out, "Network")?;
    let ties_by_layer: Vec<String> = network
        .n_ties_by_layer
        .iter()
        .map(|(layer, n_ties)| format!("{layer} {n_ties}"))
        .collect();
    let mut edges_note = "parallel ties merged".to_string();
    if network.self_loops_dropped {
        edges_note.push_str(", self-ties dropped");
    }
    output::write_fields(
        out,
        &[
            ("people", network.n_people.to_string()),
            (
                "ties",
                format!("{} ({})", network.n_ties, ties_by_layer.join(", ")),
            ),
            ("layers analysed", network.layers_analysed.join(", ")),
            (
                "edges analysed",
                format!("{} ({edges_note})", network.n_edges),
            ),
            ("density", output::number(network.density)),
            (
                "weak components",
                format!(
                    "{}, the largest of {} people",
                    network.n_weak_components, network.largest_weak_component
                ),
            ),
            (
                "strong components",
                format!(
                    "{}, the largest of {} people",
                    network.n_strong_components, network.largest_strong_component
                ),
            ),
            (
                "communities",
                format!(
                    "{}, modularity {} (Leiden, seed {})",
                    network.n_communities,
                    output::number(network.modularity),
                    network.seed
                ),
            ),
            ("betweenness", betweenness_method(network)),
        ],
    )?;
    writeln!(out)?;
    write_unit_matrix(&report.unit_matrix, out)?;
    writeln!(out)?;
    write_people(&report.people, all, out)
}

fn write_unit_matrix(matrix: &UnitMatrix, out: &mut impl Write) -> io::Result<()> {
    if matrix.units.len() > MAX_UNITS_SHOWN {
        return writeln!(
            out,
            "Edges between units: {} units, too many to show here (--format json has them)",
            matrix.units.len()
        );
    }
    writeln!(out, "Edges between units (rows: from, columns: to)")?;
    let mut columns = vec![(String::new(), Align::Left)];
    columns.extend(matrix.units.iter().map(|unit| (unit.clone(), Align::Right)));
    let mut table = Table::new(columns);
    for (unit, counts) in matrix.units.iter().zip(&matrix.counts) {
        let mut row = vec![unit.clone()];
        row.extend(counts.iter().map(u64::to_string));
        table.push(row);
    }
    table.write(out)
}

fn write_people(people: &[PersonScores], all: bool, out: &mut impl Write) -> io::Result<()> {
    let mut order: Vec<usize> = (0..people.len()).collect();
    order.sort_by(|&a, &b| {
        people[b]
            .pagerank
            .total_cmp(&people[a].pagerank)
            .then(a.cmp(&b))
    });
    let n_shown = if all {
        people.len()
    } else {
        people.len().min(TOP_PEOPLE)
    };
    if n_shown == people.len() {
        writeln!(out, "All {} people, by PageRank", people.len())?;
    } else {
        writeln!(
            out,
            "Top {n_shown} of {} people by PageRank (--all lists everyone)",
            people.len()
        )?;
    }
    // Strengths only add information when ties carry weights other than 1.
    let weighted = people
        .iter()
        .any(|p| p.in_strength != p.in_degree as f64 || p.out_strength != p.out_degree as f64);
    let mut columns = vec![
        ("id", Align::Left),
        ("name", Align::Left),
        ("unit", Align::Left),
        ("in", Align::Right),
        ("out", Align::Right),
    ];
    if weighted {
        columns.extend([
            ("in_strength", Align::Right),
            ("out_strength", Align::Right),
        ]);
    }
    columns.extend([
        ("pagerank", Align::Right),
        ("betweenness", Align::Right),
        ("closeness", Align::Right),
        ("core", Align::Right),
        ("constraint", Align::Right),
        ("eff_size", Align::Right),
        ("community", Align::Right),
    ]);
    let mut table = Table::new(columns);
    for &person_idx in &order[..n_shown] {
        let p = &people[person_idx];
        let mut row = vec![
            p.id.clone(),
            p.name.clone().unwrap_or_default(),
            p.unit.clone().unwrap_or_default(),
            p.in_degree.to_string(),
            p.out_degree.to_string(),
        ];
        if weighted {
            row.extend([
                output::number(p.in_strength),
                output::number(p.out_strength),
            ]);
        }
        row.extend([
            output::number(p.pagerank),
            output::number(p.betweenness),
            output::number(p.harmonic_closeness),
            p.core_number.to_string(),
            output::number(p.constraint.unwrap_or(f64::NAN)),
            output::number(p.effective_size.unwrap_or(f64::NAN)),
            p.community.to_string(),
        ]);
        table.push(row);
    }
    table.write(out)
}
