//! Start-up: configuration errors name their variable; the embedded default seeds a usable demo.

use api::{Application, StartupError};
use domain::ids::UserId;
use reqwest::{Method, StatusCode};
use secrecy::SecretString;

use crate::helpers::{JWT_SECRET, test_config};

fn variable_of(result: Result<Application, StartupError>) -> String {
    match result {
        Err(StartupError::Config { variable, message }) => {
            assert!(!message.is_empty());
            let text = StartupError::Config { variable, message }.to_string();
            assert!(text.starts_with(variable), "{text}");
            variable.to_owned()
        }
        Err(other) => panic!("expected a configuration error, got {other}"),
        Ok(_) => panic!("expected a configuration error, the application built"),
    }
}

#[tokio::test]
async fn outside_the_embedded_default_secrets_are_required() {
    let mut config = test_config();
    config.mongodb_uri = Some(SecretString::from("mongodb://localhost:27017"));
    config.jwt_secret = None;
    assert_eq!(variable_of(Application::build(config.clone()).await), "JWT_SECRET");

    config.jwt_secret = Some(SecretString::from(JWT_SECRET));
    assert_eq!(variable_of(Application::build(config.clone()).await), "TOKEN_ENCRYPTION_KEY");

    config.token_encryption_key = Some(SecretString::from(adapters_key()));
    config.mongodb_uri = Some(SecretString::from("postgres://admin:hunter2@db"));
    let err = Application::build(config.clone()).await.err().expect("a postgres URI is refused");
    assert!(!err.to_string().contains("hunter2"), "the URI's password leaked: {err}");
    assert_eq!(variable_of(Err(err)), "MONGODB_URI");

    config.mongodb_uri = Some(SecretString::from("mongodb://localhost:27017"));
    config.mongodb_db = "chat.bot".to_owned();
    assert_eq!(variable_of(Application::build(config).await), "MONGODB_DB");
}

/// A well-formed key ring entry (32 zero bytes; fine for a test that never seals anything).
fn adapters_key() -> String {
    format!("k1:{}", "A".repeat(43) + "=")
}

#[tokio::test]
async fn bad_values_name_their_variable() {
    let mut config = test_config();
    config.jwt_secret = Some(SecretString::from("too-short"));
    assert_eq!(variable_of(Application::build(config).await), "JWT_SECRET");

    let mut config = test_config();
    config.token_encryption_key = Some(SecretString::from("not a key ring"));
    assert_eq!(variable_of(Application::build(config).await), "TOKEN_ENCRYPTION_KEY");
}

#[tokio::test]
async fn the_embedded_default_seeds_demo_clients_for_the_dev_user() {
    let mut config = test_config();
    config.jwt_secret = None;
    config.seed_demo_clients = true;
    let dev_user = UserId::parse("64b000000000000000000042").unwrap();
    config.dev_user_id = dev_user;
    let app = Application::build(config).await.expect("the embedded default starts without secrets");
    let token = app.issue_token(dev_user, std::time::Duration::from_secs(60)).unwrap();
    let seeded = app.dev_clients().expect("dev clients are seeded");
    let address = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until(std::future::pending()));

    let http = reqwest::Client::new();
    let get = |path: String| http.request(Method::GET, format!("{address}{path}")).bearer_auth(&token).send();
    let clients: serde_json::Value = get("/v1/clients".into()).await.unwrap().json().await.unwrap();
    let names: Vec<&str> = clients["items"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Acme Corp", "Globex"]);

    let acme: serde_json::Value = get(format!("/v1/clients/{}/data", seeded.acme)).await.unwrap().json().await.unwrap();
    assert_eq!(acme["demo"], false);
    let platforms: Vec<&str> =
        acme["sources"].as_array().unwrap().iter().map(|s| s["platform"].as_str().unwrap()).collect();
    assert_eq!(platforms, ["googleAnalytics", "googleAds", "metaAds"]);
    let globex = get(format!("/v1/clients/{}/data", seeded.globex)).await.unwrap();
    assert_eq!(globex.status(), StatusCode::OK);
    assert_eq!(globex.json::<serde_json::Value>().await.unwrap()["demo"], true);
}
