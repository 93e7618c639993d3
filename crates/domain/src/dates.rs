//! Calendar days, ranges of them, and how the analyst's period words become absolute dates.
//!
//! Dates are resolved here, from the clock in the client's time zone, never guessed by a model: a
//! tool asks for a [`RangeSpec`] (a [`Preset`] such as `last_month`, or explicit `start`/`end`), and
//! [`RangeSpec::resolve`] turns it into a [`ResolvedRange`] of absolute days. Presets that end today
//! leave today's partial day out unless asked to include it.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Datelike, Days, Months, NaiveDate, Utc, Weekday};

use crate::validation::ValidationError;

/// The longest range a tool reads, in days: 13 months of figures and a little more.
pub const MAX_RANGE_DAYS: i64 = 400;

/// An inclusive range of calendar days that figures cover.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DateRange {
    start: NaiveDate,
    end: NaiveDate,
}

impl DateRange {
    /// A range from `start` to `end`, both included.
    ///
    /// # Errors
    /// [`ValidationError`] when `end` is before `start`.
    pub fn new(start: NaiveDate, end: NaiveDate) -> Result<Self, ValidationError> {
        if end < start {
            return Err(ValidationError::new("dateRange", "end must not be before start"));
        }
        Ok(Self { start, end })
    }

    /// The one day `day`.
    pub const fn day(day: NaiveDate) -> Self {
        Self { start: day, end: day }
    }

    /// First day included.
    pub const fn start(&self) -> NaiveDate {
        self.start
    }

    /// Last day included.
    pub const fn end(&self) -> NaiveDate {
        self.end
    }

    /// How many days it covers (at least 1).
    pub fn days(&self) -> i64 {
        (self.end - self.start).num_days() + 1
    }

    /// Whether `day` is inside.
    pub fn contains(&self, day: NaiveDate) -> bool {
        self.start <= day && day <= self.end
    }

    /// The part of the range a store reads: all of it, or its last [`MAX_RANGE_DAYS`] days when it
    /// is longer, so that no read is unbounded.
    #[must_use]
    pub fn readable(&self) -> Self {
        let bound = u64::try_from(MAX_RANGE_DAYS).unwrap_or(400);
        if self.days() <= MAX_RANGE_DAYS { *self } else { Self::ending(self.end, bound) }
    }

    /// Every day, first to last.
    pub fn iter_days(&self) -> impl Iterator<Item = NaiveDate> + use<> {
        let end = self.end;
        self.start.iter_days().take_while(move |d| *d <= end)
    }

    /// The `days` days ending on `end`.
    fn ending(end: NaiveDate, days: u64) -> Self {
        Self { start: end - Days::new(days.saturating_sub(1)), end }
    }
}

impl fmt::Display for DateRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.start == self.end { write!(f, "{}", self.start) } else { write!(f, "{} to {}", self.start, self.end) }
    }
}

/// A client's time zone (IANA name such as `Europe/Berlin`), in which "today" and every preset are
/// reckoned; UTC unless the client has one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct ClientTimeZone(chrono_tz::Tz);

impl ClientTimeZone {
    /// Coordinated Universal Time, the default.
    pub const UTC: Self = Self(chrono_tz::Tz::UTC);

    /// Parses an IANA time zone name.
    ///
    /// # Errors
    /// [`ValidationError`] on `timeZone` when the name is not in the IANA database.
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        raw.trim().parse::<chrono_tz::Tz>().map(Self).map_err(|_| {
            ValidationError::new("timeZone", "must be an IANA time zone name such as Europe/Berlin or America/New_York")
        })
    }

    /// The IANA name.
    pub fn name(&self) -> &'static str {
        self.0.name()
    }

    /// The calendar day it is at `now` in this zone.
    pub fn today(&self, now: DateTime<Utc>) -> NaiveDate {
        now.with_timezone(&self.0).date_naive()
    }
}

impl FromStr for ClientTimeZone {
    type Err = ValidationError;

    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        Self::parse(raw)
    }
}

/// A period named relative to today.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Preset {
    /// Today so far.
    Today,
    /// Yesterday.
    Yesterday,
    /// The 7 days before today.
    Last7Days,
    /// The 28 days before today.
    Last28Days,
    /// The 30 days before today.
    Last30Days,
    /// The 90 days before today.
    Last90Days,
    /// Monday of this week to yesterday.
    ThisWeek,
    /// Last Monday to Sunday.
    LastWeek,
    /// The 1st of this month to yesterday.
    ThisMonth,
    /// Last calendar month.
    LastMonth,
    /// The first day of this quarter to yesterday.
    ThisQuarter,
    /// Last calendar quarter.
    LastQuarter,
    /// The 1st of January to yesterday.
    ThisYear,
    /// Last calendar year.
    LastYear,
}

impl Preset {
    /// Every preset, in the order the tools list them.
    pub const ALL: [Preset; 14] = [
        Self::Today,
        Self::Yesterday,
        Self::Last7Days,
        Self::Last28Days,
        Self::Last30Days,
        Self::Last90Days,
        Self::ThisWeek,
        Self::LastWeek,
        Self::ThisMonth,
        Self::LastMonth,
        Self::ThisQuarter,
        Self::LastQuarter,
        Self::ThisYear,
        Self::LastYear,
    ];

    /// The windows whose GA4 user totals a sync keeps, because users do not add up across days.
    pub const STANDARD_WINDOWS: [Preset; 6] =
        [Self::Last7Days, Self::Last28Days, Self::Last30Days, Self::Last90Days, Self::ThisMonth, Self::LastMonth];

    /// The preset's name in tool arguments (`last_month`).
    pub const fn key(self) -> &'static str {
        match self {
            Self::Today => "today",
            Self::Yesterday => "yesterday",
            Self::Last7Days => "last_7_days",
            Self::Last28Days => "last_28_days",
            Self::Last30Days => "last_30_days",
            Self::Last90Days => "last_90_days",
            Self::ThisWeek => "this_week",
            Self::LastWeek => "last_week",
            Self::ThisMonth => "this_month",
            Self::LastMonth => "last_month",
            Self::ThisQuarter => "this_quarter",
            Self::LastQuarter => "last_quarter",
            Self::ThisYear => "this_year",
            Self::LastYear => "last_year",
        }
    }

    /// Whether the period runs up to today (and so would hold today's partial day).
    pub const fn ends_today(self) -> bool {
        !matches!(self, Self::Yesterday | Self::LastWeek | Self::LastMonth | Self::LastQuarter | Self::LastYear)
    }

    /// The days of the preset on `today`, today included only when `include_today` (or when the
    /// period would otherwise be empty, as `this_month` on the 1st).
    pub fn range(self, today: NaiveDate, include_today: bool) -> DateRange {
        let yesterday = today - Days::new(1);
        let end = if include_today { today } else { yesterday };
        let up_to_today = |start: NaiveDate| DateRange { start, end: end.max(start) };
        match self {
            Self::Today => DateRange::day(today),
            Self::Yesterday => DateRange::day(yesterday),
            Self::Last7Days => DateRange::ending(end, 7),
            Self::Last28Days => DateRange::ending(end, 28),
            Self::Last30Days => DateRange::ending(end, 30),
            Self::Last90Days => DateRange::ending(end, 90),
            Self::ThisWeek => up_to_today(monday_of(today)),
            Self::LastWeek => DateRange::ending(monday_of(today) - Days::new(1), 7),
            Self::ThisMonth => up_to_today(first_of_month(today)),
            Self::LastMonth => {
                let last = first_of_month(today) - Days::new(1);
                DateRange { start: first_of_month(last), end: last }
            }
            Self::ThisQuarter => up_to_today(first_of_quarter(today)),
            Self::LastQuarter => {
                let last = first_of_quarter(today) - Days::new(1);
                DateRange { start: first_of_quarter(last), end: last }
            }
            Self::ThisYear => up_to_today(first_of_year(today)),
            Self::LastYear => {
                let last = first_of_year(today) - Days::new(1);
                DateRange { start: first_of_year(last), end: last }
            }
        }
    }
}

impl fmt::Display for Preset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

impl FromStr for Preset {
    type Err = RangeError;

    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        let key = raw.trim().to_ascii_lowercase().replace([' ', '-'], "_");
        Self::ALL.into_iter().find(|p| p.key() == key).ok_or_else(|| RangeError::UnknownPreset(raw.to_owned()))
    }
}

fn monday_of(day: NaiveDate) -> NaiveDate {
    day - Days::new(u64::from(day.weekday().num_days_from_monday()))
}

fn first_of_month(day: NaiveDate) -> NaiveDate {
    day.with_day(1).unwrap_or(day)
}

fn first_of_quarter(day: NaiveDate) -> NaiveDate {
    let month = (day.month0() / 3) * 3 + 1;
    NaiveDate::from_ymd_opt(day.year(), month, 1).unwrap_or(day)
}

fn first_of_year(day: NaiveDate) -> NaiveDate {
    NaiveDate::from_ymd_opt(day.year(), 1, 1).unwrap_or(day)
}

/// Why a range cannot be resolved; the message is written for the model to correct its call.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RangeError {
    /// The preset is not one of [`Preset::ALL`].
    #[error("unknown preset {0:?}; use one of {presets}", presets = preset_list())]
    UnknownPreset(String),
    /// A date is not an ISO date.
    #[error("{field} {value:?} is not an ISO date (YYYY-MM-DD)")]
    BadDate {
        /// Which date.
        field: &'static str,
        /// What was given.
        value: String,
    },
    /// Neither a preset nor both dates.
    #[error("a range needs a preset, or both start and end (ISO dates, inclusive)")]
    Incomplete,
    /// End before start.
    #[error("end {end} is before start {start}")]
    Backwards {
        /// The start given.
        start: NaiveDate,
        /// The end given.
        end: NaiveDate,
    },
    /// Too long a range.
    #[error("the range {range} has {days} days; ranges are limited to {MAX_RANGE_DAYS} days")]
    TooLong {
        /// The range asked for.
        range: DateRange,
        /// Its length.
        days: i64,
    },
    /// A range that starts after today.
    #[error("the range starts on {start}, after today ({today}); there are no figures for the future")]
    InTheFuture {
        /// The start given.
        start: NaiveDate,
        /// Today in the client's time zone.
        today: NaiveDate,
    },
    /// Two periods of different lengths.
    #[error(
        "the previous period {previous} has {previous_days} days but the current period {current} has \
         {current_days}; compare periods of the same number of days, or use previous_period or \
         same_period_last_year"
    )]
    UnequalPeriods {
        /// The current period.
        current: DateRange,
        /// Its length.
        current_days: i64,
        /// The previous period.
        previous: DateRange,
        /// Its length.
        previous_days: i64,
    },
}

fn preset_list() -> String {
    Preset::ALL.iter().map(|p| p.key()).collect::<Vec<_>>().join(", ")
}

/// A range as a tool asks for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RangeSpec {
    /// A named period.
    Preset {
        /// Which.
        preset: Preset,
        /// Whether today's partial day is included in a period that runs up to today.
        include_today: bool,
    },
    /// Absolute days, both included.
    Explicit {
        /// First day.
        start: NaiveDate,
        /// Last day.
        end: NaiveDate,
    },
}

impl RangeSpec {
    /// A preset without today's partial day.
    pub const fn preset(preset: Preset) -> Self {
        Self::Preset { preset, include_today: false }
    }

    /// The absolute days this names on `today` (the client's today). An explicit range that runs
    /// past today is cut at today.
    ///
    /// # Errors
    /// [`RangeError`] when the range runs backwards, starts in the future or is longer than
    /// [`MAX_RANGE_DAYS`].
    pub fn resolve(&self, today: NaiveDate) -> Result<ResolvedRange, RangeError> {
        let (range, preset) = match *self {
            Self::Preset { preset, include_today } => (preset.range(today, include_today), Some(preset)),
            Self::Explicit { start, end } => {
                if end < start {
                    return Err(RangeError::Backwards { start, end });
                }
                if start > today {
                    return Err(RangeError::InTheFuture { start, today });
                }
                (DateRange { start, end: end.min(today) }, None)
            }
        };
        ResolvedRange::checked(range, preset, today)
    }
}

/// Absolute days a tool covers, and how they were named.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResolvedRange {
    /// The days.
    pub range: DateRange,
    /// The preset they were named by, if any.
    pub preset: Option<Preset>,
    /// Whether the range holds today, whose figures are partial.
    pub includes_today: bool,
}

impl ResolvedRange {
    fn checked(range: DateRange, preset: Option<Preset>, today: NaiveDate) -> Result<Self, RangeError> {
        let days = range.days();
        if days > MAX_RANGE_DAYS {
            return Err(RangeError::TooLong { range, days });
        }
        Ok(Self { range, preset, includes_today: range.contains(today) })
    }
}

/// The period a current one is compared with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PreviousSpec {
    /// The same number of days just before the current period.
    PreviousPeriod,
    /// The same days one year earlier.
    SamePeriodLastYear,
    /// A range of its own, which must have as many days as the current one.
    Range(RangeSpec),
}

impl PreviousSpec {
    /// The absolute days of the previous period of `current`.
    ///
    /// # Errors
    /// [`RangeError::UnequalPeriods`] when an explicit previous period has another length, and the
    /// errors of [`RangeSpec::resolve`].
    pub fn resolve(&self, current: &ResolvedRange, today: NaiveDate) -> Result<ResolvedRange, RangeError> {
        let days = current.range.days();
        let count = u64::try_from(days).unwrap_or(1);
        let range = match *self {
            Self::PreviousPeriod => DateRange::ending(current.range.start() - Days::new(1), count),
            Self::SamePeriodLastYear => {
                let start = current.range.start().checked_sub_months(Months::new(12)).unwrap_or(current.range.start());
                DateRange { start, end: start + Days::new(count - 1) }
            }
            Self::Range(spec) => {
                let previous = spec.resolve(today)?;
                if previous.range.days() != days {
                    return Err(RangeError::UnequalPeriods {
                        current: current.range,
                        current_days: days,
                        previous: previous.range,
                        previous_days: previous.range.days(),
                    });
                }
                return Ok(previous);
            }
        };
        ResolvedRange::checked(range, None, today)
    }

    /// The name of the comparison in tool arguments.
    pub const fn key(&self) -> Option<&'static str> {
        match self {
            Self::PreviousPeriod => Some("previous_period"),
            Self::SamePeriodLastYear => Some("same_period_last_year"),
            Self::Range(_) => None,
        }
    }
}

/// Whether `day` is a Saturday or a Sunday.
pub fn is_weekend(day: NaiveDate) -> bool {
    matches!(day.weekday(), Weekday::Sat | Weekday::Sun)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn r(start: &str, end: &str) -> DateRange {
        DateRange::new(d(start), d(end)).unwrap()
    }

    #[test]
    fn presets_resolve_from_today_without_todays_partial_day() {
        // Tuesday 1 December 2026.
        let today = d("2026-12-01");
        let cases = [
            (Preset::Today, r("2026-12-01", "2026-12-01")),
            (Preset::Yesterday, r("2026-11-30", "2026-11-30")),
            (Preset::Last7Days, r("2026-11-24", "2026-11-30")),
            (Preset::Last28Days, r("2026-11-03", "2026-11-30")),
            (Preset::Last30Days, r("2026-11-01", "2026-11-30")),
            (Preset::Last90Days, r("2026-09-02", "2026-11-30")),
            (Preset::ThisWeek, r("2026-11-30", "2026-11-30")),
            (Preset::LastWeek, r("2026-11-23", "2026-11-29")),
            (Preset::ThisMonth, r("2026-12-01", "2026-12-01")),
            (Preset::LastMonth, r("2026-11-01", "2026-11-30")),
            (Preset::ThisQuarter, r("2026-10-01", "2026-11-30")),
            (Preset::LastQuarter, r("2026-07-01", "2026-09-30")),
            (Preset::ThisYear, r("2026-01-01", "2026-11-30")),
            (Preset::LastYear, r("2025-01-01", "2025-12-31")),
        ];
        for (preset, want) in cases {
            let got = RangeSpec::preset(preset).resolve(today).unwrap();
            assert_eq!(got.range, want, "{preset}");
            assert_eq!(got.preset, Some(preset));
        }
    }

    #[test]
    fn a_period_that_would_be_empty_without_today_holds_today() {
        let resolved = RangeSpec::preset(Preset::ThisMonth).resolve(d("2026-12-01")).unwrap();
        assert!(resolved.includes_today);
        let monday = RangeSpec::preset(Preset::ThisWeek).resolve(d("2026-11-30")).unwrap();
        assert_eq!(monday.range, r("2026-11-30", "2026-11-30"));
    }

    #[test]
    fn today_is_included_only_when_asked() {
        let spec = RangeSpec::Preset { preset: Preset::Last7Days, include_today: true };
        let resolved = spec.resolve(d("2026-12-01")).unwrap();
        assert_eq!(resolved.range, r("2026-11-25", "2026-12-01"));
        assert!(resolved.includes_today);
        assert!(!RangeSpec::preset(Preset::Last7Days).resolve(d("2026-12-01")).unwrap().includes_today);
    }

    #[test]
    fn explicit_ranges_are_checked_and_cut_at_today() {
        let today = d("2026-12-01");
        let spec = |a: &str, b: &str| RangeSpec::Explicit { start: d(a), end: d(b) };
        assert_eq!(spec("2026-10-01", "2026-10-31").resolve(today).unwrap().range, r("2026-10-01", "2026-10-31"));
        assert_eq!(spec("2026-11-20", "2026-12-31").resolve(today).unwrap().range, r("2026-11-20", "2026-12-01"));
        assert!(matches!(spec("2026-10-31", "2026-10-01").resolve(today), Err(RangeError::Backwards { .. })));
        assert!(matches!(spec("2027-01-01", "2027-01-31").resolve(today), Err(RangeError::InTheFuture { .. })));
        let long = spec("2025-01-01", "2026-11-30").resolve(today).unwrap_err();
        assert!(long.to_string().contains("400 days"), "{long}");
        assert!(spec("2025-10-28", "2026-11-30").resolve(today).is_ok(), "400 days exactly");
    }

    #[test]
    fn previous_periods_have_the_same_number_of_days() {
        let today = d("2026-12-01");
        let november = RangeSpec::preset(Preset::LastMonth).resolve(today).unwrap();
        let before = PreviousSpec::PreviousPeriod.resolve(&november, today).unwrap();
        assert_eq!(before.range, r("2026-10-02", "2026-10-31"));
        let last_year = PreviousSpec::SamePeriodLastYear.resolve(&november, today).unwrap();
        assert_eq!(last_year.range, r("2025-11-01", "2025-11-30"));
        let october = PreviousSpec::Range(RangeSpec::Explicit { start: d("2026-10-01"), end: d("2026-10-31") });
        let err = october.resolve(&november, today).unwrap_err();
        assert!(err.to_string().contains("31 days"), "{err}");
    }

    #[test]
    fn a_leap_day_a_year_back_keeps_the_length() {
        let today = d("2028-03-05");
        let current = RangeSpec::Explicit { start: d("2028-02-29"), end: d("2028-03-01") }.resolve(today).unwrap();
        let previous = PreviousSpec::SamePeriodLastYear.resolve(&current, today).unwrap();
        assert_eq!(previous.range, r("2027-02-28", "2027-03-01"));
    }

    #[test]
    fn a_store_reads_at_most_the_last_400_days_of_a_range() {
        let long = r("2024-01-01", "2026-11-30");
        assert_eq!(long.readable(), r("2025-10-27", "2026-11-30"));
        assert_eq!(long.readable().days(), MAX_RANGE_DAYS);
        assert_eq!(r("2026-11-01", "2026-11-30").readable(), r("2026-11-01", "2026-11-30"));
    }

    #[test]
    fn presets_parse_from_their_keys_and_common_spellings() {
        assert_eq!("last_month".parse::<Preset>().unwrap(), Preset::LastMonth);
        assert_eq!("Last 7 days".parse::<Preset>().unwrap(), Preset::Last7Days);
        let err = "fortnight".parse::<Preset>().unwrap_err();
        assert!(err.to_string().contains("last_month"), "{err}");
    }

    #[test]
    fn time_zones_decide_what_today_is() {
        let now = "2026-12-01T02:00:00Z".parse::<DateTime<Utc>>().unwrap();
        assert_eq!(ClientTimeZone::UTC.today(now), d("2026-12-01"));
        assert_eq!(ClientTimeZone::parse("America/New_York").unwrap().today(now), d("2026-11-30"));
        assert_eq!(ClientTimeZone::parse("Mars/Olympus").unwrap_err().field(), "timeZone");
    }
}
