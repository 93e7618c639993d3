//! Intent detection: what a question asks for, read with lowercase keyword tables.
//!
//! The question is lowercased and split into words (anything but letters and digits separates
//! words, so "click-through" is "click through"). Patterns with numbers or month names come first
//! ("last 14 days", "in October", "October 2025", "Q3 2026", "top 5"), then the phrases of the
//! [table](TERMS), longest first; each word counts for one phrase only: "cost per click" is CPC, not
//! spend, "google ads" is a platform, not the word "ads", and "month over month" is a comparison,
//! not a month.

use std::collections::HashMap;
use std::sync::LazyLock;

use domain::dates::Preset;
use domain::metrics::Metric;
use domain::platform::Platform;
use domain::tools::{Dimension, Granularity};

use crate::offline::period::{Against, Period, Span};

/// How a question ranks campaigns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Superlative {
    /// "best", "top": the best performer by the measure.
    Best,
    /// "worst", "weakest".
    Worst,
    /// "highest", "most": the largest value.
    Highest,
    /// "lowest", "least": the smallest value.
    Lowest,
}

/// A campaign ranking asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ranking {
    /// How it was asked.
    pub superlative: Superlative,
    /// What to rank by; `None` when the question did not say.
    pub measure: Option<Metric>,
}

/// Which way a question asks figures to have moved: "which campaign's CPA got worse?".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Movement {
    /// "got worse", "worsened": up for costs, down for results.
    Worse,
    /// "improved", "got better".
    Better,
    /// "rose", "increased", "grew".
    Up,
    /// "dropped", "fell", "declined".
    Down,
    /// "changed", "moved".
    Changed,
}

/// A question, as understood.
#[allow(clippy::struct_excessive_bools)] // independent yes-or-no facts read from the question
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Question {
    /// Platforms named, in the order named.
    pub platforms: Vec<Platform>,
    /// Platforms named that the tools do not read at all (`TikTok`), as people name them.
    pub other_platforms: Vec<&'static str>,
    /// Figures asked for, in the order asked; the measures of `rankings` are not repeated here.
    pub metrics: Vec<Metric>,
    /// GA4 breakdowns asked for (traffic sources, devices, pages).
    pub breakdowns: Vec<Dimension>,
    /// Campaign rankings asked for.
    pub rankings: Vec<Ranking>,
    /// How many rows a ranking asks for ("top 5").
    pub limit: Option<u32>,
    /// Whether figures are wanted campaign by campaign.
    pub per_campaign: bool,
    /// Whether the question asks how things are going in general ("overview", "how are we doing").
    pub overview: bool,
    /// Whether the question is about ads in general ("our ads", "paid").
    pub ads_in_general: bool,
    /// Whether a total across platforms is asked for ("total", "across", "combined").
    pub total: bool,
    /// A greeting, thanks or a request for help.
    pub small_talk: bool,
    /// Whether "revenue" or "sales value" was asked for, which the platforms report as conversion
    /// value.
    pub revenue: bool,
    /// Periods named, in the order named.
    pub periods: Vec<Period>,
    /// What the period is compared with, when the question says.
    pub against: Option<Against>,
    /// Whether a comparison word ("vs", "compared") was used.
    pub compare: bool,
    /// Whether figures over time are asked for ("trend", "by week", "chart").
    pub trend: bool,
    /// The bucket size asked for ("daily", "by month").
    pub granularity: Option<Granularity>,
    /// Which way figures should have moved ("got worse", "dropped").
    pub movement: Option<Movement>,
    /// Figures asked for that the data does not hold ("profit"), as people name them.
    pub unavailable: Vec<&'static str>,
}

/// What a phrase of the table means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Term {
    Platform(Platform),
    OtherPlatform(&'static str),
    Metric(Metric),
    /// "revenue": the conversion value the ad platforms report.
    Revenue,
    Breakdown(Dimension),
    Superlative(Superlative),
    /// A ranking's size, from "top 5".
    Limit(u32),
    /// "campaign", "per campaign".
    Campaign,
    /// "platform": rankings compare platforms, which the per-platform figures already do.
    PlatformWord,
    AdsInGeneral,
    Total,
    Overview,
    SmallTalk,
    Period(Period),
    /// "last month", "previous week": a period, or what another is compared with after "vs".
    LastSpan(Span),
    Against(Against),
    Trend(Option<Granularity>),
    Compare,
    Movement(Movement),
    Unavailable(&'static str),
}

/// The phrases of [`TERMS`] split into words, longest first (the sort is stable, so equally long
/// phrases keep the table's order); split once, as every question reads them.
static PHRASES: LazyLock<Vec<(Vec<&'static str>, Term)>> = LazyLock::new(|| {
    let mut table: Vec<(Vec<&str>, Term)> =
        TERMS.iter().map(|&(phrase, term)| (phrase.split(' ').collect(), term)).collect();
    table.sort_by_key(|(phrase_words, _)| std::cmp::Reverse(phrase_words.len()));
    table
});

/// The positions in [`PHRASES`] of the phrases starting with each word.
static PHRASES_BY_FIRST_WORD: LazyLock<HashMap<&'static str, Vec<usize>>> = LazyLock::new(|| {
    let mut index: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, (phrase_words, _)) in PHRASES.iter().enumerate() {
        index.entry(phrase_words[0]).or_default().push(i);
    }
    index
});

/// Every phrase understood, lowercase, words separated by one space.
const TERMS: &[(&str, Term)] = &[
    // Platforms.
    ("google ads", Term::Platform(Platform::GoogleAds)),
    ("google ad", Term::Platform(Platform::GoogleAds)),
    ("adwords", Term::Platform(Platform::GoogleAds)),
    ("google adwords", Term::Platform(Platform::GoogleAds)),
    ("search ads", Term::Platform(Platform::GoogleAds)),
    ("ppc", Term::Platform(Platform::GoogleAds)),
    ("meta", Term::Platform(Platform::MetaAds)),
    ("meta ads", Term::Platform(Platform::MetaAds)),
    ("facebook", Term::Platform(Platform::MetaAds)),
    ("facebook ads", Term::Platform(Platform::MetaAds)),
    ("fb", Term::Platform(Platform::MetaAds)),
    ("instagram", Term::Platform(Platform::MetaAds)),
    ("linkedin", Term::Platform(Platform::LinkedinAds)),
    ("linkedin ads", Term::Platform(Platform::LinkedinAds)),
    ("linked in", Term::Platform(Platform::LinkedinAds)),
    ("ga4", Term::Platform(Platform::GoogleAnalytics)),
    ("ga", Term::Platform(Platform::GoogleAnalytics)),
    ("google analytics", Term::Platform(Platform::GoogleAnalytics)),
    ("analytics", Term::Platform(Platform::GoogleAnalytics)),
    ("website", Term::Platform(Platform::GoogleAnalytics)),
    ("site", Term::Platform(Platform::GoogleAnalytics)),
    ("traffic", Term::Platform(Platform::GoogleAnalytics)),
    ("tiktok", Term::OtherPlatform("TikTok")),
    ("tik tok", Term::OtherPlatform("TikTok")),
    ("twitter", Term::OtherPlatform("X (Twitter)")),
    ("x ads", Term::OtherPlatform("X (Twitter)")),
    ("bing", Term::OtherPlatform("Microsoft Advertising")),
    ("microsoft ads", Term::OtherPlatform("Microsoft Advertising")),
    ("microsoft advertising", Term::OtherPlatform("Microsoft Advertising")),
    ("pinterest", Term::OtherPlatform("Pinterest")),
    ("snapchat", Term::OtherPlatform("Snapchat")),
    ("reddit", Term::OtherPlatform("Reddit")),
    ("amazon ads", Term::OtherPlatform("Amazon Ads")),
    // Ad metrics.
    ("spend", Term::Metric(Metric::Spend)),
    ("spent", Term::Metric(Metric::Spend)),
    ("spending", Term::Metric(Metric::Spend)),
    ("ad spend", Term::Metric(Metric::Spend)),
    ("cost", Term::Metric(Metric::Spend)),
    ("costs", Term::Metric(Metric::Spend)),
    ("pay", Term::Metric(Metric::Spend)),
    ("clicks", Term::Metric(Metric::Clicks)),
    ("click", Term::Metric(Metric::Clicks)),
    ("impressions", Term::Metric(Metric::Impressions)),
    ("impression", Term::Metric(Metric::Impressions)),
    ("ctr", Term::Metric(Metric::Ctr)),
    ("click through rate", Term::Metric(Metric::Ctr)),
    ("clickthrough rate", Term::Metric(Metric::Ctr)),
    ("click rate", Term::Metric(Metric::Ctr)),
    ("conversions", Term::Metric(Metric::Conversions)),
    ("conversion", Term::Metric(Metric::Conversions)),
    ("conv", Term::Metric(Metric::Conversions)),
    ("conversion rate", Term::Metric(Metric::ConversionRate)),
    ("conversion rates", Term::Metric(Metric::ConversionRate)),
    ("cvr", Term::Metric(Metric::ConversionRate)),
    ("leads", Term::Metric(Metric::Leads)),
    ("lead", Term::Metric(Metric::Leads)),
    ("cpl", Term::Metric(Metric::Cpl)),
    ("cost per lead", Term::Metric(Metric::Cpl)),
    ("cpc", Term::Metric(Metric::Cpc)),
    ("cost per click", Term::Metric(Metric::Cpc)),
    ("cpm", Term::Metric(Metric::Cpm)),
    ("cost per mille", Term::Metric(Metric::Cpm)),
    ("cost per thousand", Term::Metric(Metric::Cpm)),
    ("cost per thousand impressions", Term::Metric(Metric::Cpm)),
    ("cpa", Term::Metric(Metric::Cpa)),
    ("cost per conversion", Term::Metric(Metric::Cpa)),
    ("cost per acquisition", Term::Metric(Metric::Cpa)),
    ("roas", Term::Metric(Metric::Roas)),
    ("return on ad spend", Term::Metric(Metric::Roas)),
    ("return on spend", Term::Metric(Metric::Roas)),
    ("conversion value", Term::Metric(Metric::ConversionValue)),
    ("conversions value", Term::Metric(Metric::ConversionValue)),
    ("purchase value", Term::Revenue),
    ("revenue", Term::Revenue),
    ("purchase revenue", Term::Revenue),
    // Analytics metrics.
    ("sessions", Term::Metric(Metric::Sessions)),
    ("session", Term::Metric(Metric::Sessions)),
    ("visits", Term::Metric(Metric::Sessions)),
    ("visit", Term::Metric(Metric::Sessions)),
    ("users", Term::Metric(Metric::Users)),
    ("user", Term::Metric(Metric::Users)),
    ("visitors", Term::Metric(Metric::Users)),
    ("visitor", Term::Metric(Metric::Users)),
    ("active users", Term::Metric(Metric::Users)),
    ("new users", Term::Metric(Metric::NewUsers)),
    ("new visitors", Term::Metric(Metric::NewUsers)),
    ("pageviews", Term::Metric(Metric::Pageviews)),
    ("pageview", Term::Metric(Metric::Pageviews)),
    ("page views", Term::Metric(Metric::Pageviews)),
    ("page view", Term::Metric(Metric::Pageviews)),
    ("views", Term::Metric(Metric::Pageviews)),
    ("engaged sessions", Term::Metric(Metric::EngagedSessions)),
    ("engagement", Term::Metric(Metric::EngagementRate)),
    ("engagement rate", Term::Metric(Metric::EngagementRate)),
    ("bounce", Term::Metric(Metric::BounceRate)),
    ("bounce rate", Term::Metric(Metric::BounceRate)),
    ("bounces", Term::Metric(Metric::BounceRate)),
    ("session duration", Term::Metric(Metric::AvgSessionDuration)),
    ("average session duration", Term::Metric(Metric::AvgSessionDuration)),
    ("avg session duration", Term::Metric(Metric::AvgSessionDuration)),
    ("session length", Term::Metric(Metric::AvgSessionDuration)),
    ("time on site", Term::Metric(Metric::AvgSessionDuration)),
    ("duration", Term::Metric(Metric::AvgSessionDuration)),
    ("pages per session", Term::Metric(Metric::PagesPerSession)),
    ("pages per visit", Term::Metric(Metric::PagesPerSession)),
    // Breakdowns.
    ("sources", Term::Breakdown(Dimension::Source)),
    ("source", Term::Breakdown(Dimension::Source)),
    ("top sources", Term::Breakdown(Dimension::Source)),
    ("traffic sources", Term::Breakdown(Dimension::Source)),
    ("traffic source", Term::Breakdown(Dimension::Source)),
    ("channels", Term::Breakdown(Dimension::Source)),
    ("channel", Term::Breakdown(Dimension::Source)),
    ("referrers", Term::Breakdown(Dimension::Source)),
    ("come from", Term::Breakdown(Dimension::Source)),
    ("comes from", Term::Breakdown(Dimension::Source)),
    ("coming from", Term::Breakdown(Dimension::Source)),
    ("devices", Term::Breakdown(Dimension::Device)),
    ("device", Term::Breakdown(Dimension::Device)),
    ("mobile", Term::Breakdown(Dimension::Device)),
    ("desktop", Term::Breakdown(Dimension::Device)),
    ("tablet", Term::Breakdown(Dimension::Device)),
    ("pages", Term::Breakdown(Dimension::Page)),
    ("page", Term::Breakdown(Dimension::Page)),
    ("top pages", Term::Breakdown(Dimension::Page)),
    ("landing pages", Term::Breakdown(Dimension::Page)),
    ("landing page", Term::Breakdown(Dimension::Page)),
    ("content", Term::Breakdown(Dimension::Page)),
    // Rankings.
    ("best", Term::Superlative(Superlative::Best)),
    ("top", Term::Superlative(Superlative::Best)),
    ("best performing", Term::Superlative(Superlative::Best)),
    ("top performing", Term::Superlative(Superlative::Best)),
    ("winning", Term::Superlative(Superlative::Best)),
    ("strongest", Term::Superlative(Superlative::Best)),
    ("most effective", Term::Superlative(Superlative::Best)),
    ("worst", Term::Superlative(Superlative::Worst)),
    ("worst performing", Term::Superlative(Superlative::Worst)),
    ("weakest", Term::Superlative(Superlative::Worst)),
    ("underperforming", Term::Superlative(Superlative::Worst)),
    ("poorest", Term::Superlative(Superlative::Worst)),
    ("least effective", Term::Superlative(Superlative::Worst)),
    ("highest", Term::Superlative(Superlative::Highest)),
    ("most", Term::Superlative(Superlative::Highest)),
    ("biggest", Term::Superlative(Superlative::Highest)),
    ("largest", Term::Superlative(Superlative::Highest)),
    ("lowest", Term::Superlative(Superlative::Lowest)),
    ("least", Term::Superlative(Superlative::Lowest)),
    ("fewest", Term::Superlative(Superlative::Lowest)),
    ("smallest", Term::Superlative(Superlative::Lowest)),
    ("campaign", Term::Campaign),
    ("campaigns", Term::Campaign),
    ("per campaign", Term::Campaign),
    ("by campaign", Term::Campaign),
    ("each campaign", Term::Campaign),
    ("platform", Term::PlatformWord),
    ("platforms", Term::PlatformWord),
    ("network", Term::PlatformWord),
    ("networks", Term::PlatformWord),
    ("ad", Term::AdsInGeneral),
    ("ads", Term::AdsInGeneral),
    ("advertising", Term::AdsInGeneral),
    ("paid", Term::AdsInGeneral),
    ("paid media", Term::AdsInGeneral),
    ("total", Term::Total),
    ("totals", Term::Total),
    ("overall", Term::Total),
    ("combined", Term::Total),
    ("altogether", Term::Total),
    ("all together", Term::Total),
    ("across", Term::Total),
    ("blended", Term::Total),
    ("all platforms", Term::Total),
    ("all channels", Term::Total),
    ("in total", Term::Total),
    // General questions.
    ("overview", Term::Overview),
    ("summary", Term::Overview),
    ("summarize", Term::Overview),
    ("summarise", Term::Overview),
    ("performance", Term::Overview),
    ("performing", Term::Overview),
    ("perform", Term::Overview),
    ("performed", Term::Overview),
    ("doing", Term::Overview),
    ("going", Term::Overview),
    ("report", Term::Overview),
    ("everything", Term::Overview),
    ("kpi", Term::Overview),
    ("kpis", Term::Overview),
    ("numbers", Term::Overview),
    ("stats", Term::Overview),
    ("statistics", Term::Overview),
    ("metrics", Term::Overview),
    ("results", Term::Overview),
    ("figures", Term::Overview),
    ("data", Term::Overview),
    ("hi", Term::SmallTalk),
    ("hello", Term::SmallTalk),
    ("hey", Term::SmallTalk),
    ("thanks", Term::SmallTalk),
    ("thank you", Term::SmallTalk),
    ("good morning", Term::SmallTalk),
    ("good afternoon", Term::SmallTalk),
    ("help", Term::SmallTalk),
    ("what can you do", Term::SmallTalk),
    ("who are you", Term::SmallTalk),
    // Periods.
    ("today", Term::Period(Period::Preset(Preset::Today))),
    ("so far today", Term::Period(Period::Preset(Preset::Today))),
    ("yesterday", Term::Period(Period::Preset(Preset::Yesterday))),
    ("this week", Term::Period(Period::Preset(Preset::ThisWeek))),
    ("week to date", Term::Period(Period::Preset(Preset::ThisWeek))),
    ("wtd", Term::Period(Period::Preset(Preset::ThisWeek))),
    ("last week", Term::LastSpan(Span::Week)),
    ("previous week", Term::LastSpan(Span::Week)),
    ("prior week", Term::LastSpan(Span::Week)),
    ("past week", Term::Period(Period::Preset(Preset::Last7Days))),
    ("this month", Term::Period(Period::Preset(Preset::ThisMonth))),
    ("month to date", Term::Period(Period::Preset(Preset::ThisMonth))),
    ("mtd", Term::Period(Period::Preset(Preset::ThisMonth))),
    ("last month", Term::LastSpan(Span::Month)),
    ("previous month", Term::LastSpan(Span::Month)),
    ("prior month", Term::LastSpan(Span::Month)),
    ("past month", Term::Period(Period::Preset(Preset::Last30Days))),
    ("this quarter", Term::Period(Period::Preset(Preset::ThisQuarter))),
    ("quarter to date", Term::Period(Period::Preset(Preset::ThisQuarter))),
    ("qtd", Term::Period(Period::Preset(Preset::ThisQuarter))),
    ("last quarter", Term::LastSpan(Span::Quarter)),
    ("previous quarter", Term::LastSpan(Span::Quarter)),
    ("prior quarter", Term::LastSpan(Span::Quarter)),
    ("past quarter", Term::Period(Period::Last { count: 3, span: Span::Month })),
    ("this year", Term::Period(Period::Preset(Preset::ThisYear))),
    ("year to date", Term::Period(Period::Preset(Preset::ThisYear))),
    ("ytd", Term::Period(Period::Preset(Preset::ThisYear))),
    ("last year", Term::LastSpan(Span::Year)),
    ("previous year", Term::LastSpan(Span::Year)),
    ("prior year", Term::LastSpan(Span::Year)),
    ("past year", Term::Period(Period::Last { count: 12, span: Span::Month })),
    ("first quarter", Term::Period(Period::Quarter { quarter: 1, year: None })),
    ("second quarter", Term::Period(Period::Quarter { quarter: 2, year: None })),
    ("third quarter", Term::Period(Period::Quarter { quarter: 3, year: None })),
    ("fourth quarter", Term::Period(Period::Quarter { quarter: 4, year: None })),
    // What a period is compared with.
    ("the week before", Term::Against(Against::Before(Span::Week))),
    ("week before", Term::Against(Against::Before(Span::Week))),
    ("week over week", Term::Against(Against::Before(Span::Week))),
    ("week on week", Term::Against(Against::Before(Span::Week))),
    ("wow", Term::Against(Against::Before(Span::Week))),
    ("the month before", Term::Against(Against::Before(Span::Month))),
    ("month before", Term::Against(Against::Before(Span::Month))),
    ("month over month", Term::Against(Against::Before(Span::Month))),
    ("month on month", Term::Against(Against::Before(Span::Month))),
    ("mom", Term::Against(Against::Before(Span::Month))),
    ("the quarter before", Term::Against(Against::Before(Span::Quarter))),
    ("quarter before", Term::Against(Against::Before(Span::Quarter))),
    ("quarter over quarter", Term::Against(Against::Before(Span::Quarter))),
    ("qoq", Term::Against(Against::Before(Span::Quarter))),
    ("the year before", Term::Against(Against::LastYear)),
    ("year before", Term::Against(Against::LastYear)),
    ("year over year", Term::Against(Against::LastYear)),
    ("year on year", Term::Against(Against::LastYear)),
    ("yoy", Term::Against(Against::LastYear)),
    ("same period last year", Term::Against(Against::LastYear)),
    ("same time last year", Term::Against(Against::LastYear)),
    ("this time last year", Term::Against(Against::LastYear)),
    ("a year ago", Term::Against(Against::LastYear)),
    ("the day before", Term::Against(Against::PreviousPeriod)),
    ("day before", Term::Against(Against::PreviousPeriod)),
    ("previous period", Term::Against(Against::PreviousPeriod)),
    ("prior period", Term::Against(Against::PreviousPeriod)),
    ("preceding period", Term::Against(Against::PreviousPeriod)),
    ("period before", Term::Against(Against::PreviousPeriod)),
    ("period over period", Term::Against(Against::PreviousPeriod)),
    ("vs", Term::Compare),
    ("versus", Term::Compare),
    ("compare", Term::Compare),
    ("compared", Term::Compare),
    ("comparison", Term::Compare),
    ("against", Term::Compare),
    ("than", Term::Compare),
    ("relative to", Term::Compare),
    // Figures over time.
    ("trend", Term::Trend(None)),
    ("trends", Term::Trend(None)),
    ("trending", Term::Trend(None)),
    ("over time", Term::Trend(None)),
    ("chart", Term::Trend(None)),
    ("graph", Term::Trend(None)),
    ("plot", Term::Trend(None)),
    ("timeline", Term::Trend(None)),
    ("time series", Term::Trend(None)),
    ("daily", Term::Trend(Some(Granularity::Day))),
    ("by day", Term::Trend(Some(Granularity::Day))),
    ("per day", Term::Trend(Some(Granularity::Day))),
    ("each day", Term::Trend(Some(Granularity::Day))),
    ("day by day", Term::Trend(Some(Granularity::Day))),
    ("weekly", Term::Trend(Some(Granularity::Week))),
    ("by week", Term::Trend(Some(Granularity::Week))),
    ("per week", Term::Trend(Some(Granularity::Week))),
    ("each week", Term::Trend(Some(Granularity::Week))),
    ("week by week", Term::Trend(Some(Granularity::Week))),
    ("monthly", Term::Trend(Some(Granularity::Month))),
    ("by month", Term::Trend(Some(Granularity::Month))),
    ("per month", Term::Trend(Some(Granularity::Month))),
    ("each month", Term::Trend(Some(Granularity::Month))),
    ("month by month", Term::Trend(Some(Granularity::Month))),
    // Which way figures moved.
    ("worse", Term::Movement(Movement::Worse)),
    ("got worse", Term::Movement(Movement::Worse)),
    ("worsened", Term::Movement(Movement::Worse)),
    ("deteriorated", Term::Movement(Movement::Worse)),
    ("better", Term::Movement(Movement::Better)),
    ("got better", Term::Movement(Movement::Better)),
    ("improved", Term::Movement(Movement::Better)),
    ("improve", Term::Movement(Movement::Better)),
    ("increase", Term::Movement(Movement::Up)),
    ("increased", Term::Movement(Movement::Up)),
    ("rose", Term::Movement(Movement::Up)),
    ("rise", Term::Movement(Movement::Up)),
    ("risen", Term::Movement(Movement::Up)),
    ("grew", Term::Movement(Movement::Up)),
    ("grown", Term::Movement(Movement::Up)),
    ("growth", Term::Movement(Movement::Up)),
    ("went up", Term::Movement(Movement::Up)),
    ("gone up", Term::Movement(Movement::Up)),
    ("jumped", Term::Movement(Movement::Up)),
    ("decrease", Term::Movement(Movement::Down)),
    ("decreased", Term::Movement(Movement::Down)),
    ("dropped", Term::Movement(Movement::Down)),
    ("drop", Term::Movement(Movement::Down)),
    ("fell", Term::Movement(Movement::Down)),
    ("fallen", Term::Movement(Movement::Down)),
    ("declined", Term::Movement(Movement::Down)),
    ("decline", Term::Movement(Movement::Down)),
    ("went down", Term::Movement(Movement::Down)),
    ("gone down", Term::Movement(Movement::Down)),
    ("change", Term::Movement(Movement::Changed)),
    ("changed", Term::Movement(Movement::Changed)),
    ("changes", Term::Movement(Movement::Changed)),
    ("difference", Term::Movement(Movement::Changed)),
    // Figures the platforms do not report.
    ("sales", Term::Unavailable("sales")),
    ("profit", Term::Unavailable("profit")),
    ("profits", Term::Unavailable("profit")),
    ("margin", Term::Unavailable("margins")),
    ("margins", Term::Unavailable("margins")),
    ("roi", Term::Unavailable("return on investment")),
    ("return on investment", Term::Unavailable("return on investment")),
    ("aov", Term::Unavailable("average order value")),
    ("average order value", Term::Unavailable("average order value")),
    ("orders", Term::Unavailable("orders")),
    ("purchases", Term::Unavailable("purchases")),
    ("ltv", Term::Unavailable("lifetime value")),
    ("lifetime value", Term::Unavailable("lifetime value")),
    ("budget", Term::Unavailable("budgets")),
    ("budgets", Term::Unavailable("budgets")),
    ("reach", Term::Unavailable("reach")),
    ("frequency", Term::Unavailable("frequency")),
    ("video views", Term::Unavailable("video views")),
    ("followers", Term::Unavailable("followers")),
    ("quality score", Term::Unavailable("quality score")),
    ("impression share", Term::Unavailable("impression share")),
    ("returning users", Term::Unavailable("returning users")),
    ("signups", Term::Unavailable("sign-ups")),
    ("sign ups", Term::Unavailable("sign-ups")),
    ("keywords", Term::Unavailable("keywords")),
    ("keyword", Term::Unavailable("keywords")),
];

/// Month names and their usual abbreviations; "may" is a month only where a date is expected.
const MONTHS: &[(&str, u32)] = &[
    ("january", 1),
    ("jan", 1),
    ("february", 2),
    ("feb", 2),
    ("march", 3),
    ("mar", 3),
    ("april", 4),
    ("apr", 4),
    ("may", 5),
    ("june", 6),
    ("jun", 6),
    ("july", 7),
    ("jul", 7),
    ("august", 8),
    ("aug", 8),
    ("september", 9),
    ("sept", 9),
    ("sep", 9),
    ("october", 10),
    ("oct", 10),
    ("november", 11),
    ("nov", 11),
    ("december", 12),
    ("dec", 12),
];

/// Words that may stand between a comparison word and the period compared with: "compared to the
/// month before".
const FILLERS: &[&str] = &["the", "to", "with", "in", "for", "during", "of", "what", "it", "was"];

impl Question {
    /// Reads a question.
    pub fn parse(text: &str) -> Self {
        let lowered = text.to_lowercase();
        let words: Vec<&str> = lowered.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).collect();
        let mut used = vec![false; words.len()];
        let mut terms = patterns(&words, &mut used);
        terms.extend(find_terms(&words, &mut used));
        terms.sort_by_key(|t| t.0);
        Self::from_terms(&words, &terms)
    }

    fn from_terms(words: &[&str], terms: &[(usize, usize, Term)]) -> Self {
        let mut q = Question::default();
        let mut superlatives = Vec::new();
        let mut platform_word = false;
        // Periods with whether they follow a comparison word directly: "vs last month".
        let mut mentions: Vec<(Term, bool)> = Vec::new();
        let mut compare_end: Option<usize> = None;
        for &(start, end, term) in terms {
            let after_compare = compare_end.is_some_and(|e| words[e..start].iter().all(|w| FILLERS.contains(w)));
            match term {
                Term::Platform(p) => push_new(&mut q.platforms, p),
                Term::OtherPlatform(name) => push_new(&mut q.other_platforms, name),
                Term::Metric(m) => push_new(&mut q.metrics, m),
                Term::Revenue => {
                    q.revenue = true;
                    push_new(&mut q.metrics, Metric::ConversionValue);
                }
                Term::Breakdown(d) => push_new(&mut q.breakdowns, d),
                Term::Superlative(s) => push_new(&mut superlatives, s),
                Term::Limit(n) => q.limit = Some(n),
                Term::Campaign => q.per_campaign = true,
                Term::PlatformWord => platform_word = true,
                Term::AdsInGeneral => q.ads_in_general = true,
                Term::Total => q.total = true,
                Term::Overview => q.overview = true,
                Term::SmallTalk => q.small_talk = true,
                Term::Period(_) | Term::LastSpan(_) => mentions.push((term, after_compare)),
                Term::Against(a) => q.against = Some(a),
                Term::Trend(g) => {
                    q.trend = true;
                    q.granularity = q.granularity.or(g);
                }
                Term::Compare => {
                    q.compare = true;
                    compare_end = Some(end);
                }
                Term::Movement(m) => q.movement = q.movement.or(Some(m)),
                Term::Unavailable(name) => push_new(&mut q.unavailable, name),
            }
        }
        // "Vs last year" is the same days a year earlier, and a lone period right after "vs" is
        // what the (unnamed) current period is compared with.
        let compared = mentions
            .iter()
            .position(|(term, after)| *after && (mentions.len() == 1 || matches!(term, Term::LastSpan(Span::Year))));
        if let (Some(at), None) = (compared, q.against) {
            q.against = Some(match mentions.remove(at).0 {
                Term::LastSpan(Span::Year) => Against::LastYear,
                Term::LastSpan(span) => Against::Last(span),
                Term::Period(period) => Against::Period(period),
                _ => Against::PreviousPeriod,
            });
        }
        q.periods = mentions
            .iter()
            .map(|(term, _)| match *term {
                Term::LastSpan(span) => Period::Preset(last_preset(span)),
                Term::Period(period) => period,
                _ => Period::Preset(Preset::Last30Days),
            })
            .collect();
        // "Which platform spent most" is answered by the per-platform figures, not by a ranking.
        // "Top pages" and "top sources" rank the breakdown itself.
        if !platform_word {
            let unmeasured = q.breakdowns.is_empty() && q.metrics.is_empty();
            q.rankings = rankings(&superlatives, &mut q.metrics, q.per_campaign || unmeasured);
        }
        q
    }

    /// Whether the question asks for anything the figures could answer.
    pub fn asks_for_figures(&self) -> bool {
        self.has_subject() || self.trend
    }

    /// Whether the question names what it is about (figures, platforms, campaigns), as opposed to
    /// only a period ("and last month?").
    pub fn has_subject(&self) -> bool {
        !self.metrics.is_empty()
            || !self.breakdowns.is_empty()
            || !self.rankings.is_empty()
            || self.per_campaign
            || self.overview
            || self.ads_in_general
            || self.total
            || !self.platforms.is_empty()
    }

    /// Whether the question is only a period or a comparison, as a follow-up asks ("and the month
    /// before?", "what about yesterday?").
    pub fn is_follow_up(&self) -> bool {
        !self.has_subject()
            && self.unavailable.is_empty()
            && self.other_platforms.is_empty()
            && (!self.periods.is_empty() || self.against.is_some() || self.trend)
    }

    /// This follow-up, about what `earlier` was about.
    #[must_use]
    pub fn about(mut self, earlier: &Question) -> Self {
        self.platforms.clone_from(&earlier.platforms);
        self.metrics.clone_from(&earlier.metrics);
        self.breakdowns.clone_from(&earlier.breakdowns);
        self.rankings.clone_from(&earlier.rankings);
        self.limit = self.limit.or(earlier.limit);
        self.per_campaign = earlier.per_campaign;
        self.overview = earlier.overview;
        self.ads_in_general = earlier.ads_in_general;
        self.total = earlier.total;
        self.revenue = earlier.revenue;
        self.movement = self.movement.or(earlier.movement);
        self
    }
}

/// The preset of the last complete span.
const fn last_preset(span: Span) -> Preset {
    match span {
        Span::Day => Preset::Yesterday,
        Span::Week => Preset::LastWeek,
        Span::Month => Preset::LastMonth,
        Span::Quarter => Preset::LastQuarter,
        Span::Year => Preset::LastYear,
    }
}

/// A number written in digits or as a word up to twelve.
fn number(word: &str) -> Option<u32> {
    const WORDS: [&str; 12] =
        ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve"];
    if word.len() <= 3 && word.chars().all(|c| c.is_ascii_digit()) {
        return word.parse().ok().filter(|n| *n > 0);
    }
    WORDS.iter().position(|w| *w == word).and_then(|i| u32::try_from(i + 1).ok())
}

/// A four-digit year from 2000 to 2100.
fn year(word: Option<&&str>) -> Option<i32> {
    word.filter(|w| w.len() == 4).and_then(|w| w.parse::<i32>().ok()).filter(|y| (2000..=2100).contains(y))
}

fn span(word: &str) -> Option<Span> {
    match word {
        "day" | "days" => Some(Span::Day),
        "week" | "weeks" => Some(Span::Week),
        "month" | "months" => Some(Span::Month),
        "quarter" | "quarters" => Some(Span::Quarter),
        "year" | "years" => Some(Span::Year),
        _ => None,
    }
}

/// The terms written with numbers or month names, marking their words used: "last 14 days", "the
/// past two weeks", "in October", "October 2025", "Q3 2026", "in 2025", "top 5".
fn patterns(words: &[&str], used: &mut [bool]) -> Vec<(usize, usize, Term)> {
    let mut found = Vec::new();
    let mut mark = |found: &mut Vec<(usize, usize, Term)>, start: usize, end: usize, term: Term| {
        used[start..end].iter_mut().for_each(|u| *u = true);
        found.push((start, end, term));
    };
    let mut i = 0;
    while i < words.len() {
        let word = words[i];
        let next = words.get(i + 1).copied();
        // "last 14 days", "past 3 months", "previous two weeks".
        if matches!(word, "last" | "past" | "previous" | "prior") {
            if let (Some(count), Some(span)) = (next.and_then(number), words.get(i + 2).and_then(|w| span(w))) {
                mark(&mut found, i, i + 3, Term::Period(Period::Last { count, span }));
                i += 3;
                continue;
            }
        }
        // "top 5 campaigns", "5 best campaigns".
        if word == "top" {
            if let Some(n) = next.and_then(number) {
                mark(&mut found, i, i + 2, Term::Superlative(Superlative::Best));
                found.push((i + 1, i + 2, Term::Limit(n)));
                i += 2;
                continue;
            }
        }
        if let (Some(n), Some("best" | "worst")) = (number(word), next) {
            if next.is_none_or(|w| span(w).is_none()) {
                mark(&mut found, i, i + 1, Term::Limit(n));
                i += 1;
                continue;
            }
        }
        // "Q3", "Q3 2026".
        if let Some(quarter) =
            word.strip_prefix('q').and_then(|q| q.parse::<u32>().ok()).filter(|q| (1..=4).contains(q))
        {
            if word.len() == 2 {
                let y = year(words.get(i + 1));
                let end = if y.is_some() { i + 2 } else { i + 1 };
                mark(&mut found, i, end, Term::Period(Period::Quarter { quarter, year: y }));
                i = end;
                continue;
            }
        }
        // "October", "in Oct 2025"; "may" only after "in", "for", "during", "of", "since" or before
        // a year, so that "may I ask" is not a month.
        if let Some(&(_, month)) = MONTHS.iter().find(|(name, _)| *name == word) {
            let y = year(words.get(i + 1));
            let dated = i > 0 && matches!(words[i - 1], "in" | "for" | "during" | "of" | "since" | "from" | "vs");
            if word != "may" || dated || y.is_some() {
                let end = if y.is_some() { i + 2 } else { i + 1 };
                mark(&mut found, i, end, Term::Period(Period::Month { month, year: y }));
                i = end;
                continue;
            }
        }
        // "in 2025", "2026 vs 2025".
        if let Some(y) = year(Some(&word)) {
            mark(&mut found, i, i + 1, Term::Period(Period::Year(y)));
        }
        i += 1;
    }
    found
}

/// The terms of the table in `words`, matched longest phrase first without reusing a word:
/// `(first word, end, term)`.
fn find_terms(words: &[&str], used: &mut [bool]) -> Vec<(usize, usize, Term)> {
    // A phrase can match only where its first word is: visit just those places, phrase by phrase
    // in the table's order and left to right, as if every phrase were tried everywhere.
    let mut candidates: Vec<(usize, usize)> = words
        .iter()
        .enumerate()
        .filter_map(|(start, w)| PHRASES_BY_FIRST_WORD.get(w).map(|phrases| (start, phrases)))
        .flat_map(|(start, phrases)| phrases.iter().map(move |&phrase| (phrase, start)))
        .collect();
    candidates.sort_unstable();
    let mut found = Vec::new();
    for (phrase, start) in candidates {
        let (phrase_words, term) = &PHRASES[phrase];
        let span = start..start + phrase_words.len();
        if span.end <= words.len() && used[span.clone()].iter().all(|u| !u) && words[span.clone()] == phrase_words[..] {
            used[span].iter_mut().for_each(|u| *u = true);
            found.push((start, start + phrase_words.len(), *term));
        }
    }
    found
}

/// The rankings the superlatives ask for, `about_campaigns` when the question is about campaigns or
/// names nothing else to rank. Metrics that can measure them become their measures and leave
/// `metrics`: "best CTR" ranks by CTR, "most spend" ranks by spend, but "best campaign and total
/// spend" ranks by the default measure and still reports spend.
fn rankings(superlatives: &[Superlative], metrics: &mut Vec<Metric>, about_campaigns: bool) -> Vec<Ranking> {
    let mut out = Vec::new();
    let mut measures_used = Vec::new();
    for &superlative in superlatives {
        let judges = |m: &Metric| {
            m.is_ad_metric()
                && match superlative {
                    Superlative::Best | Superlative::Worst => m.higher_is_better().is_some(),
                    Superlative::Highest | Superlative::Lowest => true,
                }
        };
        let measures: Vec<Metric> = metrics.iter().copied().filter(judges).collect();
        // "Most" and "top" are everyday words: they rank only what can be ranked, or campaigns.
        let ranks = match superlative {
            Superlative::Best | Superlative::Worst => about_campaigns || !measures.is_empty(),
            Superlative::Highest | Superlative::Lowest => !measures.is_empty(),
        };
        if !ranks {
            continue;
        }
        if measures.is_empty() {
            out.push(Ranking { superlative, measure: None });
        }
        for m in measures {
            out.push(Ranking { superlative, measure: Some(m) });
            push_new(&mut measures_used, m);
        }
    }
    metrics.retain(|m| !measures_used.contains(m));
    out
}

fn push_new<T: PartialEq>(items: &mut Vec<T>, item: T) {
    if !items.contains(&item) {
        items.push(item);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use Metric as M;
    use Platform as P;

    #[test]
    fn platforms_are_recognised_by_their_everyday_names() {
        let cases: &[(&str, &[Platform])] = &[
            ("How much did we spend on Google Ads?", &[P::GoogleAds]),
            ("adwords clicks", &[P::GoogleAds]),
            ("What's the bounce rate in GA4?", &[P::GoogleAnalytics]),
            ("google analytics users", &[P::GoogleAnalytics]),
            ("Facebook and Instagram spend", &[P::MetaAds]),
            ("meta vs linkedin", &[P::MetaAds, P::LinkedinAds]),
            ("LinkedIn leads", &[P::LinkedinAds]),
            ("total spend", &[]),
            ("what's in the metadata", &[]),
        ];
        for (text, platforms) in cases {
            assert_eq!(Question::parse(text).platforms, *platforms, "{text}");
        }
        assert_eq!(Question::parse("tiktok spend").other_platforms, ["TikTok"]);
    }

    #[test]
    fn metrics_are_recognised_longest_phrase_first() {
        let cases: &[(&str, &[Metric])] = &[
            ("what's our total spend", &[M::Spend]),
            ("how much did it cost", &[M::Spend]),
            ("cost per click on meta", &[M::Cpc]),
            ("What is the click-through rate?", &[M::Ctr]),
            ("return on ad spend", &[M::Roas]),
            ("spend, clicks and impressions", &[M::Spend, M::Clicks, M::Impressions]),
            ("conversion rate and conversions", &[M::ConversionRate, M::Conversions]),
            ("LinkedIn leads and cost per lead", &[M::Leads, M::Cpl]),
            ("bounce rate", &[M::BounceRate]),
            ("average session duration and sessions", &[M::AvgSessionDuration, M::Sessions]),
            ("new users and engagement rate", &[M::NewUsers, M::EngagementRate]),
            ("what's our revenue", &[M::ConversionValue]),
            ("what's our CPM", &[M::Cpm]),
        ];
        for (text, metrics) in cases {
            assert_eq!(Question::parse(text).metrics, *metrics, "{text}");
        }
        assert!(Question::parse("what's our revenue").revenue);
        assert_eq!(Question::parse("top pages by page views").breakdowns, [Dimension::Page]);
        assert_eq!(Question::parse("mobile vs desktop").breakdowns, [Dimension::Device]);
    }

    #[test]
    fn superlatives_become_campaign_rankings_with_their_measure() {
        let r = |superlative, measure| Ranking { superlative, measure };
        let cases: &[(&str, &[Ranking])] = &[
            ("What's our best campaign?", &[r(Superlative::Best, None)]),
            ("Which is the best performing campaign?", &[r(Superlative::Best, None)]),
            ("best and worst campaigns", &[r(Superlative::Best, None), r(Superlative::Worst, None)]),
            ("which campaign has the best CTR", &[r(Superlative::Best, Some(M::Ctr))]),
            ("worst campaign by ROAS", &[r(Superlative::Worst, Some(M::Roas))]),
            ("which campaign spent the most", &[r(Superlative::Highest, Some(M::Spend))]),
            ("lowest cost per conversion", &[r(Superlative::Lowest, Some(M::Cpa))]),
            ("most visited pages", &[]),
            ("which platform has the highest spend", &[]),
            ("what is the total spend", &[]),
        ];
        for (text, rankings) in cases {
            assert_eq!(Question::parse(text).rankings, *rankings, "{text}");
        }
        assert_eq!(Question::parse("top 3 campaigns by clicks").limit, Some(3));
    }

    #[test]
    fn period_words_are_read_with_what_they_are_compared_with() {
        let p = Period::Preset;
        let cases: Vec<(&str, Vec<Period>, Option<Against>)> = vec![
            ("total spend", vec![], None),
            ("google ads vs meta spend", vec![], None),
            ("spend last month", vec![p(Preset::LastMonth)], None),
            ("clicks in the last 14 days", vec![Period::Last { count: 14, span: Span::Day }], None),
            ("sessions over the past two weeks", vec![Period::Last { count: 2, span: Span::Week }], None),
            ("spend in October", vec![Period::Month { month: 10, year: None }], None),
            ("spend in Oct 2025", vec![Period::Month { month: 10, year: Some(2025) }], None),
            ("may I see spend for May?", vec![Period::Month { month: 5, year: None }], None),
            ("Q3 spend", vec![Period::Quarter { quarter: 3, year: None }], None),
            ("Q3 2026 spend", vec![Period::Quarter { quarter: 3, year: Some(2026) }], None),
            ("spend year to date", vec![p(Preset::ThisYear)], None),
            ("spend last month vs the month before", vec![p(Preset::LastMonth)], Some(Against::Before(Span::Month))),
            ("spend month over month", vec![], Some(Against::Before(Span::Month))),
            ("sessions vs last month", vec![], Some(Against::Last(Span::Month))),
            ("clicks compared to the previous period", vec![], Some(Against::PreviousPeriod)),
            ("spend this month vs last month", vec![p(Preset::ThisMonth), p(Preset::LastMonth)], None),
            ("ctr yoy", vec![], Some(Against::LastYear)),
            ("spend last week vs last year", vec![p(Preset::LastWeek)], Some(Against::LastYear)),
            ("spend in 2025", vec![Period::Year(2025)], None),
        ];
        for (text, periods, against) in cases {
            let q = Question::parse(text);
            assert_eq!((q.periods, q.against), (periods, against), "{text}");
        }
    }

    #[test]
    fn trend_words_ask_for_figures_over_time_by_their_bucket() {
        let cases = [
            ("spend trend", true, None),
            ("sessions by week", true, Some(Granularity::Week)),
            ("daily clicks", true, Some(Granularity::Day)),
            ("monthly spend chart", true, Some(Granularity::Month)),
            ("spend month over month", false, None),
        ];
        for (text, trend, granularity) in cases {
            let q = Question::parse(text);
            assert_eq!((q.trend, q.granularity), (trend, granularity), "{text}");
        }
        assert_eq!(Question::parse("which campaign's CPA got worse?").movement, Some(Movement::Worse));
    }

    #[test]
    fn figures_the_data_lacks_are_named() {
        let q = Question::parse("What's our profit and margin?");
        assert_eq!(q.unavailable, ["profit", "margins"]);
        assert!(q.metrics.is_empty());
    }

    #[test]
    fn a_question_of_only_a_period_follows_up_on_the_one_before() {
        let earlier = Question::parse("google ads spend last week");
        let follow_up = Question::parse("and the month before?");
        assert!(follow_up.is_follow_up());
        let q = Question::parse("what about yesterday?").about(&earlier);
        assert_eq!(q.platforms, [P::GoogleAds]);
        assert_eq!(q.metrics, [M::Spend]);
        assert_eq!(q.periods, [Period::Preset(Preset::Yesterday)]);
        assert!(!Question::parse("hello").is_follow_up());
    }

    #[test]
    fn greetings_ask_for_no_figures() {
        let q = Question::parse("Hello there!");
        assert!(q.small_talk);
        assert!(!q.asks_for_figures());
        assert!(Question::parse("How are we doing?").asks_for_figures());
        assert!(!Question::parse("What is the meaning of life?").asks_for_figures());
    }
}
