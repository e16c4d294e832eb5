//! Reading `adoptions.csv` (`id,behaviour,time`, DESIGN.md "Data formats") into adoption
//! steps, through the engine's reader: integer periods as they are, ISO dates grouped into
//! periods of `step_days` days; both counted from the earliest adoption (step 0).

use std::path::Path;

use engine::calibration::{AdoptionOptions, PeriodLength, read_adoptions};
use engine::{Network, NodeIdx};

use crate::input::choose_behaviour;

/// Each adopter of the chosen behaviour with their step.
///
/// # Errors
/// The engine's [`engine::io::ParseError`] naming the file and line (an unreadable file, a
/// missing column, an unknown id, a time that is neither a period nor a date, or a mix), or
/// [`crate::BadInput`] when no behaviour is chosen while the file has several, or an unknown
/// one is.
pub fn read(
    path: &Path,
    network: &Network,
    behaviour: Option<&str>,
    step_days: u32,
) -> anyhow::Result<Vec<(NodeIdx, u32)>> {
    let options = AdoptionOptions {
        period: PeriodLength::Days(step_days.max(1)),
        origin: None,
    };
    let adoptions = read_adoptions(path, network, &options)?;
    let (_, times) = choose_behaviour(path, behaviour, &adoptions)?;
    let first = times.periods().iter().flatten().copied().min().unwrap_or(0);
    Ok(times
        .periods()
        .iter()
        .enumerate()
        .filter_map(|(node, period)| period.map(|p| (node as NodeIdx, p - first)))
        .collect())
}
