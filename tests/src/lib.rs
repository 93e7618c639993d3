//! What the black-box test targets share. Each target is one test binary: `tests/api/` drives the
//! server on the in-memory backend, `tests/mongo/` on `MongoDB` (`CongoDB`). Both start the real
//! server on a random port with [`TestApp::start`] and talk to it over HTTP with its typed helpers.

pub mod platforms;

use std::net::SocketAddr;

use api::{Application, Config, Ports, Services};
use chrono::{Days, Utc};
use domain::dates::DateRange;
use domain::demo;
use domain::ids::{ClientId, UserId};
use domain::platform::{PlatformAccount, PlatformData};
use domain::ports::TokenGrant;
use domain::services::figures::SyncedFigures;
use reqwest::{Method, RequestBuilder, Response, StatusCode};
use secrecy::SecretString;
use serde_json::{Value, json};

/// The JWT secret every test server checks tokens against.
pub const JWT_SECRET: &str = "black-box-test-secret-0123456789abcdef";

/// A fresh random user id, so that tests never see each other's data.
pub fn random_user() -> UserId {
    let bytes = uuid::Uuid::new_v4().into_bytes();
    let mut id = [0u8; 12];
    id.copy_from_slice(&bytes[..12]);
    UserId::from_bytes(id)
}

/// Signs a token with the test secret.
///
/// # Panics
/// Never: an HMAC key always encodes.
pub fn token_with(secret: &str, sub: &str, exp: u64) -> String {
    let claims = json!({ "sub": sub, "exp": exp });
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(secret.as_bytes()),
    )
    .expect("a token encodes")
}

/// A valid token for `user`, for an hour.
pub fn token_for(user: UserId) -> String {
    token_with(JWT_SECRET, &user.to_string(), jsonwebtoken::get_current_timestamp() + 3600)
}

/// The test server's configuration: port 0, the test secret, no dev seeding, the in-memory backend
/// and defaults otherwise.
pub fn test_config() -> Config {
    let mut config = Config::embedded_default();
    config.bind_addr = SocketAddr::from(([127, 0, 0, 1], 0));
    config.jwt_secret = Some(SecretString::from(JWT_SECRET));
    config.seed_demo_clients = false;
    config
}

/// A running server and two users: the caller and another one.
pub struct TestApp {
    /// `http://127.0.0.1:<port>`.
    pub address: String,
    /// The HTTP client.
    pub http: reqwest::Client,
    /// The main user.
    pub user: UserId,
    /// The main user's token.
    pub token: String,
    /// The other user's token.
    pub other_token: String,
    /// The server's use cases, to set up what the API cannot (platform connections).
    pub services: Services,
    /// The server's ports, to look at what was stored.
    pub ports: Ports,
}

impl TestApp {
    /// Builds the server from `config` after `customize` changed its ports, serves it in the
    /// background (until the test's runtime ends), and makes up two users.
    ///
    /// # Panics
    /// When the server does not build.
    pub async fn start(config: Config, customize: impl FnOnce(Ports) -> Ports) -> Self {
        let app = Application::build_with(config, customize).await.expect("the test server builds");
        let address = format!("http://127.0.0.1:{}", app.port());
        let services = app.services().clone();
        let ports = app.ports().clone();
        tokio::spawn(app.run_until(std::future::pending()));
        let (user, other_user) = (random_user(), random_user());
        Self {
            address,
            http: reqwest::Client::new(),
            user,
            token: token_for(user),
            other_token: token_for(other_user),
            services,
            ports,
        }
    }

    /// The same server, used by `other`'s users: a second replica serving the same people.
    #[must_use]
    pub fn with_users_of(self, other: &TestApp) -> Self {
        Self { user: other.user, token: other.token.clone(), other_token: other.other_token.clone(), ..self }
    }

    /// The full URL of `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// A request as the main user.
    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.request_as(&self.token, method, path)
    }

    /// A request with `token`.
    pub fn request_as(&self, token: &str, method: Method, path: &str) -> RequestBuilder {
        self.http.request(method, self.url(path)).bearer_auth(token)
    }

    /// A request with no token.
    pub fn anonymous(&self, method: Method, path: &str) -> RequestBuilder {
        self.http.request(method, self.url(path))
    }

    /// `GET path` as the main user.
    ///
    /// # Panics
    /// When the request cannot be sent.
    pub async fn get(&self, path: &str) -> Response {
        self.request(Method::GET, path).send().await.expect("the request is sent")
    }

    /// `GET path` as the main user, expecting 200, as JSON.
    pub async fn get_json(&self, path: &str) -> Value {
        ok_json(self.get(path).await).await
    }

    /// Creates a client named `name` for the main user.
    pub async fn create_client(&self, name: &str) -> Value {
        self.create_client_as(&self.token, name).await
    }

    /// Creates a client named `name` for the owner of `token`.
    ///
    /// # Panics
    /// When the answer is not 201.
    pub async fn create_client_as(&self, token: &str, name: &str) -> Value {
        let response =
            self.request_as(token, Method::POST, "/v1/clients").json(&json!({ "name": name })).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::CREATED);
        response.json().await.unwrap()
    }

    /// Starts a conversation about `client_id` for the main user.
    pub async fn start_conversation(&self, client_id: &str) -> Value {
        self.start_conversation_as(&self.token, client_id).await
    }

    /// Starts a conversation about `client_id` for the owner of `token`.
    ///
    /// # Panics
    /// When the answer is not 201.
    pub async fn start_conversation_as(&self, token: &str, client_id: &str) -> Value {
        let response = self
            .request_as(token, Method::POST, &format!("/v1/clients/{client_id}/conversations"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::CREATED);
        response.json().await.unwrap()
    }

    /// Posts `content` to a conversation as the main user (JSON mode).
    ///
    /// # Panics
    /// When the request cannot be sent.
    pub async fn post_message(&self, conversation_id: &str, content: &str) -> Response {
        self.request(Method::POST, &format!("/v1/conversations/{conversation_id}/messages"))
            .json(&json!({ "content": content }))
            .send()
            .await
            .unwrap()
    }

    /// Posts `content` and expects the stored exchange.
    ///
    /// # Panics
    /// When the answer is not 201.
    pub async fn ask(&self, conversation_id: &str, content: &str) -> Value {
        let response = self.post_message(conversation_id, content).await;
        assert_eq!(response.status(), StatusCode::CREATED);
        response.json().await.unwrap()
    }

    /// Posts `content` asking for server-sent events; the response's status and headers, and every
    /// event of the stream.
    ///
    /// # Panics
    /// When the request cannot be sent or the body is not what its content type says.
    pub async fn post_message_streamed(&self, conversation_id: &str, content: &str) -> Streamed {
        let response = self
            .request(Method::POST, &format!("/v1/conversations/{conversation_id}/messages"))
            .header("accept", "text/event-stream")
            .json(&json!({ "content": content }))
            .send()
            .await
            .unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let is_stream =
            headers.get("content-type").is_some_and(|v| v.to_str().unwrap().starts_with("text/event-stream"));
        let events = if is_stream {
            read_events(response).await
        } else {
            // A refusal before the stream starts: an ordinary problem response.
            vec![("problem".to_owned(), response.json().await.unwrap())]
        };
        Streamed { status, headers, events }
    }

    /// Connects `account` for the user's client with these plaintext tokens, then records `sample`
    /// as its last 30 days the way a sync does: 13 months of daily figures around it (generated by
    /// `domain::demo::daily_records`), the standard-window snapshots and the latest figures.
    ///
    /// # Panics
    /// When the client id is malformed or the connection cannot be stored.
    pub async fn connect_platform(
        &self,
        user: UserId,
        client_id: &str,
        account: PlatformAccount,
        access_token: &str,
        sample: Option<PlatformData>,
    ) {
        let id = ClientId::parse(client_id).unwrap();
        let grant = TokenGrant {
            access_token: SecretString::from(access_token.to_owned()),
            refresh_token: Some(SecretString::from(format!("{access_token}-refresh"))),
            expires_in: Some(std::time::Duration::from_secs(3600)),
            refresh_expires_in: None,
        };
        self.services.platforms.connect(user, id, account, &grant).await.expect("the platform connects");
        if let Some(sample) = sample {
            let synced_at = Utc::now();
            let today = synced_at.date_naive();
            let history = DateRange::new(today - Days::new(demo::HISTORY_DAYS), today - Days::new(1)).unwrap();
            let figures = SyncedFigures {
                platform: sample.platform(),
                days: demo::daily_records(id, &sample, today, history),
                window_users: Vec::new(),
                synced_at,
            };
            self.services.figures.record(user, id, figures).await.expect("the sync is recorded");
        }
    }
}

/// A streamed answer.
pub struct Streamed {
    /// The response's status.
    pub status: StatusCode,
    /// The response's headers.
    pub headers: reqwest::header::HeaderMap,
    /// `(event name, JSON data)` in order.
    pub events: Vec<(String, Value)>,
}

/// Reads a whole SSE stream as `(event name, JSON data)` pairs.
///
/// # Panics
/// When an event is malformed or its data is not JSON.
pub async fn read_events(response: Response) -> Vec<(String, Value)> {
    use eventsource_stream::Eventsource;
    use futures::StreamExt;

    let mut stream = response.bytes_stream().eventsource();
    let mut events = Vec::new();
    while let Some(event) = stream.next().await {
        let event = event.expect("a well-formed event");
        let data = serde_json::from_str(&event.data).expect("event data is JSON");
        events.push((event.event, data));
    }
    events
}

/// Expects 200 and returns the JSON body.
///
/// # Panics
/// When the status is not 200 (with the body in the message) or the body is not JSON.
pub async fn ok_json(response: Response) -> Value {
    let status = response.status();
    let body = response.text().await.unwrap();
    assert_eq!(status, StatusCode::OK, "{body}");
    serde_json::from_str(&body).unwrap()
}

/// Expects a problem response with `status` and returns its body.
///
/// # Panics
/// When the response is not an RFC 9457 problem with this status, a non-empty title and detail, and
/// the request id of its `x-request-id` header.
pub async fn problem(response: Response, status: StatusCode) -> Value {
    let actual = response.status();
    let content_type = response.headers().get("content-type").map(|v| v.to_str().unwrap().to_owned());
    let request_id = response.headers().get("x-request-id").map(|v| v.to_str().unwrap().to_owned());
    let body = response.text().await.unwrap();
    assert_eq!(actual, status, "{body}");
    assert_eq!(content_type.as_deref(), Some("application/problem+json"), "{body}");
    let problem: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(problem["status"], status.as_u16());
    assert!(problem["type"].as_str().unwrap().starts_with("urn:chatbot:problem:"), "{body}");
    assert!(!problem["title"].as_str().unwrap().is_empty());
    assert!(!problem["detail"].as_str().unwrap().is_empty());
    assert_eq!(problem["requestId"].as_str(), request_id.as_deref(), "{body}");
    problem
}
