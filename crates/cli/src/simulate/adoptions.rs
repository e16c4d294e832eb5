//! Reading `adoptions.csv` (`id,behaviour,time`, DESIGN.md "Data formats") into adoption
//! steps: integer periods as they are, ISO dates grouped into steps of `step_days` days,
//! both counted from the earliest adoption (step 0).

use std::collections::BTreeSet;
use std::path::Path;

use engine::{Network, NodeIdx};

use crate::BadInput;

/// Each person's earliest adoption step of the chosen behaviour.
///
/// # Errors
/// [`BadInput`] naming the file and line: an unreadable file, a missing column, an id that
/// is not among the people, a time that is neither an integer nor a date, integers mixed
/// with dates; or no behaviour chosen while the file has several, or an unknown one.
pub fn read(
    path: &Path,
    network: &Network,
    behaviour: Option<&str>,
    step_days: u32,
) -> Result<Vec<(NodeIdx, u32)>, BadInput> {
    let at = |line: u64, reason: String| BadInput(format!("{}:{line}: {reason}", path.display()));
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_path(path)
        .map_err(|e| BadInput(format!("{}: {e}", path.display())))?;
    let headers = reader.headers().map_err(|e| at(1, e.to_string()))?.clone();
    let column = |name: &str| {
        headers
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| at(1, format!("no `{name}` column (need id,behaviour,time)")))
    };
    let (id_col, behaviour_col, time_col) = (column("id")?, column("behaviour")?, column("time")?);

    let mut rows: Vec<(NodeIdx, String, Time, u64)> = Vec::new();
    for (row_idx, record) in reader.records().enumerate() {
        let line = row_idx as u64 + 2;
        let record = record.map_err(|e| at(line, e.to_string()))?;
        let field = |col: usize| record.get(col).unwrap_or("");
        let id = field(id_col);
        let node = network
            .node_idx(id)
            .ok_or_else(|| at(line, format!("unknown person id `{id}`")))?;
        let time = Time::parse(field(time_col)).map_err(|reason| at(line, reason))?;
        if let Some((_, _, first, first_line)) = rows.first()
            && std::mem::discriminant(first) != std::mem::discriminant(&time)
        {
            return Err(at(
                line,
                format!("time kinds are mixed: line {first_line} has another kind"),
            ));
        }
        rows.push((node, field(behaviour_col).to_string(), time, line));
    }

    let names: BTreeSet<&str> = rows.iter().map(|(_, b, _, _)| b.as_str()).collect();
    let listing = || names.iter().copied().collect::<Vec<_>>().join(", ");
    let chosen = match behaviour {
        Some(name) if names.contains(name) => name.to_string(),
        Some(name) => {
            return Err(BadInput(format!(
                "behaviour `{name}` is not in {}; it has: {}",
                path.display(),
                listing()
            )));
        }
        None if names.len() <= 1 => names.first().map_or(String::new(), |n| n.to_string()),
        None => {
            return Err(BadInput(format!(
                "{} has several behaviours ({}); choose one with --behaviour",
                path.display(),
                listing()
            )));
        }
    };
    let chosen: Vec<(NodeIdx, i64)> = rows
        .iter()
        .filter(|(_, b, _, _)| *b == chosen)
        .map(|(node, _, time, _)| (*node, time.value()))
        .collect();
    let first = chosen.iter().map(|&(_, t)| t).min().unwrap_or(0);
    let per_step = match rows.first() {
        Some((_, _, Time::Date(_), _)) => i64::from(step_days.max(1)),
        _ => 1,
    };
    chosen
        .into_iter()
        .map(|(node, t)| {
            let step = u32::try_from((t - first) / per_step).map_err(|_| {
                BadInput(format!(
                    "{}: adoption times span more than 2^32 steps",
                    path.display()
                ))
            })?;
            Ok((node, step))
        })
        .collect()
}

/// An adoption time: an integer period or a date (as days since 1970-01-01).
#[derive(Clone, Copy, Debug, PartialEq)]
enum Time {
    Period(i64),
    Date(i64),
}

impl Time {
    fn parse(text: &str) -> Result<Time, String> {
        if let Ok(period) = text.parse::<i64>() {
            return Ok(Time::Period(period));
        }
        parse_date(text).map(Time::Date).ok_or_else(|| {
            format!("time `{text}` is neither an integer period nor a YYYY-MM-DD date")
        })
    }

    fn value(self) -> i64 {
        match self {
            Time::Period(t) | Time::Date(t) => t,
        }
    }
}

/// Days since 1970-01-01 of a valid `YYYY-MM-DD` date in the proleptic Gregorian calendar.
fn parse_date(text: &str) -> Option<i64> {
    let mut parts = text.splitn(3, '-');
    let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
    if y.len() != 4 || m.len() != 2 || d.len() != 2 {
        return None;
    }
    let (y, m, d): (i64, i64, i64) = (y.parse().ok()?, m.parse().ok()?, d.parse().ok()?);
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let month_days = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    if !(1..=12).contains(&m) || d < 1 || d > month_days[(m - 1) as usize] {
        return None;
    }
    // Count from 0000-03-01 so that the leap day ends a year: years of 365 days plus a day
    // every 4th, not every 100th, every 400th year; months from March by the 153-day
    // five-month cycle.
    let (year, month) = if m <= 2 { (y - 1, m + 9) } else { (y, m - 3) };
    let day_of_year = (153 * month + 2) / 5 + d - 1;
    let days =
        365 * year + year.div_euclid(4) - year.div_euclid(100) + year.div_euclid(400) + day_of_year;
    // 719,468 days from 0000-03-01 to 1970-01-01.
    Some(days - 719_468)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_count_days_from_1970() {
        assert_eq!(parse_date("1970-01-01"), Some(0));
        assert_eq!(parse_date("1970-03-01"), Some(59));
        assert_eq!(parse_date("2000-03-01"), Some(11_017));
        assert_eq!(
            parse_date("2024-02-29").map(|d| d - parse_date("2024-02-28").unwrap()),
            Some(1)
        );
        assert_eq!(parse_date("2023-02-29"), None);
        assert_eq!(parse_date("1900-02-29"), None);
        assert_eq!(parse_date("2024-1-05"), None);
    }
}
