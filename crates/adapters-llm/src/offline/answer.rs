//! Writing the answer: the figures a [`Question`] asks for, read from a [`ClientDataView`], in
//! sentences and bullet lines, with what could not be answered said plainly.

use std::fmt::Write;

use domain::analyst::ClientDataView;
use domain::platform::{AnalyticsReport, CampaignFigures, Platform};

use crate::offline::figures::{AdFigures, AdPlatform, Figures, Metric, Unit, analytics_value};
use crate::offline::format;
use crate::offline::intent::{PeriodAsk, Question, Ranking, Superlative};

/// How many entries of a breakdown (sources, devices, pages) are listed.
const BREAKDOWN_LEN: usize = 5;

/// Measures a "best campaign" question is judged by when it names none, in order of preference.
const DEFAULT_MEASURES: [Metric; 3] = [Metric::Conversions, Metric::Roas, Metric::Ctr];

/// The ad metrics of a campaign-by-campaign list when the question names none.
const DEFAULT_CAMPAIGN_METRICS: [Metric; 5] =
    [Metric::Spend, Metric::Clicks, Metric::Ctr, Metric::Conversions, Metric::Roas];

/// Answers `question` from `view`. Every number in the answer is a figure of the view or derived from
/// its figures (a sum, or a ratio of sums).
pub fn compose(question: &Question, view: &ClientDataView) -> String {
    let name = view.client_name.as_str();
    // A view narrowed to some platforms may be empty because those are missing: that is said below,
    // platform by platform. An empty view of every platform means nothing has synced at all.
    if view.sources.is_empty() && question.tool_platforms().is_empty() {
        return if view.demo {
            format!("I have no figures for {name} yet, not even demo figures, so I can't answer questions about them.")
        } else {
            format!(
                "{name} has platforms connected, but none has synced any figures yet, so I have nothing to report. \
                 Ask again after the next sync."
            )
        };
    }
    let mut answer = Answer::new(question, view);
    answer.collect();
    answer.finish()
}

/// An answer being written.
struct Answer<'a> {
    question: &'a Question,
    view: &'a ClientDataView,
    figures: Figures<'a>,
    /// Lines or blocks of figures.
    lines: Vec<String>,
    /// Sentences about what could not be answered.
    gaps: Vec<String>,
    /// Platforms whose figures were quoted.
    used: Vec<Platform>,
    /// Whether an amount of money was quoted.
    money: bool,
}

impl<'a> Answer<'a> {
    fn new(question: &'a Question, view: &'a ClientDataView) -> Self {
        Self {
            question,
            view,
            figures: Figures::of(view),
            lines: Vec::new(),
            gaps: Vec::new(),
            used: Vec::new(),
            money: false,
        }
    }

    fn name(&self) -> &'a str {
        &self.view.client_name
    }

    /// Gathers the lines the question asks for.
    fn collect(&mut self) {
        let q = self.question;
        for p in q.platforms.clone() {
            if !self.figures.has(p) {
                self.no_data_for(p);
            }
        }
        for &metric in &q.metrics {
            if !metric.is_ad_metric() {
                self.analytics_line(metric);
            } else if !q.per_campaign {
                self.ad_metric_line(metric);
            }
        }
        for &ranking in &q.rankings {
            self.ranking_line(ranking);
        }
        if q.per_campaign {
            let asked: Vec<Metric> = q.metrics.iter().copied().filter(|m| m.is_ad_metric()).collect();
            self.campaign_lines(if asked.is_empty() { &DEFAULT_CAMPAIGN_METRICS } else { &asked });
        }
        if q.metrics.is_empty() && q.rankings.is_empty() && !q.per_campaign && q.asks_for_figures() {
            self.overview();
        }
        if !q.unavailable.is_empty() {
            let names: Vec<String> = q.unavailable.iter().map(|n| (*n).to_owned()).collect();
            self.gaps.push(format!(
                "I don't have {} for {}: the synced figures don't include {}.",
                or_list(&names),
                self.name(),
                if names.len() == 1 { "it" } else { "them" },
            ));
        }
    }

    /// The ad platforms the question is about: those it names, or every one with figures.
    fn ad_platforms(&self) -> Vec<AdPlatform> {
        let named: Vec<Platform> = self.question.platforms.iter().copied().filter(|p| p.is_ad_platform()).collect();
        self.figures.ads.iter().filter(|a| named.is_empty() || named.contains(&a.platform)).cloned().collect()
    }

    fn ad_metric_line(&mut self, metric: Metric) {
        let platforms = self.ad_platforms();
        if platforms.is_empty() {
            self.no_ad_data();
            return;
        }
        let mut have: Vec<(Platform, AdFigures)> = Vec::new();
        let mut lacking: Vec<Platform> = Vec::new();
        for a in platforms {
            let totals = a.totals();
            if totals.value(metric).is_some() {
                have.push((a.platform, totals));
            } else {
                lacking.push(a.platform);
            }
        }
        let lacking_note = not_reported(metric, &lacking);
        let Some(&(first, first_totals)) = have.first() else {
            self.gaps.push(format!("{}.", capitalise(&lacking_note)));
            return;
        };
        self.quote_platforms(metric, have.iter().map(|(p, _)| *p));
        let mut line = if have.len() == 1 {
            format!(
                "- {} ({}): {}",
                capitalise(metric.label_on(first)),
                first.display_name(),
                value(metric, first_totals.value(metric))
            )
        } else {
            let parts: Vec<String> = have
                .iter()
                .map(|(p, f)| {
                    let unit = if metric.label_on(*p) == metric.label() {
                        String::new()
                    } else {
                        format!(" {}", metric.label_on(*p))
                    };
                    format!("{} {}{unit}", p.display_name(), value(metric, f.value(metric)))
                })
                .collect();
            let total = AdFigures::total(have.iter().map(|(_, f)| f));
            format!(
                "- {}: {}; total across ad platforms {}",
                capitalise(metric.label()),
                parts.join("; "),
                value(metric, total.value(metric))
            )
        };
        if !lacking.is_empty() {
            let _ = write!(line, " ({lacking_note})");
        }
        self.lines.push(line);
    }

    fn analytics_line(&mut self, metric: Metric) {
        let Some(report) = self.figures.analytics else {
            self.no_data_for(Platform::GoogleAnalytics);
            return;
        };
        // Breakdowns are listed largest first whatever order the sync stored them in.
        let shown = match metric {
            Metric::TopSources => {
                let mut sources: Vec<_> = report.top_sources.iter().collect();
                sources.sort_by_key(|s| std::cmp::Reverse(s.sessions));
                breakdown(sources.iter().map(|s| format!("{} ({} sessions)", s.source, format::count(s.sessions))))
            }
            Metric::Devices => {
                let mut devices: Vec<_> = report.devices.iter().collect();
                devices.sort_by(|a, b| b.percentage.total_cmp(&a.percentage));
                breakdown(devices.iter().map(|d| format!("{} {}", d.device, format::percent_of_100(d.percentage))))
            }
            Metric::TopPages => {
                let mut pages: Vec<_> = report.top_pages.iter().collect();
                pages.sort_by_key(|p| std::cmp::Reverse(p.views));
                breakdown(pages.iter().map(|p| format!("{} ({} views)", p.page, format::count(p.views))))
            }
            _ => Some(value(metric, analytics_value(&report.metrics, metric))),
        };
        let platform = Platform::GoogleAnalytics;
        match shown {
            Some(shown) => {
                self.quote_platforms(metric, [platform]);
                self.lines.push(format!("- {} ({}): {shown}", capitalise(metric.label()), platform.display_name()));
            }
            None => self.gaps.push(format!(
                "{} has no breakdown of {} in the latest figures.",
                platform.display_name(),
                metric.label()
            )),
        }
    }

    fn ranking_line(&mut self, ranking: Ranking) {
        let platforms = self.ad_platforms();
        if platforms.is_empty() {
            self.no_ad_data();
            return;
        }
        let campaigns: Vec<(Platform, &CampaignFigures, AdFigures)> = platforms
            .iter()
            .flat_map(|a| a.campaigns.iter().map(|c| (a.platform, c, AdFigures::of_campaign(c))))
            .collect();
        let measure = ranking.measure.unwrap_or_else(|| {
            DEFAULT_MEASURES
                .into_iter()
                .find(|m| campaigns.iter().any(|(_, _, f)| f.value(*m).is_some()))
                .unwrap_or(DEFAULT_MEASURES[0])
        });
        let highest = match ranking.superlative {
            Superlative::Highest => true,
            Superlative::Lowest => false,
            Superlative::Best => measure.higher_is_better().unwrap_or(true),
            Superlative::Worst => !measure.higher_is_better().unwrap_or(true),
        };
        let mut pick: Option<(Platform, &CampaignFigures, f64)> = None;
        for (p, c, f) in &campaigns {
            let Some(v) = f.value(measure) else { continue };
            // Strict comparison: on a tie the campaign listed first wins, so answers are stable.
            if pick.is_none_or(|(_, _, best)| if highest { v > best } else { v < best }) {
                pick = Some((*p, c, v));
            }
        }
        // "Best campaign by leads" when only LinkedIn is ranked.
        let label = match platforms.as_slice() {
            [only] => measure.label_on(only.platform),
            _ => measure.label(),
        };
        let heading = match ranking.superlative {
            Superlative::Best => format!("Best campaign by {label}"),
            Superlative::Worst => format!("Worst campaign by {label}"),
            Superlative::Highest => format!("Campaign with the highest {label}"),
            Superlative::Lowest => format!("Campaign with the lowest {label}"),
        };
        let Some((platform, campaign, v)) = pick else {
            self.gaps.push(format!(
                "None of {}'s campaigns has figures for {label}, so I can't rank them by it.",
                self.name()
            ));
            return;
        };
        // Every platform whose campaigns were compared, for the sync dates.
        let compared: Vec<Platform> =
            campaigns.iter().filter(|(_, _, f)| f.value(measure).is_some()).map(|(p, _, _)| *p).collect();
        self.quote_platforms(measure, compared);
        let mut line =
            format!("- {heading}: {} ({}), {}", campaign.name, platform.display_name(), quantity(measure, platform, v));
        let unranked: Vec<Platform> = platforms
            .iter()
            .map(|a| a.platform)
            .filter(|p| {
                let ranked = campaigns.iter().any(|(other, _, f)| other == p && f.value(measure).is_some());
                !measure.reported_by(*p) && !ranked
            })
            .collect();
        if !unranked.is_empty() {
            let names: Vec<String> = unranked.iter().map(|p| format!("{} campaigns", p.display_name())).collect();
            let _ = write!(line, " ({} are not ranked: {})", format::list(&names), not_reported(measure, &unranked));
        }
        self.lines.push(line);
    }

    fn campaign_lines(&mut self, metrics: &[Metric]) {
        let platforms = self.ad_platforms();
        if platforms.is_empty() {
            self.no_ad_data();
            return;
        }
        for a in &platforms {
            let mut block = format!("{} campaigns:", a.platform.display_name());
            if a.campaigns.is_empty() {
                block.push_str("\n- none in the latest figures");
            }
            for c in &a.campaigns {
                let f = AdFigures::of_campaign(c);
                let parts: Vec<String> = metrics
                    .iter()
                    .filter_map(|m| f.value(*m).map(|v| (*m, v)))
                    .map(|(m, v)| quantity(m, a.platform, v))
                    .collect();
                let _ = write!(block, "\n- {}: {}", c.name, parts.join(", "));
            }
            for &m in metrics.iter().filter(|m| m.reported_by(a.platform)) {
                self.quote_platforms(m, [a.platform]);
            }
            self.lines.push(block);
        }
    }

    /// The main figures of each platform the question is about.
    fn overview(&mut self) {
        let q = self.question;
        let wanted: Vec<Platform> = if !q.platforms.is_empty() {
            Platform::ALL.into_iter().filter(|p| q.platforms.contains(p)).collect()
        } else if q.ads_in_general {
            Platform::ALL.into_iter().filter(|p| p.is_ad_platform()).collect()
        } else {
            Platform::ALL.to_vec()
        };
        let ads: Vec<AdPlatform> = self.figures.ads.iter().filter(|a| wanted.contains(&a.platform)).cloned().collect();
        let mut lines = Vec::new();
        let mut quoted = Vec::new();
        for a in &ads {
            lines.push(format!("- {}: {}", a.platform.display_name(), summary(&a.totals(), a.platform)));
            quoted.push(a.platform);
        }
        if ads.len() > 1 {
            let totals: Vec<AdFigures> = ads.iter().map(AdPlatform::totals).collect();
            let total = AdFigures::total(&totals);
            let parts: Vec<String> = [Metric::Spend, Metric::Clicks, Metric::Impressions, Metric::Ctr]
                .into_iter()
                .filter_map(|m| total.value(m).map(|v| quantity(m, Platform::GoogleAds, v)))
                .collect();
            lines.push(format!("- All ad platforms together: {}", parts.join(", ")));
        }
        if let (true, Some(report)) = (wanted.contains(&Platform::GoogleAnalytics), self.figures.analytics) {
            let platform = Platform::GoogleAnalytics;
            lines.push(format!("- {}: {}", platform.display_name(), analytics_summary(report)));
            quoted.push(platform);
        }
        if ads.is_empty() && wanted.iter().all(|p| p.is_ad_platform()) && q.platforms.is_empty() {
            self.no_ad_data();
        }
        if !ads.is_empty() {
            self.money = true;
        }
        self.used.extend(quoted);
        self.lines.extend(lines);
    }

    fn quote_platforms(&mut self, metric: Metric, platforms: impl IntoIterator<Item = Platform>) {
        self.money |= metric.unit() == Unit::Money;
        for p in platforms {
            if !self.used.contains(&p) {
                self.used.push(p);
            }
        }
    }

    fn no_data_for(&mut self, platform: Platform) {
        let gap = format!(
            "There are no {} figures for {}: it isn't connected or hasn't synced yet.",
            platform.display_name(),
            self.name()
        );
        if !self.gaps.contains(&gap) {
            self.gaps.push(gap);
        }
    }

    fn no_ad_data(&mut self) {
        let gap = format!(
            "There are no ad platform figures for {}: no ad platform is connected or none has synced yet.",
            self.name()
        );
        if !self.gaps.contains(&gap) && !self.question.platforms.iter().any(|p| p.is_ad_platform()) {
            self.gaps.push(gap);
        }
    }

    /// Puts the answer together.
    fn finish(self) -> String {
        let name = self.name();
        let q = self.question;
        let mut paragraphs: Vec<String> = Vec::new();
        let answered = !self.lines.is_empty();
        let period = match q.period {
            PeriodAsk::Latest => None,
            PeriodAsk::Specific(phrase) => Some(format!(
                "I can't single out {}: I only have the latest synced figures of each platform for {name}.",
                if phrase.is_empty() { "that period" } else { phrase },
            )),
            PeriodAsk::Comparison => Some(format!(
                "I can't compare periods for {name}: I only have the latest synced figures of each platform, not a \
                 history by week or month."
            )),
        };
        if !answered {
            let opening = if let Some(period) = period {
                period
            } else if !self.gaps.is_empty() {
                String::new()
            } else if q.small_talk {
                format!("Hello! I'm the analyst for {name}'s marketing figures.")
            } else {
                format!("I can't answer that from the figures I have for {name}.")
            };
            paragraphs.extend([opening].into_iter().chain(self.gaps).filter(|p| !p.is_empty()));
            paragraphs.push(capabilities(name));
            return paragraphs.join("\n\n");
        }
        let intro = match period {
            Some(period) => format!("{period} Here is what the latest figures show:"),
            None => format!("Here is what the latest figures show for {name}:"),
        };
        paragraphs.push(if self.view.demo {
            format!(
                "{intro}\n\nThese are demo figures: no platform is connected for {name} yet, so they are not \
                 {name}'s real numbers."
            )
        } else {
            intro
        });
        // Bullets stay together; a block with a heading (a platform's campaigns) gets a paragraph.
        let mut body = String::new();
        for line in &self.lines {
            if !body.is_empty() {
                body.push_str(if line.starts_with("- ") { "\n" } else { "\n\n" });
            }
            body.push_str(line);
        }
        paragraphs.push(body);
        paragraphs.extend(self.gaps.iter().cloned());
        let mut notes = Vec::new();
        if !self.view.demo {
            if let Some(syncs) = sync_note(&self.figures, &self.used) {
                notes.push(syncs);
            }
        }
        if self.money {
            notes.push("Amounts are in each ad account's own currency.".to_owned());
        }
        if !notes.is_empty() {
            paragraphs.push(notes.join(" "));
        }
        paragraphs.join("\n\n")
    }
}

/// "Figures are from the latest sync on 31 Oct 2026." or one date per platform.
fn sync_note(figures: &Figures<'_>, used: &[Platform]) -> Option<String> {
    let syncs: Vec<(Platform, String)> = Platform::ALL
        .into_iter()
        .filter(|p| used.contains(p))
        .filter_map(|p| figures.last_sync(p).map(|at| (p, format::date(at))))
        .collect();
    let (_, first) = syncs.first()?;
    if syncs.iter().all(|(_, d)| d == first) {
        return Some(format!("Figures are from the latest sync on {first}."));
    }
    let each: Vec<String> = syncs.iter().map(|(p, d)| format!("{} on {d}", p.display_name())).collect();
    Some(format!("Figures are from the latest syncs: {}.", format::list(&each)))
}

/// "Meta Ads doesn't report conversions" or "Google Ads has too little data for CTR".
fn not_reported(metric: Metric, platforms: &[Platform]) -> String {
    let (never, empty): (Vec<Platform>, Vec<Platform>) = platforms.iter().partition(|p| !metric.reported_by(**p));
    let mut parts = Vec::new();
    if !never.is_empty() {
        let verb = if never.len() == 1 { "doesn't" } else { "don't" };
        parts.push(format!("{} {verb} report {}", names(&never), metric.label()));
    }
    if !empty.is_empty() {
        let verb = if empty.len() == 1 { "has" } else { "have" };
        parts.push(format!("{} {verb} too little data for {}", names(&empty), metric.label()));
    }
    parts.join("; ")
}

/// A platform's main ad figures in one line.
fn summary(totals: &AdFigures, platform: Platform) -> String {
    let parts: Vec<String> =
        Metric::AD_OVERVIEW.into_iter().filter_map(|m| totals.value(m).map(|v| quantity(m, platform, v))).collect();
    parts.join(", ")
}

/// The GA4 totals in one line.
fn analytics_summary(report: &AnalyticsReport) -> String {
    let parts: Vec<String> = Metric::ANALYTICS_OVERVIEW
        .into_iter()
        .filter_map(|m| analytics_value(&report.metrics, m).map(|v| quantity(m, Platform::GoogleAnalytics, v)))
        .collect();
    parts.join(", ")
}

/// A value as people read it; `None` never reaches here but reads "n/a" rather than a made-up zero.
fn value(metric: Metric, v: Option<f64>) -> String {
    let Some(v) = v else { return "n/a".to_owned() };
    match metric.unit() {
        Unit::Money => format::money(v),
        Unit::Count => {
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // counts are whole and positive
            let n = v.max(0.0).round() as u64;
            format::count(n)
        }
        Unit::Decimal | Unit::Breakdown => format::decimal(v),
        Unit::Rate => format::percent(v),
        Unit::Multiple => format::multiple(v),
        Unit::Seconds => format::duration(v),
    }
}

/// A value with its name: "142 conversions", "CTR 8.13%", "spend 1,850.40".
fn quantity(metric: Metric, platform: Platform, v: f64) -> String {
    let label = metric.label_on(platform);
    match metric.unit() {
        Unit::Count | Unit::Decimal => format!("{} {label}", value(metric, Some(v))),
        _ => format!("{label} {}", value(metric, Some(v))),
    }
}

/// The first entries of a breakdown as a sentence; `None` when it is empty.
fn breakdown(items: impl Iterator<Item = String>) -> Option<String> {
    let items: Vec<String> = items.take(BREAKDOWN_LEN).collect();
    (!items.is_empty()).then(|| format::list(&items))
}

/// Platform names as a list: "Google Ads and Meta Ads".
fn names(platforms: &[Platform]) -> String {
    let names: Vec<String> = platforms.iter().map(|p| p.display_name().to_owned()).collect();
    format::list(&names)
}

/// "a", "a or b", "a, b or c".
fn or_list(items: &[String]) -> String {
    match items {
        [init @ .., last] if !init.is_empty() => format!("{} or {last}", init.join(", ")),
        _ => items.join(""),
    }
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map(|first| first.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

/// What the analyst can answer, without a single figure.
fn capabilities(name: &str) -> String {
    format!(
        "I can answer questions about {name}'s latest figures:\n\
         - ads on Google Ads, Meta Ads and LinkedIn Ads: spend, clicks, impressions, CTR, conversions and leads, \
         conversion rate, CPC, CPM, cost per conversion, ROAS, figures campaign by campaign, and the best or worst \
         campaign\n\
         - the website, from Google Analytics: sessions, users, pageviews, bounce rate, average session duration, \
         top traffic sources, devices and top pages\n\
         Try \"What's our total spend?\", \"Which campaign has the best CTR?\" or \"What's the bounce rate?\""
    )
}
