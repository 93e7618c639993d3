//! Period words: the periods a question names ("last month", "in October", "Q3 2026", "the last 14
//! days") and what they are compared with ("vs the month before", "year over year"), and how they
//! become the tools' ranges.
//!
//! Presets are passed as presets, so the domain resolves them. Only what no preset names (a month, a
//! quarter, "the last 14 days", the calendar month before another) is turned into explicit dates
//! here, read off the question relative to the client's today, with the domain's own range
//! arithmetic ([`RangeSpec::resolve`], [`PreviousSpec::resolve`]) wherever it has one.

use chrono::{Datelike, Days, Months, NaiveDate};
use domain::dates::{DateRange, Preset, PreviousSpec, RangeError, RangeSpec, ResolvedRange};

/// A unit of calendar time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Span {
    /// A day.
    Day,
    /// A week, Monday to Sunday.
    Week,
    /// A calendar month.
    Month,
    /// A calendar quarter.
    Quarter,
    /// A calendar year.
    Year,
}

/// A period named in a question, before it is reckoned from today.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    /// A period the domain names ("last month", "yesterday", "year to date").
    Preset(Preset),
    /// "The last 14 days", "the past 3 months": that much time up to yesterday.
    Last {
        /// How many.
        count: u32,
        /// Of what.
        span: Span,
    },
    /// "In October", "October 2025": the most recent such month not after today, unless the year
    /// is given.
    Month {
        /// 1 to 12.
        month: u32,
        /// The year, when given.
        year: Option<i32>,
    },
    /// "Q3", "Q3 2026", "the third quarter": the most recent such quarter not after today, unless
    /// the year is given.
    Quarter {
        /// 1 to 4.
        quarter: u32,
        /// The year, when given.
        year: Option<i32>,
    },
    /// "In 2025": a calendar year.
    Year(i32),
}

/// What a period is compared with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Against {
    /// "Compared to the previous period": the same number of days just before.
    PreviousPeriod,
    /// "Vs the month before", "month over month": the calendar span before the current period,
    /// which is the last complete span when the question names none.
    Before(Span),
    /// "Vs last month", "compared with the previous week": the calendar span before the current
    /// period, which is this span so far when the question names none.
    Last(Span),
    /// "Year over year", "vs last year": the same days a year earlier.
    LastYear,
    /// "October vs September": a period of its own.
    Period(Period),
}

/// Why a period cannot be looked up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unresolvable {
    /// It has not started yet.
    Future,
    /// It is longer than the tools read at once.
    TooLong,
}

impl From<RangeError> for Unresolvable {
    fn from(error: RangeError) -> Self {
        match error {
            RangeError::InTheFuture { .. } | RangeError::Backwards { .. } => Self::Future,
            _ => Self::TooLong,
        }
    }
}

/// A comparison's previous period, and whether it is not quite what the question named.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Previous {
    /// The previous period as the tool is asked for it.
    pub spec: PreviousSpec,
    /// The period the question named, when it has another number of days than the current one and
    /// the same number of days just before was compared instead.
    pub instead_of: Option<DateRange>,
}

impl Period {
    /// The range the tools are asked for on `today`: a preset where one fits, otherwise explicit
    /// dates, never reaching past yesterday unless the period is today.
    ///
    /// # Errors
    /// [`Unresolvable`] when the period has not started, or is longer than the tools read at once.
    pub fn spec(self, today: NaiveDate) -> Result<RangeSpec, Unresolvable> {
        let spec = match self {
            Self::Preset(preset) => RangeSpec::preset(preset),
            Self::Last { count, span } => last(count.max(1), span, today),
            Self::Month { month, year } => {
                let year = year.unwrap_or_else(|| latest_year(month, today.month(), today));
                let start = NaiveDate::from_ymd_opt(year, month, 1).ok_or(Unresolvable::Future)?;
                calendar(start, end_of_month(start), Preset::ThisMonth, today)?
            }
            Self::Quarter { quarter, year } => {
                let first_month = (quarter.clamp(1, 4) - 1) * 3 + 1;
                let current_first = (today.month0() / 3) * 3 + 1;
                let year = year.unwrap_or_else(|| latest_year(first_month, current_first, today));
                let start = NaiveDate::from_ymd_opt(year, first_month, 1).ok_or(Unresolvable::Future)?;
                let end = end_of_month(start + Months::new(2));
                calendar(start, end, Preset::ThisQuarter, today)?
            }
            Self::Year(year) => {
                let start = NaiveDate::from_ymd_opt(year, 1, 1).ok_or(Unresolvable::Future)?;
                let end = NaiveDate::from_ymd_opt(year, 12, 31).ok_or(Unresolvable::Future)?;
                if year == today.year() - 1 {
                    RangeSpec::preset(Preset::LastYear)
                } else {
                    calendar(start, end, Preset::ThisYear, today)?
                }
            }
        };
        spec.resolve(today)?;
        Ok(spec)
    }
}

/// The year of the most recent period starting in `month` that has started by `today`, where the
/// current such period starts in `current_month`.
fn latest_year(month: u32, current_month: u32, today: NaiveDate) -> i32 {
    if month <= current_month { today.year() } else { today.year() - 1 }
}

/// An explicit calendar period, or `to_date` when it is the current one (its start to yesterday).
fn calendar(start: NaiveDate, end: NaiveDate, to_date: Preset, today: NaiveDate) -> Result<RangeSpec, Unresolvable> {
    if start > today {
        return Err(Unresolvable::Future);
    }
    Ok(if end >= today { RangeSpec::preset(to_date) } else { RangeSpec::Explicit { start, end } })
}

/// `count` spans up to yesterday, as a preset when one names exactly that.
fn last(count: u32, span: Span, today: NaiveDate) -> RangeSpec {
    let days = match span {
        Span::Day => Some(count),
        Span::Week => Some(count * 7),
        _ => None,
    };
    let preset = match (span, count) {
        (Span::Week, 1) | (Span::Day, 7) => Some(Preset::Last7Days),
        (Span::Week, 4) | (Span::Day, 28) => Some(Preset::Last28Days),
        (Span::Day, 30) => Some(Preset::Last30Days),
        (Span::Day, 90) => Some(Preset::Last90Days),
        (Span::Day, 1) => Some(Preset::Yesterday),
        _ => None,
    };
    if let Some(preset) = preset {
        return RangeSpec::preset(preset);
    }
    let yesterday = today - Days::new(1);
    let start = match (days, span) {
        (Some(days), _) => today - Days::new(u64::from(days)),
        (None, Span::Quarter) => today - Months::new(count * 3),
        (None, Span::Year) => today - Months::new(count * 12),
        (None, _) => today - Months::new(count),
    };
    RangeSpec::Explicit { start, end: yesterday }
}

/// The last day of `day`'s month.
fn end_of_month(day: NaiveDate) -> NaiveDate {
    let first = day.with_day(1).unwrap_or(day);
    first + Months::new(1) - Days::new(1)
}

/// The first day of `day`'s quarter.
fn start_of_quarter(day: NaiveDate) -> NaiveDate {
    NaiveDate::from_ymd_opt(day.year(), (day.month0() / 3) * 3 + 1, 1).unwrap_or(day)
}

/// The first day of the week (Monday) of `day`.
fn start_of_week(day: NaiveDate) -> NaiveDate {
    day - Days::new(u64::from(day.weekday().num_days_from_monday()))
}

impl Against {
    /// The current period when the question names none: the last complete span for "month over
    /// month", this span so far for "vs last month" (the last complete one when this span has no
    /// complete day yet), and the last 30 days otherwise.
    pub fn default_current(self, today: NaiveDate) -> Preset {
        let complete = |span: Span| match span {
            Span::Week => Preset::LastWeek,
            Span::Month => Preset::LastMonth,
            Span::Quarter => Preset::LastQuarter,
            Span::Day => Preset::Yesterday,
            Span::Year => Preset::LastYear,
        };
        match self {
            Self::Before(span) => complete(span),
            Self::Last(span) => {
                let (to_date, first_day) = match span {
                    Span::Week => (Preset::ThisWeek, start_of_week(today)),
                    Span::Month => (Preset::ThisMonth, today.with_day(1).unwrap_or(today)),
                    Span::Quarter => (Preset::ThisQuarter, start_of_quarter(today)),
                    Span::Day => (Preset::Yesterday, today),
                    Span::Year => return Preset::Last30Days,
                };
                if first_day == today { complete(span) } else { to_date }
            }
            Self::PreviousPeriod | Self::LastYear | Self::Period(_) => Preset::Last30Days,
        }
    }

    /// The previous period of `current` on `today`. A named period of another length than the
    /// current one is cut to the current one's length from its start when the current one is still
    /// running ("this month so far vs last month" compares the same days of both); otherwise the
    /// same number of days just before is compared, and [`Previous::instead_of`] says what was
    /// named.
    ///
    /// # Errors
    /// [`Unresolvable`] when the periods cannot be looked up.
    pub fn previous(self, current: RangeSpec, today: NaiveDate) -> Result<Previous, Unresolvable> {
        let now = current.resolve(today)?;
        let named = match self {
            Self::PreviousPeriod => None,
            Self::LastYear | Self::Before(Span::Year) | Self::Last(Span::Year) => {
                return checked(PreviousSpec::SamePeriodLastYear, None, &now, today);
            }
            Self::Before(span) | Self::Last(span) => calendar_before(&now, span),
            Self::Period(period) => Some(period.spec(today)?.resolve(today)?.range),
        };
        let Some(named) = named else { return checked(PreviousSpec::PreviousPeriod, None, &now, today) };
        let days = now.range.days();
        if named.days() == days {
            return checked(explicit(named), None, &now, today);
        }
        // A period still running ("this month so far") is compared with as many days from the start
        // of the one named; a complete one with the same number of days just before it.
        let running = matches!(
            current,
            RangeSpec::Preset {
                preset: Preset::ThisWeek | Preset::ThisMonth | Preset::ThisQuarter | Preset::ThisYear,
                ..
            }
        );
        let cut_end = named.start() + Days::new(u64::try_from(days - 1).unwrap_or(0));
        if running && named.days() > days && cut_end <= named.end() {
            if let Ok(cut) = DateRange::new(named.start(), cut_end) {
                return checked(explicit(cut), None, &now, today);
            }
        }
        checked(PreviousSpec::PreviousPeriod, Some(named), &now, today)
    }
}

fn explicit(range: DateRange) -> PreviousSpec {
    PreviousSpec::Range(RangeSpec::Explicit { start: range.start(), end: range.end() })
}

/// The previous period, once the domain has checked it resolves.
fn checked(
    spec: PreviousSpec,
    instead_of: Option<DateRange>,
    current: &ResolvedRange,
    today: NaiveDate,
) -> Result<Previous, Unresolvable> {
    spec.resolve(current, today)?;
    Ok(Previous { spec, instead_of })
}

/// The calendar span before the one `current` starts in, when `current` is a whole span or that
/// span so far; `None` when the same number of days just before is the natural comparison.
fn calendar_before(current: &ResolvedRange, span: Span) -> Option<DateRange> {
    let start = current.range.start();
    let (span_start, previous_start, previous_end) = match span {
        Span::Week => {
            let monday = start_of_week(start);
            (monday, monday - Days::new(7), monday - Days::new(1))
        }
        Span::Month => {
            let first = start.with_day(1)?;
            (first, first - Months::new(1), first - Days::new(1))
        }
        Span::Quarter => {
            let first = start_of_quarter(start);
            (first, first - Months::new(3), first - Days::new(1))
        }
        Span::Day | Span::Year => return None,
    };
    let span_end = match span {
        Span::Week => span_start + Days::new(6),
        Span::Month => end_of_month(span_start),
        _ => end_of_month(span_start + Months::new(2)),
    };
    // Only a period that starts on the span's first day and stays within it is "a month" (or
    // week, or quarter) whose predecessor is the previous month.
    if start != span_start || current.range.end() > span_end {
        return None;
    }
    DateRange::new(previous_start, previous_end).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn explicit(start: &str, end: &str) -> RangeSpec {
        RangeSpec::Explicit { start: d(start), end: d(end) }
    }

    #[test]
    fn periods_become_presets_or_explicit_dates_reckoned_from_today() {
        let cases: Vec<(&str, Period, Result<RangeSpec, Unresolvable>)> = vec![
            ("2026-12-01", Period::Preset(Preset::LastMonth), Ok(RangeSpec::preset(Preset::LastMonth))),
            ("2026-12-01", Period::Month { month: 10, year: None }, Ok(explicit("2026-10-01", "2026-10-31"))),
            ("2026-12-01", Period::Month { month: 12, year: None }, Ok(RangeSpec::preset(Preset::ThisMonth))),
            ("2027-01-05", Period::Month { month: 10, year: None }, Ok(explicit("2026-10-01", "2026-10-31"))),
            ("2026-12-01", Period::Month { month: 10, year: Some(2025) }, Ok(explicit("2025-10-01", "2025-10-31"))),
            ("2026-12-01", Period::Month { month: 1, year: Some(2027) }, Err(Unresolvable::Future)),
            ("2026-12-01", Period::Month { month: 2, year: None }, Ok(explicit("2026-02-01", "2026-02-28"))),
            ("2026-12-01", Period::Quarter { quarter: 3, year: None }, Ok(explicit("2026-07-01", "2026-09-30"))),
            ("2026-12-01", Period::Quarter { quarter: 4, year: None }, Ok(RangeSpec::preset(Preset::ThisQuarter))),
            ("2026-05-10", Period::Quarter { quarter: 3, year: None }, Ok(explicit("2025-07-01", "2025-09-30"))),
            ("2026-12-01", Period::Quarter { quarter: 1, year: Some(2027) }, Err(Unresolvable::Future)),
            ("2026-12-01", Period::Last { count: 14, span: Span::Day }, Ok(explicit("2026-11-17", "2026-11-30"))),
            ("2026-12-01", Period::Last { count: 30, span: Span::Day }, Ok(RangeSpec::preset(Preset::Last30Days))),
            ("2026-12-01", Period::Last { count: 2, span: Span::Week }, Ok(explicit("2026-11-17", "2026-11-30"))),
            ("2026-12-01", Period::Last { count: 3, span: Span::Month }, Ok(explicit("2026-09-01", "2026-11-30"))),
            ("2026-12-01", Period::Last { count: 2, span: Span::Year }, Err(Unresolvable::TooLong)),
            ("2026-12-01", Period::Year(2025), Ok(RangeSpec::preset(Preset::LastYear))),
            ("2026-12-01", Period::Year(2026), Ok(RangeSpec::preset(Preset::ThisYear))),
        ];
        for (today, period, want) in cases {
            assert_eq!(period.spec(d(today)), want, "{period:?} on {today}");
        }
    }

    #[test]
    fn the_period_before_is_the_calendar_one_when_it_has_as_many_days() {
        let today = d("2026-12-01");
        let previous = |against: Against, current: RangeSpec| against.previous(current, today).unwrap();
        // November has 30 days and October 31: the 30 days before November are compared, and the
        // answer says October was named.
        let november = previous(Against::Before(Span::Month), RangeSpec::preset(Preset::LastMonth));
        assert_eq!(november.spec, PreviousSpec::PreviousPeriod);
        assert_eq!(november.instead_of, DateRange::new(d("2026-10-01"), d("2026-10-31")).ok());
        // May has 31 days and April 30; August and July both have 31.
        let may = previous(Against::Before(Span::Month), explicit("2026-05-01", "2026-05-31"));
        assert_eq!(may.spec, PreviousSpec::PreviousPeriod);
        let august = previous(Against::Before(Span::Month), explicit("2026-08-01", "2026-08-31"));
        assert_eq!(august.spec, PreviousSpec::Range(explicit("2026-07-01", "2026-07-31")));
        assert_eq!(august.instead_of, None);
        let week = previous(Against::Before(Span::Week), RangeSpec::preset(Preset::LastWeek));
        assert_eq!(week.spec, PreviousSpec::Range(explicit("2026-11-16", "2026-11-22")));
        let yoy = previous(Against::LastYear, RangeSpec::preset(Preset::LastMonth));
        assert_eq!(yoy.spec, PreviousSpec::SamePeriodLastYear);
        let rolling = previous(Against::Before(Span::Month), RangeSpec::preset(Preset::Last7Days));
        assert_eq!(rolling.spec, PreviousSpec::PreviousPeriod);
        assert_eq!(rolling.instead_of, None);
    }

    #[test]
    fn a_period_so_far_is_compared_with_the_same_days_of_the_one_before() {
        let today = d("2026-12-15");
        let month = Against::Last(Span::Month).previous(RangeSpec::preset(Preset::ThisMonth), today).unwrap();
        assert_eq!(month.spec, PreviousSpec::Range(explicit("2026-11-01", "2026-11-14")));
        let named = Against::Period(Period::Preset(Preset::LastMonth));
        assert_eq!(named.previous(RangeSpec::preset(Preset::ThisMonth), today).unwrap(), month);
        let october = Against::Period(Period::Month { month: 9, year: None });
        let cut = october.previous(explicit("2026-10-01", "2026-10-31"), today).unwrap();
        assert_eq!(cut.spec, PreviousSpec::PreviousPeriod, "September is shorter than October");
    }

    #[test]
    fn without_a_current_period_the_comparison_picks_one() {
        let cases = [
            (Against::Before(Span::Month), "2026-12-15", Preset::LastMonth),
            (Against::Last(Span::Month), "2026-12-15", Preset::ThisMonth),
            (Against::Last(Span::Month), "2026-12-01", Preset::LastMonth),
            (Against::Last(Span::Week), "2026-12-02", Preset::ThisWeek),
            (Against::Last(Span::Week), "2026-11-30", Preset::LastWeek),
            (Against::Before(Span::Week), "2026-12-02", Preset::LastWeek),
            (Against::LastYear, "2026-12-02", Preset::Last30Days),
            (Against::PreviousPeriod, "2026-12-02", Preset::Last30Days),
        ];
        for (against, today, want) in cases {
            assert_eq!(against.default_current(d(today)), want, "{against:?} on {today}");
        }
    }
}
