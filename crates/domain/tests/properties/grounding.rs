//! The grounding check: an answer that quotes the tool results' figures, exactly or rounded within
//! what it writes, is grounded; a figure no result supports is flagged, as written, once, in order.

use std::fmt::Write as _;

use domain::grounding::{check, figures};
use domain::value::Value;
use proptest::prelude::*;

/// `value` written the English way: thousands grouped with commas, `decimals` decimals.
fn english(value: f64, decimals: usize) -> String {
    let text = format!("{value:.decimals$}");
    let (whole, fraction) = text.split_once('.').map_or((text.as_str(), None), |(w, f)| (w, Some(f)));
    let digits: Vec<char> = whole.chars().collect();
    let mut grouped = String::new();
    for (i, c) in digits.iter().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(*c);
    }
    match fraction {
        Some(f) => format!("{grouped}.{f}"),
        None => grouped,
    }
}

/// An amount to the cent, from 1.00 to 999,999.99.
fn amount() -> impl Strategy<Value = f64> {
    (100_u32..100_000_000).prop_map(|c| f64::from(c) / 100.0)
}

/// A rate in percent, to two decimals, from 1.00 to 40.00.
fn rate() -> impl Strategy<Value = f64> {
    (100_u32..=4_000).prop_map(|c| f64::from(c) / 100.0)
}

fn one_object(pairs: &[(&str, f64)]) -> Vec<Value> {
    vec![pairs.iter().fold(Value::object(), |v, &(k, n)| v.with(k, n))]
}

fn rows(key: &str, values: &[f64]) -> Vec<Value> {
    let items: Vec<Value> = values.iter().map(|&n| Value::object().with(key, n)).collect();
    vec![Value::object().with("rows", items)]
}

proptest! {
    #[test]
    fn an_answer_quoting_the_results_exactly_is_grounded(
        spend in amount(),
        clicks in 0_u32..10_000_000,
        ctr in rate(),
        roas_cents in 1_u32..2_000,
        secs_tenths in 10_u32..10_000,
    ) {
        let roas = f64::from(roas_cents) / 100.0;
        let secs = f64::from(secs_tenths) / 10.0;
        let results = one_object(&[
            ("spend", spend),
            ("clicks", f64::from(clicks)),
            ("ctrPct", ctr),
            ("roas", roas),
            ("avgSessionDurationSecs", secs),
        ]);
        let answer = format!(
            "Spend was ${}, with {} clicks at a CTR of {ctr:.2}% and a ROAS of {roas:.2}x; sessions lasted {secs:.1} seconds.",
            english(spend, 2),
            english(f64::from(clicks), 0),
        );
        let grounding = check(&answer, &results);
        prop_assert!(grounding.grounded, "{}: {:?}", answer, grounding.unsupported);
        prop_assert!(grounding.unsupported.is_empty());
    }

    #[test]
    fn an_answer_rounding_the_results_within_what_it_writes_is_grounded(
        spend in (10_000_u32..100_000_000).prop_map(|c| f64::from(c) / 100.0),
        clicks in 1_000_u32..10_000_000,
        ctr in rate(),
    ) {
        let results = one_object(&[("spend", spend), ("clicks", f64::from(clicks)), ("ctrPct", ctr)]);
        let answer = format!(
            "Spend was about ${}, or ${}, for {:.1}k clicks at {ctr:.1}% CTR.",
            english((spend / 100.0).round() * 100.0, 0),
            english(spend, 0),
            f64::from(clicks) / 1000.0,
        );
        let grounding = check(&answer, &results);
        prop_assert!(grounding.grounded, "{}: {:?}", answer, grounding.unsupported);
    }

    #[test]
    fn an_amount_that_differs_from_the_result_is_flagged(spend in amount(), off in 0.02_f64..0.2, up in any::<bool>()) {
        // Off by at least two cents and at most a fifth: far from anything one amount derives.
        let delta = (off * spend).max(0.02);
        let stated = if up { spend + delta } else { spend - delta };
        prop_assume!((stated - spend).abs() >= 0.015);
        let written = format!("${}", english(stated, 2));
        let answer = format!("Spend was {written} last month.");
        let grounding = check(&answer, &one_object(&[("spend", spend)]));
        prop_assert!(!grounding.grounded, "{} passed for spend {}", answer, spend);
        prop_assert_eq!(grounding.unsupported, vec![written]);
    }

    #[test]
    fn a_rate_that_differs_from_the_result_is_flagged(ctr in rate(), off in 0.1_f64..5.0, up in any::<bool>()) {
        let stated = if up { ctr + off } else { ctr - off };
        prop_assume!(stated > 0.5 && (stated - ctr).abs() > 0.06);
        let written = format!("{stated:.1}%");
        let grounding = check(&format!("The CTR was {written}."), &one_object(&[("ctrPct", ctr)]));
        prop_assert_eq!(grounding.unsupported, vec![written]);
        prop_assert!(!grounding.grounded);
    }

    #[test]
    fn at_least_allows_up_to_a_quarter_more_and_no_further(spend in amount(), k in 1.0_f64..2.0) {
        let bound = (spend / k * 100.0).floor() / 100.0;
        let answer = format!("Spend was more than ${}.", english(bound, 2));
        let grounded = check(&answer, &one_object(&[("spend", spend)])).grounded;
        if spend <= 1.24 * bound {
            prop_assert!(grounded, "{} for spend {}", answer, spend);
        } else if spend >= 1.26 * bound && spend < 1.9 * bound {
            prop_assert!(!grounded, "{} for spend {}", answer, spend);
        }
    }

    #[test]
    fn at_most_allows_down_to_a_fifth_less_and_no_further(spend in amount(), k in 1.0_f64..2.0) {
        let bound = (spend * k * 100.0).ceil() / 100.0;
        let answer = format!("Spend was under ${}.", english(bound, 2));
        let grounded = check(&answer, &one_object(&[("spend", spend)])).grounded;
        if spend >= 0.81 * bound {
            prop_assert!(grounded, "{} for spend {}", answer, spend);
        } else if spend <= 0.79 * bound && spend > 0.55 * bound {
            prop_assert!(!grounded, "{} for spend {}", answer, spend);
        }
    }

    #[test]
    fn unsupported_figures_are_listed_once_each_in_answer_order(
        spend in 1_u32..1_000,
        picks in prop::collection::vec(0_usize..4, 1..10),
    ) {
        // Amounts at least 10,000 times the only result: nothing derives them.
        let far = [10_000_u32, 20_000, 30_000, 40_000].map(|m| format!("${}", english(f64::from(spend * m) + 0.13, 2)));
        let answer = picks.iter().fold(String::new(), |mut text, &i| {
            let _ = write!(text, "We spent {} there. ", far[i]);
            text
        });
        let mut expected: Vec<String> = Vec::new();
        for &i in &picks {
            if !expected.contains(&far[i]) {
                expected.push(far[i].clone());
            }
        }
        let grounding = check(&answer, &one_object(&[("spend", f64::from(spend))]));
        prop_assert_eq!(grounding.unsupported, expected);
        prop_assert!(!grounding.grounded);
    }

    #[test]
    fn a_listed_columns_sum_and_a_change_between_two_rows_are_supported(a in amount(), b in amount()) {
        let results = rows("spend", &[a, b]);
        let change = (b - a).abs() / a * 100.0;
        // A fall of nearly 100% written to a tenth (a ratio between 0.0005 and 0.0015, say) is a
        // window too wide to be told from chance, so it is not tried.
        prop_assume!(b >= a || change < 97.5);
        let answer = format!(
            "Together they spent ${}; the second spent {change:.1}% {} than the first, ${} in all.",
            english(a + b, 2),
            if b >= a { "more" } else { "less" },
            english(a + b, 0),
        );
        let grounding = check(&answer, &results);
        prop_assert!(grounding.grounded, "{}: {:?}", answer, grounding.unsupported);
    }

    // A figure written as zero matches within its written precision like any other: an answer
    // that honestly rounds a tiny change ("rose 0.0%") is grounded.
    #[test]
    fn a_change_that_rounds_to_zero_as_written_is_supported(a in amount(), thousandths_of_a_percent in 0_u32..10) {
        let b = a * (1.0 + f64::from(thousandths_of_a_percent) / 100_000.0); // up to 0.009% more
        let change = (b - a).abs() / a * 100.0;
        prop_assume!(change < 0.04);
        let answer = "Spend barely moved: it rose 0.0% from the first campaign to the second.";
        let grounding = check(answer, &rows("spend", &[a, b]));
        prop_assert!(grounding.grounded, "{} for spend {} then {}: {:?}", answer, a, b, grounding.unsupported);
    }

    // A rise just under 100% between two rows is tried: its own window is narrow, even though the
    // fall of the same percentage (a ratio of 0.005 to 0.025) is too wide to try.
    #[test]
    fn a_rise_just_under_double_between_two_rows_is_supported(a in amount(), percent in 98_u32..=99, tenths in any::<bool>()) {
        // 98% or 99% written whole, or 99.8% or 99.9% written to a tenth.
        let rise = if tenths { f64::from(percent) + 0.8 } else { f64::from(percent) };
        let b = a * (1.0 + rise / 100.0);
        let written = if tenths { format!("{rise:.1}%") } else { format!("{percent}%") };
        let answer = format!("Spend rose {written} from the first campaign to the second.");
        let grounding = check(&answer, &rows("spend", &[a, b]));
        prop_assert!(grounding.grounded, "{} for spend {} then {}: {:?}", answer, a, b, grounding.unsupported);
    }

    #[test]
    fn years_and_dates_are_not_figures(year in 1990_i32..=2100, month in 1_u32..=12, d in 1_u32..=28) {
        let texts = [
            format!("In {year} spend rose."),
            format!("On {year}-{month:02}-{d:02} spend rose."),
            format!("From {month:02}/{d:02}/{year} on."),
        ];
        for text in texts {
            prop_assert!(figures(&text).is_empty(), "{}: {:?}", text, figures(&text));
            prop_assert!(check(&text, &[]).grounded);
        }
    }

    #[test]
    fn an_answer_without_results_is_grounded_only_without_figures(n in 1_u32..1_000_000) {
        let text = format!("Spend was ${}.", english(f64::from(n), 0));
        prop_assert!(!check(&text, &[]).grounded);
        prop_assert!(check("Spend rose a lot.", &[]).grounded);
    }
}
