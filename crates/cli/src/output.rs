//! Where and how results are written, shared by every command: `--format json|csv|table`
//! and `--out FILE` (stdout without it). JSON via serde_json, CSV via the csv crate, tables
//! aligned for reading. Write errors come back as `io::Error`, so `main` can tell a closed
//! pipe from a real failure.

use std::io::{self, BufWriter, Write};
use std::path::PathBuf;

use anyhow::Context;
use clap::ValueEnum;
use serde::Serialize;

/// Output options, flattened into each command's arguments.
#[derive(clap::Args, Debug)]
pub struct OutputArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table, env = "GROUNDSWELL_FORMAT")]
    pub format: Format,

    /// Write to this file instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

/// An output format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// One JSON document.
    Json,
    /// One row per record, with a header.
    Csv,
    /// Aligned text for people to read.
    Table,
}

impl OutputArgs {
    /// The destination, buffered; call [`Sink::finish`] to flush it and see the error.
    /// An `--out` file is written beside its final path and renamed into place by
    /// [`Sink::finish`], so a failed run never leaves a half-written or empty file.
    ///
    /// # Errors
    /// The `--out` file's folder is not writable.
    pub fn sink(&self) -> anyhow::Result<Sink> {
        let target = match &self.out {
            Some(path) => {
                let folder = match path.parent() {
                    Some(parent) if !parent.as_os_str().is_empty() => parent,
                    _ => std::path::Path::new("."),
                };
                let file = tempfile::NamedTempFile::new_in(folder)
                    .with_context(|| format!("cannot create {}", path.display()))?;
                Target::File {
                    writer: BufWriter::new(file),
                    path: path.clone(),
                }
            }
            None => Target::Stdout(BufWriter::new(io::stdout().lock())),
        };
        Ok(Sink { target })
    }
}

/// A buffered destination for one command's output.
pub struct Sink {
    target: Target,
}

enum Target {
    Stdout(BufWriter<io::StdoutLock<'static>>),
    File {
        writer: BufWriter<tempfile::NamedTempFile>,
        path: PathBuf,
    },
}

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match &mut self.target {
            Target::Stdout(writer) => writer.write(buf),
            Target::File { writer, .. } => writer.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match &mut self.target {
            Target::Stdout(writer) => writer.flush(),
            Target::File { writer, .. } => writer.flush(),
        }
    }
}

impl Sink {
    /// Flushes, so that a failed last write is reported rather than lost on drop, and moves
    /// an `--out` file into place.
    pub fn finish(self) -> io::Result<()> {
        match self.target {
            Target::Stdout(mut writer) => writer.flush(),
            Target::File { writer, path } => {
                let file = writer
                    .into_inner()
                    .map_err(io::IntoInnerError::into_error)?;
                file.persist(&path).map_err(|e| e.error)?;
                Ok(())
            }
        }
    }
}

/// Writes `value` as pretty JSON and a final newline. Non-finite numbers become `null`.
pub fn write_json<T: Serialize>(out: &mut impl Write, value: &T) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, value).map_err(io::Error::from)?;
    writeln!(out)
}

/// Writes one CSV row per record, with a header from the field names.
pub fn write_csv<T: Serialize>(out: &mut impl Write, records: &[T]) -> io::Result<()> {
    let mut writer = csv::Writer::from_writer(out);
    for record in records {
        writer.serialize(record).map_err(io::Error::from)?;
    }
    writer.flush()
}

/// How a column lines up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Align {
    /// Text.
    Left,
    /// Numbers.
    Right,
}

/// A text table: a header row, then rows, columns padded to their widest cell.
pub struct Table {
    columns: Vec<(String, Align)>,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// A table with these column headers and alignments.
    pub fn new<S: Into<String>>(columns: impl IntoIterator<Item = (S, Align)>) -> Table {
        Table {
            columns: columns
                .into_iter()
                .map(|(name, align)| (name.into(), align))
                .collect(),
            rows: Vec::new(),
        }
    }

    /// Adds a row; missing cells are blank, extra ones are ignored.
    pub fn push(&mut self, row: Vec<String>) {
        self.rows.push(row);
    }

    /// Writes the header and rows, two spaces between columns, no trailing spaces.
    pub fn write(&self, out: &mut impl Write) -> io::Result<()> {
        let mut widths: Vec<usize> = self.columns.iter().map(|(name, _)| width(name)).collect();
        for row in &self.rows {
            for (cell, w) in row.iter().zip(widths.iter_mut()) {
                *w = (*w).max(width(cell));
            }
        }
        let header: Vec<String> = self.columns.iter().map(|(name, _)| name.clone()).collect();
        self.write_row(out, &header, &widths)?;
        for row in &self.rows {
            self.write_row(out, row, &widths)?;
        }
        Ok(())
    }

    fn write_row(&self, out: &mut impl Write, row: &[String], widths: &[usize]) -> io::Result<()> {
        let mut line = String::new();
        for (col_idx, ((_, align), &w)) in self.columns.iter().zip(widths).enumerate() {
            let cell = row.get(col_idx).map_or("", String::as_str);
            let pad = " ".repeat(w - width(cell));
            if col_idx > 0 {
                line.push_str("  ");
            }
            match align {
                Align::Left => {
                    line.push_str(cell);
                    line.push_str(&pad);
                }
                Align::Right => {
                    line.push_str(&pad);
                    line.push_str(cell);
                }
            }
        }
        writeln!(out, "{}", line.trim_end())
    }
}

/// Writes `key  value` lines with the values lined up, indented by two spaces.
pub fn write_fields(out: &mut impl Write, fields: &[(&str, String)]) -> io::Result<()> {
    let key_width = fields.iter().map(|(key, _)| width(key)).max().unwrap_or(0);
    for (key, value) in fields {
        let pad = " ".repeat(key_width - width(key));
        writeln!(out, "  {key}{pad}  {value}")?;
    }
    Ok(())
}

/// A number for people to read: four significant digits (all digits of large numbers),
/// scientific notation below 0.0001, `-` for a missing value (NaN).
pub fn number(x: f64) -> String {
    if x.is_nan() {
        return "-".to_string();
    }
    if x == 0.0 {
        return "0".to_string();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf" } else { "-inf" }.to_string();
    }
    if x.fract() == 0.0 && x.abs() < 1e15 {
        return format!("{x:.0}");
    }
    let magnitude = x.abs().log10().floor() as i32;
    if magnitude < -4 {
        return format!("{x:.2e}");
    }
    let decimals = (3 - magnitude).clamp(0, 8) as usize;
    format!("{x:.decimals$}")
}

/// Display width, counting characters (names may not be ASCII).
fn width(s: &str) -> usize {
    s.chars().count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_keep_four_significant_digits() {
        assert_eq!(number(0.048234567), "0.04823");
        assert_eq!(number(12.34567), "12.35");
        assert_eq!(number(1234.567), "1235");
        assert_eq!(number(0.5), "0.5000");
        assert_eq!(number(3.0), "3");
        assert_eq!(number(0.0), "0");
        assert_eq!(number(0.0000123), "1.23e-5");
        assert_eq!(number(f64::NAN), "-");
    }

    #[test]
    fn tables_align_text_left_and_numbers_right() {
        let mut table = Table::new([("name", Align::Left), ("score", Align::Right)]);
        table.push(vec!["Ann".into(), "1.5".into()]);
        table.push(vec!["Bartholomew".into(), "12".into()]);
        let mut out = Vec::new();
        table.write(&mut out).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "name         score\nAnn            1.5\nBartholomew     12\n"
        );
    }

    #[test]
    fn fields_line_up() {
        let mut out = Vec::new();
        write_fields(&mut out, &[("people", "21".into()), ("ties", "312".into())]).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "  people  21\n  ties    312\n"
        );
    }
}
