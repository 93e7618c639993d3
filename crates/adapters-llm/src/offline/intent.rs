//! Intent detection: what a question asks for, read with lowercase keyword tables.
//!
//! The question is lowercased and split into words (anything but letters and digits separates
//! words, so "click-through" is "click through"). Phrases of the [table](TERMS) are then matched,
//! longest first, and each word counts for one phrase only: "cost per click" is CPC, not spend, and
//! "google ads" is a platform, not the word "ads".

use domain::platform::Platform;

use crate::offline::figures::Metric;

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
    /// What to rank by; `None` when the question did not say (conversions, else ROAS, else CTR).
    pub measure: Option<Metric>,
}

/// Whether and how a question is about a period of time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PeriodAsk {
    /// No period mentioned.
    Latest,
    /// One period ("last month"), which the latest snapshot cannot single out.
    Specific(&'static str),
    /// A comparison of periods or a trend, which needs history the view does not hold.
    Comparison,
}

/// A question, as understood.
#[allow(clippy::struct_excessive_bools)] // independent yes-or-no facts read from the question
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Question {
    /// Platforms named, in the order named.
    pub platforms: Vec<Platform>,
    /// Figures asked for, in the order asked; the measures of `rankings` are not repeated here.
    pub metrics: Vec<Metric>,
    /// Campaign rankings asked for.
    pub rankings: Vec<Ranking>,
    /// Whether figures are wanted campaign by campaign.
    pub per_campaign: bool,
    /// Whether the question asks how things are going in general ("overview", "how are we doing").
    pub overview: bool,
    /// Whether the question is about ads in general ("our ads", "paid").
    pub ads_in_general: bool,
    /// A greeting, thanks or a request for help.
    pub small_talk: bool,
    /// Whether a period is asked for.
    pub period: PeriodAsk,
    /// Figures asked for that the data does not hold ("revenue"), as people name them.
    pub unavailable: Vec<&'static str>,
}

/// What a phrase of the table means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Term {
    Platform(Platform),
    Metric(Metric),
    Superlative(Superlative),
    /// "campaign", "per campaign".
    Campaign,
    /// "platform": rankings compare platforms, which the per-platform figures already do.
    PlatformWord,
    AdsInGeneral,
    Overview,
    SmallTalk,
    Period,
    Trend,
    Compare,
    Unavailable(&'static str),
}

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
    ("leads", Term::Metric(Metric::Conversions)),
    ("lead", Term::Metric(Metric::Conversions)),
    ("conversion rate", Term::Metric(Metric::ConversionRate)),
    ("conversion rates", Term::Metric(Metric::ConversionRate)),
    ("cvr", Term::Metric(Metric::ConversionRate)),
    ("lead rate", Term::Metric(Metric::ConversionRate)),
    ("cpc", Term::Metric(Metric::Cpc)),
    ("cost per click", Term::Metric(Metric::Cpc)),
    ("cpm", Term::Metric(Metric::Cpm)),
    ("cost per mille", Term::Metric(Metric::Cpm)),
    ("cost per thousand", Term::Metric(Metric::Cpm)),
    ("cost per thousand impressions", Term::Metric(Metric::Cpm)),
    ("cpa", Term::Metric(Metric::Cpa)),
    ("cpl", Term::Metric(Metric::Cpa)),
    ("cost per conversion", Term::Metric(Metric::Cpa)),
    ("cost per acquisition", Term::Metric(Metric::Cpa)),
    ("cost per lead", Term::Metric(Metric::Cpa)),
    ("roas", Term::Metric(Metric::Roas)),
    ("return on ad spend", Term::Metric(Metric::Roas)),
    ("return on spend", Term::Metric(Metric::Roas)),
    // Analytics metrics.
    ("sessions", Term::Metric(Metric::Sessions)),
    ("session", Term::Metric(Metric::Sessions)),
    ("visits", Term::Metric(Metric::Sessions)),
    ("visit", Term::Metric(Metric::Sessions)),
    ("users", Term::Metric(Metric::Users)),
    ("user", Term::Metric(Metric::Users)),
    ("visitors", Term::Metric(Metric::Users)),
    ("visitor", Term::Metric(Metric::Users)),
    ("pageviews", Term::Metric(Metric::Pageviews)),
    ("pageview", Term::Metric(Metric::Pageviews)),
    ("page views", Term::Metric(Metric::Pageviews)),
    ("page view", Term::Metric(Metric::Pageviews)),
    ("bounce", Term::Metric(Metric::BounceRate)),
    ("bounce rate", Term::Metric(Metric::BounceRate)),
    ("bounces", Term::Metric(Metric::BounceRate)),
    ("session duration", Term::Metric(Metric::AvgSessionDuration)),
    ("average session duration", Term::Metric(Metric::AvgSessionDuration)),
    ("avg session duration", Term::Metric(Metric::AvgSessionDuration)),
    ("session length", Term::Metric(Metric::AvgSessionDuration)),
    ("time on site", Term::Metric(Metric::AvgSessionDuration)),
    ("duration", Term::Metric(Metric::AvgSessionDuration)),
    ("sources", Term::Metric(Metric::TopSources)),
    ("source", Term::Metric(Metric::TopSources)),
    ("top sources", Term::Metric(Metric::TopSources)),
    ("traffic sources", Term::Metric(Metric::TopSources)),
    ("traffic source", Term::Metric(Metric::TopSources)),
    ("channels", Term::Metric(Metric::TopSources)),
    ("channel", Term::Metric(Metric::TopSources)),
    ("referrers", Term::Metric(Metric::TopSources)),
    ("come from", Term::Metric(Metric::TopSources)),
    ("comes from", Term::Metric(Metric::TopSources)),
    ("coming from", Term::Metric(Metric::TopSources)),
    ("devices", Term::Metric(Metric::Devices)),
    ("device", Term::Metric(Metric::Devices)),
    ("mobile", Term::Metric(Metric::Devices)),
    ("desktop", Term::Metric(Metric::Devices)),
    ("tablet", Term::Metric(Metric::Devices)),
    ("pages", Term::Metric(Metric::TopPages)),
    ("page", Term::Metric(Metric::TopPages)),
    ("top pages", Term::Metric(Metric::TopPages)),
    ("landing pages", Term::Metric(Metric::TopPages)),
    ("content", Term::Metric(Metric::TopPages)),
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
    // General questions.
    ("overview", Term::Overview),
    ("summary", Term::Overview),
    ("summarize", Term::Overview),
    ("summarise", Term::Overview),
    ("performance", Term::Overview),
    ("performing", Term::Overview),
    ("perform", Term::Overview),
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
    // Time.
    ("today", Term::Period),
    ("yesterday", Term::Period),
    ("this week", Term::Period),
    ("last week", Term::Period),
    ("past week", Term::Period),
    ("previous week", Term::Period),
    ("this month", Term::Period),
    ("last month", Term::Period),
    ("past month", Term::Period),
    ("previous month", Term::Period),
    ("this quarter", Term::Period),
    ("last quarter", Term::Period),
    ("previous quarter", Term::Period),
    ("this year", Term::Period),
    ("last year", Term::Period),
    ("past year", Term::Period),
    ("previous year", Term::Period),
    ("year to date", Term::Period),
    ("ytd", Term::Period),
    ("trend", Term::Trend),
    ("trends", Term::Trend),
    ("trending", Term::Trend),
    ("over time", Term::Trend),
    ("month over month", Term::Trend),
    ("week over week", Term::Trend),
    ("year over year", Term::Trend),
    ("yoy", Term::Trend),
    ("growth", Term::Trend),
    ("grew", Term::Trend),
    ("grown", Term::Trend),
    ("change", Term::Trend),
    ("changed", Term::Trend),
    ("increase", Term::Trend),
    ("increased", Term::Trend),
    ("decrease", Term::Trend),
    ("decreased", Term::Trend),
    ("dropped", Term::Trend),
    ("declined", Term::Trend),
    ("vs", Term::Compare),
    ("versus", Term::Compare),
    ("compare", Term::Compare),
    ("compared", Term::Compare),
    ("comparison", Term::Compare),
    // Figures the synced data does not hold.
    ("revenue", Term::Unavailable("revenue")),
    ("sales", Term::Unavailable("sales")),
    ("profit", Term::Unavailable("profit")),
    ("margin", Term::Unavailable("margins")),
    ("margins", Term::Unavailable("margins")),
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
    ("engagement", Term::Unavailable("engagement")),
    ("engagement rate", Term::Unavailable("engagement")),
    ("followers", Term::Unavailable("followers")),
    ("quality score", Term::Unavailable("quality score")),
    ("impression share", Term::Unavailable("impression share")),
    ("new users", Term::Unavailable("new users")),
    ("returning users", Term::Unavailable("returning users")),
    ("signups", Term::Unavailable("sign-ups")),
    ("sign ups", Term::Unavailable("sign-ups")),
    ("keywords", Term::Unavailable("keywords")),
    ("keyword", Term::Unavailable("keywords")),
];

impl Question {
    /// Reads a question.
    pub fn parse(text: &str) -> Self {
        let lowered = text.to_lowercase();
        let words: Vec<&str> = lowered.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).collect();
        let mut terms = find_terms(&words);
        if let Some(at) = numbered_period(&words) {
            terms.push((at, "", Term::Period));
            terms.sort_by_key(|(at, _, _)| *at);
        }
        Self::from_terms(&terms)
    }

    fn from_terms(terms: &[(usize, &'static str, Term)]) -> Self {
        let mut q = Question {
            platforms: Vec::new(),
            metrics: Vec::new(),
            rankings: Vec::new(),
            per_campaign: false,
            overview: false,
            ads_in_general: false,
            small_talk: false,
            period: PeriodAsk::Latest,
            unavailable: Vec::new(),
        };
        let mut superlatives = Vec::new();
        let mut periods = Vec::new();
        let (mut trend, mut compare, mut platform_word) = (false, false, false);
        for &(_, phrase, term) in terms {
            match term {
                Term::Platform(p) => push_new(&mut q.platforms, p),
                Term::Metric(m) => push_new(&mut q.metrics, m),
                Term::Superlative(s) => push_new(&mut superlatives, s),
                Term::Campaign => q.per_campaign = true,
                Term::PlatformWord => platform_word = true,
                Term::AdsInGeneral => q.ads_in_general = true,
                Term::Overview => q.overview = true,
                Term::SmallTalk => q.small_talk = true,
                Term::Period => periods.push(phrase),
                Term::Trend => trend = true,
                Term::Compare => compare = true,
                Term::Unavailable(name) => push_new(&mut q.unavailable, name),
            }
        }
        q.period = match periods.as_slice() {
            _ if trend || (compare && !periods.is_empty()) || periods.len() > 1 => PeriodAsk::Comparison,
            [] => PeriodAsk::Latest,
            [one, ..] => PeriodAsk::Specific(one),
        };
        // "Which platform spent most" is answered by the per-platform figures, not by a ranking.
        if !platform_word {
            q.rankings = rankings(&superlatives, &mut q.metrics, q.per_campaign);
        }
        if !q.rankings.is_empty() {
            q.per_campaign = false;
        }
        q
    }

    /// The platforms to ask the `get_client_data` tool for: those named, plus those the metrics asked
    /// for come from; empty (every platform) when that is all of them or nothing narrows it down.
    pub fn tool_platforms(&self) -> Vec<Platform> {
        let mut platforms = self.platforms.clone();
        if self.metrics.iter().any(|m| !m.is_ad_metric()) {
            push_new(&mut platforms, Platform::GoogleAnalytics);
        }
        let wants_ads = self.ads_in_general
            || self.per_campaign
            || !self.rankings.is_empty()
            || self.metrics.iter().any(|m| m.is_ad_metric());
        if wants_ads && !platforms.iter().any(|p| p.is_ad_platform()) {
            for p in Platform::ALL.into_iter().filter(|p| p.is_ad_platform()) {
                push_new(&mut platforms, p);
            }
        }
        platforms.sort();
        if platforms.len() == Platform::ALL.len() { Vec::new() } else { platforms }
    }

    /// Whether the question asks for anything the figures could answer.
    pub fn asks_for_figures(&self) -> bool {
        !self.metrics.is_empty()
            || !self.rankings.is_empty()
            || self.per_campaign
            || self.overview
            || self.ads_in_general
            || !self.platforms.is_empty()
    }
}

/// The terms in `words`, matched longest phrase first without reusing a word, in question order:
/// `(position, phrase, term)`.
fn find_terms(words: &[&str]) -> Vec<(usize, &'static str, Term)> {
    let mut table: Vec<(Vec<&str>, &'static str, Term)> =
        TERMS.iter().map(|&(phrase, term)| (phrase.split(' ').collect(), phrase, term)).collect();
    // Longest first; the sort is stable, so equally long phrases keep the table's order.
    table.sort_by_key(|(phrase_words, _, _)| std::cmp::Reverse(phrase_words.len()));
    let mut used = vec![false; words.len()];
    let mut found = Vec::new();
    for (phrase_words, phrase, term) in &table {
        let n = phrase_words.len();
        for start in 0..words.len().saturating_sub(n - 1) {
            let span = start..start + n;
            if used[span.clone()].iter().all(|u| !u) && words[span.clone()] == phrase_words[..] {
                used[span].iter_mut().for_each(|u| *u = true);
                found.push((start, *phrase, *term));
            }
        }
    }
    found.sort_by_key(|(at, _, _)| *at);
    found
}

/// Where "last 30 days" and the like start: "last" or "past", a number, then a unit of time.
fn numbered_period(words: &[&str]) -> Option<usize> {
    words.windows(3).position(|w| {
        matches!(w[0], "last" | "past" | "previous")
            && w[1].chars().all(|c| c.is_ascii_digit())
            && matches!(w[2], "day" | "days" | "week" | "weeks" | "month" | "months" | "year" | "years")
    })
}

/// The rankings the superlatives ask for. Metrics that can measure them become their measures and
/// leave `metrics`: "best CTR" ranks by CTR, "most spend" ranks by spend, but "best campaign and total
/// spend" ranks by the default measure and still reports spend.
fn rankings(superlatives: &[Superlative], metrics: &mut Vec<Metric>, about_campaigns: bool) -> Vec<Ranking> {
    let mut out = Vec::new();
    let mut measures_used = Vec::new();
    for &superlative in superlatives {
        let judges = |m: &Metric| match superlative {
            Superlative::Best | Superlative::Worst => m.higher_is_better().is_some(),
            Superlative::Highest | Superlative::Lowest => m.is_ad_metric(),
        };
        let measures: Vec<Metric> = metrics.iter().copied().filter(judges).collect();
        // "Most" and "top" are everyday words: they rank only what can be ranked, or campaigns.
        let ranks = match superlative {
            Superlative::Best | Superlative::Worst => about_campaigns || !measures.is_empty() || metrics.is_empty(),
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
            ("LinkedIn leads and cost per lead", &[M::Conversions, M::Cpa]),
            ("bounce rate", &[M::BounceRate]),
            ("average session duration and sessions", &[M::AvgSessionDuration, M::Sessions]),
            ("top traffic sources", &[M::TopSources]),
            ("mobile vs desktop", &[M::Devices]),
            ("top pages by page views", &[M::TopPages, M::Pageviews]),
            ("what's our CPM", &[M::Cpm]),
        ];
        for (text, metrics) in cases {
            assert_eq!(Question::parse(text).metrics, *metrics, "{text}");
        }
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
    }

    #[test]
    fn a_ranked_measure_is_not_also_reported_on_its_own() {
        let q = Question::parse("best campaign by CTR, and our total spend");
        assert_eq!(q.rankings, [Ranking { superlative: Superlative::Best, measure: Some(M::Ctr) }]);
        assert_eq!(q.metrics, [M::Spend]);
    }

    #[test]
    fn periods_and_comparisons_of_periods_are_told_apart() {
        let cases: &[(&str, PeriodAsk)] = &[
            ("total spend", PeriodAsk::Latest),
            ("google ads vs meta spend", PeriodAsk::Latest),
            ("spend last month", PeriodAsk::Specific("last month")),
            ("clicks in the last 30 days", PeriodAsk::Specific("")),
            ("spend last month vs this month", PeriodAsk::Comparison),
            ("how did sessions change?", PeriodAsk::Comparison),
            ("spend trend over time", PeriodAsk::Comparison),
            ("compare clicks to last week", PeriodAsk::Comparison),
        ];
        for (text, period) in cases {
            assert_eq!(Question::parse(text).period, *period, "{text}");
        }
    }

    #[test]
    fn figures_the_data_lacks_are_named() {
        let q = Question::parse("What's our revenue and profit margin?");
        assert_eq!(q.unavailable, ["revenue", "profit", "margins"]);
        assert!(q.metrics.is_empty());
    }

    #[test]
    fn the_tool_is_asked_for_the_platforms_the_question_needs() {
        let cases: &[(&str, &[Platform])] = &[
            ("google ads spend", &[P::GoogleAds]),
            ("bounce rate", &[P::GoogleAnalytics]),
            ("sessions from facebook", &[P::GoogleAnalytics, P::MetaAds]),
            ("total spend", &[P::GoogleAds, P::MetaAds, P::LinkedinAds]),
            ("best campaign", &[P::GoogleAds, P::MetaAds, P::LinkedinAds]),
            ("bounce rate and total spend", &[]),
            ("how are we doing?", &[]),
            ("hello", &[]),
        ];
        for (text, platforms) in cases {
            assert_eq!(Question::parse(text).tool_platforms(), *platforms, "{text}");
        }
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
