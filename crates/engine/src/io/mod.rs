//! Reading and writing networks: `people.csv` and `ties.csv` (DESIGN.md), plain edge lists,
//! GraphML and GEXF. Every error names the file, the line (or XML position) and the reason;
//! no input makes a parser panic, and a read that fails returns nothing half-built.
//!
//! # Formats
//!
//! - **`people.csv`**: a header naming `id` and `name` (required, matched case-insensitively
//!   after trimming) and any other columns (`email`, `phone`, `unit`, `location`, `grade`,
//!   `manager_id`, …), each kept as a node attribute under its trimmed header name. An empty
//!   cell sets no attribute. Duplicate ids, empty ids and rows with another number of fields
//!   than the header are errors. Cells are taken verbatim (quoted CSV, not trimmed).
//! - **`ties.csv`**: a header naming `source` and `target` (required) and optionally `layer`
//!   and `weight`. A missing or empty layer is [`DEFAULT_LAYER`]; a missing or empty weight
//!   is 1. Other columns are ignored (with a `tracing` warning), since ties carry no
//!   attributes.
//! - **Edge list**: one tie per line, `source target [weight]`, fields separated by
//!   whitespace and/or commas; blank lines and lines starting with `#` or `%` are skipped.
//!   Every tie is in [`DEFAULT_LAYER`]. The format cannot carry ids with whitespace or
//!   commas, layers, attributes or isolated nodes: its writer drops layers and attributes and
//!   refuses ids it cannot write.
//! - **GraphML**: the first `<graph>`; node `<data>` become attributes named by their key's
//!   `attr.name`; edge data whose key is named `weight` or `layer` give the tie's weight and
//!   layer (other edge data are ignored); `<key>` defaults apply; `edgedefault` (directed
//!   when absent) and per-edge `directed` are honoured, an undirected edge becoming ties both
//!   ways (one tie for an undirected self-loop). `<data>` with child elements (e.g. yEd
//!   graphics) are skipped; nested graphs and hyperedges are errors.
//! - **GEXF** 1.1–1.3: node `label` becomes the `name` attribute and `attvalues` attributes
//!   named by their `title`; an edge's `weight` (XML attribute, else an attvalue titled
//!   `weight`) and layer (attvalue titled `layer`, else the `kind` XML attribute);
//!   `defaultedgetype` (undirected when absent, as the GEXF schema says; Gephi's `mixed`
//!   meaning directed unless an edge says otherwise) and per-edge `type` honoured, `mutual`
//!   and `undirected` edges becoming ties both ways. Dynamic spells and `viz` are ignored.
//!
//! In every format ids must not be empty, weights must be finite and non-negative, and an
//! empty attribute value means "no attribute". XML files must be UTF-8; XML ids, names and
//! values may hold any character XML 1.0 allows (the writers escape the rest).
//!
//! # Writers
//!
//! [`write_people_csv`] + [`write_ties_csv`], [`write_graphml`] and [`write_gexf`] write
//! everything a [`Network`] holds, so reading the output back gives the same ids in the same
//! order, the same attributes and the same ties (layers and exact weights) in the same order.
//! [`write_edge_list`] keeps only ties and weights.

mod csv;
mod edge_list;
mod gexf;
mod graphml;
mod intern;
mod write;
mod xml;

use std::fmt;
use std::path::{Path, PathBuf};

use crate::{Layer, Network};

pub use write::{write_edge_list, write_gexf, write_graphml, write_people_csv, write_ties_csv};

/// The layer of ties whose file names none (edge lists, a `ties.csv` without a `layer`
/// column or with an empty cell, XML edges without layer data): `Layer::Custom("default")`.
/// Not one of the named layers, because a bare tie says nothing about its kind.
pub const DEFAULT_LAYER: &str = "default";

/// Where in a file a problem is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Location {
    /// A 1-based line number.
    Line(u64),
    /// A byte offset into an XML document (with the line it falls on).
    Xml {
        /// 1-based line.
        line: u64,
        /// Byte offset from the start of the file.
        byte: u64,
    },
    /// The file as a whole (e.g. it could not be opened).
    File,
}

/// Why a file could not be read.
#[derive(Debug, thiserror::Error)]
#[error("{}: {reason}", self.place())]
pub struct ParseError {
    /// The file (or a label such as `<stdin>`).
    pub path: PathBuf,
    /// Where in it.
    pub location: Location,
    /// What is wrong, in plain words.
    pub reason: String,
}

impl ParseError {
    fn place(&self) -> String {
        match self.location {
            Location::Line(line) => format!("{}:{line}", self.path.display()),
            Location::Xml { line, byte } => format!("{}:{line} (byte {byte})", self.path.display()),
            Location::File => self.path.display().to_string(),
        }
    }

    fn new(path: &Path, location: Location, reason: impl fmt::Display) -> ParseError {
        ParseError {
            path: path.to_path_buf(),
            location,
            reason: reason.to_string(),
        }
    }

    /// The 1-based line of the problem, if it has one.
    pub fn line(&self) -> Option<u64> {
        match self.location {
            Location::Line(line) | Location::Xml { line, .. } => Some(line),
            Location::File => None,
        }
    }
}

/// The format of a ties file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TiesFormat {
    /// `ties.csv`: `source,target,layer,weight` with a header.
    Csv,
    /// Whitespace- or comma-separated `source target [weight]`, `#`/`%` comments.
    EdgeList,
    /// GraphML.
    GraphMl,
    /// GEXF.
    Gexf,
}

impl TiesFormat {
    /// Guesses from the extension (case-insensitively): `.csv`, `.graphml`/`.xml`, `.gexf`;
    /// anything else is an edge list.
    ///
    /// ```
    /// use engine::io::TiesFormat;
    /// use std::path::Path;
    /// assert_eq!(TiesFormat::from_path(Path::new("org/ties.CSV")), TiesFormat::Csv);
    /// assert_eq!(TiesFormat::from_path(Path::new("g.graphml")), TiesFormat::GraphMl);
    /// assert_eq!(TiesFormat::from_path(Path::new("g.gexf")), TiesFormat::Gexf);
    /// assert_eq!(TiesFormat::from_path(Path::new("email.txt")), TiesFormat::EdgeList);
    /// ```
    pub fn from_path(path: &Path) -> TiesFormat {
        let extension = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        match extension.as_deref() {
            Some("csv") => TiesFormat::Csv,
            Some("graphml" | "xml") => TiesFormat::GraphMl,
            Some("gexf") => TiesFormat::Gexf,
            _ => TiesFormat::EdgeList,
        }
    }
}

/// How strict a read is.
#[derive(Clone, Debug)]
pub struct ReadOptions {
    /// Accept ties from a person to themselves.
    pub allow_self_loops: bool,
    /// When people were read first, accept ties naming ids not among them (adding them).
    pub allow_unknown_ids: bool,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            allow_self_loops: true,
            allow_unknown_ids: false,
        }
    }
}

/// Reads a people file (optional) and a ties file into a network: the people in file order,
/// then any node the ties file adds, in order of first appearance.
///
/// # Errors
/// The first problem found, with file, line and reason; a file that cannot be read is
/// reported with [`Location::File`].
///
/// # Complexity
/// O(size of the files); ids that are plain non-negative integers take a fast path.
pub fn load(
    people: Option<&Path>,
    ties: &Path,
    format: TiesFormat,
    options: &ReadOptions,
) -> Result<Network, ParseError> {
    let people = match people {
        Some(path) => Some(read_people(&read_file(path)?, path)?),
        None => None,
    };
    read_ties(people, &read_file(ties)?, ties, format, options)
}

/// Reads a `people.csv` held in memory; `path` only labels errors.
///
/// # Errors
/// The first problem found, with `path`, line and reason.
///
/// ```
/// use engine::io::read_people;
/// use std::path::Path;
/// let data = b"id,name,unit\na,Ann,sales\nb,Bo,\n";
/// let people = read_people(data, Path::new("people.csv")).unwrap();
/// assert_eq!(people.ids(), ["a", "b"]);
/// assert_eq!(people.attribute(0, "unit"), Some("sales"));
/// assert_eq!(people.attribute(1, "unit"), None);
///
/// let err = read_people(b"id,name\na,Ann\na,Al\n", Path::new("people.csv")).unwrap_err();
/// assert_eq!(err.to_string(), "people.csv:3: duplicate id `a` (first on line 2)");
/// ```
pub fn read_people(data: &[u8], path: &Path) -> Result<Network, ParseError> {
    let text = utf8(data, path, false)?;
    csv::read_people(text, path)
}

/// Reads a ties file held in memory into `people` (or into a new network when `None`);
/// `path` only labels errors. With people given, ties must name known ids unless
/// [`ReadOptions::allow_unknown_ids`].
///
/// # Errors
/// The first problem found, with `path`, line (or XML position) and reason.
///
/// ```
/// use engine::io::{read_ties, ReadOptions, TiesFormat};
/// use std::path::Path;
/// let data = b"source,target,weight\na,b,2.5\nb,c,\n";
/// let net = read_ties(None, data, Path::new("ties.csv"), TiesFormat::Csv,
///                     &ReadOptions::default()).unwrap();
/// assert_eq!(net.ids(), ["a", "b", "c"]);
/// assert_eq!(net.ties()[0].weight, 2.5);
/// assert_eq!(net.ties()[1].weight, 1.0);
/// assert_eq!(net.layers()[0].as_str(), engine::io::DEFAULT_LAYER);
/// ```
pub fn read_ties(
    people: Option<Network>,
    data: &[u8],
    path: &Path,
    format: TiesFormat,
    options: &ReadOptions,
) -> Result<Network, ParseError> {
    let xml = matches!(format, TiesFormat::GraphMl | TiesFormat::Gexf);
    let text = utf8(data, path, xml)?;
    let builder = intern::Builder::new(people, path, options);
    match format {
        TiesFormat::Csv => csv::read_ties(text, builder),
        TiesFormat::EdgeList => edge_list::read(text, builder),
        TiesFormat::GraphMl => graphml::read(text, builder),
        TiesFormat::Gexf => gexf::read(text, builder),
    }
}

/// Writes `network` to files: people (if a path is given) as `people.csv` and ties in
/// `format`. GraphML and GEXF carry the people's attributes themselves, so `people` is
/// optional for them.
///
/// # Errors
/// An I/O error, or [`std::io::ErrorKind::InvalidInput`] when the format cannot carry an id,
/// name or value of the network (see the writers).
pub fn save(
    network: &Network,
    people: Option<&Path>,
    ties: &Path,
    format: TiesFormat,
) -> std::io::Result<()> {
    if let Some(path) = people {
        write_to(path, |w| write_people_csv(network, w))?;
    }
    write_to(ties, |w| match format {
        TiesFormat::Csv => write_ties_csv(network, w),
        TiesFormat::EdgeList => write_edge_list(network, w),
        TiesFormat::GraphMl => write_graphml(network, w),
        TiesFormat::Gexf => write_gexf(network, w),
    })
}

fn write_to(
    path: &Path,
    write: impl FnOnce(&mut std::io::BufWriter<std::fs::File>) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    write(&mut out)?;
    std::io::Write::flush(&mut out)
}

fn read_file(path: &Path) -> Result<Vec<u8>, ParseError> {
    std::fs::read(path)
        .map_err(|err| ParseError::new(path, Location::File, format!("cannot read: {err}")))
}

/// The text of a file: valid UTF-8 without a byte-order mark, not blank.
fn utf8<'a>(data: &'a [u8], path: &Path, xml: bool) -> Result<&'a str, ParseError> {
    let data = data.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(data);
    let text = std::str::from_utf8(data).map_err(|err| {
        let byte = err.valid_up_to();
        let location = position(data, byte, xml);
        ParseError::new(
            path,
            location,
            format!("invalid UTF-8 (byte {:#04x})", data[byte]),
        )
    })?;
    if text.trim_ascii().is_empty() {
        return Err(ParseError::new(
            path,
            Location::Line(1),
            "empty file".to_string(),
        ));
    }
    Ok(text)
}

/// The 1-based line of a byte offset, as a [`Location`].
fn position(data: &[u8], byte: usize, xml: bool) -> Location {
    let byte = byte.min(data.len());
    let line = data[..byte].iter().filter(|&&b| b == b'\n').count() as u64 + 1;
    if xml {
        Location::Xml {
            line,
            byte: byte as u64,
        }
    } else {
        Location::Line(line)
    }
}

/// A tie weight: finite, non-negative; surrounding whitespace ignored.
fn parse_weight(field: &str) -> Result<f64, String> {
    let field = field.trim();
    let weight: f64 = field
        .parse()
        .map_err(|_| format!("weight `{field}` is not a number"))?;
    if weight.is_nan() {
        Err(format!("weight `{field}` is not a number"))
    } else if weight.is_infinite() {
        Err(format!("weight `{field}` is infinite"))
    } else if weight < 0.0 {
        Err(format!("weight `{field}` is negative"))
    } else {
        Ok(weight)
    }
}

/// The layer a file names; empty means [`DEFAULT_LAYER`].
fn parse_layer(field: &str) -> Layer {
    if field.trim().is_empty() {
        Layer::Custom(DEFAULT_LAYER.to_string())
    } else {
        Layer::parse(field)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn io_format_from_path() {
        assert_eq!(
            TiesFormat::from_path(Path::new("a.xml")),
            TiesFormat::GraphMl
        );
        assert_eq!(TiesFormat::from_path(Path::new("a.GEXF")), TiesFormat::Gexf);
        assert_eq!(TiesFormat::from_path(Path::new("a")), TiesFormat::EdgeList);
        assert_eq!(
            TiesFormat::from_path(Path::new("a.tsv")),
            TiesFormat::EdgeList
        );
    }

    #[test]
    fn io_weights_must_be_finite_and_non_negative() {
        assert_eq!(parse_weight(" 2.5 "), Ok(2.5));
        assert_eq!(parse_weight("0"), Ok(0.0));
        assert_eq!(parse_weight("1e3"), Ok(1000.0));
        assert_eq!(parse_weight("x").unwrap_err(), "weight `x` is not a number");
        assert_eq!(
            parse_weight("NaN").unwrap_err(),
            "weight `NaN` is not a number"
        );
        assert_eq!(parse_weight("inf").unwrap_err(), "weight `inf` is infinite");
        assert_eq!(
            parse_weight("1e400").unwrap_err(),
            "weight `1e400` is infinite"
        );
        assert_eq!(parse_weight("-1").unwrap_err(), "weight `-1` is negative");
    }

    #[test]
    fn io_utf8_errors_name_the_line() {
        let err = utf8(b"a,b\n\xff", Path::new("t.csv"), false).unwrap_err();
        assert_eq!(err.location, Location::Line(2));
        assert_eq!(err.to_string(), "t.csv:2: invalid UTF-8 (byte 0xff)");
        let err = utf8(b" \n\t", Path::new("t.csv"), false).unwrap_err();
        assert_eq!(err.reason, "empty file");
        assert_eq!(utf8(b"\xEF\xBB\xBFx", Path::new("t"), false).unwrap(), "x");
    }

    #[test]
    fn io_load_reports_missing_files() {
        let err = load(
            None,
            Path::new("/nonexistent/ties.csv"),
            TiesFormat::Csv,
            &ReadOptions::default(),
        )
        .unwrap_err();
        assert_eq!(err.location, Location::File);
        assert!(err.reason.starts_with("cannot read"), "{err}");
    }
}
