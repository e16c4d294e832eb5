//! `people.csv` and `ties.csv` (DESIGN.md, "Data formats"). One reused `ByteRecord`, no
//! per-field allocation for ids already seen.

use std::path::Path;

use ::csv::{ByteRecord, ReaderBuilder};

use super::intern::Builder;
use super::{Location, ParseError, parse_weight};
use crate::Network;

/// Reads `people.csv`: `id` and `name` required, every other column an attribute.
pub(super) fn read_people(text: &str, path: &Path) -> Result<Network, ParseError> {
    let mut records = Records::new(text, path)?;
    let header = records.header.clone();
    let id_col = required(&header, "id", path, records.line)?;
    required(&header, "name", path, records.line)?;
    let attributes: Vec<(usize, &str)> = header
        .iter()
        .enumerate()
        .filter(|&(col, _)| col != id_col)
        .map(|(col, name)| (col, name.as_str()))
        .collect();

    let mut network = Network::new();
    let mut lines: Vec<u64> = Vec::new();
    while records.next()? {
        let line = records.line;
        let record = &records.record;
        let id = field(record, id_col, path, line)?;
        if id.is_empty() {
            return Err(ParseError::new(path, Location::Line(line), "empty id"));
        }
        let Some(node) = network.add_node(id) else {
            let first = network.node_idx(id).map_or(0, |node| lines[node as usize]);
            return Err(ParseError::new(
                path,
                Location::Line(line),
                format!("duplicate id `{id}` (first on line {first})"),
            ));
        };
        lines.push(line);
        for &(col, name) in &attributes {
            let value = field(record, col, path, line)?;
            if !value.is_empty() {
                network.set_attribute(node, name, value);
            }
        }
    }
    records.finish()?;
    Ok(network)
}

/// Reads `ties.csv`: `source`, `target` required; `layer`, `weight` optional.
pub(super) fn read_ties(text: &str, mut builder: Builder<'_>) -> Result<Network, ParseError> {
    let path = builder.path;
    let mut records = Records::new(text, path)?;
    let header = records.header.clone();
    let source_col = required(&header, "source", path, records.line)?;
    let target_col = required(&header, "target", path, records.line)?;
    let layer_col = position(&header, "layer");
    let weight_col = position(&header, "weight");
    let ignored: Vec<&str> = header
        .iter()
        .filter(|name| !["source", "target", "layer", "weight"].contains(&canonical(name)))
        .map(String::as_str)
        .collect();
    if !ignored.is_empty() {
        tracing::warn!(
            path = %path.display(),
            "ignoring ties columns {ignored:?}: ties carry no attributes"
        );
    }

    let mut layer = super::parse_layer("");
    let mut last_layer = String::new();
    while records.next()? {
        let line = records.line;
        let at = || Location::Line(line);
        let record = &records.record;
        let source = builder.node(&record[source_col], at)?;
        let target = builder.node(&record[target_col], at)?;
        if let Some(col) = layer_col {
            let raw = field(record, col, path, line)?;
            if raw != last_layer {
                layer = builder.layer(raw);
                last_layer.clear();
                last_layer.push_str(raw);
            }
        }
        let weight = match weight_col {
            Some(col) => {
                let raw = field(record, col, path, line)?;
                if raw.trim().is_empty() {
                    1.0
                } else {
                    parse_weight(raw).map_err(|reason| builder.error(at(), reason))?
                }
            }
            None => 1.0,
        };
        builder.tie(source, target, &layer, weight, at)?;
    }
    records.finish()?;
    Ok(builder.finish())
}

/// A CSV file read record by record into one reused buffer, with the header read first and
/// every record checked to have as many fields as the header.
struct Records<'a> {
    reader: ::csv::Reader<&'a [u8]>,
    text: &'a str,
    path: &'a Path,
    header: Vec<String>,
    record: ByteRecord,
    /// Line of the current record (of the header before the first [`Records::next`]).
    line: u64,
    /// Byte offset where the current record starts.
    byte: u64,
}

impl<'a> Records<'a> {
    fn new(text: &'a str, path: &'a Path) -> Result<Records<'a>, ParseError> {
        let reader = ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(text.as_bytes());
        let mut records = Records {
            reader,
            text,
            path,
            header: Vec::new(),
            record: ByteRecord::new(),
            line: 1,
            byte: 0,
        };
        if !records.read()? {
            return Err(ParseError::new(path, Location::Line(1), "empty file"));
        }
        let mut header: Vec<String> = Vec::with_capacity(records.record.len());
        for col in 0..records.record.len() {
            let name = field(&records.record, col, path, records.line)?.trim();
            if name.is_empty() {
                return Err(records.error(format!("column {} has no name", col + 1)));
            }
            if header.iter().any(|seen| canonical(seen) == canonical(name)) {
                return Err(records.error(format!("duplicate column `{name}`")));
            }
            header.push(canonical(name).to_string());
        }
        records.header = header;
        Ok(records)
    }

    fn read(&mut self) -> Result<bool, ParseError> {
        let more = self
            .reader
            .read_byte_record(&mut self.record)
            .map_err(|err| ParseError::new(self.path, Location::Line(self.line), err))?;
        if more && let Some(position) = self.record.position() {
            self.line = position.line();
            self.byte = position.byte();
        }
        Ok(more)
    }

    /// Reads the next record; `false` at the end.
    fn next(&mut self) -> Result<bool, ParseError> {
        if !self.read()? {
            return Ok(false);
        }
        if self.record.len() != self.header.len() {
            return Err(self.error(format!(
                "expected {} fields as in the header, found {}",
                self.header.len(),
                self.record.len()
            )));
        }
        Ok(true)
    }

    /// Checks the file does not end inside a quoted field (a truncated file), which the
    /// `csv` crate accepts silently.
    fn finish(&self) -> Result<(), ParseError> {
        let tail = self
            .text
            .as_bytes()
            .get(self.byte as usize..)
            .unwrap_or(b"");
        if ends_in_quotes(tail) {
            return Err(self.error("the file ends inside a quoted field (a missing `\"`)"));
        }
        Ok(())
    }

    fn error(&self, reason: impl std::fmt::Display) -> ParseError {
        ParseError::new(self.path, Location::Line(self.line), reason)
    }
}

/// Whether CSV text (from a record start) ends inside a quoted field.
fn ends_in_quotes(tail: &[u8]) -> bool {
    let mut in_quotes = false;
    let mut field_start = true;
    let mut bytes = tail.iter().peekable();
    while let Some(&b) = bytes.next() {
        if in_quotes {
            if b == b'"' {
                if bytes.peek() == Some(&&b'"') {
                    bytes.next();
                } else {
                    in_quotes = false;
                }
            }
        } else if b == b'"' && field_start {
            in_quotes = true;
            field_start = false;
        } else {
            field_start = matches!(b, b',' | b'\n' | b'\r');
        }
    }
    in_quotes
}

/// Header names compare trimmed; the known ones case-insensitively.
pub(super) fn canonical(name: &str) -> &str {
    const KNOWN: [&str; 6] = ["id", "name", "source", "target", "layer", "weight"];
    KNOWN
        .iter()
        .find(|known| known.eq_ignore_ascii_case(name))
        .copied()
        .unwrap_or(name)
}

fn position(header: &[String], name: &str) -> Option<usize> {
    header.iter().position(|seen| seen == name)
}

fn required(header: &[String], name: &str, path: &Path, line: u64) -> Result<usize, ParseError> {
    position(header, name).ok_or_else(|| {
        let found: Vec<String> = header.iter().map(|h| format!("`{h}`")).collect();
        ParseError::new(
            path,
            Location::Line(line),
            format!(
                "missing required column `{name}` (found: {})",
                found.join(", ")
            ),
        )
    })
}

fn field<'r>(
    record: &'r ByteRecord,
    col: usize,
    path: &Path,
    line: u64,
) -> Result<&'r str, ParseError> {
    std::str::from_utf8(&record[col])
        .map_err(|_| ParseError::new(path, Location::Line(line), "invalid UTF-8"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn io_csv_quotes_at_end_of_file() {
        assert!(ends_in_quotes(b"a,\"b"));
        assert!(ends_in_quotes(b"\"a\"\"b"));
        assert!(!ends_in_quotes(b"\"a\"\"b\""));
        assert!(!ends_in_quotes(b"a\"b,c\n"));
        assert!(!ends_in_quotes(b"a,\"b,\"\"c\"\"\"\n"));
    }

    #[test]
    fn io_csv_header_names_known_columns_case_insensitively() {
        assert_eq!(canonical("Source"), "source");
        assert_eq!(canonical("WEIGHT"), "weight");
        assert_eq!(canonical("Unit"), "Unit");
    }
}
