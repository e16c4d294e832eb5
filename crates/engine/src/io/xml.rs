//! A small pull reader over `quick-xml` shared by GraphML and GEXF: elements one level at a
//! time, text with entities resolved, positions turned into [`Location::Xml`], and the
//! checks `quick-xml` leaves to its caller (unclosed elements at the end of the file, content
//! after the root, characters XML 1.0 forbids). Plus the escaping the writers use.

use std::borrow::Cow;
use std::path::Path;

use quick_xml::Reader;
use quick_xml::XmlVersion;
use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::{BytesStart, Event};

use super::intern::Builder;
use super::{Location, ParseError, position};
use crate::NodeIdx;

/// An element as met: its local name, start tag and where it starts.
#[derive(Debug)]
pub(super) struct Element<'a> {
    pub(super) name: String,
    start: BytesStart<'a>,
    /// `<x/>`: no children, no end tag.
    pub(super) empty: bool,
    /// Byte offset of the `<`.
    pub(super) byte: u64,
}

/// The reader: call [`Xml::root`], then [`Xml::child`] until it gives `None` for each
/// element opened (or [`Xml::skip`] / [`Xml::text`] it), then [`Xml::finish`].
pub(super) struct Xml<'a> {
    reader: Reader<&'a [u8]>,
    text: &'a str,
    path: &'a Path,
    /// Names of the open elements, outermost first.
    open: Vec<String>,
}

impl<'a> Xml<'a> {
    pub(super) fn new(text: &'a str, path: &'a Path) -> Xml<'a> {
        Xml {
            reader: Reader::from_str(text),
            text,
            path,
            open: Vec::new(),
        }
    }

    /// An error at a byte offset of the document.
    pub(super) fn error_at(&self, byte: u64, reason: impl std::fmt::Display) -> ParseError {
        ParseError::new(
            self.path,
            position(self.text.as_bytes(), byte as usize, true),
            reason,
        )
    }

    /// The [`Location`] of an element, for errors found later.
    pub(super) fn location(&self, element: &Element<'_>) -> Location {
        position(self.text.as_bytes(), element.byte as usize, true)
    }

    /// The next event, with `quick-xml` errors located.
    fn event(&mut self) -> Result<(Event<'a>, u64), ParseError> {
        let byte = self.reader.buffer_position();
        match self.reader.read_event() {
            Ok(event) => Ok((event, byte)),
            Err(err) => {
                Err(self.error_at(self.reader.error_position(), format!("broken XML: {err}")))
            }
        }
    }

    /// The root element; it must be called `expected`.
    pub(super) fn root(&mut self, expected: &str) -> Result<Element<'a>, ParseError> {
        match self.child()? {
            Some(root) if root.name == expected => Ok(root),
            Some(root) => Err(self.error_at(
                root.byte,
                format!(
                    "expected a <{expected}> root element, found <{}>",
                    root.name
                ),
            )),
            None => Err(self.error_at(0, format!("no <{expected}> element"))),
        }
    }

    /// The next child element of the innermost open element, or `None` after its end tag
    /// (at the top level: at the end of the file). A child with content stays open until
    /// the caller reads its children to `None`, its [`Xml::text`], or [`Xml::skip`]s it.
    /// Text between elements is ignored.
    pub(super) fn child(&mut self) -> Result<Option<Element<'a>>, ParseError> {
        loop {
            let (event, byte) = self.event()?;
            match event {
                Event::Start(start) => return Ok(Some(self.opened(start, byte, false))),
                Event::Empty(start) => return Ok(Some(self.opened(start, byte, true))),
                Event::End(_) => {
                    self.open.pop();
                    return Ok(None);
                }
                Event::Eof => {
                    self.eof()?;
                    return Ok(None);
                }
                Event::Text(text) if self.open.is_empty() && !text.trim().is_empty() => {
                    return Err(self.error_at(byte, "text outside the root element"));
                }
                _ => {}
            }
        }
    }

    fn opened(&mut self, start: BytesStart<'a>, byte: u64, empty: bool) -> Element<'a> {
        let local = start.local_name();
        let name: &str = local.as_ref();
        let name = name.to_string();
        if !empty {
            self.open.push(name.clone());
        }
        Element {
            name,
            start,
            empty,
            byte,
        }
    }

    /// At the end of the file: nothing may still be open.
    fn eof(&self) -> Result<(), ParseError> {
        match self.open.last() {
            Some(name) => Err(self.error_at(
                self.text.len() as u64,
                format!("the file ends inside <{name}> (truncated?)"),
            )),
            None => Ok(()),
        }
    }

    /// Skips an element's content.
    /// Iterative, so deeply nested input cannot overflow the stack.
    pub(super) fn skip(&mut self, element: &Element<'_>) -> Result<(), ParseError> {
        if element.empty {
            return Ok(());
        }
        // `element` is the innermost open element; read until it closes.
        let depth = self.open.len().saturating_sub(1);
        while self.open.len() > depth {
            // Opens push, ends pop; the end of the file inside is an error.
            self.child()?;
        }
        Ok(())
    }

    /// An element's text, entities resolved and line ends normalized; `None` if it has child
    /// elements (which are skipped).
    pub(super) fn text(&mut self, element: &Element<'_>) -> Result<Option<String>, ParseError> {
        if element.empty {
            return Ok(Some(String::new()));
        }
        let mut text = String::new();
        let mut has_children = false;
        loop {
            let (event, byte) = self.event()?;
            match event {
                Event::Text(t) => text.push_str(&t.xml10_content()),
                Event::CData(t) => text.push_str(&t.xml10_content()),
                Event::GeneralRef(r) => match r.resolve_char_ref() {
                    Ok(Some(c)) => text.push(c),
                    Ok(None) => match resolve_predefined_entity(&r) {
                        Some(s) => text.push_str(s),
                        None => {
                            return Err(self.error_at(byte, format!("unknown entity `&{};`", &*r)));
                        }
                    },
                    Err(err) => return Err(self.error_at(byte, format!("broken XML: {err}"))),
                },
                Event::Start(start) => {
                    has_children = true;
                    let child = self.opened(start, byte, false);
                    self.skip(&child)?;
                }
                Event::Empty(_) => has_children = true,
                Event::End(_) => {
                    self.open.pop();
                    break;
                }
                Event::Eof => {
                    self.eof()?;
                    break;
                }
                Event::Comment(_) | Event::PI(_) | Event::Decl(_) | Event::DocType(_) => {}
            }
        }
        if has_children {
            return Ok(None);
        }
        check_chars(&text).map_err(|reason| self.error_at(element.byte, reason))?;
        Ok(Some(text))
    }

    /// An attribute's value, unescaped and normalized; `None` if absent. Every attribute of
    /// the element is checked (duplicates, syntax), not only this one.
    pub(super) fn attr(
        &self,
        element: &Element<'_>,
        name: &str,
    ) -> Result<Option<String>, ParseError> {
        let mut found = None;
        for attribute in element.start.attributes() {
            let attribute = attribute.map_err(|err| {
                self.error_at(element.byte, format!("broken XML attribute: {err}"))
            })?;
            let key: &str = attribute.key.as_ref();
            if key == name {
                let value = attribute
                    .normalized_value(XmlVersion::Implicit1_0)
                    .map_err(|err| {
                        self.error_at(
                            element.byte,
                            format!("attribute `{name}` of <{}>: {err}", element.name),
                        )
                    })?;
                check_chars(&value).map_err(|reason| self.error_at(element.byte, reason))?;
                found = Some(value.into_owned());
            }
        }
        Ok(found)
    }

    /// A required attribute's value.
    pub(super) fn required_attr(
        &self,
        element: &Element<'_>,
        name: &str,
    ) -> Result<String, ParseError> {
        self.attr(element, name)?.ok_or_else(|| {
            self.error_at(
                element.byte,
                format!("<{}> has no `{name}` attribute", element.name),
            )
        })
    }

    /// After the root element: only comments and whitespace may follow.
    pub(super) fn finish(&mut self) -> Result<(), ParseError> {
        loop {
            let (event, byte) = self.event()?;
            match event {
                Event::Eof => return Ok(()),
                Event::Start(_) | Event::Empty(_) | Event::End(_) => {
                    return Err(self.error_at(byte, "content after the root element"));
                }
                Event::Text(t) if !t.trim().is_empty() => {
                    return Err(self.error_at(byte, "text after the root element"));
                }
                _ => {}
            }
        }
    }
}

/// The attribute name a GraphML key or GEXF attribute declares: its name (or title),
/// trimmed, else its id, trimmed.
///
/// # Errors
/// Both blank.
pub(super) fn attribute_name(
    xml: &Xml<'_>,
    element: &Element<'_>,
    name: Option<&str>,
    id: &str,
) -> Result<String, ParseError> {
    let name = name.map(str::trim).filter(|name| !name.is_empty());
    match name.or(Some(id.trim()).filter(|id| !id.is_empty())) {
        Some(name) => Ok(name.to_string()),
        None => Err(xml.error_at(element.byte, format!("<{}> has no name", element.name))),
    }
}

/// Whether XML 1.0 can carry every character of `s` (the writers escape `\t`, `\n`, `\r`).
pub(super) fn check_chars(s: &str) -> Result<(), String> {
    match s.chars().find(|&c| !xml_char(c)) {
        Some(c) => Err(format!(
            "character U+{:04X} is not allowed in XML",
            u32::from(c)
        )),
        None => Ok(()),
    }
}

fn xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// `s` escaped for an XML attribute value or text: markup characters and the whitespace XML
/// would normalize become references.
///
/// # Errors
/// A character XML 1.0 cannot carry at all.
pub(super) fn escape(s: &str) -> std::io::Result<Cow<'_, str>> {
    check_chars(s)
        .map_err(|reason| std::io::Error::new(std::io::ErrorKind::InvalidInput, reason))?;
    if !s.contains(['&', '<', '>', '"', '\'', '\t', '\n', '\r']) {
        return Ok(Cow::Borrowed(s));
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' => out.push_str("&#9;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            c => out.push(c),
        }
    }
    Ok(Cow::Owned(out))
}

/// Nodes a GraphML or GEXF file declared, to catch duplicates and edges to undeclared nodes.
#[derive(Default)]
pub(super) struct Declared {
    /// `byte[node]`: where the node was declared, plus one (0: not declared in this file).
    byte: Vec<u64>,
}

impl Declared {
    /// Declares the node of an element with id `id`.
    ///
    /// # Errors
    /// Empty, duplicate or (with people given) unknown ids.
    pub(super) fn declare(
        &mut self,
        builder: &mut Builder<'_>,
        xml: &Xml<'_>,
        element: &Element<'_>,
        id: &str,
    ) -> Result<NodeIdx, ParseError> {
        if id.is_empty() {
            return Err(xml.error_at(element.byte, "empty id"));
        }
        let node = builder.declare(id, || xml.location(element))?;
        let idx = node as usize;
        if idx >= self.byte.len() {
            self.byte.resize(idx + 1, 0);
        }
        if self.byte[idx] != 0 {
            let first = position(xml.text.as_bytes(), self.byte[idx] as usize - 1, true);
            let line = match first {
                Location::Xml { line, .. } | Location::Line(line) => line,
                Location::File => 0,
            };
            return Err(xml.error_at(
                element.byte,
                format!("duplicate node id `{id}` (first on line {line})"),
            ));
        }
        self.byte[idx] = element.byte + 1;
        Ok(node)
    }

    /// Nodes declared, in index order.
    pub(super) fn nodes(&self) -> impl Iterator<Item = NodeIdx> + '_ {
        (0..self.byte.len())
            .filter(|&idx| self.byte[idx] != 0)
            .map(|idx| idx as NodeIdx)
    }

    fn node(&self, builder: &Builder<'_>, id: &str) -> Option<NodeIdx> {
        builder
            .find(id)
            .filter(|&node| self.byte.get(node as usize).is_some_and(|&b| b != 0))
    }
}

/// An edge as read, resolved once every node is known (nodes may follow edges).
pub(super) struct PendingEdge {
    pub(super) source: String,
    pub(super) target: String,
    /// Undirected (or GEXF `mutual`): ties both ways.
    pub(super) both_ways: bool,
    pub(super) layer: Option<String>,
    pub(super) weight: f64,
    /// Byte offset of the `<edge>`.
    pub(super) byte: u64,
}

/// Adds the ties of `edges`, in file order.
///
/// # Errors
/// An edge naming a node no element declared, or a refused self-loop.
pub(super) fn add_edges(
    builder: &mut Builder<'_>,
    xml: &Xml<'_>,
    declared: &Declared,
    edges: &[PendingEdge],
) -> Result<(), ParseError> {
    for edge in edges {
        let node = |id: &str| {
            declared.node(builder, id).ok_or_else(|| {
                xml.error_at(
                    edge.byte,
                    format!("edge names node `{id}`, which no <node> declares"),
                )
            })
        };
        let source = node(&edge.source)?;
        let target = node(&edge.target)?;
        let layer = builder.layer(edge.layer.as_deref().unwrap_or(""));
        let at = || position(xml.text.as_bytes(), edge.byte as usize, true);
        builder.tie(source, target, &layer, edge.weight, at)?;
        if edge.both_ways && source != target {
            builder.tie(target, source, &layer, edge.weight, at)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attribute_of(doc: &str) -> String {
        let mut xml = Xml::new(doc, Path::new("t"));
        let root = xml.root("r").unwrap();
        xml.attr(&root, "a").unwrap().unwrap()
    }

    #[test]
    fn io_xml_escape_round_trips_through_attributes_and_text() {
        let tricky = "a&b<c>\"d'\te\nf\r\ng é😀";
        let escaped = escape(tricky).unwrap();
        assert!(!escaped.contains(['\t', '\n', '\r', '<', '"']));
        assert_eq!(attribute_of(&format!("<r a=\"{escaped}\"/>")), tricky);
        let doc = format!("<r>{escaped}</r>");
        let mut xml = Xml::new(&doc, Path::new("t"));
        let root = xml.root("r").unwrap();
        assert_eq!(xml.text(&root).unwrap().unwrap(), tricky);
        assert_eq!(escape("plain").unwrap(), Cow::Borrowed("plain"));
    }

    #[test]
    fn io_xml_normalizes_literal_whitespace_in_attributes() {
        assert_eq!(attribute_of("<r a=\"x\ty\nz\"/>"), "x y z");
    }

    #[test]
    fn io_xml_refuses_characters_xml_cannot_carry() {
        assert!(escape("bell\u{7}").is_err());
        assert!(escape("\u{FFFE}").is_err());
        assert_eq!(
            check_chars("a\u{1}").unwrap_err(),
            "character U+0001 is not allowed in XML"
        );
    }

    #[test]
    fn io_xml_skips_deep_nesting_without_recursion() {
        let depth = 200_000;
        let doc = format!("<r>{}{}</r>", "<a>".repeat(depth), "</a>".repeat(depth));
        let mut xml = Xml::new(&doc, Path::new("t"));
        let root = xml.root("r").unwrap();
        let a = xml.child().unwrap().unwrap();
        xml.skip(&a).unwrap();
        assert!(xml.child().unwrap().is_none());
        assert!(!root.empty);
        xml.finish().unwrap();
        let mut xml = Xml::new("junk<r/>", Path::new("t"));
        assert_eq!(
            xml.root("r").unwrap_err().reason,
            "text outside the root element"
        );
    }

    #[test]
    fn io_xml_reports_unclosed_elements_at_the_end() {
        let mut xml = Xml::new("<r>\n<a>\n", Path::new("t"));
        let root = xml.root("r").unwrap();
        let a = xml.child().unwrap().unwrap();
        assert_eq!(a.name, "a");
        let err = xml.skip(&a).unwrap_err();
        assert_eq!(err.location, Location::Xml { line: 3, byte: 8 });
        assert_eq!(err.reason, "the file ends inside <a> (truncated?)");
        assert!(!root.empty);
    }
}
