//! Reading and writing networks: `people.csv` and `ties.csv` (DESIGN.md), plain edge lists,
//! GraphML and GEXF. Every error names the file, the line (or XML position) and the reason;
//! no input makes a parser panic.

use std::path::{Path, PathBuf};

use crate::Network;

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
    /// Guesses from the extension: `.csv`, `.graphml`/`.xml`, `.gexf`; anything else is an
    /// edge list.
    pub fn from_path(path: &Path) -> TiesFormat {
        let _ = path;
        unimplemented!("io helper")
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

/// Reads a people file (optional) and a ties file into a network.
///
/// # Errors
/// The first problem found, with file, line and reason.
pub fn load(
    people: Option<&Path>,
    ties: &Path,
    format: TiesFormat,
    options: &ReadOptions,
) -> Result<Network, ParseError> {
    let _ = (people, ties, format, options, PathBuf::new());
    unimplemented!("io helper")
}
