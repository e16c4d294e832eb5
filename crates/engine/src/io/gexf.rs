//! GEXF 1.1–1.3 (gexf.net): attribute declarations, nodes with label and attvalues, edges
//! with weight, type and a `layer` attvalue. Visualisation and dynamics are ignored.

use std::collections::HashMap;

use super::intern::Builder;
use super::xml::{Declared, Element, PendingEdge, Xml, add_edges};
use super::{ParseError, parse_weight};
use crate::{Network, NodeIdx};

/// Declared attributes of one class (`node` or `edge`), in file order, found by id.
#[derive(Default)]
struct Attributes {
    /// (title, default) per attribute.
    list: Vec<(String, Option<String>)>,
    by_id: HashMap<String, usize>,
}

/// Reads a GEXF document.
pub(super) fn read(text: &str, mut builder: Builder<'_>) -> Result<Network, ParseError> {
    let mut xml = Xml::new(text, builder.path);
    let root = xml.root("gexf")?;
    let mut graph = None;
    if !root.empty {
        while let Some(element) = xml.child()? {
            match element.name.as_str() {
                "graph" if graph.is_some() => {
                    return Err(xml.error_at(element.byte, "more than one <graph>"));
                }
                "graph" => graph = Some(read_graph(&mut xml, &element, &mut builder)?),
                _ => xml.skip(&element)?,
            }
        }
    }
    xml.finish()?;
    let Some((declared, edges, node_attributes)) = graph else {
        return Err(xml.error_at(root.byte, "no <graph> element"));
    };
    add_edges(&mut builder, &xml, &declared, &edges)?;
    for (title, default) in &node_attributes.list {
        if let Some(default) = default.as_deref().filter(|d| !d.is_empty()) {
            for node in declared.nodes() {
                if builder.network().attribute(node, title).is_none() {
                    builder.network_mut().set_attribute(node, title, default);
                }
            }
        }
    }
    Ok(builder.finish())
}

type Graph = (Declared, Vec<PendingEdge>, Attributes);

fn read_graph(
    xml: &mut Xml<'_>,
    element: &Element<'_>,
    builder: &mut Builder<'_>,
) -> Result<Graph, ParseError> {
    // Gephi writes `mixed` when edges carry their own `type`; others default to directed.
    let default_both_ways = if xml.attr(element, "defaultedgetype")?.as_deref() == Some("mixed") {
        false
    } else {
        both_ways(xml, element, "defaultedgetype")?.unwrap_or(true)
    };
    let mut node_attributes = Attributes::default();
    let mut edge_attributes = Attributes::default();
    let mut declared = Declared::default();
    let mut edges = Vec::new();
    if !element.empty {
        while let Some(child) = xml.child()? {
            match child.name.as_str() {
                "attributes" => match xml.attr(&child, "class")?.as_deref() {
                    Some("node") | None => read_attributes(xml, &child, &mut node_attributes)?,
                    Some("edge") => read_attributes(xml, &child, &mut edge_attributes)?,
                    Some(_) => xml.skip(&child)?,
                },
                "nodes" if !child.empty => {
                    while let Some(node) = xml.child()? {
                        if node.name == "node" {
                            read_node(xml, &node, &node_attributes, &mut declared, builder)?;
                        } else {
                            xml.skip(&node)?;
                        }
                    }
                }
                "edges" if !child.empty => {
                    while let Some(edge) = xml.child()? {
                        if edge.name == "edge" {
                            let edge = read_edge(xml, &edge, &edge_attributes, default_both_ways)?;
                            edges.push(edge);
                        } else {
                            xml.skip(&edge)?;
                        }
                    }
                }
                _ => xml.skip(&child)?,
            }
        }
    }
    Ok((declared, edges, node_attributes))
}

/// Whether an edge type attribute says "both ways"; `None` if absent.
fn both_ways(xml: &Xml<'_>, element: &Element<'_>, name: &str) -> Result<Option<bool>, ParseError> {
    match xml.attr(element, name)?.as_deref() {
        None => Ok(None),
        Some("directed") => Ok(Some(false)),
        Some("undirected" | "mutual") => Ok(Some(true)),
        Some(other) => Err(xml.error_at(
            element.byte,
            format!("`{name}` must be `directed`, `undirected` or `mutual`, found `{other}`"),
        )),
    }
}

fn read_attributes(
    xml: &mut Xml<'_>,
    element: &Element<'_>,
    attributes: &mut Attributes,
) -> Result<(), ParseError> {
    if element.empty {
        return Ok(());
    }
    while let Some(child) = xml.child()? {
        if child.name != "attribute" {
            xml.skip(&child)?;
            continue;
        }
        let id = xml.required_attr(&child, "id")?;
        let title = xml.attr(&child, "title")?;
        let title = super::xml::attribute_name(xml, &child, title.as_deref(), &id)?;
        let mut default = None;
        if !child.empty {
            while let Some(grandchild) = xml.child()? {
                if grandchild.name == "default" {
                    default = xml.text(&grandchild)?;
                } else {
                    xml.skip(&grandchild)?;
                }
            }
        }
        if attributes.by_id.contains_key(&id) {
            return Err(xml.error_at(child.byte, format!("duplicate attribute id `{id}`")));
        }
        attributes.by_id.insert(id, attributes.list.len());
        attributes.list.push((title, default));
    }
    Ok(())
}

/// The attvalues of a node or edge as (attribute index, value), in file order.
fn read_attvalues(
    xml: &mut Xml<'_>,
    element: &Element<'_>,
    attributes: &Attributes,
) -> Result<Vec<(usize, String)>, ParseError> {
    let mut values = Vec::new();
    if element.empty {
        return Ok(values);
    }
    while let Some(attvalue) = xml.child()? {
        if attvalue.name != "attvalue" {
            xml.skip(&attvalue)?;
            continue;
        }
        // GEXF 1.1 says `id`, later versions `for`.
        let id = match xml.attr(&attvalue, "for")? {
            Some(id) => id,
            None => xml.required_attr(&attvalue, "id")?,
        };
        let Some(&idx) = attributes.by_id.get(&id) else {
            return Err(xml.error_at(
                attvalue.byte,
                format!("<attvalue> names undeclared attribute `{id}`"),
            ));
        };
        let value = xml.required_attr(&attvalue, "value")?;
        xml.skip(&attvalue)?;
        values.push((idx, value));
    }
    Ok(values)
}

fn read_node(
    xml: &mut Xml<'_>,
    element: &Element<'_>,
    attributes: &Attributes,
    declared: &mut Declared,
    builder: &mut Builder<'_>,
) -> Result<NodeIdx, ParseError> {
    let id = xml.required_attr(element, "id")?;
    let node = declared.declare(builder, xml, element, &id)?;
    if let Some(label) = xml.attr(element, "label")?
        && !label.is_empty()
    {
        builder.network_mut().set_attribute(node, "name", label);
    }
    if element.empty {
        return Ok(node);
    }
    while let Some(child) = xml.child()? {
        match child.name.as_str() {
            "attvalues" => {
                for (idx, value) in read_attvalues(xml, &child, attributes)? {
                    if !value.is_empty() {
                        let title = &attributes.list[idx].0;
                        builder.network_mut().set_attribute(node, title, value);
                    }
                }
            }
            "nodes" => {
                return Err(xml.error_at(
                    child.byte,
                    "nested nodes (hierarchical graphs) are not supported",
                ));
            }
            _ => xml.skip(&child)?,
        }
    }
    Ok(node)
}

fn read_edge(
    xml: &mut Xml<'_>,
    element: &Element<'_>,
    attributes: &Attributes,
    default_both_ways: bool,
) -> Result<PendingEdge, ParseError> {
    let title_default = |title: &str| {
        attributes
            .list
            .iter()
            .find(|(t, _)| t.eq_ignore_ascii_case(title))
            .and_then(|(_, default)| default.clone())
    };
    let mut weight_text = xml.attr(element, "weight")?;
    let from_attribute = weight_text.is_some();
    let mut layer = xml
        .attr(element, "kind")?
        .or_else(|| title_default("layer"));
    if !from_attribute {
        weight_text = title_default("weight");
    }
    if !element.empty {
        while let Some(child) = xml.child()? {
            if child.name != "attvalues" {
                xml.skip(&child)?;
                continue;
            }
            for (idx, value) in read_attvalues(xml, &child, attributes)? {
                let title = &attributes.list[idx].0;
                if title.eq_ignore_ascii_case("layer") {
                    layer = Some(value);
                } else if title.eq_ignore_ascii_case("weight") && !from_attribute {
                    weight_text = Some(value);
                }
            }
        }
    }
    let weight = match weight_text.as_deref() {
        Some(text) if !text.trim().is_empty() => {
            parse_weight(text).map_err(|reason| xml.error_at(element.byte, reason))?
        }
        _ => 1.0,
    };
    Ok(PendingEdge {
        source: xml.required_attr(element, "source")?,
        target: xml.required_attr(element, "target")?,
        both_ways: both_ways(xml, element, "type")?.unwrap_or(default_both_ways),
        layer,
        weight,
        byte: element.byte,
    })
}
