//! Inputs the fuzz targets (`fuzz/`, `scripts/fuzz`) found, kept as regression tests: each
//! must parse or fail cleanly, and what parses must write and read back the same.

use std::path::Path;

use engine::io::{
    ReadOptions, TiesFormat, read_people, read_ties, write_edge_list, write_gexf, write_graphml,
    write_people_csv, write_ties_csv,
};

use super::assert_same;

/// The fuzz targets' check for a ties format.
fn round_trip(format: TiesFormat, data: &[u8]) {
    let options = ReadOptions::default();
    let read = |bytes: &[u8]| read_ties(None, bytes, Path::new("fuzz"), format, &options);
    let Ok(net) = read(data) else { return };
    let mut out = Vec::new();
    match format {
        TiesFormat::Csv => write_ties_csv(&net, &mut out),
        TiesFormat::EdgeList => write_edge_list(&net, &mut out),
        TiesFormat::GraphMl => write_graphml(&net, &mut out),
        TiesFormat::Gexf => write_gexf(&net, &mut out),
    }
    .unwrap();
    let back = read(&out).unwrap_or_else(|err| panic!("{err}\n{}", String::from_utf8_lossy(&out)));
    assert_same(&net, &back);
}

/// The people.csv target's check.
fn people_round_trip(data: &[u8]) {
    let Ok(net) = read_people(data, Path::new("fuzz")) else {
        return;
    };
    let mut out = Vec::new();
    write_people_csv(&net, &mut out).unwrap();
    assert_same(&net, &read_people(&out, Path::new("fuzz")).unwrap());
}

/// A byte-order mark opening line 2 is part of the id there; written first, it must survive
/// the reader's stripping of a leading mark.
#[test]
fn io_fuzz_edge_list_id_starting_with_a_byte_order_mark() {
    let data = b"# commee#t\n\xef\xbb\xbf1 2\n,323,50";
    round_trip(TiesFormat::EdgeList, data);
    let net = read_ties(
        None,
        data,
        Path::new("t"),
        TiesFormat::EdgeList,
        &ReadOptions::default(),
    )
    .unwrap();
    assert_eq!(net.ids(), ["\u{feff}1", "2", "323", "50"]);
    people_round_trip(b"id,name\n1,a\n");
}

/// A comment mark after a separator still starts a comment: no source id can begin with
/// `#`, so the writer (which refuses such ids) can write whatever the reader read.
#[test]
fn io_fuzz_edge_list_comment_after_a_separator() {
    round_trip(TiesFormat::EdgeList, b",# }");
    round_trip(TiesFormat::EdgeList, b"a b\n ,#c d\n");
    let net = read_ties(
        None,
        b"a b\n ,#c d\n, %e f\n",
        Path::new("t"),
        TiesFormat::EdgeList,
        &ReadOptions::default(),
    )
    .unwrap();
    assert_eq!(net.ids(), ["a", "b"]);
}

/// A vertical tab is no separator (ASCII whitespace in Rust's sense excludes it), so it is
/// an id, and a file of such ids is not "empty".
#[test]
fn io_fuzz_edge_list_vertical_tab_ids() {
    let data = b"\x0b\t\t\x0b\x0b\x0b\n\t\t,";
    round_trip(TiesFormat::EdgeList, data);
    let net = read_ties(
        None,
        data,
        Path::new("t"),
        TiesFormat::EdgeList,
        &ReadOptions::default(),
    )
    .unwrap();
    assert_eq!(net.ids(), ["\x0b", "\x0b\x0b\x0b"]);
}
