//! The client name search on `MongoDB`: the prefix is compared as a string, never parsed as a
//! pattern, so a NUL or a `(` in it is an ordinary character; and a search longer than a name is
//! refused before it reaches the database.

use black_box_tests::{TestApp, ok_json, problem};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::{fresh_database, spawn_replica};

/// The names of a page's clients.
fn names(page: &Value) -> Vec<&str> {
    page["items"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect()
}

async fn app_with_clients() -> TestApp {
    let app = spawn_replica(&fresh_database(), |_| {}, |p| p).await;
    for name in ["Éclair Bakery", "école", "Acme (EU)", "Acme [US]", "Globex"] {
        app.create_client(name).await;
    }
    app
}

#[tokio::test]
async fn a_nul_in_the_search_finds_nothing_instead_of_failing() {
    let app = app_with_clients().await;
    for search in ["%00", "acme%00", "%00acme"] {
        let page = ok_json(app.get(&format!("/v1/clients?search={search}")).await).await;
        assert_eq!(page["items"], json!([]), "{search}: {page}");
        assert_eq!(page["nextCursor"], Value::Null, "{search}: {page}");
    }
    assert_eq!(names(&app.get_json("/v1/clients?search=glob").await), ["Globex"]);
}

#[tokio::test]
async fn pattern_characters_and_unicode_case_in_the_search_are_literal_and_folded() {
    let app = app_with_clients().await;
    assert_eq!(names(&app.get_json("/v1/clients?search=acme%20(").await), ["Acme (EU)"]);
    assert_eq!(names(&app.get_json("/v1/clients?search=ACME%20%5B").await), ["Acme [US]"]);
    for search in [".%2A", "%5E", "%24", "%5C", "("] {
        assert!(names(&app.get_json(&format!("/v1/clients?search={search}")).await).is_empty(), "{search}");
    }
    assert_eq!(names(&app.get_json("/v1/clients?search=%C3%89").await), ["Éclair Bakery", "école"]);
    assert_eq!(names(&app.get_json("/v1/clients?search=%C3%A9CO").await), ["école"]);
}

#[tokio::test]
async fn a_search_longer_than_a_name_is_a_400_naming_search() {
    let app = spawn_replica(&fresh_database(), |_| {}, |p| p).await;
    let longest = "a".repeat(200);
    assert_eq!(app.get_json(&format!("/v1/clients?search={longest}")).await["items"], json!([]));
    let too_long = problem(app.get(&format!("/v1/clients?search={longest}a")).await, StatusCode::BAD_REQUEST).await;
    assert_eq!(too_long["field"], "search", "{too_long}");
    assert!(too_long["detail"].as_str().unwrap().contains("search"), "{too_long}");
}
