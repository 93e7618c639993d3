//! Signing in: by itself on the embedded default, by pasting a token elsewhere.

use reqwest::{Method, StatusCode};

use crate::support::{spawn_console, with_browser};

#[tokio::test]
async fn on_the_embedded_default_the_console_signs_the_development_user_in_by_itself() {
    let app = spawn_console(
        |config| {
            config.jwt_secret = None;
            config.seed_demo_clients = true;
            config.console_enabled = None;
        },
        |ports| ports,
    )
    .await;
    with_browser(&app, "embedded", async |b| {
        b.goto("/").await;
        b.find_with_text(".client-item", "Acme Corp").await;
        b.find_with_text(".client-item", "Globex").await;
        assert!(b.text("#session-note").await.contains("Development user"));
        b.screenshot("clients").await;

        b.click("#sign-out").await;
        b.find("#signin:not([hidden])").await;
        let stored = b.eval("return sessionStorage.getItem('console.token');").await;
        assert!(stored.is_null(), "signing out forgets the token");
        // Signed out, the tab stays signed out until asked to sign in again.
        b.client.refresh().await.unwrap();
        b.find("#signin:not([hidden]) #dev-sign-in:not([hidden])").await;
        b.click("#dev-sign-in").await;
        b.find_with_text(".client-item", "Acme Corp").await;
    })
    .await;
}

#[tokio::test]
async fn elsewhere_a_pasted_token_signs_in_and_is_kept_in_the_tab_only() {
    let app = spawn_console(|_| {}, |ports| ports).await;
    app.create_client("Initech").await;
    let dev = app.anonymous(Method::GET, "/console/dev-session").send().await.unwrap();
    assert_eq!(dev.status(), StatusCode::NOT_FOUND, "no token is issued outside the embedded default");

    with_browser(&app, "sign-in", async |b| {
        b.goto("/").await;
        b.find("#signin:not([hidden])").await;
        assert_eq!(b.eval("return document.getElementById('dev-sign-in').hidden;").await, true);
        b.type_into("#token-input", "not-a-token").await;
        b.click("#signin-form button[type=submit]").await;
        let refused = b.find_with_text("#signin-error", "the token was refused").await.text().await.unwrap();
        assert!(refused.contains("not a well-formed JWT"), "{refused}");
        b.screenshot("refused").await;

        b.sign_in(&app.token).await;
        b.find_with_text(".client-item", "Initech").await;
        let kept = b
            .eval("return {session: sessionStorage.getItem('console.token'), local: localStorage.length, url: location.href, cookies: document.cookie};")
            .await;
        assert_eq!(kept["session"], app.token.as_str());
        assert_eq!(kept["local"], 0);
        assert_eq!(kept["cookies"], "");
        assert!(!kept["url"].as_str().unwrap().contains(&app.token), "the token is never in a URL");

        b.client.refresh().await.unwrap();
        b.find_with_text(".client-item", "Initech").await;
    })
    .await;
}

#[tokio::test]
async fn a_disabled_console_leaves_the_root_to_the_api() {
    let app = spawn_console(|config| config.console_enabled = Some(false), |ports| ports).await;
    let root = app.anonymous(Method::GET, "/").send().await.unwrap();
    let problem = black_box_tests::problem(root, StatusCode::NOT_FOUND).await;
    assert_eq!(problem["type"], "urn:chatbot:problem:route-not-found");
}
