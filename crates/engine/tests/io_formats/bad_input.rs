//! Bad input of every kind: the error names the line (and XML byte) and the reason.

use std::path::Path;

use engine::io::{Location, ParseError, ReadOptions, TiesFormat, read_people, read_ties};

fn people_err(text: &[u8]) -> ParseError {
    read_people(text, Path::new("people.csv")).expect_err("should be refused")
}

fn ties_err(format: TiesFormat, text: &[u8]) -> ParseError {
    ties_err_with(format, text, &ReadOptions::default())
}

fn ties_err_with(format: TiesFormat, text: &[u8], options: &ReadOptions) -> ParseError {
    read_ties(None, text, Path::new("ties"), format, options).expect_err("should be refused")
}

/// Asserts the line and the exact reason.
#[track_caller]
fn check(err: ParseError, line: u64, reason: &str) {
    assert_eq!(err.line(), Some(line), "{err}");
    assert_eq!(err.reason, reason, "{err}");
}

/// Asserts the line and the start of the reason (for messages that quote `quick-xml`).
#[track_caller]
fn check_start(err: ParseError, line: u64, reason: &str) {
    assert_eq!(err.line(), Some(line), "{err}");
    assert!(err.reason.starts_with(reason), "{err}");
}

#[test]
fn io_bad_people_csv() {
    check(
        people_err(b"id,unit\n1,a\n"),
        1,
        "missing required column `name` (found: `id`, `unit`)",
    );
    check(
        people_err(b"id,name\na,A\nb,B\na,C\n"),
        4,
        "duplicate id `a` (first on line 2)",
    );
    check(people_err(b"id,name\n,A\n"), 2, "empty id");
    check(
        people_err(b"id,name,unit\n1,A,x\n2,B\n"),
        3,
        "expected 3 fields as in the header, found 2",
    );
    check(
        people_err(b"id,name\n1,A,extra\n"),
        2,
        "expected 2 fields as in the header, found 3",
    );
    check(people_err(b""), 1, "empty file");
    check(people_err(b"\n \n"), 1, "empty file");
    check(
        people_err(b"id,name\n1,A\n2,\xff\n"),
        3,
        "invalid UTF-8 (byte 0xff)",
    );
    check(
        people_err(b"id,name\n1,A\n2,\"Bo\n"),
        3,
        "the file ends inside a quoted field (a missing `\"`)",
    );
    check(people_err(b"id,name,Name\n"), 1, "duplicate column `Name`");
    check(people_err(b"id,name,\n"), 1, "column 3 has no name");
    let err = people_err(b"id,name\nx,A\nx,B\n");
    assert_eq!(
        err.to_string(),
        "people.csv:3: duplicate id `x` (first on line 2)"
    );
}

#[test]
fn io_bad_ties_csv() {
    let csv = TiesFormat::Csv;
    check(
        ties_err(csv, b"source,dst\n1,2\n"),
        1,
        "missing required column `target` (found: `source`, `dst`)",
    );
    check(
        ties_err(csv, b"from,to,weight\n1,2,1\n"),
        1,
        "missing required column `source` (found: `from`, `to`, `weight`)",
    );
    let weight = |w: &str| format!("source,target,weight\n1,2,1\n2,3,{w}\n");
    for (raw, reason) in [
        ("heavy", "weight `heavy` is not a number"),
        ("-2", "weight `-2` is negative"),
        ("NaN", "weight `NaN` is not a number"),
        ("inf", "weight `inf` is infinite"),
        ("-inf", "weight `-inf` is infinite"),
        ("1e999", "weight `1e999` is infinite"),
    ] {
        check(ties_err(csv, weight(raw).as_bytes()), 3, reason);
    }
    let no_loops = ReadOptions {
        allow_self_loops: false,
        ..ReadOptions::default()
    };
    check(
        ties_err_with(csv, b"source,target\n1,2\n2,2\n", &no_loops),
        3,
        "self-loop on `2` (self-loops are not allowed)",
    );
    check(
        ties_err(csv, b"source,target,weight\n1,2,1\n3"),
        3,
        "expected 3 fields as in the header, found 1",
    );
    check(
        ties_err(csv, b"source,target\n1,2\n3,\"4\n5,6\n"),
        3,
        "the file ends inside a quoted field (a missing `\"`)",
    );
    check(ties_err(csv, b"source,target\n1,\n"), 2, "empty id");
    check(ties_err(csv, b""), 1, "empty file");
    check(
        ties_err(csv, b"source,target\n1,2\n\xc3\x28,2\n"),
        3,
        "invalid UTF-8 (byte 0xc3)",
    );
}

#[test]
fn io_bad_edge_lists() {
    let el = TiesFormat::EdgeList;
    check(
        ties_err(el, b"1 2\n3\n"),
        2,
        "expected `source target [weight]`, found 1 field(s)",
    );
    check(
        ties_err(el, b"# c\n1 2 3 4\n"),
        2,
        "expected `source target [weight]`, found 4 field(s)",
    );
    check(
        ties_err(el, b"1 2\n\n2 3 x\n"),
        3,
        "weight `x` is not a number",
    );
    check(ties_err(el, b"1 2 -1\n"), 1, "weight `-1` is negative");
    check(
        ties_err(el, b"# only\n% comments\n"),
        1,
        "no ties: the file has only comments",
    );
    check(ties_err(el, b""), 1, "empty file");
    check(
        ties_err(el, b"1 2\n2 3\n\xfe 1\n"),
        3,
        "invalid UTF-8 (byte 0xfe)",
    );
    let no_loops = ReadOptions {
        allow_self_loops: false,
        ..ReadOptions::default()
    };
    check(
        ties_err_with(el, b"a b\nb b\n", &no_loops),
        2,
        "self-loop on `b` (self-loops are not allowed)",
    );
}

fn graphml(body: &str) -> String {
    format!(
        "<?xml version=\"1.0\"?>\n<graphml>\n<key id=\"w\" for=\"edge\" attr.name=\"weight\"/>\n<graph edgedefault=\"directed\">\n{body}</graph>\n</graphml>\n"
    )
}

#[test]
fn io_bad_graphml() {
    let g = TiesFormat::GraphMl;
    let err = |body: &str| ties_err(g, graphml(body).as_bytes());
    // Line 5 is the first line of the body.
    check(
        err("<node id=\"a\"/>\n<node id=\"a\"/>\n"),
        6,
        "duplicate node id `a` (first on line 5)",
    );
    check(
        err("<node id=\"a\"><data key=\"k\">1</data></node>\n"),
        5,
        "<data> names undeclared key `k`",
    );
    check(
        err("<node id=\"a\"/>\n<edge source=\"a\" target=\"q\"/>\n"),
        6,
        "edge names node `q`, which no <node> declares",
    );
    check(
        err(
            "<node id=\"a\"/>\n<edge source=\"a\" target=\"a\">\n<data key=\"w\">heavy</data></edge>\n",
        ),
        7,
        "weight `heavy` is not a number",
    );
    check(
        err("<node id=\"a\"/><edge source=\"a\"/>\n"),
        5,
        "<edge> has no `target` attribute",
    );
    check(err("<node/>\n"), 5, "<node> has no `id` attribute");
    check(err("<node id=\"\"/>\n"), 5, "empty id");
    check(err("<hyperedge/>\n"), 5, "hyperedges are not supported");
    check(
        err("<node id=\"a\"><graph/></node>\n"),
        5,
        "nested graphs are not supported",
    );
    check(
        err("<node id=\"a&#1;\"/>\n"),
        5,
        "character U+0001 is not allowed in XML",
    );
    check(
        err("<node id=\"a\"><data key=\"w\">&nbsp;</data></node>\n"),
        5,
        "unknown entity `&nbsp;`",
    );
    check_start(err("<node id=\"a\"></nod>\n"), 5, "broken XML");
    check_start(err("<node id=\"a></node>\n"), 5, "broken XML");
    check_start(
        err("<node id=\"a\" id=\"b\"/>\n"),
        5,
        "broken XML attribute",
    );

    let truncated = "<graphml>\n<graph>\n<node id=\"a\"/>\n";
    let e = ties_err(g, truncated.as_bytes());
    check(e, 4, "the file ends inside <graph> (truncated?)");
    let e = ties_err(g, b"<graphml>\n<graph>\n<node id=\"a");
    check_start(e, 3, "broken XML");
    check(
        ties_err(g, b"<gexf/>"),
        1,
        "expected a <graphml> root element, found <gexf>",
    );
    check(
        ties_err(g, b"<graphml>\n</graphml>"),
        1,
        "no <graph> element",
    );
    check(ties_err(g, b"<!-- nothing -->"), 1, "no <graphml> element");
    check(
        ties_err(g, b"<graphml><graph/></graphml>\n<graphml/>"),
        2,
        "content after the root element",
    );
    check(
        ties_err(g, b"<graphml><graph/><graph/></graphml>"),
        1,
        "more than one <graph>: only one graph per file is supported",
    );
    check(
        ties_err(g, b"<graphml><graph edgedefault=\"both\"/></graphml>"),
        1,
        "edgedefault must be `directed` or `undirected`, found `both`",
    );
    let e = ties_err(g, b"<graphml>\n<graph>\xff</graph></graphml>");
    assert_eq!(e.location, Location::Xml { line: 2, byte: 17 });
    assert_eq!(e.to_string(), "ties:2 (byte 17): invalid UTF-8 (byte 0xff)");
    check(ties_err(g, b"  "), 1, "empty file");
}

fn gexf(body: &str) -> String {
    format!(
        "<gexf version=\"1.3\">\n<graph defaultedgetype=\"directed\">\n<attributes class=\"node\"><attribute id=\"0\" title=\"unit\"/></attributes>\n{body}</graph>\n</gexf>\n"
    )
}

#[test]
fn io_bad_gexf() {
    let g = TiesFormat::Gexf;
    let err = |body: &str| ties_err(g, gexf(body).as_bytes());
    // Line 4 is the first line of the body.
    check(
        err("<nodes>\n<node id=\"a\"/>\n<node id=\"a\"/>\n</nodes>\n"),
        6,
        "duplicate node id `a` (first on line 5)",
    );
    check(
        err(
            "<nodes><node id=\"a\"><attvalues><attvalue for=\"9\" value=\"x\"/></attvalues></node></nodes>\n",
        ),
        4,
        "<attvalue> names undeclared attribute `9`",
    );
    let edge = |attrs: &str| {
        format!(
            "<nodes><node id=\"a\"/><node id=\"b\"/></nodes>\n<edges>\n<edge id=\"0\" source=\"a\" target=\"b\" {attrs}/>\n</edges>\n"
        )
    };
    check(err(&edge("weight=\"-1\"")), 6, "weight `-1` is negative");
    check(
        err(&edge("weight=\"NaN\"")),
        6,
        "weight `NaN` is not a number",
    );
    check(
        err(&edge("type=\"sideways\"")),
        6,
        "`type` must be `directed`, `undirected` or `mutual`, found `sideways`",
    );
    check(
        err("<edges><edge id=\"0\" source=\"a\" target=\"b\"/></edges>\n"),
        4,
        "edge names node `a`, which no <node> declares",
    );
    check(
        err("<nodes><node id=\"a\"><nodes/></node></nodes>\n"),
        4,
        "nested nodes (hierarchical graphs) are not supported",
    );
    let no_loops = ReadOptions {
        allow_self_loops: false,
        ..ReadOptions::default()
    };
    let body = "<nodes><node id=\"a\"/></nodes>\n<edges>\n<edge id=\"0\" source=\"a\" target=\"a\"/>\n</edges>\n";
    check(
        ties_err_with(g, gexf(body).as_bytes(), &no_loops),
        6,
        "self-loop on `a` (self-loops are not allowed)",
    );
    check(
        ties_err(g, b"<gexf>\n<graph>\n<nodes>\n<node id=\"a\">"),
        4,
        "the file ends inside <node> (truncated?)",
    );
    check(ties_err(g, b"<gexf></gexf>"), 1, "no <graph> element");
}

/// With people given, XML nodes must be among them too.
#[test]
fn io_xml_nodes_must_be_people() {
    let people = read_people(b"id,name\na,A\n", Path::new("people.csv")).unwrap();
    let err = read_ties(
        Some(people),
        b"<graphml><graph>\n<node id=\"a\"/>\n<node id=\"b\"/></graph></graphml>",
        Path::new("g.graphml"),
        TiesFormat::GraphMl,
        &ReadOptions::default(),
    )
    .unwrap_err();
    check(err, 3, "unknown id `b`: not in the people file");
}
