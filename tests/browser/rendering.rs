//! The console's drawing in the browser: the charts an answer's working asks for, the platform
//! states, and answers that can never become markup. These import the console's own modules into
//! its page, with the page's Content-Security-Policy in force.

use serde_json::{Value, json};

use crate::support::{Browser, spawn_console, with_browser};

/// Runs `body` (JavaScript, with the console's modules as `chart`, `format` and `markdown`) in the
/// page and returns what it hands to `done`.
async fn with_modules(b: &Browser, body: &str) -> Value {
    let assets = b.assets().await;
    let script = format!(
        "const done = arguments[arguments.length - 1];
         Promise.all(['chart', 'format', 'markdown'].map(m => import('{assets}/' + m + '.js')))
           .then(([chart, format, markdown]) => {{ {body} }})
           .catch(e => done({{ failed: String(e) }}));"
    );
    let result = b.client.execute_async(&script, vec![]).await.expect("the script runs");
    assert!(result.get("failed").is_none(), "{result}");
    result
}

/// A working as the API would carry it with the `series` the charts read (docs/console.md).
fn working_with_series() -> Value {
    let weeks: Vec<Value> = (0..5)
        .map(|i| {
            json!({
                "start": format!("2026-11-{:02}", 2 + 7 * i),
                "end": format!("2026-11-{:02}", (8 + 7 * i).min(30)),
                "value": if i == 2 { Value::Null } else { json!(1000.0 + 150.5 * f64::from(i)) },
            })
        })
        .collect();
    json!({
        "tools": [
            {
                "name": "get_timeseries",
                "arguments": { "platform": "googleAds", "metric": "spend", "granularity": "week" },
                "platforms": ["googleAds"],
                "ranges": [{ "start": "2026-11-02", "end": "2026-11-30" }],
                "error": null,
                "series": [{ "platform": "googleAds", "metric": "spend", "unit": "money", "currency": "USD",
                             "granularity": "week", "points": weeks }]
            },
            {
                "name": "compare_periods",
                "arguments": {},
                "platforms": ["googleAds"],
                "ranges": [{ "start": "2026-11-01", "end": "2026-11-30" }, { "start": "2026-10-02", "end": "2026-10-31" }],
                "error": null,
                "series": [
                    { "platform": "googleAds", "metric": "spend", "unit": "money", "currency": "USD", "granularity": null,
                      "points": [ { "start": "2026-10-02", "end": "2026-10-31", "value": 9980.15 },
                                  { "start": "2026-11-01", "end": "2026-11-30", "value": 10375.79 } ] },
                    { "platform": "googleAds", "metric": "ctr", "unit": "percent", "currency": null, "granularity": null,
                      "points": [ { "start": "2026-10-02", "end": "2026-10-31", "value": 4.2 },
                                  { "start": "2026-11-01", "end": "2026-11-30", "value": 3.9 } ] }
                ]
            },
            { "name": "get_platform_summary", "arguments": {}, "platforms": ["googleAds"], "ranges": [], "error": null }
        ],
        "sources": [], "demo": false, "grounded": true, "unsupportedFigures": [],
        "usage": { "inputTokens": 1, "outputTokens": 1, "estimated": true }
    })
}

#[tokio::test]
async fn a_time_series_and_a_comparison_are_drawn_with_labels_for_screen_readers() {
    let app = spawn_console(|_| {}, |ports| ports).await;
    with_browser(&app, "charts", async |b| {
        b.sign_in(&app.token).await;
        let working = working_with_series();
        let drawn = with_modules(
            b,
            &format!(
                "const charts = chart.chartsFor({working});
                 const shelf = document.createElement('section');
                 shelf.className = 'message';
                 shelf.id = 'chart-shelf';
                 shelf.append(...charts);
                 document.getElementById('client-empty').replaceChildren(shelf);
                 document.getElementById('client-empty').hidden = false;
                 done(charts.map(figure => {{
                   const svg = figure.querySelector('svg');
                   const [title, desc] = svg.getAttribute('aria-labelledby').split(' ').map(id => document.getElementById(id).textContent);
                   return {{ kind: figure.dataset.chart, role: svg.getAttribute('role'), title, desc,
                            dots: svg.querySelectorAll('.chart-dot').length, bars: svg.querySelectorAll('.chart-row .chart-bar').length,
                            rows: figure.querySelectorAll('.chart-figures tbody tr').length }};
                 }}));"
            ),
        )
        .await;
        let charts = drawn.as_array().expect("a list of charts");
        assert_eq!(charts.len(), 2, "one per time series and comparison, none for a summary: {drawn}");

        let line = &charts[0];
        assert_eq!(line["kind"], "timeseries");
        assert_eq!(line["role"], "img");
        assert_eq!(line["title"], "Google Ads spend by week, 2–30 Nov 2026");
        assert_eq!(line["dots"], 4, "the bucket without figures has no dot");
        assert_eq!(line["rows"], 5, "the figures table lists every bucket");
        assert!(line["desc"].as_str().unwrap().starts_with("Highest $1,602.00"), "{line}");

        let bars = &charts[1];
        assert_eq!(bars["kind"], "comparison");
        assert_eq!(bars["title"], "1–30 Nov 2026 compared with 2–31 Oct 2026");
        assert_eq!(bars["bars"], 4);
        let desc = bars["desc"].as_str().unwrap();
        assert!(desc.contains("Google Ads spend: $10,375.79 vs $9,980.15, up 4.0%"), "{desc}");
        assert!(desc.contains("Google Ads CTR: 3.90% vs 4.20%, down 7.1%"), "{desc}");
        b.find("#chart-shelf").await;
        b.screenshot("drawn").await;

        let none = with_modules(b, "done(chart.chartsFor({ tools: [{ name: 'get_timeseries', ranges: [], error: null }] }).length);").await;
        assert_eq!(none, 0, "no series, no chart: nothing is made up");
    })
    .await;
}

#[tokio::test]
async fn platform_states_follow_the_servers_judgement() {
    let app = spawn_console(|_| {}, |ports| ports).await;
    with_browser(&app, "states", async |b| {
        b.sign_in(&app.token).await;
        let states = with_modules(
            b,
            "const now = Date.parse('2026-12-01T12:00:00Z');
             const day = 24 * 3600 * 1000;
             const at = (ms) => new Date(ms).toISOString();
             const of = (s) => format.connectionState({ platform: 'googleAds', ...s }, now).state;
             const acct = { connected: true, status: 'active', accountId: '1234567890' };
             done([
               of({ ...acct, expiresAt: at(now + 30 * day), lastSync: at(now - 3600e3) }),
               of({ ...acct, expiresAt: at(now + 3600e3) }),
               of({ ...acct, warning: 'access ends in 6 days and cannot renew itself; reconnect before then' }),
               of({ ...acct, status: 'expired' }),
               of({ ...acct, needsReconnect: true, reason: 'reconnect Meta Ads' }),
               of({ ...acct, status: 'error' }),
               of({ connected: true, status: 'active', accountId: null }),
               of({ connected: false, status: null }),
               format.isDemo({ platforms: [{ connected: false }, { connected: false }] }),
             ]);",
        )
        .await;
        assert_eq!(
            states,
            json!([
                "connected",
                "connected",
                "expiring",
                "reconnect",
                "reconnect",
                "reconnect",
                "choose",
                "none",
                true
            ])
        );
    })
    .await;
}

#[tokio::test]
async fn answers_are_shown_as_text_and_never_as_markup() {
    let app = spawn_console(|_| {}, |ports| ports).await;
    with_browser(&app, "markdown", async |b| {
        b.sign_in(&app.token).await;
        let rendered = with_modules(
            b,
            "const answer = 'Spend **rose** <img src=x onerror=\"window.pwned=1\">\\n\\n- Google Ads: `$1,234.56`\\n- Meta Ads: $99\\n\\n| Campaign | Spend |\\n|---|---|\\n| <b>Brand</b> | $10 |';
             const node = document.createElement('div');
             node.append(markdown.renderAnswer(answer));
             done({ images: node.querySelectorAll('img, b').length, strong: node.querySelector('strong')?.textContent,
                    items: node.querySelectorAll('li').length, cells: node.querySelectorAll('td').length,
                    text: node.textContent, pwned: window.pwned ?? null });",
        )
        .await;
        assert_eq!(rendered["images"], 0);
        assert_eq!(rendered["strong"], "rose");
        assert_eq!(rendered["items"], 2);
        assert_eq!(rendered["cells"], 2);
        assert_eq!(rendered["pwned"], Value::Null);
        assert!(rendered["text"].as_str().unwrap().contains("<img src=x"), "shown as the text it is");
    })
    .await;
}
