//! `engine::io` at its boundary: every format round-trips arbitrary networks, real files
//! (the fixtures, NetworkX's GraphML and GEXF) read as they should, and bad input gets an
//! error naming the line and the reason (`io_formats/bad_input.rs`).

mod bad_input;
mod fuzz_regressions;

use std::collections::BTreeSet;
use std::path::Path;

use engine::io::{
    self, DEFAULT_LAYER, ReadOptions, TiesFormat, read_people, read_ties, write_edge_list,
    write_gexf, write_graphml, write_people_csv, write_ties_csv,
};
use engine::{GraphOptions, Layer, Network};
use proptest::prelude::*;

/// Reads a ties file given as text, with default options and no people.
fn ties(format: TiesFormat, text: &str) -> Network {
    read_ties(
        None,
        text.as_bytes(),
        Path::new("t"),
        format,
        &ReadOptions::default(),
    )
    .unwrap_or_else(|err| panic!("{err}\n{text}"))
}

/// Asserts two networks hold the same ids (in order), attributes and ties (in order, with
/// layers and bit-identical weights). A missing column equals a column of `None`s.
fn assert_same(a: &Network, b: &Network) {
    assert_eq!(a.ids(), b.ids());
    let names: BTreeSet<&str> = a.attribute_names().chain(b.attribute_names()).collect();
    for name in names {
        for node in 0..a.n_nodes() as u32 {
            assert_eq!(
                a.attribute(node, name),
                b.attribute(node, name),
                "attribute `{name}` of `{}`",
                a.id(node)
            );
        }
    }
    assert_eq!(a.ties().len(), b.ties().len());
    for (x, y) in a.ties().iter().zip(b.ties()) {
        assert_eq!((x.source, x.target), (y.source, y.target));
        assert_eq!(a.layers()[x.layer as usize], b.layers()[y.layer as usize]);
        assert_eq!(x.weight.to_bits(), y.weight.to_bits());
    }
}

fn csv_round_trip(net: &Network) -> Network {
    let (mut people, mut ties) = (Vec::new(), Vec::new());
    write_people_csv(net, &mut people).unwrap();
    write_ties_csv(net, &mut ties).unwrap();
    let people = read_people(&people, Path::new("people.csv")).unwrap();
    let text = String::from_utf8_lossy(&ties).into_owned();
    read_ties(
        Some(people),
        &ties,
        Path::new("ties.csv"),
        TiesFormat::Csv,
        &ReadOptions::default(),
    )
    .unwrap_or_else(|err| panic!("{err}\n{text}"))
}

fn xml_round_trip(net: &Network, format: TiesFormat) -> Network {
    let mut out = Vec::new();
    match format {
        TiesFormat::GraphMl => write_graphml(net, &mut out).unwrap(),
        _ => write_gexf(net, &mut out).unwrap(),
    }
    ties(format, std::str::from_utf8(&out).unwrap())
}

// ---- Arbitrary networks ----

/// Strings with the characters formats trip on: separators, quotes, markup, whitespace,
/// non-ASCII.
const TRICKY: &str = "[a-zA-Z0-9 ,;\"'<>&=#%\\t\\n\\ré日ß€😀]{1,8}";

fn layer() -> impl Strategy<Value = Layer> {
    prop_oneof![
        Just(Layer::Advice),
        Just(Layer::Friendship),
        Just(Layer::ReportsTo),
        Just(Layer::Custom(DEFAULT_LAYER.to_string())),
        "[a-z&<\"' é日]{1,6}"
            .prop_map(|name| Layer::parse(&name))
            .prop_filter("empty layer", |l| !l.as_str().is_empty()),
    ]
}

fn weight() -> impl Strategy<Value = f64> {
    prop_oneof![
        Just(1.0),
        0.0f64..10.0,
        any::<f64>()
            .prop_map(f64::abs)
            .prop_filter("finite", |w| w.is_finite()),
    ]
}

fn attribute_name() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("name".to_string()),
        Just("unit".to_string()),
        Just("grade".to_string()),
        "[a-z,\"<>& é]{1,6}".prop_filter("a column the reader knows", |name| {
            let trimmed = name.trim();
            trimmed == name
                && !["id", "name", "source", "target", "layer", "weight"]
                    .iter()
                    .any(|known| known.eq_ignore_ascii_case(name))
        }),
    ]
}

/// A network from ids (deduplicated), attributes and ties given by index pairs.
fn network(
    ids: Vec<String>,
    attributes: Vec<(String, usize, String)>,
    ties: Vec<(usize, usize, Layer, f64)>,
) -> Network {
    let mut net = Network::new();
    for id in &ids {
        net.add_node(id);
    }
    let n = net.n_nodes();
    if n == 0 {
        return net;
    }
    for (name, node, value) in attributes {
        net.set_attribute((node % n) as u32, &name, value);
    }
    for (s, t, layer, w) in ties {
        net.add_tie((s % n) as u32, (t % n) as u32, &layer, w);
    }
    net
}

fn any_network(id: &'static str) -> impl Strategy<Value = Network> {
    (
        prop::collection::vec(id, 0..12),
        prop::collection::vec((attribute_name(), any::<usize>(), TRICKY), 0..20),
        prop::collection::vec((any::<usize>(), any::<usize>(), layer(), weight()), 0..30),
    )
        .prop_map(|(ids, attributes, ties)| network(ids, attributes, ties))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn io_csv_round_trips(net in any_network(TRICKY)) {
        assert_same(&net, &csv_round_trip(&net));
    }

    #[test]
    fn io_graphml_round_trips(net in any_network(TRICKY)) {
        assert_same(&net, &xml_round_trip(&net, TiesFormat::GraphMl));
    }

    #[test]
    fn io_gexf_round_trips(net in any_network(TRICKY)) {
        assert_same(&net, &xml_round_trip(&net, TiesFormat::Gexf));
    }

    /// An edge list keeps ties and weights only: ids must be free of whitespace and commas
    /// and not start a comment, nodes come back in order of first appearance.
    #[test]
    fn io_edge_list_round_trips(
        ids in prop::collection::vec("[a-zA-Z0-9_\"'<>&é日-][a-zA-Z0-9_\"'<>&#%é日-]{0,5}", 1..12),
        ties in prop::collection::vec((any::<usize>(), any::<usize>(), weight()), 1..30),
    ) {
        let ids: Vec<String> = ids;
        let default = Layer::Custom(DEFAULT_LAYER.to_string());
        let net = network(
            ids,
            Vec::new(),
            ties.into_iter().map(|(s, t, w)| (s, t, default.clone(), w)).collect(),
        );
        let mut out = Vec::new();
        write_edge_list(&net, &mut out).unwrap();
        let back = ties_of(TiesFormat::EdgeList, &out);
        let appearing: Vec<&str> = first_appearance(&net);
        prop_assert_eq!(back.ids(), appearing.as_slice());
        prop_assert_eq!(back.ties().len(), net.ties().len());
        for (x, y) in net.ties().iter().zip(back.ties()) {
            prop_assert_eq!(net.id(x.source), back.id(y.source));
            prop_assert_eq!(net.id(x.target), back.id(y.target));
            prop_assert_eq!(x.weight.to_bits(), y.weight.to_bits());
            prop_assert_eq!(&back.layers()[y.layer as usize], &default);
        }
    }

    /// Without a people file, ties.csv alone gives the ties and the nodes that have ties.
    #[test]
    fn io_ties_csv_alone_round_trips(net in any_network(TRICKY)) {
        let mut out = Vec::new();
        write_ties_csv(&net, &mut out).unwrap();
        let back = ties_of(TiesFormat::Csv, &out);
        let appearing = first_appearance(&net);
        prop_assert_eq!(back.ids(), appearing.as_slice());
        prop_assert_eq!(back.ties().len(), net.ties().len());
        for (x, y) in net.ties().iter().zip(back.ties()) {
            prop_assert_eq!(net.id(x.source), back.id(y.source));
            prop_assert_eq!(net.id(x.target), back.id(y.target));
            prop_assert_eq!(&net.layers()[x.layer as usize], &back.layers()[y.layer as usize]);
            prop_assert_eq!(x.weight.to_bits(), y.weight.to_bits());
        }
    }

    /// Any bytes: no panic, and what parses writes and reads back the same.
    #[test]
    fn io_arbitrary_bytes_never_panic(data in prop::collection::vec(any::<u8>(), 0..200)) {
        for format in [TiesFormat::Csv, TiesFormat::EdgeList, TiesFormat::GraphMl, TiesFormat::Gexf] {
            let _ = read_ties(None, &data, Path::new("t"), format, &ReadOptions::default());
        }
        let _ = read_people(&data, Path::new("p"));
    }
}

fn ties_of(format: TiesFormat, data: &[u8]) -> Network {
    ties(format, std::str::from_utf8(data).unwrap())
}

fn first_appearance(net: &Network) -> Vec<&str> {
    let mut seen = BTreeSet::new();
    let mut order = Vec::new();
    for tie in net.ties() {
        for node in [tie.source, tie.target] {
            if seen.insert(node) {
                order.push(net.id(node));
            }
        }
    }
    order
}

// ---- Real files ----

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");

/// The fixtures load with their people, and every writer gives them back unchanged.
/// Expected counts are the files' row counts (Python's csv module).
#[test]
fn io_fixtures_load_and_round_trip_through_every_format() {
    let cases: [(&str, usize, usize, &[&str], usize); 4] = [
        ("email_eu_core", 1005, 25571, &["communication"], 642),
        (
            "krackhardt_hightech",
            21,
            312,
            &["advice", "friendship", "reports_to"],
            0,
        ),
        (
            "lazega_law_firm",
            71,
            2571,
            &["advice", "friendship", "collaboration"],
            0,
        ),
        (
            "medical_innovation",
            125,
            450,
            &["advice", "communication", "friendship"],
            0,
        ),
    ];
    for (name, n_people, n_ties, layers, n_loops) in cases {
        let dir = Path::new(FIXTURES).join(name);
        let net = io::load(
            Some(&dir.join("people.csv")),
            &dir.join("ties.csv"),
            TiesFormat::Csv,
            &ReadOptions::default(),
        )
        .unwrap();
        assert_eq!(net.n_nodes(), n_people, "{name}");
        assert_eq!(net.ties().len(), n_ties, "{name}");
        let names: Vec<&str> = net.layers().iter().map(Layer::as_str).collect();
        assert_eq!(names, layers, "{name}");
        let loops = net.ties().iter().filter(|t| t.source == t.target).count();
        assert_eq!(loops, n_loops, "{name}");
        assert!(net.attribute_names().any(|a| a == "name"));

        assert_same(&net, &csv_round_trip(&net));
        assert_same(&net, &xml_round_trip(&net, TiesFormat::GraphMl));
        assert_same(&net, &xml_round_trip(&net, TiesFormat::Gexf));

        let strict = ReadOptions {
            allow_self_loops: false,
            ..ReadOptions::default()
        };
        let refused = io::load(None, &dir.join("ties.csv"), TiesFormat::Csv, &strict);
        assert_eq!(refused.is_err(), n_loops > 0, "{name}");
    }
}

/// `save` then `load` through real files, for every format.
#[test]
fn io_save_and_load_files() {
    let dir = tempfile::tempdir().unwrap();
    let fixture = Path::new(FIXTURES).join("krackhardt_hightech");
    let net = io::load(
        Some(&fixture.join("people.csv")),
        &fixture.join("ties.csv"),
        TiesFormat::Csv,
        &ReadOptions::default(),
    )
    .unwrap();
    for file in ["ties.csv", "ties.graphml", "ties.gexf", "ties.txt"] {
        let people = dir.path().join("people.csv");
        let path = dir.path().join(file);
        let format = TiesFormat::from_path(&path);
        io::save(&net, Some(&people), &path, format).unwrap();
        let back = io::load(Some(&people), &path, format, &ReadOptions::default()).unwrap();
        if format == TiesFormat::EdgeList {
            // Layers are not written: the parallel ties merge in the graph instead.
            let options = GraphOptions::default();
            assert_eq!(back.graph(&options), net.graph(&options));
        } else {
            assert_same(&net, &back);
        }
    }
}

/// What `networkx.write_graphml` writes for a small directed graph with node and edge data.
const NX_DIRECTED_GRAPHML: &str = r#"<?xml version='1.0' encoding='utf-8'?>
<graphml xmlns="http://graphml.graphdrawing.org/xmlns" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">
  <key id="d3" for="edge" attr.name="layer" attr.type="string" />
  <key id="d2" for="edge" attr.name="weight" attr.type="double" />
  <key id="d1" for="node" attr.name="grade" attr.type="long" />
  <key id="d0" for="node" attr.name="unit" attr.type="string" />
  <graph edgedefault="directed">
    <node id="a">
      <data key="d0">sales &amp; ops</data>
      <data key="d1">3</data>
    </node>
    <node id="b">
      <data key="d0">&lt;eng&gt;</data>
    </node>
    <node id="c" />
    <edge source="a" target="b">
      <data key="d2">2.5</data>
      <data key="d3">advice</data>
    </edge>
    <edge source="b" target="c">
      <data key="d2">1.0</data>
      <data key="d3">friendship</data>
    </edge>
    <edge source="c" target="a" />
  </graph>
</graphml>
"#;

/// `networkx.write_gexf` of the same graph (GEXF 1.2draft).
const NX_DIRECTED_GEXF: &str = r#"<?xml version='1.0' encoding='utf-8'?>
<gexf xmlns="http://www.gexf.net/1.2draft" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://www.gexf.net/1.2draft http://www.gexf.net/1.2draft/gexf.xsd" version="1.2">
  <meta lastmodifieddate="2026-11-30">
    <creator>NetworkX 3.6.1</creator>
  </meta>
  <graph defaultedgetype="directed" mode="static" name="">
    <attributes mode="static" class="edge">
      <attribute id="2" title="layer" type="string" />
    </attributes>
    <attributes mode="static" class="node">
      <attribute id="0" title="unit" type="string" />
      <attribute id="1" title="grade" type="long" />
    </attributes>
    <nodes>
      <node id="a" label="a">
        <attvalues>
          <attvalue for="0" value="sales &amp; ops" />
          <attvalue for="1" value="3" />
        </attvalues>
      </node>
      <node id="b" label="b">
        <attvalues>
          <attvalue for="0" value="&lt;eng&gt;" />
        </attvalues>
      </node>
      <node id="c" label="c" />
    </nodes>
    <edges>
      <edge source="a" target="b" id="0" weight="2.5">
        <attvalues>
          <attvalue for="2" value="advice" />
        </attvalues>
      </edge>
      <edge source="b" target="c" id="1" weight="1.0">
        <attvalues>
          <attvalue for="2" value="friendship" />
        </attvalues>
      </edge>
      <edge source="c" target="a" id="2" />
    </edges>
  </graph>
</gexf>
"#;

#[test]
fn io_reads_networkx_graphml_and_gexf() {
    for (format, text) in [
        (TiesFormat::GraphMl, NX_DIRECTED_GRAPHML),
        (TiesFormat::Gexf, NX_DIRECTED_GEXF),
    ] {
        let net = ties(format, text);
        assert_eq!(net.ids(), ["a", "b", "c"]);
        assert_eq!(net.attribute(0, "unit"), Some("sales & ops"));
        assert_eq!(net.attribute(0, "grade"), Some("3"));
        assert_eq!(net.attribute(1, "unit"), Some("<eng>"));
        assert_eq!(net.attribute(2, "unit"), None);
        let ties: Vec<(u32, u32, &str, f64)> = net
            .ties()
            .iter()
            .map(|t| {
                let layer = net.layers()[t.layer as usize].as_str();
                (t.source, t.target, layer, t.weight)
            })
            .collect();
        assert_eq!(
            ties,
            [
                (0, 1, "advice", 2.5),
                (1, 2, "friendship", 1.0),
                (2, 0, DEFAULT_LAYER, 1.0)
            ]
        );
    }
    // GEXF labels become the `name` attribute.
    assert_eq!(
        ties(TiesFormat::Gexf, NX_DIRECTED_GEXF).attribute(2, "name"),
        Some("c")
    );
}

/// Undirected edges (NetworkX `Graph`, GEXF `mutual`, GraphML `directed="false"`) become
/// ties both ways; a self-loop stays one tie.
#[test]
fn io_undirected_xml_edges_become_ties_both_ways() {
    let graphml = r#"<graphml><key id="w" for="edge" attr.name="weight"/>
        <graph edgedefault="undirected">
        <node id="x"/><node id="y"/><node id="z"/>
        <edge source="x" target="y"><data key="w">0.5</data></edge>
        <edge source="y" target="z" directed="true"/>
        <edge source="z" target="z"/>
        </graph></graphml>"#;
    let gexf = r#"<gexf version="1.3"><graph>
        <nodes><node id="x"/><node id="y"/><node id="z"/></nodes>
        <edges><edge id="0" source="x" target="y" weight="0.5" type="mutual"/>
        <edge id="1" source="y" target="z" type="directed"/>
        <edge id="2" source="z" target="z"/></edges>
        </graph></gexf>"#;
    for (format, text) in [(TiesFormat::GraphMl, graphml), (TiesFormat::Gexf, gexf)] {
        let net = ties(format, text);
        let pairs: Vec<(u32, u32, f64)> = net
            .ties()
            .iter()
            .map(|t| (t.source, t.target, t.weight))
            .collect();
        assert_eq!(
            pairs,
            [(0, 1, 0.5), (1, 0, 0.5), (1, 2, 1.0), (2, 2, 1.0)],
            "{format:?}"
        );
    }
}

/// Key defaults, yEd-style data with child elements (skipped), CDATA and character
/// references, edges before the nodes they name, and GEXF 1.1 attvalue `id`s.
#[test]
fn io_xml_details() {
    let graphml = r#"<?xml version="1.0"?>
        <!-- a comment --><graphml>
        <key id="u" for="node" attr.name="unit"><default>none</default></key>
        <key id="g" for="node" attr.name="graphics"/>
        <key id="l" for="edge" attr.name="layer"><default>advice</default></key>
        <graph edgedefault="directed">
        <edge source="b" target="a"/>
        <node id="a"><data key="u"><![CDATA[R&D <1>]]></data><data key="g"><y:Shape/>x</data></node>
        <node id="b"><data key="u">caf&#xe9;&#10;bar</data></node>
        <node id="c"/>
        </graph></graphml>"#;
    let net = ties(TiesFormat::GraphMl, graphml);
    assert_eq!(net.ids(), ["a", "b", "c"]);
    assert_eq!(net.attribute(0, "unit"), Some("R&D <1>"));
    assert_eq!(net.attribute(0, "graphics"), None);
    assert_eq!(net.attribute(1, "unit"), Some("café\nbar"));
    assert_eq!(net.attribute(2, "unit"), Some("none"));
    assert_eq!(net.layers(), [Layer::Advice]);
    assert_eq!((net.ties()[0].source, net.ties()[0].target), (1, 0));

    let gexf = r#"<gexf version="1.1"><graph defaultedgetype="directed">
        <attributes class="node"><attribute id="0" title="unit"><default>hq</default></attribute></attributes>
        <attributes class="edge"><attribute id="w" title="weight"/></attributes>
        <nodes><node id="1" label="Ann"><attvalues><attvalue id="0" value="lab"/></attvalues>
        <viz:color r="1" g="2" b="3"/></node><node id="2"/></nodes>
        <edges><edge id="e" source="1" target="2" kind="advice"><attvalues><attvalue for="w" value="4"/></attvalues></edge></edges>
        </graph></gexf>"#;
    let net = ties(TiesFormat::Gexf, gexf);
    assert_eq!(net.attribute(0, "name"), Some("Ann"));
    assert_eq!(net.attribute(0, "unit"), Some("lab"));
    assert_eq!(net.attribute(1, "unit"), Some("hq"));
    assert_eq!(net.ties()[0].weight, 4.0);
    assert_eq!(net.layers(), [Layer::Advice]);
}

/// Edge lists: comments, blank lines, commas, tabs, CRLF.
#[test]
fn io_edge_list_syntax() {
    let text = "# SNAP-style header\n% KONECT-style\n\n1 2\n2,3,0.5\r\n3\t1  2\n  \n";
    let net = ties(TiesFormat::EdgeList, text);
    assert_eq!(net.ids(), ["1", "2", "3"]);
    let ties: Vec<(u32, u32, f64)> = net
        .ties()
        .iter()
        .map(|t| (t.source, t.target, t.weight))
        .collect();
    assert_eq!(ties, [(0, 1, 1.0), (1, 2, 0.5), (2, 0, 2.0)]);
}

/// `ties.csv` columns in any order and case, optional layer and weight, extra columns
/// ignored; `people.csv` extra columns kept, empty cells unset.
#[test]
fn io_csv_columns() {
    let net = ties(
        TiesFormat::Csv,
        "Weight,note,TARGET,source\n2,x,b,a\n,y,a,b\n",
    );
    let ties: Vec<(u32, u32, f64)> = net
        .ties()
        .iter()
        .map(|t| (t.source, t.target, t.weight))
        .collect();
    assert_eq!(net.ids(), ["a", "b"]);
    assert_eq!(ties, [(0, 1, 2.0), (1, 0, 1.0)]);

    let people = read_people(
        "ID, Name ,unit,hobby\r\n7,\"Lee, Ann\",,\"chess \"\"blitz\"\"\"\r\n".as_bytes(),
        Path::new("people.csv"),
    )
    .unwrap();
    assert_eq!(people.ids(), ["7"]);
    assert_eq!(people.attribute(0, "name"), Some("Lee, Ann"));
    assert_eq!(people.attribute(0, "unit"), None);
    assert_eq!(people.attribute(0, "hobby"), Some("chess \"blitz\""));
}

/// Ties naming people not in people.csv are refused unless allowed, then added after them.
#[test]
fn io_unknown_ids_can_be_allowed() {
    let people = || read_people(b"id,name\n1,A\n2,B\n", Path::new("people.csv")).unwrap();
    let ties = b"source,target\n1,2\n2,9\n";
    let options = ReadOptions {
        allow_unknown_ids: true,
        ..ReadOptions::default()
    };
    let net = read_ties(
        Some(people()),
        ties,
        Path::new("t"),
        TiesFormat::Csv,
        &options,
    )
    .unwrap();
    assert_eq!(net.ids(), ["1", "2", "9"]);
    assert_eq!(net.attribute(0, "name"), Some("A"));
    let err = read_ties(
        Some(people()),
        ties,
        Path::new("ties.csv"),
        TiesFormat::Csv,
        &ReadOptions::default(),
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "ties.csv:3: unknown id `9`: not in the people file"
    );
}
