//! Building a [`Network`] from ties as a parser finds them: ids interned with one lookup per
//! field (plain integer ids through a dense table, no hashing), the people check, the
//! self-loop check and the layer cache, shared by every ties reader.

use std::path::Path;

use super::{Location, ParseError, ReadOptions};
use crate::{Layer, Network, NodeIdx};

/// Integer ids below this go through the dense table (at most 32 MiB of it).
const DENSE_LIMIT: u64 = 1 << 23;
const NONE: NodeIdx = NodeIdx::MAX;

/// A network under construction from a ties file (and perhaps a people file read before).
pub(super) struct Builder<'a> {
    network: Network,
    /// `dense[v]` is the node whose id is the canonical decimal `v` (no sign, no leading
    /// zero), or [`NONE`]. Every node with such an id below [`DENSE_LIMIT`] is here; every
    /// other node is found through [`Network::node_idx`].
    dense: Vec<NodeIdx>,
    people_given: bool,
    pub(super) path: &'a Path,
    pub(super) options: &'a ReadOptions,
    /// Raw layer fields seen, with their layer: ties files repeat a handful of names.
    layers: Vec<(String, Layer)>,
}

impl<'a> Builder<'a> {
    pub(super) fn new(people: Option<Network>, path: &'a Path, options: &'a ReadOptions) -> Self {
        let people_given = people.is_some();
        let network = people.unwrap_or_default();
        let mut builder = Builder {
            network,
            dense: Vec::new(),
            people_given,
            path,
            options,
            layers: Vec::new(),
        };
        for node in 0..builder.network.n_nodes() {
            if let Some(value) = small_int(builder.network.ids()[node].as_bytes()) {
                builder.set_dense(value, node as NodeIdx);
            }
        }
        builder
    }

    /// The network read so far (e.g. to check a node exists).
    pub(super) fn network(&self) -> &Network {
        &self.network
    }

    /// Mutable access for attributes (nodes and ties go through [`Builder::node`] and
    /// [`Builder::tie`]).
    pub(super) fn network_mut(&mut self) -> &mut Network {
        &mut self.network
    }

    /// The finished network.
    pub(super) fn finish(self) -> Network {
        self.network
    }

    /// An error in this builder's file.
    pub(super) fn error(&self, location: Location, reason: impl std::fmt::Display) -> ParseError {
        ParseError::new(self.path, location, reason)
    }

    /// The node with this id, if any.
    pub(super) fn find(&self, id: &str) -> Option<NodeIdx> {
        match small_int(id.as_bytes()) {
            Some(value) => self
                .dense
                .get(value as usize)
                .copied()
                .filter(|&node| node != NONE),
            None => self.network.node_idx(id),
        }
    }

    /// The node with this id, added if new and allowed (no people file, or
    /// `allow_unknown_ids`).
    ///
    /// # Errors
    /// Empty ids, and unknown ids when people were given and unknown ids are not allowed.
    #[inline]
    pub(super) fn node(
        &mut self,
        id: &[u8],
        location: impl Fn() -> Location,
    ) -> Result<NodeIdx, ParseError> {
        if let Some(value) = small_int(id) {
            if let Some(&node) = self.dense.get(value as usize)
                && node != NONE
            {
                return Ok(node);
            }
            self.check_new(id, &location)?;
            let id =
                std::str::from_utf8(id).map_err(|_| self.error(location(), "invalid UTF-8"))?;
            let node = self.network.node_or_insert(id);
            self.set_dense(value, node);
            return Ok(node);
        }
        let id = std::str::from_utf8(id).map_err(|_| self.error(location(), "invalid UTF-8"))?;
        if let Some(node) = self.network.node_idx(id) {
            return Ok(node);
        }
        self.check_new(id.as_bytes(), &location)?;
        Ok(self.network.node_or_insert(id))
    }

    fn check_new(&self, id: &[u8], location: &impl Fn() -> Location) -> Result<(), ParseError> {
        if id.is_empty() {
            return Err(self.error(location(), "empty id"));
        }
        if self.people_given && !self.options.allow_unknown_ids {
            return Err(self.error(
                location(),
                format!(
                    "unknown id `{}`: not in the people file",
                    String::from_utf8_lossy(id)
                ),
            ));
        }
        Ok(())
    }

    /// Adds a node declared by the ties file itself (GraphML, GEXF); `None` if it exists.
    ///
    /// # Errors
    /// As [`Builder::node`].
    pub(super) fn declare(
        &mut self,
        id: &str,
        location: impl Fn() -> Location,
    ) -> Result<NodeIdx, ParseError> {
        match self.find(id) {
            Some(node) => Ok(node),
            None => self.node(id.as_bytes(), location),
        }
    }

    /// Adds a tie.
    ///
    /// # Errors
    /// A self-loop when `allow_self_loops` is off.
    #[inline]
    pub(super) fn tie(
        &mut self,
        source: NodeIdx,
        target: NodeIdx,
        layer: &Layer,
        weight: f64,
        location: impl Fn() -> Location,
    ) -> Result<(), ParseError> {
        if source == target && !self.options.allow_self_loops {
            return Err(self.error(
                location(),
                format!(
                    "self-loop on `{}` (self-loops are not allowed)",
                    self.network.id(source)
                ),
            ));
        }
        self.network.add_tie(source, target, layer, weight);
        Ok(())
    }

    /// The layer a raw field names, through a small cache; empty is the default layer.
    #[inline]
    pub(super) fn layer(&mut self, raw: &str) -> Layer {
        if let Some((_, layer)) = self.layers.iter().find(|(seen, _)| seen == raw) {
            return layer.clone();
        }
        let layer = super::parse_layer(raw);
        if self.layers.len() < 64 {
            self.layers.push((raw.to_string(), layer.clone()));
        }
        layer
    }

    fn set_dense(&mut self, value: u64, node: NodeIdx) {
        let value = value as usize;
        if value >= self.dense.len() {
            let len = (value + 1).next_power_of_two().max(1024);
            self.dense.resize(len, NONE);
        }
        self.dense[value] = node;
    }
}

/// The value of a canonical decimal id below [`DENSE_LIMIT`] (`0`, `17`; not `017`, `+1`).
#[inline]
fn small_int(id: &[u8]) -> Option<u64> {
    if id.is_empty() || id.len() > 7 || (id[0] == b'0' && id.len() > 1) {
        return None;
    }
    let mut value = 0u64;
    for &b in id {
        let digit = b.wrapping_sub(b'0');
        if digit > 9 {
            return None;
        }
        value = value * 10 + u64::from(digit);
    }
    (value < DENSE_LIMIT).then_some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn io_small_int_takes_canonical_decimals_only() {
        assert_eq!(small_int(b"0"), Some(0));
        assert_eq!(small_int(b"8388607"), Some(8_388_607));
        assert_eq!(small_int(b"8388608"), None);
        assert_eq!(small_int(b"017"), None);
        assert_eq!(small_int(b"+1"), None);
        assert_eq!(small_int(b""), None);
        assert_eq!(small_int(b"1a"), None);
    }

    #[test]
    fn io_builder_keeps_integer_and_text_ids_apart() {
        let options = ReadOptions::default();
        let mut b = Builder::new(None, Path::new("t"), &options);
        let loc = || Location::Line(1);
        let a = b.node(b"7", loc).unwrap();
        let c = b.node(b"07", loc).unwrap();
        let d = b.node(b"99999999", loc).unwrap();
        assert_ne!(a, c);
        assert_eq!(b.node(b"7", loc).unwrap(), a);
        assert_eq!(b.node(b"07", loc).unwrap(), c);
        assert_eq!(b.node(b"99999999", loc).unwrap(), d);
        assert_eq!(b.find("7"), Some(a));
        assert_eq!(b.finish().ids(), ["7", "07", "99999999"]);
    }

    #[test]
    fn io_builder_checks_people_and_self_loops() {
        let mut people = Network::new();
        people.add_node("1");
        people.add_node("x");
        let options = ReadOptions {
            allow_self_loops: false,
            allow_unknown_ids: false,
        };
        let mut b = Builder::new(Some(people), Path::new("t"), &options);
        let loc = || Location::Line(3);
        assert_eq!(b.node(b"1", loc).unwrap(), 0);
        assert_eq!(b.node(b"x", loc).unwrap(), 1);
        let err = b.node(b"2", loc).unwrap_err();
        assert_eq!(
            err.to_string(),
            "t:3: unknown id `2`: not in the people file"
        );
        let err = b.tie(1, 1, &Layer::Advice, 1.0, loc).unwrap_err();
        assert_eq!(err.reason, "self-loop on `x` (self-loops are not allowed)");
        assert_eq!(b.node(b"", loc).unwrap_err().reason, "empty id");
    }
}
