//! GraphML (graphml.graphdrawing.org): keys, the first graph's nodes with their data, and
//! its edges with weight and layer data.

use std::collections::HashMap;

use super::intern::Builder;
use super::xml::{Declared, Element, PendingEdge, Xml, add_edges};
use super::{ParseError, parse_weight};
use crate::Network;

/// A `<key>`: which elements it is for, the attribute name and the default value.
struct Key {
    for_node: bool,
    for_edge: bool,
    name: String,
    default: Option<String>,
}

/// Keys in file order (defaults apply in a stable order), found by id.
#[derive(Default)]
struct Keys {
    list: Vec<Key>,
    by_id: HashMap<String, usize>,
}

impl Keys {
    fn get(&self, id: &str) -> Option<&Key> {
        self.by_id.get(id).map(|&idx| &self.list[idx])
    }

    fn values(&self) -> impl Iterator<Item = &Key> {
        self.list.iter()
    }
}

impl Key {
    fn is_edge(&self, name: &str) -> bool {
        self.for_edge && self.name.eq_ignore_ascii_case(name)
    }
}

/// Reads a GraphML document.
pub(super) fn read(text: &str, mut builder: Builder<'_>) -> Result<Network, ParseError> {
    let mut xml = Xml::new(text, builder.path);
    let root = xml.root("graphml")?;
    let mut keys = Keys::default();
    let mut graph: Option<(Declared, Vec<PendingEdge>)> = None;
    if !root.empty {
        while let Some(element) = xml.child()? {
            match element.name.as_str() {
                "key" => read_key(&mut xml, &element, &mut keys)?,
                "graph" if graph.is_some() => {
                    return Err(xml.error_at(
                        element.byte,
                        "more than one <graph>: only one graph per file is supported",
                    ));
                }
                "graph" => graph = Some(read_graph(&mut xml, &element, &keys, &mut builder)?),
                _ => xml.skip(&element)?,
            }
        }
    }
    xml.finish()?;
    let Some((declared, edges)) = graph else {
        return Err(xml.error_at(root.byte, "no <graph> element"));
    };
    add_edges(&mut builder, &xml, &declared, &edges)?;
    // Key defaults apply to the declared nodes that gave no value.
    for key in keys.values().filter(|key| key.for_node) {
        if let Some(default) = key.default.as_deref().filter(|d| !d.is_empty()) {
            for node in declared.nodes() {
                if builder.network().attribute(node, &key.name).is_none() {
                    builder
                        .network_mut()
                        .set_attribute(node, &key.name, default);
                }
            }
        }
    }
    Ok(builder.finish())
}

fn read_key(xml: &mut Xml<'_>, element: &Element<'_>, keys: &mut Keys) -> Result<(), ParseError> {
    let id = xml.required_attr(element, "id")?;
    let domain = xml.attr(element, "for")?.unwrap_or_else(|| "all".into());
    let name = xml.attr(element, "attr.name")?;
    let name = super::xml::attribute_name(xml, element, name.as_deref(), &id)?;
    let mut default = None;
    if !element.empty {
        while let Some(child) = xml.child()? {
            if child.name == "default" {
                default = xml.text(&child)?;
            } else {
                xml.skip(&child)?;
            }
        }
    }
    let key = Key {
        for_node: matches!(domain.as_str(), "node" | "all"),
        for_edge: matches!(domain.as_str(), "edge" | "all"),
        name,
        default,
    };
    if key.is_edge("weight")
        && let Some(default) = key.default.as_deref()
    {
        parse_weight(default).map_err(|reason| {
            xml.error_at(element.byte, format!("default of key `{id}`: {reason}"))
        })?;
    }
    if keys.by_id.contains_key(&id) {
        return Err(xml.error_at(element.byte, format!("duplicate key id `{id}`")));
    }
    keys.by_id.insert(id, keys.list.len());
    keys.list.push(key);
    Ok(())
}

fn read_graph(
    xml: &mut Xml<'_>,
    element: &Element<'_>,
    keys: &Keys,
    builder: &mut Builder<'_>,
) -> Result<(Declared, Vec<PendingEdge>), ParseError> {
    let directed = match xml.attr(element, "edgedefault")?.as_deref() {
        None | Some("directed") => true,
        Some("undirected") => false,
        Some(other) => {
            return Err(xml.error_at(
                element.byte,
                format!("edgedefault must be `directed` or `undirected`, found `{other}`"),
            ));
        }
    };
    let default_weight = match keys.values().find(|key| key.is_edge("weight")) {
        Some(Key {
            default: Some(d), ..
        }) => parse_weight(d).unwrap_or(1.0),
        _ => 1.0,
    };
    let default_layer = keys
        .values()
        .find(|key| key.is_edge("layer"))
        .and_then(|key| key.default.clone());
    let mut declared = Declared::default();
    let mut edges = Vec::new();
    if element.empty {
        return Ok((declared, edges));
    }
    while let Some(child) = xml.child()? {
        match child.name.as_str() {
            "node" => {
                let id = xml.required_attr(&child, "id")?;
                let node = declared.declare(builder, xml, &child, &id)?;
                if child.empty {
                    continue;
                }
                while let Some(data) = xml.child()? {
                    match data.name.as_str() {
                        "data" => {
                            let key = key_of(xml, &data, keys)?;
                            if let Some(value) = xml.text(&data)?
                                && key.for_node
                                && !value.is_empty()
                            {
                                builder.network_mut().set_attribute(node, &key.name, value);
                            }
                        }
                        "graph" => {
                            return Err(xml.error_at(data.byte, "nested graphs are not supported"));
                        }
                        _ => xml.skip(&data)?,
                    }
                }
            }
            "edge" => {
                let mut edge = PendingEdge {
                    source: xml.required_attr(&child, "source")?,
                    target: xml.required_attr(&child, "target")?,
                    both_ways: match xml.attr(&child, "directed")?.as_deref() {
                        None => !directed,
                        Some("true" | "1") => false,
                        Some("false" | "0") => true,
                        Some(other) => {
                            return Err(xml.error_at(
                                child.byte,
                                format!("`directed` must be `true` or `false`, found `{other}`"),
                            ));
                        }
                    },
                    layer: default_layer.clone(),
                    weight: default_weight,
                    byte: child.byte,
                };
                if !child.empty {
                    read_edge_data(xml, keys, &mut edge)?;
                }
                edges.push(edge);
            }
            "hyperedge" => {
                return Err(xml.error_at(child.byte, "hyperedges are not supported"));
            }
            _ => xml.skip(&child)?,
        }
    }
    Ok((declared, edges))
}

fn read_edge_data(
    xml: &mut Xml<'_>,
    keys: &Keys,
    edge: &mut PendingEdge,
) -> Result<(), ParseError> {
    while let Some(data) = xml.child()? {
        match data.name.as_str() {
            "data" => {
                let key = key_of(xml, &data, keys)?;
                let Some(value) = xml.text(&data)? else {
                    continue;
                };
                if key.is_edge("weight") {
                    if !value.trim().is_empty() {
                        edge.weight = parse_weight(&value)
                            .map_err(|reason| xml.error_at(data.byte, reason))?;
                    }
                } else if key.is_edge("layer") {
                    edge.layer = Some(value);
                }
            }
            "graph" => return Err(xml.error_at(data.byte, "nested graphs are not supported")),
            _ => xml.skip(&data)?,
        }
    }
    Ok(())
}

fn key_of<'k>(xml: &Xml<'_>, data: &Element<'_>, keys: &'k Keys) -> Result<&'k Key, ParseError> {
    let id = xml.required_attr(data, "key")?;
    keys.get(&id)
        .ok_or_else(|| xml.error_at(data.byte, format!("<data> names undeclared key `{id}`")))
}
