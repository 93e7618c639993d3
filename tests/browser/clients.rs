//! Clients: the list with search and each platform's status, creating, renaming and archiving,
//! and connecting and disconnecting a platform.

use crate::support::{client_with_google_ads, count_of, spawn_console, with_browser};

#[tokio::test]
async fn clients_are_searched_created_renamed_and_archived_with_their_platforms_shown() {
    let app = spawn_console(|_| {}, |ports| ports).await;
    let acme = client_with_google_ads(&app, "Acme Corp").await;
    app.create_client("Globex").await;

    with_browser(&app, "clients", async |b| {
        b.sign_in(&app.token).await;
        // A fresh connection's access token expires within the hour but renews itself: "connected".
        let acme_item = b.find_with_text(".client-item", "Acme Corp").await;
        let chips = acme_item.text().await.unwrap();
        assert!(chips.contains("Google Ads"), "{chips}");
        b.find(&format!(".client-item[data-client-id='{acme}'] .chip--connected")).await;
        b.find_with_text(".client-item", "Globex").await.find(fantoccini::Locator::Css(".badge--demo")).await.unwrap();

        // Search is a name prefix.
        b.type_into("#client-search", "glo").await;
        b.wait_until(&format!(
            "{} === 1 && document.querySelector('.client-item').textContent.includes('Globex')",
            count_of(".client-item")
        ))
        .await;
        b.type_into("#client-search", "").await;
        b.wait_until(&format!("{} === 2", count_of(".client-item"))).await;

        // Created from a dialog, then selected.
        b.click("#new-client").await;
        b.find("#dialog[open]").await;
        b.type_into("#dialog-field-name", "Initech").await;
        b.type_into("#dialog-field-timeZone", "Europe/Paris").await;
        b.click("#dialog-submit").await;
        b.find_with_text("#client-name", "Initech").await;
        assert!(b.text("#client-meta").await.contains("Europe/Paris"));
        b.find("#client-demo:not([hidden])").await;

        // Renamed.
        b.click("#rename-client").await;
        b.type_into("#dialog-field-name", "Initech Ltd").await;
        b.click("#dialog-submit").await;
        b.find_with_text("#client-name", "Initech Ltd").await;
        b.find_with_text(".client-item", "Initech Ltd").await;

        // Meta is not configured on this server: the notice says which variables to set.
        b.click(".platform[data-platform='metaAds'] .connect").await;
        let notice = b.find_with_text("#platform-notice", "Meta Ads is not configured").await.text().await.unwrap();
        assert_eq!(notice, "Meta Ads is not configured on this server; set META_APP_ID, META_APP_SECRET");

        // Archived, after a confirmation: no new conversations then.
        b.click("#archive-client").await;
        b.find("#dialog[open]").await;
        b.click("#dialog-submit").await;
        b.find(".client-item[aria-current='true'] .badge--archived").await;
        assert_eq!(b.eval("return document.getElementById('new-conversation').disabled;").await, true);
        b.screenshot("archived-client").await;

        // Acme's Google Ads, disconnected: Acme is back on demo data.
        b.click(&format!(".client-item[data-client-id='{acme}']")).await;
        b.find(".platform[data-platform='googleAds'][data-state='connected']").await;
        b.screenshot("platforms").await;
        b.click(".platform[data-platform='googleAds'] .disconnect").await;
        b.find("#dialog[open]").await;
        b.click("#dialog-submit").await;
        b.find(".platform[data-platform='googleAds'][data-state='none']").await;
        b.find("#client-demo:not([hidden])").await;
        b.find(&format!(".client-item[data-client-id='{acme}'] .badge--demo")).await;
    })
    .await;

    let clients = app.get_json("/v1/clients?search=Initech").await;
    assert_eq!(clients["items"][0]["name"], "Initech Ltd");
    assert_eq!(clients["items"][0]["status"], "archived");
    assert_eq!(clients["items"][0]["timeZone"], "Europe/Paris");
    let platforms = app.get_json(&format!("/v1/clients/{acme}/platforms")).await;
    assert_eq!(platforms["platforms"][1]["connected"], false);
}

#[tokio::test]
async fn a_refused_client_name_keeps_the_dialog_open_with_the_reason() {
    let app = spawn_console(|_| {}, |ports| ports).await;
    with_browser(&app, "client-dialog", async |b| {
        b.sign_in(&app.token).await;
        b.click("#new-client").await;
        b.type_into("#dialog-field-name", "Hooli").await;
        b.type_into("#dialog-field-timeZone", "Mars/Olympus_Mons").await;
        b.click("#dialog-submit").await;
        let error = b.find_with_text("#dialog-error", "timeZone").await.text().await.unwrap();
        assert!(!error.is_empty());
        b.find("#dialog[open]").await;
        assert_eq!(b.eval("return document.activeElement.id;").await, "dialog-field-timeZone");
        // Escape cancels, as dialogs do.
        b.find("#dialog-field-timeZone")
            .await
            .send_keys(&char::from(fantoccini::key::Key::Escape).to_string())
            .await
            .unwrap();
        b.wait_until("!document.getElementById('dialog').open").await;
    })
    .await;
    let clients = app.get_json("/v1/clients").await;
    assert_eq!(clients["items"].as_array().unwrap().len(), 0);
}
