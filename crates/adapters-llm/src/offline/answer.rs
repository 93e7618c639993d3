//! Writing the answer from the tools' typed results, for people: the dates every figure covers,
//! the figures in sentences and bullet lines, and what could not be answered said plainly.
//!
//! Every figure written is one a result holds, rounded as the result rounds it (see
//! [`domain::tools::metric_number`]), or a change between two of them; nothing is added up here (totals
//! across platforms come from `blended_totals`), so the domain's grounding check finds each one.

use std::collections::BTreeMap;
use std::fmt::Write;

use chrono::{Datelike, Days};

use domain::analyst::AnalystContext;
use domain::daily::{CampaignStatus, Currency};
use domain::dates::{DateRange, Preset, PreviousSpec, ResolvedRange};
use domain::metrics::{AdTotals, Metric, SiteTotals, Unit, UsersBasis};
use domain::platform::Platform;
use domain::tools::{
    Blended, Breakdown, CampaignList, CampaignRow, Comparison, Coverage, Dimension, Granularity, PlatformComparison,
    SortOrder, Summary, Timeseries, ToolData, ToolKind, ToolOutput, Totals,
};

use crate::offline::format;
use crate::offline::intent::{Movement, Question, Superlative};
use crate::offline::plan::{Plan, Purpose};

/// The ad figures of an overview, in order; those a platform does not report are left out.
const AD_MAIN: [Metric; 11] = [
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

/// The site figures of an overview, in order.
const SITE_MAIN: [Metric; 7] = [
    Metric::Sessions,
    Metric::Users,
    Metric::NewUsers,
    Metric::Pageviews,
    Metric::EngagementRate,
    Metric::BounceRate,
    Metric::AvgSessionDuration,
];

/// The figures beside each campaign of a list, in order.
const CAMPAIGN_MAIN: [Metric; 7] =
    [Metric::Spend, Metric::Clicks, Metric::Ctr, Metric::Conversions, Metric::Cpa, Metric::Roas, Metric::Leads];

/// Most points of a series listed one by one; longer series are summed up by their extremes.
const MAX_LISTED_POINTS: usize = 16;

/// Most campaigns named in a campaign-change answer.
const CHANGED_CAMPAIGNS: usize = 3;

/// Most runs of missing days listed per source.
const MISSING_RUNS: usize = 4;

/// One tool result of the round, with how it is to be read.
#[derive(Debug, Clone, Copy)]
pub struct Outcome<'a> {
    /// The call's id.
    pub id: &'a str,
    /// How it is read.
    pub purpose: &'a Purpose,
    /// What the tool returned.
    pub output: &'a ToolOutput,
}

/// How a result is read when the planner did not make its call: by the kind of figures it holds.
pub fn purpose_of(data: &ToolData) -> Purpose {
    match data {
        ToolData::Summary(_) | ToolData::Blended(_) => Purpose::Totals { metrics: vec![] },
        ToolData::Campaigns(c) => {
            let superlative = if c.order == SortOrder::Ascending { Superlative::Lowest } else { Superlative::Highest };
            Purpose::Ranking { superlative }
        }
        ToolData::Comparison(_) => Purpose::Comparison { instead_of: None },
        ToolData::Breakdown(_) => Purpose::Breakdown,
        ToolData::Timeseries(_) => Purpose::Trend,
    }
}

/// Whether a result can be read for `purpose`.
pub fn fits(purpose: &Purpose, data: &ToolData) -> bool {
    matches!(
        (purpose, data),
        (Purpose::Totals { .. }, ToolData::Summary(_) | ToolData::Blended(_))
            | (
                Purpose::Ranking { .. }
                    | Purpose::Campaigns { .. }
                    | Purpose::CampaignChange { .. }
                    | Purpose::ChangeBaseline,
                ToolData::Campaigns(_)
            )
            | (Purpose::Comparison { .. }, ToolData::Comparison(_))
            | (Purpose::Trend, ToolData::Timeseries(_))
            | (Purpose::Breakdown, ToolData::Breakdown(_))
    )
}

/// The answer when nothing is looked up: the plan's notes (a platform not connected, a figure
/// nobody reports), a greeting, or that the question cannot be answered; with what can be asked.
pub fn without_figures(question: &Question, plan: &Plan, context: &AnalystContext) -> String {
    let name = context.client_name.as_str();
    let mut paragraphs: Vec<String> = plan.notes.clone();
    if paragraphs.is_empty() {
        paragraphs.push(if question.small_talk {
            format!("Hello! I'm the analyst for {name}'s marketing figures.")
        } else {
            format!("I can't answer that from the figures I have for {name}.")
        });
    }
    paragraphs.push(capabilities(name));
    paragraphs.join("\n\n")
}

/// What the analyst can answer, without a single figure (an answer without tool results has
/// nothing to support one).
pub fn capabilities(name: &str) -> String {
    format!(
        "I can answer questions about {name}'s figures for the period you name (\"yesterday\", \"last week\", \
         \"this month\", \"in October\", \"year to date\") or the last thirty days, and compare periods (\"vs the \
         month before\", \"year over year\"):\n\
         - ads on Google Ads, Meta Ads and LinkedIn Ads: spend, clicks, impressions, CTR, CPC, CPM, conversions, cost \
         per conversion, conversion value, ROAS, leads and cost per lead, campaign by campaign, the best or worst \
         campaigns, and which campaigns got worse\n\
         - the website, from Google Analytics: sessions, users, new users, pageviews, engagement and bounce rate, \
         average session duration, traffic sources, devices and top pages\n\
         - trends by day, week or month\n\
         Try \"What did we spend on Google Ads last month?\", \"Which campaign had the best cost per conversion this \
         month?\" or \"How did sessions change week over week?\""
    )
}

/// The answer from the round's tool results.
pub fn compose(plan: &Plan, context: &AnalystContext, outcomes: &[Outcome<'_>]) -> String {
    let mut writer = Writer::new(context, outcomes);
    for outcome in outcomes {
        writer.section(outcome);
    }
    writer.finish(plan)
}

/// An answer being written.
struct Writer<'a> {
    context: &'a AnalystContext,
    outcomes: &'a [Outcome<'a>],
    /// The one period every figure covers, stated once at the top; `None` when results differ.
    shared: Option<ResolvedRange>,
    /// Blocks of figures, in the order of the calls.
    blocks: Vec<String>,
    /// Sentences about what could not be looked up.
    gaps: Vec<String>,
    /// Currencies of the money figures shown.
    currencies: Vec<Currency>,
    /// Whether a users figure summed over days was shown.
    users_summed: bool,
    /// Whether a breakdown summed from each day's top entries was shown.
    top_entries: bool,
}

impl<'a> Writer<'a> {
    fn new(context: &'a AnalystContext, outcomes: &'a [Outcome<'a>]) -> Self {
        let mut ranges = outcomes.iter().filter_map(|o| o.output.data()).map(|d| match d {
            ToolData::Comparison(_) => None,
            other => Some(other.coverage().range),
        });
        let first = ranges.next().flatten();
        let shared = first.filter(|f| ranges.all(|r| r.is_some_and(|r| r.range == f.range)));
        Self {
            context,
            outcomes,
            shared,
            blocks: Vec::new(),
            gaps: Vec::new(),
            currencies: Vec::new(),
            users_summed: false,
            top_entries: false,
        }
    }

    /// The dates of a section, unless stated once at the top: ", 1–30 Nov 2026".
    fn dates(&self, coverage: &Coverage) -> String {
        if self.shared.is_some_and(|s| s.range == coverage.range.range) {
            String::new()
        } else {
            let mut dates = String::from(", ");
            push_label(&mut dates, &coverage.range);
            dates
        }
    }

    fn money(&mut self, currency: Option<Currency>) {
        if let Some(c) = currency {
            if !self.currencies.contains(&c) {
                self.currencies.push(c);
            }
        }
    }

    fn section(&mut self, outcome: &Outcome<'_>) {
        let data = match outcome.output {
            ToolOutput::Data(data) => data.as_ref(),
            ToolOutput::Error { tool, message } => {
                self.gaps.push(format!("I couldn't look up {}: {}.", what(*tool), reason(message)));
                return;
            }
        };
        match (outcome.purpose, data) {
            (Purpose::Totals { metrics }, ToolData::Summary(s)) => self.summary(s, metrics),
            (Purpose::Totals { metrics }, ToolData::Blended(b)) => self.blended(b, metrics),
            (Purpose::Ranking { superlative }, ToolData::Campaigns(c)) => self.ranking(c, *superlative),
            (Purpose::Campaigns { metrics }, ToolData::Campaigns(c)) => self.campaigns(c, metrics),
            (Purpose::CampaignChange { metric, movement, previous }, ToolData::Campaigns(c)) => {
                let baseline = self.outcomes.iter().find(|o| o.id == previous).and_then(|o| o.output.data());
                match baseline {
                    Some(ToolData::Campaigns(before)) => self.campaign_change(c, before, *metric, *movement),
                    _ => self.ranking(c, Superlative::Highest),
                }
            }
            // Read with the campaign change it belongs to.
            (Purpose::ChangeBaseline, _) => {}
            (Purpose::Comparison { instead_of }, ToolData::Comparison(c)) => self.comparison(c, *instead_of),
            (Purpose::Trend, ToolData::Timeseries(t)) => self.trend(t),
            (Purpose::Breakdown, ToolData::Breakdown(b)) => self.breakdown(b),
            (_, other) => {
                self.section(&Outcome { id: outcome.id, purpose: &purpose_of(other), output: outcome.output });
            }
        }
    }

    fn summary(&mut self, s: &Summary, asked: &[Metric]) {
        let platform = s.platform.display_name();
        let dates = self.dates(&s.coverage);
        match &s.totals {
            Totals::Ads(by_currency) if by_currency.is_empty() => {
                self.blocks.push(format!("- {platform}{dates}: no figures for these days."));
            }
            Totals::Ads(by_currency) => {
                for c in by_currency {
                    if shows_money(asked) {
                        self.money(Some(c.currency));
                    }
                    let who = if by_currency.len() > 1 {
                        format!("{platform} in {}", c.currency)
                    } else {
                        platform.to_owned()
                    };
                    self.blocks.push(ad_line(&who, &dates, &c.totals, Some(c.currency), asked));
                }
            }
            Totals::Site(site) => {
                let metrics: Vec<Metric> = if asked.is_empty() { SITE_MAIN.to_vec() } else { asked.to_vec() };
                if metrics.contains(&Metric::Users) && site.users_basis == UsersBasis::SumOfDaily {
                    self.users_summed = true;
                }
                self.blocks.push(site_line(platform, &dates, site, &metrics));
            }
        }
    }

    fn blended(&mut self, b: &Blended, asked: &[Metric]) {
        let dates = self.dates(&b.coverage);
        if b.currencies.is_empty() {
            self.blocks.push(format!("No ad platform has figures for these days{dates}."));
            return;
        }
        let several = b.currencies.len() > 1;
        for c in &b.currencies {
            if shows_money(asked) {
                self.money(Some(c.currency));
            }
            let names: Vec<String> = c.platforms.iter().map(|(p, _)| p.display_name().to_owned()).collect();
            let mut block = if let [metric] = asked {
                // Only money needs its currency said; a count is the same in any account.
                let whose = if several && metric.unit() == Unit::Money {
                    format!("in {} ({})", c.currency, format::list(&names))
                } else if names.len() > 1 {
                    format!("across {}", format::list(&names))
                } else {
                    format!("on {}", names.concat())
                };
                format!(
                    "{} {whose}{dates}: {}",
                    format::capitalise(metric.label()),
                    single(*metric, &c.totals, Some(c.currency))
                )
            } else {
                let who = if several {
                    format!("In {} ({})", c.currency, format::list(&names))
                } else if names.len() > 1 {
                    format!("All ad platforms together ({})", format::list(&names))
                } else {
                    names.concat()
                };
                let mut block = String::new();
                push_ad_figures(&mut block, &who, &dates, &c.totals, Some(c.currency), asked);
                block
            };
            let mut platforms: Vec<&(Platform, AdTotals)> = c.platforms.iter().collect();
            if let [metric] = asked {
                // One figure: largest first, so "which platform spent most" reads off the first line.
                platforms.sort_by(|x, y| {
                    let (a, b) = (x.1.value(*metric), y.1.value(*metric));
                    b.unwrap_or(f64::MIN).total_cmp(&a.unwrap_or(f64::MIN))
                });
            }
            if c.platforms.len() > 1 {
                for (platform, totals) in platforms {
                    let share = (c.totals.spend > 0.0).then(|| format::round(totals.spend / c.totals.spend * 100.0, 2));
                    block.push_str("\n- ");
                    let shows_share = if let [metric] = asked {
                        let _ = write!(block, "{}: ", platform.display_name());
                        push_single(&mut block, *metric, totals, Some(c.currency));
                        *metric == Metric::Spend
                    } else {
                        push_ad_figures(&mut block, platform.display_name(), "", totals, Some(c.currency), asked);
                        true
                    };
                    if let (Some(share), true) = (share, shows_share) {
                        block.push_str(" (");
                        format::push_percent(&mut block, share);
                        block.push_str(" of the spend)");
                    }
                }
            }
            self.blocks.push(block);
        }
    }

    fn ranking(&mut self, c: &CampaignList, superlative: Superlative) {
        let metric = c.sort_by;
        let label = metric.label();
        let heading = match superlative {
            Superlative::Best => format!("Best campaigns by {label}"),
            Superlative::Worst => format!("Worst campaigns by {label}"),
            Superlative::Highest => format!("Campaigns with the highest {label}"),
            Superlative::Lowest => format!("Campaigns with the lowest {label}"),
        };
        let scope = scope(c);
        let dates = self.dates(&c.coverage);
        let ranked: Vec<&CampaignRow> = c.rows.iter().filter(|r| r.totals.value(metric).is_some()).collect();
        if ranked.is_empty() {
            self.blocks.push(if c.campaigns == 0 {
                format!("No campaign {scope}had figures in these days{dates}.")
            } else {
                format!("None of the campaigns {scope}reports {label}{dates}, so I can't rank them by it.")
            });
            return;
        }
        let mut block = format!("{heading} {scope}").trim_end().to_owned() + &dates + ":";
        for row in &ranked {
            self.money(Some(row.currency));
            let others: Vec<Metric> = [Metric::Spend, Metric::Conversions, Metric::Roas, Metric::Leads]
                .into_iter()
                .filter(|m| *m != metric)
                .collect();
            let value = quantities(&row.totals, &[metric], Some(row.currency));
            let extra = quantities(&row.totals, &others, Some(row.currency));
            let extra = if extra.is_empty() { String::new() } else { format!("; {extra}") };
            let _ = write!(block, "\n- {}: {value}{extra}", campaign(row, mixed(c)));
        }
        for platform in platforms_without(c, metric) {
            let other = alternative(metric)
                .filter(|alt| c.rows.iter().any(|r| r.platform == platform && r.totals.value(*alt).is_some()));
            let name = platform.display_name();
            let _ = match other {
                Some(alt) => write!(
                    block,
                    "\n{name} reports {} rather than {label}, so its campaigns aren't ranked here.",
                    alt.label()
                ),
                None => write!(block, "\n{name} doesn't report {label}, so its campaigns aren't ranked."),
            };
        }
        if c.rows.len() < c.campaigns {
            let _ = write!(block, "\n{} campaigns had figures in all.", format::count(c.campaigns as u64));
        }
        self.blocks.push(block);
    }

    fn campaigns(&mut self, c: &CampaignList, asked: &[Metric]) {
        let dates = self.dates(&c.coverage);
        let scope = scope(c);
        if c.rows.is_empty() {
            self.blocks.push(format!("No campaign {scope}had figures in these days{dates}."));
            return;
        }
        let metrics: Vec<Metric> = if asked.is_empty() { CAMPAIGN_MAIN.to_vec() } else { asked.to_vec() };
        let mut block = format!("Campaigns {scope}by {}{dates}:", c.sort_by.label());
        for row in &c.rows {
            if shows_money(&metrics) {
                self.money(Some(row.currency));
            }
            let figures = quantities(&row.totals, &metrics, Some(row.currency));
            let figures = if figures.is_empty() { "no figures for what was asked".to_owned() } else { figures };
            let _ = write!(block, "\n- {}: {figures}", campaign(row, mixed(c)));
        }
        if c.rows.len() < c.campaigns {
            let _ = write!(block, "\n{} campaigns had figures in all.", format::count(c.campaigns as u64));
        }
        self.blocks.push(block);
    }

    fn campaign_change(&mut self, now: &CampaignList, before: &CampaignList, metric: Metric, movement: Movement) {
        let label = metric.label();
        // Which way the figure moving counts: a cost rising is "worse", a result rising "better".
        let up = match movement {
            Movement::Up => Some(true),
            Movement::Down => Some(false),
            Movement::Worse => Some(metric.higher_is_better() == Some(false)),
            Movement::Better => Some(metric.higher_is_better() != Some(false)),
            Movement::Changed => None,
        };
        let key = |r: &CampaignRow| (r.platform, r.campaign_id.clone(), r.currency);
        let earlier: BTreeMap<_, &CampaignRow> = before.rows.iter().map(|r| (key(r), r)).collect();
        let mut changes: Vec<(&CampaignRow, f64, f64, f64)> = Vec::new();
        let mut unmatched = false;
        for row in &now.rows {
            let (Some(previous), Some(current)) = (earlier.get(&key(row)), row.totals.value(metric)) else {
                unmatched = true;
                continue;
            };
            let Some(previous) = previous.totals.value(metric) else { continue };
            // The change of the figures as shown, so it is the difference of two figures of the
            // results.
            let diff = format::shown_difference(metric, current, previous);
            let wanted = match up {
                Some(true) => diff > 0.0,
                Some(false) => diff < 0.0,
                None => diff != 0.0,
            };
            if wanted {
                changes.push((row, current, previous, diff));
            }
        }
        changes.sort_by(|x, y| y.3.abs().total_cmp(&x.3.abs()).then_with(|| x.0.name.cmp(&y.0.name)));
        let verb = match up {
            Some(true) => "rose",
            Some(false) => "fell",
            None => "changed",
        };
        let judged = match (movement, metric.higher_is_better()) {
            (Movement::Worse, Some(_)) => " (got worse)",
            (Movement::Better, Some(_)) => " (improved)",
            _ => "",
        };
        let periods =
            format!("{} vs {}", format::range(now.coverage.range.range), format::range(before.coverage.range.range));
        let scope = scope(now);
        if changes.is_empty() {
            self.blocks.push(format!("No campaign {scope}had a {label} that {verb}{judged}, {periods}."));
            return;
        }
        let mut block = format!("Campaigns {scope}whose {label} {verb} most{judged}, {periods}:");
        for (row, current, previous, _) in changes.iter().take(CHANGED_CAMPAIGNS) {
            if metric.unit() == Unit::Money {
                self.money(Some(row.currency));
            }
            let _ = write!(
                block,
                "\n- {}: {label} {} vs {}, {}",
                campaign(row, mixed(now)),
                format::figure(metric, *current, Some(row.currency)),
                format::figure(metric, *previous, Some(row.currency)),
                format::difference(metric, *current, *previous, Some(row.currency)),
            );
        }
        if unmatched {
            let _ = write!(block, "\nCampaigns without a {label} in both periods are left out.");
        }
        self.blocks.push(block);
    }

    fn comparison(&mut self, c: &Comparison, instead_of: Option<DateRange>) {
        let previous = match c.previous_spec {
            PreviousSpec::PreviousPeriod => {
                format!("the same number of days just before ({})", format::range(c.previous.range.range))
            }
            PreviousSpec::SamePeriodLastYear => {
                format!("the same days a year earlier ({})", format::range(c.previous.range.range))
            }
            PreviousSpec::Range(_) => format::range(c.previous.range.range),
        };
        let mut block = format!("{} compared with {previous}:", format::capitalise(&label(&c.current.range)));
        if let Some(named) = instead_of {
            block = format!(
                "{} has a different number of days, so I compared with the same number of days just before instead.\n{block}",
                format::range(named)
            );
        }
        if c.platforms.is_empty() {
            block.push_str("\n- No platform has figures for these periods.");
        }
        for p in &c.platforms {
            let name = p.platform.display_name();
            if lacks_every_day(&c.current, p.platform) {
                let _ = write!(block, "\n- {name}: no figures for {} yet", format::range(c.current.range.range));
                continue;
            }
            if lacks_every_day(&c.previous, p.platform) {
                let _ = write!(
                    block,
                    "\n- {name}: no figures for {} to compare with",
                    format::range(c.previous.range.range)
                );
                continue;
            }
            if p.metrics.iter().any(|m| m.metric.unit() == Unit::Money) {
                self.money(p.currency);
            }
            let partial: Vec<&str> = [(&c.current, "this period"), (&c.previous, "the earlier period")]
                .into_iter()
                .filter(|(coverage, _)| lacks_some_days(coverage, p.platform))
                .map(|(_, which)| which)
                .collect();
            if !partial.is_empty() && !p.metrics.is_empty() {
                let _ = write!(
                    block,
                    "\n{name} has no figures for some days of {}, so its changes below are not like for like:",
                    partial.join(" and ")
                );
            }
            if p.users_basis.is_some_and(|(a, b)| a == UsersBasis::SumOfDaily || b == UsersBasis::SumOfDaily)
                && p.metrics.iter().any(|m| m.metric == Metric::Users)
            {
                self.users_summed = true;
            }
            block.push_str(&comparison_lines(p));
        }
        self.blocks.push(block);
    }

    fn trend(&mut self, t: &Timeseries) {
        if t.metric.unit() == Unit::Money {
            self.money(t.currency);
        }
        if t.metric == Metric::Users && t.granularity != Granularity::Day {
            self.users_summed = true;
        }
        let bucket = match t.granularity {
            Granularity::Day => "day",
            Granularity::Week => "week",
            Granularity::Month => "month",
        };
        let mut block = format!(
            "{} {} by {bucket}, {}:",
            t.platform.display_name(),
            t.metric.label(),
            format::range(t.coverage.range.range)
        );
        let shown =
            |v: Option<f64>| v.map_or_else(|| "no figures".to_owned(), |v| format::figure(t.metric, v, t.currency));
        let part = |range: DateRange| {
            let partial = match t.granularity {
                Granularity::Day => false,
                Granularity::Week => range.days() < 7,
                Granularity::Month => range.start().day() != 1 || (range.end() + Days::new(1)).day() != 1,
            };
            let partial = if partial { format!(" (part of a {bucket})") } else { String::new() };
            format!("{}{partial}", format::range(range))
        };
        if t.points.len() <= MAX_LISTED_POINTS {
            for point in &t.points {
                let _ = write!(block, "\n- {}: {}", part(point.range), shown(point.value));
            }
        } else {
            let valued: Vec<(DateRange, f64)> = t.points.iter().filter_map(|p| p.value.map(|v| (p.range, v))).collect();
            let high = valued.iter().max_by(|a, b| a.1.total_cmp(&b.1).then_with(|| b.0.cmp(&a.0)));
            let low = valued.iter().min_by(|a, b| a.1.total_cmp(&b.1).then_with(|| a.0.cmp(&b.0)));
            if let (Some(high), Some(low)) = (high, low) {
                let _ = write!(block, "\n- Highest: {} on {}", shown(Some(high.1)), part(high.0));
                let _ = write!(block, "\n- Lowest: {} on {}", shown(Some(low.1)), part(low.0));
            }
            if let (Some(first), Some(last)) = (valued.first(), valued.last()) {
                let _ = write!(
                    block,
                    "\n- From {} on {} to {} on {}",
                    shown(Some(first.1)),
                    part(first.0),
                    shown(Some(last.1)),
                    part(last.0)
                );
            }
            if valued.is_empty() {
                block.push_str("\n- No figures in these days.");
            }
        }
        self.blocks.push(block);
    }

    fn breakdown(&mut self, b: &Breakdown) {
        let (measure, by, entries) = match b.dimension {
            Dimension::Source => ("sessions", "traffic source", "sources"),
            Dimension::Device => ("sessions", "device", "device categories"),
            Dimension::Page => ("views", "page", "pages"),
        };
        if b.coverage.range.range.days() > 1 && b.dimension != Dimension::Device {
            self.top_entries = true;
        }
        let dates = self.dates(&b.coverage);
        if b.rows.is_empty() {
            self.blocks.push(format!("No {measure} by {by} were recorded in these days{dates}."));
            return;
        }
        let mut block = format!("{} by {by}{dates} ({} in all):", format::capitalise(measure), format::count(b.total));
        for row in &b.rows {
            #[allow(clippy::cast_precision_loss)] // counts stay far below 2^52
            let share = (b.total > 0).then(|| format::round(row.count as f64 / b.total as f64 * 100.0, 2));
            let share = share.map(|s| format!(" ({})", format::percent(s))).unwrap_or_default();
            let _ = write!(block, "\n- {}: {} {measure}{share}", row.name, format::count(row.count));
        }
        if b.rows.len() < b.entries {
            let _ = write!(
                block,
                "\n{} {entries} had {measure} in all; the largest are listed.",
                format::count(b.entries as u64)
            );
        }
        self.blocks.push(block);
    }

    /// Puts the answer together: the period, the demo warning, the figures, what could not be
    /// looked up, the plan's notes, then freshness and the caveats of the figures shown.
    fn finish(self, plan: &Plan) -> String {
        let name = self.context.client_name.as_str();
        let data: Vec<&ToolData> = self.outcomes.iter().filter_map(|o| o.output.data()).collect();
        // Written in one string, paragraphs after the first each after a blank line.
        let mut out = String::with_capacity(512 + self.blocks.iter().map(String::len).sum::<usize>());
        if data.is_empty() {
            let _ = write!(out, "I couldn't get the figures for this question about {name}.");
        } else if let Some(range) = self.shared {
            let _ = write!(out, "Here are {name}'s figures for ");
            push_label(&mut out, &range);
            out.push(':');
        } else if data.iter().all(|d| matches!(d, ToolData::Comparison(_))) {
            let _ = write!(out, "Here is how {name}'s figures changed:");
        } else {
            let _ = write!(out, "Here is what I found for {name}:");
        }
        if data.iter().any(|d| d.coverage().demo) {
            let _ = write!(
                out,
                "\n\nThese are demo figures: nothing is connected for {name} yet, so they are not {name}'s real numbers."
            );
        }
        let before_body = out.len();
        out.push_str("\n\n");
        let body = out.len();
        for block in &self.blocks {
            if out.len() > body {
                // Bullets of one kind stay together; a block with a heading gets a paragraph.
                let last_line = out[body..].lines().last();
                out.push_str(if block.starts_with("- ") && last_line.is_some_and(|l| l.starts_with("- ")) {
                    "\n"
                } else {
                    "\n\n"
                });
            }
            out.push_str(block);
        }
        if out.len() == body {
            out.truncate(before_body);
        }
        for paragraph in self.gaps.iter().chain(&plan.notes) {
            out.push_str("\n\n");
            out.push_str(paragraph);
        }
        let mut notes = Vec::new();
        notes.extend(freshness(&data));
        notes.extend(missing(&data));
        if self.users_summed {
            notes.push(
                "Users over a range whose own GA4 total the sync doesn't keep is the sum of each day's users, so \
                 someone who visited on several days is counted once per day."
                    .to_owned(),
            );
        }
        if self.top_entries {
            notes.push(
                "Sources and pages are summed from each day's top entries, so small ones may be under-counted."
                    .to_owned(),
            );
        }
        if self.currencies.len() > 1 {
            let codes: Vec<String> = self.currencies.iter().map(|c| c.code().to_owned()).collect();
            notes.push(format!(
                "The ad accounts report in different currencies ({}): money is given per currency and never added \
                 across them.",
                format::list(&codes)
            ));
        }
        let today = self.context.today;
        if data.iter().any(|d| d.ranges().iter().any(|r| r.contains(today))) {
            notes.push(format!("Today's figures ({}) are partial: the day isn't over yet.", format::day(today)));
        }
        // The notes make one paragraph.
        for (i, note) in notes.iter().enumerate() {
            out.push_str(if i == 0 { "\n\n" } else { " " });
            out.push_str(note);
        }
        out
    }
}

/// A period with its name when it has one: "last month (1–30 Nov 2026)", or just its dates.
fn label(range: &ResolvedRange) -> String {
    let mut out = String::new();
    push_label(&mut out, range);
    out
}

/// Writes [`label`] to `out`.
fn push_label(out: &mut String, range: &ResolvedRange) {
    let name = match range.preset {
        Some(Preset::Today) => "today so far",
        Some(Preset::Yesterday) => "yesterday",
        Some(Preset::Last7Days) => "the last 7 days",
        Some(Preset::Last28Days) => "the last 28 days",
        Some(Preset::Last30Days) => "the last 30 days",
        Some(Preset::Last90Days) => "the last 90 days",
        Some(Preset::ThisWeek) => "this week so far",
        Some(Preset::LastWeek) => "last week",
        Some(Preset::ThisMonth) => "this month so far",
        Some(Preset::LastMonth) => "last month",
        Some(Preset::ThisQuarter) => "this quarter so far",
        Some(Preset::LastQuarter) => "last quarter",
        Some(Preset::ThisYear) => "this year so far",
        Some(Preset::LastYear) => "last year",
        None => {
            format::push_range(out, range.range);
            return;
        }
    };
    out.push_str(name);
    out.push_str(" (");
    format::push_range(out, range.range);
    out.push(')');
}

/// What a failed call was to look up.
fn what(tool: Option<ToolKind>) -> &'static str {
    match tool {
        Some(ToolKind::PlatformSummary) => "a platform's totals",
        Some(ToolKind::ListCampaigns) => "the campaigns",
        Some(ToolKind::ComparePeriods) => "the comparison of periods",
        Some(ToolKind::BlendedTotals) => "the totals across ad platforms",
        Some(ToolKind::SiteBreakdown) => "the website breakdown",
        Some(ToolKind::Timeseries) => "the figures over time",
        None => "part of the figures",
    }
}

/// A tool's error as a reason in a sentence. Messages with numbers in them (dates, limits) are not
/// repeated: no result supports those numbers.
fn reason(message: &str) -> String {
    let message = message.trim().trim_end_matches('.');
    if message.is_empty() || message.chars().any(|c| c.is_ascii_digit()) {
        "the tool could not answer that request".to_owned()
    } else {
        message.to_owned()
    }
}

/// "on Google Ads " or "across the ad platforms ": which campaigns a list holds.
fn scope(c: &CampaignList) -> String {
    if let Some(p) = c.platform {
        return format!("on {} ", p.display_name());
    }
    let names: Vec<String> = c.coverage.sources.iter().map(|s| s.platform.display_name().to_owned()).collect();
    if names.len() > 1 { format!("across {} ", format::list(&names)) } else { String::new() }
}

/// Whether a list holds campaigns of several platforms.
fn mixed(c: &CampaignList) -> bool {
    c.rows.iter().any(|r| r.platform != c.rows[0].platform)
}

/// A campaign as listed: its name, its platform when lists mix platforms, and its status unless
/// active.
fn campaign(row: &CampaignRow, with_platform: bool) -> String {
    let mut notes = Vec::new();
    if with_platform {
        notes.push(row.platform.display_name().to_owned());
    }
    if row.status != CampaignStatus::Active {
        notes.push(row.status.key().to_owned());
    }
    if notes.is_empty() { row.name.clone() } else { format!("{} ({})", row.name, notes.join(", ")) }
}

/// The platforms of a list whose listed campaigns all lack `metric`.
fn platforms_without(c: &CampaignList, metric: Metric) -> Vec<Platform> {
    let mut out: Vec<Platform> = Vec::new();
    for p in Platform::ALL {
        let rows: Vec<&CampaignRow> = c.rows.iter().filter(|r| r.platform == p).collect();
        if !rows.is_empty() && rows.iter().all(|r| r.totals.value(metric).is_none()) {
            out.push(p);
        }
    }
    out
}

/// The metrics that have a value, as `spend $1.00, 3 clicks`.
fn quantities(totals: &AdTotals, metrics: &[Metric], currency: Option<Currency>) -> String {
    let mut out = String::new();
    push_quantities(&mut out, totals, metrics, currency);
    out
}

/// Writes [`quantities`] to `out`; whether any metric had a value.
fn push_quantities(out: &mut String, totals: &AdTotals, metrics: &[Metric], currency: Option<Currency>) -> bool {
    let mut any = false;
    for (metric, value) in metrics.iter().filter_map(|m| totals.value(*m).map(|v| (*m, v))) {
        if any {
            out.push_str(", ");
        }
        format::push_quantity(out, metric, value, currency);
        any = true;
    }
    any
}

/// The figure reported instead of one a platform lacks: leads for conversions and back.
const fn alternative(metric: Metric) -> Option<Metric> {
    match metric {
        Metric::Conversions => Some(Metric::Leads),
        Metric::Leads => Some(Metric::Conversions),
        Metric::Cpa => Some(Metric::Cpl),
        Metric::Cpl => Some(Metric::Cpa),
        _ => None,
    }
}

/// One figure of ad totals, or what stands in for it: `$1.00`, `not reported (it reports leads
/// rather than conversions: 66 leads)`, `not reported (no conversion value is)`.
fn single(metric: Metric, totals: &AdTotals, currency: Option<Currency>) -> String {
    let mut out = String::new();
    push_single(&mut out, metric, totals, currency);
    out
}

/// Writes [`single`] to `out`.
fn push_single(out: &mut String, metric: Metric, totals: &AdTotals, currency: Option<Currency>) {
    if let Some(v) = totals.value(metric) {
        format::push_figure(out, metric, v, currency);
        return;
    }
    if let Some((alt, v)) = alternative(metric).and_then(|alt| totals.value(alt).map(|v| (alt, v))) {
        let _ = write!(out, "not reported (it reports {} rather than {}: ", alt.label(), metric.label());
        format::push_quantity(out, alt, v, currency);
        out.push(')');
    } else {
        out.push_str("not reported");
        out.push_str(why_missing(metric));
    }
}

/// Why a ratio has no value when what it is worked out from is not reported.
const fn why_missing(metric: Metric) -> &'static str {
    match metric {
        Metric::Roas => " (no conversion value is)",
        Metric::Cpa | Metric::ConversionRate => " (no conversions are)",
        Metric::Cpl => " (no leads are)",
        _ => "",
    }
}

/// One ad platform's (or group's) figures as a bullet line.
fn ad_line(who: &str, dates: &str, totals: &AdTotals, currency: Option<Currency>, asked: &[Metric]) -> String {
    let mut line = String::from("- ");
    push_ad_figures(&mut line, who, dates, totals, currency, asked);
    line
}

/// Writes what an [`ad_line`] says after its bullet to `out`: `Google Ads, 1–30 Nov 2026: spend
/// $1.00, 3 clicks`.
fn push_ad_figures(
    out: &mut String,
    who: &str,
    dates: &str,
    totals: &AdTotals,
    currency: Option<Currency>,
    asked: &[Metric],
) {
    if let [metric] = asked {
        let _ = write!(out, "{who} {}{dates}: ", metric.label());
        push_single(out, *metric, totals, currency);
        return;
    }
    let _ = write!(out, "{who}{dates}: ");
    let metrics: &[Metric] = if asked.is_empty() { &AD_MAIN } else { asked };
    if !push_quantities(out, totals, metrics, currency) {
        out.push_str("nothing asked for is reported");
    }
    let lacking: Vec<String> =
        asked.iter().filter(|m| totals.value(**m).is_none()).map(|m| m.label().to_owned()).collect();
    if !lacking.is_empty() {
        let _ = write!(out, " (no {} reported)", format::or_list(&lacking));
    }
}

/// GA4's figures as a bullet line.
fn site_line(who: &str, dates: &str, site: &SiteTotals, metrics: &[Metric]) -> String {
    if site.sessions == 0 && site.pageviews == 0 {
        return format!("- {who}{dates}: no sessions recorded in these days.");
    }
    let mut line = String::from("- ");
    match metrics {
        [metric] if site.value(*metric).is_some() => {
            let _ = write!(line, "{who} {}{dates}: ", metric.label());
            if let Some(v) = site.value(*metric) {
                format::push_figure(&mut line, *metric, v, None);
            }
        }
        _ => {
            let _ = write!(line, "{who}{dates}: ");
            let mut first = true;
            for (metric, value) in metrics.iter().filter_map(|m| site.value(*m).map(|v| (*m, v))) {
                if !first {
                    line.push_str(", ");
                }
                format::push_quantity(&mut line, metric, value, None);
                first = false;
            }
        }
    }
    line
}

/// One platform's compared metrics: a line each, or one line when only one metric is compared.
fn comparison_lines(p: &PlatformComparison) -> String {
    let platform = p.platform.display_name();
    let line = |m: &domain::tools::MetricChange| -> String {
        let shown = |v: Option<f64>| v.map(|v| format::figure(m.metric, v, p.currency));
        match (shown(m.current), shown(m.previous), m.current, m.previous) {
            (Some(now), Some(then), Some(a), Some(b)) => {
                let moved = format::change_pct(m.metric, a, b).map_or(String::new(), |pct| {
                    let verdict = match (m.metric.higher_is_better(), pct.partial_cmp(&0.0)) {
                        (Some(higher), Some(std::cmp::Ordering::Greater)) => {
                            if higher {
                                " (better)"
                            } else {
                                " (worse)"
                            }
                        }
                        (Some(higher), Some(std::cmp::Ordering::Less)) => {
                            if higher {
                                " (worse)"
                            } else {
                                " (better)"
                            }
                        }
                        _ => "",
                    };
                    format!(", {}{verdict}", format::direction(pct))
                });
                format!("{now} vs {then}{moved}")
            }
            (Some(now), None, ..) => format!("{now} (none in the previous period)"),
            (None, Some(then), ..) => format!("none vs {then}"),
            _ => "no figures in either period".to_owned(),
        }
    };
    if p.metrics.is_empty() {
        return format!("\n- {platform}: reports none of the figures asked for");
    }
    if let [m] = p.metrics.as_slice() {
        return format!("\n- {platform} {}: {}", m.metric.label(), line(m));
    }
    let mut out = format!("\n{platform}:");
    for m in &p.metrics {
        let _ = write!(out, "\n- {}: {}", format::capitalise(m.metric.label()), line(m));
    }
    out
}

/// When each platform read was last synced; nothing for demo data.
fn freshness(data: &[&ToolData]) -> Option<String> {
    if data.iter().any(|d| d.coverage().demo) {
        return None;
    }
    let mut syncs: BTreeMap<Platform, Option<String>> = BTreeMap::new();
    for d in data {
        for s in &d.coverage().sources {
            syncs.entry(s.platform).or_insert_with(|| s.last_sync.map(format::date));
        }
    }
    let never: Vec<String> =
        syncs.iter().filter(|(_, at)| at.is_none()).map(|(p, _)| p.display_name().to_owned()).collect();
    let synced: Vec<(Platform, String)> = syncs.into_iter().filter_map(|(p, at)| at.map(|at| (p, at))).collect();
    let mut out = Vec::new();
    if let Some((_, first)) = synced.first() {
        if synced.iter().all(|(_, at)| at == first) {
            out.push(format!("Figures are from the latest sync on {first}."));
        } else {
            let each: Vec<String> = synced.iter().map(|(p, at)| format!("{} on {at}", p.display_name())).collect();
            out.push(format!("Figures are from the latest syncs: {}.", format::list(&each)));
        }
    }
    if !never.is_empty() {
        let verb = if never.len() == 1 { "has" } else { "have" };
        out.push(format!("{} {verb} not synced yet.", format::list(&never)));
    }
    (!out.is_empty()).then(|| out.join(" "))
}

/// Whether figures of `asked` (the main ones when empty) include money.
fn shows_money(asked: &[Metric]) -> bool {
    asked.is_empty() || asked.iter().any(|m| m.unit() == Unit::Money)
}

/// Whether `platform` lacks figures for some days of the coverage's range.
fn lacks_some_days(coverage: &Coverage, platform: Platform) -> bool {
    coverage.sources.iter().any(|s| s.platform == platform && !s.missing_days.is_empty())
}

/// Whether `platform` has no figures for any day of the coverage's range.
fn lacks_every_day(coverage: &Coverage, platform: Platform) -> bool {
    coverage
        .sources
        .iter()
        .any(|s| s.platform == platform && s.missing_days.len() == 1 && s.missing_days[0] == coverage.range.range)
}

/// The days each source lacks, per result period; platforms lacking the same days are named
/// together.
fn missing(data: &[&ToolData]) -> Vec<String> {
    // What is missing (the sentence's end) and who lacks it, in the order first met.
    let mut gaps: Vec<(String, Vec<Platform>)> = Vec::new();
    let mut add = |coverage: &Coverage, which: &str| {
        for s in &coverage.sources {
            if s.missing_days.is_empty() {
                continue;
            }
            let what = if s.missing_days.len() == 1 && s.missing_days[0] == coverage.range.range {
                format!("no figures at all for {}{which}", format::range(coverage.range.range))
            } else {
                let mut runs: Vec<String> =
                    s.missing_days.iter().take(MISSING_RUNS).map(|r| format::range(*r)).collect();
                if s.missing_days.len() > MISSING_RUNS {
                    runs.push("other days".to_owned());
                }
                format!("no figures for {}{which}", format::list(&runs))
            };
            match gaps.iter_mut().find(|(w, _)| *w == what) {
                Some((_, who)) if !who.contains(&s.platform) => who.push(s.platform),
                Some(_) => {}
                None => gaps.push((what, vec![s.platform])),
            }
        }
    };
    for d in data {
        match d {
            ToolData::Comparison(c) => {
                add(&c.current, "");
                add(&c.previous, " (the earlier period)");
            }
            other => add(other.coverage(), ""),
        }
    }
    gaps.into_iter()
        .map(|(what, who)| {
            let names: Vec<String> = who.iter().map(|p| p.display_name().to_owned()).collect();
            let verb = if names.len() == 1 { "has" } else { "have" };
            format!("{} {verb} {what}.", format::list(&names))
        })
        .collect()
}
