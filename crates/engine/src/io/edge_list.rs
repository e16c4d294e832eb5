//! Plain edge lists: `source target [weight]` per line, separated by whitespace and/or
//! commas; `#` and `%` start comment lines (after any separators). Every tie is in the
//! default layer.

use super::intern::Builder;
use super::{Location, ParseError, parse_weight};
use crate::Network;

/// Reads an edge list.
pub(super) fn read(text: &str, mut builder: Builder<'_>) -> Result<Network, ParseError> {
    let layer = super::parse_layer("");
    let mut n_ties = 0usize;
    for (line_idx, line) in text.split('\n').enumerate() {
        let line_no = line_idx as u64 + 1;
        let at = || Location::Line(line_no);
        // Separators around a line do not count: `,# x` is a comment too.
        let line = line.trim_matches(|c: char| c == ',' || c.is_ascii_whitespace());
        if line.is_empty() || line.starts_with('#') || line.starts_with('%') {
            continue;
        }
        let mut fields = line
            .split(|c: char| c == ',' || c.is_ascii_whitespace())
            .filter(|field| !field.is_empty());
        let (Some(source), Some(target), weight, None) =
            (fields.next(), fields.next(), fields.next(), fields.next())
        else {
            let n_fields = line
                .split(|c: char| c == ',' || c.is_ascii_whitespace())
                .filter(|field| !field.is_empty())
                .count();
            return Err(builder.error(
                at(),
                format!("expected `source target [weight]`, found {n_fields} field(s)"),
            ));
        };
        let source = builder.node(source.as_bytes(), at)?;
        let target = builder.node(target.as_bytes(), at)?;
        let weight = match weight {
            Some(raw) => parse_weight(raw).map_err(|reason| builder.error(at(), reason))?,
            None => 1.0,
        };
        builder.tie(source, target, &layer, weight, at)?;
        n_ties += 1;
    }
    if n_ties == 0 {
        return Err(builder.error(Location::Line(1), "no ties: the file has only comments"));
    }
    Ok(builder.finish())
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::io::ReadOptions;

    fn read_text(text: &str) -> Result<Network, ParseError> {
        let options = ReadOptions::default();
        read(text, Builder::new(None, Path::new("t"), &options))
    }

    #[test]
    fn io_edge_list_fields_and_comments() {
        let net = read_text("% c\n a ,b\t3 \n\n#x y\nb a").unwrap();
        assert_eq!(net.ids(), ["a", "b"]);
        assert_eq!(net.ties().len(), 2);
        assert_eq!(net.ties()[0].weight, 3.0);
        assert_eq!(net.ties()[1].weight, 1.0);
        let err = read_text("a b\nc").unwrap_err();
        assert_eq!(err.location, Location::Line(2));
    }
}
