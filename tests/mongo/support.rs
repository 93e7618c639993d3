//! Servers on `MongoDB`: the shared `CongoDB` of `make test`, fresh databases on it, and a `CongoDB`
//! process of a test's own that the test can stop and start again, or pause and resume.

use std::io::{BufRead, BufReader, Read};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use api::config::parse_schedule;
use api::{Config, Ports};
use black_box_tests::{TestApp, test_config};
use secrecy::SecretString;

/// A well-formed token key ring (one 32-byte key of zeros): required outside the embedded default.
pub const TEST_KEY_RING: &str = "k1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";

/// The URI of the `CongoDB` that `make test` started.
///
/// # Panics
/// When `CONGO_URI` is not set, with the way to set it: a test that needs the server fails rather
/// than passing without having checked anything.
pub fn congo_uri() -> String {
    match std::env::var("CONGO_URI") {
        Ok(uri) if !uri.trim().is_empty() => uri,
        _ => panic!(
            "CONGO_URI is not set, so there is no MongoDB-wire test server to run the API on. Run the tests with \
             `make test`, or start the servers with `scripts/test-servers.sh start`, then \
             `source .test-servers/env` and run `cargo test -p black-box-tests --test mongo` again"
        ),
    }
}

/// A new database name, `test_<24 hex digits>` like the adapter's tests, so that tests never see
/// each other's data.
pub fn fresh_database() -> String {
    format!("test_{}", &uuid::Uuid::new_v4().simple().to_string()[..24])
}

/// The test configuration on database `database` of the server at `uri`: the secrets a non-embedded
/// start requires, and a retention schedule that never fires during a test (the tests run the job
/// themselves).
///
/// # Panics
/// Never: the schedule is a constant that parses.
pub fn mongo_config(uri: &str, database: &str) -> Config {
    let mut config = test_config();
    config.mongodb_uri = Some(SecretString::from(uri.to_owned()));
    database.clone_into(&mut config.mongodb_db);
    config.token_encryption_key = Some(SecretString::from(TEST_KEY_RING));
    config.retention_schedule = parse_schedule("0 0 0 29 2 *").expect("the schedule parses");
    config
}

/// Starts a server (one replica) on `database` of `CongoDB`, after `configure` changed its
/// configuration and `customize` its ports. Each call builds its own driver client and listens on
/// its own port, as a separate process would.
pub async fn spawn_replica(
    database: &str,
    configure: impl FnOnce(&mut Config),
    customize: impl FnOnce(Ports) -> Ports,
) -> TestApp {
    let mut config = mongo_config(&congo_uri(), database);
    configure(&mut config);
    TestApp::start(config, customize).await
}

/// A free loopback port: the kernel picks one for a listener that is closed at once.
///
/// # Panics
/// When no port can be bound.
pub fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind(("127.0.0.1", 0)).expect("a loopback port can be bound");
    listener.local_addr().expect("a bound listener has an address").port()
}

/// The repository's root (this package lives in `tests/`).
fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).parent().expect("tests/ has a parent").to_path_buf()
}

/// How long `CongoDB` may take to start listening.
const START_TIMEOUT: Duration = Duration::from_secs(30);

/// A `CongoDB` process of the test's own (`node scripts/congo-server.mjs --port=P`). It is killed when
/// dropped, so that a failing test leaves no server behind.
pub struct CongoProcess {
    child: Child,
    port: u16,
    output: Arc<Mutex<String>>,
}

impl CongoProcess {
    /// Starts `CongoDB` on a free port, trying another port if the one picked was taken meanwhile.
    ///
    /// # Panics
    /// As [`Self::start`], when three ports in a row fail.
    pub async fn start_on_a_free_port() -> Self {
        let mut failures = Vec::new();
        for _ in 0..3 {
            match Self::try_start(free_port()).await {
                Ok(process) => return process,
                Err(failure) => failures.push(failure),
            }
        }
        panic!("{}", failures.join("\n\n"));
    }

    /// Starts `CongoDB` on `port` and waits, boundedly, until it accepts connections.
    ///
    /// # Panics
    /// When the installed package or `node` is missing (saying how to install it), when the process
    /// exits before it listens, or when it does not listen within [`START_TIMEOUT`].
    pub async fn start(port: u16) -> Self {
        Self::try_start(port).await.unwrap_or_else(|failure| panic!("{failure}"))
    }

    /// As [`Self::start`], with the process's output when it exited before listening.
    async fn try_start(port: u16) -> Result<Self, String> {
        let root = repo_root();
        let entry = root.join(".test-servers/congo/package/dist_ts/congodb/index.js");
        assert!(
            entry.is_file(),
            "CongoDB is not installed ({} is missing): run `scripts/test-servers.sh install` (`make test` does)",
            entry.display()
        );
        let mut child = Command::new("node")
            .arg(root.join("scripts/congo-server.mjs"))
            .arg("--host=127.0.0.1")
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start `node scripts/congo-server.mjs` (is node on PATH?): {e}"));
        let output = Arc::new(Mutex::new(String::new()));
        // Both pipes are drained for the process's whole life: node writes to pipes synchronously, so
        // a full pipe would stall the server.
        let (ready_tx, ready_rx) = tokio::sync::oneshot::channel();
        let stdout = child.stdout.take().expect("stdout is piped");
        let stderr = child.stderr.take().expect("stderr is piped");
        let log = output.clone();
        std::thread::spawn(move || {
            let mut ready = Some(ready_tx);
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                push_line(&log, &line);
                if line.starts_with("CONGO_READY") {
                    if let Some(tx) = ready.take() {
                        let _ = tx.send(());
                    }
                }
            }
            // Dropping `ready` unsent tells the test that the process exited without listening.
        });
        let log = output.clone();
        let stderr_reader = std::thread::spawn(move || {
            let mut text = String::new();
            let _ = BufReader::new(stderr).read_to_string(&mut text);
            push_line(&log, &text);
        });
        let mut process = Self { child, port, output };
        match tokio::time::timeout(START_TIMEOUT, ready_rx).await {
            Ok(Ok(())) => {}
            Ok(Err(tokio::sync::oneshot::error::RecvError { .. })) => {
                // Stdout closed: the process is exiting; once it has, stderr is complete too.
                let _ = process.child.wait();
                let _ = stderr_reader.join();
                return Err(format!("CongoDB exited before listening on port {port}:\n{}", process.output()));
            }
            Err(tokio::time::error::Elapsed { .. }) => {
                panic!("CongoDB did not report ready on port {port} within {START_TIMEOUT:?}:\n{}", process.output())
            }
        }
        process.wait_until_accepting().await;
        Ok(process)
    }

    /// Polls the port, a bounded number of times, until it accepts a TCP connection.
    async fn wait_until_accepting(&mut self) {
        const ATTEMPTS: u32 = 100;
        for _ in 0..ATTEMPTS {
            if tokio::net::TcpStream::connect(("127.0.0.1", self.port)).await.is_ok() {
                return;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("CongoDB exited ({status}) on port {}:\n{}", self.port, self.output());
            }
            // A refused connection returns at once: pace the next attempt.
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!(
            "CongoDB does not accept connections on port {} after {ATTEMPTS} attempts:\n{}",
            self.port,
            self.output()
        );
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `mongodb://127.0.0.1:<port>/?directConnection=true`.
    pub fn uri(&self) -> String {
        format!("mongodb://127.0.0.1:{}/?directConnection=true", self.port)
    }

    /// Everything the process wrote so far.
    pub fn output(&self) -> String {
        self.output.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone()
    }

    /// Stops the process with `SIGSTOP` (as a hung server would be): it keeps its port and its
    /// data in memory, the kernel still accepts connections, but nothing answers until
    /// [`Self::resume`]. A stopped process is still killed by [`Self::kill`] (`SIGKILL` ends it).
    ///
    /// # Panics
    /// When `kill -STOP` cannot be run or fails.
    pub fn pause(&self) {
        self.signal("-STOP");
    }

    /// Continues the process that [`Self::pause`] stopped (`SIGCONT`), with everything it held.
    ///
    /// # Panics
    /// When `kill -CONT` cannot be run or fails.
    pub fn resume(&self) {
        self.signal("-CONT");
    }

    /// Sends `signal` (`-STOP`, `-CONT`) to the process with `kill`.
    fn signal(&self, signal: &str) {
        let pid = self.child.id();
        let status = Command::new("kill")
            .args([signal, &pid.to_string()])
            .status()
            .unwrap_or_else(|e| panic!("cannot run `kill {signal} {pid}`: {e}"));
        assert!(status.success(), "`kill {signal} {pid}` failed ({status})");
    }

    /// Kills the process at once (as a crash would: no clean shutdown) and reaps it.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for CongoProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

fn push_line(log: &Mutex<String>, line: &str) {
    let mut log = log.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    log.push_str(line);
    log.push('\n');
}

/// A client and an empty conversation about it, for the main user; the conversation's id.
pub async fn conversation(app: &TestApp) -> String {
    let client = app.create_client("Acme").await;
    let conversation = app.start_conversation(client["id"].as_str().unwrap()).await;
    conversation["conversationId"].as_str().unwrap().to_owned()
}

/// Every message of a conversation, oldest first, read a page at a time going back with `before`.
///
/// # Panics
/// When a page is not 200, or the pages never end.
pub async fn all_messages(app: &TestApp, conversation_id: &str) -> Vec<serde_json::Value> {
    const PAGE: usize = 30;
    const MOST_PAGES: usize = 100;
    let mut messages = Vec::new();
    let mut before: Option<String> = None;
    for _ in 0..MOST_PAGES {
        let path = match &before {
            None => format!("/v1/conversations/{conversation_id}?limit={PAGE}"),
            Some(before) => format!("/v1/conversations/{conversation_id}?limit={PAGE}&before={before}"),
        };
        let page = app.get_json(&path).await;
        let mut older = page["messages"].as_array().expect("a page lists messages").clone();
        assert!(older.len() <= PAGE, "a page holds at most its limit");
        before = older.first().map(|m| m["messageId"].as_str().unwrap().to_owned());
        older.append(&mut messages);
        messages = older;
        if page["hasMore"] == false {
            return messages;
        }
        assert!(before.is_some(), "an empty page says there is more: {page}");
    }
    panic!("conversation {conversation_id} has more than {MOST_PAGES} pages of messages");
}
