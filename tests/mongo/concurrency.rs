//! Many posts to one conversation at once: every message and every count is kept exactly, and the
//! message cap is never passed.

use std::collections::{HashMap, HashSet};

use black_box_tests::{TestApp, problem};
use futures::future::join_all;
use reqwest::StatusCode;
use serde_json::Value;

use crate::support::{all_messages, conversation, fresh_database, spawn_replica};

/// A replica on a fresh database whose rate limit never gets in the way.
async fn unlimited(message_cap: u32) -> TestApp {
    spawn_replica(
        &fresh_database(),
        |c| {
            c.rate_limit_per_minute = 10_000;
            c.rate_limit_per_day = 10_000;
            c.message_cap = message_cap;
        },
        |p| p,
    )
    .await
}

/// Posts every question at once; each question with its response's status and body.
async fn post_all(app: &TestApp, id: &str, questions: &[String]) -> Vec<(String, StatusCode, Value)> {
    let posts = questions.iter().map(|question| async move {
        let response = app.post_message(id, question).await;
        let status = response.status();
        let body = if status == StatusCode::CREATED {
            response.json().await.unwrap()
        } else {
            problem(response, status).await
        };
        (question.clone(), status, body)
    });
    join_all(posts).await
}

fn message_id(message: &Value) -> &str {
    message["messageId"].as_str().unwrap()
}

/// Where each message is in the conversation, by id.
fn positions(messages: &[Value]) -> HashMap<&str, usize> {
    messages.iter().enumerate().map(|(i, m)| (message_id(m), i)).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_concurrent_posts_to_one_conversation_keep_exact_counts() {
    let app = unlimited(1000).await;
    let id = conversation(&app).await;
    let questions: Vec<String> = (0..50).map(|i| format!("question {i:02}: what did campaign {i} spend?")).collect();

    let responses = post_all(&app, &id, &questions).await;
    let mut exchanges = HashMap::new(); // question id -> answer id
    for (question, status, body) in &responses {
        assert_eq!(*status, StatusCode::CREATED, "{question}: {body}");
        assert_eq!(body["question"]["content"], question.as_str());
        exchanges.insert(message_id(&body["question"]), message_id(&body["answer"]));
    }

    let messages = all_messages(&app, &id).await;
    assert_eq!(messages.len(), 100);
    let position = positions(&messages);
    assert_eq!(position.len(), 100, "100 distinct message ids");
    let stored_questions: Vec<&str> =
        messages.iter().filter(|m| m["role"] == "user").map(|m| m["content"].as_str().unwrap()).collect();
    let answers: Vec<&Value> = messages.iter().filter(|m| m["role"] == "assistant").collect();
    assert_eq!((stored_questions.len(), answers.len()), (50, 50));
    let asked: HashSet<&str> = questions.iter().map(String::as_str).collect();
    assert_eq!(stored_questions.iter().copied().collect::<HashSet<_>>(), asked, "every question once");
    // Concurrent exchanges interleave, but each answer is the one its response returned, and it
    // comes after its own question.
    for (question, answer) in &exchanges {
        assert!(position[question] < position[answer], "answer {answer} is stored before its question");
    }

    let tokens: u64 = answers.iter().map(|m| m["metadata"]["tokensUsed"].as_u64().unwrap()).sum();
    assert!(tokens > 0);
    let cost: f64 = answers.iter().map(|m| m["metadata"]["cost"].as_f64().unwrap()).sum();
    let header = &app.get_json(&format!("/v1/conversations/{id}?limit=1")).await["conversation"];
    assert_eq!(header["messageCount"], 100);
    assert_eq!(header["metadata"]["totalTokensUsed"], tokens);
    assert_eq!(header["metadata"]["totalCostUsd"], cost);
    let me = app.get_json("/v1/me").await;
    assert_eq!(me["totalMessages"], 100);
    assert_eq!(me["totalConversations"], 1);
    assert_eq!(me["totalTokensUsed"], tokens);
    assert_eq!(me["totalCostUsd"], cost);
}

// Each question reserves its answer's place under the cap in the write that stores it, so concurrent
// questions can never leave one another's answers without room (decision 6).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_posts_at_the_message_cap_never_pass_it_nor_leave_a_question_unanswered() {
    const CAP: usize = 10;
    let app = unlimited(u32::try_from(CAP).unwrap()).await;
    let id = conversation(&app).await;
    let questions: Vec<String> = (0..20).map(|i| format!("question {i:02}")).collect();

    let responses = post_all(&app, &id, &questions).await;
    let mut answered = HashSet::new();
    for (question, status, body) in &responses {
        match *status {
            StatusCode::CREATED => {
                answered.insert(message_id(&body["question"]));
                answered.insert(message_id(&body["answer"]));
            }
            StatusCode::CONFLICT => assert_eq!(body["type"], "urn:chatbot:problem:conversation-full", "{question}"),
            other => panic!("{question}: unexpected {other}: {body}"),
        }
    }

    let messages = all_messages(&app, &id).await;
    let header = &app.get_json(&format!("/v1/conversations/{id}?limit=1")).await["conversation"];
    assert_eq!(header["messageCount"], messages.len());
    assert!(messages.len() <= CAP, "{} messages stored past the cap of {CAP}", messages.len());
    let stored: HashSet<&str> = messages.iter().map(message_id).collect();
    // A refused post (409 says "your message was not stored") left nothing behind: every stored
    // message belongs to an exchange that was answered with 201.
    let orphans: Vec<&str> =
        messages.iter().filter(|m| !answered.contains(message_id(m))).map(|m| m["content"].as_str().unwrap()).collect();
    assert!(
        orphans.is_empty(),
        "{} of 20 posts were answered 201, yet these questions were stored although their post was refused with \
         409: {orphans:?}",
        answered.len() / 2
    );
    assert_eq!(stored, answered);
    assert_eq!(messages.len(), CAP, "20 posts fill the conversation");
    assert_eq!(app.get_json("/v1/me").await["totalMessages"], messages.len());
}
