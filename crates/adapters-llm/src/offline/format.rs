//! Numbers and dates formatted for people: thousands separators, money with its currency, rates as
//! percentages, days and ranges of days as calendars write them.
//!
//! Figures are rounded exactly as the tools' results round them ([`metric_number`]: money to
//! cents, rates as percentages to two decimals), so that every figure an answer states is one a
//! model reading the results would see.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use domain::daily::Currency;
use domain::dates::DateRange;
use domain::metrics::{Metric, Unit, change};
use domain::tools::{metric_number, result_decimals};

/// A count with thousands separators: `15234` → `15,234`.
pub fn count(n: u64) -> String {
    group(&n.to_string())
}

/// An amount with two decimals and thousands separators, without a currency: `1850.4` → `1,850.40`.
pub fn amount(value: f64) -> String {
    with_separators(&format!("{value:.2}"))
}

/// An amount of money in its currency: `$1,234.56` for currencies with a well-known symbol,
/// `1,234.56 CHF` otherwise; a negative amount is `-$12.30`.
pub fn money(value: f64, currency: Currency) -> String {
    let digits = amount(value.abs());
    let sign = if value < 0.0 && digits != "0.00" { "-" } else { "" };
    match currency.symbol() {
        Some(symbol) => format!("{sign}{symbol}{digits}"),
        None => format!("{sign}{digits} {}", currency.code()),
    }
}

/// A number with at most two decimals, trailing zeros dropped: `88.5` → `88.5`, `142.0` → `142`,
/// `1234.567` → `1,234.57`.
pub fn decimal(value: f64) -> String {
    let fixed = format!("{value:.2}");
    let trimmed = fixed.trim_end_matches('0').trim_end_matches('.');
    with_separators(if trimmed == "-0" { "0" } else { trimmed })
}

/// A percentage already out of 100: `38.5` → `38.5%`.
pub fn percent(value: f64) -> String {
    format!("{}%", decimal(value))
}

/// A duration in whole minutes and seconds: `185.0` → `3m 5s`, `42.4` → `42s`.
pub fn duration(seconds: f64) -> String {
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // rounded, clamped at zero
    let total = seconds.max(0.0).round() as u64;
    let (minutes, seconds) = (total / 60, total % 60);
    if minutes == 0 { format!("{seconds}s") } else { format!("{}m {seconds}s", count(minutes)) }
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
    let shown = metric_number(metric, value);
    match metric.unit() {
        Unit::Money => currency.map_or_else(|| amount(shown), |c| money(shown, c)),
        Unit::Count => {
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // whole, clamped at zero
            let n = shown.max(0.0) as u64;
            count(n)
        }
        Unit::Decimal => decimal(shown),
        Unit::Rate => percent(shown),
        Unit::Multiple => format!("{}x", decimal(shown)),
        Unit::Seconds => duration(shown),
    }
}

/// A metric's value with its name, as a list item reads it: `142 conversions`, `spend $1,850.40`,
/// `CTR 8.13%`.
pub fn quantity(metric: Metric, value: f64, currency: Option<Currency>) -> String {
    let shown = figure(metric, value, currency);
    match metric.unit() {
        Unit::Count | Unit::Decimal => format!("{shown} {}", metric.label()),
        _ => format!("{} {shown}", metric.label()),
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
    let size = diff.abs();
    let amount = match metric.unit() {
        Unit::Money => currency.map_or_else(|| amount(size), |c| money(size, c)),
        Unit::Rate => format!("{} points", decimal(size)),
        Unit::Multiple => format!("{}x", decimal(size)),
        Unit::Seconds => duration(size),
        Unit::Count | Unit::Decimal => format!("{} {}", decimal(size), metric.label()),
    };
    if diff > 0.0 {
        format!("up {amount}")
    } else if diff < 0.0 {
        format!("down {amount}")
    } else {
        "unchanged".to_owned()
    }
}

/// The signed difference between two figures as results show them, in the metric's result unit.
pub fn shown_difference(metric: Metric, current: f64, previous: f64) -> f64 {
    round(metric_number(metric, current) - metric_number(metric, previous), result_decimals(metric))
}

/// A calendar day: `31 Oct 2026`.
pub fn day(date: NaiveDate) -> String {
    date.format("%-d %b %Y").to_string()
}

/// The calendar day of an instant, in UTC: `31 Oct 2026`.
pub fn date(at: DateTime<Utc>) -> String {
    day(at.date_naive())
}

/// A range of days as calendars write it: `30 Nov 2026`, `1–30 Nov 2026`, `24 Oct – 2 Nov 2026`,
/// `15 Dec 2025 – 14 Jan 2026`.
pub fn range(range: DateRange) -> String {
    let (start, end) = (range.start(), range.end());
    if start == end {
        day(start)
    } else if start.year() == end.year() && start.month() == end.month() {
        format!("{}–{}", start.day(), day(end))
    } else if start.year() == end.year() {
        format!("{} – {}", start.format("%-d %b"), day(end))
    } else {
        format!("{} – {}", day(start), day(end))
    }
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

/// Adds separators to the integer part of a formatted number, keeping its sign and decimals.
fn with_separators(formatted: &str) -> String {
    let (sign, unsigned) = formatted.strip_prefix('-').map_or(("", formatted), |rest| ("-", rest));
    let (integer, fraction) = unsigned.split_once('.').map_or((unsigned, None), |(i, f)| (i, Some(f)));
    let mut out = format!("{sign}{}", group(integer));
    if let Some(fraction) = fraction {
        out.push('.');
        out.push_str(fraction);
    }
    out
}

/// Puts a comma between each group of three digits.
fn group(digits: &str) -> String {
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
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
