//! Building and running the application (zero2prod's pattern): [`Application::build`] wires the
//! adapters, seeds start-up data and binds the listener (port 0 in tests); [`Application::port`]
//! says which port; [`Application::run_until_stopped`] serves until SIGTERM or Ctrl-C.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue, Method, StatusCode, header};
use domain::ids::UserId;
use secrecy::SecretString;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tower::ServiceBuilder;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;

use crate::auth::JwtKeys;
use crate::config::{Config, CorsOrigins};
use crate::error::{ApiError, REQUEST_ID_HEADER, render_problems};
use crate::jobs;
use crate::routes::health::OpenApiJson;
use crate::seed;
use crate::wire::message_json::MessageJson;
use crate::wiring::{self, Backend, Ports, Services, StoreHealth};

/// Largest request body accepted.
pub const BODY_LIMIT_BYTES: usize = 64 * 1024;

/// Longest request target (path and query) accepted; longer ones answer 414. Under hyper's own
/// limit (65,534 bytes), which answers with a bare 414 before the service sees the request.
pub const MAX_URI_BYTES: usize = 8 * 1024;

/// Most bytes of request headers accepted (names, values and separators); more answers 431. Under
/// hyper's own limit (about 400 KiB, or more than 100 headers), which answers with a bare 431.
pub const MAX_HEADER_BYTES: usize = 32 * 1024;

/// Longest incoming `x-request-id` that is kept; see [`is_safe_request_id`].
pub const MAX_REQUEST_ID_CHARS: usize = 64;

/// The published development JWT secret used by the embedded default when `JWT_SECRET` is unset.
pub const DEV_JWT_SECRET: &str = "dev-only-jwt-secret-do-not-use-in-production-0123456789";

/// Why the service could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    /// A configuration value is missing or wrong.
    #[error("{variable}: {message}")]
    Config {
        /// The environment variable at fault.
        variable: &'static str,
        /// What is wrong and how to fix it.
        message: String,
    },
    /// The listener could not be bound.
    #[error("cannot listen on {addr} (BIND_ADDR): {source}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
    /// The database refused a start-up step.
    #[error("MongoDB (MONGODB_URI): {0}; check that the server is reachable and the user may create indexes")]
    Database(String),
    /// Start-up data could not be written.
    #[error("seeding start-up data failed: {0:#}")]
    Seed(anyhow::Error),
}

/// What every handler can reach; cloned for every request, so it is one shared [`AppParts`].
#[derive(Clone)]
pub struct AppState(Arc<AppParts>);

impl AppState {
    /// The state of a router serving `parts`.
    pub fn new(parts: AppParts) -> Self {
        Self(Arc::new(parts))
    }
}

impl std::ops::Deref for AppState {
    type Target = AppParts;

    fn deref(&self) -> &AppParts {
        &self.0
    }
}

/// The services, keys and settings the handlers use.
pub struct AppParts {
    /// The use cases.
    pub services: Services,
    /// Verifies bearer tokens.
    pub jwt: JwtKeys,
    /// Read by `/ready` to check that the store answers.
    pub health: Arc<dyn StoreHealth>,
    /// Where a user lands after authorizing a platform (`FRONTEND_URL`); `None`: the callback
    /// answers JSON.
    pub frontend_url: Option<String>,
    /// The JSON of messages read lately, for pages of conversations.
    pub message_json: MessageJson,
}

/// The JWT keys from `JWT_SECRET` (the published development secret on the embedded default only),
/// checking `JWT_ISSUER` and `JWT_AUDIENCE` when they are set.
///
/// # Errors
/// [`StartupError::Config`] naming `JWT_SECRET` when it is too short, or missing outside the
/// embedded default.
pub fn jwt_keys(config: &Config) -> Result<JwtKeys, StartupError> {
    let secret = match &config.jwt_secret {
        Some(secret) => secret.clone(),
        None if config.is_embedded() => {
            tracing::warn!(
                "JWT_SECRET is not set: tokens are checked against the PUBLISHED DEVELOPMENT SECRET. That is only \
                 acceptable on the embedded default; set JWT_SECRET to the key your main application signs with"
            );
            SecretString::from(DEV_JWT_SECRET)
        }
        None => {
            return Err(StartupError::Config {
                variable: "JWT_SECRET",
                message: "is required when MONGODB_URI is set; set it to the HS256 key your main application signs \
                          users' tokens with"
                    .to_owned(),
            });
        }
    };
    let keys =
        JwtKeys::new(&secret).map_err(|e| StartupError::Config { variable: "JWT_SECRET", message: e.to_string() })?;
    Ok(keys.with_issuer(config.jwt_issuer.as_deref()).with_audience(config.jwt_audience.as_deref()))
}

/// The running service before it serves: bound, wired and seeded.
pub struct Application {
    listener: TcpListener,
    port: u16,
    router: Router,
    services: Services,
    ports: Ports,
    jwt: JwtKeys,
    schedule: cron::Schedule,
    sync_every: Duration,
    dev_clients: Option<seed::DevClients>,
}

impl Application {
    /// Wires the configured backend, seeds start-up data and binds `BIND_ADDR`.
    ///
    /// # Errors
    /// [`StartupError`] naming the variable at fault, or when the port cannot be bound.
    pub async fn build(config: Config) -> Result<Self, StartupError> {
        Self::build_with(config, |ports| ports).await
    }

    /// As [`Self::build`], letting `customize` replace ports (a failing model in tests, say).
    ///
    /// # Errors
    /// As [`Self::build`].
    pub async fn build_with(config: Config, customize: impl FnOnce(Ports) -> Ports) -> Result<Self, StartupError> {
        let jwt = jwt_keys(&config)?;
        let cipher = wiring::cipher(&config)?;
        let listener = TcpListener::bind(config.bind_addr)
            .await
            .map_err(|source| StartupError::Bind { addr: config.bind_addr, source })?;
        let local = listener.local_addr().map_err(|source| StartupError::Bind { addr: config.bind_addr, source })?;
        let public_base_url = config.platforms.public_base_url.clone().unwrap_or_else(|| default_public_url(local));
        let connectors = crate::connectors::connectors(&config.platforms, &public_base_url)?;
        let (stores, health) = Backend::from_config(&config).stores().await?;
        let model = wiring::chat_model(&config.llm)?;
        let ports = customize(Ports::new(stores, health, cipher, model, connectors));
        let services = Services::new(&ports, &config);

        seed::demo_data(&ports.stores).await.map_err(StartupError::Seed)?;
        let dev_clients = if config.is_embedded() && config.seed_demo_clients {
            seed::dev_clients(&services, config.dev_user_id, ports.clock.now()).await.map_err(StartupError::Seed)?
        } else {
            None
        };

        let state = AppState::new(AppParts {
            services: services.clone(),
            jwt: jwt.clone(),
            health: ports.health.clone(),
            frontend_url: config.platforms.frontend_url.clone(),
            message_json: MessageJson::default(),
        });
        let router = router(state, &config);
        let sync_every = jobs::sync_tick(Duration::from_secs(config.platforms.sync_interval_minutes * 60));
        Ok(Self {
            listener,
            port: local.port(),
            router,
            services,
            ports,
            jwt,
            schedule: config.retention_schedule,
            sync_every,
            dev_clients,
        })
    }

    /// The port the service listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The use cases, for tests that set up data the API cannot create (platform connections).
    pub fn services(&self) -> &Services {
        &self.services
    }

    /// The ports, for tests that inspect what was stored.
    pub fn ports(&self) -> &Ports {
        &self.ports
    }

    /// The clients seeded for the development user, if any were.
    pub fn dev_clients(&self) -> Option<seed::DevClients> {
        self.dev_clients
    }

    /// Signs a token for `user` valid for `ttl`, with the service's own key.
    ///
    /// # Errors
    /// When encoding fails (never with an HMAC key).
    pub fn issue_token(&self, user: UserId, ttl: Duration) -> anyhow::Result<String> {
        Ok(self.jwt.issue(user, ttl)?)
    }

    /// Serves until SIGTERM or Ctrl-C, then finishes the requests in flight.
    pub async fn run_until_stopped(self) {
        self.run_until(shutdown_signal()).await;
    }

    /// Serves, with the retention job on its schedule and the platforms' syncs, until `signal`
    /// completes. Errors of single connections are logged at debug level; accepting goes on.
    pub async fn run_until(self, signal: impl Future<Output = ()> + Send + 'static) {
        let (stop_tx, stop_rx) = watch::channel(false);
        let job =
            tokio::spawn(jobs::run_retention_schedule(self.services.retention.clone(), self.schedule, stop_rx.clone()));
        let sync = tokio::spawn(jobs::run_sync(self.services.sync.clone(), self.sync_every, stop_rx));
        crate::serve::serve(self.listener, self.router, async move {
            signal.await;
            tracing::info!("shutting down: finishing requests in flight");
            let _ = stop_tx.send(true);
        })
        .await;
        job.abort();
        sync.abort();
    }
}

/// Where platforms send users back when `PUBLIC_BASE_URL` is unset: this listener, as seen from
/// this machine.
fn default_public_url(local: SocketAddr) -> String {
    let host = if local.ip().is_unspecified() { "localhost".to_owned() } else { local.ip().to_string() };
    let host = if local.is_ipv6() && !local.ip().is_unspecified() { format!("[{host}]") } else { host };
    format!("http://{host}:{}", local.port())
}

/// Completes on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}

/// The whole HTTP stack: routes, the unknown-route fallback and the middleware.
///
/// Every response gets `X-Content-Type-Options: nosniff`, and `Cache-Control: no-store` unless it
/// set its own caching (the console's page and assets do): answers carry users' data.
///
/// # Panics
///
/// Never in practice: only if the `OpenAPI` document, plain data, failed to serialise.
pub fn router(state: AppState, config: &Config) -> Router {
    let (routes, doc) = crate::routes::app_parts();
    let doc = OpenApiJson::new(&doc).expect("the OpenAPI document is plain data and always serialises");
    let request_id = HeaderName::from_static(REQUEST_ID_HEADER);
    let middleware = ServiceBuilder::new()
        .layer(SetResponseHeaderLayer::overriding(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
        .layer(SetResponseHeaderLayer::if_not_present(header::CACHE_CONTROL, HeaderValue::from_static("no-store")))
        .layer(axum::middleware::map_request(drop_unsafe_request_id))
        .layer(SetRequestIdLayer::new(request_id.clone(), MakeRequestUuid))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(make_span)
                .on_response(DefaultOnResponse::new().level(Level::INFO)),
        )
        .layer(PropagateRequestIdLayer::new(request_id))
        .option_layer(config.cors_origins.as_ref().map(cors))
        .layer(axum::middleware::from_fn(render_problems))
        .layer(axum::middleware::from_fn(limit_request_head))
        .layer(RequestBodyLimitLayer::new(BODY_LIMIT_BYTES))
        .layer(TimeoutLayer::with_status_code(StatusCode::GATEWAY_TIMEOUT, config.request_timeout()));
    let console = crate::console::for_config(config, &state.jwt);
    routes.merge(console).fallback(unknown_route).with_state(state).layer(axum::Extension(doc)).layer(middleware)
}

/// Whether an incoming request id is kept: 1 to [`MAX_REQUEST_ID_CHARS`] characters of
/// `A-Z a-z 0-9 . _ : -`, so that it cannot forge log fields or bloat responses.
pub fn is_safe_request_id(id: &[u8]) -> bool {
    !id.is_empty()
        && id.len() <= MAX_REQUEST_ID_CHARS
        && id.iter().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b':' | b'-'))
}

/// Removes an `x-request-id` that is not safe to echo and log (or is sent more than once), so
/// that the request-id layer makes up a fresh one.
async fn drop_unsafe_request_id(mut request: Request) -> Request {
    let headers = request.headers_mut();
    let mut values = headers.get_all(REQUEST_ID_HEADER).iter();
    let keep = values.next().is_some_and(|v| is_safe_request_id(v.as_bytes())) && values.next().is_none();
    if !keep {
        headers.remove(REQUEST_ID_HEADER);
    }
    request
}

/// Answers 414 and 431 problems for a request target or headers over our limits, which lie under
/// hyper's: hyper answers past its own limits itself, with a bare status and no body.
async fn limit_request_head(request: Request, next: axum::middleware::Next) -> axum::response::Response {
    use axum::response::IntoResponse;
    let target = request.uri().path_and_query().map_or(0, |p| p.as_str().len());
    if target > MAX_URI_BYTES {
        return ApiError::new(crate::error::Problem::new(
            StatusCode::URI_TOO_LONG,
            "uri-too-long",
            "URI too long",
            format!("the request's path and query are longer than {} KiB; send less", MAX_URI_BYTES / 1024),
        ))
        .into_response();
    }
    let headers: usize = request.headers().iter().map(|(name, value)| name.as_str().len() + value.len() + 4).sum();
    if headers > MAX_HEADER_BYTES {
        return ApiError::new(crate::error::Problem::new(
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            "headers-too-large",
            "request headers too large",
            format!(
                "the request's headers are larger than {} KiB together; send fewer or shorter ones",
                MAX_HEADER_BYTES / 1024
            ),
        ))
        .into_response();
    }
    next.run(request).await
}

/// The request span: method, path and request id; `user_id` is filled in once authenticated.
/// Headers (and so tokens) and bodies are never recorded.
fn make_span(request: &Request) -> tracing::Span {
    let request_id = request.headers().get(REQUEST_ID_HEADER).and_then(|v| v.to_str().ok()).unwrap_or("");
    tracing::info_span!(
        "request",
        method = %request.method(),
        path = %request.uri().path(),
        request_id = %request_id,
        user_id = tracing::field::Empty,
    )
}

async fn unknown_route() -> ApiError {
    ApiError::not_found("route-not-found", "route not found", "no such route; see /openapi.json for the API")
}

fn cors(origins: &CorsOrigins) -> CorsLayer {
    let allow_origin = match origins {
        CorsOrigins::Any => AllowOrigin::any(),
        CorsOrigins::List(list) => AllowOrigin::list(list.iter().filter_map(|o| HeaderValue::from_str(o).ok())),
    };
    CorsLayer::new()
        .allow_origin(allow_origin)
        .allow_methods([Method::GET, Method::POST, Method::PATCH, Method::PUT, Method::DELETE])
        .allow_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::ACCEPT,
            HeaderName::from_static(REQUEST_ID_HEADER),
        ])
        .expose_headers([header::RETRY_AFTER, header::LOCATION, HeaderName::from_static(REQUEST_ID_HEADER)])
        .max_age(Duration::from_secs(600))
}
