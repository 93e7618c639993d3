//! Metric arithmetic: a range's totals are the sums of its days, in any split and any order; every
//! ratio is derived from those sums (never averaged), over the rows that report what it needs.

use chrono::{Days, NaiveDate};
use domain::daily::{AdDay, CampaignDay, CampaignStatus, Currency, DailyRecord, DayFigures, SiteDay, snapshot_of};
use domain::ids::ClientId;
use domain::metrics::{AdTotals, Metric, SiteTotals, Unit, change};
use domain::platform::{Platform, PlatformData};
use proptest::prelude::*;

use crate::support::{close, close_opt};

/// One campaign-day with plausible figures: money to the cent, conversions to a quarter.
fn campaign_day() -> impl Strategy<Value = CampaignDay> {
    (
        0_u8..4,
        0_u32..1_000_000,
        0_u64..200_000,
        0_u64..5_000,
        prop::option::of(0_u32..400),
        prop::option::of(0_u32..5_000_000),
        prop::option::of(0_u64..300),
    )
        .prop_map(|(id, cents, impressions, clicks, quarters, value_cents, leads)| CampaignDay {
            campaign_id: format!("c{id}"),
            name: format!("Campaign {id}"),
            status: CampaignStatus::Active,
            spend: f64::from(cents) / 100.0,
            impressions,
            clicks,
            conversions: quarters.map(|q| f64::from(q) / 4.0),
            conversion_value: value_cents.map(|c| f64::from(c) / 100.0),
            leads,
        })
}

fn rows() -> impl Strategy<Value = Vec<CampaignDay>> {
    prop::collection::vec(campaign_day(), 0..30)
}

fn site_day() -> impl Strategy<Value = SiteDay> {
    (0_u64..10_000, 0_u64..10_000, 0_u64..10_000, 0_u64..50_000, 0_u64..10_000, 0_u64..10_000, 0_u32..1_000_000)
        .prop_map(|(sessions, users, new_users, pageviews, engaged, bounces, secs)| SiteDay {
            sessions,
            users,
            new_users,
            pageviews,
            engaged_sessions: engaged,
            bounces,
            session_duration_secs: f64::from(secs),
            ..SiteDay::default()
        })
}

fn same_totals(a: &AdTotals, b: &AdTotals) -> bool {
    Metric::AD.iter().all(|&m| close_opt(a.value(m), b.value(m)))
}

#[allow(clippy::cast_precision_loss)] // test counts stay far below 2^52
fn f(n: u64) -> f64 {
    n as f64
}

fn ratio(num: f64, den: f64) -> Option<f64> {
    (den > 0.0).then(|| num / den)
}

fn ads_record(date: NaiveDate, currency: Currency, campaigns: Vec<CampaignDay>) -> DailyRecord {
    DailyRecord::new(
        ClientId::from_bytes([3; 12]),
        Platform::GoogleAds,
        date,
        DayFigures::Ads(AdDay { currency, campaigns }),
    )
    .unwrap()
}

proptest! {
    #[test]
    fn ad_totals_of_a_split_range_add_up(rows in rows(), cut in any::<prop::sample::Index>()) {
        let k = cut.index(rows.len() + 1);
        let (a, b) = rows.split_at(k);
        let whole = AdTotals::sum(&rows);
        let mut parts = AdTotals::sum(a);
        parts.add(&AdTotals::sum(b));
        prop_assert!(same_totals(&whole, &parts), "{:?} vs {:?}", whole, parts);
        prop_assert_eq!(whole.impressions, parts.impressions);
        prop_assert_eq!(whole.clicks, parts.clicks);
        prop_assert_eq!(whole.leads, parts.leads);
    }

    #[test]
    fn ad_totals_do_not_depend_on_the_order_of_days(
        (rows, shuffled) in rows().prop_flat_map(|rows| (Just(rows.clone()), Just(rows).prop_shuffle())),
    ) {
        prop_assert!(same_totals(&AdTotals::sum(&rows), &AdTotals::sum(&shuffled)));
    }

    #[test]
    fn ad_totals_are_the_sums_of_the_rows(rows in rows()) {
        let t = AdTotals::sum(&rows);
        let spend: f64 = rows.iter().map(|r| r.spend).sum();
        prop_assert!(close(t.spend, spend));
        prop_assert_eq!(t.impressions, rows.iter().map(|r| r.impressions).sum::<u64>());
        prop_assert_eq!(t.clicks, rows.iter().map(|r| r.clicks).sum::<u64>());
        let reported = |pick: fn(&CampaignDay) -> Option<f64>| {
            let values: Vec<f64> = rows.iter().filter_map(pick).collect();
            (!values.is_empty()).then(|| values.iter().sum::<f64>())
        };
        prop_assert!(close_opt(t.conversions, reported(|r| r.conversions)));
        prop_assert!(close_opt(t.conversion_value, reported(|r| r.conversion_value)));
        let leads: Vec<u64> = rows.iter().filter_map(|r| r.leads).collect();
        prop_assert_eq!(t.leads, (!leads.is_empty()).then(|| leads.iter().sum::<u64>()));
        prop_assert_eq!(t.value(Metric::Spend), Some(t.spend));
        prop_assert_eq!(t.value(Metric::Clicks), Some(f(t.clicks)));
        prop_assert_eq!(t.value(Metric::Conversions), t.conversions);
    }

    #[test]
    fn ad_ratios_are_derived_from_the_sums_over_the_rows_that_report_them(rows in rows()) {
        let t = AdTotals::sum(&rows);
        let spend: f64 = rows.iter().map(|r| r.spend).sum();
        let clicks = f(t.clicks);
        let impressions = f(t.impressions);
        prop_assert!(close_opt(t.value(Metric::Ctr), ratio(clicks, impressions)));
        prop_assert!(close_opt(t.value(Metric::Cpc), ratio(spend, clicks)));
        prop_assert!(close_opt(t.value(Metric::Cpm), ratio(spend * 1000.0, impressions)));

        let converting: Vec<&CampaignDay> = rows.iter().filter(|r| r.conversions.is_some()).collect();
        let conversions: f64 = converting.iter().filter_map(|r| r.conversions).sum();
        let converting_spend: f64 = converting.iter().map(|r| r.spend).sum();
        let converting_clicks = f(converting.iter().map(|r| r.clicks).sum());
        let cpa = if converting.is_empty() { None } else { ratio(converting_spend, conversions) };
        let rate = if converting.is_empty() { None } else { ratio(conversions, converting_clicks) };
        prop_assert!(close_opt(t.value(Metric::Cpa), cpa), "CPA {:?} vs {:?}", t.value(Metric::Cpa), cpa);
        prop_assert!(close_opt(t.value(Metric::ConversionRate), rate));

        let valued: Vec<&CampaignDay> = rows.iter().filter(|r| r.conversion_value.is_some()).collect();
        let value: f64 = valued.iter().filter_map(|r| r.conversion_value).sum();
        let valued_spend: f64 = valued.iter().map(|r| r.spend).sum();
        let roas = if valued.is_empty() { None } else { ratio(value, valued_spend) };
        prop_assert!(close_opt(t.value(Metric::Roas), roas));

        let leading: Vec<&CampaignDay> = rows.iter().filter(|r| r.leads.is_some()).collect();
        let leads = f(leading.iter().filter_map(|r| r.leads).sum());
        let lead_spend: f64 = leading.iter().map(|r| r.spend).sum();
        let cpl = if leading.is_empty() { None } else { ratio(lead_spend, leads) };
        prop_assert!(close_opt(t.value(Metric::Cpl), cpl));

        for m in Metric::SITE {
            prop_assert_eq!(t.value(m), None, "{}", m);
        }
    }

    #[test]
    fn a_rate_of_a_range_lies_between_its_days_extremes(rows in rows()) {
        // A ratio of sums is a weighted mean of the rows' ratios, so it never leaves their span.
        let t = AdTotals::sum(&rows);
        let ctrs: Vec<f64> = rows.iter().filter_map(|r| AdTotals::of(r).value(Metric::Ctr)).collect();
        if let Some(ctr) = t.value(Metric::Ctr) {
            let lo = ctrs.iter().copied().fold(f64::INFINITY, f64::min);
            let hi = ctrs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            prop_assert!(ctr >= lo - 1e-12 && ctr <= hi + 1e-12, "{} outside {}..{}", ctr, lo, hi);
        }
    }

    #[test]
    fn site_totals_of_a_split_range_add_up(days in prop::collection::vec(site_day(), 0..30), cut in any::<prop::sample::Index>()) {
        let k = cut.index(days.len() + 1);
        let whole = SiteTotals::sum(&days);
        let mut parts = SiteTotals::sum(&days[..k]);
        for day in &days[k..] {
            parts.add(day);
        }
        for m in Metric::SITE {
            prop_assert!(close_opt(whole.value(m), parts.value(m)), "{}", m);
        }
        prop_assert_eq!(whole.sessions, days.iter().map(|d| d.sessions).sum::<u64>());
        prop_assert_eq!(whole.users, days.iter().map(|d| d.users).sum::<u64>());
        let sessions = f(whole.sessions);
        let per_session = |n: f64| ratio(n, sessions);
        prop_assert!(close_opt(whole.value(Metric::BounceRate), per_session(f(whole.bounces))));
        prop_assert!(close_opt(whole.value(Metric::EngagementRate), per_session(f(whole.engaged_sessions))));
        prop_assert!(close_opt(whole.value(Metric::PagesPerSession), per_session(f(whole.pageviews))));
        let duration: f64 = days.iter().map(|d| d.session_duration_secs).sum();
        prop_assert!(close_opt(whole.value(Metric::AvgSessionDuration), per_session(duration)));
        for m in Metric::AD {
            prop_assert_eq!(whole.value(m), None, "{}", m);
        }
    }

    #[test]
    fn a_change_is_the_difference_and_its_percentage(current in -1e9_f64..1e9, previous in -1e9_f64..1e9, zero in any::<bool>()) {
        let previous = if zero { 0.0 } else { previous };
        let (diff, pct) = change(current, previous);
        prop_assert!(close(previous + diff, current));
        match pct {
            None => prop_assert!(previous == 0.0),
            Some(p) => {
                prop_assert!(previous != 0.0);
                prop_assert!(close(p, diff / previous.abs() * 100.0));
                // A rise reads as a positive change, whatever the sign of the previous value.
                prop_assert!(p.signum() == diff.signum() || diff == 0.0);
            }
        }
    }

    #[test]
    fn metric_values_convert_to_result_units_by_their_unit(value in -1e6_f64..1e6) {
        for m in Metric::ALL {
            let converted = m.in_result_unit(value);
            if m.unit() == Unit::Rate {
                prop_assert!(close(converted, value * 100.0));
                prop_assert!(m.result_key().ends_with("Pct"), "{}", m);
            } else {
                prop_assert!(converted.to_bits() == value.to_bits(), "{} changed to {}", value, converted);
            }
            prop_assert_eq!(m.is_ad_metric(), Metric::AD.contains(&m));
            prop_assert_ne!(Metric::AD.contains(&m), Metric::SITE.contains(&m));
        }
    }

    #[test]
    fn a_google_ads_snapshot_sums_each_campaign_over_its_days(
        days in prop::collection::vec(prop::collection::vec(campaign_day(), 0..5), 1..10),
        start in 0_u64..20_000,
    ) {
        let first = NaiveDate::from_ymd_opt(1990, 1, 1).unwrap() + Days::new(start);
        // One campaign-day per campaign and day, as a platform reports them.
        let days: Vec<Vec<CampaignDay>> = days
            .into_iter()
            .map(|mut rows| {
                rows.sort_by(|a, b| a.campaign_id.cmp(&b.campaign_id));
                rows.dedup_by(|a, b| a.campaign_id == b.campaign_id);
                rows
            })
            .collect();
        let records: Vec<DailyRecord> = days
            .iter()
            .zip(0_u64..)
            .map(|(rows, i)| ads_record(first + Days::new(i), Currency::USD, rows.clone()))
            .collect();
        let PlatformData::GoogleAds(campaigns) = snapshot_of(Platform::GoogleAds, &records, None) else {
            panic!("a Google Ads snapshot");
        };
        let all: Vec<&CampaignDay> = days.iter().flatten().collect();
        let mut ids: Vec<&str> = all.iter().map(|c| c.campaign_id.as_str()).collect();
        ids.sort_unstable();
        ids.dedup();
        prop_assert_eq!(campaigns.len(), ids.len());
        prop_assert_eq!(campaigns.iter().map(|c| c.clicks).sum::<u64>(), all.iter().map(|c| c.clicks).sum::<u64>());
        prop_assert_eq!(
            campaigns.iter().map(|c| c.impressions).sum::<u64>(),
            all.iter().map(|c| c.impressions).sum::<u64>()
        );
        for pair in campaigns.windows(2) {
            prop_assert!(pair[0].spend >= pair[1].spend, "sorted by spend");
        }
        for c in &campaigns {
            let id = c.name.trim_start_matches("Campaign ");
            let mine: Vec<&&CampaignDay> = all.iter().filter(|r| r.campaign_id == format!("c{id}")).collect();
            let spend: f64 = mine.iter().map(|r| r.spend).sum();
            prop_assert!((c.spend - spend).abs() <= 0.005 + 1e-9 * spend, "{} vs {}", c.spend, spend);
            let ctr = ratio(f(c.clicks), f(c.impressions)).unwrap_or(0.0);
            prop_assert!((c.ctr - ctr).abs() <= 0.00005 + 1e-12, "CTR {} vs {}", c.ctr, ctr);
        }
        // The records' order does not change the snapshot.
        let mut reversed = records.clone();
        reversed.reverse();
        prop_assert_eq!(snapshot_of(Platform::GoogleAds, &reversed, None), snapshot_of(Platform::GoogleAds, &records, None));
    }
}
