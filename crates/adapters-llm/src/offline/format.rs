//! Numbers and dates formatted for people: thousands separators, money with its currency, rates as
//! percentages, days and ranges of days as calendars write them.
//!
//! Figures are rounded exactly as the tools' results round them ([`metric_number`]: money to
//! cents, rates as percentages to two decimals), so that every figure an answer states is one a
//! model reading the results would see.

use std::fmt::Write;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use domain::daily::Currency;
use domain::dates::DateRange;
use domain::metrics::{Metric, Unit, change};
use domain::tools::{metric_number, result_decimals};

/// A count with thousands separators: `15234` → `15,234`.
pub fn count(n: u64) -> String {
    let mut out = String::new();
    push_count(&mut out, n);
    out
}

/// Writes [`count`] to `out`.
pub fn push_count(out: &mut String, n: u64) {
    let start = out.len();
    let _ = write!(out, "{n}");
    separate(out, start);
}

/// Writes an amount with two decimals and thousands separators, without a currency, to `out`:
/// `1850.4` → `1,850.40`.
fn push_amount(out: &mut String, value: f64) {
    let start = out.len();
    let _ = write!(out, "{value:.2}");
    separate(out, start);
}

/// Writes an amount of money in its currency to `out`: `$1,234.56` for currencies with a well-known
/// symbol, `1,234.56 CHF` otherwise; a negative amount is `-$12.30`.
fn push_money(out: &mut String, value: f64, currency: Currency) {
    let start = out.len();
    if value < 0.0 {
        out.push('-');
    }
    let symbol = currency.symbol();
    if let Some(symbol) = symbol {
        out.push_str(symbol);
    }
    let digits = out.len();
    push_amount(out, value.abs());
    // An amount that rounds to zero has no sign.
    if value < 0.0 && &out[digits..] == "0.00" {
        out.remove(start);
    }
    if symbol.is_none() {
        out.push(' ');
        out.push_str(currency.code());
    }
}

/// Writes a number with at most two decimals, trailing zeros dropped, to `out`: `88.5` → `88.5`,
/// `142.0` → `142`, `1234.567` → `1,234.57`.
fn push_decimal(out: &mut String, value: f64) {
    let start = out.len();
    let _ = write!(out, "{value:.2}");
    while out.len() > start && out.ends_with('0') {
        out.pop();
    }
    while out.len() > start && out.ends_with('.') {
        out.pop();
    }
    if &out[start..] == "-0" {
        out.remove(start);
    }
    separate(out, start);
}

/// A percentage already out of 100: `38.5` → `38.5%`.
pub fn percent(value: f64) -> String {
    let mut out = String::new();
    push_percent(&mut out, value);
    out
}

/// Writes [`percent`] to `out`.
pub fn push_percent(out: &mut String, value: f64) {
    push_decimal(out, value);
    out.push('%');
}

/// Writes a duration in whole minutes and seconds to `out`: `185.0` → `3m 5s`, `42.4` → `42s`.
fn push_duration(out: &mut String, seconds: f64) {
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // rounded, clamped at zero
    let total = seconds.max(0.0).round() as u64;
    let (minutes, seconds) = (total / 60, total % 60);
    if minutes > 0 {
        push_count(out, minutes);
        out.push_str("m ");
    }
    let _ = write!(out, "{seconds}s");
}

/// `value` rounded to `decimals` places, with no negative zero.
pub fn round(value: f64, decimals: i32) -> f64 {
    let factor = 10f64.powi(decimals);
    let rounded = (value * factor).round() / factor;
    if rounded == 0.0 { 0.0 } else { rounded }
}

/// A metric's value (a fraction for rates) as people read it: `$1,850.40`, `2,310`, `8.13%`,
/// `2.4x`, `3m 5s`. Money without a known currency has no symbol.
pub fn figure(metric: Metric, value: f64, currency: Option<Currency>) -> String {
    let mut out = String::new();
    push_figure(&mut out, metric, value, currency);
    out
}

/// Writes [`figure`] to `out`.
pub fn push_figure(out: &mut String, metric: Metric, value: f64, currency: Option<Currency>) {
    let shown = metric_number(metric, value);
    match metric.unit() {
        Unit::Money => match currency {
            Some(c) => push_money(out, shown, c),
            None => push_amount(out, shown),
        },
        Unit::Count => {
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // whole, clamped at zero
            let n = shown.max(0.0) as u64;
            push_count(out, n);
        }
        Unit::Decimal => push_decimal(out, shown),
        Unit::Rate => push_percent(out, shown),
        Unit::Multiple => {
            push_decimal(out, shown);
            out.push('x');
        }
        Unit::Seconds => push_duration(out, shown),
    }
}

/// Writes a metric's value with its name to `out`, as a list item reads it: `142 conversions`,
/// `spend $1,850.40`, `CTR 8.13%`.
pub fn push_quantity(out: &mut String, metric: Metric, value: f64, currency: Option<Currency>) {
    match metric.unit() {
        Unit::Count | Unit::Decimal => {
            push_figure(out, metric, value, currency);
            out.push(' ');
            out.push_str(metric.label());
        }
        _ => {
            out.push_str(metric.label());
            out.push(' ');
            push_figure(out, metric, value, currency);
        }
    }
}

/// The percent change from `previous` to `current` as tool results give it: of the values in the
/// result unit, to one decimal; `None` when `previous` is zero.
pub fn change_pct(metric: Metric, current: f64, previous: f64) -> Option<f64> {
    let (_, pct) = change(metric.in_result_unit(current), metric.in_result_unit(previous));
    pct.map(|p| round(p, 1))
}

/// A percent change in words, as a result gives it: `up 12.4%`, `down 3%`, `unchanged`.
pub fn direction(pct: f64) -> String {
    if pct > 0.0 {
        format!("up {}", percent(pct))
    } else if pct < 0.0 {
        format!("down {}", percent(-pct))
    } else {
        "unchanged".to_owned()
    }
}

/// The difference between two figures as results show them, in words and in the metric's unit:
/// `up $6.14`, `down 0.11 points` (rates), `up 120 clicks`, `down 0.4x`, `unchanged`. A difference
/// of two stated figures is what the grounding check can always verify, where a worked-out percent
/// change across long lists could match other pairs by chance.
pub fn difference(metric: Metric, current: f64, previous: f64, currency: Option<Currency>) -> String {
    let diff = round(metric_number(metric, current) - metric_number(metric, previous), result_decimals(metric));
    let direction = if diff > 0.0 {
        "up "
    } else if diff < 0.0 {
        "down "
    } else {
        return "unchanged".to_owned();
    };
    let mut out = String::from(direction);
    let size = diff.abs();
    match metric.unit() {
        Unit::Money => match currency {
            Some(c) => push_money(&mut out, size, c),
            None => push_amount(&mut out, size),
        },
        Unit::Rate => {
            push_decimal(&mut out, size);
            out.push_str(" points");
        }
        Unit::Multiple => {
            push_decimal(&mut out, size);
            out.push('x');
        }
        Unit::Seconds => push_duration(&mut out, size),
        Unit::Count | Unit::Decimal => {
            push_decimal(&mut out, size);
            out.push(' ');
            out.push_str(metric.label());
        }
    }
    out
}

/// The signed difference between two figures as results show them, in the metric's result unit.
pub fn shown_difference(metric: Metric, current: f64, previous: f64) -> f64 {
    round(metric_number(metric, current) - metric_number(metric, previous), result_decimals(metric))
}

/// A calendar day: `31 Oct 2026`.
pub fn day(date: NaiveDate) -> String {
    let mut out = String::new();
    push_day(&mut out, date);
    out
}

/// Writes [`day`] to `out`.
pub fn push_day(out: &mut String, date: NaiveDate) {
    push_day_month(out, date);
    if (0..10_000).contains(&date.year()) {
        let _ = write!(out, " {:04}", date.year());
    } else {
        // As chrono writes a year of more than four digits or before year 0.
        let _ = write!(out, " {}", date.format("%Y"));
    }
}

/// Writes a day and its month to `out`: `31 Oct`.
fn push_day_month(out: &mut String, date: NaiveDate) {
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let _ = write!(out, "{} {}", date.day(), MONTHS[date.month0() as usize]);
}

/// The calendar day of an instant, in UTC: `31 Oct 2026`.
pub fn date(at: DateTime<Utc>) -> String {
    day(at.date_naive())
}

/// A range of days as calendars write it: `30 Nov 2026`, `1–30 Nov 2026`, `24 Oct – 2 Nov 2026`,
/// `15 Dec 2025 – 14 Jan 2026`.
pub fn range(range: DateRange) -> String {
    let mut out = String::new();
    push_range(&mut out, range);
    out
}

/// Writes [`range`] to `out`.
pub fn push_range(out: &mut String, range: DateRange) {
    let (start, end) = (range.start(), range.end());
    if start == end {
        push_day(out, start);
        return;
    }
    if start.year() == end.year() && start.month() == end.month() {
        let _ = write!(out, "{}–", start.day());
    } else if start.year() == end.year() {
        push_day_month(out, start);
        out.push_str(" – ");
    } else {
        push_day(out, start);
        out.push_str(" – ");
    }
    push_day(out, end);
}

/// Joins items as people list them: `a`, `a and b`, `a, b and c`.
pub fn list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// Joins alternatives: `a`, `a or b`, `a, b or c`.
pub fn or_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

/// The text with its first letter in upper case.
pub fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map(|first| first.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

/// Puts a comma between each group of three digits of the integer part of the number `out` holds
/// from `start` (as `format!` writes numbers, so in ASCII), keeping its sign and decimals.
fn separate(out: &mut String, start: usize) {
    let integer = start + usize::from(out[start..].starts_with('-'));
    let digits = out[integer..].find('.').unwrap_or(out.len() - integer);
    // From the right, so that the places still to fill do not move.
    for at in (1..digits).rev().filter(|at| (digits - at) % 3 == 0) {
        out.insert(integer + at, ',');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    /// What `write` writes to an empty string.
    fn written(write: impl FnOnce(&mut String)) -> String {
        let mut out = String::new();
        write(&mut out);
        out
    }

    fn amount(value: f64) -> String {
        written(|out| push_amount(out, value))
    }

    fn money(value: f64, currency: Currency) -> String {
        written(|out| push_money(out, value, currency))
    }

    fn decimal(value: f64) -> String {
        written(|out| push_decimal(out, value))
    }

    fn duration(seconds: f64) -> String {
        written(|out| push_duration(out, seconds))
    }

    fn quantity(metric: Metric, value: f64, currency: Option<Currency>) -> String {
        written(|out| push_quantity(out, metric, value, currency))
    }

    #[test]
    fn numbers_are_formatted_for_people() {
        let chf = Currency::parse("CHF").unwrap();
        let cases: Vec<(String, &str)> = vec![
            (count(0), "0"),
            (count(999), "999"),
            (count(1_000), "1,000"),
            (count(1_204_880), "1,204,880"),
            (amount(1_850.4), "1,850.40"),
            (amount(0.004), "0.00"),
            (amount(999.999), "1,000.00"),
            (money(1_234.56, Currency::USD), "$1,234.56"),
            (money(-12.3, Currency::EUR), "-€12.30"),
            (money(-0.001, Currency::USD), "$0.00"),
            (money(1_234.56, chf), "1,234.56 CHF"),
            (decimal(88.5), "88.5"),
            (decimal(142.0), "142"),
            (decimal(1_234.567), "1,234.57"),
            (decimal(-0.001), "0"),
            (percent(38.5), "38.5%"),
            (duration(185.0), "3m 5s"),
            (duration(131.3), "2m 11s"),
            (duration(42.4), "42s"),
            (duration(-3.0), "0s"),
            (duration(3_725.0), "62m 5s"),
            (decimal(-1_234.5), "-1,234.5"),
            (amount(1e6), "1,000,000.00"),
            (amount(f64::INFINITY), "inf"),
            (money(-1_234.5, chf), "-1,234.50 CHF"),
            (count(12_345_678), "12,345,678"),
        ];
        for (got, want) in cases {
            assert_eq!(got, want);
        }
    }

    #[test]
    fn figures_are_rounded_as_tool_results_round_them() {
        let cases: Vec<(Metric, f64, Option<Currency>, &str)> = vec![
            (Metric::Spend, 1_234.567, Some(Currency::USD), "$1,234.57"),
            (Metric::Spend, 1_234.567, None, "1,234.57"),
            (Metric::Ctr, 0.027_192, None, "2.72%"),
            (Metric::BounceRate, 0.45, None, "45%"),
            (Metric::Roas, 3.488_864, None, "3.49x"),
            (Metric::Conversions, 172.84, None, "172.84"),
            (Metric::Clicks, 7_395.0, None, "7,395"),
            (Metric::AvgSessionDuration, 131.277, None, "2m 11s"),
        ];
        for (metric, value, currency, want) in cases {
            assert_eq!(figure(metric, value, currency), want, "{metric}");
        }
        assert_eq!(quantity(Metric::Conversions, 142.0, None), "142 conversions");
        assert_eq!(quantity(Metric::Spend, 5.0, Some(Currency::GBP)), "spend £5.00");
    }

    #[test]
    fn changes_are_percentages_of_the_previous_value_to_one_decimal() {
        assert_eq!(change_pct(Metric::Spend, 12_345.67, 10_987.65), Some(12.4));
        assert_eq!(change_pct(Metric::Ctr, 0.03, 0.025), Some(20.0));
        assert_eq!(change_pct(Metric::Spend, 5.0, 0.0), None);
        assert_eq!(direction(12.4), "up 12.4%");
        assert_eq!(direction(-3.0), "down 3%");
        assert_eq!(direction(0.0), "unchanged");
        assert_eq!(difference(Metric::Cpa, 51.061, 44.924, Some(Currency::USD)), "up $6.14");
        assert_eq!(difference(Metric::Ctr, 0.0295, 0.0306, None), "down 0.11 points");
        assert_eq!(difference(Metric::Clicks, 500.0, 380.0, None), "up 120 clicks");
        assert_eq!(difference(Metric::Roas, 2.0, 2.4, None), "down 0.4x");
        assert!(shown_difference(Metric::Spend, 10.004, 10.0).abs() < f64::EPSILON);
    }

    #[test]
    fn ranges_read_as_calendars_write_them() {
        let r = |a: &str, b: &str| DateRange::new(d(a), d(b)).unwrap();
        let cases = [
            (r("2026-11-30", "2026-11-30"), "30 Nov 2026"),
            (r("2026-11-01", "2026-11-30"), "1–30 Nov 2026"),
            (r("2026-10-24", "2026-11-02"), "24 Oct – 2 Nov 2026"),
            (r("2025-12-15", "2026-01-14"), "15 Dec 2025 – 14 Jan 2026"),
        ];
        for (range_, want) in cases {
            assert_eq!(range(range_), want);
        }
        assert_eq!(date("2026-10-31T23:15:00Z".parse().unwrap()), "31 Oct 2026");
        for day_ in ["0999-01-05", "2026-02-28", "2026-09-09"] {
            assert_eq!(day(d(day_)), d(day_).format("%-d %b %Y").to_string(), "as chrono writes it");
        }
    }

    #[test]
    fn lists_read_like_sentences() {
        let s = |v: &[&str]| v.iter().map(|x| (*x).to_owned()).collect::<Vec<_>>();
        assert_eq!(list(&s(&[])), "");
        assert_eq!(list(&s(&["a"])), "a");
        assert_eq!(list(&s(&["a", "b"])), "a and b");
        assert_eq!(list(&s(&["a", "b", "c"])), "a, b and c");
        assert_eq!(or_list(&s(&["a", "b", "c"])), "a, b or c");
        assert_eq!(capitalise("cost per conversion"), "Cost per conversion");
    }
}
