//! Dates: every preset resolves, on any day, to a non-empty range within its documented bounds;
//! explicit ranges are checked and cut; comparison periods keep the current period's length.

use chrono::{Datelike, Days, Months, NaiveDate, Weekday};
use domain::daily::{DailyRecord, DayFigures, SiteDay, missing_days};
use domain::dates::{
    DateRange, MAX_RANGE_DAYS, Preset, PreviousSpec, RangeError, RangeSpec, ResolvedRange, is_weekend,
};
use domain::ids::ClientId;
use domain::platform::Platform;
use proptest::prelude::*;

use crate::support::{day, instant, time_zone};

fn preset() -> impl Strategy<Value = Preset> {
    prop::sample::select(Preset::ALL.to_vec())
}

fn first_of_month(d: NaiveDate) -> NaiveDate {
    d.with_day(1).unwrap()
}

fn first_of_quarter(d: NaiveDate) -> NaiveDate {
    NaiveDate::from_ymd_opt(d.year(), d.month0() / 3 * 3 + 1, 1).unwrap()
}

fn first_of_year(d: NaiveDate) -> NaiveDate {
    NaiveDate::from_ymd_opt(d.year(), 1, 1).unwrap()
}

fn monday_of(d: NaiveDate) -> NaiveDate {
    d - Days::new(u64::from(d.weekday().num_days_from_monday()))
}

/// A range of 1 to 400 days ending on or before `today`, resolved.
fn current_range() -> impl Strategy<Value = (ResolvedRange, NaiveDate)> {
    (day(), 0_u64..500, 1_u64..=400).prop_map(|(today, back, len)| {
        let end = today - Days::new(back);
        let spec = RangeSpec::Explicit { start: end - Days::new(len - 1), end };
        (spec.resolve(today).expect("a range of at most 400 days in the past"), today)
    })
}

proptest! {
    #[test]
    fn today_in_any_zone_is_within_a_day_of_utc(now in instant(), zone in time_zone()) {
        let utc = now.date_naive();
        let today = zone.today(now);
        prop_assert!(today >= utc - Days::new(1) && today <= utc + Days::new(1), "{} in {}", today, zone.name());
    }

    #[test]
    fn every_preset_resolves_to_a_range_that_ends_by_today(
        now in instant(),
        zone in time_zone(),
        preset in preset(),
        include_today in any::<bool>(),
    ) {
        let today = zone.today(now);
        let resolved = RangeSpec::Preset { preset, include_today }.resolve(today).unwrap();
        let range = resolved.range;
        prop_assert!(range.start() <= range.end());
        prop_assert!(range.end() <= today);
        prop_assert!(range.days() >= 1 && range.days() <= MAX_RANGE_DAYS);
        prop_assert_eq!(resolved.preset, Some(preset));
        prop_assert_eq!(resolved.includes_today, range.contains(today));
        prop_assert_eq!(range, preset.range(today, include_today));
        prop_assert_eq!(i64::try_from(range.iter_days().count()).ok(), Some(range.days()));
        if !preset.ends_today() {
            prop_assert!(!resolved.includes_today, "{} holds today", preset);
        }
    }

    #[test]
    fn presets_that_run_up_to_today_hold_today_only_when_asked_or_else_empty(
        today in day(),
        preset in prop::sample::select(
            Preset::ALL.into_iter().filter(|p| p.ends_today() && *p != Preset::Today).collect::<Vec<_>>(),
        ),
        include_today in any::<bool>(),
    ) {
        let range = preset.range(today, include_today);
        let yesterday = today - Days::new(1);
        if include_today {
            prop_assert_eq!(range.end(), today);
        } else if range.start() == today {
            // This week on a Monday, this month on the 1st, ...: the period holds only today.
            prop_assert_eq!(range, DateRange::day(today));
        } else {
            prop_assert_eq!(range.end(), yesterday);
        }
    }

    #[test]
    fn each_preset_covers_its_documented_days(today in day(), include_today in any::<bool>()) {
        let end = if include_today { today } else { today - Days::new(1) };
        let yesterday = today - Days::new(1);
        let range = |p: Preset| p.range(today, include_today);
        prop_assert_eq!(range(Preset::Today), DateRange::day(today));
        prop_assert_eq!(range(Preset::Yesterday), DateRange::day(yesterday));
        for (preset, n) in [(Preset::Last7Days, 7), (Preset::Last28Days, 28), (Preset::Last30Days, 30), (Preset::Last90Days, 90)] {
            let r = range(preset);
            prop_assert_eq!(r.days(), n, "{}", preset);
            prop_assert_eq!(r.end(), end, "{}", preset);
        }
        let starts = [
            (Preset::ThisWeek, monday_of(today)),
            (Preset::ThisMonth, first_of_month(today)),
            (Preset::ThisQuarter, first_of_quarter(today)),
            (Preset::ThisYear, first_of_year(today)),
        ];
        for (preset, start) in starts {
            let r = range(preset);
            prop_assert_eq!(r.start(), start, "{}", preset);
            prop_assert!(r.contains(end) || r == DateRange::day(today), "{} is {}", preset, r);
        }
        prop_assert_eq!(range(Preset::ThisWeek).start().weekday(), Weekday::Mon);
        prop_assert!(range(Preset::ThisWeek).days() <= 7);
    }

    #[test]
    fn last_periods_are_whole_calendar_periods_just_before_this_one(today in day(), include_today in any::<bool>()) {
        let week = Preset::LastWeek.range(today, include_today);
        prop_assert_eq!(week.days(), 7);
        prop_assert_eq!(week.start().weekday(), Weekday::Mon);
        prop_assert_eq!(week.end().weekday(), Weekday::Sun);
        prop_assert_eq!(week.end() + Days::new(1), monday_of(today));

        let month = Preset::LastMonth.range(today, include_today);
        prop_assert_eq!(month.start().day(), 1);
        prop_assert_eq!(month.end() + Days::new(1), first_of_month(today));
        prop_assert!((28..=31).contains(&month.days()));

        let quarter = Preset::LastQuarter.range(today, include_today);
        prop_assert_eq!(quarter.start(), first_of_quarter(quarter.start()));
        prop_assert_eq!(quarter.end() + Days::new(1), first_of_quarter(today));
        prop_assert!((90..=92).contains(&quarter.days()));

        let year = Preset::LastYear.range(today, include_today);
        prop_assert_eq!(year.start(), NaiveDate::from_ymd_opt(today.year() - 1, 1, 1).unwrap());
        prop_assert_eq!(year.end(), NaiveDate::from_ymd_opt(today.year() - 1, 12, 31).unwrap());
        prop_assert!((365..=366).contains(&year.days()));
    }

    #[test]
    fn explicit_ranges_are_checked_in_order_and_cut_at_today(start in day(), end in day(), today in day()) {
        let result = RangeSpec::Explicit { start, end }.resolve(today);
        if end < start {
            prop_assert!(matches!(result, Err(RangeError::Backwards { .. })), "{:?}", result);
        } else if start > today {
            prop_assert!(matches!(result, Err(RangeError::InTheFuture { .. })), "{:?}", result);
        } else {
            let cut = end.min(today);
            let days = (cut - start).num_days() + 1;
            match result {
                Ok(resolved) => {
                    prop_assert!(days <= MAX_RANGE_DAYS);
                    prop_assert_eq!(resolved.range, DateRange::new(start, cut).unwrap());
                    prop_assert_eq!(resolved.preset, None);
                    prop_assert_eq!(resolved.includes_today, end >= today);
                }
                Err(RangeError::TooLong { days: reported, range }) => {
                    prop_assert!(days > MAX_RANGE_DAYS);
                    prop_assert_eq!(reported, days);
                    prop_assert_eq!(range.days(), days);
                }
                Err(other) => prop_assert!(false, "unexpected {:?}", other),
            }
        }
    }

    #[test]
    fn explicit_ranges_of_up_to_400_days_are_accepted(end in day(), len in 1_u64..=420) {
        let start = end - Days::new(len - 1);
        let result = RangeSpec::Explicit { start, end }.resolve(end);
        prop_assert_eq!(result.is_ok(), i64::try_from(len).unwrap() <= MAX_RANGE_DAYS, "{} days", len);
    }

    #[test]
    fn date_ranges_are_never_backwards(a in day(), b in day()) {
        match DateRange::new(a, b) {
            Ok(range) => {
                prop_assert!(a <= b);
                prop_assert_eq!(range.days(), (b - a).num_days() + 1);
                prop_assert!(range.contains(a) && range.contains(b));
                prop_assert!(!range.contains(a - Days::new(1)) && !range.contains(b + Days::new(1)));
            }
            Err(error) => {
                prop_assert!(b < a);
                prop_assert_eq!(error.field(), "dateRange");
            }
        }
    }

    #[test]
    fn a_readable_range_is_the_last_400_days_at_most(end in day(), len in 1_u64..2000) {
        let range = DateRange::new(end - Days::new(len - 1), end).unwrap();
        let readable = range.readable();
        prop_assert_eq!(readable.end(), range.end());
        prop_assert_eq!(readable.days(), range.days().min(MAX_RANGE_DAYS));
        prop_assert!(range.contains(readable.start()));
    }

    #[test]
    fn the_previous_period_has_the_same_days_and_ends_the_day_before((current, today) in current_range()) {
        let previous = PreviousSpec::PreviousPeriod.resolve(&current, today).unwrap();
        prop_assert_eq!(previous.range.days(), current.range.days());
        prop_assert_eq!(previous.range.end() + Days::new(1), current.range.start());
        prop_assert!(!previous.includes_today);
        prop_assert_eq!(previous.preset, None);
    }

    #[test]
    fn the_same_period_last_year_has_the_same_days_a_year_earlier((current, today) in current_range()) {
        let previous = PreviousSpec::SamePeriodLastYear.resolve(&current, today).unwrap();
        let start = current.range.start();
        prop_assert_eq!(previous.range.days(), current.range.days());
        prop_assert_eq!(previous.range.start().year(), start.year() - 1);
        prop_assert_eq!(previous.range.start().month(), start.month());
        if start.month() == 2 && start.day() == 29 {
            prop_assert_eq!(previous.range.start().day(), 28, "29 February falls back to the 28th");
        } else {
            prop_assert_eq!(previous.range.start().day(), start.day());
        }
        prop_assert_eq!(Some(previous.range.start()), start.checked_sub_months(Months::new(12)));
        prop_assert!(previous.range.end() < current.range.end());
    }

    #[test]
    fn an_explicit_previous_period_must_have_as_many_days(
        (current, today) in current_range(),
        back in 1_u64..800,
        len in 1_u64..=400,
    ) {
        let end = current.range.start() - Days::new(back);
        let spec = PreviousSpec::Range(RangeSpec::Explicit { start: end - Days::new(len - 1), end });
        let result = spec.resolve(&current, today);
        if i64::try_from(len).unwrap() == current.range.days() {
            prop_assert_eq!(result.map(|r| r.range.days()), Ok(current.range.days()));
        } else {
            prop_assert!(matches!(result, Err(RangeError::UnequalPeriods { .. })), "{:?}", result);
        }
    }

    #[test]
    fn missing_days_are_exactly_the_days_without_records(
        end in day(),
        len in 1_u64..60,
        present in prop::collection::vec(0_u64..70, 0..40),
    ) {
        let range = DateRange::new(end - Days::new(len - 1), end).unwrap();
        let client = ClientId::from_bytes([7; 12]);
        // Some records fall before the range, and some days come twice.
        let records: Vec<DailyRecord> = present
            .iter()
            .map(|&back| {
                let date = end - Days::new(back);
                DailyRecord::new(client, Platform::GoogleAnalytics, date, DayFigures::Site(SiteDay::default())).unwrap()
            })
            .collect();
        let gaps = missing_days(range, &records);
        for pair in gaps.windows(2) {
            // Sorted, disjoint and not touching: each gap is a whole run.
            prop_assert!(pair[0].end() + Days::new(1) < pair[1].start(), "{:?}", gaps);
        }
        for d in range.iter_days() {
            let has_record = records.iter().any(|r| r.date == d);
            let in_gap = gaps.iter().any(|g| g.contains(d));
            prop_assert_ne!(has_record, in_gap, "{}", d);
        }
        for gap in &gaps {
            prop_assert!(range.contains(gap.start()) && range.contains(gap.end()));
        }
    }

    #[test]
    fn weekends_are_saturdays_and_sundays(d in day()) {
        prop_assert_eq!(is_weekend(d), d.weekday().num_days_from_monday() >= 5);
    }
}
