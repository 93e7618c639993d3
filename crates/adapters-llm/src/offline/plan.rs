//! The planner: which tool calls answer a [`Question`], for the client of an [`AnalystContext`].
//!
//! The rules, in order:
//! - Only connected platforms are asked for; a platform named but not connected (or not read by the
//!   tools at all, as `TikTok`) is said so plainly, and a question only about such platforms calls
//!   nothing.
//! - The period is the one named (the later one is current when two are named, "October vs
//!   September"), else the one a comparison implies ("month over month": last month), else the last
//!   30 days; a period that has not started or is too long to read is said so instead of called.
//! - Ad figures: campaign changes ("which campaign's CPA got worse?") list the campaigns of both
//!   periods; comparisons call `compare_periods`; trends `get_timeseries` per platform and metric;
//!   rankings and campaign lists `list_campaigns` (sorted by the superlative: best CPA is ascending
//!   CPA, most spend descending spend); anything else `blended_totals` when every connected ad
//!   platform is meant and there are several, or `get_platform_summary` per platform.
//! - Site figures: the same for Google Analytics, plus `get_site_breakdown` per breakdown asked.
//! - At most [`MAX_CALLS_PER_ROUND`] calls, numbered `call_1`, `call_2`, ... in order.

use chrono::{Datelike, Days, Months};
use domain::analyst::AnalystContext;
use domain::dates::{DateRange, Preset, PreviousSpec, RangeSpec};
use domain::metrics::Metric;
use domain::platform::Platform;
use domain::tools::{Granularity, MAX_CALLS_PER_ROUND, MAX_ROWS, SortOrder, ToolCall, ToolRequest};

use crate::offline::format;
use crate::offline::intent::{Movement, Question, Superlative};
use crate::offline::period::{Against, Period, Span, Unresolvable};

/// Rows of a ranking when the question gives no number.
const RANKING_ROWS: u32 = 5;

/// Rows of a campaign-by-campaign list when the question gives no number.
const LIST_ROWS: u32 = 10;

/// Rows of a GA4 breakdown.
const BREAKDOWN_ROWS: u32 = 10;

/// Most days a daily series covers (the tools refuse more).
const MAX_DAILY_DAYS: i64 = 92;

/// The ad metrics compared when the question names none but is only about ads.
const AD_COMPARISON: [Metric; 11] = [
    Metric::Spend,
    Metric::Impressions,
    Metric::Clicks,
    Metric::Ctr,
    Metric::Cpc,
    Metric::Conversions,
    Metric::Cpa,
    Metric::ConversionValue,
    Metric::Roas,
    Metric::Leads,
    Metric::Cpl,
];

/// How a call's result is to be read in the answer.
#[derive(Debug, Clone, PartialEq)]
pub enum Purpose {
    /// A summary's or blended total's figures: those asked for, or the main ones when empty.
    Totals {
        /// The metrics asked for.
        metrics: Vec<Metric>,
    },
    /// Campaigns ranked by the list's sort metric.
    Ranking {
        /// How the question ranked them.
        superlative: Superlative,
    },
    /// Campaigns one by one.
    Campaigns {
        /// The metrics asked for, or the main ones when empty.
        metrics: Vec<Metric>,
    },
    /// The current period's campaigns of a campaign change; the previous period's are the result
    /// of the call `previous`.
    CampaignChange {
        /// The metric whose change is asked about.
        metric: Metric,
        /// Which way it should have moved.
        movement: Movement,
        /// The id of the previous period's call.
        previous: String,
    },
    /// The previous period's campaigns of a campaign change.
    ChangeBaseline,
    /// Two periods compared.
    Comparison {
        /// The period the question named, when it had another number of days and the same number
        /// of days just before the current period was compared instead.
        instead_of: Option<DateRange>,
    },
    /// Figures over time.
    Trend,
    /// A GA4 breakdown.
    Breakdown,
}

/// A tool call the planner makes, and how its result is read.
#[derive(Debug, Clone, PartialEq)]
pub struct Planned {
    /// The call's id (`call_1`, ...).
    pub id: String,
    /// What is asked.
    pub request: ToolRequest,
    /// How the result is read.
    pub purpose: Purpose,
}

impl Planned {
    /// The call as a model writes it.
    pub fn call(&self) -> ToolCall {
        ToolCall::of(self.id.clone(), &self.request)
    }
}

/// What answering a question takes.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Plan {
    /// The calls, in order.
    pub calls: Vec<Planned>,
    /// Sentences the answer says whatever the results: platforms not connected, figures nobody
    /// reports, periods that cannot be looked up.
    pub notes: Vec<String>,
}

/// The calls that answer `question` for the client of `context`.
pub fn plan(question: &Question, context: &AnalystContext) -> Plan {
    let mut planner = Planner { q: question, context, plan: Plan::default(), requests: Vec::new(), instead_of: None };
    planner.run();
    let Planner { mut plan, requests, .. } = planner;
    plan.calls = requests
        .into_iter()
        .take(MAX_CALLS_PER_ROUND)
        .enumerate()
        .map(|(i, (request, purpose))| Planned { id: format!("call_{}", i + 1), request, purpose })
        .collect();
    // A campaign change names its baseline call by index until the ids are known.
    let ids: Vec<String> = plan.calls.iter().map(|c| c.id.clone()).collect();
    for call in &mut plan.calls {
        if let Purpose::CampaignChange { previous, .. } = &mut call.purpose {
            if let Some(id) = previous.parse::<usize>().ok().and_then(|i| ids.get(i)) {
                previous.clone_from(id);
            }
        }
    }
    plan
}

struct Planner<'a> {
    q: &'a Question,
    context: &'a AnalystContext,
    plan: Plan,
    requests: Vec<(ToolRequest, Purpose)>,
    /// The previous period the question named, when another one is compared instead.
    instead_of: Option<DateRange>,
}

/// The platforms and metrics a question is about, among those connected.
struct Subject {
    ad_platforms: Vec<Platform>,
    /// Whether the ad platforms were named (otherwise they are every connected one).
    ads_named: bool,
    ad_metrics: Vec<Metric>,
    site: bool,
    site_metrics: Vec<Metric>,
}

impl Planner<'_> {
    fn name(&self) -> &str {
        &self.context.client_name
    }

    fn note(&mut self, sentence: String) {
        if !self.plan.notes.contains(&sentence) {
            self.plan.notes.push(sentence);
        }
    }

    fn run(&mut self) {
        let q = self.q;
        self.platform_notes();
        if !q.unavailable.is_empty() {
            let names: Vec<String> = q.unavailable.iter().map(|n| (*n).to_owned()).collect();
            self.note(format!(
                "I don't have {} for {}: the connected platforms don't report {}.",
                format::or_list(&names),
                self.name(),
                if names.len() == 1 { "it" } else { "them" },
            ));
        }
        if q.revenue {
            self.note(
                "Revenue here is the conversion value the ad platforms attribute to ads (Meta reports it as \
                 purchase value), not the business's total revenue."
                    .to_owned(),
            );
        }
        let only_elsewhere = !q.other_platforms.is_empty() && q.platforms.is_empty();
        let none_connected = !q.platforms.is_empty() && !q.platforms.iter().any(|p| self.connected(*p));
        if !q.asks_for_figures() || only_elsewhere || none_connected {
            return;
        }
        let Some((current, against)) = self.periods() else { return };
        let subject = self.subject();
        self.ads(&subject, current, against);
        self.site(&subject, current, against);
    }

    fn connected(&self, platform: Platform) -> bool {
        self.context.platforms.contains(&platform)
    }

    fn platform_notes(&mut self) {
        let q = self.q;
        let missing: Vec<String> =
            q.platforms.iter().filter(|p| !self.connected(**p)).map(|p| p.display_name().to_owned()).collect();
        if !missing.is_empty() {
            let has: Vec<String> = self.context.platforms.iter().map(|p| p.display_name().to_owned()).collect();
            let verb = if missing.len() == 1 { "isn't" } else { "aren't" };
            let sentence = if has.is_empty() {
                format!("{} {verb} connected for {}, and no platform is.", format::list(&missing), self.name())
            } else {
                format!(
                    "{} {verb} connected for {}, so I can't look at {}; {} has {} connected.",
                    format::list(&missing),
                    self.name(),
                    if missing.len() == 1 { "its figures" } else { "their figures" },
                    self.name(),
                    format::list(&has),
                )
            };
            self.note(sentence);
        }
        if !q.other_platforms.is_empty() {
            let names: Vec<String> = q.other_platforms.iter().map(|n| (*n).to_owned()).collect();
            self.note(format!(
                "I can't see {} figures: I read only Google Analytics, Google Ads, Meta Ads and LinkedIn Ads.",
                format::or_list(&names)
            ));
        }
    }

    /// The current period, and what it is compared with when the question compares periods.
    fn periods(&mut self) -> Option<(RangeSpec, Option<PreviousSpec>)> {
        let q = self.q;
        let today = self.context.today;
        let mut against = q.against;
        let mut current_period = q.periods.first().copied();
        if let [a, b, ..] = q.periods.as_slice() {
            if against.is_none() {
                // The period that ends later is the current one: "October vs September".
                let end = |p: &Period| p.spec(today).ok().and_then(|s| s.resolve(today).ok()).map(|r| r.range.end());
                let (current, previous) = if end(b) > end(a) { (*b, *a) } else { (*a, *b) };
                current_period = Some(current);
                against = Some(Against::Period(previous));
            }
        }
        let comparing = against.is_some()
            || (q.movement.is_some() && !q.trend)
            || (q.compare && q.platforms.len() < 2 && current_period.is_some());
        let current = match current_period {
            Some(period) => period.spec(today),
            None if comparing => {
                Ok(RangeSpec::preset(against.map_or(Preset::Last30Days, |a| a.default_current(today))))
            }
            None if q.trend => Ok(trend_default(q.granularity, today)),
            None => Ok(RangeSpec::preset(Preset::Last30Days)),
        };
        let current = match current {
            Ok(current) => current,
            Err(why) => {
                self.unresolvable(why);
                return None;
            }
        };
        if !comparing {
            return Some((current, None));
        }
        let against = against.unwrap_or_else(|| natural_against(current_period));
        match against.previous(current, today) {
            Ok(previous) => {
                self.instead_of = previous.instead_of;
                Some((current, Some(previous.spec)))
            }
            Err(why) => {
                self.unresolvable(why);
                None
            }
        }
    }

    fn unresolvable(&mut self, why: Unresolvable) {
        self.note(match why {
            Unresolvable::Future => "That period hasn't started yet, so there are no figures for it.".to_owned(),
            // No number here: an answer without tool results has nothing to support one.
            Unresolvable::TooLong => "That period is longer than the tools read at once (a little over a year), so \
                                      I can't look it up in one go; ask about a shorter one."
                .to_owned(),
        });
    }

    fn subject(&mut self) -> Subject {
        let q = self.q;
        let named: Vec<Platform> =
            Platform::ALL.into_iter().filter(|p| q.platforms.contains(p) && self.connected(*p)).collect();
        let named_ads: Vec<Platform> = named.iter().copied().filter(|p| p.is_ad_platform()).collect();
        let ad_metrics: Vec<Metric> = q.metrics.iter().copied().filter(|m| m.is_ad_metric()).collect();
        let site_metrics: Vec<Metric> = q.metrics.iter().copied().filter(|m| !m.is_ad_metric()).collect();
        let mut wants_ads = !ad_metrics.is_empty()
            || !named_ads.is_empty()
            || q.ads_in_general
            || q.per_campaign
            || !q.rankings.is_empty();
        let mut wants_site =
            !site_metrics.is_empty() || named.contains(&Platform::GoogleAnalytics) || !q.breakdowns.is_empty();
        if !wants_ads && !wants_site {
            // "How are we doing?": everything; "total": the ads, which are what adds up.
            wants_ads = true;
            wants_site = !q.total || q.overview;
        }
        let connected_ads: Vec<Platform> =
            self.context.platforms.iter().copied().filter(|p| p.is_ad_platform()).collect();
        let ad_platforms = if named_ads.is_empty() { connected_ads } else { named_ads.clone() };
        let ga4 = self.connected(Platform::GoogleAnalytics);
        if wants_ads && ad_platforms.is_empty() && q.platforms.iter().all(|p| !p.is_ad_platform()) {
            let name = self.name().to_owned();
            self.note(format!("No ad platform is connected for {name}, so there are no ad figures to report."));
        }
        if wants_site && !ga4 && !q.platforms.contains(&Platform::GoogleAnalytics) {
            let name = self.name().to_owned();
            self.note(format!("Google Analytics isn't connected for {name}, so there are no website figures."));
        }
        Subject {
            ad_platforms: if wants_ads { ad_platforms } else { Vec::new() },
            ads_named: !named_ads.is_empty(),
            ad_metrics,
            site: wants_site && ga4,
            site_metrics,
        }
    }

    fn push(&mut self, request: ToolRequest, purpose: Purpose) {
        self.requests.push((request, purpose));
    }

    /// One entry per named ad platform, or one for all of them (`None`).
    fn ad_scopes(subject: &Subject) -> Vec<Option<Platform>> {
        if subject.ads_named { subject.ad_platforms.iter().copied().map(Some).collect() } else { vec![None] }
    }

    /// The calls for the ad part of the question: one kind of call, in this order of precedence.
    fn ads(&mut self, s: &Subject, current: RangeSpec, previous: Option<PreviousSpec>) {
        if s.ad_platforms.is_empty() {
            return;
        }
        let q = self.q;
        if let (Some(movement), true) = (q.movement, q.per_campaign) {
            self.campaign_change(s, movement, current, previous.unwrap_or(PreviousSpec::PreviousPeriod));
        } else if let Some(previous) = previous {
            self.ad_comparison(s, current, previous);
        } else if q.trend {
            self.ad_trend(s, current);
        } else if !q.rankings.is_empty() {
            self.rankings(s, current);
        } else if q.per_campaign {
            let sort_by = s.ad_metrics.first().copied().unwrap_or(Metric::Spend);
            let limit = q.limit.unwrap_or(LIST_ROWS).min(MAX_ROWS);
            for platform in Self::ad_scopes(s) {
                let order = SortOrder::Descending;
                self.push(
                    ToolRequest::ListCampaigns { platform, range: current, sort_by, order, limit },
                    Purpose::Campaigns { metrics: s.ad_metrics.clone() },
                );
            }
        } else {
            let totals = Purpose::Totals { metrics: s.ad_metrics.clone() };
            if !s.ads_named && s.ad_platforms.len() > 1 {
                self.push(ToolRequest::BlendedTotals { range: current }, totals);
            } else {
                for &platform in &s.ad_platforms {
                    self.push(ToolRequest::PlatformSummary { platform, range: current }, totals.clone());
                }
            }
        }
    }

    /// "Which campaign's CPA got worse?": every campaign of both periods, the earlier as explicit
    /// dates (a list takes one range).
    fn campaign_change(&mut self, s: &Subject, movement: Movement, current: RangeSpec, previous: PreviousSpec) {
        let measure = self.q.rankings.iter().find_map(|r| r.measure);
        let metric = s.ad_metrics.first().copied().or(measure).unwrap_or(Metric::Cpa);
        let Some(before) = self.explicit_previous(current, previous) else { return };
        for platform in Self::ad_scopes(s) {
            let list = |range| ToolRequest::ListCampaigns {
                platform,
                range,
                sort_by: metric,
                order: SortOrder::Descending,
                limit: MAX_ROWS,
            };
            let baseline = self.requests.len() + 1;
            self.push(list(current), Purpose::CampaignChange { metric, movement, previous: baseline.to_string() });
            self.push(list(before), Purpose::ChangeBaseline);
        }
    }

    fn ad_comparison(&mut self, s: &Subject, current: RangeSpec, previous: PreviousSpec) {
        // Without platforms named, one comparison covers every ad platform, and the site too when
        // nothing narrows the question down.
        let all_defaults = s.ad_metrics.is_empty() && s.site_metrics.is_empty() && s.site;
        for platform in Self::ad_scopes(s) {
            let metrics = match platform {
                None if all_defaults => vec![],
                None if s.ad_metrics.is_empty() => AD_COMPARISON.to_vec(),
                _ => s.ad_metrics.clone(),
            };
            let instead_of = self.instead_of;
            self.push(
                ToolRequest::ComparePeriods { platform, metrics, current, previous },
                Purpose::Comparison { instead_of },
            );
        }
    }

    /// A series per ad platform and metric (spend when none is named).
    fn ad_trend(&mut self, s: &Subject, current: RangeSpec) {
        let measure = self.q.rankings.iter().find_map(|r| r.measure);
        let metrics =
            if s.ad_metrics.is_empty() { vec![measure.unwrap_or(Metric::Spend)] } else { s.ad_metrics.clone() };
        let granularity = self.granularity(current);
        for &platform in &s.ad_platforms {
            for &metric in &metrics {
                self.push(ToolRequest::Timeseries { platform, metric, range: current, granularity }, Purpose::Trend);
            }
        }
    }

    /// A list per ranking, sorted as the superlative reads: best CPA ascending, most spend
    /// descending.
    fn rankings(&mut self, s: &Subject, current: RangeSpec) {
        let q = self.q;
        let single = match Self::ad_scopes(s).as_slice() {
            [Some(p)] => Some(*p),
            _ => None,
        };
        for ranking in &q.rankings {
            let sort_by = ranking.measure.unwrap_or_else(|| default_measure(ranking.superlative, single));
            let higher_first = match ranking.superlative {
                Superlative::Highest => true,
                Superlative::Lowest => false,
                Superlative::Best => sort_by.higher_is_better().unwrap_or(true),
                Superlative::Worst => !sort_by.higher_is_better().unwrap_or(true),
            };
            let order = if higher_first { SortOrder::Descending } else { SortOrder::Ascending };
            let limit = q.limit.unwrap_or(RANKING_ROWS).min(MAX_ROWS);
            for platform in Self::ad_scopes(s) {
                self.push(
                    ToolRequest::ListCampaigns { platform, range: current, sort_by, order, limit },
                    Purpose::Ranking { superlative: ranking.superlative },
                );
            }
        }
    }

    fn site(&mut self, s: &Subject, current: RangeSpec, previous: Option<PreviousSpec>) {
        if !s.site {
            return;
        }
        let q = self.q;
        let wants_totals = !s.site_metrics.is_empty() || q.breakdowns.is_empty();
        if wants_totals {
            if let Some(previous) = previous {
                // A comparison of every platform already holds the site's figures.
                let covered = self.requests.iter().any(|(r, _)| {
                    matches!(r, ToolRequest::ComparePeriods { platform: None, metrics, .. } if metrics.is_empty())
                });
                if !covered {
                    let instead_of = self.instead_of;
                    self.push(
                        ToolRequest::ComparePeriods {
                            platform: Some(Platform::GoogleAnalytics),
                            metrics: s.site_metrics.clone(),
                            current,
                            previous,
                        },
                        Purpose::Comparison { instead_of },
                    );
                }
            } else if q.trend {
                let metrics = if s.site_metrics.is_empty() { vec![Metric::Sessions] } else { s.site_metrics.clone() };
                let granularity = self.granularity(current);
                for metric in metrics {
                    self.push(
                        ToolRequest::Timeseries {
                            platform: Platform::GoogleAnalytics,
                            metric,
                            range: current,
                            granularity,
                        },
                        Purpose::Trend,
                    );
                }
            } else {
                self.push(
                    ToolRequest::PlatformSummary { platform: Platform::GoogleAnalytics, range: current },
                    Purpose::Totals { metrics: s.site_metrics.clone() },
                );
            }
        }
        for &dimension in &q.breakdowns {
            self.push(
                ToolRequest::SiteBreakdown { dimension, range: current, limit: BREAKDOWN_ROWS },
                Purpose::Breakdown,
            );
        }
    }

    /// The bucket size of a series: the one asked for, unless days were asked over a range longer
    /// than a daily series covers.
    fn granularity(&self, range: RangeSpec) -> Option<Granularity> {
        let days = range.resolve(self.context.today).map_or(0, |r| r.range.days());
        self.q.granularity.filter(|g| *g != Granularity::Day || days <= MAX_DAILY_DAYS)
    }

    /// The previous period as explicit dates, for tools that take one range: resolved by the
    /// domain from the current one.
    fn explicit_previous(&mut self, current: RangeSpec, previous: PreviousSpec) -> Option<RangeSpec> {
        let today = self.context.today;
        let resolved = current.resolve(today).ok()?;
        match previous.resolve(&resolved, today) {
            Ok(before) => Some(RangeSpec::Explicit { start: before.range.start(), end: before.range.end() }),
            Err(error) => {
                self.unresolvable(error.into());
                None
            }
        }
    }
}

/// The comparison a period implies when the question only says "did it change?": the calendar span
/// before a calendar span, the same days a year earlier for years, else the days just before.
fn natural_against(period: Option<Period>) -> Against {
    match period {
        Some(Period::Preset(Preset::LastMonth) | Period::Month { .. }) => Against::Before(Span::Month),
        Some(Period::Preset(Preset::LastWeek)) => Against::Before(Span::Week),
        Some(Period::Preset(Preset::LastQuarter) | Period::Quarter { .. }) => Against::Before(Span::Quarter),
        Some(Period::Preset(Preset::ThisMonth)) => Against::Last(Span::Month),
        Some(Period::Preset(Preset::ThisWeek)) => Against::Last(Span::Week),
        Some(Period::Preset(Preset::ThisQuarter)) => Against::Last(Span::Quarter),
        Some(Period::Preset(Preset::ThisYear | Preset::LastYear) | Period::Year(_)) => Against::LastYear,
        _ => Against::PreviousPeriod,
    }
}

/// The range of a trend that names no period: a month of days, a quarter of weeks, or the last
/// twelve complete months.
fn trend_default(granularity: Option<Granularity>, today: chrono::NaiveDate) -> RangeSpec {
    match granularity {
        Some(Granularity::Week) => RangeSpec::preset(Preset::Last90Days),
        Some(Granularity::Month) => {
            let first = today.with_day(1).unwrap_or(today);
            RangeSpec::Explicit { start: first - Months::new(12), end: first - Days::new(1) }
        }
        _ => RangeSpec::preset(Preset::Last30Days),
    }
}

/// What "best campaign" is judged by when the question names no measure: ROAS on Meta Ads, leads
/// on `LinkedIn Ads`, conversions elsewhere; "most" and "least" measure spend.
fn default_measure(superlative: Superlative, platform: Option<Platform>) -> Metric {
    match (superlative, platform) {
        (Superlative::Highest | Superlative::Lowest, _) => Metric::Spend,
        (_, Some(Platform::MetaAds)) => Metric::Roas,
        (_, Some(Platform::LinkedinAds)) => Metric::Leads,
        _ => Metric::Conversions,
    }
}

#[cfg(test)]
mod tests {
    use domain::dates::ClientTimeZone;

    use super::*;

    fn context(today: &str, platforms: &[Platform]) -> AnalystContext {
        AnalystContext {
            client_name: "Globex".into(),
            today: today.parse().unwrap(),
            time_zone: ClientTimeZone::UTC,
            demo: platforms.len() == Platform::ALL.len(),
            platforms: platforms.to_vec(),
        }
    }

    /// The calls of a plan as `name {arguments}`, ids checked to run `call_1`, `call_2`, ...
    fn calls(question: &str, context: &AnalystContext) -> Vec<String> {
        let plan = plan(&Question::parse(question), context);
        for (i, call) in plan.calls.iter().enumerate() {
            assert_eq!(call.id, format!("call_{}", i + 1), "{question}");
        }
        plan.calls.iter().map(|c| format!("{} {}", c.request.kind().name(), c.request.to_arguments())).collect()
    }

    /// `(question, calls as "name {arguments}")`, with every platform connected on Tuesday
    /// 1 December 2026.
    const DECEMBER: &[(&str, &[&str])] = &[
        // Overviews and totals: one blended total across the ad platforms, GA4's own summary.
        (
            "How are we doing?",
            &[
                r#"blended_totals {"range":{"preset":"last_30_days"}}"#,
                r#"get_platform_summary {"platform":"googleAnalytics","range":{"preset":"last_30_days"}}"#,
            ],
        ),
        ("What's our total spend across platforms?", &[r#"blended_totals {"range":{"preset":"last_30_days"}}"#]),
        ("Which platform spent the most?", &[r#"blended_totals {"range":{"preset":"last_30_days"}}"#]),
        ("How are our ads doing?", &[r#"blended_totals {"range":{"preset":"last_30_days"}}"#]),
        (
            "How much did we spend on Google Ads last month?",
            &[r#"get_platform_summary {"platform":"googleAds","range":{"preset":"last_month"}}"#],
        ),
        (
            "Google Ads and Meta clicks this week",
            &[
                r#"get_platform_summary {"platform":"googleAds","range":{"preset":"this_week"}}"#,
                r#"get_platform_summary {"platform":"metaAds","range":{"preset":"this_week"}}"#,
            ],
        ),
        (
            "LinkedIn leads yesterday",
            &[r#"get_platform_summary {"platform":"linkedinAds","range":{"preset":"yesterday"}}"#],
        ),
        ("spend today", &[r#"blended_totals {"range":{"preset":"today"}}"#]),
        ("meta ROAS this month", &[r#"get_platform_summary {"platform":"metaAds","range":{"preset":"this_month"}}"#]),
        ("CPC last quarter", &[r#"blended_totals {"range":{"preset":"last_quarter"}}"#]),
        ("spend this quarter", &[r#"blended_totals {"range":{"preset":"this_quarter"}}"#]),
        ("spend year to date", &[r#"blended_totals {"range":{"preset":"this_year"}}"#]),
        ("spend last year", &[r#"blended_totals {"range":{"preset":"last_year"}}"#]),
        ("impressions in the last 7 days", &[r#"blended_totals {"range":{"preset":"last_7_days"}}"#]),
        ("clicks over the past 14 days", &[r#"blended_totals {"range":{"start":"2026-11-17","end":"2026-11-30"}}"#]),
        ("spend over the last two weeks", &[r#"blended_totals {"range":{"start":"2026-11-17","end":"2026-11-30"}}"#]),
        ("spend in the past 3 months", &[r#"blended_totals {"range":{"start":"2026-09-01","end":"2026-11-30"}}"#]),
        ("spend last 90 days", &[r#"blended_totals {"range":{"preset":"last_90_days"}}"#]),
        ("spend in October", &[r#"blended_totals {"range":{"start":"2026-10-01","end":"2026-10-31"}}"#]),
        ("spend in December", &[r#"blended_totals {"range":{"preset":"this_month"}}"#]),
        ("spend in October 2025", &[r#"blended_totals {"range":{"start":"2025-10-01","end":"2025-10-31"}}"#]),
        ("Q3 spend", &[r#"blended_totals {"range":{"start":"2026-07-01","end":"2026-09-30"}}"#]),
        (
            "Google Ads conversions in Q2 2026",
            &[r#"get_platform_summary {"platform":"googleAds","range":{"start":"2026-04-01","end":"2026-06-30"}}"#],
        ),
        ("spend in 2025", &[r#"blended_totals {"range":{"preset":"last_year"}}"#]),
        // Site questions: GA4's summary, and a breakdown per breakdown asked.
        (
            "What's the bounce rate?",
            &[r#"get_platform_summary {"platform":"googleAnalytics","range":{"preset":"last_30_days"}}"#],
        ),
        (
            "sessions and users last week",
            &[r#"get_platform_summary {"platform":"googleAnalytics","range":{"preset":"last_week"}}"#],
        ),
        (
            "top traffic sources last month",
            &[r#"get_site_breakdown {"dimension":"source","range":{"preset":"last_month"},"limit":10}"#],
        ),
        (
            "mobile vs desktop",
            &[r#"get_site_breakdown {"dimension":"device","range":{"preset":"last_30_days"},"limit":10}"#],
        ),
        (
            "bounce rate and top pages this month",
            &[
                r#"get_platform_summary {"platform":"googleAnalytics","range":{"preset":"this_month"}}"#,
                r#"get_site_breakdown {"dimension":"page","range":{"preset":"this_month"},"limit":10}"#,
            ],
        ),
        // Campaigns: the superlative decides the sort.
        (
            "Which campaign has the best CPA?",
            &[r#"list_campaigns {"range":{"preset":"last_30_days"},"sortBy":"cpa","order":"asc","limit":5}"#],
        ),
        (
            "Which campaign spent the most last month?",
            &[r#"list_campaigns {"range":{"preset":"last_month"},"sortBy":"spend","order":"desc","limit":5}"#],
        ),
        (
            "worst campaign by CTR on meta",
            &[
                r#"list_campaigns {"platform":"metaAds","range":{"preset":"last_30_days"},"sortBy":"ctr","order":"asc","limit":5}"#,
            ],
        ),
        (
            "top 3 campaigns by conversions yesterday",
            &[r#"list_campaigns {"range":{"preset":"yesterday"},"sortBy":"conversions","order":"desc","limit":3}"#],
        ),
        (
            "best meta campaign",
            &[
                r#"list_campaigns {"platform":"metaAds","range":{"preset":"last_30_days"},"sortBy":"roas","order":"desc","limit":5}"#,
            ],
        ),
        (
            "lowest cost per lead on linkedin in October",
            &[
                r#"list_campaigns {"platform":"linkedinAds","range":{"start":"2026-10-01","end":"2026-10-31"},"sortBy":"cpl","order":"asc","limit":5}"#,
            ],
        ),
        (
            "spend per campaign on google ads",
            &[
                r#"list_campaigns {"platform":"googleAds","range":{"preset":"last_30_days"},"sortBy":"spend","order":"desc","limit":10}"#,
            ],
        ),
        // A campaign's figure getting worse: both periods' campaigns, the earlier as explicit dates.
        (
            "Which campaign's CPA got worse?",
            &[
                r#"list_campaigns {"range":{"preset":"last_30_days"},"sortBy":"cpa","order":"desc","limit":50}"#,
                r#"list_campaigns {"range":{"start":"2026-10-02","end":"2026-10-31"},"sortBy":"cpa","order":"desc","limit":50}"#,
            ],
        ),
        (
            "which google ads campaigns' CTR dropped last week?",
            &[
                r#"list_campaigns {"platform":"googleAds","range":{"preset":"last_week"},"sortBy":"ctr","order":"desc","limit":50}"#,
                r#"list_campaigns {"platform":"googleAds","range":{"start":"2026-11-16","end":"2026-11-22"},"sortBy":"ctr","order":"desc","limit":50}"#,
            ],
        ),
        // Comparisons.
        (
            "spend last month vs the month before",
            &[
                r#"compare_periods {"metrics":["spend"],"current":{"preset":"last_month"},"previous":{"compare":"previous_period"}}"#,
            ],
        ),
        (
            "spend month over month",
            &[
                r#"compare_periods {"metrics":["spend"],"current":{"preset":"last_month"},"previous":{"compare":"previous_period"}}"#,
            ],
        ),
        (
            "sessions week over week",
            &[
                r#"compare_periods {"platform":"googleAnalytics","metrics":["sessions"],"current":{"preset":"last_week"},"previous":{"start":"2026-11-16","end":"2026-11-22"}}"#,
            ],
        ),
        (
            "clicks compared to the previous period",
            &[
                r#"compare_periods {"metrics":["clicks"],"current":{"preset":"last_30_days"},"previous":{"compare":"previous_period"}}"#,
            ],
        ),
        (
            "google ads CTR year over year",
            &[
                r#"compare_periods {"platform":"googleAds","metrics":["ctr"],"current":{"preset":"last_30_days"},"previous":{"compare":"same_period_last_year"}}"#,
            ],
        ),
        (
            "spend last week vs last year",
            &[
                r#"compare_periods {"metrics":["spend"],"current":{"preset":"last_week"},"previous":{"compare":"same_period_last_year"}}"#,
            ],
        ),
        (
            "spend in August vs July",
            &[
                r#"compare_periods {"metrics":["spend"],"current":{"start":"2026-08-01","end":"2026-08-31"},"previous":{"start":"2026-07-01","end":"2026-07-31"}}"#,
            ],
        ),
        (
            "did sessions drop last week?",
            &[
                r#"compare_periods {"platform":"googleAnalytics","metrics":["sessions"],"current":{"preset":"last_week"},"previous":{"start":"2026-11-16","end":"2026-11-22"}}"#,
            ],
        ),
        (
            "how are we doing vs last year?",
            &[
                r#"compare_periods {"current":{"preset":"last_30_days"},"previous":{"compare":"same_period_last_year"}}"#,
            ],
        ),
        (
            "ads compared to the previous period",
            &[
                r#"compare_periods {"metrics":["spend","impressions","clicks","ctr","cpc","conversions","cpa","conversion_value","roas","leads","cpl"],"current":{"preset":"last_30_days"},"previous":{"compare":"previous_period"}}"#,
            ],
        ),
        // Trends: a series per platform and metric, the bucket from the words or the range.
        (
            "spend trend on google ads",
            &[r#"get_timeseries {"platform":"googleAds","metric":"spend","range":{"preset":"last_30_days"}}"#],
        ),
        (
            "weekly sessions",
            &[
                r#"get_timeseries {"platform":"googleAnalytics","metric":"sessions","range":{"preset":"last_90_days"},"granularity":"week"}"#,
            ],
        ),
        (
            "monthly spend on meta",
            &[
                r#"get_timeseries {"platform":"metaAds","metric":"spend","range":{"start":"2025-12-01","end":"2026-11-30"},"granularity":"month"}"#,
            ],
        ),
        (
            "daily clicks on google ads in the last 14 days",
            &[
                r#"get_timeseries {"platform":"googleAds","metric":"clicks","range":{"start":"2026-11-17","end":"2026-11-30"},"granularity":"day"}"#,
            ],
        ),
        (
            "chart meta and linkedin CPC by week this quarter",
            &[
                r#"get_timeseries {"platform":"metaAds","metric":"cpc","range":{"preset":"this_quarter"},"granularity":"week"}"#,
                r#"get_timeseries {"platform":"linkedinAds","metric":"cpc","range":{"preset":"this_quarter"},"granularity":"week"}"#,
            ],
        ),
        (
            "daily spend on google ads this year",
            &[r#"get_timeseries {"platform":"googleAds","metric":"spend","range":{"preset":"this_year"}}"#],
        ),
        // Nothing to call: small talk, figures nobody reports, periods that cannot be read.
        ("hello", &[]),
        ("what is our profit?", &[]),
        ("tiktok spend", &[]),
        ("spend in January 2027", &[]),
        ("spend over the last 2 years", &[]),
    ];

    #[test]
    fn questions_become_the_tool_calls_that_answer_them() {
        let context = context("2026-12-01", &Platform::ALL);
        assert!(DECEMBER.len() >= 40);
        for (question, want) in DECEMBER {
            assert_eq!(calls(question, &context), *want, "{question}");
        }
    }

    #[test]
    fn periods_are_reckoned_across_a_year_boundary() {
        let context = context("2027-01-05", &Platform::ALL);
        let cases: &[(&str, &[&str])] = &[
            ("spend last month", &[r#"blended_totals {"range":{"preset":"last_month"}}"#]),
            ("spend in October", &[r#"blended_totals {"range":{"start":"2026-10-01","end":"2026-10-31"}}"#]),
            ("spend in December", &[r#"blended_totals {"range":{"start":"2026-12-01","end":"2026-12-31"}}"#]),
            ("spend in January", &[r#"blended_totals {"range":{"preset":"this_month"}}"#]),
            ("Q4 spend", &[r#"blended_totals {"range":{"start":"2026-10-01","end":"2026-12-31"}}"#]),
            (
                "spend vs last month",
                &[
                    r#"compare_periods {"metrics":["spend"],"current":{"preset":"this_month"},"previous":{"start":"2026-12-01","end":"2026-12-04"}}"#,
                ],
            ),
            (
                "spend in December vs November",
                &[
                    r#"compare_periods {"metrics":["spend"],"current":{"start":"2026-12-01","end":"2026-12-31"},"previous":{"compare":"previous_period"}}"#,
                ],
            ),
        ];
        for (question, want) in cases {
            assert_eq!(calls(question, &context), *want, "{question}");
        }
    }

    #[test]
    fn only_connected_platforms_are_asked_for_and_the_others_are_named() {
        let context = context("2026-12-01", &[Platform::GoogleAds, Platform::MetaAds]);
        let cases: &[(&str, &[&str], &str)] = &[
            (
                "How are we doing?",
                &[r#"blended_totals {"range":{"preset":"last_30_days"}}"#],
                "Google Analytics isn't connected",
            ),
            (
                "google ads and linkedin spend",
                &[r#"get_platform_summary {"platform":"googleAds","range":{"preset":"last_30_days"}}"#],
                "LinkedIn Ads isn't connected for Globex",
            ),
            ("linkedin leads", &[], "LinkedIn Ads isn't connected for Globex, so I can't look at its figures"),
            ("bounce rate", &[], "Google Analytics isn't connected"),
        ];
        for (question, want, note) in cases {
            assert_eq!(calls(question, &context), *want, "{question}");
            let plan = plan(&Question::parse(question), &context);
            assert!(plan.notes.iter().any(|n| n.contains(note)), "{question}: {:?}", plan.notes);
        }
        let single = self::context("2026-12-01", &[Platform::GoogleAds]);
        assert_eq!(
            calls("total spend", &single),
            [r#"get_platform_summary {"platform":"googleAds","range":{"preset":"last_30_days"}}"#]
        );
    }
}
