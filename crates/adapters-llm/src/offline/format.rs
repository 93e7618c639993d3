//! Numbers and dates formatted for people: thousands separators, two decimals for money, percentages
//! for rates.

use chrono::{DateTime, Utc};

/// A count with thousands separators: `15234` → `15,234`.
pub fn count(n: u64) -> String {
    group(&n.to_string())
}

/// An amount of money with two decimals and thousands separators: `1850.4` → `1,850.40`. No currency
/// symbol: each ad account reports in its own currency, which the figures do not name.
pub fn money(value: f64) -> String {
    with_separators(&format!("{value:.2}"))
}

/// A number with at most two decimals, trailing zeros dropped: `88.5` → `88.5`, `142.0` → `142`,
/// `1234.567` → `1,234.57`.
pub fn decimal(value: f64) -> String {
    let fixed = format!("{value:.2}");
    let trimmed = fixed.trim_end_matches('0').trim_end_matches('.');
    with_separators(if trimmed == "-0" { "0" } else { trimmed })
}

/// A fraction as a percentage: `0.45` → `45%`, `0.0272` → `2.72%`.
pub fn percent(fraction: f64) -> String {
    format!("{}%", decimal(fraction * 100.0))
}

/// A percentage that is already out of 100: `38.5` → `38.5%`.
pub fn percent_of_100(value: f64) -> String {
    format!("{}%", decimal(value))
}

/// A return multiple: `2.4` → `2.4x`.
pub fn multiple(value: f64) -> String {
    format!("{}x", decimal(value))
}

/// A duration in whole minutes and seconds: `185.0` → `3m 5s`, `42.4` → `42s`.
pub fn duration(seconds: f64) -> String {
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // rounded, clamped at zero
    let total = seconds.max(0.0).round() as u64;
    let (minutes, seconds) = (total / 60, total % 60);
    if minutes == 0 { format!("{seconds}s") } else { format!("{}m {seconds}s", count(minutes)) }
}

/// A calendar day: `31 Oct 2026`.
pub fn date(at: DateTime<Utc>) -> String {
    at.format("%-d %b %Y").to_string()
}

/// Joins items as people list them: `a`, `a and b`, `a, b and c`.
pub fn list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
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

    #[test]
    fn numbers_are_formatted_for_people() {
        let cases: Vec<(String, &str)> = vec![
            (count(0), "0"),
            (count(999), "999"),
            (count(1_000), "1,000"),
            (count(15_234), "15,234"),
            (count(1_204_880), "1,204,880"),
            (money(1_850.4), "1,850.40"),
            (money(15_841.8), "15,841.80"),
            (money(0.004), "0.00"),
            (money(999.999), "1,000.00"),
            (money(-1234.5), "-1,234.50"),
            (decimal(88.5), "88.5"),
            (decimal(142.0), "142"),
            (decimal(1_234.567), "1,234.57"),
            (decimal(-0.001), "0"),
            (percent(0.45), "45%"),
            (percent(0.027_192), "2.72%"),
            (percent(0.380_194_760_663_832_1), "38.02%"),
            (percent_of_100(38.5), "38.5%"),
            (multiple(2.4), "2.4x"),
            (multiple(3.088_123), "3.09x"),
            (duration(185.0), "3m 5s"),
            (duration(131.277), "2m 11s"),
            (duration(42.4), "42s"),
            (duration(-3.0), "0s"),
        ];
        for (got, want) in cases {
            assert_eq!(got, want);
        }
    }

    #[test]
    fn dates_are_calendar_days() {
        let at = "2026-10-31T23:15:00Z".parse::<DateTime<Utc>>().unwrap();
        assert_eq!(date(at), "31 Oct 2026");
    }

    #[test]
    fn lists_read_like_sentences() {
        let s = |v: &[&str]| v.iter().map(|x| (*x).to_owned()).collect::<Vec<_>>();
        assert_eq!(list(&s(&[])), "");
        assert_eq!(list(&s(&["a"])), "a");
        assert_eq!(list(&s(&["a", "b"])), "a and b");
        assert_eq!(list(&s(&["a", "b", "c"])), "a, b and c");
    }
}
