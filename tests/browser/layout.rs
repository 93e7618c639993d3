//! Readable at 375 px wide and on a desktop, and usable with the keyboard alone.

use crate::support::{client_with_google_ads, conversation_of, enter, spawn_console, with_browser};

/// Whether anything sticks out of the page sideways, as a JavaScript expression.
const NO_SIDEWAYS_SCROLL: &str = "document.documentElement.scrollWidth <= window.innerWidth";

#[tokio::test]
async fn on_a_375_pixel_phone_one_pane_shows_at_a_time_and_nothing_scrolls_sideways() {
    let app = spawn_console(|_| {}, |ports| ports).await;
    let client_id = client_with_google_ads(&app, "Acme Corporation International Holdings").await;
    let conversation_id = conversation_of(&app, &client_id).await;
    app.ask(&conversation_id, "Which campaign had the best CTR last month?").await;

    with_browser(&app, "phone", async |b| {
        b.set_viewport(375, 812).await;
        b.sign_in(&app.token).await;
        b.find_with_text(".client-item", "Acme Corporation").await;
        b.wait_until(NO_SIDEWAYS_SCROLL).await;
        let panes = b.eval("return ['clients-pane', 'client-pane', 'chat-pane'].map(id => getComputedStyle(document.getElementById(id)).display);").await;
        assert_eq!(panes[1], "none");
        assert_eq!(panes[2], "none");
        b.screenshot("clients").await;

        b.click(&format!(".client-item[data-client-id='{client_id}']")).await;
        b.wait_until("getComputedStyle(document.getElementById('clients-pane')).display === 'none'").await;
        b.find("#client-pane .back").await;
        b.wait_until(NO_SIDEWAYS_SCROLL).await;
        b.screenshot("client").await;

        b.click(&format!(".conversation-item[data-conversation-id='{conversation_id}']")).await;
        b.find(".message[data-role='assistant'][data-state='stored']").await;
        b.wait_until("getComputedStyle(document.getElementById('client-pane')).display === 'none'").await;
        b.click(".message[data-role='assistant'] details.working > summary").await;
        b.wait_until(NO_SIDEWAYS_SCROLL).await;
        b.screenshot("chat").await;

        // Back up to the conversations.
        b.click("#chat-pane .back").await;
        b.wait_until("getComputedStyle(document.getElementById('client-pane')).display !== 'none'").await;
    })
    .await;
}

#[tokio::test]
async fn a_client_can_be_picked_and_asked_with_the_keyboard_alone() {
    let app = spawn_console(|_| {}, |ports| ports).await;
    let client_id = client_with_google_ads(&app, "Acme Corp").await;

    with_browser(&app, "keyboard", async |b| {
        b.sign_in(&app.token).await;
        b.find_with_text(".client-item", "Acme Corp").await;
        // From the search box, Tab reaches the filter, then the first client; Enter picks it.
        b.click("#client-search").await;
        let tab = char::from(fantoccini::key::Key::Tab).to_string();
        let search = b.find("#client-search").await;
        search.send_keys(&tab).await.unwrap();
        assert_eq!(b.eval("return document.activeElement.id;").await, "client-status");
        b.client.active_element().await.unwrap().send_keys(&tab).await.unwrap();
        let focused = b.eval("return document.activeElement.dataset.clientId;").await;
        assert_eq!(focused, client_id.as_str());
        b.client.active_element().await.unwrap().send_keys(&enter()).await.unwrap();
        b.find_with_text("#client-name", "Acme Corp").await;

        // Tab on to "New conversation", Enter starts one and puts the focus in the question box.
        b.find("#new-conversation").await.send_keys(&enter()).await.unwrap();
        b.wait_until("document.activeElement.id === 'composer-input'").await;
        b.client.active_element().await.unwrap().send_keys("Spend this week?").await.unwrap();
        b.client.active_element().await.unwrap().send_keys(&enter()).await.unwrap();
        b.find(".message[data-role='assistant'][data-state='stored']").await;

        // Every control has a name a screen reader can say.
        let unnamed = b
            .eval(
                "return [...document.querySelectorAll('button, input, select, textarea')]
                   .filter(el => el.offsetParent !== null)
                   .filter(el => !(el.labels?.length || el.getAttribute('aria-label') || el.textContent.trim() || el.title))
                   .map(el => el.outerHTML.slice(0, 80));",
            )
            .await;
        assert_eq!(unnamed, serde_json::json!([]), "controls without a name");
        // A focused control shows it.
        let outline = b.eval("const el = document.getElementById('composer-input'); el.focus(); return getComputedStyle(el).outlineStyle;").await;
        assert_ne!(outline, "none");
    })
    .await;
}
