//! `spawn_app()` and the typed helpers every test uses. The server, its request helpers and the
//! problem assertions are shared with the other targets (`black_box_tests`); what is only this
//! target's lives here: the in-memory server, captured logs and a failing model.

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

use api::{Config, Ports};
use async_trait::async_trait;
pub use black_box_tests::{JWT_SECRET, TestApp, ok_json, problem, random_user, test_config, token_with};
use domain::analyst::{ChatRequest, DeltaSink, ModelTurn};
use domain::ports::{ChatModel, ChatModelError};

/// Everything the test process logged, from every test (the subscriber is process-wide).
static LOGS: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();

/// Writes log lines into [`LOGS`].
struct LogBuffer(Arc<Mutex<Vec<u8>>>);

impl Write for LogBuffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner).extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Installs, once per process, a subscriber that keeps every log line at debug level and above.
fn capture_logs() -> Arc<Mutex<Vec<u8>>> {
    LOGS.get_or_init(|| {
        let buffer = Arc::new(Mutex::new(Vec::new()));
        let writer = buffer.clone();
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new("debug"))
            .with_ansi(false)
            .with_writer(move || LogBuffer(writer.clone()))
            .try_init();
        buffer
    })
    .clone()
}

/// Everything logged so far by this test process.
pub fn captured_logs() -> String {
    let buffer = capture_logs();
    let bytes = buffer.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    String::from_utf8_lossy(&bytes).into_owned()
}

/// Starts the server with the test configuration.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}, |ports| ports).await
}

/// Starts the server after `configure` changed the configuration and `customize` the ports.
pub async fn spawn_app_with(configure: impl FnOnce(&mut Config), customize: impl FnOnce(Ports) -> Ports) -> TestApp {
    capture_logs();
    let mut config = test_config();
    configure(&mut config);
    TestApp::start(config, customize).await
}

/// A chat model that sends a first delta, then fails with the error `make` returns.
pub struct FailingModel(pub fn() -> ChatModelError);

#[async_trait]
impl ChatModel for FailingModel {
    async fn complete(&self, _request: &ChatRequest, deltas: Arc<dyn DeltaSink>) -> Result<ModelTurn, ChatModelError> {
        deltas.delta("Half an answer that must not be stored ");
        Err((self.0)())
    }
}

/// Replaces the model of `ports` with one that fails with `make()`.
pub fn failing_model(make: fn() -> ChatModelError) -> impl FnOnce(Ports) -> Ports {
    move |ports| Ports { model: Arc::new(FailingModel(make)), ..ports }
}
