//! Chatting: the streamed answer with what is being looked up, its working, its rating, and what
//! the console does when an answer is refused, fails or is stopped.

use serde_json::Value;

use crate::support::{
    COMPOSER_VALUE, FailingAnalyst, GatedAnalyst, client_with_google_ads, conversation_of, count_of, enter,
    spawn_console, with_browser,
};

const QUESTION: &str = "How did Google Ads spend last month compare to the month before?";

const STORED_ANSWER: &str = ".message[data-role='assistant'][data-state='stored']";

#[tokio::test]
async fn a_question_streams_in_with_its_lookups_then_shows_its_working_and_keeps_its_rating() {
    let mut gates = None;
    let app = spawn_console(
        |_| {},
        |ports| {
            let (ports, tools_seen, first_words_seen) = GatedAnalyst::around(ports);
            gates = Some((tools_seen, first_words_seen));
            ports
        },
    )
    .await;
    let (tools_seen, first_words_seen) = gates.expect("the server was built with the gated analyst");
    let client_id = client_with_google_ads(&app, "Acme Corp").await;

    with_browser(&app, "chat", async |b| {
        b.sign_in(&app.token).await;
        b.click(&format!(".client-item[data-client-id='{client_id}']")).await;
        b.find_with_text("#client-name", "Acme Corp").await;
        b.click("#new-conversation").await;
        b.find("#chat:not([hidden])").await;

        // The question box has the focus; Enter sends.
        let focused = b.eval("return document.activeElement.id;").await;
        assert_eq!(focused, "composer-input");
        let input = b.find("#composer-input").await;
        input.send_keys(QUESTION).await.unwrap();
        input.send_keys(&enter()).await.unwrap();

        // While the tools run: which platform, which tool, which absolute dates.
        let lookup = b.find_with_text(".message[data-state='looking-up'] .lookups li", "Google Ads").await;
        let looked_up = lookup.text().await.unwrap();
        assert!(looked_up.contains("period comparison") && looked_up.contains(" vs "), "{looked_up}");
        assert!(looked_up.chars().any(|c| c.is_ascii_digit()), "absolute dates: {looked_up}");
        assert!(b.text("#chat-status").await.starts_with("Looking up"));
        assert_eq!(b.eval("return document.getElementById('send').disabled;").await, true);
        b.screenshot("looking-up").await;
        tools_seen.open();

        // The answer arrives as it is written, before it is stored.
        b.wait_until(
            "document.querySelector(\".message[data-state='writing'] .streaming-text\")?.textContent.length > 0",
        )
        .await;
        assert_eq!(b.eval(&format!("return {};", count_of(STORED_ANSWER))).await, 0);
        assert_eq!(b.eval("return document.getElementById('stop').hidden;").await, false);
        b.screenshot("writing").await;
        first_words_seen.open();

        let answer = b.find(STORED_ANSWER).await.text().await.unwrap();
        assert!(answer.contains("Google Ads spend"), "{answer}");
        assert_eq!(b.eval(&format!("return {COMPOSER_VALUE};")).await, "");
        let conversation_id = b.eval("return new URLSearchParams(location.search).get('conversation');").await;
        let conversation_id = conversation_id.as_str().expect("the URL names the conversation").to_owned();
        let stored = app.get_json(&format!("/v1/conversations/{conversation_id}")).await;
        assert_eq!(stored["messages"].as_array().unwrap().len(), 2);
        assert_eq!(stored["messages"][0]["content"], QUESTION);

        // The working, on demand.
        let working_css = format!("{STORED_ANSWER} details.working");
        assert_eq!(b.eval(&format!("return document.querySelector(\"{working_css}\").open;")).await, false);
        b.click(&format!("{working_css} > summary")).await;
        b.click(&format!("{working_css} .tool[data-tool='compare_periods'] .arguments > summary")).await;
        let working = b.text(&working_css).await;
        for expected in ["compare_periods", "Google Ads", "synced", "Every figure in the answer is supported", "tokens"]
        {
            assert!(working.contains(expected), "the working lacks {expected:?}: {working}");
        }
        assert!(working.contains("\"platform\": \"googleAds\""), "the tool's arguments: {working}");
        b.screenshot("working").await;

        let meta = b.text("#chat-meta").await;
        let tokens = stored["conversation"]["metadata"]["totalTokensUsed"].as_u64().unwrap();
        assert!(meta.contains("2 messages") && meta.contains("cost so far $0.00"), "{meta}");
        assert!(meta.contains(&format!("{} tokens", group_thousands(tokens))), "{meta}");

        // Thumbs up, stored.
        b.click(&format!("{STORED_ANSWER} button[data-rating='positive']")).await;
        b.find(".feedback[data-saved='positive']").await;
        let rated = app.get_json(&format!("/v1/conversations/{conversation_id}")).await;
        assert_eq!(rated["messages"][1]["metadata"]["feedbackRating"], "positive");

        // A reload shows it all again, from the server.
        b.client.refresh().await.unwrap();
        b.find(&format!("{STORED_ANSWER} button[data-rating='positive'][aria-pressed='true']")).await;
        b.find_with_text(".conversation-item[aria-current='true']", "How did Google Ads spend").await;

        // Archived, and said so.
        b.click("#archive-conversation").await;
        b.find(".conversation-item[aria-current='true'] .badge--archived").await;
        let archived = app.get_json(&format!("/v1/conversations/{conversation_id}")).await;
        assert_eq!(archived["conversation"]["status"], "archived");
        b.screenshot("archived").await;
    })
    .await;
}

/// `6048` as `6,048`.
fn group_thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Opens the console on `conversation_id` of `client_id`, signed in with `token`.
async fn open_conversation(b: &crate::support::Browser, token: &str, client_id: &str, conversation_id: &str) {
    b.sign_in(token).await;
    b.goto(&format!("/?client={client_id}&conversation={conversation_id}")).await;
    b.find("#chat:not([hidden])").await;
}

#[tokio::test]
async fn a_rate_limited_question_shows_the_problem_and_stays_in_the_box() {
    let app = spawn_console(|config| config.rate_limit_per_day = 1, |ports| ports).await;
    let client_id = client_with_google_ads(&app, "Acme Corp").await;
    let conversation_id = conversation_of(&app, &client_id).await;
    app.ask(&conversation_id, "How much did we spend last week?").await;

    with_browser(&app, "rate-limit", async |b| {
        open_conversation(b, &app.token, &client_id, &conversation_id).await;
        b.find(STORED_ANSWER).await;
        b.type_into("#composer-input", QUESTION).await;
        b.click("#send").await;

        let error = b.find_with_text("#chat-error", "too many messages").await.text().await.unwrap();
        assert!(error.contains("your message was not stored"), "{error}");
        b.wait_until(&format!("{COMPOSER_VALUE} === {}", Value::String(QUESTION.into()))).await;
        assert_eq!(b.eval(&format!("return {};", count_of(".message"))).await, 2, "nothing was added");
        b.screenshot("refused").await;
    })
    .await;
    let stored = app.get_json(&format!("/v1/conversations/{conversation_id}")).await;
    assert_eq!(stored["messages"].as_array().unwrap().len(), 2, "the refused question was not stored");
}

#[tokio::test]
async fn an_answer_that_fails_midway_shows_the_problem_and_keeps_the_question() {
    let app = spawn_console(|_| {}, |ports| api::Ports { model: std::sync::Arc::new(FailingAnalyst), ..ports }).await;
    let client_id = client_with_google_ads(&app, "Acme Corp").await;
    let conversation_id = conversation_of(&app, &client_id).await;

    with_browser(&app, "model-failed", async |b| {
        open_conversation(b, &app.token, &client_id, &conversation_id).await;
        b.type_into("#composer-input", QUESTION).await;
        b.click("#send").await;

        let error = b.find_with_text("#chat-error", "the analyst could not answer").await.text().await.unwrap();
        assert!(error.contains("send it again"), "{error}");
        b.wait_until(&format!("{COMPOSER_VALUE} === {}", Value::String(QUESTION.into()))).await;
        // The partial text is gone; the question, stored without an answer, is shown as stored.
        b.find(".message[data-role='user'][data-state='stored']").await;
        assert_eq!(b.eval(&format!("return {};", count_of(".message[data-role='assistant']"))).await, 0);
        let page = b.text("#messages").await;
        assert!(!page.contains("Half an answer"), "{page}");
    })
    .await;
}

#[tokio::test]
async fn stopping_an_answer_keeps_the_question() {
    let mut gates = None;
    let app = spawn_console(
        |_| {},
        |ports| {
            let (ports, tools_seen, first_words_seen) = GatedAnalyst::around(ports);
            gates = Some((tools_seen, first_words_seen));
            ports
        },
    )
    .await;
    let (tools_seen, first_words_seen) = gates.expect("the server was built with the gated analyst");
    let client_id = client_with_google_ads(&app, "Acme Corp").await;
    let conversation_id = conversation_of(&app, &client_id).await;

    with_browser(&app, "stopped", async |b| {
        open_conversation(b, &app.token, &client_id, &conversation_id).await;
        b.type_into("#composer-input", QUESTION).await;
        b.click("#send").await;
        b.find(".message[data-state='looking-up']").await;
        b.click("#stop").await;

        let error = b.find_with_text("#chat-error", "you stopped the answer").await.text().await.unwrap();
        assert!(error.contains("reload the conversation"), "{error}");
        b.wait_until(&format!("{COMPOSER_VALUE} === {}", Value::String(QUESTION.into()))).await;
        assert_eq!(b.eval("return document.getElementById('send').disabled;").await, false);
    })
    .await;
    // Let the server finish the answer it still writes.
    tools_seen.open();
    first_words_seen.open();
}
