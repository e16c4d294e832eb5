//! What every target checks: no panic on any input, and a network that parses writes and
//! reads back the same (ids in order, attributes, ties with layers and exact weights).
//! Each target uses one of the helpers.
#![allow(dead_code)]

use std::path::Path;

use engine::Network;
use engine::io::{self, ReadOptions, TiesFormat};

/// Reads `data` as a ties file in `format` (no people); when it parses, writes it in the
/// same format and asserts the re-read network is the same.
pub fn ties_round_trip(data: &[u8], format: TiesFormat) {
    let options = ReadOptions::default();
    let read = |bytes: &[u8]| io::read_ties(None, bytes, Path::new("fuzz"), format, &options);
    let Ok(net) = read(data) else { return };
    let mut out = Vec::new();
    match format {
        TiesFormat::Csv => io::write_ties_csv(&net, &mut out),
        TiesFormat::EdgeList => io::write_edge_list(&net, &mut out),
        TiesFormat::GraphMl => io::write_graphml(&net, &mut out),
        TiesFormat::Gexf => io::write_gexf(&net, &mut out),
    }
    .unwrap_or_else(|err| panic!("a parsed network must be writable: {err}"));
    let back = read(&out).unwrap_or_else(|err| {
        panic!("written output must parse: {err}\n{}", String::from_utf8_lossy(&out))
    });
    assert_same(&net, &back);
}

/// Reads `data` as `people.csv`; when it parses, writes and re-reads it.
pub fn people_round_trip(data: &[u8]) {
    let read = |bytes: &[u8]| io::read_people(bytes, Path::new("fuzz"));
    let Ok(net) = read(data) else { return };
    let mut out = Vec::new();
    io::write_people_csv(&net, &mut out)
        .unwrap_or_else(|err| panic!("a parsed network must be writable: {err}"));
    let back = read(&out).unwrap_or_else(|err| {
        panic!("written output must parse: {err}\n{}", String::from_utf8_lossy(&out))
    });
    assert_same(&net, &back);
}

/// Same ids in the same order, same attributes (a missing column is all `None`), same ties
/// in the same order with the same layers and bit-identical weights.
pub fn assert_same(a: &Network, b: &Network) {
    assert_eq!(a.ids(), b.ids());
    let mut names: Vec<&str> = a.attribute_names().chain(b.attribute_names()).collect();
    names.sort_unstable();
    names.dedup();
    for name in names {
        for node in 0..a.n_nodes() as u32 {
            assert_eq!(a.attribute(node, name), b.attribute(node, name), "{name}");
        }
    }
    assert_eq!(a.ties().len(), b.ties().len());
    for (x, y) in a.ties().iter().zip(b.ties()) {
        assert_eq!((x.source, x.target), (y.source, y.target));
        assert_eq!(a.layers()[x.layer as usize], b.layers()[y.layer as usize]);
        assert_eq!(x.weight.to_bits(), y.weight.to_bits());
    }
}
