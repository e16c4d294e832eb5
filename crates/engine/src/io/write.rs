//! Writers: everything a [`Network`] holds, in a form the readers give back unchanged.
//! Weights are written in the shortest form that parses back to the same `f64`.

use std::io::{self, Write};

use super::xml::escape;
use crate::{Layer, Network};

/// Writes the people of `network` as `people.csv`: `id`, `name`, then every other attribute
/// column in [`Network::attribute_names`] order; a missing attribute is an empty cell.
///
/// # Errors
/// An I/O error, or [`io::ErrorKind::InvalidInput`] for an empty id or an attribute name
/// the reader would take for another column (`ID`, `Name`, untrimmed or empty names).
///
/// ```
/// use engine::{Network, io::{read_people, write_people_csv}};
/// let mut net = Network::new();
/// let ann = net.add_node("a,1").unwrap();
/// net.set_attribute(ann, "unit", "sales");
/// let mut out = Vec::new();
/// write_people_csv(&net, &mut out).unwrap();
/// assert_eq!(out, b"id,name,unit\n\"a,1\",,sales\n");
/// let back = read_people(&out, std::path::Path::new("people.csv")).unwrap();
/// assert_eq!(back.ids(), net.ids());
/// ```
pub fn write_people_csv(network: &Network, out: impl Write) -> io::Result<()> {
    let columns: Vec<&str> = network
        .attribute_names()
        .filter(|&name| name != "name")
        .collect();
    for &name in &columns {
        if super::csv::canonical(name) != name || name.trim() != name || name.is_empty() {
            return Err(invalid(format!(
                "attribute name `{name}` cannot be a people.csv column"
            )));
        }
    }
    let names = network.attribute_column("name");
    let values: Vec<&[Option<String>]> = columns
        .iter()
        .filter_map(|&name| network.attribute_column(name))
        .collect();
    let mut writer = ::csv::Writer::from_writer(out);
    let mut row: Vec<&str> = vec!["id", "name"];
    row.extend(&columns);
    writer.write_record(&row)?;
    for (node, id) in network.ids().iter().enumerate() {
        check_id(id)?;
        row.clear();
        row.push(id);
        row.push(names.and_then(|n| n[node].as_deref()).unwrap_or(""));
        row.extend(values.iter().map(|v| v[node].as_deref().unwrap_or("")));
        writer.write_record(&row)?;
    }
    writer.flush()
}

/// Writes the ties of `network` as `ties.csv`: `source,target,layer,weight`, one row per tie
/// in order. Read it back after the matching `people.csv` to get the same network.
///
/// # Errors
/// An I/O error, or [`io::ErrorKind::InvalidInput`] for an empty id, a layer name that
/// would read back as another layer (untrimmed, empty, or a named layer in other case) or a
/// weight the reader refuses (negative, NaN, infinite).
pub fn write_ties_csv(network: &Network, out: impl Write) -> io::Result<()> {
    check_layers(network)?;
    let mut writer = ::csv::Writer::from_writer(out);
    writer.write_record(["source", "target", "layer", "weight"])?;
    for tie in network.ties() {
        let weight = format_weight(tie.weight)?;
        let source = network.id(tie.source);
        let target = network.id(tie.target);
        check_id(source)?;
        check_id(target)?;
        let layer = network.layers()[tie.layer as usize].as_str();
        writer.write_record([source, target, layer, &weight])?;
    }
    writer.flush()
}

/// Writes the ties of `network` as an edge list: `source target weight` per line (the
/// weight only when some tie's differs from 1). Layers, attributes and nodes without ties
/// are not written: the format has no place for them.
///
/// # Errors
/// An I/O error, or [`io::ErrorKind::InvalidInput`] for an id the format cannot carry
/// (empty, with whitespace or commas, or a source starting with `#` or `%`) or a weight the
/// reader refuses.
pub fn write_edge_list(network: &Network, mut out: impl Write) -> io::Result<()> {
    let weighted = network.ties().iter().any(|tie| tie.weight != 1.0);
    let mut line = String::new();
    // A byte-order mark is stripped when read: keep an id's own U+FEFF at the start.
    if let Some(tie) = network.ties().first()
        && network.id(tie.source).starts_with('\u{feff}')
    {
        line.push('\u{feff}');
    }
    for tie in network.ties() {
        let source = network.id(tie.source);
        let target = network.id(tie.target);
        for id in [source, target] {
            if id.is_empty() || id.contains(|c: char| c == ',' || c.is_ascii_whitespace()) {
                return Err(invalid(format!(
                    "id `{id}` cannot be written to an edge list"
                )));
            }
        }
        if source.starts_with(['#', '%']) {
            return Err(invalid(format!(
                "id `{source}` would start a comment line in an edge list"
            )));
        }
        line.push_str(source);
        line.push(' ');
        line.push_str(target);
        if weighted {
            line.push(' ');
            line.push_str(&format_weight(tie.weight)?);
        }
        line.push('\n');
        out.write_all(line.as_bytes())?;
        line.clear();
    }
    out.flush()
}

/// Writes `network` as GraphML: one key per attribute column plus `weight` and `layer` for
/// edges, every node with its attributes, every tie as a directed edge.
///
/// # Errors
/// An I/O error, or [`io::ErrorKind::InvalidInput`] for a string XML 1.0 cannot carry (a
/// control character), an empty id, an untrimmed or empty attribute name, a layer that would
/// read back as another, or a weight the reader refuses.
pub fn write_graphml(network: &Network, mut out: impl Write) -> io::Result<()> {
    check_layers(network)?;
    let columns = xml_columns(network)?;
    let mut o = io::BufWriter::new(&mut out);
    writeln!(o, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(
        o,
        r#"<graphml xmlns="http://graphml.graphdrawing.org/xmlns" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">"#
    )?;
    for (idx, (name, _)) in columns.iter().enumerate() {
        writeln!(
            o,
            r#"  <key id="d{idx}" for="node" attr.name="{}" attr.type="string"/>"#,
            escape(name)?
        )?;
    }
    writeln!(
        o,
        r#"  <key id="weight" for="edge" attr.name="weight" attr.type="double"/>"#
    )?;
    writeln!(
        o,
        r#"  <key id="layer" for="edge" attr.name="layer" attr.type="string"/>"#
    )?;
    writeln!(o, r#"  <graph id="G" edgedefault="directed">"#)?;
    for (node, id) in network.ids().iter().enumerate() {
        check_id(id)?;
        let values: Vec<(usize, &str)> = attribute_values(&columns, node);
        if values.is_empty() {
            writeln!(o, r#"    <node id="{}"/>"#, escape(id)?)?;
            continue;
        }
        writeln!(o, r#"    <node id="{}">"#, escape(id)?)?;
        for (idx, value) in values {
            writeln!(o, r#"      <data key="d{idx}">{}</data>"#, escape(value)?)?;
        }
        writeln!(o, "    </node>")?;
    }
    for tie in network.ties() {
        writeln!(
            o,
            r#"    <edge source="{}" target="{}"><data key="layer">{}</data><data key="weight">{}</data></edge>"#,
            escape(network.id(tie.source))?,
            escape(network.id(tie.target))?,
            escape(network.layers()[tie.layer as usize].as_str())?,
            format_weight(tie.weight)?
        )?;
    }
    writeln!(o, "  </graph>\n</graphml>")?;
    o.flush()
}

/// Writes `network` as GEXF 1.3: the `name` attribute as each node's `label`, other
/// attributes as node attvalues, each tie as a directed edge with its `weight` and a `layer`
/// attvalue.
///
/// # Errors
/// As [`write_graphml`].
pub fn write_gexf(network: &Network, mut out: impl Write) -> io::Result<()> {
    check_layers(network)?;
    let columns: Vec<_> = xml_columns(network)?
        .into_iter()
        .filter(|(name, _)| *name != "name")
        .collect();
    let names = network.attribute_column("name");
    let mut o = io::BufWriter::new(&mut out);
    writeln!(o, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(o, r#"<gexf xmlns="http://gexf.net/1.3" version="1.3">"#)?;
    writeln!(o, r#"  <graph mode="static" defaultedgetype="directed">"#)?;
    writeln!(o, r#"    <attributes class="node">"#)?;
    for (idx, (name, _)) in columns.iter().enumerate() {
        writeln!(
            o,
            r#"      <attribute id="{idx}" title="{}" type="string"/>"#,
            escape(name)?
        )?;
    }
    writeln!(o, "    </attributes>")?;
    writeln!(o, r#"    <attributes class="edge">"#)?;
    writeln!(
        o,
        r#"      <attribute id="layer" title="layer" type="string"/>"#
    )?;
    writeln!(o, "    </attributes>\n    <nodes>")?;
    for (node, id) in network.ids().iter().enumerate() {
        check_id(id)?;
        write!(o, r#"      <node id="{}""#, escape(id)?)?;
        if let Some(label) = names.and_then(|n| n[node].as_deref()) {
            write!(o, r#" label="{}""#, escape(label)?)?;
        }
        let values = attribute_values(&columns, node);
        if values.is_empty() {
            writeln!(o, "/>")?;
            continue;
        }
        writeln!(o, ">\n        <attvalues>")?;
        for (idx, value) in values {
            writeln!(
                o,
                r#"          <attvalue for="{idx}" value="{}"/>"#,
                escape(value)?
            )?;
        }
        writeln!(o, "        </attvalues>\n      </node>")?;
    }
    writeln!(o, "    </nodes>\n    <edges>")?;
    for (idx, tie) in network.ties().iter().enumerate() {
        writeln!(
            o,
            r#"      <edge id="{idx}" source="{}" target="{}" weight="{}"><attvalues><attvalue for="layer" value="{}"/></attvalues></edge>"#,
            escape(network.id(tie.source))?,
            escape(network.id(tie.target))?,
            format_weight(tie.weight)?,
            escape(network.layers()[tie.layer as usize].as_str())?
        )?;
    }
    writeln!(o, "    </edges>\n  </graph>\n</gexf>")?;
    o.flush()
}

/// The shortest decimal that parses back to exactly `weight`: integers plainly (`3`), other
/// values as Rust's shortest round-trip form (`0.1`, `1e-7`).
///
/// # Errors
/// A weight the readers refuse (negative, NaN, infinite).
fn format_weight(weight: f64) -> io::Result<String> {
    if !weight.is_finite() || weight < 0.0 {
        return Err(invalid(format!("weight {weight} cannot be written")));
    }
    Ok(if weight.fract() == 0.0 && weight < 1e16 {
        format!("{weight}")
    } else {
        format!("{weight:?}")
    })
}

/// An attribute column: its name and one value per node.
type Column<'n> = (&'n str, &'n [Option<String>]);

/// Attribute columns for XML: names must read back unchanged.
fn xml_columns(network: &Network) -> io::Result<Vec<Column<'_>>> {
    network
        .attribute_names()
        .map(|name| {
            if name.is_empty() || name.trim() != name {
                return Err(invalid(format!(
                    "attribute name `{name}` cannot be written"
                )));
            }
            let values = network.attribute_column(name).unwrap_or(&[]);
            Ok((name, values))
        })
        .collect()
}

/// The non-empty attribute values of a node, by column index.
fn attribute_values<'n>(columns: &[Column<'n>], node: usize) -> Vec<(usize, &'n str)> {
    columns
        .iter()
        .enumerate()
        .filter_map(|(idx, (_, values))| {
            values
                .get(node)
                .and_then(|v| v.as_deref())
                .filter(|v| !v.is_empty())
                .map(|v| (idx, v))
        })
        .collect()
}

fn check_id(id: &str) -> io::Result<()> {
    if id.is_empty() {
        return Err(invalid("empty ids cannot be written".to_string()));
    }
    Ok(())
}

/// Every layer must read back as itself.
fn check_layers(network: &Network) -> io::Result<()> {
    for layer in network.layers() {
        if super::parse_layer(layer.as_str()) != *layer {
            return Err(invalid(format!(
                "layer `{layer}` would read back as `{}`",
                Layer::parse(layer.as_str())
            )));
        }
    }
    Ok(())
}

fn invalid(reason: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, reason)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn io_weights_are_written_shortest_and_exact() {
        for w in [
            0.0,
            -0.0,
            1.0,
            2.5,
            0.1,
            1.0 / 3.0,
            1e-7,
            1e300,
            123456789.0,
            5e-324,
        ] {
            let text = format_weight(w).unwrap();
            assert_eq!(
                text.parse::<f64>().unwrap().to_bits(),
                w.to_bits(),
                "{text}"
            );
        }
        assert_eq!(format_weight(1.0).unwrap(), "1");
        assert_eq!(format_weight(0.1).unwrap(), "0.1");
        assert_eq!(format_weight(1e300).unwrap(), "1e300");
        assert!(format_weight(f64::NAN).is_err());
        assert!(format_weight(-1.0).is_err());
    }
}
