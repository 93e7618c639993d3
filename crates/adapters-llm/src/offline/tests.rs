//! Tests of the offline analyst as the domain's tool loop drives it: first round, tool result,
//! answer, streaming and usage, over the demo sample and over a hand-built synced client.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use domain::analyst::{
    ChatRequest, ChatTurn, ClientDataView, DeltaSink, ModelReply, ModelTurn, SourceData, ToolCall, ToolKind,
    ToolOutput, ToolRequest, estimate_tokens,
};
use domain::platform::{
    AnalyticsMetrics, AnalyticsReport, DeviceShare, GoogleAdsCampaign, LinkedinAdsCampaign, MetaAdsCampaign, PageViews,
    Platform, PlatformData, SourceSessions,
};
use domain::ports::ChatModel;

use super::*;

// ---------------------------------------------------------------------------------------------
// Fixtures.

/// The domain's demo sample, as a client with nothing connected sees it.
fn demo_view() -> ClientDataView {
    ClientDataView {
        client_name: "Globex".into(),
        demo: true,
        sources: domain::demo::sample().into_iter().map(|data| SourceData { data, last_sync: None }).collect(),
    }
}

fn at(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

/// Acme Corp's synced figures, with the campaign names and numbers of `/work/shared/fixtures`.
fn acme_view() -> ClientDataView {
    let google = |name: &str, spend: f64, clicks: u64, impressions: u64, conversions: f64| GoogleAdsCampaign {
        name: name.into(),
        spend,
        clicks,
        impressions,
        #[allow(clippy::cast_precision_loss)]
        ctr: clicks as f64 / impressions as f64,
        conversions,
    };
    let meta = |name: &str, spend: f64, impressions: u64, clicks: u64, cpm: f64, roas: Option<f64>| MetaAdsCampaign {
        name: name.into(),
        spend,
        impressions,
        clicks,
        cpm,
        roas,
    };
    let linkedin = |name: &str, spend: f64, impressions: u64, clicks: u64, leads: u64| LinkedinAdsCampaign {
        name: name.into(),
        spend,
        impressions,
        clicks,
        leads,
    };
    let source = |data, sync: &str| SourceData { data, last_sync: Some(at(sync)) };
    ClientDataView {
        client_name: "Acme Corp".into(),
        demo: false,
        sources: vec![
            source(
                PlatformData::GoogleAnalytics(AnalyticsReport {
                    metrics: AnalyticsMetrics {
                        sessions: 21_873,
                        users: 17_406,
                        pageviews: 33_519,
                        bounce_rate: 0.380_194_760_663_832_1,
                        avg_session_duration: 131.277_405_934_256_85,
                    },
                    top_sources: vec![
                        SourceSessions { source: "google / cpc".into(), sessions: 4_861 },
                        SourceSessions { source: "google / organic".into(), sessions: 4_707 },
                        SourceSessions { source: "(direct) / (none)".into(), sessions: 2_440 },
                        SourceSessions { source: "facebook / paid".into(), sessions: 1_532 },
                        SourceSessions { source: "linkedin / paid".into(), sessions: 688 },
                        SourceSessions { source: "newsletter / email".into(), sessions: 512 },
                    ],
                    devices: vec![
                        DeviceShare { device: "desktop".into(), percentage: 61.23 },
                        DeviceShare { device: "mobile".into(), percentage: 38.77 },
                    ],
                    top_pages: vec![
                        PageViews { page: "/".into(), views: 10_509 },
                        PageViews { page: "/pricing".into(), views: 6_952 },
                        PageViews { page: "/holiday-sale".into(), views: 1_877 },
                        PageViews { page: "/blog/q4-planning-guide".into(), views: 1_293 },
                        PageViews { page: "/webinars/q4-analytics-summit".into(), views: 902 },
                    ],
                }),
                "2026-11-01T06:00:00Z",
            ),
            source(
                PlatformData::GoogleAds(vec![
                    google("Acme - Brand Search - US", 635.32, 1_480, 9_418, 122.0),
                    google("Acme - Generic Search - Analytics Software", 3_898.24, 1_717, 53_121, 42.5),
                    google("Acme - PMax - Q4 Holiday", 5_842.23, 3_528, 286_407, 172.84),
                ]),
                "2026-11-01T06:05:00Z",
            ),
            source(
                PlatformData::MetaAds(vec![
                    meta("Acme | Prospecting | Q4 Holiday", 6_842.17, 912_345, 14_208, 7.499_542, Some(3.488_864)),
                    meta("Acme | Retargeting | Cart Abandoners", 2_215.64, 188_402, 5_133, 11.760_172, Some(8.369_117)),
                    meta("Acme | Lookalike 1% | Purchasers", 3_398.02, 401_776, 6_957, 8.457_499, Some(3.053_89)),
                    meta("Acme | Brand Awareness | Video", 3_450.0, 1_204_880, 2_311, 2.863_356, None),
                ]),
                "2026-11-01T06:10:00Z",
            ),
            source(
                PlatformData::LinkedinAds(vec![
                    linkedin("Acme - Q4 Holiday - Decision Makers", 4_312.876_543_21, 148_230, 1_206, 74),
                    linkedin("Acme - Webinar Lead Gen - Marketing Ops", 2_987.44, 96_415, 871, 112),
                    linkedin("Acme - Retargeting - Site Visitors", 640.102_3, 35_512, 402, 0),
                ]),
                "2026-10-31T22:00:00Z",
            ),
        ],
    }
}

/// Acme with only Google Ads connected and synced.
fn acme_google_ads_only() -> ClientDataView {
    let mut view = acme_view();
    view.sources.retain(|s| s.data.platform() == Platform::GoogleAds);
    view
}

// ---------------------------------------------------------------------------------------------
// Driving the model the way the domain's tool loop does.

/// Collects the streamed pieces of an answer.
#[derive(Default)]
struct Recorder(Mutex<Vec<String>>);

impl DeltaSink for Recorder {
    fn delta(&self, text: &str) {
        self.0.lock().unwrap().push(text.to_owned());
    }
}

impl Recorder {
    fn pieces(&self) -> Vec<String> {
        self.0.lock().unwrap().clone()
    }
}

fn first_request(question: &str) -> ChatRequest {
    ChatRequest {
        turns: vec![ChatTurn::System("You are a marketing analyst.".into()), ChatTurn::User(question.into())],
        tools: ToolKind::ALL.to_vec(),
    }
}

fn block_on<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(future)
}

/// One exchange: the tool-calling round, then the answer round with the tool's result (the view
/// narrowed to the platforms asked for, as the domain does). The answer round's turn and deltas.
fn converse(view: &ClientDataView, question: &str) -> (ModelTurn, Vec<String>) {
    let model = OfflineAnalyst::new();
    let mut request = first_request(question);
    let first = block_on(model.complete(&request, Arc::new(Recorder::default()))).unwrap();
    let ModelReply::ToolCalls(calls) = first.reply else { panic!("expected a tool call for {question:?}") };
    request.turns.push(ChatTurn::Assistant { text: String::new(), tool_calls: calls.clone() });
    for call in calls {
        let ToolRequest::ClientData { platforms } = &call.request;
        request.turns.push(ChatTurn::Tool { call_id: call.id, output: ToolOutput::ClientData(view.only(platforms)) });
    }
    let recorder = Arc::new(Recorder::default());
    let turn = block_on(model.complete(&request, recorder.clone())).unwrap();
    (turn, recorder.pieces())
}

fn ask(view: &ClientDataView, question: &str) -> String {
    match converse(view, question).0.reply {
        ModelReply::Answer(text) => text,
        ModelReply::ToolCalls(_) => panic!("expected an answer to {question:?}"),
    }
}

// ---------------------------------------------------------------------------------------------
// The protocol.

#[test]
fn the_first_round_calls_the_client_data_tool_for_the_platforms_asked_about() {
    let cases: &[(&str, &[Platform])] = &[
        ("How much did we spend on Google Ads?", &[Platform::GoogleAds]),
        ("What's the bounce rate?", &[Platform::GoogleAnalytics]),
        ("Facebook vs LinkedIn clicks", &[Platform::MetaAds, Platform::LinkedinAds]),
        ("What's our total spend?", &[Platform::GoogleAds, Platform::MetaAds, Platform::LinkedinAds]),
        ("How are we doing?", &[]),
        ("Hi!", &[]),
    ];
    for (question, platforms) in cases {
        let sink = Arc::new(Recorder::default());
        let turn = block_on(OfflineAnalyst::new().complete(&first_request(question), sink.clone())).unwrap();
        let expected =
            ToolCall { id: "call_1".into(), request: ToolRequest::ClientData { platforms: platforms.to_vec() } };
        assert_eq!(turn.reply, ModelReply::ToolCalls(vec![expected]), "{question}");
        assert_eq!(turn.model, MODEL_NAME);
        assert!(sink.pieces().is_empty(), "a tool call streams no text");
    }
}

#[test]
fn a_new_question_after_an_answered_one_calls_the_tool_again() {
    let request = ChatRequest {
        turns: vec![
            ChatTurn::System("You are a marketing analyst.".into()),
            ChatTurn::User("spend?".into()),
            ChatTurn::Assistant { text: String::new(), tool_calls: vec![] },
            ChatTurn::Tool { call_id: "call_1".into(), output: ToolOutput::ClientData(demo_view()) },
            ChatTurn::Assistant { text: "Spend was ...".into(), tool_calls: vec![] },
            ChatTurn::User("and clicks on meta?".into()),
        ],
        tools: ToolKind::ALL.to_vec(),
    };
    let turn = OfflineAnalyst::new().reply(&request);
    assert!(
        matches!(&turn.reply, ModelReply::ToolCalls(calls) if calls[0].request == ToolRequest::ClientData { platforms: vec![Platform::MetaAds] }),
        "{turn:?}"
    );
}

#[test]
fn the_answer_streams_in_pieces_that_put_together_give_the_answer() {
    let (turn, pieces) = converse(&demo_view(), "How are we doing overall?");
    let ModelReply::Answer(text) = turn.reply else { panic!("expected an answer") };
    assert!(pieces.len() > 5, "{pieces:?}");
    assert_eq!(pieces.concat(), text);
    for piece in &pieces[..pieces.len() - 1] {
        assert_eq!(piece.split_whitespace().count(), WORDS_PER_DELTA, "{piece:?}");
    }
}

#[test]
fn usage_is_estimated_from_everything_read_and_written() {
    let (turn, _) = converse(&demo_view(), "What's our total spend?");
    let ModelReply::Answer(text) = &turn.reply else { panic!("expected an answer") };
    assert_eq!(turn.model, MODEL_NAME);
    assert_eq!(turn.usage.output, estimate_tokens(text));
    // The tool result's figures are part of what was read, so the input is far more than the question.
    assert!(turn.usage.input > 300, "{:?}", turn.usage);
    let first = OfflineAnalyst::new().reply(&first_request("What's our total spend?"));
    assert!(first.usage.input > 0 && first.usage.output > 0, "{:?}", first.usage);
    assert!(first.usage.input < turn.usage.input);
}

#[test]
fn the_same_request_always_gets_the_same_reply() {
    for question in ["What's our total spend?", "best campaign", "hello", "revenue vs last month"] {
        let (a, pieces_a) = converse(&acme_view(), question);
        let (b, pieces_b) = converse(&acme_view(), question);
        assert_eq!(a, b, "{question}");
        assert_eq!(pieces_a, pieces_b, "{question}");
    }
}

#[test]
fn without_the_tool_it_says_it_cannot_see_the_figures() {
    let mut request = first_request("What's our total spend?");
    request.tools.clear();
    let ModelReply::Answer(text) = OfflineAnalyst::new().reply(&request).reply else { panic!("expected an answer") };
    assert!(text.contains("can't look at the client's figures"), "{text}");
}

#[test]
fn without_a_question_it_asks_for_one() {
    let request = ChatRequest { turns: vec![ChatTurn::System("hi".into())], tools: ToolKind::ALL.to_vec() };
    let ModelReply::Answer(text) = OfflineAnalyst::new().reply(&request).reply else { panic!("expected an answer") };
    assert!(text.contains("didn't get a question"), "{text}");
}

#[test]
fn several_tool_results_in_one_round_are_read_together() {
    let view = demo_view();
    let mut request = first_request("total spend");
    request.turns.push(ChatTurn::Assistant { text: String::new(), tool_calls: vec![] });
    for (id, platform) in [("call_1", Platform::GoogleAds), ("call_2", Platform::MetaAds)] {
        request
            .turns
            .push(ChatTurn::Tool { call_id: id.into(), output: ToolOutput::ClientData(view.only(&[platform])) });
    }
    let ModelReply::Answer(text) = OfflineAnalyst::new().reply(&request).reply else { panic!("expected an answer") };
    assert!(text.contains("Google Ads 7,911.15; Meta Ads 4,100.65; total across ad platforms 12,011.80"), "{text}");
}

// ---------------------------------------------------------------------------------------------
// What the answers say.

/// `(question, phrases the answer must contain, phrases it must not contain)`.
type Case = (&'static str, &'static [&'static str], &'static [&'static str]);

const DEMO_CASES: &[Case] = &[
    (
        "What's our total spend?",
        &[
            "Spend: Google Ads 7,911.15; Meta Ads 4,100.65; LinkedIn Ads 3,830.00; total across ad platforms 15,841.80",
            "These are demo figures: no platform is connected for Globex yet",
            "Amounts are in each ad account's own currency.",
        ],
        &["sync"],
    ),
    ("How much did we spend on Google Ads?", &["- Spend (Google Ads): 7,911.15"], &["15,841.80", "Meta Ads"]),
    ("What's the CTR on adwords?", &["- CTR (Google Ads): 2.72%"], &[]),
    ("What's our bounce rate?", &["- Bounce rate (Google Analytics 4): 45%"], &["Amounts are"]),
    (
        "Which campaign performed best?",
        &[
            "Best campaign by conversions: Demo - Brand Search (Google Ads), 142 conversions",
            "(Meta Ads campaigns are not ranked: Meta Ads doesn't report conversions)",
        ],
        &[],
    ),
    (
        "What is our worst campaign?",
        &["Worst campaign by conversions: Demo - Webinar Lead Gen (LinkedIn Ads), 29 leads"],
        &[],
    ),
    (
        "Which campaign has the worst CTR?",
        &["Worst campaign by CTR: Demo - Decision Makers (LinkedIn Ads), CTR 0.71%"],
        &[],
    ),
    (
        "best campaign by ROAS",
        &["Best campaign by ROAS: Demo | Retargeting (Meta Ads), ROAS 5.1x (Google Ads campaigns and LinkedIn Ads \
             campaigns are not ranked: Google Ads and LinkedIn Ads don't report ROAS)"],
        &[],
    ),
    (
        "best and worst campaigns by click-through rate",
        &[
            "Best campaign by CTR: Demo - Brand Search (Google Ads), CTR 8.13%",
            "Worst campaign by CTR: Demo - Decision Makers (LinkedIn Ads), CTR 0.71%",
        ],
        &[],
    ),
    (
        "Which campaign spent the most?",
        &["Campaign with the highest spend: Demo - Generic Search (Google Ads), spend 3,420.75"],
        &[],
    ),
    (
        "Show me spend, clicks and conversions on LinkedIn",
        &["- Spend (LinkedIn Ads): 3,830.00", "- Clicks (LinkedIn Ads): 677", "- Leads (LinkedIn Ads): 66"],
        &["Google Ads"],
    ),
    (
        "How many conversions did we get?",
        &[
            "Conversions: Google Ads 297.5; LinkedIn Ads 66 leads; total across ad platforms 363.5 (Meta Ads doesn't report conversions)",
        ],
        &[],
    ),
    ("What's the Meta ROAS and CPM?", &["- ROAS (Meta Ads): 3.14x", "- CPM (Meta Ads): 8.07"], &[]),
    (
        "What's our CPC and cost per lead on LinkedIn?",
        &["- CPC (LinkedIn Ads): 5.66", "- Cost per lead (LinkedIn Ads): 58.03"],
        &[],
    ),
    (
        "total clicks and impressions across all platforms",
        &["total across ad platforms 16,172", "total across ad platforms 870,550"],
        &[],
    ),
    (
        "What's the ROAS on Google Ads?",
        &["Google Ads doesn't report ROAS", "I can answer questions"],
        &["ROAS (Google Ads):"],
    ),
    (
        "Where does our traffic come from?",
        &[
            "Top traffic sources (Google Analytics 4): google / organic (8,500 sessions), direct (3,200 sessions) and facebook / social (2,100 sessions)",
        ],
        &[],
    ),
    (
        "Which devices do people use?",
        &["Sessions by device (Google Analytics 4): desktop 58%, mobile 38.5% and tablet 3.5%"],
        &[],
    ),
    (
        "What are our top pages?",
        &[
            "Top pages (Google Analytics 4): / (12,040 views), /pricing (6,310 views) and /blog/analytics-guide (4,875 views)",
        ],
        &[],
    ),
    ("average session duration?", &["- Average session duration (Google Analytics 4): 3m 5s"], &[]),
    (
        "sessions, users and pageviews",
        &[
            "Sessions (Google Analytics 4): 15,234",
            "Users (Google Analytics 4): 12,450",
            "Pageviews (Google Analytics 4): 45,678",
        ],
        &[],
    ),
    (
        "How are we doing?",
        &[
            "- Google Ads: spend 7,911.15, 7,395 clicks, 271,950 impressions, CTR 2.72%, 297.5 conversions",
            "- Meta Ads: spend 4,100.65, 8,100 clicks, 508,400 impressions, CTR 1.59%, ROAS 3.14x",
            "- LinkedIn Ads: spend 3,830.00, 677 clicks, 90,200 impressions, CTR 0.75%, 66 leads",
            "- All ad platforms together: spend 15,841.80, 16,172 clicks, 870,550 impressions, CTR 1.86%",
            "- Google Analytics 4: 15,234 sessions, 12,450 users, 45,678 pageviews, bounce rate 45%, average session duration 3m 5s",
            "demo figures",
        ],
        &[],
    ),
    ("what about linkedin?", &["- LinkedIn Ads: spend 3,830.00"], &["Google Ads:", "All ad platforms"]),
    (
        "Spend per campaign on Google Ads",
        &[
            "\n\nGoogle Ads campaigns:\n- Demo - Brand Search: spend 1,850.40\n- Demo - Generic Search: spend 3,420.75\n- Demo - Performance Max: spend 2,640.00\n\n",
        ],
        &["Meta Ads"],
    ),
    (
        "list our campaigns",
        &[
            "- Demo - Brand Search: spend 1,850.40, 2,310 clicks, CTR 8.13%, 142 conversions",
            "- Demo | Retargeting: spend 1,120.55, 2,870 clicks, CTR 2.98%, ROAS 5.1x\n\nLinkedIn Ads campaigns:\n",
            "- Demo - Webinar Lead Gen: spend 1,380.00, 265 clicks, CTR 0.83%, 29 leads",
        ],
        &[],
    ),
    (
        "Hello!",
        &[
            "Hello! I'm the analyst for Globex's marketing figures.",
            "I can answer questions about Globex's latest figures",
        ],
        &["demo figures"],
    ),
    (
        "What's the weather like in Paris?",
        &[
            "I can't answer that from the figures I have for Globex.",
            "I can answer questions about",
            "\"What's our total spend?\"",
        ],
        &["demo figures"],
    ),
    ("What's our revenue?", &["I don't have revenue for Globex", "I can answer questions about"], &[]),
    (
        "What's our revenue and spend?",
        &["I don't have revenue for Globex", "total across ad platforms 15,841.80"],
        &["I can answer questions"],
    ),
    (
        "Compare spend last month vs this month",
        &["I can't compare periods for Globex", "total across ad platforms 15,841.80"],
        &[],
    ),
    (
        "How did our sessions change?",
        &["I can't compare periods for Globex", "Sessions (Google Analytics 4): 15,234"],
        &[],
    ),
    ("What was our spend last month?", &["I can't single out last month", "15,841.80"], &[]),
    ("clicks in the last 30 days", &["I can't single out that period", "16,172"], &[]),
    ("what changed last month?", &["I can't compare periods for Globex", "I can answer questions about"], &[]),
];

const ACME_CASES: &[Case] = &[
    (
        "What's our total spend?",
        &[
            "Spend: Google Ads 10,375.79; Meta Ads 15,905.83; LinkedIn Ads 7,940.42; total across ad platforms 34,222.04",
            "Figures are from the latest syncs: Google Ads on 1 Nov 2026, Meta Ads on 1 Nov 2026 and LinkedIn Ads on 31 Oct 2026.",
        ],
        &["demo"],
    ),
    (
        "google ads spend",
        &["Spend (Google Ads): 10,375.79", "Figures are from the latest sync on 1 Nov 2026."],
        &["demo", "LinkedIn"],
    ),
    (
        "best campaign",
        &[
            "Best campaign by conversions: Acme - PMax - Q4 Holiday (Google Ads), 172.84 conversions",
            "Figures are from the latest syncs: Google Ads on 1 Nov 2026 and LinkedIn Ads on 31 Oct 2026.",
        ],
        &[],
    ),
    (
        "worst campaign",
        &["Worst campaign by conversions: Acme - Retargeting - Site Visitors (LinkedIn Ads), 0 leads"],
        &[],
    ),
    (
        "which facebook campaign has the best ROAS",
        &["Best campaign by ROAS: Acme | Retargeting | Cart Abandoners (Meta Ads), ROAS 8.37x"],
        &["not ranked"],
    ),
    (
        "which meta campaign is best?",
        &["Best campaign by ROAS: Acme | Retargeting | Cart Abandoners (Meta Ads), ROAS 8.37x"],
        &[],
    ),
    (
        "lowest cost per lead on linkedin",
        &[
            "Campaign with the lowest cost per lead: Acme - Webinar Lead Gen - Marketing Ops (LinkedIn Ads), cost per lead 26.67",
        ],
        &[],
    ),
    (
        "What's our bounce rate?",
        &["- Bounce rate (Google Analytics 4): 38.02%", "Figures are from the latest sync on 1 Nov 2026."],
        &[],
    ),
    ("linkedin ctr", &["- CTR (LinkedIn Ads): 0.88%", "Figures are from the latest sync on 31 Oct 2026."], &[]),
    ("Meta ROAS", &["- ROAS (Meta Ads): 4.24x"], &[]),
    (
        "How is Google Analytics doing?",
        &[
            "- Google Analytics 4: 21,873 sessions, 17,406 users, 33,519 pageviews, bounce rate 38.02%, average session duration 2m 11s",
        ],
        &["Google Ads", "Amounts are"],
    ),
    (
        "top traffic sources",
        &[
            "google / cpc (4,861 sessions), google / organic (4,707 sessions), (direct) / (none) (2,440 sessions), facebook / paid (1,532 sessions) and linkedin / paid (688 sessions)",
        ],
        &["newsletter"],
    ),
    (
        "conversions by campaign on linkedin",
        &["LinkedIn Ads campaigns:\n- Acme - Q4 Holiday - Decision Makers: 74 leads\n"],
        &[],
    ),
];

fn check(view: &ClientDataView, cases: &[Case]) {
    for (question, wanted, unwanted) in cases {
        let answer = ask(view, question);
        for w in *wanted {
            assert!(answer.contains(w), "{question:?}: {w:?} missing from:\n{answer}");
        }
        for u in *unwanted {
            assert!(!answer.contains(u), "{question:?}: {u:?} should not be in:\n{answer}");
        }
    }
}

#[test]
fn questions_about_the_demo_sample_are_answered_from_it_and_flagged_as_demo() {
    check(&demo_view(), DEMO_CASES);
}

#[test]
fn questions_about_a_synced_client_are_answered_with_the_sync_dates() {
    check(&acme_view(), ACME_CASES);
}

#[test]
fn a_platform_without_figures_is_said_to_have_none() {
    let cases: &[Case] = &[
        (
            "LinkedIn leads",
            &[
                "There are no LinkedIn Ads figures for Acme Corp: it isn't connected or hasn't synced yet.",
                "I can answer questions",
            ],
            &["Leads ("],
        ),
        ("bounce rate", &["There are no Google Analytics 4 figures for Acme Corp"], &[]),
        (
            "google ads and linkedin spend",
            &["- Spend (Google Ads): 10,375.79", "There are no LinkedIn Ads figures for Acme Corp"],
            &[],
        ),
        ("total spend", &["- Spend (Google Ads): 10,375.79"], &["total across", "There are no"]),
    ];
    check(&acme_google_ads_only(), cases);
}

#[test]
fn a_connected_client_without_any_sync_is_told_to_wait_for_one() {
    let view = ClientDataView { client_name: "Acme Corp".into(), demo: false, sources: vec![] };
    let answer = ask(&view, "How are we doing?");
    assert!(answer.contains("Acme Corp has platforms connected, but none has synced any figures yet"), "{answer}");
    let answer = ask(&view, "total spend");
    assert!(answer.contains("There are no ad platform figures for Acme Corp"), "{answer}");
}

#[test]
fn the_total_spend_is_the_sum_of_every_ad_platforms_spend() {
    for view in [demo_view(), acme_view()] {
        let answer = ask(&view, "What's our total spend across all platforms?");
        let line = answer.lines().find(|l| l.starts_with("- Spend:")).expect(&answer);
        let numbers = numbers_in(line);
        let (parts, total) = numbers.split_at(numbers.len() - 1);
        assert_eq!(parts.len(), 3, "{line}");
        assert!((parts.iter().sum::<f64>() - total[0]).abs() < 0.015, "{line}");
        let spend: f64 = view.sources.iter().flat_map(|s| s.data.campaigns()).map(|c| c.spend).sum();
        assert!((total[0] - spend).abs() < 0.005, "{line}");
    }
}

// ---------------------------------------------------------------------------------------------
// Never a made-up figure.

/// Every number written in `text`, commas removed: "15,841.80" → 15841.8.
fn numbers_in(text: &str) -> Vec<f64> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_ascii_digit() {
            let mut n = String::new();
            while i < chars.len()
                && (chars[i].is_ascii_digit()
                    || (matches!(chars[i], ',' | '.') && chars.get(i + 1).is_some_and(char::is_ascii_digit)))
            {
                if chars[i] != ',' {
                    n.push(chars[i]);
                }
                i += 1;
            }
            out.push(n.parse().unwrap());
        } else {
            i += 1;
        }
    }
    out
}

/// Every number the view holds or implies, worked out here independently of the analyst: each raw
/// figure; for every campaign and every set of ad platforms, the sums and their ratios (also as
/// percentages); GA4 rates as percentages and durations in minutes and seconds; sync days and years.
#[allow(clippy::cast_precision_loss)]
fn derivable(view: &ClientDataView) -> Vec<f64> {
    /// A campaign's spend, clicks, impressions, conversions and ROAS.
    type Row = (f64, f64, f64, Option<f64>, Option<f64>);
    let mut allowed = Vec::new();
    // (spend, clicks, impressions, conversions, roas) of each campaign, by platform.
    let mut platforms: Vec<Vec<Row>> = Vec::new();
    for source in &view.sources {
        if let Some(at) = source.last_sync {
            allowed.extend([f64::from(chrono::Datelike::day(&at)), f64::from(chrono::Datelike::year(&at))]);
        }
        match &source.data {
            PlatformData::GoogleAnalytics(r) => {
                let m = r.metrics;
                allowed.extend([m.sessions as f64, m.users as f64, m.pageviews as f64, m.bounce_rate * 100.0]);
                let seconds = m.avg_session_duration.round();
                allowed.extend([m.avg_session_duration, (seconds / 60.0).floor(), seconds % 60.0]);
                allowed.extend(r.top_sources.iter().map(|s| s.sessions as f64));
                allowed.extend(r.devices.iter().map(|d| d.percentage));
                allowed.extend(r.top_pages.iter().map(|p| p.views as f64));
            }
            PlatformData::GoogleAds(c) => {
                allowed.extend(c.iter().map(|c| c.ctr * 100.0));
                platforms.push(
                    c.iter()
                        .map(|c| (c.spend, c.clicks as f64, c.impressions as f64, Some(c.conversions), None))
                        .collect(),
                );
            }
            PlatformData::MetaAds(c) => {
                allowed.extend(c.iter().map(|c| c.cpm));
                platforms
                    .push(c.iter().map(|c| (c.spend, c.clicks as f64, c.impressions as f64, None, c.roas)).collect());
            }
            PlatformData::LinkedinAds(c) => {
                platforms.push(
                    c.iter()
                        .map(|c| (c.spend, c.clicks as f64, c.impressions as f64, Some(c.leads as f64), None))
                        .collect(),
                );
            }
        }
    }
    let mut groups: Vec<Vec<Row>> = platforms.iter().flatten().map(|c| vec![*c]).collect();
    for mask in 1..(1u32 << platforms.len()) {
        groups.push(
            platforms.iter().enumerate().filter(|(i, _)| mask & (1 << i) != 0).flat_map(|(_, p)| p.clone()).collect(),
        );
    }
    for group in groups {
        let spend: f64 = group.iter().map(|c| c.0).sum();
        let clicks: f64 = group.iter().map(|c| c.1).sum();
        let impressions: f64 = group.iter().map(|c| c.2).sum();
        let conversions: f64 = group.iter().filter_map(|c| c.3).sum();
        let converting_spend: f64 = group.iter().filter(|c| c.3.is_some()).map(|c| c.0).sum();
        let roas_spend: f64 = group.iter().filter(|c| c.4.is_some()).map(|c| c.0).sum();
        let revenue: f64 = group.iter().filter_map(|c| c.4.map(|r| r * c.0)).sum();
        allowed.extend([spend, clicks, impressions, conversions, converting_spend]);
        let ratios = [
            clicks / impressions,
            spend / clicks,
            spend * 1000.0 / impressions,
            converting_spend / conversions,
            conversions / clicks,
            revenue / roas_spend,
        ];
        for r in ratios.into_iter().filter(|r| r.is_finite()) {
            allowed.extend([r, r * 100.0]);
        }
    }
    allowed
}

/// `text` without the names the view holds (campaigns, sources, pages, platforms), whose digits are
/// not figures.
fn without_names(text: &str, view: &ClientDataView) -> String {
    let mut names: Vec<String> = Platform::ALL.iter().map(|p| p.display_name().to_owned()).collect();
    names.push(view.client_name.clone());
    for source in &view.sources {
        names.extend(source.data.campaigns().into_iter().map(|c| c.name));
        if let PlatformData::GoogleAnalytics(r) = &source.data {
            names.extend(r.top_sources.iter().map(|s| s.source.clone()));
            names.extend(r.top_pages.iter().map(|p| p.page.clone()));
        }
    }
    // Longest first, so that a name inside another goes with it.
    names.sort_by_key(|n| std::cmp::Reverse(n.len()));
    names.iter().fold(text.to_owned(), |t, n| t.replace(n.as_str(), "NAME"))
}

#[test]
fn every_number_in_an_answer_comes_from_the_figures() {
    let extra: &[&str] = &[
        "give me a full report",
        "spend per campaign with CPC, CPM, cost per conversion and conversion rate",
        "best campaign by cost per conversion",
        "worst campaign by CPM",
        "lowest CTR",
        "most clicks",
        "which campaign has the highest conversion rate?",
        "compare Google Ads and Meta ROAS",
        "devices, pages and sources",
    ];
    let mut checked = 0;
    for (view, cases) in [(demo_view(), DEMO_CASES), (acme_view(), ACME_CASES)] {
        let allowed = derivable(&view);
        let questions = cases.iter().map(|c| c.0).chain(extra.iter().copied());
        for question in questions {
            let answer = ask(&view, question);
            for n in numbers_in(&without_names(&answer, &view)) {
                assert!(
                    allowed.iter().any(|a| (a - n).abs() <= 0.005_1 + a.abs() * 1e-12),
                    "{question:?}: {n} is not derived from the figures in:\n{answer}"
                );
                checked += 1;
            }
        }
    }
    assert!(checked > 200, "only {checked} numbers checked");
}

#[test]
fn answers_without_figures_hold_no_numbers() {
    for question in ["hello", "what's the weather?", "what is our revenue?", "thanks!"] {
        let view = acme_view();
        let answer = ask(&view, question);
        assert_eq!(numbers_in(&without_names(&answer, &view)), Vec::<f64>::new(), "{answer}");
    }
}

#[test]
fn breakdowns_are_listed_largest_first_whatever_order_they_were_stored_in() {
    let mut view = acme_view();
    let PlatformData::GoogleAnalytics(report) = &mut view.sources[0].data else {
        panic!("the first source of the Acme view is Google Analytics");
    };
    report.top_sources.reverse();
    report.devices.reverse();
    report.top_pages.reverse();
    let answer = ask(&view, "top traffic sources, devices and top pages");
    assert!(answer.contains("google / cpc (4,861 sessions), google / organic (4,707 sessions)"), "{answer}");
    assert!(answer.contains("desktop 61.23%") && answer.find("desktop") < answer.find("mobile"), "{answer}");
    assert!(answer.contains("/ (10,509 views), /pricing (6,952 views)"), "{answer}");
}
