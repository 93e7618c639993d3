//! Clients: paging, filters and changes.

use std::collections::HashSet;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{ok_json, problem, spawn_app};

#[tokio::test]
async fn clients_page_by_name_with_opaque_cursors() {
    let app = spawn_app().await;
    for name in ["Echo", "Alpha", "Delta", "Charlie", "Bravo"] {
        app.create_client(name).await;
    }
    let mut names = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let path = match &cursor {
            Some(c) => format!("/v1/clients?limit=2&cursor={c}"),
            None => "/v1/clients?limit=2".to_owned(),
        };
        let page = app.get_json(&path).await;
        pages += 1;
        names.extend(page["items"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap().to_owned()));
        match page["nextCursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
        assert!(pages < 10, "paging must end");
    }
    assert_eq!(names, ["Alpha", "Bravo", "Charlie", "Delta", "Echo"]);
    assert_eq!(pages, 3);
}

#[tokio::test]
async fn clients_filter_by_status_and_name_prefix() {
    let app = spawn_app().await;
    let acme = app.create_client("Acme Corp").await;
    app.create_client("Acme Labs").await;
    app.create_client("Globex").await;
    app.request(Method::DELETE, &format!("/v1/clients/{}", acme["id"].as_str().unwrap())).send().await.unwrap();

    let names = |page: Value| -> Vec<String> {
        page["items"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap().to_owned()).collect()
    };
    assert_eq!(names(app.get_json("/v1/clients?search=acme").await), ["Acme Corp", "Acme Labs"]);
    assert_eq!(names(app.get_json("/v1/clients?search=acme&status=active").await), ["Acme Labs"]);
    assert_eq!(names(app.get_json("/v1/clients?status=archived").await), ["Acme Corp"]);
}

#[tokio::test]
async fn a_patch_changes_only_what_it_names_and_null_clears() {
    let app = spawn_app().await;
    let response = app
        .request(Method::POST, "/v1/clients")
        .json(&json!({ "name": "Acme", "email": "a@acme.com", "logo": "https://acme.com/l.png" }))
        .send()
        .await
        .unwrap();
    let client: Value = response.json().await.unwrap();
    let path = format!("/v1/clients/{}", client["id"].as_str().unwrap());

    let changed =
        ok_json(app.request(Method::PATCH, &path).json(&json!({ "email": null })).send().await.unwrap()).await;
    assert_eq!(changed["email"], Value::Null);
    assert_eq!(changed["logo"], "https://acme.com/l.png");
    assert_eq!(changed["name"], "Acme");

    let renamed =
        ok_json(app.request(Method::PATCH, &path).json(&json!({ "name": "Acme Corp" })).send().await.unwrap()).await;
    assert_eq!(renamed["name"], "Acme Corp");
    assert_eq!(renamed["logo"], "https://acme.com/l.png");
}

#[tokio::test]
async fn an_archived_client_can_be_restored() {
    let app = spawn_app().await;
    let client = app.create_client("Acme").await;
    let path = format!("/v1/clients/{}", client["id"].as_str().unwrap());
    app.request(Method::DELETE, &path).send().await.unwrap();
    let restored =
        ok_json(app.request(Method::PATCH, &path).json(&json!({ "status": "active" })).send().await.unwrap()).await;
    assert_eq!(restored["status"], "active");
}

#[tokio::test]
async fn a_missing_client_is_not_found() {
    let app = spawn_app().await;
    let body = problem(app.get("/v1/clients/64b7f0c2a1b2c3d4e5f60718").await, StatusCode::NOT_FOUND).await;
    assert_eq!(body["type"], "urn:chatbot:problem:client-not-found");
}

#[tokio::test]
async fn client_ids_are_unique_across_creations() {
    let app = spawn_app().await;
    let mut ids = HashSet::new();
    for i in 0..10 {
        ids.insert(app.create_client(&format!("Client {i}")).await["id"].as_str().unwrap().to_owned());
    }
    assert_eq!(ids.len(), 10);
}

#[tokio::test]
async fn a_search_is_a_literal_prefix_ignoring_unicode_case_and_bounded_in_length() {
    let app = spawn_app().await;
    for name in ["Éclair Bakery", "école", "Acme (EU)", "Acme [US]"] {
        app.create_client(name).await;
    }
    let names = |page: Value| -> Vec<String> {
        page["items"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap().to_owned()).collect()
    };

    let nul = app.get_json("/v1/clients?search=%00").await;
    assert_eq!(nul["items"], json!([]), "{nul}");
    assert_eq!(nul["nextCursor"], Value::Null, "{nul}");
    assert!(names(app.get_json("/v1/clients?search=.%2A").await).is_empty(), ".* is no pattern");
    assert_eq!(names(app.get_json("/v1/clients?search=acme%20(").await), ["Acme (EU)"]);
    assert_eq!(names(app.get_json("/v1/clients?search=acme%20%5B").await), ["Acme [US]"]);
    assert_eq!(names(app.get_json("/v1/clients?search=%C3%89").await), ["Éclair Bakery", "école"], "É finds é");
    assert!(names(app.get_json("/v1/clients?search=zzz").await).is_empty());

    let longest = "a".repeat(200);
    assert!(names(app.get_json(&format!("/v1/clients?search={longest}")).await).is_empty());
    let too_long = problem(app.get(&format!("/v1/clients?search={longest}a")).await, StatusCode::BAD_REQUEST).await;
    assert!(too_long["detail"].as_str().unwrap().contains("search"), "{too_long}");
    assert_eq!(too_long["field"], "search", "{too_long}");
}
