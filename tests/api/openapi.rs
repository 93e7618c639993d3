//! `/openapi.json` describes exactly the routes the server answers.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{TestApp, ok_json, problem, spawn_app};

/// Every route of issue 3, as `METHOD path` in the document's spelling.
const ROUTES: &[&str] = &[
    "GET /health",
    "GET /ready",
    "GET /openapi.json",
    "GET /v1/me",
    "PATCH /v1/me/preferences",
    "GET /v1/clients",
    "POST /v1/clients",
    "GET /v1/clients/{clientId}",
    "PATCH /v1/clients/{clientId}",
    "DELETE /v1/clients/{clientId}",
    "GET /v1/clients/{clientId}/data",
    "GET /v1/clients/{clientId}/platforms",
    "DELETE /v1/clients/{clientId}/platforms/{platform}",
    "POST /v1/clients/{clientId}/platforms/{platform}/connect",
    "GET /v1/clients/{clientId}/platforms/{platform}/accounts",
    "PUT /v1/clients/{clientId}/platforms/{platform}/account",
    "POST /v1/clients/{clientId}/platforms/{platform}/sync",
    "GET /v1/oauth/{platform}/callback",
    "GET /v1/clients/{clientId}/conversations",
    "POST /v1/clients/{clientId}/conversations",
    "GET /v1/conversations",
    "GET /v1/conversations/{conversationId}",
    "PATCH /v1/conversations/{conversationId}",
    "DELETE /v1/conversations/{conversationId}",
    "POST /v1/conversations/{conversationId}/messages",
    "PUT /v1/conversations/{conversationId}/messages/{messageId}/feedback",
];

fn documented(doc: &Value) -> Vec<(String, String)> {
    let mut routes = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            routes.push((method.to_uppercase(), path.clone()));
        }
    }
    routes.sort();
    routes
}

#[tokio::test]
async fn the_document_lists_every_route_of_the_api_and_no_other() {
    let app = spawn_app().await;
    let doc: Value = app.anonymous(Method::GET, "/openapi.json").send().await.unwrap().json().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let mut expected: Vec<(String, String)> = ROUTES
        .iter()
        .map(|r| {
            let (method, path) = r.split_once(' ').unwrap();
            (method.to_owned(), path.to_owned())
        })
        .collect();
    expected.sort();
    assert_eq!(documented(&doc), expected);
}

/// Ids of a real client, conversation and answer, to fill in path templates.
struct RealIds {
    client: String,
    conversation: String,
    answer: String,
}

impl RealIds {
    /// Creates a client, a conversation about it and an exchange in it.
    async fn of(app: &TestApp) -> Self {
        let client = app.create_client("Acme").await["id"].as_str().unwrap().to_owned();
        let conversation = app.start_conversation(&client).await["conversationId"].as_str().unwrap().to_owned();
        let answer = app.ask(&conversation, "hello").await["answer"]["messageId"].as_str().unwrap().to_owned();
        Self { client, conversation, answer }
    }

    /// `template` with every path parameter replaced by a real value.
    fn fill(&self, template: &str) -> String {
        template
            .replace("{clientId}", &self.client)
            .replace("{conversationId}", &self.conversation)
            .replace("{messageId}", &self.answer)
            .replace("{platform}", "linkedinAds")
    }
}

#[tokio::test]
async fn every_documented_route_is_served() {
    let app = spawn_app().await;
    let ids = RealIds::of(&app).await;

    let doc: Value = app.anonymous(Method::GET, "/openapi.json").send().await.unwrap().json().await.unwrap();
    for (method, template) in documented(&doc) {
        let path = ids.fill(&template);
        let method = Method::from_bytes(method.as_bytes()).unwrap();
        let mut request = app.request(method.clone(), &path);
        if [Method::POST, Method::PATCH, Method::PUT].contains(&method) {
            request = request.json(&json!({}));
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let body = response.text().await.unwrap();
        assert_ne!(status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path}: {body}");
        assert!(!body.contains("urn:chatbot:problem:route-not-found"), "{method} {path}: {body}");
        assert!(status.as_u16() < 500, "{method} {path}: {body}");
    }
}

#[tokio::test]
async fn problems_and_the_bearer_scheme_are_described() {
    let app = spawn_app().await;
    let doc: Value = app.anonymous(Method::GET, "/openapi.json").send().await.unwrap().json().await.unwrap();
    assert!(doc["components"]["schemas"]["Problem"].is_object());
    assert_eq!(doc["components"]["securitySchemes"]["bearer"]["scheme"], "bearer");
    let post = &doc["paths"]["/v1/conversations/{conversationId}/messages"]["post"];
    for status in ["201", "200", "400", "401", "404", "409", "429", "502", "504"] {
        assert!(post["responses"][status].is_object(), "POST messages documents {status}");
    }
}

/// The served document.
async fn document(app: &TestApp) -> Value {
    app.anonymous(Method::GET, "/openapi.json").send().await.unwrap().json().await.unwrap()
}

/// `value`, or what it refers to when it is a `$ref` into the document.
fn resolve<'a>(doc: &'a Value, value: &'a Value) -> &'a Value {
    match value["$ref"].as_str() {
        Some(reference) => {
            let pointer = reference.strip_prefix('#').unwrap();
            resolve(doc, doc.pointer(pointer).unwrap_or_else(|| panic!("dangling {reference}")))
        }
        None => value,
    }
}

/// Every operation of the document as (`METHOD path`, operation).
fn operations(doc: &Value) -> Vec<(String, &Value)> {
    let mut all = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            all.push((format!("{} {path}", method.to_uppercase()), op));
        }
    }
    all
}

/// Every parameter found `location` (`path`, `query`) of every operation, with its route.
fn parameters<'a>(doc: &'a Value, location: &str) -> Vec<(String, &'a Value)> {
    operations(doc)
        .into_iter()
        .flat_map(|(route, op)| {
            op["parameters"].as_array().into_iter().flatten().map(move |p| (route.clone(), p)).collect::<Vec<_>>()
        })
        .filter(|(_, parameter)| parameter["in"] == location)
        .collect()
}

/// The JSON schema of an operation's request body (its object branch when it may also be `null`).
fn body_schema<'a>(doc: &'a Value, route: &str) -> &'a Value {
    let (method, path) = route.split_once(' ').unwrap();
    let op = &doc["paths"][path][method.to_lowercase()];
    let schema = &op["requestBody"]["content"]["application/json"]["schema"];
    match schema["oneOf"].as_array() {
        Some(branches) => branches.iter().map(|b| resolve(doc, b)).find(|b| b["type"] == "object").unwrap(),
        None => resolve(doc, schema),
    }
}

#[tokio::test]
async fn path_ids_are_documented_with_the_shape_the_server_accepts() {
    let app = spawn_app().await;
    let doc = document(&app).await;
    let mut seen = Vec::new();
    for (route, parameter) in parameters(&doc, "path") {
        let name = parameter["name"].as_str().unwrap();
        let schema = resolve(&doc, &parameter["schema"]);
        assert_eq!(parameter["required"], true, "{route} {name}");
        match name {
            "clientId" => {
                assert_eq!(schema["type"], "string", "{route}");
                assert_eq!(schema["pattern"], "^[0-9a-fA-F]{24}$", "{route}");
                let example = parameter["example"].as_str().unwrap();
                assert!(example.len() == 24 && example.bytes().all(|b| b.is_ascii_hexdigit()), "{route}");
            }
            "conversationId" | "messageId" => {
                assert_eq!(schema["type"], "string", "{route} {name}");
                assert_eq!(schema["format"], "uuid", "{route} {name}");
                assert!(uuid::Uuid::try_parse(parameter["example"].as_str().unwrap()).is_ok(), "{route}");
            }
            "platform" => {
                assert_eq!(
                    schema["enum"],
                    json!(["googleAnalytics", "googleAds", "metaAds", "linkedinAds"]),
                    "{route}"
                );
            }
            other => panic!("{route}: undocumented kind of path parameter {other}"),
        }
        seen.push(name.to_owned());
    }
    for name in ["clientId", "conversationId", "messageId", "platform"] {
        assert!(seen.iter().any(|s| s == name), "no route has {name}");
    }
}

#[tokio::test]
async fn ids_outside_the_documented_shape_are_refused() {
    let app = spawn_app().await;
    let client = app.create_client("Acme").await;
    let client_id = client["id"].as_str().unwrap();
    let conversation = app.start_conversation(client_id).await;
    let conversation_id = conversation["conversationId"].as_str().unwrap();
    let simple = conversation_id.replace('-', "");
    for (path, field) in [
        (format!("/v1/clients/%20{client_id}"), "clientId"),
        (format!("/v1/clients/{client_id}%20"), "clientId"),
        (format!("/v1/conversations/{simple}"), "conversationId"),
        (format!("/v1/conversations/%7B{conversation_id}%7D"), "conversationId"),
        (format!("/v1/conversations/{conversation_id}?before={simple}"), "before"),
    ] {
        let body = problem(app.get(&path).await, StatusCode::BAD_REQUEST).await;
        assert_eq!(body["field"], field, "{path}");
    }
}

#[tokio::test]
async fn query_parameters_are_documented_as_taking_an_empty_value_as_absent() {
    let app = spawn_app().await;
    let doc = document(&app).await;
    let mut limits = Vec::new();
    for (route, parameter) in parameters(&doc, "query") {
        let name = parameter["name"].as_str().unwrap();
        assert_eq!(parameter["allowEmptyValue"], true, "{route} {name}");
        assert_ne!(parameter["required"], true, "{route} {name}");
        let schema = resolve(&doc, &parameter["schema"]);
        match name {
            "limit" => {
                assert_eq!(schema["type"], "integer", "{route}");
                assert_eq!((&schema["minimum"], &schema["maximum"]), (&json!(1), &json!(100)), "{route}");
                limits.push((route.clone(), schema["default"].clone()));
            }
            "status" => assert!(schema["enum"].as_array().unwrap().contains(&json!("active")), "{route}"),
            "cursor" => assert_eq!(schema["pattern"], "^[A-Za-z0-9_-]+$", "{route}"),
            "before" => assert_eq!(schema["format"], "uuid", "{route}"),
            "search" => assert_eq!(schema["type"], "string", "{route}"),
            // What a platform's consent page sends back to the callback.
            "code" | "state" | "error" | "error_description" => {
                assert!(route.contains("/v1/oauth/"), "{route}");
                assert_eq!(schema["type"], "string", "{route}");
            }
            other => panic!("{route}: undocumented query parameter {other}"),
        }
    }
    limits.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        limits,
        vec![
            ("GET /v1/clients".to_owned(), json!(20)),
            ("GET /v1/clients/{clientId}/conversations".to_owned(), json!(20)),
            ("GET /v1/conversations".to_owned(), json!(20)),
            ("GET /v1/conversations/{conversationId}".to_owned(), json!(50)),
        ]
    );
    let statuses = |path: &str| {
        let op = &doc["paths"][path]["get"];
        let status = op["parameters"].as_array().unwrap().iter().find(|p| p["name"] == "status").unwrap();
        resolve(&doc, &status["schema"])["enum"].clone()
    };
    assert_eq!(statuses("/v1/clients"), json!(["active", "inactive", "archived"]));
    assert_eq!(statuses("/v1/conversations"), json!(["active", "archived"]));
}

#[tokio::test]
async fn an_empty_query_value_is_the_same_as_leaving_the_parameter_out() {
    let app = spawn_app().await;
    let client = app.create_client("Acme").await;
    let client_id = client["id"].as_str().unwrap();
    let conversation = app.start_conversation(client_id).await;
    let conversation_id = conversation["conversationId"].as_str().unwrap();
    app.ask(conversation_id, "hello").await;

    for (bare, empty) in [
        ("/v1/clients".to_owned(), "/v1/clients?status=&search=&cursor=&limit=".to_owned()),
        ("/v1/conversations".to_owned(), "/v1/conversations?status=&cursor=&limit".to_owned()),
        (
            format!("/v1/clients/{client_id}/conversations"),
            format!("/v1/clients/{client_id}/conversations?status=&cursor=&limit="),
        ),
        (format!("/v1/conversations/{conversation_id}"), format!("/v1/conversations/{conversation_id}?before=&limit=")),
    ] {
        let expected = app.get_json(&bare).await;
        let actual = ok_json(app.get(&empty).await).await;
        assert_eq!(actual, expected, "{empty}");
    }
    // Only an empty value is absent: a blank one is still a value, and an unknown name still a mistake.
    let body = problem(app.get("/v1/clients?limit=%20").await, StatusCode::BAD_REQUEST).await;
    assert_eq!(body["field"], "limit");
    let body = problem(app.get("/v1/clients?limit=%2B5").await, StatusCode::BAD_REQUEST).await;
    assert_eq!(body["field"], "limit");
    let body = problem(app.get("/v1/clients?sort=").await, StatusCode::BAD_REQUEST).await;
    assert_eq!(body["type"], "urn:chatbot:problem:malformed-request");
    assert!(body["detail"].as_str().unwrap().contains("sort"), "{body}");
}

/// Asserts that `schema` is a string of `min..=max` characters that must hold a non-space.
fn assert_bounded_text(schema: &Value, min: u64, max: u64, what: &str) {
    assert_eq!(schema["minLength"], min, "{what}");
    assert_eq!(schema["maxLength"], max, "{what}");
    assert_eq!(schema["pattern"], "\\S", "{what}: whitespace-only text is refused");
}

#[tokio::test]
async fn request_bodies_document_the_rules_the_domain_enforces() {
    let app = spawn_app().await;
    let doc = document(&app).await;

    for route in ["POST /v1/clients", "PATCH /v1/clients/{clientId}"] {
        let schema = body_schema(&doc, route);
        let properties = &schema["properties"];
        assert_bounded_text(&properties["name"], 1, 200, route);
        assert_eq!(properties["email"]["format"], "email", "{route}");
        assert_eq!(properties["email"]["maxLength"], 254, "{route}");
        assert_eq!(properties["logo"]["format"], "uri", "{route}");
        assert!(properties["logo"]["pattern"].as_str().unwrap().starts_with("^https://"), "{route}");
        assert_eq!(properties["logo"]["maxLength"], 2048, "{route}");
        assert_eq!(schema["additionalProperties"], false, "{route}");
    }
    assert_eq!(body_schema(&doc, "POST /v1/clients")["required"], json!(["name"]));
    let change = body_schema(&doc, "PATCH /v1/clients/{clientId}");
    assert_eq!(change["properties"]["name"]["type"], "string", "a name cannot be cleared");
    assert_eq!(change["properties"]["email"]["type"], json!(["string", "null"]), "null clears the e-mail");

    let start = &doc["paths"]["/v1/clients/{clientId}/conversations"]["post"]["requestBody"];
    assert_ne!(start["required"], true, "a conversation may be started without a body");
    assert_bounded_text(
        &body_schema(&doc, "POST /v1/clients/{clientId}/conversations")["properties"]["title"],
        1,
        200,
        "start",
    );
    let change = body_schema(&doc, "PATCH /v1/conversations/{conversationId}");
    assert_bounded_text(&change["properties"]["title"], 1, 200, "rename");
    assert_eq!(resolve(&doc, &change["properties"]["status"])["enum"], json!(["active", "archived"]));

    let message = body_schema(&doc, "POST /v1/conversations/{conversationId}/messages");
    assert_bounded_text(&message["properties"]["content"], 1, 4000, "message");
    assert_eq!(message["required"], json!(["content"]));

    let preferences = body_schema(&doc, "PATCH /v1/me/preferences");
    let quick_replies = &preferences["properties"]["quickReplies"];
    assert_eq!(quick_replies["maxItems"], 20);
    assert_bounded_text(&quick_replies["items"], 1, 200, "quick reply");
    assert_eq!(preferences["properties"]["notifications"]["type"], "boolean");

    let feedback = body_schema(&doc, "PUT /v1/conversations/{conversationId}/messages/{messageId}/feedback");
    assert_eq!(feedback["required"], json!(["rating"]));
    let mut ratings: Vec<Value> = Vec::new();
    for branch in feedback["properties"]["rating"]["oneOf"].as_array().unwrap() {
        let branch = resolve(&doc, branch);
        if let Some(values) = branch["enum"].as_array() {
            ratings.extend(values.iter().cloned());
        } else {
            assert_eq!(branch["type"], "null");
            ratings.push(Value::Null);
        }
    }
    assert_eq!(ratings, vec![Value::Null, json!("positive"), json!("negative")]);

    for (route, _) in operations(&doc) {
        if route.starts_with("PATCH ") {
            assert_eq!(body_schema(&doc, &route)["minProperties"], 1, "{route} needs at least one field");
        }
    }
}

#[tokio::test]
async fn bodies_outside_the_documented_rules_are_refused() {
    let app = spawn_app().await;
    let client = app.create_client("Acme").await;
    let client_path = format!("/v1/clients/{}", client["id"].as_str().unwrap());
    let padded = format!(" {} ", "n".repeat(200));
    for (method, path, body, kind) in [
        (Method::POST, "/v1/clients", json!({ "name": padded }), "validation"),
        (Method::POST, "/v1/clients", json!({ "name": "\t \n" }), "validation"),
        (Method::POST, "/v1/clients", json!({ "name": "A", "logo": "https://acmé.com/l.png" }), "validation"),
        (Method::PATCH, client_path.as_str(), json!({ "name": null }), "malformed-request"),
        (Method::PATCH, client_path.as_str(), json!({ "status": null }), "malformed-request"),
        (Method::PATCH, "/v1/me/preferences", json!({ "notifications": null }), "malformed-request"),
        (Method::PATCH, "/v1/me/preferences", json!({ "quickReplies": [" "] }), "validation"),
    ] {
        let response = app.request(method.clone(), path).json(&body).send().await.unwrap();
        let refused = problem(response, StatusCode::BAD_REQUEST).await;
        assert_eq!(refused["type"], format!("urn:chatbot:problem:{kind}"), "{method} {path} {body}");
    }
    // Surrounding spaces within the limit are trimmed, as documented.
    let created = app.request(Method::POST, "/v1/clients").json(&json!({ "name": "  Globex  " })).send().await.unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);
    assert_eq!(created.json::<Value>().await.unwrap()["name"], "Globex");
}

#[tokio::test]
async fn a_conversation_starts_from_an_empty_or_null_body() {
    let app = spawn_app().await;
    let client = app.create_client("Acme").await;
    let path = format!("/v1/clients/{}/conversations", client["id"].as_str().unwrap());
    for body in ["", "null", "{}"] {
        let response = app
            .request(Method::POST, &path)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::CREATED, "{body:?}");
    }
}

#[tokio::test]
async fn every_route_with_a_body_documents_413_and_415_and_answers_415_to_a_body_that_is_not_json() {
    let app = spawn_app().await;
    let ids = RealIds::of(&app).await;
    let doc = document(&app).await;
    let mut with_body = 0;
    for (route, op) in operations(&doc) {
        if op.get("requestBody").is_none() {
            continue;
        }
        with_body += 1;
        for status in ["400", "413", "415"] {
            let response = resolve(&doc, &op["responses"][status]);
            assert!(response["content"]["application/problem+json"].is_object(), "{route} documents {status}");
        }
        let (method, template) = route.split_once(' ').unwrap();
        let path = ids.fill(template);
        let method = Method::from_bytes(method.as_bytes()).unwrap();
        let response = app.request(method, &path).header("content-type", "text/plain").body("{}").send().await.unwrap();
        let body = problem(response, StatusCode::UNSUPPORTED_MEDIA_TYPE).await;
        assert_eq!(body["type"], "urn:chatbot:problem:unsupported-media-type", "{route}");
    }
    assert_eq!(with_body, 8);
}

#[tokio::test]
async fn every_v1_route_documents_the_failures_any_request_can_meet() {
    let app = spawn_app().await;
    let doc = document(&app).await;
    for (route, op) in operations(&doc) {
        if !route.contains(" /v1/") {
            continue;
        }
        // A platform's consent callback carries no bearer token: its state names the user.
        let authenticated = !route.contains(" /v1/oauth/");
        for status in ["401", "500", "503", "504"] {
            if status == "401" && !authenticated {
                assert!(op["responses"]["401"].is_null(), "{route} documents no 401");
                continue;
            }
            let response = resolve(&doc, &op["responses"][status]);
            assert!(response["content"]["application/problem+json"].is_object(), "{route} documents {status}");
        }
        let has_id = route.contains("Id}");
        assert_eq!(op["responses"]["404"].is_object(), has_id, "{route}: 404 exactly where an id is named");
    }
}

#[tokio::test]
async fn deleting_a_client_is_documented_as_archiving_it() {
    let app = spawn_app().await;
    let doc = document(&app).await;
    let op = &doc["paths"]["/v1/clients/{clientId}"]["delete"];
    let text = format!("{} {}", op["summary"].as_str().unwrap(), op["description"].as_str().unwrap());
    for needle in ["Archives", "soft delete", "status: archived", "still", "conversations", "restores"] {
        assert!(text.contains(needle), "the DELETE description says {needle:?}: {text}");
    }
}
