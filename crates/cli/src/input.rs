//! The network every command reads: `--people`, `--ties` and which layers to analyse.
//! Shared by the commands so they all accept the same files the same way.

use std::path::{Path, PathBuf};

use clap::ValueEnum;
use engine::calibration::{AdoptionTimes, Adoptions};
use engine::io::{ReadOptions, TiesFormat};
use engine::{Graph, GraphOptions, Layer, Network};

use crate::BadInput;

/// Input options, flattened into each command's arguments.
#[derive(clap::Args, Debug)]
pub struct InputArgs {
    /// People file (`id,name,unit,…`); optional, edge lists name people through their ties.
    #[arg(long, value_name = "FILE")]
    pub people: Option<PathBuf>,

    /// Ties file: `ties.csv` (`source,target,layer,weight`), an edge list, GraphML or GEXF.
    #[arg(long, value_name = "FILE")]
    pub ties: PathBuf,

    /// Format of the ties file [default: from the extension: .csv, .graphml/.xml, .gexf,
    /// anything else an edge list].
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub ties_format: Option<TiesFormatArg>,

    /// Layers whose union is analysed, comma-separated [default: every layer].
    #[arg(
        long,
        value_delimiter = ',',
        value_name = "LAYER,...",
        env = "GROUNDSWELL_LAYERS"
    )]
    pub layers: Vec<String>,

    /// Leave out ties from a person to themselves.
    #[arg(long)]
    pub drop_self_loops: bool,
}

/// `--ties-format` values (clap's spelling of [`TiesFormat`]).
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum TiesFormatArg {
    /// `source,target,layer,weight` with a header.
    Csv,
    /// `source target [weight]` per line.
    Edgelist,
    /// GraphML.
    Graphml,
    /// GEXF.
    Gexf,
}

impl From<TiesFormatArg> for TiesFormat {
    fn from(format: TiesFormatArg) -> TiesFormat {
        match format {
            TiesFormatArg::Csv => TiesFormat::Csv,
            TiesFormatArg::Edgelist => TiesFormat::EdgeList,
            TiesFormatArg::Graphml => TiesFormat::GraphMl,
            TiesFormatArg::Gexf => TiesFormat::Gexf,
        }
    }
}

impl InputArgs {
    /// Reads the files; a file that does not parse is an `engine::io::ParseError` (exit 2).
    pub fn load(&self) -> anyhow::Result<Network> {
        let format = match self.ties_format {
            Some(format) => format.into(),
            None => TiesFormat::from_path(&self.ties),
        };
        let network = engine::io::load(
            self.people.as_deref(),
            &self.ties,
            format,
            &ReadOptions::default(),
        )?;
        Ok(network)
    }

    /// The graph of the chosen layers, and their names (every layer if none were chosen).
    ///
    /// # Errors
    /// [`BadInput`] for a layer the ties do not have, naming the ones they do.
    pub fn graph(&self, network: &Network) -> anyhow::Result<(Graph, Vec<Layer>)> {
        let layers = self.chosen_layers(network)?;
        let options = GraphOptions {
            layers: Some(layers.clone()),
            drop_self_loops: self.drop_self_loops,
        };
        Ok((network.graph(&options), layers))
    }

    fn chosen_layers(&self, network: &Network) -> Result<Vec<Layer>, BadInput> {
        if self.layers.is_empty() {
            return Ok(network.layers().to_vec());
        }
        let mut chosen = Vec::new();
        for name in &self.layers {
            let layer = Layer::parse(name);
            if !network.layers().contains(&layer) {
                return Err(unknown_layer(name, &self.ties, network.layers()));
            }
            if !chosen.contains(&layer) {
                chosen.push(layer);
            }
        }
        Ok(chosen)
    }
}

fn unknown_layer(name: &str, ties: &Path, known: &[Layer]) -> BadInput {
    let known = if known.is_empty() {
        "none".to_string()
    } else {
        known
            .iter()
            .map(Layer::as_str)
            .collect::<Vec<_>>()
            .join(", ")
    };
    BadInput(format!(
        "unknown layer `{}` in --layers; {} has: {known}",
        name.trim(),
        ties.display()
    ))
}

/// The behaviour named by `--behaviour`, or the only one in the adoptions `file`.
pub fn choose_behaviour<'a>(
    file: &Path,
    behaviour: Option<&str>,
    adoptions: &'a Adoptions,
) -> Result<(&'a str, &'a AdoptionTimes), BadInput> {
    let file = file.display();
    let names = adoptions.behaviours();
    let chosen = match (behaviour, names) {
        (Some(name), _) => name.trim(),
        (None, [only]) => only.as_str(),
        (None, []) => return Err(BadInput(format!("{file} has no adoptions"))),
        (None, several) => {
            return Err(BadInput(format!(
                "{file} has several behaviours ({}); choose one with --behaviour",
                several.join(", ")
            )));
        }
    };
    let Some(name) = names.iter().find(|n| n.as_str() == chosen) else {
        return Err(BadInput(format!(
            "unknown behaviour `{chosen}` in --behaviour; {file} has: {}",
            if names.is_empty() {
                "none".to_string()
            } else {
                names.join(", ")
            }
        )));
    };
    let times = adoptions
        .times(name)
        .ok_or_else(|| BadInput(format!("{file} has no adoptions of `{name}`")))?;
    Ok((name.as_str(), times))
}
