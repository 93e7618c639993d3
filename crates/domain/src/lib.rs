//! The chatbot's pure core.
//!
//! Entities and value objects ([`client`], [`conversation`], [`platform`], [`user`]), the rules that
//! guard them, the use cases in [`services`] and the [`ports`] through which those use cases reach
//! storage, the chat model, platforms, the clock and the token cipher. Nothing here does I/O or
//! knows about HTTP, MongoDB, JSON or any platform's API: adapters implement the ports.
//!
//! Other agency tools can use it without the API, for the same figures the analyst gives:
//!
//! - [`daily`]: the stored shape of the figures, one [`daily::DailyRecord`] per client, platform
//!   and day, holding an ad account's campaigns ([`daily::AdDay`], [`daily::CampaignDay`], in one
//!   [`daily::Currency`]) or a site's day ([`daily::SiteDay`]); [`daily::missing_days`] tells which
//!   days of a range have no record.
//! - [`dates`]: [`dates::DateRange`] (inclusive, at most [`dates::MAX_RANGE_DAYS`]), the presets
//!   ("last 30 days", "last month") resolved from a client's today, and [`dates::ClientTimeZone`].
//! - [`metrics`]: the arithmetic every tool uses. Totals are sums of days ([`metrics::AdTotals`],
//!   [`metrics::SiteTotals`]) and every [`metrics::Metric`] ratio (CTR, CPC, CPA, ROAS, bounce rate)
//!   is derived from those sums, never averaged.
//! - [`tools`]: the analyst's tools ([`tools::AnalystTools`]) over the [`ports`]; its
//!   `blended_totals` tool sums every ad platform per currency, as below, and never adds money
//!   across currencies.
//! - [`services`]: the use cases (clients, conversations, chat, sync, retention) over the ports.
//!
//! # Example: a client's blended totals for a range
//!
//! Daily rows of two ad platforms in dollars and one in euros; the totals of 1–2 October, per
//! currency, with each ratio derived from the summed figures:
//!
//! ```
//! use std::collections::BTreeMap;
//!
//! use chrono::NaiveDate;
//! use domain::daily::{AdDay, CampaignDay, CampaignStatus, Currency, DailyRecord, DayFigures, missing_days};
//! use domain::dates::DateRange;
//! use domain::ids::ClientId;
//! use domain::metrics::{AdTotals, Metric};
//! use domain::platform::Platform;
//!
//! let client = ClientId::parse("64b0000000000000000000c1")?;
//! let day = |s: &str| s.parse::<NaiveDate>().unwrap();
//! let campaign = |id: &str, spend: f64, impressions: u64, clicks: u64, conversions: Option<f64>| CampaignDay {
//!     campaign_id: id.to_owned(),
//!     name: format!("Campaign {id}"),
//!     status: CampaignStatus::Active,
//!     spend,
//!     impressions,
//!     clicks,
//!     conversions,
//!     conversion_value: conversions.map(|c| c * 40.0),
//!     leads: None,
//! };
//! let ads = |currency, campaigns| DayFigures::Ads(AdDay { currency, campaigns });
//! let records = vec![
//!     DailyRecord::new(client, Platform::GoogleAds, day("2026-10-01"),
//!         ads(Currency::USD, vec![campaign("g1", 120.0, 4_000, 200, Some(10.0))]))?,
//!     DailyRecord::new(client, Platform::GoogleAds, day("2026-10-02"),
//!         ads(Currency::USD, vec![campaign("g1", 80.0, 3_000, 100, Some(5.0))]))?,
//!     // Meta reports no conversions here: its spend does not dilute the cost per conversion.
//!     DailyRecord::new(client, Platform::MetaAds, day("2026-10-01"),
//!         ads(Currency::USD, vec![campaign("m1", 50.0, 10_000, 100, None)]))?,
//!     DailyRecord::new(client, Platform::LinkedinAds, day("2026-10-02"),
//!         ads(Currency::EUR, vec![campaign("l1", 300.0, 6_000, 30, Some(3.0))]))?,
//!     // Outside the range.
//!     DailyRecord::new(client, Platform::GoogleAds, day("2026-10-03"),
//!         ads(Currency::USD, vec![campaign("g1", 999.0, 1, 1, None)]))?,
//! ];
//!
//! let range = DateRange::new(day("2026-10-01"), day("2026-10-02"))?;
//! let in_range: Vec<&DailyRecord> = records.iter().filter(|r| range.contains(r.date)).collect();
//! let mut by_currency: BTreeMap<Currency, AdTotals> = BTreeMap::new();
//! for record in &in_range {
//!     if let DayFigures::Ads(ad_day) = &record.figures {
//!         by_currency.entry(ad_day.currency).or_default().add(&AdTotals::sum(&ad_day.campaigns));
//!     }
//! }
//!
//! for (currency, totals) in &by_currency {
//!     let ctr = totals.value(Metric::Ctr).unwrap_or_default() * 100.0;
//!     println!("{currency}: spend {:.2}, CTR {ctr:.2}%, CPA {:?}", totals.spend, totals.value(Metric::Cpa));
//! }
//! let usd = by_currency[&Currency::USD];
//! assert_eq!((usd.spend, usd.impressions, usd.clicks), (250.0, 17_000, 400));
//! assert_eq!(usd.value(Metric::Ctr), Some(400.0 / 17_000.0));
//! // CPA and ROAS count only the Google Ads rows, which report conversions: 200 / 15, 600 / 200.
//! assert_eq!(usd.value(Metric::Cpa), Some(200.0 / 15.0));
//! assert_eq!(usd.value(Metric::Roas), Some(3.0));
//! assert_eq!(by_currency[&Currency::EUR].spend, 300.0);
//!
//! // Every day of the range has a record; a longer range would name its gaps.
//! let owned: Vec<DailyRecord> = in_range.into_iter().cloned().collect();
//! assert!(missing_days(range, &owned).is_empty());
//! let week = DateRange::new(day("2026-10-01"), day("2026-10-07"))?;
//! assert_eq!(missing_days(week, &records), [DateRange::new(day("2026-10-04"), day("2026-10-07"))?]);
//! # Ok::<(), domain::validation::ValidationError>(())
//! ```

pub mod analyst;
pub mod cipher;
pub mod client;
pub mod conversation;
pub mod daily;
pub mod dates;
pub mod demo;
pub mod grounding;
pub mod ids;
pub mod metrics;
pub mod paging;
pub mod platform;
pub mod ports;
pub mod services;
pub mod tools;
pub mod user;
pub mod validation;
pub mod value;
