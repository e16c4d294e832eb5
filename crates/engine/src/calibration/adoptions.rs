//! `adoptions.csv` (`id,behaviour,time`): who adopted which behaviour in which period.
//!
//! A time is either an integer period (0 = adopted before observation began, 1 = the first
//! period, …) or an ISO date `YYYY-MM-DD`; one file uses one kind. Dates become periods of a
//! fixed length ([`PeriodLength`], one week by default, because movements are watched week
//! by week), counted from an origin (the earliest date in the file unless given): the origin's
//! period is 1, and dates before an explicit origin are period 0.

use std::collections::HashMap;
use std::io::Read;
use std::path::Path;

use super::date::{Date, date_from_day_number};
use crate::io::{Location, ParseError};
use crate::{Network, NodeIdx};

/// When each person adopted one behaviour: a period per node, `None` for people not
/// (yet) seen adopting, who are right-censored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AdoptionTimes {
    periods: Vec<Option<u32>>,
}

impl AdoptionTimes {
    /// Wraps one entry per node: the period of adoption, `None` if never observed.
    pub fn new(periods: Vec<Option<u32>>) -> AdoptionTimes {
        AdoptionTimes { periods }
    }

    /// Number of people (adopters or not).
    pub fn n_nodes(&self) -> usize {
        self.periods.len()
    }

    /// The period in which `node` adopted, if observed.
    ///
    /// # Panics
    /// If `node` is not below [`AdoptionTimes::n_nodes`].
    pub fn period(&self, node: NodeIdx) -> Option<u32> {
        self.periods[node as usize]
    }

    /// All periods, by node index.
    pub fn periods(&self) -> &[Option<u32>] {
        &self.periods
    }

    /// The last period with an adoption (0 if nobody adopted).
    pub fn last_period(&self) -> u32 {
        self.periods.iter().flatten().copied().max().unwrap_or(0)
    }

    /// How many people adopted in period `period` or earlier.
    pub fn n_adopted_by(&self, period: u32) -> usize {
        self.periods
            .iter()
            .filter(|t| t.is_some_and(|t| t <= period))
            .count()
    }

    /// The share of all people who adopted by the end of `period`.
    pub fn fraction_by(&self, period: u32) -> f64 {
        if self.periods.is_empty() {
            return 0.0;
        }
        self.n_adopted_by(period) as f64 / self.periods.len() as f64
    }

    /// The first period by whose end at least `share` (in (0, 1]) of the adopters had
    /// adopted, e.g. 0.5 for the median adoption time; `None` without adopters.
    pub fn adopter_quantile(&self, share: f64) -> Option<u32> {
        let mut times: Vec<u32> = self.periods.iter().flatten().copied().collect();
        if times.is_empty() {
            return None;
        }
        times.sort_unstable();
        let rank = (share * times.len() as f64).ceil().max(1.0) as usize;
        Some(times[rank.min(times.len()) - 1])
    }
}

/// How long one period is when times are dates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PeriodLength {
    /// A fixed number of days (at least 1); 7 is a week.
    Days(u32),
    /// Calendar months: every date in the same month is one period.
    Months,
}

/// How dates in `adoptions.csv` become periods. Integer times are used as they are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AdoptionOptions {
    /// The period length; one week by default.
    pub period: PeriodLength,
    /// The first day of period 1; the earliest date in the file if `None`. Dates before
    /// it fall in period 0 (adopted before observation began).
    pub origin: Option<Date>,
}

impl Default for AdoptionOptions {
    fn default() -> Self {
        AdoptionOptions {
            period: PeriodLength::Days(7),
            origin: None,
        }
    }
}

/// The adoptions of every behaviour in one file, on one clock.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Adoptions {
    behaviours: Vec<String>,
    times: Vec<AdoptionTimes>,
    /// Origin and period length when the file used dates.
    calendar: Option<(Date, PeriodLength)>,
}

impl Adoptions {
    /// Behaviour names in the order they first appear in the file.
    pub fn behaviours(&self) -> &[String] {
        &self.behaviours
    }

    /// The adoption times of one behaviour; `None` if the file never names it.
    pub fn times(&self, behaviour: &str) -> Option<&AdoptionTimes> {
        let behaviour_idx = self.behaviours.iter().position(|b| b == behaviour)?;
        Some(&self.times[behaviour_idx])
    }

    /// The first day of `period` (≥ 1) when the file used dates; `None` for integer
    /// periods.
    pub fn period_start(&self, period: u32) -> Option<Date> {
        let (origin, length) = self.calendar?;
        let steps = i64::from(period.max(1)) - 1;
        match length {
            PeriodLength::Days(days) => Some(date_from_day_number(
                origin.day_number() + steps * i64::from(days),
            )),
            PeriodLength::Months => {
                let month_number = origin.month_number() + steps;
                Some(Date {
                    year: u16::try_from(month_number / 12).ok()?,
                    month: (month_number % 12 + 1) as u8,
                    day: 1,
                })
            }
        }
    }
}

/// Reads `adoptions.csv` against the people of `network`.
///
/// # Errors
/// A [`ParseError`] naming the file, the line and the reason for: an unreadable file, a
/// missing `id`, `behaviour` or `time` column, an id not in the network, the same
/// (id, behaviour) twice, or a time that is neither a period nor a date (or a mix of both).
///
/// # Complexity
/// O(r + b·n) for r rows, b behaviours and n people.
pub fn read_adoptions(
    path: &Path,
    network: &Network,
    options: &AdoptionOptions,
) -> Result<Adoptions, ParseError> {
    let file = std::fs::File::open(path).map_err(|err| ParseError {
        path: path.to_path_buf(),
        location: Location::File,
        reason: format!("cannot open the adoptions file: {err}"),
    })?;
    parse_adoptions(file, path, network, options)
}

/// Parses adoptions from any reader; `path` only labels errors.
///
/// ```
/// use engine::Network;
/// use engine::calibration::{parse_adoptions, AdoptionOptions};
/// let mut network = Network::new();
/// for id in ["ann", "bob", "cy"] {
///     network.add_node(id);
/// }
/// let csv = "id,behaviour,time\nann,recycling,2\nbob,recycling,5\nann,cycling,1\n";
/// let adoptions = parse_adoptions(csv.as_bytes(), "adoptions.csv".as_ref(), &network,
///     &AdoptionOptions::default()).unwrap();
/// assert_eq!(adoptions.behaviours(), ["recycling", "cycling"]);
/// let recycling = adoptions.times("recycling").unwrap();
/// assert_eq!(recycling.periods(), [Some(2), Some(5), None]);
///
/// let bad = "id,behaviour,time\nann,recycling,2\nzed,recycling,3\n";
/// let err = parse_adoptions(bad.as_bytes(), "a.csv".as_ref(), &network,
///     &AdoptionOptions::default()).unwrap_err();
/// assert_eq!(err.to_string(), "a.csv:3: unknown id `zed` in field id: not among the people");
/// ```
///
/// # Errors
/// As [`read_adoptions`].
pub fn parse_adoptions(
    reader: impl Read,
    path: &Path,
    network: &Network,
    options: &AdoptionOptions,
) -> Result<Adoptions, ParseError> {
    let error = |line: u64, reason: String| ParseError {
        path: path.to_path_buf(),
        location: if line == 0 {
            Location::File
        } else {
            Location::Line(line)
        },
        reason,
    };
    if let PeriodLength::Days(0) = options.period {
        return Err(error(0, "a period must last at least one day".into()));
    }
    let mut csv_reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .flexible(true)
        .from_reader(reader);
    let headers = csv_reader
        .headers()
        .map_err(|err| error(1, format!("cannot read the header: {err}")))?
        .clone();
    let column = |name: &str| {
        headers
            .iter()
            .position(|h| h.eq_ignore_ascii_case(name))
            .ok_or_else(|| {
                error(
                    1,
                    format!("missing column `{name}` (need id,behaviour,time)"),
                )
            })
    };
    let (id_col, behaviour_col, time_col) = (column("id")?, column("behaviour")?, column("time")?);

    let mut behaviours: Vec<String> = Vec::new();
    let mut behaviour_index: HashMap<String, usize> = HashMap::new();
    // (behaviour_idx, node, time, line) per row; times resolved once the origin is known.
    let mut rows: Vec<(usize, NodeIdx, RawTime, u64)> = Vec::new();
    let mut first_line: HashMap<(usize, NodeIdx), u64> = HashMap::new();
    let mut kind: Option<(bool, u64)> = None;
    let mut record = csv::StringRecord::new();
    loop {
        let more = csv_reader.read_record(&mut record).map_err(|err| {
            let line = err.position().map_or(0, |p| p.line());
            error(line, format!("unreadable row: {err}"))
        })?;
        if !more {
            break;
        }
        let line = record.position().map_or(0, |p| p.line());
        if record.iter().all(str::is_empty) {
            continue;
        }
        let field = |col: usize, name: &str| -> Result<&str, ParseError> {
            match record.get(col) {
                Some(value) if !value.is_empty() => Ok(value),
                _ => Err(error(line, format!("empty field {name}"))),
            }
        };
        let id = field(id_col, "id")?;
        let node = network.node_idx(id).ok_or_else(|| {
            error(
                line,
                format!("unknown id `{id}` in field id: not among the people"),
            )
        })?;
        let behaviour = field(behaviour_col, "behaviour")?;
        let time_text = field(time_col, "time")?;
        let time = RawTime::parse(time_text).ok_or_else(|| {
            error(
                line,
                format!(
                    "bad time `{time_text}` in field time: expected a period (an integer \
                     from 0) or a date YYYY-MM-DD"
                ),
            )
        })?;
        let is_date = matches!(time, RawTime::Date(_));
        match kind {
            None => kind = Some((is_date, line)),
            Some((first_is_date, first)) if first_is_date != is_date => {
                let (this, that) = if is_date {
                    ("a date", "periods")
                } else {
                    ("a period", "dates")
                };
                return Err(error(
                    line,
                    format!(
                        "time `{time_text}` in field time is {this}, but line {first} uses \
                         {that}; one file uses one kind"
                    ),
                ));
            }
            Some(_) => {}
        }
        let behaviour_idx = match behaviour_index.get(behaviour) {
            Some(&idx) => idx,
            None => {
                behaviours.push(behaviour.to_string());
                behaviour_index.insert(behaviour.to_string(), behaviours.len() - 1);
                behaviours.len() - 1
            }
        };
        if let Some(&earlier) = first_line.get(&(behaviour_idx, node)) {
            return Err(error(
                line,
                format!("`{id}` adopted `{behaviour}` already on line {earlier}"),
            ));
        }
        first_line.insert((behaviour_idx, node), line);
        rows.push((behaviour_idx, node, time, line));
    }

    let dates = rows.iter().filter_map(|row| match row.2 {
        RawTime::Date(date) => Some(date),
        RawTime::Period(_) => None,
    });
    let calendar = match (options.origin, dates.min()) {
        (Some(origin), _) => Some(origin),
        (None, earliest) => earliest,
    }
    .filter(|_| matches!(kind, Some((true, _))))
    .map(|origin| (origin, options.period));

    let mut times = vec![vec![None; network.n_nodes()]; behaviours.len()];
    for (behaviour_idx, node, time, line) in rows {
        let period = match (time, calendar) {
            (RawTime::Period(period), _) => period,
            (RawTime::Date(date), Some((origin, length))) => date_period(date, origin, length)
                .ok_or_else(|| {
                    error(
                        line,
                        format!("date {date} in field time is too far from {origin}"),
                    )
                })?,
            (RawTime::Date(_), None) => unreachable!("dates imply a calendar"),
        };
        times[behaviour_idx][node as usize] = Some(period);
    }
    Ok(Adoptions {
        behaviours,
        times: times.into_iter().map(AdoptionTimes::new).collect(),
        calendar,
    })
}

#[derive(Clone, Copy, Debug)]
enum RawTime {
    Period(u32),
    Date(Date),
}

impl RawTime {
    fn parse(text: &str) -> Option<RawTime> {
        if text.bytes().all(|b| b.is_ascii_digit()) {
            return text.parse().ok().map(RawTime::Period);
        }
        Date::parse(text).map(RawTime::Date)
    }
}

/// The period of `date`: 1 for the origin's period, 0 before the origin.
fn date_period(date: Date, origin: Date, length: PeriodLength) -> Option<u32> {
    let steps = match length {
        PeriodLength::Days(days) => {
            let offset = date.day_number() - origin.day_number();
            if offset < 0 {
                return Some(0);
            }
            offset / i64::from(days)
        }
        PeriodLength::Months => {
            let offset = date.month_number() - origin.month_number();
            if offset < 0 {
                return Some(0);
            }
            offset
        }
    };
    u32::try_from(steps + 1).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn network(ids: &[&str]) -> Network {
        let mut network = Network::new();
        for id in ids {
            network.add_node(id);
        }
        network
    }

    fn parse(text: &str, options: &AdoptionOptions) -> Result<Adoptions, ParseError> {
        parse_adoptions(
            text.as_bytes(),
            Path::new("adoptions.csv"),
            &network(&["a", "b", "c", "d"]),
            options,
        )
    }

    fn err(text: &str) -> String {
        parse(text, &AdoptionOptions::default())
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn integer_periods_are_kept_and_absent_people_are_censored() {
        let adoptions = parse(
            "id,behaviour,time\na,x,0\nc,x,3\nb,y,1\n",
            &AdoptionOptions::default(),
        )
        .unwrap();
        assert_eq!(adoptions.behaviours(), ["x", "y"]);
        let x = adoptions.times("x").unwrap();
        assert_eq!(x.periods(), [Some(0), None, Some(3), None]);
        assert_eq!(x.n_adopted_by(2), 1);
        assert_eq!(x.fraction_by(3), 0.5);
        assert!(adoptions.times("z").is_none());
        assert_eq!(adoptions.period_start(1), None);
    }

    #[test]
    fn dates_become_weeks_from_the_earliest_date() {
        let text = "time,id,behaviour\n2024-01-10,a,x\n2024-01-16,b,x\n2024-01-17,c,x\n";
        let adoptions = parse(text, &AdoptionOptions::default()).unwrap();
        let x = adoptions.times("x").unwrap();
        assert_eq!(x.periods(), [Some(1), Some(1), Some(2), None]);
        assert_eq!(
            adoptions.period_start(2),
            Some(Date::parse("2024-01-17").unwrap())
        );
    }

    #[test]
    fn an_explicit_origin_puts_earlier_dates_in_period_zero() {
        let options = AdoptionOptions {
            period: PeriodLength::Months,
            origin: Date::parse("2024-02-15"),
        };
        let text = "id,behaviour,time\na,x,2024-01-31\nb,x,2024-02-01\nc,x,2024-04-30\n";
        let adoptions = parse(text, &options).unwrap();
        let x = adoptions.times("x").unwrap();
        assert_eq!(x.periods(), [Some(0), Some(1), Some(3), None]);
        assert_eq!(
            adoptions.period_start(3),
            Some(Date::parse("2024-04-01").unwrap())
        );
    }

    #[test]
    fn errors_name_the_line_and_the_field() {
        assert_eq!(
            err("id,behaviour,time\na,x,1\nb,x,soon\n"),
            "adoptions.csv:3: bad time `soon` in field time: expected a period (an integer \
             from 0) or a date YYYY-MM-DD"
        );
        assert_eq!(
            err("id,behaviour,time\na,x,-1\n"),
            "adoptions.csv:2: bad time `-1` in field time: expected a period (an integer \
             from 0) or a date YYYY-MM-DD"
        );
        assert_eq!(
            err("id,behaviour,time\na,x,1\nq,x,2\n"),
            "adoptions.csv:3: unknown id `q` in field id: not among the people"
        );
        assert_eq!(
            err("id,behaviour,time\na,x,1\nb,x,1\na,x,4\n"),
            "adoptions.csv:4: `a` adopted `x` already on line 2"
        );
        assert_eq!(
            err("id,behaviour,time\na,x,1\nb,x,2024-01-01\n"),
            "adoptions.csv:3: time `2024-01-01` in field time is a date, but line 2 uses \
             periods; one file uses one kind"
        );
        assert_eq!(
            err("id,behaviour,time\na,,1\n"),
            "adoptions.csv:2: empty field behaviour"
        );
        assert_eq!(
            err("id,time\na,1\n"),
            "adoptions.csv:1: missing column `behaviour` (need id,behaviour,time)"
        );
        assert_eq!(
            err("id,behaviour,time\na,x,2023-02-29\n"),
            "adoptions.csv:2: bad time `2023-02-29` in field time: expected a period (an \
             integer from 0) or a date YYYY-MM-DD"
        );
    }

    #[test]
    fn a_missing_file_is_an_error_not_a_panic() {
        let err = read_adoptions(
            Path::new("/nonexistent/adoptions.csv"),
            &network(&["a"]),
            &AdoptionOptions::default(),
        )
        .unwrap_err();
        assert_eq!(err.location, Location::File);
        assert!(
            err.to_string()
                .starts_with("/nonexistent/adoptions.csv: cannot open")
        );
    }

    #[test]
    fn adopter_quantiles_are_order_statistics() {
        let times = AdoptionTimes::new(vec![Some(1), Some(2), Some(2), Some(7), None]);
        assert_eq!(times.adopter_quantile(0.25), Some(1));
        assert_eq!(times.adopter_quantile(0.5), Some(2));
        assert_eq!(times.adopter_quantile(1.0), Some(7));
        assert_eq!(AdoptionTimes::new(vec![None]).adopter_quantile(0.5), None);
    }
}
