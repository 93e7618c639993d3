//! Two `api serve` processes — the real binary, configured from the environment as an operator
//! would — on one `MongoDB` database (`CongoDB`, `CONGO_URI`): a user's daily limit counts the messages
//! sent through either process, and what one process writes the other reads.
//!
//! The in-process replica tests (`tests/mongo/`) cover the same ground in more depth; this one
//! checks that separate OS processes, each with its own configuration and connection pool, agree.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use api::auth::JwtKeys;
use domain::ids::UserId;
use reqwest::StatusCode;
use secrecy::SecretString;
use serde_json::{Value, json};

const JWT_SECRET: &str = "two-processes-test-secret-long-enough-for-hs256";

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
    /// Starts the binary on a free port of `database` and returns once it says it is listening.
    fn start(uri: &str, database: &str, key_ring: &str) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_api"))
            .arg("serve")
            .env("BIND_ADDR", "127.0.0.1:0")
            .env("MONGODB_URI", uri)
            .env("MONGODB_DB", database)
            .env("JWT_SECRET", JWT_SECRET)
            .env("TOKEN_ENCRYPTION_KEY", key_ring)
            .env("RATE_LIMIT_PER_DAY", "3")
            .env("LOG_FORMAT", "json")
            .env("RUST_LOG", "info")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the api binary starts");
        let mut lines = BufReader::new(child.stderr.take().expect("stderr is piped")).lines();
        // The process logs `listening` with its port once it is bound; until then, only start-up lines.
        let port = loop {
            let line = lines.next().expect("the api process exited before listening").expect("its log is UTF-8");
            let Ok(event) = serde_json::from_str::<Value>(&line) else { continue };
            if event["message"] == "listening" {
                break event["port"].as_u64().expect("the listening line names the port");
            }
        };
        // Keep reading its log so that a full pipe never blocks the process.
        std::thread::spawn(move || lines.for_each(drop));
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

#[tokio::test]
async fn two_api_processes_share_one_database_and_one_rate_limit() {
    let uri = std::env::var("CONGO_URI").ok().filter(|u| !u.trim().is_empty()).unwrap_or_else(|| {
        panic!(
            "CONGO_URI is not set: run the tests with `make test`, or `scripts/test-servers.sh start`, \
             `source .test-servers/env`, then `cargo test -p api --test two_processes`"
        )
    });
    let database = format!("test_{}", &uuid::Uuid::new_v4().simple().to_string()[..24]);
    let key_ring = adapters_crypto::generate_key_spec("k1").unwrap();
    let a = Server::start(&uri, &database, &key_ring);
    let b = Server::start(&uri, &database, &key_ring);

    let user = UserId::parse("64b0000000000000000000aa").unwrap();
    let token = JwtKeys::new(&SecretString::from(JWT_SECRET)).unwrap().issue(user, Duration::from_secs(600)).unwrap();
    let client = Client { http: reqwest::Client::new(), token };

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
