//! Checks of the Mongo stores beyond the port contract, each a function of fresh, migrated stores
//! so that every server able to run it does: jongodb (`jongodb.rs`), CongoDB (`congo.rs`) and a
//! real MongoDB (`contract_mongodb.rs`). docs/testing.md says which runs where, and why.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use adapters_mongo::{IndexChange, MongoConfig, MongoStores};
use bson::oid::ObjectId;
use bson::{Bson, Document, doc};
use domain::conversation::Role;
use domain::paging::ClientQuery;
use domain::platform::Platform;
use domain::ports::{
    AuthorizationStore, ClientStore, ConversationStore, DailyStore, JobLock, NewMessage, StoreError, UserChatbotStore,
};
use domain::user::ChatActivity;
use futures::TryStreamExt;
use mongodb::IndexModel;
use mongodb::options::IndexOptions;
use secrecy::SecretString;
use store_contract::fixtures::{
    append_of, at, client, client_id, conversation, conversation_id, daily, day, full_client, message, pending, range,
    user,
};
use store_contract::in_parallel;

/// The indexes of `collection` as the server lists them, by name.
async fn listed(stores: &MongoStores, collection: &str) -> Vec<IndexModel> {
    let cursor = stores.database().collection::<Document>(collection).list_indexes().await.unwrap();
    cursor.try_collect().await.unwrap()
}

/// One expected index: collection, name, keys, unique, TTL in seconds, partial filter.
type Expected = (&'static str, &'static str, Document, bool, Option<u64>, Option<Document>);

/// Every index the service relies on, written out here rather than taken from the code under test.
fn expected() -> Vec<Expected> {
    vec![
        ("clients", "userId_1_status_1", doc! { "userId": 1, "status": 1 }, false, None, None),
        ("clients", "userId_1_name_1", doc! { "userId": 1, "name": 1 }, false, None, None),
        ("clients", "_id_1_userId_1", doc! { "_id": 1, "userId": 1 }, false, None, None),
        (
            "clients",
            "platforms.googleAnalytics.nextSyncAt_1",
            doc! { "platforms.googleAnalytics.nextSyncAt": 1 },
            false,
            None,
            Some(doc! { "platforms.googleAnalytics.connected": true }),
        ),
        (
            "clients",
            "platforms.googleAds.nextSyncAt_1",
            doc! { "platforms.googleAds.nextSyncAt": 1 },
            false,
            None,
            Some(doc! { "platforms.googleAds.connected": true }),
        ),
        (
            "clients",
            "platforms.metaAds.nextSyncAt_1",
            doc! { "platforms.metaAds.nextSyncAt": 1 },
            false,
            None,
            Some(doc! { "platforms.metaAds.connected": true }),
        ),
        (
            "clients",
            "platforms.linkedinAds.nextSyncAt_1",
            doc! { "platforms.linkedinAds.nextSyncAt": 1 },
            false,
            None,
            Some(doc! { "platforms.linkedinAds.connected": true }),
        ),
        ("clients", "userId_1_nameKey_1", doc! { "userId": 1, "nameKey": 1 }, false, None, None),
        (
            "conversations",
            "userId_1_clientId_1_status_1",
            doc! { "userId": 1, "clientId": 1, "status": 1 },
            false,
            None,
            None,
        ),
        (
            "conversations",
            "clientId_1_lastMessageAt_-1",
            doc! { "clientId": 1, "lastMessageAt": -1 },
            false,
            None,
            None,
        ),
        ("conversations", "userId_1_status_1", doc! { "userId": 1, "status": 1 }, false, None, None),
        ("conversations", "userId_1_lastMessageAt_-1", doc! { "userId": 1, "lastMessageAt": -1 }, false, None, None),
        ("conversations", "conversationId_1", doc! { "conversationId": 1 }, true, None, None),
        (
            "conversations",
            "deletedAt_1",
            doc! { "deletedAt": 1 },
            false,
            Some(7_776_000),
            Some(doc! { "status": "deleted" }),
        ),
        ("demo_data", "platform_1", doc! { "platform": 1 }, true, None, None),
        (
            "platform_snapshots",
            "userId_1_clientId_1_platform_1_dateRange.start_-1_dateRange.end_-1",
            doc! { "userId": 1, "clientId": 1, "platform": 1, "dateRange.start": -1, "dateRange.end": -1 },
            true,
            None,
            None,
        ),
        (
            "platform_daily",
            "userId_1_clientId_1_platform_1_date_1",
            doc! { "userId": 1, "clientId": 1, "platform": 1, "date": 1 },
            true,
            None,
            None,
        ),
        (
            "rate_limits",
            "userId_1_kind_1_windowStart_1",
            doc! { "userId": 1, "kind": 1, "windowStart": 1 },
            true,
            None,
            None,
        ),
        ("rate_limits", "expiresAt_1", doc! { "expiresAt": 1 }, false, Some(0), None),
        ("job_locks", "name_1", doc! { "name": 1 }, true, None, None),
        ("oauth_states", "state_1", doc! { "state": 1 }, true, None, None),
        ("oauth_states", "expiresAt_1", doc! { "expiresAt": 1 }, false, Some(0), None),
    ]
}

/// The server answers a ping (what `/ready` asks).
pub async fn the_server_answers_a_ping(stores: &MongoStores) {
    stores.ping().await.unwrap();
}

/// Every index exists with exactly the keys and options the service relies on, and no other.
pub async fn migrate_creates_every_index_with_its_exact_options(stores: &MongoStores) {
    let expected = expected();
    let collections: BTreeSet<&str> = expected.iter().map(|e| e.0).collect();
    for collection in collections {
        let mut found: Vec<Expected> = Vec::new();
        for index in listed(stores, collection).await {
            let options = index.options.unwrap_or_default();
            let name = options.name.unwrap_or_default();
            if name == "_id_" {
                continue;
            }
            let name: &'static str = expected.iter().find(|e| e.1 == name).map_or("unexpected", |e| e.1);
            found.push((
                collection,
                name,
                index.keys,
                options.unique.unwrap_or(false),
                options.expire_after.map(|d| d.as_secs()),
                options.partial_filter_expression,
            ));
        }
        let wanted: Vec<Expected> = expected.iter().filter(|e| e.0 == collection).cloned().collect();
        assert_eq!(found, wanted, "indexes of {collection}");
    }
}

/// A second migration finds every index as it must be.
pub async fn migrating_again_changes_nothing(stores: &MongoStores) {
    let again = stores.migrate().await.unwrap();
    assert!(again.is_unchanged(), "{:?}", again.changes);
    assert_eq!(again.unchanged, expected().len());
}

/// On a database that has never been migrated (the server at `uri`), the migration creates every
/// index and reports each.
pub async fn the_first_migration_reports_each_index_it_created(uri: &str) {
    let config = MongoConfig::new(SecretString::from(uri.to_owned()), format!("test_{}", ObjectId::new().to_hex()));
    let stores = MongoStores::connect(&config).await.unwrap();
    let report = stores.migrate().await.unwrap();
    let created: Vec<String> = report
        .changes
        .iter()
        .map(|c| match c {
            IndexChange::Created { index } => index.clone(),
            other => panic!("a fresh database only gets new indexes, got {other}"),
        })
        .collect();
    let wanted: Vec<String> = expected().iter().map(|e| format!("{}.{}", e.0, e.1)).collect();
    assert_eq!(created, wanted);
}

/// The server's duplicate key error (11000) on an insert is `AlreadyExists`, and the first stays.
pub async fn a_duplicate_key_from_the_server_is_already_exists(stores: &MongoStores) {
    let acme = client(user(1), 1, "Acme");
    stores.clients.insert(&acme).await.unwrap();
    let err = stores.clients.insert(&client(user(2), 1, "Same id")).await.unwrap_err();
    assert!(matches!(err, StoreError::AlreadyExists), "{err:?}");
    assert_eq!(stores.clients.get(user(1), client_id(1)).await.unwrap(), Some(acme));
}

/// The unique index on `conversationId` refuses a second document, whoever writes it.
pub async fn the_unique_conversation_id_index_refuses_a_second_document(stores: &MongoStores) {
    stores.conversations.insert(&conversation(user(1), 1, client_id(1), at(0))).await.unwrap();
    let copy = doc! { "conversationId": store_contract::fixtures::conversation_id(1).to_string(), "userId": 1 };
    let err = stores.database().collection::<Document>("conversations").insert_one(copy).await.unwrap_err();
    assert!(err.to_string().contains("11000") || format!("{err:?}").contains("11000"), "{err:?}");
}

/// Twenty inserts of one conversation at once: one stores it, the others are `AlreadyExists`.
pub async fn concurrent_inserts_of_one_conversation_store_it_once(stores: &MongoStores) {
    let attempts = (0..20)
        .map(|_| {
            let conversations = Arc::clone(&stores.conversations);
            async move { conversations.insert(&conversation(user(1), 1, client_id(1), at(0))).await }
        })
        .collect();
    let results = in_parallel(attempts).await;
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1, "{results:?}");
    assert!(results.iter().all(|r| matches!(r, Ok(()) | Err(StoreError::AlreadyExists))), "{results:?}");
    let documents = stores.database().collection::<Document>("conversations").count_documents(doc! {}).await.unwrap();
    assert_eq!(documents, 1);
}

/// Twenty replicas creating one lease at once: the lease's `_id` lets exactly one have it.
pub async fn concurrent_acquires_of_a_new_lease_grant_it_once(stores: &MongoStores) {
    let lease = Duration::from_secs(60);
    let attempts = (0..20)
        .map(|n| {
            let lock = Arc::clone(&stores.job_lock);
            async move { lock.try_acquire("retention", &format!("replica-{n}"), at(0), lease).await.unwrap() }
        })
        .collect();
    let granted = in_parallel(attempts).await;
    assert_eq!(granted.iter().filter(|g| **g).count(), 1, "{granted:?}");
}

/// An index model named `name` on `keys`, a TTL index when `expire_after` is given.
fn index(keys: Document, name: &str, expire_after: Option<Duration>) -> IndexModel {
    let options = IndexOptions::builder().name(name.to_owned()).expire_after(expire_after).build();
    IndexModel::builder().keys(keys).options(options).build()
}

/// Whether `value` is a number, of whichever BSON type the server keeps it as.
fn is_number(value: Option<&Bson>) -> bool {
    matches!(value, Some(Bson::Int32(_) | Bson::Int64(_) | Bson::Double(_)))
}

/// As stored on the server, ids are ObjectIds, dates are BSON dates, tokens are the sealed text; a
/// client keeps its time zone's name, a conversation its stored bytes and its cost as a Double, an
/// answer its working, a user's chatbot record its tokens and cost.
pub async fn documents_on_the_server_have_the_schemas_field_types(stores: &MongoStores) {
    let owner = user(1);
    stores.clients.insert(&full_client(owner, 1, "Acme Corp")).await.unwrap();
    stores.conversations.insert(&conversation(owner, 1, client_id(1), at(0))).await.unwrap();
    let answer = NewMessage { tokens_used: 1_530, cost_usd: 0.25, ..append_of(message(1, Role::Assistant, 1)) };
    stores.conversations.append(owner, conversation_id(1), &answer).await.unwrap();
    let activity = ChatActivity { messages: 1, tokens_used: 1_530, cost_usd: 0.25, ..ChatActivity::default() };
    stores.users.record_activity(owner, activity).await.unwrap();

    let database = stores.database();
    let client = database.collection::<Document>("clients").find_one(doc! {}).await.unwrap().unwrap();
    assert!(matches!(client.get("_id"), Some(Bson::ObjectId(_))));
    assert!(matches!(client.get("userId"), Some(Bson::ObjectId(_))));
    assert!(matches!(client.get("createdAt"), Some(Bson::DateTime(_))));
    let analytics = client.get_document("platforms").unwrap().get_document("googleAnalytics").unwrap();
    assert!(analytics.get_document("metrics").unwrap().contains_key("bounceRate"));
    assert!(analytics.get_str("accessToken").unwrap().starts_with("k2025:"), "only the sealed token is stored");
    assert_eq!(client.get_str("timeZone").unwrap(), "Europe/Berlin");
    assert_eq!(client.get_str("nameKey").unwrap(), "acme corp", "the search key beside the name");
    assert!(matches!(analytics.get("nextSyncAt"), Some(Bson::DateTime(_))), "{analytics}");
    assert_eq!(analytics.get_bool("backfilled"), Ok(true), "{analytics}");
    let google_ads = client.get_document("platforms").unwrap().get_document("googleAds").unwrap();
    assert_eq!(google_ads.get_str("customerId").unwrap(), "1234567890");
    assert!(google_ads.get_str("statusReason").unwrap().contains("not enabled"), "{google_ads}");
    let lease = google_ads.get_document("syncLease").unwrap();
    assert_eq!(lease.get_str("holder").unwrap(), "replica-7f3a");
    assert!(matches!(lease.get("until"), Some(Bson::DateTime(_))), "{lease}");
    let linkedin = client.get_document("platforms").unwrap().get_document("linkedinAds").unwrap();
    assert_eq!(linkedin.get_str("accountId").unwrap(), "508123456");
    assert!(linkedin.get_str("refreshToken").unwrap().starts_with("k2025:"), "only the sealed token is stored");
    assert!(matches!(linkedin.get("refreshExpiresAt"), Some(Bson::DateTime(_))), "{linkedin}");
    assert!(!linkedin.contains_key("nextSyncAt"), "an unscheduled connection has no nextSyncAt: {linkedin}");
    let meta = client.get_document("platforms").unwrap().get_document("metaAds").unwrap();
    assert_eq!(meta.get_str("adAccountId").unwrap(), "act_1029384756");
    assert!(matches!(meta.get("expiresAt"), Some(Bson::DateTime(_))), "{meta}");
    assert_eq!(analytics.get_str("propertyId").unwrap(), "properties/987654321");

    let state = pending("state-1", owner, client_id(1), Platform::GoogleAds, 10);
    stores.authorizations.save(&state).await.unwrap();
    let stored_state = database.collection::<Document>("oauth_states").find_one(doc! {}).await.unwrap().unwrap();
    assert_eq!(stored_state.get_str("state").unwrap(), "state-1");
    assert!(matches!(stored_state.get("userId"), Some(Bson::ObjectId(_))));
    assert!(matches!(stored_state.get("clientId"), Some(Bson::ObjectId(_))));
    assert_eq!(stored_state.get_str("platform").unwrap(), "googleAds");
    assert!(stored_state.get_str("pkceVerifier").unwrap().starts_with("k2025:"), "only the sealed verifier");
    assert!(matches!(stored_state.get("expiresAt"), Some(Bson::DateTime(_))));

    let chat = database.collection::<Document>("conversations").find_one(doc! {}).await.unwrap().unwrap();
    assert!(matches!(chat.get("_id"), Some(Bson::ObjectId(_))));
    assert_eq!(chat.get_str("conversationId").unwrap(), conversation_id(1).to_string());
    assert!(matches!(chat.get("clientId"), Some(Bson::ObjectId(_))));
    assert!(matches!(chat.get("lastMessageAt"), Some(Bson::DateTime(_))));
    let first = chat.get_array("messages").unwrap()[0].as_document().unwrap().clone();
    assert_eq!(first.get_str("role").unwrap(), "assistant");
    assert!(matches!(first.get("timestamp"), Some(Bson::DateTime(_))));
    let metadata = first.get_document("metadata").unwrap();
    assert_eq!(metadata.get_str("model").unwrap(), "gpt-4o-mini-2024-07-18");
    assert!(is_number(chat.get("messageBytes")), "{chat}");
    let totals = chat.get_document("metadata").unwrap();
    assert!(is_number(totals.get("totalTokensUsed")), "{totals}");
    assert_eq!(totals.get("totalCostUsd"), Some(&Bson::Double(0.25)), "{totals}");
    let working = metadata.get_document("working").unwrap();
    let tool = working.get_array("tools").unwrap()[0].as_document().unwrap();
    assert_eq!(tool.get_document("arguments").unwrap().get_str("platform").unwrap(), "googleAds");
    // Written as a double; a JavaScript server (CongoDB) keeps an integral one as an Int32.
    assert!(is_number(tool.get_document("arguments").unwrap().get("limit")));
    let first_range = tool.get_array("ranges").unwrap()[0].as_document().unwrap();
    assert!(matches!(first_range.get("start"), Some(Bson::DateTime(_))));
    let source = working.get_array("sources").unwrap()[0].as_document().unwrap();
    assert!(matches!(source.get("lastSync"), Some(Bson::DateTime(_))));
    assert!(working.get_document("grounding").unwrap().get_bool("grounded").is_ok());
    assert!(is_number(working.get_document("usage").unwrap().get("input")));

    let me = database.collection::<Document>("users").find_one(doc! {}).await.unwrap().unwrap();
    assert!(matches!(me.get("_id"), Some(Bson::ObjectId(_))));
    let chatbot = me.get_document("chatbot").unwrap();
    for count in ["totalConversations", "totalMessages", "totalTokensUsed"] {
        assert!(is_number(chatbot.get(count)), "{count} in {chatbot}");
    }
    assert_eq!(chatbot.get("totalCostUsd"), Some(&Bson::Double(0.25)), "{chatbot}");
}

/// As stored on the server, a day's document has ObjectId keys, its day as a BSON date at 00:00
/// UTC, and its figures in the shape `crate::daily` documents: `currency` and `campaigns` for an
/// ad platform, `site` for Google Analytics 4.
pub async fn daily_documents_on_the_server_have_their_field_types(stores: &MongoStores) {
    let owner = user(1);
    let records = [
        daily(client_id(1), Platform::GoogleAds, day("2098-11-03")),
        daily(client_id(1), Platform::GoogleAnalytics, day("2098-11-03")),
    ];
    stores.daily.save(owner, &records).await.unwrap();

    let collection = stores.database().collection::<Document>("platform_daily");
    let ads = collection.find_one(doc! { "platform": "googleAds" }).await.unwrap().unwrap();
    assert!(matches!(ads.get("userId"), Some(Bson::ObjectId(_))));
    assert!(matches!(ads.get("clientId"), Some(Bson::ObjectId(_))));
    let Some(Bson::DateTime(date)) = ads.get("date") else { panic!("date is a BSON date: {ads}") };
    assert_eq!(date.timestamp_millis(), 4_065_811_200_000, "2098-11-03T00:00:00Z");
    assert_eq!(ads.get_str("currency").unwrap(), "USD");
    assert!(!ads.contains_key("site"));
    let campaign = ads.get_array("campaigns").unwrap()[0].as_document().unwrap();
    assert_eq!(campaign.get_str("campaignId").unwrap(), "120210000000001");
    assert_eq!(campaign.get_str("status").unwrap(), "active");
    assert!(matches!(campaign.get("spend"), Some(Bson::Double(_))));
    for count in ["impressions", "clicks", "leads"] {
        assert!(is_number(campaign.get(count)), "{count} in {campaign}");
    }
    let paused = ads.get_array("campaigns").unwrap()[1].as_document().unwrap();
    assert!(!paused.contains_key("conversions") && !paused.contains_key("leads"), "absent figures are left out");

    let site_day = collection.find_one(doc! { "platform": "googleAnalytics" }).await.unwrap().unwrap();
    assert!(!site_day.contains_key("currency") && !site_day.contains_key("campaigns"));
    let site = site_day.get_document("site").unwrap();
    for count in ["sessions", "users", "newUsers", "pageviews", "engagedSessions", "bounces"] {
        assert!(is_number(site.get(count)), "{count} in {site}");
    }
    let source = site.get_array("topSources").unwrap()[0].as_document().unwrap();
    assert_eq!(source.get_str("name").unwrap(), "google / organic");
    assert!(is_number(source.get("count")));
    assert_eq!(collection.count_documents(doc! {}).await.unwrap(), 2);
}

/// Twenty first saves of one day at once store one document: on a real MongoDB, the losers of the
/// insert race get a duplicate key from the unique index and replace the winner's document.
pub async fn concurrent_first_saves_of_one_day_store_one_document(stores: &MongoStores) {
    let record = daily(client_id(1), Platform::MetaAds, day("2098-11-03"));
    let saves = (0..20)
        .map(|_| {
            let store = Arc::clone(&stores.daily);
            let record = record.clone();
            async move { store.save(user(1), &[record]).await }
        })
        .collect();
    let results = in_parallel(saves).await;
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    let documents = stores.database().collection::<Document>("platform_daily").count_documents(doc! {}).await.unwrap();
    assert_eq!(documents, 1);
    let november = range("2098-11-01", "2098-11-30");
    assert_eq!(stores.daily.range(user(1), client_id(1), Platform::MetaAds, november).await.unwrap(), vec![record]);
}

/// Indexes whose options differ are replaced, and the schema's TTL on `createdAt` is dropped.
pub async fn migrate_replaces_indexes_whose_options_differ_and_drops_the_createdat_ttl(stores: &MongoStores) {
    let database = stores.database();
    let conversations = database.collection::<Document>("conversations");
    let rate_limits = database.collection::<Document>("rate_limits");
    // As a database set up from the schema by hand, or by an older version, might have them.
    conversations.drop_index("conversationId_1").await.unwrap();
    conversations.create_index(index(doc! { "conversationId": 1 }, "conversationId_1", None)).await.unwrap();
    rate_limits.drop_index("expiresAt_1").await.unwrap();
    let hour = Duration::from_secs(3600);
    rate_limits.create_index(index(doc! { "expiresAt": 1 }, "expiresAt_1", Some(hour))).await.unwrap();
    let ninety_days = Duration::from_secs(7_776_000);
    conversations.create_index(index(doc! { "createdAt": 1 }, "createdAt_1", Some(ninety_days))).await.unwrap();

    let report = stores.migrate().await.unwrap();
    let changed: Vec<String> = report
        .changes
        .iter()
        .filter_map(|c| match c {
            IndexChange::Replaced { index, .. }
                if index != "conversations.deletedAt_1" && !index.contains("nextSyncAt") =>
            {
                Some(format!("replaced {index}"))
            }
            IndexChange::Dropped { index, .. } => Some(format!("dropped {index}")),
            // CongoDB forgets partialFilterExpression, so the TTL on deletedAt and the sync queue's
            // partial indexes always look changed.
            IndexChange::Replaced { .. } => None,
            IndexChange::Created { index } => Some(format!("created {index}")),
        })
        .collect();
    assert_eq!(
        changed,
        [
            "dropped conversations.createdAt_1",
            "replaced conversations.conversationId_1",
            "replaced rate_limits.expiresAt_1"
        ]
    );

    let listed = |collection: mongodb::Collection<Document>| async move {
        let indexes: Vec<IndexModel> = collection.list_indexes().await.unwrap().try_collect().await.unwrap();
        indexes
    };
    let on_conversations = listed(conversations).await;
    let by_name = |indexes: &[IndexModel], name: &str| {
        indexes.iter().find(|i| i.options.as_ref().and_then(|o| o.name.as_deref()) == Some(name)).cloned()
    };
    assert_eq!(by_name(&on_conversations, "conversationId_1").unwrap().options.unwrap().unique, Some(true));
    assert!(by_name(&on_conversations, "createdAt_1").is_none());
    let on_rate_limits = listed(rate_limits).await;
    assert_eq!(by_name(&on_rate_limits, "expiresAt_1").unwrap().options.unwrap().expire_after, Some(Duration::ZERO));
}

/// The names of `user(1)`'s clients that the name search for `prefix` finds.
async fn searched(stores: &MongoStores, prefix: &str) -> Vec<String> {
    let query = ClientQuery { name_prefix: Some(prefix.to_owned()), ..ClientQuery::default() };
    let page = stores.clients.list(user(1), &query).await.unwrap();
    page.items.into_iter().map(|c| c.name.as_str().to_owned()).collect()
}

/// Client documents written before `nameKey` existed are found by the name search once migrated:
/// the migration writes the key, lowercased beyond ASCII (`É…` found by `é`), on each document
/// lacking it and on no other, and a second migration writes none.
pub async fn migrate_backfills_the_name_key_of_older_client_documents(stores: &MongoStores) {
    let collection = stores.database().collection::<Document>("clients");
    stores.clients.insert(&client(user(1), 1, "Éclair Bakery")).await.unwrap();
    stores.clients.insert(&client(user(1), 2, "ACME Corp")).await.unwrap();
    stores.clients.insert(&client(user(1), 3, "Écho Current")).await.unwrap();
    // As an older version wrote them: no nameKey.
    for n in [1, 2] {
        let id = ObjectId::from_bytes(client_id(n).bytes());
        collection.update_one(doc! { "_id": id }, doc! { "$unset": { "nameKey": "" } }).await.unwrap();
    }
    assert_eq!(searched(stores, "é").await, ["Écho Current"], "a document without the key is not found yet");
    assert!(searched(stores, "acme").await.is_empty());

    let report = stores.migrate().await.unwrap();
    assert_eq!(report.name_keys_written, 2, "{report:?}");
    assert_eq!(searched(stores, "é").await, ["Écho Current", "Éclair Bakery"]);
    assert_eq!(searched(stores, "ÉCL").await, ["Éclair Bakery"]);
    assert_eq!(searched(stores, "acme c").await, ["ACME Corp"]);
    let keys: Vec<String> = collection
        .find(doc! {})
        .sort(doc! { "_id": 1 })
        .await
        .unwrap()
        .try_collect::<Vec<Document>>()
        .await
        .unwrap()
        .iter()
        .map(|d| d.get_str("nameKey").unwrap().to_owned())
        .collect();
    assert_eq!(keys, ["éclair bakery", "acme corp", "écho current"]);

    let again = stores.migrate().await.unwrap();
    assert_eq!(again.name_keys_written, 0);
    assert!(again.changes.iter().all(|c| !c.to_string().contains("nameKey")), "{:?}", again.changes);
}
