//! Calendar dates as `adoptions.csv` writes them, `YYYY-MM-DD`, and day arithmetic.

use std::fmt;

/// A calendar date (proleptic Gregorian), as written in `adoptions.csv`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    /// Year, 1–9999.
    pub year: u16,
    /// Month, 1–12.
    pub month: u8,
    /// Day of the month, 1–31.
    pub day: u8,
}

impl Date {
    /// Parses `YYYY-MM-DD`; `None` for anything else, including impossible days
    /// (2023-02-29).
    pub fn parse(text: &str) -> Option<Date> {
        let bytes = text.as_bytes();
        if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
            return None;
        }
        let digits = |range: std::ops::Range<usize>| -> Option<u32> {
            let part = &text[range];
            part.bytes()
                .all(|b| b.is_ascii_digit())
                .then(|| part.parse().ok())
                .flatten()
        };
        let (year, month, day) = (digits(0..4)?, digits(5..7)?, digits(8..10)?);
        let date = Date {
            year: u16::try_from(year).ok()?,
            month: u8::try_from(month).ok()?,
            day: u8::try_from(day).ok()?,
        };
        let valid = year >= 1
            && (1..=12).contains(&month)
            && day >= 1
            && day <= u32::from(days_in_month(date.year, date.month));
        valid.then_some(date)
    }

    /// Days since an arbitrary fixed origin; only differences are meaningful.
    pub(crate) fn day_number(self) -> i64 {
        // Count from March so that the leap day ends a year: then the days before a month
        // follow (153 * m + 2) / 5 for m = 0 (March) … 11 (February).
        let (year, month) = (i64::from(self.year), i64::from(self.month));
        let shifted_year = if month <= 2 { year - 1 } else { year };
        let month_from_march = (month + 9) % 12;
        365 * shifted_year + shifted_year / 4 - shifted_year / 100
            + shifted_year / 400
            + (153 * month_from_march + 2) / 5
            + i64::from(self.day)
            - 1
    }

    /// Months since year 0, for calendar-month periods.
    pub(crate) fn month_number(self) -> i64 {
        12 * i64::from(self.year) + i64::from(self.month) - 1
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

pub(crate) fn days_in_month(year: u16, month: u8) -> u8 {
    let leap = (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400);
    match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// The date with a given [`Date::day_number`], by search over years then months (used
/// only to label output, so simplicity beats speed).
pub(crate) fn date_from_day_number(day_number: i64) -> Date {
    let first_of = |year: u16, month: u8| Date {
        year,
        month,
        day: 1,
    };
    let mut year: u16 = (day_number / 366).clamp(1, 9999) as u16;
    while year < 9999 && first_of(year + 1, 1).day_number() <= day_number {
        year += 1;
    }
    let mut month = 1;
    while month < 12 && first_of(year, month + 1).day_number() <= day_number {
        month += 1;
    }
    let offset = day_number - first_of(year, month).day_number();
    let day = (1 + offset).clamp(1, i64::from(days_in_month(year, month))) as u8;
    Date { year, month, day }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_validate_months_and_leap_days() {
        assert!(Date::parse("2024-02-29").is_some());
        assert!(Date::parse("2023-02-29").is_none());
        assert!(Date::parse("1900-02-29").is_none());
        assert!(Date::parse("2000-02-29").is_some());
        assert!(Date::parse("2024-13-01").is_none());
        assert!(Date::parse("2024-04-31").is_none());
        assert!(Date::parse("2024-4-01").is_none());
        assert!(Date::parse("+024-04-01").is_none());
        assert_eq!(Date::parse("2024-03-09").unwrap().to_string(), "2024-03-09");
    }

    #[test]
    fn day_numbers_count_days_across_years_and_leap_days() {
        let day = |s: &str| Date::parse(s).unwrap().day_number();
        assert_eq!(day("2024-03-01") - day("2024-02-28"), 2);
        assert_eq!(day("2023-03-01") - day("2023-02-28"), 1);
        assert_eq!(day("2025-01-01") - day("2024-01-01"), 366);
        assert_eq!(day("2001-01-01") - day("2000-01-01"), 366);
        assert_eq!(day("1901-01-01") - day("1900-01-01"), 365);
        assert_eq!(day("2024-01-01") - day("2023-12-31"), 1);
        for text in ["2024-02-29", "1999-12-31", "2024-01-01", "0001-01-01"] {
            let date = Date::parse(text).unwrap();
            assert_eq!(date_from_day_number(date.day_number()), date);
        }
    }
}
