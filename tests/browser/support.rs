//! The browser side of the tests: a `ChromeDriver` (the one `scripts/browser.sh start` runs, named by
//! `CHROMEDRIVER_URL`, or one started here for the test), a fresh headless Chromium session per
//! test, waits that poll the page through `WebDriver`, and screenshots under `target/screenshots/`.

use std::io::{BufRead, BufReader};
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use api::{Config, Ports};
use async_trait::async_trait;
use black_box_tests::{TestApp, test_config};
use domain::analyst::{AnswerSink, ChatRequest, ChatTurn, ModelTurn, ToolTrace};
use domain::ports::{ChatModel, ChatModelError};
use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use futures::FutureExt;
use serde_json::{Value, json};
use tokio::sync::Semaphore;

/// How long any wait for the page lasts before the test fails.
pub const WAIT: Duration = Duration::from_secs(30);

/// What to do when the browser is missing: the test fails, naming the install step, rather than
/// passing without having checked anything.
const INSTALL: &str = "Chromium and ChromeDriver are needed to test the console in a real browser, and they are not \
     installed. Install them with `scripts/browser.sh install` (Debian's chromium and chromium-driver, through \
     apt-get; `make test` does it), or set CHROMEDRIVER_URL to a running ChromeDriver \
     (`scripts/browser.sh start && source .test-servers/browser/env`), then run \
     `cargo test -p black-box-tests --test browser` again";

/// The test server's configuration with the console on (and the test's JWT secret, so no
/// development sign-in: the tests paste their token).
pub fn console_config() -> Config {
    let mut config = test_config();
    config.console_enabled = Some(true);
    config
}

/// Starts the server with the console on, after `configure` changed its configuration and
/// `customize` its ports.
pub async fn spawn_console(configure: impl FnOnce(&mut Config), customize: impl FnOnce(Ports) -> Ports) -> TestApp {
    let mut config = console_config();
    configure(&mut config);
    TestApp::start(config, customize).await
}

fn executable(candidates: &[&str]) -> Option<PathBuf> {
    let from_path =
        std::env::var_os("PATH").map(|paths| std::env::split_paths(&paths).collect::<Vec<_>>()).unwrap_or_default();
    candidates.iter().find_map(|name| {
        let path = Path::new(name);
        if path.is_absolute() {
            return path.is_file().then(|| path.to_path_buf());
        }
        from_path.iter().map(|dir| dir.join(name)).find(|p| p.is_file())
    })
}

/// The Chromium binary: `CHROME_BIN`, else Debian's.
fn chromium() -> PathBuf {
    if let Some(bin) = std::env::var_os("CHROME_BIN").filter(|b| !b.is_empty()) {
        let bin = PathBuf::from(bin);
        assert!(bin.is_file(), "CHROME_BIN is {}, which is not there. {INSTALL}", bin.display());
        return bin;
    }
    executable(&["/usr/bin/chromium", "chromium", "chromium-browser"]).unwrap_or_else(|| panic!("{INSTALL}"))
}

/// A `ChromeDriver` to talk to: the shared one of `CHROMEDRIVER_URL`, or one of this test's own,
/// stopped when the test ends.
struct Driver {
    url: String,
    child: Option<Child>,
}

impl Driver {
    async fn start() -> Self {
        if let Some(url) = std::env::var("CHROMEDRIVER_URL").ok().filter(|u| !u.trim().is_empty()) {
            return Self { url, child: None };
        }
        let binary = executable(&["/usr/bin/chromedriver", "chromedriver"]).unwrap_or_else(|| panic!("{INSTALL}"));
        let port = std::net::TcpListener::bind(("127.0.0.1", 0))
            .and_then(|l| l.local_addr())
            .expect("a loopback port can be bound")
            .port();
        let mut child = Command::new(&binary)
            .arg(format!("--port={port}"))
            .arg("--allowed-ips=127.0.0.1")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}. {INSTALL}", binary.display()));
        // It says when it listens; reading that is the wait, without guessing a delay.
        let stdout = child.stdout.take().expect("stdout is piped");
        let ready = tokio::task::spawn_blocking(move || {
            let mut lines = BufReader::new(stdout).lines();
            let started = lines.by_ref().map_while(Result::ok).any(|l| l.contains("started successfully"));
            // Keep draining, so that a full pipe never blocks the driver.
            std::thread::spawn(move || lines.for_each(drop));
            started
        });
        let started = tokio::time::timeout(WAIT, ready).await.ok().and_then(Result::ok).unwrap_or(false);
        assert!(started, "ChromeDriver ({}) did not start on port {port}", binary.display());
        Self { url: format!("http://127.0.0.1:{port}"), child: Some(child) }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        if let Some(child) = &mut self.child {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Where screenshots go: `target/screenshots/` of this workspace (or of `CARGO_TARGET_DIR`).
pub fn screenshot_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).parent().expect("tests/ has a parent").join("target"),
        PathBuf::from,
    );
    target.join("screenshots")
}

/// One headless Chromium session on the console of one test server.
pub struct Browser {
    /// The `WebDriver` session.
    pub client: Client,
    /// `http://127.0.0.1:<port>` of the server.
    pub base: String,
    name: String,
    profile: PathBuf,
    _driver: Driver,
}

/// Opens a browser on `app`, runs `test` with it, and closes the browser whatever happened (a
/// screenshot of the page is saved when the test failed), so that no Chromium outlives its test.
pub async fn with_browser(app: &TestApp, name: &str, test: impl AsyncFnOnce(&Browser)) {
    let browser = Browser::open(app, name, (1280, 900)).await;
    let outcome = AssertUnwindSafe(test(&browser)).catch_unwind().await;
    if outcome.is_err() {
        let _ = browser.try_screenshot("failed").await;
    }
    browser.close().await;
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
}

impl Browser {
    async fn open(app: &TestApp, name: &str, (width, height): (u32, u32)) -> Self {
        let driver = Driver::start().await;
        let profile = std::env::temp_dir().join(format!("console-test-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&profile).expect("a profile directory can be made");
        let capabilities = json!({
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": chromium(),
                // As the machine's notes say: headless, and none of the background connections
                // that a closed network refuses.
                "args": [
                    "--headless",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-quic",
                    "--no-first-run",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                    "--disable-dev-shm-usage",
                    "--force-device-scale-factor=1",
                    "--lang=en-GB",
                    format!("--window-size={width},{height}"),
                    format!("--user-data-dir={}", profile.display()),
                ],
            },
        });
        let Value::Object(capabilities) = capabilities else { unreachable!("an object literal") };
        let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(capabilities)
            .connect(&driver.url)
            .await
            .unwrap_or_else(|e| panic!("cannot open a Chromium session through {}: {e}. {INSTALL}", driver.url));
        // Scripts may wait (see `wait_until`) a little longer than any wait lasts.
        client
            .update_timeouts(fantoccini::wd::TimeoutConfiguration::new(
                Some(WAIT + Duration::from_secs(5)),
                Some(Duration::from_secs(60)),
                Some(Duration::ZERO),
            ))
            .await
            .expect("the timeouts are set");
        Self { client, base: app.address.clone(), name: name.to_owned(), profile, _driver: driver }
    }

    async fn close(self) {
        let _ = self.client.close().await;
        let _ = std::fs::remove_dir_all(&self.profile);
    }

    /// Opens `path` of the server.
    pub async fn goto(&self, path: &str) {
        self.client.goto(&format!("{}{path}", self.base)).await.expect("the page opens");
    }

    /// The first element matching `css`, once there is one.
    pub async fn find(&self, css: &str) -> Element {
        self.client
            .wait()
            .at_most(WAIT)
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no element {css} appeared: {e}"))
    }

    /// The first element matching `css` whose text contains `text`, once there is one.
    pub async fn find_with_text(&self, css: &str, text: &str) -> Element {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            for element in self.client.find_all(Locator::Css(css)).await.unwrap_or_default() {
                if element.text().await.is_ok_and(|t| t.contains(text)) {
                    return element;
                }
            }
            assert!(tokio::time::Instant::now() < deadline, "no {css} with the text {text:?} appeared");
            // Let the page work before looking again: it waits in the browser, on the page's
            // own clock, until the next frame.
            self.settle().await;
        }
    }

    /// Clicks the first element matching `css`.
    pub async fn click(&self, css: &str) {
        self.find(css).await.click().await.unwrap_or_else(|e| panic!("cannot click {css}: {e}"));
    }

    /// Types `text` into the first element matching `css`, after clearing it.
    pub async fn type_into(&self, css: &str, text: &str) {
        let element = self.find(css).await;
        element.clear().await.expect("the field clears");
        element.send_keys(text).await.unwrap_or_else(|e| panic!("cannot type into {css}: {e}"));
    }

    /// Runs `script` (its `return` value comes back as JSON).
    pub async fn eval(&self, script: &str) -> Value {
        self.client.execute(script, vec![]).await.unwrap_or_else(|e| panic!("the script failed: {e}\n{script}"))
    }

    /// Waits until the JavaScript expression `condition` holds in the page: the page checks it
    /// at each of its timer ticks and answers when it holds, so the test never sleeps on a guess.
    ///
    /// # Panics
    /// When it does not hold within [`WAIT`], naming it.
    pub async fn wait_until(&self, condition: &str) {
        let script = format!(
            "const done = arguments[arguments.length - 1];
             const started = Date.now();
             const check = () => {{
               let ok = false;
               try {{ ok = Boolean({condition}); }} catch (e) {{ ok = false; }}
               if (ok) done(true);
               else if (Date.now() - started > {ms}) done(false);
               else setTimeout(check, 25);
             }};
             check();",
            ms = WAIT.as_millis()
        );
        let held = self.client.execute_async(&script, vec![]).await.expect("the wait runs");
        assert_eq!(held, Value::Bool(true), "this never held in the page: {condition}");
    }

    /// Lets the page run until its next frame.
    async fn settle(&self) {
        let _ = self
            .client
            .execute_async(
                "const done = arguments[arguments.length - 1]; requestAnimationFrame(() => done(true));",
                vec![],
            )
            .await;
    }

    /// The text of the first element matching `css`.
    pub async fn text(&self, css: &str) -> String {
        self.find(css).await.text().await.expect("the element has text")
    }

    /// Saves a screenshot of the page as `target/screenshots/<test>-<step>.png`.
    pub async fn screenshot(&self, step: &str) -> PathBuf {
        self.try_screenshot(step).await.unwrap_or_else(|e| panic!("cannot save the screenshot {step}: {e}"))
    }

    async fn try_screenshot(&self, step: &str) -> Result<PathBuf, String> {
        let png = self.client.screenshot().await.map_err(|e| e.to_string())?;
        let dir = screenshot_dir();
        std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
        let path = dir.join(format!("{}-{step}.png", self.name));
        std::fs::write(&path, png).map_err(|e| e.to_string())?;
        Ok(path)
    }

    /// Resizes the window so that the page's viewport is `width` × `height` CSS pixels.
    pub async fn set_viewport(&self, width: u32, height: u32) {
        self.client.set_window_size(width, height).await.expect("the window resizes");
        // The window's frame takes some room; make up for it so the page itself is that wide.
        let inner = self.eval("return [window.innerWidth, window.innerHeight];").await;
        let inner_width = u32::try_from(inner[0].as_u64().unwrap_or(u64::from(width))).unwrap_or(width);
        let inner_height = u32::try_from(inner[1].as_u64().unwrap_or(u64::from(height))).unwrap_or(height);
        if (inner_width, inner_height) != (width, height) {
            self.client
                .set_window_size(width + (width - inner_width.min(width)), height + (height - inner_height.min(height)))
                .await
                .expect("the window resizes");
        }
        self.wait_until(&format!("window.innerWidth === {width}")).await;
    }

    /// Signs in by pasting `token`, as a person does where there is no development sign-in.
    pub async fn sign_in(&self, token: &str) {
        self.goto("/").await;
        self.type_into("#token-input", token).await;
        self.click("#signin-form button[type=submit]").await;
        self.find("#workspace:not([hidden])").await;
    }

    /// The versioned path of the console's assets, as the page refers to them.
    pub async fn assets(&self) -> String {
        let href = self.eval("return document.querySelector('link[rel=stylesheet]').getAttribute('href');").await;
        href.as_str().expect("the page links its style sheet").trim_end_matches("/app.css").to_owned()
    }
}

/// A gate that the test opens when it has seen what it waits for.
#[derive(Clone)]
pub struct Gate(Arc<Semaphore>);

impl Gate {
    /// A closed gate.
    pub fn new() -> Self {
        Self(Arc::new(Semaphore::new(0)))
    }

    /// Lets everything waiting through, now and from now on.
    pub fn open(&self) {
        self.0.add_permits(1 << 20);
    }

    async fn pass(&self) {
        let _ = self.0.acquire().await;
    }
}

/// The server's own analyst, held at two points of each answer so the test can look at the page
/// in between: after the tools were announced (before the answer's first word), and after the
/// first piece of the answer's text.
pub struct GatedAnalyst {
    inner: Arc<dyn ChatModel>,
    /// Opened to let the analyst start writing.
    pub tools_seen: Gate,
    /// Opened to let the analyst finish writing.
    pub first_words_seen: Gate,
}

impl GatedAnalyst {
    /// Wraps the model of `ports`; the gates are handed back for the test to open.
    pub fn around(ports: Ports) -> (Ports, Gate, Gate) {
        let (tools_seen, first_words_seen) = (Gate::new(), Gate::new());
        let model = Self {
            inner: ports.model.clone(),
            tools_seen: tools_seen.clone(),
            first_words_seen: first_words_seen.clone(),
        };
        (Ports { model: Arc::new(model), ..ports }, tools_seen, first_words_seen)
    }
}

/// Forwards the answer's text, holding the answer after its first piece until the gate opens.
struct HeldSink {
    inner: Arc<dyn AnswerSink>,
    gate: Gate,
    held: std::sync::atomic::AtomicBool,
}

#[async_trait]
impl AnswerSink for HeldSink {
    async fn delta(&self, text: &str) {
        self.inner.delta(text).await;
        if !self.held.swap(true, std::sync::atomic::Ordering::SeqCst) {
            self.gate.pass().await;
        }
    }

    async fn tool(&self, trace: &ToolTrace) {
        self.inner.tool(trace).await;
    }
}

#[async_trait]
impl ChatModel for GatedAnalyst {
    async fn complete(&self, request: &ChatRequest, sink: Arc<dyn AnswerSink>) -> Result<ModelTurn, ChatModelError> {
        // The round after the tools ran is the one that writes the answer.
        if !matches!(request.turns.last(), Some(ChatTurn::Tool { .. })) {
            return self.inner.complete(request, sink).await;
        }
        self.tools_seen.pass().await;
        let held = Arc::new(HeldSink {
            inner: sink,
            gate: self.first_words_seen.clone(),
            held: std::sync::atomic::AtomicBool::new(false),
        });
        self.inner.complete(request, held).await
    }
}

/// A model that writes a few words, then fails as a provider outage does.
pub struct FailingAnalyst;

#[async_trait]
impl ChatModel for FailingAnalyst {
    async fn complete(&self, _request: &ChatRequest, sink: Arc<dyn AnswerSink>) -> Result<ModelTurn, ChatModelError> {
        sink.delta("Half an answer that must not stay on the screen ").await;
        Err(ChatModelError::Unavailable("the provider is down".into()))
    }
}

/// Creates a client named `name` for the app's user, with Google Ads connected and synced (13
/// months of daily figures around the demo sample), and returns its id.
///
/// # Panics
/// When the client cannot be created or connected.
pub async fn client_with_google_ads(app: &TestApp, name: &str) -> String {
    let client = app.create_client(name).await;
    let id = client["id"].as_str().expect("a client has an id").to_owned();
    let sample = domain::demo::sample().into_iter().find(|d| d.platform() == domain::platform::Platform::GoogleAds);
    let account = domain::platform::PlatformAccount::GoogleAds { customer_id: "1234567890".into() };
    app.connect_platform(app.user, &id, account, "ya29.browser-test-token", sample).await;
    id
}

/// Starts a conversation about `client_id` and returns its id.
pub async fn conversation_of(app: &TestApp, client_id: &str) -> String {
    let conversation = app.start_conversation(client_id).await;
    conversation["conversationId"].as_str().expect("a conversation has an id").to_owned()
}

/// `document.querySelectorAll(css).length`, as a JavaScript expression.
pub fn count_of(css: &str) -> String {
    format!("document.querySelectorAll({}).length", Value::String(css.to_owned()))
}

/// The value of the question box, as a JavaScript expression.
pub const COMPOSER_VALUE: &str = "document.getElementById('composer-input').value";

/// Presses Enter.
pub fn enter() -> String {
    char::from(fantoccini::key::Key::Enter).to_string()
}
