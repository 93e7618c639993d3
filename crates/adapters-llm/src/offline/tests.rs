//! Tests of the offline analyst: its plans for a table of questions, its answers from hand-built
//! results of every kind, the protocol (rounds, streaming, usage), and whole exchanges over the real
//! tools and the in-memory stores, each answer checked by the domain's grounding check.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use adapters_memory::MemoryStores;
use async_trait::async_trait;
use chrono::{DateTime, Days, NaiveDate, Utc};
use domain::analyst::{AnalystContext, AnswerSink, ChatRequest, ChatTurn, ModelTurn, ToolTrace};
use domain::client::{Client, ClientName, ClientStatus};
use domain::daily::{CampaignDay, CampaignStatus, Currency, DailyRecord, DayFigures, RankedCount};
use domain::dates::{ClientTimeZone, DateRange, Preset, PreviousSpec, RangeSpec, ResolvedRange};
use domain::ids::{ClientId, UserId};
use domain::metrics::{AdTotals, Metric, SiteTotals, UsersBasis};
use domain::platform::{
    AnalyticsMetrics, AnalyticsReport, ConnectionStatus, Platform, PlatformAccount, PlatformConnection, PlatformData,
    PlatformSnapshot, SyncSchedule,
};
use domain::ports::{ChatModel, DailyStore, DemoDataStore, SnapshotStore};
use domain::tools::{
    AnalystTools, Blended, BlendedCurrency, Breakdown, CampaignList, CampaignRow, Comparison, Coverage, CurrencyTotals,
    Dimension, Granularity, MetricChange, PlatformComparison, Point, SortOrder, SourceCoverage, Summary, Timeseries,
    ToolData, ToolKind, ToolOutput, ToolScope, Totals,
};
use domain::value::Value;

use crate::offline::OfflineAnalyst;
use crate::offline::intent::Question;

// ---------------------------------------------------------------------------------------------
// Driving the analyst over the real tools.

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn at(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

/// Collects the streamed pieces of an answer and the tools run.
#[derive(Default)]
struct Recorder {
    pieces: Mutex<Vec<String>>,
    tools: Mutex<Vec<String>>,
}

#[async_trait]
impl AnswerSink for Recorder {
    async fn delta(&self, text: &str) {
        self.pieces.lock().unwrap().push(text.to_owned());
    }

    async fn tool(&self, trace: &ToolTrace) {
        self.tools.lock().unwrap().push(trace.name.clone());
    }
}

fn block_on<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(future)
}

/// One client the tools answer for, on one day.
struct World {
    tools: AnalystTools,
    scope: ToolScope,
    context: AnalystContext,
}

/// What an exchange gave: the final turn, the rounds it took, every result and the streamed pieces.
struct Exchange {
    turn: ModelTurn,
    rounds: usize,
    outputs: Vec<ToolOutput>,
    pieces: Vec<String>,
}

impl Exchange {
    fn text(&self) -> &str {
        &self.turn.text
    }

    /// The results as a JSON model reads them, as the grounding check takes them.
    fn values(&self) -> Vec<Value> {
        self.outputs.iter().filter_map(ToolOutput::data).map(domain::tools::ToolData::to_value).collect()
    }

    fn errors(&self) -> Vec<String> {
        self.outputs.iter().filter(|o| o.data().is_none()).map(|o| o.to_value().to_string()).collect()
    }
}

impl World {
    /// Drives the loop as the chat use case does, at most four rounds: request, the model's calls
    /// run with the real tools, their results appended, again, until it answers.
    fn ask_after(&self, history: &[ChatTurn], question: &str) -> Exchange {
        let model = OfflineAnalyst::new();
        let mut turns = vec![ChatTurn::System("You are a marketing analyst.".into())];
        turns.extend(history.iter().cloned());
        turns.push(ChatTurn::User(question.into()));
        let mut outputs = Vec::new();
        for rounds in 1..=4 {
            let request =
                ChatRequest { turns: turns.clone(), tools: ToolKind::ALL.to_vec(), context: self.context.clone() };
            let text = super::render::request(&request);
            assert_eq!(super::render::request_chars(&request), text.chars().count() as u64, "the count is of the text");
            let recorder = Arc::new(Recorder::default());
            let turn = block_on(model.complete(&request, recorder.clone())).unwrap();
            if turn.tool_calls.is_empty() {
                let pieces = recorder.pieces.lock().unwrap().clone();
                return Exchange { turn, rounds, outputs, pieces };
            }
            assert!(turn.text.is_empty() && recorder.pieces.lock().unwrap().is_empty(), "a tool call streams no text");
            turns.push(ChatTurn::Assistant { text: turn.text.clone(), tool_calls: turn.tool_calls.clone() });
            for call in &turn.tool_calls {
                let run = block_on(self.tools.run(&self.scope, call, recorder.as_ref())).unwrap();
                outputs.push(run.output.clone());
                turns.push(ChatTurn::Tool { call_id: call.id.clone(), output: run.output });
            }
        }
        panic!("no answer to {question:?} within four rounds");
    }

    fn ask(&self, question: &str) -> Exchange {
        self.ask_after(&[], question)
    }
}

const TODAY: &str = "2026-12-01";

fn client(id: u8, name: &str, platforms: &[(Platform, &str)]) -> Client {
    let mut bytes = [0u8; 12];
    bytes[11] = id;
    let account = |p: Platform| match p {
        Platform::GoogleAnalytics => {
            PlatformAccount::GoogleAnalytics { account_id: "123".into(), property_id: "456".into() }
        }
        Platform::GoogleAds => PlatformAccount::GoogleAds { customer_id: "1234567890".into() },
        Platform::MetaAds => PlatformAccount::MetaAds { ad_account_id: "act_1".into() },
        Platform::LinkedinAds => PlatformAccount::LinkedinAds { account_id: "li_1".into() },
    };
    let connections: BTreeMap<Platform, PlatformConnection> = platforms
        .iter()
        .map(|&(p, sync)| {
            let connection = PlatformConnection {
                platform: p,
                account: Some(account(p)),
                connected: true,
                credentials: None,
                last_sync: Some(at(sync)),
                status: ConnectionStatus::Active,
                status_reason: None,
                data: None,
                sync: SyncSchedule::default(),
            };
            (p, connection)
        })
        .collect();
    Client {
        id: ClientId::from_bytes(bytes),
        user_id: user(),
        name: ClientName::new(name).unwrap(),
        email: None,
        logo: None,
        time_zone: ClientTimeZone::UTC,
        platforms: connections,
        status: ClientStatus::Active,
        created_at: at("2025-01-01T00:00:00Z"),
        updated_at: at("2025-01-01T00:00:00Z"),
    }
}

fn user() -> UserId {
    UserId::from_bytes([7; 12])
}

/// The demo client (nothing connected), a client with Google Ads, Meta Ads and GA4 connected and
/// synced (Meta lacking three days), and Initech with Google Ads in US dollars and `LinkedIn Ads` in
/// euros.
struct Worlds {
    demo: World,
    acme: World,
    initech: World,
}

fn worlds(today: &str) -> Worlds {
    let today = d(today);
    let stores = MemoryStores::new();
    let tools = AnalystTools::new(stores.daily.clone(), stores.snapshots.clone(), stores.demo.clone());
    let samples = domain::demo::sample();
    block_on(stores.demo.seed_if_empty(&samples)).unwrap();
    let history = DateRange::new(today - Days::new(domain::demo::HISTORY_DAYS), today - Days::new(1)).unwrap();
    let sample = |p: Platform| samples.iter().find(|s| s.platform() == p).unwrap();

    let demo = client(1, "Globex", &[]);
    let acme = client(
        2,
        "Acme Corp",
        &[
            (Platform::GoogleAnalytics, "2026-12-01T06:00:00Z"),
            (Platform::GoogleAds, "2026-12-01T06:05:00Z"),
            (Platform::MetaAds, "2026-11-30T22:10:00Z"),
        ],
    );
    let initech = client(
        3,
        "Initech",
        &[(Platform::GoogleAds, "2026-12-01T05:00:00Z"), (Platform::LinkedinAds, "2026-12-01T05:00:00Z")],
    );
    let gap = DateRange::new(d("2026-11-10"), d("2026-11-12")).unwrap();
    for (who, platforms) in [
        (&acme, vec![Platform::GoogleAnalytics, Platform::GoogleAds, Platform::MetaAds]),
        (&initech, vec![Platform::GoogleAds, Platform::LinkedinAds]),
    ] {
        for platform in platforms {
            let mut records = domain::demo::daily_records(who.id, sample(platform), today, history);
            if who.id == acme.id && platform == Platform::MetaAds {
                records.retain(|r| !gap.contains(r.date));
            }
            if who.id == initech.id && platform == Platform::LinkedinAds {
                records.iter_mut().for_each(in_euros);
            }
            block_on(stores.daily.save(user(), &records)).unwrap();
        }
    }
    // GA4's own user totals of the standard windows, as a sync keeps them.
    for preset in Preset::STANDARD_WINDOWS {
        let range = preset.range(today, false);
        let ga4 = sample(Platform::GoogleAnalytics);
        let users = domain::demo::window_users(ga4, today, range).unwrap();
        let data = PlatformData::GoogleAnalytics(AnalyticsReport {
            metrics: AnalyticsMetrics { users, ..AnalyticsMetrics::default() },
            ..AnalyticsReport::default()
        });
        let snapshot = PlatformSnapshot { client_id: acme.id, range, data, fetched_at: at("2026-12-01T06:00:00Z") };
        block_on(stores.snapshots.save(user(), &snapshot)).unwrap();
    }
    let world = |c: &Client| {
        let scope = block_on(tools.scope(user(), c, today)).unwrap();
        let context = AnalystContext {
            client_name: c.name.as_str().to_owned(),
            today,
            time_zone: c.time_zone,
            demo: scope.demo(),
            platforms: scope.platforms(),
        };
        World { tools: tools.clone(), scope, context }
    };
    Worlds { demo: world(&demo), acme: world(&acme), initech: world(&initech) }
}

fn in_euros(record: &mut DailyRecord) {
    if let DayFigures::Ads(day) = &mut record.figures {
        day.currency = Currency::EUR;
    }
}

/// The context of a client with every platform connected (or demo data), on [`TODAY`].
fn context(demo: bool) -> AnalystContext {
    AnalystContext {
        client_name: "Globex".into(),
        today: d(TODAY),
        time_zone: ClientTimeZone::UTC,
        demo,
        platforms: Platform::ALL.to_vec(),
    }
}

fn first_request(question: &str, context: &AnalystContext) -> ChatRequest {
    ChatRequest {
        turns: vec![ChatTurn::System("You are a marketing analyst.".into()), ChatTurn::User(question.into())],
        tools: ToolKind::ALL.to_vec(),
        context: context.clone(),
    }
}

// ---------------------------------------------------------------------------------------------
// The protocol.

#[test]
fn the_first_round_calls_the_planned_tools_and_streams_nothing() {
    let model = OfflineAnalyst::new();
    let cases: &[(&str, &[&str])] = &[
        ("How much did we spend on Google Ads last month?", &["get_platform_summary"]),
        ("How are we doing?", &["blended_totals", "get_platform_summary"]),
        ("Which campaign's CPA got worse?", &["list_campaigns", "list_campaigns"]),
        ("spend trend", &["get_timeseries", "get_timeseries", "get_timeseries"]),
    ];
    for (question, names) in cases {
        let recorder = Arc::new(Recorder::default());
        let turn = block_on(model.complete(&first_request(question, &context(true)), recorder.clone())).unwrap();
        let got: Vec<&str> = turn.tool_calls.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(got, *names, "{question}");
        let ids: Vec<String> = (1..=names.len()).map(|i| format!("call_{i}")).collect();
        assert_eq!(turn.tool_calls.iter().map(|c| c.id.clone()).collect::<Vec<_>>(), ids);
        assert_eq!(turn.text, "");
        assert_eq!(turn.model, crate::offline::MODEL_NAME);
        assert!(recorder.pieces.lock().unwrap().is_empty(), "a tool call streams no text");
    }
}

#[test]
fn the_answer_streams_in_pieces_that_put_together_give_the_answer() {
    let worlds = worlds(TODAY);
    let exchange = worlds.demo.ask("How are we doing overall?");
    assert!(exchange.pieces.len() > 10, "{:?}", exchange.pieces);
    assert_eq!(exchange.pieces.concat(), exchange.text());
    for piece in &exchange.pieces[..exchange.pieces.len() - 1] {
        assert_eq!(piece.split_whitespace().count(), super::WORDS_PER_DELTA, "{piece:?}");
    }
}

#[test]
fn usage_is_estimated_from_everything_read_and_written() {
    let model = OfflineAnalyst::new();
    let first = model.reply(&first_request("What's our total spend?", &context(true)));
    assert!(first.usage.estimated);
    let calls = super::render::tool_calls_text(&first.tool_calls);
    assert_eq!(first.usage.output, domain::analyst::estimate_tokens(&calls));
    // The tool definitions alone are far more than the question.
    assert!(first.usage.input > 500, "{:?}", first.usage);
    let worlds = worlds(TODAY);
    let exchange = worlds.demo.ask("What's our total spend?");
    assert!(exchange.turn.usage.estimated);
    assert_eq!(exchange.turn.usage.output, domain::analyst::estimate_tokens(exchange.text()));
    assert!(exchange.turn.usage.input > first.usage.input, "the results are read too");
}

/// Two worlds built apart hold the same figures in differently seeded hash maps (each `HashMap`
/// gets its own random seed), so a reply that followed a store's or a tool's iteration order
/// rather than a defined one would differ between them. (Asking one world twice could not show
/// it: the same maps iterate the same way every time.)
#[test]
fn a_reply_does_not_depend_on_the_order_the_stores_happen_to_hold_the_figures_in() {
    let (first, second) = (worlds(TODAY), worlds(TODAY));
    for question in [
        "What's our total spend?",
        "best campaign",
        "spend by platform",
        "hello",
        "spend last month vs the month before",
        "top traffic sources",
    ] {
        for (a, b) in [(&first.acme, &second.acme), (&first.initech, &second.initech), (&first.demo, &second.demo)] {
            let (a, b) = (a.ask(question), b.ask(question));
            assert_eq!(a.turn, b.turn, "{question}");
            assert_eq!(a.pieces, b.pieces, "{question}");
            assert_eq!(a.values(), b.values(), "{question}: the tools' results");
        }
    }
}

#[test]
fn without_tools_offered_it_says_it_cannot_see_the_figures() {
    let mut request = first_request("What's our total spend?", &context(true));
    request.tools.clear();
    let turn = OfflineAnalyst::new().reply(&request);
    assert!(turn.tool_calls.is_empty());
    assert!(turn.text.contains("can't look at the client's figures"), "{}", turn.text);
}

#[test]
fn without_a_question_it_asks_for_one() {
    let request = ChatRequest {
        turns: vec![ChatTurn::System("hi".into())],
        tools: ToolKind::ALL.to_vec(),
        context: context(true),
    };
    let turn = OfflineAnalyst::new().reply(&request);
    assert!(turn.text.contains("didn't get a question"), "{}", turn.text);
}

#[test]
fn a_new_question_after_an_answered_one_calls_the_tools_again() {
    let worlds = worlds(TODAY);
    let earlier = worlds.demo.ask("google ads spend last week");
    let history = [
        ChatTurn::User("google ads spend last week".into()),
        ChatTurn::Assistant { text: earlier.text().to_owned(), tool_calls: vec![] },
    ];
    let exchange = worlds.demo.ask_after(&history, "and meta clicks yesterday?");
    assert_eq!(exchange.rounds, 2);
    let text = exchange.text();
    assert!(text.contains("yesterday (30 Nov 2026)") && text.contains("- Meta Ads clicks: "), "{text}");
}

#[test]
fn a_question_of_only_a_period_is_about_what_the_one_before_was_about() {
    let worlds = worlds(TODAY);
    let history = [
        ChatTurn::User("google ads spend last week".into()),
        ChatTurn::Assistant { text: "...".into(), tool_calls: vec![] },
    ];
    let exchange = worlds.acme.ask_after(&history, "and the week before?");
    let text = exchange.text();
    assert!(text.contains("Google Ads spend: $"), "{text}");
    assert!(text.contains("Last week (23–29 Nov 2026) compared with 16–22 Nov 2026"), "{text}");
}

// ---------------------------------------------------------------------------------------------
// Answers from hand-built results of every kind.

fn resolved(spec: RangeSpec) -> ResolvedRange {
    spec.resolve(d(TODAY)).unwrap()
}

fn explicit(start: &str, end: &str) -> RangeSpec {
    RangeSpec::Explicit { start: d(start), end: d(end) }
}

/// A platform of a result: its last sync, and the runs of days it lacks (first and last day).
type Source<'a> = (Platform, Option<&'a str>, &'a [(&'a str, &'a str)]);

/// The coverage of `spec`: each platform with its last sync and the runs of days it lacks.
fn coverage(spec: RangeSpec, demo: bool, sources: &[Source<'_>]) -> Coverage {
    Coverage {
        range: resolved(spec),
        demo,
        sources: sources
            .iter()
            .map(|(platform, sync, gaps)| SourceCoverage {
                platform: *platform,
                last_sync: sync.map(at),
                missing_days: gaps.iter().map(|(a, b)| DateRange::new(d(a), d(b)).unwrap()).collect(),
            })
            .collect(),
    }
}

fn day(
    spend: f64,
    impressions: u64,
    clicks: u64,
    conversions: Option<f64>,
    value: Option<f64>,
    leads: Option<u64>,
) -> CampaignDay {
    CampaignDay {
        campaign_id: "c".into(),
        name: "c".into(),
        status: CampaignStatus::Active,
        spend,
        impressions,
        clicks,
        conversions,
        conversion_value: value,
        leads,
    }
}

fn totals(row: &CampaignDay) -> AdTotals {
    AdTotals::of(row)
}

fn row(
    platform: Platform,
    id: &str,
    name: &str,
    status: CampaignStatus,
    currency: Currency,
    figures: &CampaignDay,
) -> CampaignRow {
    CampaignRow { platform, campaign_id: id.into(), name: name.into(), status, currency, totals: totals(figures) }
}

/// The analyst's answer to `question` when its planned calls return `outputs`, in order, and
/// whether the grounding check finds every figure in them.
fn answer_from(question: &str, context: &AnalystContext, outputs: Vec<ToolOutput>) -> String {
    let model = OfflineAnalyst::new();
    let mut request = first_request(question, context);
    let first = model.reply(&request);
    assert_eq!(first.tool_calls.len(), outputs.len(), "{question}: {:?}", first.tool_calls);
    request.turns.push(ChatTurn::Assistant { text: String::new(), tool_calls: first.tool_calls.clone() });
    let values: Vec<Value> = outputs.iter().filter_map(ToolOutput::data).map(ToolData::to_value).collect();
    for (call, output) in first.tool_calls.iter().zip(outputs) {
        request.turns.push(ChatTurn::Tool { call_id: call.id.clone(), output });
    }
    let text = model.reply(&request).text;
    let grounding = domain::grounding::check(&text, &values);
    assert!(grounding.grounded, "{question}: {:?} unsupported in\n{text}", grounding.unsupported);
    text
}

/// `text` holds every one of `wanted` and none of `unwanted`.
fn assert_says(text: &str, wanted: &[&str], unwanted: &[&str]) {
    for w in wanted {
        assert!(text.contains(w), "{w:?} missing from:\n{text}");
    }
    for u in unwanted {
        assert!(!text.contains(u), "{u:?} should not be in:\n{text}");
    }
}

#[test]
fn a_summary_gives_its_figures_with_the_dates_the_sync_and_the_missing_days() {
    let data = ToolData::Summary(Summary {
        platform: Platform::GoogleAds,
        coverage: coverage(
            RangeSpec::preset(Preset::LastMonth),
            false,
            &[(Platform::GoogleAds, Some("2026-12-01T06:00:00Z"), &[("2026-11-03", "2026-11-03")])],
        ),
        totals: Totals::Ads(vec![CurrencyTotals {
            currency: Currency::USD,
            totals: totals(&day(1_234.567, 10_000, 300, Some(12.0), None, None)),
        }]),
    });
    let text = answer_from(
        "google ads spend, clicks and ROAS last month",
        &context(false),
        vec![ToolOutput::Data(Box::new(data))],
    );
    assert_says(
        &text,
        &[
            "Here are Globex's figures for last month (1–30 Nov 2026):",
            "- Google Ads: spend $1,234.57, 300 clicks (no ROAS reported)",
            "Figures are from the latest sync on 1 Dec 2026.",
            "Google Ads has no figures for 3 Nov 2026.",
        ],
        &["demo"],
    );
}

#[test]
fn every_answer_says_how_fresh_and_complete_its_figures_are() {
    let synced = Some("2026-12-01T06:00:00Z");
    let cases: Vec<(bool, Vec<Source<'_>>, &str)> = vec![
        (false, vec![(Platform::GoogleAds, synced, &[])], "Figures are from the latest sync on 1 Dec 2026."),
        (
            false,
            vec![(Platform::GoogleAds, synced, &[]), (Platform::MetaAds, Some("2026-11-29T23:00:00Z"), &[])],
            "Figures are from the latest syncs: Google Ads on 1 Dec 2026 and Meta Ads on 29 Nov 2026.",
        ),
        (
            false,
            vec![(Platform::GoogleAds, synced, &[]), (Platform::MetaAds, None, &[])],
            "Meta Ads has not synced yet.",
        ),
        (
            false,
            vec![(Platform::GoogleAds, synced, &[("2026-11-03", "2026-11-03"), ("2026-11-10", "2026-11-12")])],
            "Google Ads has no figures for 3 Nov 2026 and 10–12 Nov 2026.",
        ),
        (
            true,
            vec![
                (Platform::GoogleAds, None, &[("2026-11-01", "2026-11-30")]),
                (Platform::MetaAds, None, &[("2026-11-01", "2026-11-30")]),
            ],
            "Google Ads and Meta Ads have no figures at all for 1–30 Nov 2026.",
        ),
        (true, vec![(Platform::GoogleAds, None, &[])], "These are demo figures: nothing is connected for Globex yet"),
    ];
    for (demo, sources, want) in cases {
        let totals =
            sources.iter().map(|(p, ..)| (*p, totals(&day(10.0, 100, 5, None, None, None)))).collect::<Vec<_>>();
        let data = ToolData::Blended(Blended {
            coverage: coverage(RangeSpec::preset(Preset::LastMonth), demo, &sources),
            currencies: vec![BlendedCurrency {
                currency: Currency::USD,
                totals: AdTotals::sum(&vec![day(10.0, 100, 5, None, None, None); sources.len()]),
                platforms: totals,
            }],
        });
        let text = answer_from("total spend last month", &context(demo), vec![ToolOutput::Data(Box::new(data))]);
        assert_says(&text, &[want], &[]);
        if demo {
            assert_says(&text, &[], &["latest sync"]);
        }
    }
}

#[test]
fn users_summed_over_days_are_said_to_be_so() {
    let site = SiteTotals {
        sessions: 2_000,
        users: 1_700,
        users_basis: UsersBasis::SumOfDaily,
        new_users: 900,
        pageviews: 5_000,
        engaged_sessions: 1_100,
        bounces: 900,
        session_duration_secs: 262_554.0,
    };
    let data = ToolData::Summary(Summary {
        platform: Platform::GoogleAnalytics,
        coverage: coverage(explicit("2026-11-17", "2026-11-30"), true, &[(Platform::GoogleAnalytics, None, &[])]),
        totals: Totals::Site(site),
    });
    let text = answer_from(
        "users and session duration in the last 14 days",
        &context(true),
        vec![ToolOutput::Data(Box::new(data))],
    );
    assert_says(
        &text,
        &[
            "Here are Globex's figures for 17–30 Nov 2026:",
            "These are demo figures: nothing is connected for Globex yet",
            "- Google Analytics 4: 1,700 users, average session duration 2m 11s",
            "Users over a range whose own GA4 total the sync doesn't keep is the sum of each day's users",
        ],
        &["latest sync"],
    );
}

#[test]
fn a_blended_total_in_two_currencies_gives_each_and_never_adds_them() {
    let usd = |p, spend| (p, totals(&day(spend, 1_000, 10, None, None, None)));
    let both = AdTotals::sum(&[day(100.0, 1_000, 10, None, None, None), day(50.0, 1_000, 10, None, None, None)]);
    let data = ToolData::Blended(Blended {
        coverage: coverage(
            RangeSpec::preset(Preset::Last30Days),
            false,
            &[
                (Platform::GoogleAds, Some("2026-12-01T06:00:00Z"), &[]),
                (Platform::MetaAds, Some("2026-11-30T06:00:00Z"), &[]),
                (Platform::LinkedinAds, Some("2026-12-01T06:00:00Z"), &[]),
            ],
        ),
        currencies: vec![
            BlendedCurrency {
                currency: Currency::USD,
                totals: both,
                platforms: vec![usd(Platform::GoogleAds, 100.0), usd(Platform::MetaAds, 50.0)],
            },
            BlendedCurrency {
                currency: Currency::EUR,
                totals: totals(&day(80.0, 1_000, 10, None, None, None)),
                platforms: vec![usd(Platform::LinkedinAds, 80.0)],
            },
        ],
    });
    let text = answer_from("total spend across platforms", &context(false), vec![ToolOutput::Data(Box::new(data))]);
    assert_says(
        &text,
        &[
            "Spend in USD (Google Ads and Meta Ads): $150.00",
            "- Google Ads: $100.00 (66.67% of the spend)",
            "- Meta Ads: $50.00 (33.33% of the spend)",
            "Spend in EUR (LinkedIn Ads): €80.00",
            "The ad accounts report in different currencies (USD and EUR): money is given per currency and never added",
            "Figures are from the latest syncs: Google Ads on 1 Dec 2026, Meta Ads on 30 Nov 2026 and LinkedIn Ads on 1 Dec 2026.",
        ],
        &["230", "$80", "€150"],
    );
}

#[test]
fn a_ranking_lists_the_campaigns_with_their_figures_and_says_which_are_not_ranked() {
    let list = CampaignList {
        platform: None,
        coverage: coverage(
            RangeSpec::preset(Preset::Last30Days),
            true,
            &[(Platform::GoogleAds, None, &[]), (Platform::LinkedinAds, None, &[])],
        ),
        sort_by: Metric::Cpa,
        order: SortOrder::Ascending,
        campaigns: 7,
        rows: vec![
            row(
                Platform::GoogleAds,
                "1",
                "Brand",
                CampaignStatus::Active,
                Currency::USD,
                &day(1_850.4, 28_400, 2_310, Some(142.0), None, None),
            ),
            row(
                Platform::GoogleAds,
                "2",
                "Generic",
                CampaignStatus::Paused,
                Currency::USD,
                &day(3_420.75, 61_250, 1_980, Some(67.0), None, None),
            ),
            row(
                Platform::LinkedinAds,
                "3",
                "Webinar",
                CampaignStatus::Active,
                Currency::USD,
                &day(1_380.0, 31_900, 265, None, None, Some(29)),
            ),
        ],
    };
    let text = answer_from(
        "Which campaign has the best CPA?",
        &context(true),
        vec![ToolOutput::Data(Box::new(ToolData::Campaigns(list)))],
    );
    assert_says(
        &text,
        &[
            "Best campaigns by cost per conversion across Google Ads and LinkedIn Ads:",
            "- Brand (Google Ads): cost per conversion $13.03; spend $1,850.40, 142 conversions",
            "- Generic (Google Ads, paused): cost per conversion $51.06; spend $3,420.75, 67 conversions",
            "LinkedIn Ads reports cost per lead rather than cost per conversion, so its campaigns aren't ranked here.",
            "7 campaigns had figures in all.",
        ],
        &["Webinar"],
    );
    assert!(text.find("Brand") < text.find("Generic"), "{text}");
}

#[test]
fn a_campaign_whose_cost_rose_is_named_with_both_figures_and_the_change() {
    let list = |spec: RangeSpec, generic_cpa: f64, brand_cpa: f64| {
        let cpa_row = |id: &str, name: &str, cpa: f64| {
            row(
                Platform::GoogleAds,
                id,
                name,
                CampaignStatus::Active,
                Currency::USD,
                &day(cpa * 10.0, 10_000, 500, Some(10.0), None, None),
            )
        };
        CampaignList {
            platform: None,
            coverage: coverage(spec, false, &[(Platform::GoogleAds, Some("2026-12-01T06:00:00Z"), &[])]),
            sort_by: Metric::Cpa,
            order: SortOrder::Descending,
            campaigns: 2,
            rows: vec![cpa_row("1", "Generic", generic_cpa), cpa_row("2", "Brand", brand_cpa)],
        }
    };
    let now = list(RangeSpec::preset(Preset::Last30Days), 51.06, 13.03);
    let before = list(explicit("2026-10-02", "2026-10-31"), 44.92, 13.5);
    let text = answer_from(
        "Which campaign's CPA got worse?",
        &context(false),
        vec![
            ToolOutput::Data(Box::new(ToolData::Campaigns(now))),
            ToolOutput::Data(Box::new(ToolData::Campaigns(before))),
        ],
    );
    assert_says(
        &text,
        &[
            "whose cost per conversion rose most (got worse), 1–30 Nov 2026 vs 2–31 Oct 2026:",
            "- Generic: cost per conversion $51.06 vs $44.92, up $6.14",
        ],
        &["Brand"],
    );
}

#[test]
fn a_campaign_change_over_many_campaigns_is_still_grounded() {
    // Forty campaigns a period: a percent change worked out between two of their figures could
    // match many other pairs, so the change is given as a difference, which the check verifies.
    let list = |spec: RangeSpec, scale: f64| {
        let rows = (0..40_u32)
            .map(|i| {
                let spend = 100.0 + f64::from(i) * 37.3 * scale;
                let conversions = Some(5.0 + f64::from(i % 9));
                let figures = day(spend, 10_000 + u64::from(i) * 17, 300 + u64::from(i) * 3, conversions, None, None);
                row(
                    Platform::GoogleAds,
                    &i.to_string(),
                    &format!("Campaign {i}"),
                    CampaignStatus::Active,
                    Currency::USD,
                    &figures,
                )
            })
            .collect();
        CampaignList {
            platform: None,
            coverage: coverage(spec, false, &[(Platform::GoogleAds, Some("2026-12-01T06:00:00Z"), &[])]),
            sort_by: Metric::Cpa,
            order: SortOrder::Descending,
            campaigns: 40,
            rows,
        }
    };
    let now = list(RangeSpec::preset(Preset::Last30Days), 1.1);
    let before = list(explicit("2026-10-02", "2026-10-31"), 1.0);
    let text = answer_from(
        "Which campaign's CPA got worse?",
        &context(false),
        vec![
            ToolOutput::Data(Box::new(ToolData::Campaigns(now))),
            ToolOutput::Data(Box::new(ToolData::Campaigns(before))),
        ],
    );
    assert_says(&text, &["- Campaign 36: cost per conversion $315.42 vs $288.56, up $26.86"], &[]);
    assert_eq!(text.matches("\n- Campaign").count(), 3, "{text}");
}

#[test]
fn a_comparison_gives_both_values_and_the_change_with_both_periods_dates() {
    let previous = explicit("2026-11-16", "2026-11-22");
    let data = ToolData::Comparison(Comparison {
        current: coverage(
            RangeSpec::preset(Preset::LastWeek),
            false,
            &[(Platform::GoogleAds, Some("2026-12-01T06:00:00Z"), &[])],
        ),
        previous: coverage(
            previous,
            false,
            &[(Platform::GoogleAds, Some("2026-12-01T06:00:00Z"), &[("2026-11-20", "2026-11-21")])],
        ),
        previous_spec: PreviousSpec::Range(previous),
        platforms: vec![PlatformComparison {
            platform: Platform::GoogleAds,
            currency: Some(Currency::USD),
            users_basis: None,
            metrics: vec![
                MetricChange { metric: Metric::Spend, current: Some(12_345.67), previous: Some(10_987.65) },
                MetricChange { metric: Metric::Cpa, current: Some(30.0), previous: Some(25.0) },
            ],
        }],
    });
    let text = answer_from(
        "google ads spend and CPA last week vs the week before",
        &context(false),
        vec![ToolOutput::Data(Box::new(data))],
    );
    assert_says(
        &text,
        &[
            "Last week (23–29 Nov 2026) compared with 16–22 Nov 2026:",
            "Google Ads:\n- Spend: $12,345.67 vs $10,987.65, up 12.4%\n- Cost per conversion: $30.00 vs $25.00, up 20% (worse)",
            "Google Ads has no figures for 20–21 Nov 2026 (the earlier period).",
        ],
        &[],
    );
}

#[test]
fn a_breakdown_lists_the_largest_entries_with_their_shares() {
    let data = ToolData::Breakdown(Breakdown {
        coverage: coverage(
            RangeSpec::preset(Preset::Yesterday),
            false,
            &[(Platform::GoogleAnalytics, Some("2026-12-01T06:00:00Z"), &[])],
        ),
        dimension: Dimension::Source,
        total: 1_524,
        entries: 9,
        rows: vec![
            RankedCount { name: "google / organic".into(), count: 850 },
            RankedCount { name: "direct".into(), count: 320 },
        ],
    });
    let text = answer_from("top traffic sources yesterday", &context(false), vec![ToolOutput::Data(Box::new(data))]);
    assert_says(
        &text,
        &[
            "Here are Globex's figures for yesterday (30 Nov 2026):",
            "Sessions by traffic source (1,524 in all):\n- google / organic: 850 sessions (55.77%)\n- direct: 320 sessions (21%)",
            "9 sources had sessions in all; the largest are listed.",
        ],
        &["top entries"],
    );
}

#[test]
fn a_short_series_lists_every_bucket_and_a_long_one_its_extremes() {
    let weeks =
        [("2026-11-01", "2026-11-01", 50.0), ("2026-11-02", "2026-11-08", 700.0), ("2026-11-09", "2026-11-15", 810.5)];
    let series = |spec: RangeSpec, granularity, points: Vec<Point>| {
        ToolData::Timeseries(Timeseries {
            coverage: coverage(spec, true, &[(Platform::GoogleAds, None, &[])]),
            platform: Platform::GoogleAds,
            metric: Metric::Spend,
            granularity,
            currency: Some(Currency::USD),
            points,
        })
    };
    let points =
        weeks.iter().map(|(a, b, v)| Point { range: DateRange::new(d(a), d(b)).unwrap(), value: Some(*v) }).collect();
    let text = answer_from(
        "weekly spend on google ads last month",
        &context(true),
        vec![ToolOutput::Data(Box::new(series(RangeSpec::preset(Preset::LastMonth), Granularity::Week, points)))],
    );
    assert_says(
        &text,
        &[
            "Google Ads spend by week, 1–30 Nov 2026:",
            "- 1 Nov 2026 (part of a week): $50.00\n- 2–8 Nov 2026: $700.00\n- 9–15 Nov 2026: $810.50",
        ],
        &[],
    );
    let days: Vec<Point> = (0..30_u32)
        .map(|i| {
            let date = d("2026-11-01") + Days::new(u64::from(i));
            Point { range: DateRange::day(date), value: Some(100.0 + f64::from(i % 7) * 10.0) }
        })
        .collect();
    let text = answer_from(
        "daily spend on google ads last month",
        &context(true),
        vec![ToolOutput::Data(Box::new(series(RangeSpec::preset(Preset::LastMonth), Granularity::Day, days)))],
    );
    assert_says(
        &text,
        &[
            "Google Ads spend by day, 1–30 Nov 2026:",
            "- Highest: $160.00 on 7 Nov 2026",
            "- Lowest: $100.00 on 1 Nov 2026",
            "- From $100.00 on 1 Nov 2026 to $110.00 on 30 Nov 2026",
        ],
        &["- 2 Nov 2026"],
    );
}

#[test]
fn a_tool_error_is_said_plainly_without_its_numbers() {
    let error = |message: &str| ToolOutput::Error { tool: Some(ToolKind::PlatformSummary), message: message.into() };
    let text = answer_from(
        "google ads spend",
        &context(false),
        vec![error("googleAds is not connected for this client; it has metaAds")],
    );
    assert_says(
        &text,
        &[
            "I couldn't get the figures for this question about Globex.",
            "I couldn't look up a platform's totals: googleAds is not connected for this client; it has metaAds.",
        ],
        &[],
    );
    let text = answer_from(
        "google ads spend",
        &context(false),
        vec![error("the range 2025-01-01 to 2026-11-30 has 699 days")],
    );
    assert_says(&text, &["I couldn't look up a platform's totals: the tool could not answer that request."], &["699"]);
}

// ---------------------------------------------------------------------------------------------
// Whole exchanges over the real tools, every answer checked by the grounding check.

/// What a generated question should get.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// Figures from the tools (unless the client lacks the platforms asked about).
    Figures,
    /// An answer at once, without tools, saying this.
    Plainly(&'static str),
}

const PERIODS: [&str; 15] = [
    "",
    " yesterday",
    " last week",
    " this week",
    " last month",
    " this month",
    " in the last 7 days",
    " over the past 14 days",
    " in October",
    " in Q3",
    " last quarter",
    " year to date",
    " in the last 3 months",
    " in September 2026",
    " today",
];

/// `templates` filled with `{m}` from `metrics`, `{p}` from `platforms` and `{t}` from `PERIODS`,
/// `count` of them, stepping through each list at its own pace so that the combinations vary.
fn fill(templates: &[&str], metrics: &[&str], platforms: &[&str], count: usize) -> Vec<String> {
    (0..count)
        .map(|i| {
            let template = templates[i % templates.len()];
            template
                .replace("{m}", metrics[(i / templates.len() + i) % metrics.len()])
                .replace("{p}", platforms[(i * 7 / 3) % platforms.len()])
                .replace("{t}", PERIODS[(i * 11 + i / 4) % PERIODS.len()])
        })
        .collect()
}

const AD_METRICS: &[&str] = &[
    "spend",
    "clicks",
    "impressions",
    "CTR",
    "CPC",
    "CPM",
    "conversions",
    "cost per conversion",
    "ROAS",
    "leads",
    "cost per lead",
    "conversion rate",
    "revenue",
];

const SITE_METRICS: &[&str] = &[
    "sessions",
    "users",
    "new users",
    "pageviews",
    "bounce rate",
    "engagement rate",
    "average session duration",
    "pages per session",
];

const MIXED_METRICS: &[&str] =
    &["spend", "clicks", "CPC", "CTR", "sessions", "users", "cost per conversion", "bounce rate", "ROAS"];

/// A family of generated questions: templates, the metrics and platforms they are filled with, and
/// how many to make.
type Family = (&'static [&'static str], &'static [&'static str], &'static [&'static str], usize);

const FAMILIES: &[Family] = &[
    (
        &["What was our {m}{p}{t}?", "{m}{p}{t}", "Show me {m}{p}{t}", "How much {m} did we get{p}{t}?"],
        AD_METRICS,
        &["", " on Google Ads", " on Meta", " on LinkedIn", " across all platforms", " on Facebook and LinkedIn"],
        130,
    ),
    (&["What were our {m}{t}?", "website {m}{t}", "GA4 {m}{t}"], SITE_METRICS, &[""], 40),
    (
        &["{m} trend{p}{t}", "weekly {m}{p}", "daily {m}{p}{t}", "monthly {m}{p}", "chart {m}{p} over time{t}"],
        MIXED_METRICS,
        &["", " on Google Ads", " on Meta"],
        30,
    ),
    (
        &[
            "{m}{p} last month vs the month before",
            "{m}{p} month over month",
            "{m}{p} week over week",
            "{m}{p} year over year",
            "{m}{p} vs last month",
            "{m}{p} compared to the previous period",
            "{m}{p} this month vs last month",
            "{m}{p} in October vs September",
            "did {m}{p} drop last week?",
            "how did {m}{p} change?",
            "{m}{p} this year vs last year",
            "{m}{p} in August vs July",
        ],
        MIXED_METRICS,
        &["", " on Google Ads", " on LinkedIn"],
        40,
    ),
    (
        &[
            "top traffic sources{t}",
            "where do visitors come from{t}?",
            "mobile vs desktop{t}",
            "top pages{t}",
            "top landing pages and bounce rate{t}",
        ],
        &[""],
        &[""],
        15,
    ),
    (
        &[
            "Which campaign has the best CPA{t}?",
            "Which campaign spent the most{t}?",
            "top 3 campaigns by clicks{t}",
            "worst campaign{p}{t}",
            "best campaign{p}{t}",
            "campaign with the lowest CPC{t}",
            "spend per campaign{p}{t}",
            "campaigns with the highest ROAS{t}",
            "Which campaign's CPA got worse{t}?",
            "which campaigns' CTR dropped{t}?",
            "which campaigns improved their conversion rate{t}?",
            "which campaign's spend increased most{t}?",
        ],
        &[""],
        &["", " on Google Ads", " on Meta"],
        36,
    ),
    (
        &[
            "How are we doing{t}?",
            "give me an overview{t}",
            "how are our ads performing{t}?",
            "how is the website doing{t}?",
        ],
        &[""],
        &[""],
        16,
    ),
];

/// Questions that need figures, generated from [`FAMILIES`]; each once.
fn figure_questions() -> Vec<String> {
    let mut seen = std::collections::BTreeSet::new();
    FAMILIES
        .iter()
        .flat_map(|(templates, metrics, platforms, count)| fill(templates, metrics, platforms, *count))
        .filter(|q| seen.insert(q.clone()))
        .collect()
}

/// Questions answered at once, and what the answer says: small talk, unknown asks, figures no
/// platform reports, platforms the tools do not read, periods that cannot be looked up.
const PLAINLY: &[(&str, &str)] = &[
    ("hello", "Hello! I'm the analyst"),
    ("hi there!", "Hello! I'm the analyst"),
    ("thanks!", "Hello! I'm the analyst"),
    ("what can you do?", "I can answer questions about"),
    ("What's the weather in Paris?", "I can't answer that"),
    ("tell me a joke", "I can't answer that"),
    ("what's our profit?", "I don't have profit"),
    ("what is our ROI?", "I don't have return on investment"),
    ("average order value last month", "I don't have average order value"),
    ("how many followers do we have?", "I don't have followers"),
    ("tiktok spend", "I can't see TikTok figures"),
    ("how is our pinterest doing?", "I can't see Pinterest figures"),
    ("spend in January 2027", "hasn't started yet"),
    ("clicks over the last 2 years", "longer than the tools read at once"),
];

/// More than two hundred questions of every kind the analyst is asked.
fn questions() -> Vec<(String, Expect)> {
    let figures = figure_questions().into_iter().map(|q| (q, Expect::Figures));
    figures.chain(PLAINLY.iter().map(|(q, say)| ((*q).to_owned(), Expect::Plainly(say)))).collect()
}

#[test]
fn hundreds_of_questions_are_answered_within_two_rounds_from_the_tools_results_only() {
    let worlds = worlds(TODAY);
    let questions = questions();
    let mut failures: Vec<String> = Vec::new();
    let mut exchanges = 0;
    let mut with_figures = 0;
    for (question, expect) in &questions {
        for (who, world) in [("demo", &worlds.demo), ("acme", &worlds.acme), ("initech", &worlds.initech)] {
            let exchange = world.ask(question);
            exchanges += 1;
            let text = exchange.text();
            let mut fail = |why: String| failures.push(format!("[{who}] {question:?}: {why}\n{text}\n"));
            if exchange.rounds > 2 {
                fail(format!("took {} rounds", exchange.rounds));
            }
            if !exchange.errors().is_empty() {
                fail(format!("tool errors {:?}", exchange.errors()));
            }
            let grounding = domain::grounding::check(text, &exchange.values());
            if !grounding.grounded {
                fail(format!("unsupported figures {:?}", grounding.unsupported));
            }
            if exchange.pieces.concat() != text || text.is_empty() {
                fail("the streamed pieces are not the answer".to_owned());
            }
            let data: Vec<&ToolData> = exchange.outputs.iter().filter_map(ToolOutput::data).collect();
            for range in data.iter().flat_map(|d| d.ranges()) {
                if !text.contains(&super::format::range(range)) {
                    fail(format!("the dates {} are not stated", super::format::range(range)));
                }
            }
            let today = world.context.today;
            if data.iter().any(|d| d.ranges().iter().any(|r| r.contains(today))) && !text.contains("are partial") {
                fail("today's partial figures are not said to be partial".to_owned());
            }
            if world.context.demo && !data.is_empty() && !text.contains("These are demo figures") {
                fail("demo figures are not said to be demo figures".to_owned());
            }
            let missing: Vec<Platform> = Question::parse(question)
                .platforms
                .into_iter()
                .filter(|p| !world.context.platforms.contains(p))
                .collect();
            if !missing.is_empty() && !text.contains("isn't connected") && !text.contains("aren't connected") {
                fail(format!("{missing:?} is not said to be unconnected"));
            }
            match expect {
                Expect::Figures if data.is_empty() && !text.contains("isn't connected") => {
                    fail("no figures were looked up".to_owned());
                }
                Expect::Figures => with_figures += usize::from(!data.is_empty()),
                Expect::Plainly(say) if exchange.rounds != 1 || !text.contains(say) => {
                    fail(format!("expected a plain answer saying {say:?}"));
                }
                Expect::Plainly(_) => {}
            }
        }
    }
    println!("{exchanges} exchanges of {} questions, {with_figures} answered with figures", questions.len());
    assert!(questions.len() >= 200, "only {} questions", questions.len());
    assert!(failures.is_empty(), "{} of {exchanges} exchanges failed:\n\n{}", failures.len(), failures.join("\n"));
}
