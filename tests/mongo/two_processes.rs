//! Two `api serve` processes — the real binary, configured from the environment as an operator
//! would — on one `MongoDB` database (`CongoDB`, `CONGO_URI`): a user's daily limit counts the messages
//! sent through either process, and what one process writes the other reads.
//!
//! The in-process replica tests (`replicas.rs`) cover the same ground in more depth; this one checks
//! that separate OS processes, each with its own configuration and connection pool, agree. Every
//! wait on a process has a deadline, so a process that hangs or dies fails the test instead of
//! blocking it.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::{Duration, Instant};

use api::auth::JwtKeys;
use chrono::{Timelike, Utc};
use domain::ids::UserId;
use reqwest::StatusCode;
use secrecy::SecretString;
use serde_json::{Value, json};

use crate::support::{TEST_KEY_RING, congo_uri, fresh_database};

const JWT_SECRET: &str = "two-processes-test-secret-long-enough-for-hs256";

/// How long a process may take to say it is listening.
const START_DEADLINE: Duration = Duration::from_secs(60);

/// How long building the binary may take.
const BUILD_DEADLINE: Duration = Duration::from_secs(600);

/// The `api` binary, built once per test run (`cargo build -p api --bin api`, quick when it is up to
/// date) into the target directory this test runs from.
fn api_binary() -> &'static PathBuf {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    BINARY.get_or_init(|| {
        // This test runs as <target>/<profile>/deps/mongo-<hash>; the binary is <target>/<profile>/api.
        let exe = std::env::current_exe().expect("the test knows its own path");
        let profile_dir =
            exe.parent().and_then(|deps| deps.parent()).expect("the test runs from target/<profile>/deps");
        let target_dir = profile_dir.parent().expect("the profile directory is inside the target directory");
        let mut build = Command::new(env!("CARGO"));
        build.args(["build", "--quiet", "-p", "api", "--bin", "api"]).env("CARGO_TARGET_DIR", target_dir);
        if profile_dir.file_name().is_some_and(|p| p == "release") {
            build.arg("--release");
        }
        let mut child = build.spawn().expect("cargo starts");
        let deadline = Instant::now() + BUILD_DEADLINE;
        let status = loop {
            if let Some(status) = child.try_wait().expect("cargo can be waited for") {
                break status;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                panic!("building the api binary took longer than {BUILD_DEADLINE:?}");
            }
            std::thread::sleep(Duration::from_millis(100));
        };
        assert!(status.success(), "`cargo build -p api --bin api` failed: {status}");
        let binary = profile_dir.join(format!("api{}", std::env::consts::EXE_SUFFIX));
        assert!(binary.is_file(), "no api binary at {}", binary.display());
        binary
    })
}

/// A running `api serve`, killed when dropped (even when the test panics).
struct Server {
    child: Child,
    base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    /// Starts the binary on a free port of `database` and returns once it says it is listening,
    /// failing after [`START_DEADLINE`] or as soon as the process ends without having listened.
    fn start(uri: &str, database: &str) -> Self {
        let mut child = Command::new(api_binary())
            .arg("serve")
            .env("BIND_ADDR", "127.0.0.1:0")
            .env("MONGODB_URI", uri)
            .env("MONGODB_DB", database)
            .env("JWT_SECRET", JWT_SECRET)
            .env("TOKEN_ENCRYPTION_KEY", TEST_KEY_RING)
            .env("RATE_LIMIT_PER_DAY", "3")
            .env("LOG_FORMAT", "json")
            .env("RUST_LOG", "info")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the api binary starts");
        // A thread reads the log (blocking reads cannot time out) and hands each line over; it keeps
        // reading to the end, so that a full pipe never blocks the process.
        let stderr = child.stderr.take().expect("stderr is piped");
        let (lines, received) = mpsc::channel::<String>();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                // Once the test stops listening, the rest of the log is dropped.
                let _ = lines.send(line);
            }
        });
        let deadline = Instant::now() + START_DEADLINE;
        let mut log = Vec::new();
        // The process logs `listening` with its port once it is bound; until then, only start-up lines.
        let port = loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match received.recv_timeout(left) {
                Ok(line) => {
                    let event = serde_json::from_str::<Value>(&line).unwrap_or_default();
                    if event["message"] == "listening" {
                        break event["port"].as_u64().expect("the listening line names the port");
                    }
                    log.push(line);
                }
                Err(RecvTimeoutError::Timeout) => {
                    let _ = child.kill();
                    panic!("the api process did not listen within {START_DEADLINE:?}; its log:\n{}", log.join("\n"));
                }
                Err(RecvTimeoutError::Disconnected) => {
                    let status = child.wait().map(|s| s.to_string()).unwrap_or_default();
                    panic!("the api process exited ({status}) before listening; its log:\n{}", log.join("\n"));
                }
            }
        };
        Self { child, base: format!("http://127.0.0.1:{port}") }
    }
}

struct Client {
    http: reqwest::Client,
    token: String,
}

impl Client {
    async fn post(&self, server: &Server, path: &str, body: Value) -> reqwest::Response {
        self.http
            .post(format!("{}{path}", server.base))
            .bearer_auth(&self.token)
            .json(&body)
            .send()
            .await
            .expect("the api answers")
    }

    async fn get(&self, server: &Server, path: &str) -> Value {
        let response =
            self.http.get(format!("{}{path}", server.base)).bearer_auth(&self.token).send().await.expect("answers");
        assert_eq!(response.status(), StatusCode::OK);
        response.json().await.expect("a JSON body")
    }
}

/// Waits past midnight UTC when it is less than two minutes away: the processes count the daily
/// limit on the wall clock (no clock can be injected into another process), and a day that ended
/// between two messages would start the count again.
async fn away_from_midnight() {
    let now = Utc::now();
    let to_midnight = 86_400 - u64::from(now.num_seconds_from_midnight());
    if to_midnight < 120 {
        tokio::time::sleep(Duration::from_secs(to_midnight + 1)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_api_processes_share_one_database_and_one_rate_limit() {
    let uri = congo_uri();
    let database = fresh_database();
    let binary = tokio::task::spawn_blocking(api_binary);
    binary.await.expect("the build does not panic");
    away_from_midnight().await;
    let (a, b) = tokio::task::spawn_blocking(move || (Server::start(&uri, &database), Server::start(&uri, &database)))
        .await
        .expect("both processes listen");

    let user = UserId::parse("64b0000000000000000000aa").unwrap();
    let token = JwtKeys::new(&SecretString::from(JWT_SECRET)).unwrap().issue(user, Duration::from_secs(600)).unwrap();
    let http = reqwest::Client::builder().timeout(Duration::from_secs(30)).build().unwrap();
    let client = Client { http, token };

    // What one process writes, the other reads.
    let created = client.post(&a, "/v1/clients", json!({ "name": "Acme Corp" })).await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let client_id = created.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
    let started = client.post(&b, &format!("/v1/clients/{client_id}/conversations"), json!({})).await;
    assert_eq!(started.status(), StatusCode::CREATED);
    let id = started.json::<Value>().await.unwrap()["conversationId"].as_str().unwrap().to_owned();

    // A daily limit of three, counted across both processes.
    let messages = format!("/v1/conversations/{id}/messages");
    for server in [&a, &b, &a] {
        let sent = client.post(server, &messages, json!({ "content": "What did we spend?" })).await;
        assert_eq!(sent.status(), StatusCode::CREATED, "{}", sent.text().await.unwrap());
    }
    for server in [&b, &a] {
        let refused = client.post(server, &messages, json!({ "content": "And clicks?" })).await;
        assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
        assert!(refused.headers().contains_key("retry-after"));
    }
    let conversation = client.get(&b, &format!("/v1/conversations/{id}")).await;
    assert_eq!(conversation["conversation"]["messageCount"], 6, "three exchanges, the refused questions not stored");
    assert_eq!(client.get(&a, "/v1/me").await["totalMessages"], 6);
}
