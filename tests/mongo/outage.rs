//! The database goes away mid-run: the API answers 503 while it is down and serves again, without a
//! restart, once it is back; a database that stops under load and comes back loses nothing the API
//! acknowledged.

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use black_box_tests::{TestApp, ok_json, problem};
use reqwest::{Method, Response, StatusCode};
use serde_json::json;

use crate::support::{CongoProcess, fresh_database, mongo_config};

/// Expects the 503 of an unreachable store: a problem that says to retry, with a request id.
async fn unavailable(response: Response) {
    let header = response.headers().get("x-request-id").map(|v| v.to_str().unwrap().to_owned());
    let body = problem(response, StatusCode::SERVICE_UNAVAILABLE).await;
    assert_eq!(body["type"], "urn:chatbot:problem:unavailable");
    let detail = body["detail"].as_str().unwrap();
    assert!(detail.contains("try again"), "the detail says what to do: {detail}");
    assert!(!detail.contains("mongodb"), "driver details stay in the log: {detail}");
    assert!(header.is_some_and(|id| !id.is_empty()), "a request id to quote: {body}");
}

/// Asks `/ready` until it answers 200, a bounded number of times; each refused attempt itself
/// waits up to the server selection timeout. How many attempts it took.
async fn wait_until_ready(app: &TestApp) -> usize {
    const ATTEMPTS: usize = 30;
    let mut last = String::new();
    for attempt in 1..=ATTEMPTS {
        let response = app.anonymous(Method::GET, "/ready").send().await.unwrap();
        if response.status() == StatusCode::OK {
            return attempt;
        }
        last = format!("{}: {}", response.status(), response.text().await.unwrap());
    }
    panic!("the API is not ready again after {ATTEMPTS} attempts; last answer {last}");
}

#[tokio::test]
async fn the_api_answers_503_while_the_database_is_down_and_recovers_by_itself() {
    let mut congo = CongoProcess::start_on_a_free_port().await;
    let port = congo.port();
    let mut config = mongo_config(&congo.uri(), &fresh_database());
    config.mongodb_timeout_secs = 1;
    let app = TestApp::start(config, |p| p).await;
    app.create_client("Before the outage").await;
    assert_eq!(app.anonymous(Method::GET, "/ready").send().await.unwrap().status(), StatusCode::OK);

    congo.kill();
    unavailable(app.get("/v1/clients").await).await;
    unavailable(app.anonymous(Method::GET, "/ready").send().await.unwrap()).await;
    let write = app.request(Method::POST, "/v1/clients").json(&json!({ "name": "During the outage" })).send();
    unavailable(write.await.unwrap()).await;
    assert_eq!(app.get("/health").await.status(), StatusCode::OK, "the process itself stays alive");

    // The same port, the same API process: it finds the server again by itself. (CongoDB keeps
    // data in memory, so the restarted server is empty.)
    let _congo = CongoProcess::start(port).await;
    wait_until_ready(&app).await;
    let clients = ok_json(app.get("/v1/clients").await).await;
    assert_eq!(clients["items"], json!([]), "a new, empty server");
    let created = app.create_client("After the outage").await;
    let clients = ok_json(app.get("/v1/clients").await).await;
    assert_eq!(clients["items"][0]["id"], created["id"]);
}

/// Resumes a paused `CongoDB` when dropped, so that a failing test leaves no stopped process behind.
struct Paused<'a>(&'a CongoProcess);

impl<'a> Paused<'a> {
    fn pause(congo: &'a CongoProcess) -> Self {
        congo.pause();
        Self(congo)
    }
}

impl Drop for Paused<'_> {
    fn drop(&mut self) {
        self.0.resume();
    }
}

/// One answered `POST /v1/clients` of the load.
struct Outcome {
    name: String,
    status: StatusCode,
    sent: Instant,
    answered: Instant,
}

/// Creates clients named `load {task}-{n}` one after another until `stop`. 201s and 503s (checked
/// as [`unavailable`]) are recorded; any other answer, or a request that hangs, fails the test.
async fn load(app: Arc<TestApp>, task: usize, stop: Arc<AtomicBool>) -> Vec<Outcome> {
    const HANG: Duration = Duration::from_secs(20);
    let mut outcomes = Vec::new();
    for n in 0.. {
        if stop.load(Ordering::SeqCst) {
            break;
        }
        let name = format!("load {task}-{n}");
        let sent = Instant::now();
        let request = app.request(Method::POST, "/v1/clients").json(&json!({ "name": name })).send();
        let response = tokio::time::timeout(HANG, request)
            .await
            .unwrap_or_else(|_| panic!("POST {name:?} got no answer within {HANG:?}"))
            .unwrap_or_else(|e| panic!("POST {name:?} was not answered: {e}"));
        let answered = Instant::now();
        let status = response.status();
        match status {
            StatusCode::CREATED => {}
            StatusCode::SERVICE_UNAVAILABLE => unavailable(response).await,
            other => panic!("POST {name:?} answered {other}: {}", response.text().await.unwrap()),
        }
        outcomes.push(Outcome { name, status, sent, answered });
    }
    outcomes
}

/// The names of all the main user's clients, a page of 100 at a time.
async fn all_client_names(app: &TestApp) -> HashSet<String> {
    const MOST_PAGES: usize = 1000;
    let mut names = HashSet::new();
    let mut cursor: Option<String> = None;
    for _ in 0..MOST_PAGES {
        let path = match &cursor {
            Some(c) => format!("/v1/clients?limit=100&cursor={c}"),
            None => "/v1/clients?limit=100".to_owned(),
        };
        let page = app.get_json(&path).await;
        let items = page["items"].as_array().expect("a page lists items");
        names.extend(items.iter().map(|c| c["name"].as_str().unwrap().to_owned()));
        match page["nextCursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => return names,
        }
    }
    panic!("the clients have more than {MOST_PAGES} pages");
}

#[tokio::test]
async fn a_database_paused_under_load_gives_503s_then_recovers_and_loses_nothing_acknowledged() {
    const TASKS: usize = 8;
    let congo = CongoProcess::start_on_a_free_port().await;
    // A stopped server still accepts connections and never answers, so only the driver's monitor
    // notices it: its check times out after the connect timeout, marks the server unknown and
    // interrupts the requests in flight. It checks every 10 s by default, which a 3 s pause would
    // mostly slip between (the requests then just wait); checking every 500 ms (an option of the
    // connection string) makes it notice within the pause.
    let uri = format!("{}&heartbeatFrequencyMS=500", congo.uri());
    let mut config = mongo_config(&uri, &fresh_database());
    config.mongodb_timeout_secs = 1;
    let app = Arc::new(TestApp::start(config, |p| p).await);
    wait_until_ready(&app).await;

    let stop = Arc::new(AtomicBool::new(false));
    let tasks: Vec<_> = (0..TASKS).map(|task| tokio::spawn(load(app.clone(), task, stop.clone()))).collect();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let (paused_at, resumed_at) = {
        let _paused = Paused::pause(&congo);
        let paused_at = Instant::now();
        tokio::time::sleep(Duration::from_secs(3)).await;
        (paused_at, Instant::now())
    };
    tokio::time::sleep(Duration::from_millis(1500)).await;
    stop.store(true, Ordering::SeqCst);
    let mut outcomes = Vec::new();
    for task in tasks {
        outcomes.extend(task.await.expect("a load task ends without failing"));
    }

    wait_until_ready(&app).await;
    let stored = all_client_names(&app).await;
    let acknowledged: Vec<&Outcome> = outcomes.iter().filter(|o| o.status == StatusCode::CREATED).collect();
    let found = acknowledged.iter().filter(|o| stored.contains(&o.name)).count();
    let refused: Vec<&Outcome> = outcomes.iter().filter(|o| o.status == StatusCode::SERVICE_UNAVAILABLE).collect();
    let refused_while_paused = refused.iter().filter(|o| o.answered >= paused_at && o.answered <= resumed_at).count();
    let acknowledged_after_resume = acknowledged.iter().filter(|o| o.sent >= resumed_at).count();
    let refused_names: HashSet<&str> = refused.iter().map(|o| o.name.as_str()).collect();
    let stored_unacknowledged = stored.iter().filter(|name| refused_names.contains(name.as_str())).count();
    println!(
        "{} requests: {} acknowledged (201), {found} of them found among the {} stored; {} refused (503), \
         {refused_while_paused} of them answered while paused, {stored_unacknowledged} of them stored anyway; \
         {acknowledged_after_resume} acknowledged after the resume",
        outcomes.len(),
        acknowledged.len(),
        stored.len(),
        refused.len(),
    );

    let lost: Vec<&str> = acknowledged.iter().filter(|o| !stored.contains(&o.name)).map(|o| o.name.as_str()).collect();
    assert!(lost.is_empty(), "acknowledged but not stored: {lost:?}");
    assert_eq!(found, acknowledged.len());
    assert!(refused_while_paused > 0, "no 503 was answered while the database was paused");
    assert!(acknowledged_after_resume > 0, "no request sent after the resume was acknowledged");
}
