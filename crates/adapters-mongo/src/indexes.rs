//! The indexes of every collection and the idempotent migration that creates them, replacing an
//! index whose options differ and dropping the schema's TTL on `createdAt` (decision 3).

use std::fmt;
use std::time::Duration;

use bson::{Bson, Document, doc};
use domain::platform::Platform;
use domain::ports::StoreError;
use futures::TryStreamExt;
use mongodb::options::IndexOptions;
use mongodb::{Database, IndexModel};

use crate::error::store_error;
use crate::{authorizations, clients, connections, conversations, daily, demo, job_lock, rate_limits, snapshots};

/// The server's code for "the collection does not exist" (it has no indexes yet).
const NAMESPACE_NOT_FOUND: i32 = 26;

/// One index this service needs: its collection, keys and options.
#[derive(Debug, Clone, PartialEq)]
pub struct IndexSpec {
    /// The collection.
    pub collection: &'static str,
    /// The keys and their directions, in order.
    pub keys: Document,
    /// Whether the keys are unique.
    pub unique: bool,
    /// For a TTL index, how long after the key's date a document is removed.
    pub expire_after: Option<Duration>,
    /// For a partial index, which documents it covers.
    pub partial_filter: Option<Document>,
}

impl IndexSpec {
    fn new(collection: &'static str, keys: Document) -> Self {
        Self { collection, keys, unique: false, expire_after: None, partial_filter: None }
    }

    fn unique(self) -> Self {
        Self { unique: true, ..self }
    }

    fn ttl(self, after: Duration) -> Self {
        Self { expire_after: Some(after), ..self }
    }

    fn partial(self, filter: Document) -> Self {
        Self { partial_filter: Some(filter), ..self }
    }

    /// The index's name: MongoDB's default (`userId_1_status_1`), so that an index created by hand
    /// from the customer's schema is recognised as the same index.
    pub fn name(&self) -> String {
        self.keys
            .iter()
            .map(|(field, direction)| format!("{field}_{}", key_direction(direction)))
            .collect::<Vec<_>>()
            .join("_")
    }

    /// The index as the driver creates it.
    pub(crate) fn model(&self) -> IndexModel {
        let options = IndexOptions::builder()
            .name(self.name())
            .unique(self.unique.then_some(true))
            .expire_after(self.expire_after)
            .partial_filter_expression(self.partial_filter.clone())
            .build();
        IndexModel::builder().keys(self.keys.clone()).options(options).build()
    }

    /// What an existing index lacks to be this one, or `None` when it is this one.
    pub(crate) fn difference(&self, existing: &IndexModel) -> Option<String> {
        let options = existing.options.clone().unwrap_or_default();
        let name = options.name.unwrap_or_default();
        if name != self.name() {
            return Some(format!("is named {name}"));
        }
        if normalized_keys(&existing.keys) != normalized_keys(&self.keys) {
            return Some(format!("has keys {}", existing.keys));
        }
        if options.unique.unwrap_or(false) != self.unique {
            return Some(format!("has unique: {}", options.unique.unwrap_or(false)));
        }
        if options.expire_after != self.expire_after {
            return Some(format!("has expireAfterSeconds: {:?}", options.expire_after.map(|d| d.as_secs())));
        }
        if options.partial_filter_expression != self.partial_filter {
            return Some(format!("has partialFilterExpression: {:?}", options.partial_filter_expression));
        }
        None
    }
}

impl fmt::Display for IndexSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{} {}", self.collection, self.name(), self.keys)?;
        if self.unique {
            f.write_str(" unique")?;
        }
        if let Some(after) = self.expire_after {
            write!(f, " expireAfterSeconds: {}", after.as_secs())?;
        }
        if let Some(filter) = &self.partial_filter {
            write!(f, " partialFilterExpression: {filter}")?;
        }
        Ok(())
    }
}

/// A key's direction as MongoDB spells it in default names (`1`, `-1`, or a type like `text`).
fn key_direction(direction: &Bson) -> String {
    match direction {
        Bson::Int32(n) => n.to_string(),
        Bson::Int64(n) => n.to_string(),
        #[allow(clippy::cast_possible_truncation)] // index directions are small integers
        Bson::Double(n) => (*n as i64).to_string(),
        Bson::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Keys with their directions as text, so that `1`, `1_i64` and `1.0` compare equal.
fn normalized_keys(keys: &Document) -> Vec<(String, String)> {
    keys.iter().map(|(field, direction)| (field.clone(), key_direction(direction))).collect()
}

/// Every index of every collection: the schema's nine (with decision 3's TTL on `deletedAt` for
/// deleted conversations instead of the schema's TTL on `createdAt`), one per platform on the
/// connections' `nextSyncAt` for the sync queue, `{ userId, nameKey }` for the clients' name
/// search, and those of the collections added by decisions
/// 2, 4, 8 and 9. `deleted_retention` is how long a deleted conversation is kept.
///
/// The sync queue's indexes are partial, on `connected: true`: they hold only the connections that
/// can be due (a disconnected one has no schedule), and the queue's filter names that same
/// condition, so a real MongoDB can answer it from the index (a sparse index would hold every
/// scheduled connection, and the planner needs the filter to imply the partial one).
pub fn index_specs(deleted_retention: Duration) -> Vec<IndexSpec> {
    let sync_queue = Platform::ALL.into_iter().map(|platform| {
        IndexSpec::new(clients::COLLECTION, doc! { connections::path(platform, "nextSyncAt"): 1 })
            .partial(doc! { connections::path(platform, "connected"): true })
    });
    let mut specs = vec![
        IndexSpec::new(clients::COLLECTION, doc! { "userId": 1, "status": 1 }),
        IndexSpec::new(clients::COLLECTION, doc! { "userId": 1, "name": 1 }),
        IndexSpec::new(clients::COLLECTION, doc! { "_id": 1, "userId": 1 }),
        IndexSpec::new(conversations::COLLECTION, doc! { "userId": 1, "clientId": 1, "status": 1 }),
        IndexSpec::new(conversations::COLLECTION, doc! { "clientId": 1, "lastMessageAt": -1 }),
        IndexSpec::new(conversations::COLLECTION, doc! { "userId": 1, "status": 1 }),
        IndexSpec::new(conversations::COLLECTION, doc! { "userId": 1, "lastMessageAt": -1 }),
        IndexSpec::new(conversations::COLLECTION, doc! { "conversationId": 1 }).unique(),
        IndexSpec::new(conversations::COLLECTION, doc! { "deletedAt": 1 })
            .ttl(deleted_retention)
            .partial(doc! { "status": "deleted" }),
        IndexSpec::new(demo::COLLECTION, doc! { "platform": 1 }).unique(),
        IndexSpec::new(
            snapshots::COLLECTION,
            doc! { "userId": 1, "clientId": 1, "platform": 1, "dateRange.start": -1, "dateRange.end": -1 },
        )
        .unique(),
        IndexSpec::new(daily::COLLECTION, doc! { "userId": 1, "clientId": 1, "platform": 1, "date": 1 }).unique(),
        IndexSpec::new(rate_limits::COLLECTION, doc! { "userId": 1, "kind": 1, "windowStart": 1 }).unique(),
        IndexSpec::new(rate_limits::COLLECTION, doc! { "expiresAt": 1 }).ttl(Duration::ZERO),
        IndexSpec::new(job_lock::COLLECTION, doc! { "name": 1 }).unique(),
        IndexSpec::new(authorizations::COLLECTION, doc! { "state": 1 }).unique(),
        // A backstop only: `take` refuses an expired state itself (see `authorizations`).
        IndexSpec::new(authorizations::COLLECTION, doc! { "expiresAt": 1 }).ttl(Duration::ZERO),
    ];
    // The name search's range on the lowercased name (see `clients`); the schema's `{ userId,
    // name }` stays for the list's sort by name.
    let name_search = IndexSpec::new(clients::COLLECTION, doc! { "userId": 1, "nameKey": 1 });
    // After the schema's three indexes of `clients`, so that its nine stay in its order.
    specs.splice(3..3, sync_queue.chain([name_search]));
    specs
}

/// Whether an existing index is one this service must remove: the schema's TTL on the
/// conversations' `createdAt`, which would delete active conversations (decision 3).
fn is_obsolete(collection: &str, existing: &IndexModel) -> bool {
    collection == conversations::COLLECTION
        && normalized_keys(&existing.keys) == normalized_keys(&doc! { "createdAt": 1 })
        && existing.options.as_ref().is_some_and(|o| o.expire_after.is_some())
}

/// One change a migration made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IndexChange {
    /// The index did not exist and was created.
    Created {
        /// `collection.name`.
        index: String,
    },
    /// The index existed with other options; it was dropped and created again.
    Replaced {
        /// `collection.name`.
        index: String,
        /// What was different.
        was: String,
    },
    /// An index this service must not have was dropped.
    Dropped {
        /// `collection.name`.
        index: String,
        /// Why.
        reason: &'static str,
    },
}

impl fmt::Display for IndexChange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Created { index } => write!(f, "created {index}"),
            Self::Replaced { index, was } => write!(f, "replaced {index} (it {was})"),
            Self::Dropped { index, reason } => write!(f, "dropped {index} ({reason})"),
        }
    }
}

/// What a migration did; empty when every index was already as it must be and every client
/// document had its `nameKey`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MigrationReport {
    /// The changes, in the order they were made.
    pub changes: Vec<IndexChange>,
    /// How many indexes were already as they must be.
    pub unchanged: usize,
    /// How many client documents lacked the search key `nameKey` and got it.
    pub name_keys_written: u64,
}

impl MigrationReport {
    /// Whether the migration changed nothing.
    pub fn is_unchanged(&self) -> bool {
        self.changes.is_empty() && self.name_keys_written == 0
    }
}

/// The indexes a collection has now; none when it does not exist yet.
async fn existing_indexes(database: &Database, collection: &str) -> Result<Vec<IndexModel>, StoreError> {
    let listed = database.collection::<Document>(collection).list_indexes().await;
    let cursor = match listed {
        Ok(cursor) => cursor,
        Err(e) if matches!(&*e.kind, mongodb::error::ErrorKind::Command(c) if c.code == NAMESPACE_NOT_FOUND) => {
            return Ok(Vec::new());
        }
        Err(e) => return Err(store_error(e, format!("listing the indexes of {collection}"))),
    };
    cursor.try_collect().await.map_err(|e| store_error(e, format!("listing the indexes of {collection}")))
}

/// Creates every index of `specs` that is missing, replaces every one whose options differ, and
/// drops obsolete ones; logs each change.
pub(crate) async fn migrate(database: &Database, specs: &[IndexSpec]) -> Result<MigrationReport, StoreError> {
    let mut report = MigrationReport::default();
    let mut collections: Vec<&'static str> = Vec::new();
    for spec in specs {
        if !collections.contains(&spec.collection) {
            collections.push(spec.collection);
        }
    }
    for collection in collections {
        let handle = database.collection::<Document>(collection);
        let existing = existing_indexes(database, collection).await?;
        for obsolete in existing.iter().filter(|e| is_obsolete(collection, e)) {
            let name = obsolete.options.as_ref().and_then(|o| o.name.clone()).unwrap_or_default();
            handle
                .drop_index(&name)
                .await
                .map_err(|e| store_error(e, format!("dropping index {collection}.{name}")))?;
            let change = IndexChange::Dropped {
                index: format!("{collection}.{name}"),
                reason: "a TTL on createdAt would delete active conversations (decision 3)",
            };
            tracing::warn!(%change, "index migration");
            report.changes.push(change);
        }
        for spec in specs.iter().filter(|s| s.collection == collection) {
            let index = format!("{collection}.{}", spec.name());
            // The index of the same name, else one on the same keys under another name.
            let current = existing
                .iter()
                .find(|e| e.options.as_ref().and_then(|o| o.name.as_deref()) == Some(spec.name().as_str()))
                .or_else(|| existing.iter().find(|e| normalized_keys(&e.keys) == normalized_keys(&spec.keys)));
            let change = match current.map(|c| (c, spec.difference(c))) {
                Some((_, None)) => {
                    report.unchanged += 1;
                    continue;
                }
                Some((current, Some(was))) => {
                    let name = current.options.as_ref().and_then(|o| o.name.clone()).unwrap_or_default();
                    handle.drop_index(&name).await.map_err(|e| store_error(e, format!("dropping index {index}")))?;
                    IndexChange::Replaced { index, was }
                }
                None => IndexChange::Created { index },
            };
            handle.create_index(spec.model()).await.map_err(|e| store_error(e, format!("creating index {spec}")))?;
            tracing::info!(%change, "index migration");
            report.changes.push(change);
        }
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    const NINETY_DAYS: Duration = Duration::from_secs(90 * 24 * 60 * 60);

    fn existing(keys: Document, options: IndexOptions) -> IndexModel {
        IndexModel::builder().keys(keys).options(options).build()
    }

    fn ttl_spec() -> IndexSpec {
        index_specs(NINETY_DAYS).into_iter().find(|s| s.name() == "deletedAt_1").unwrap()
    }

    #[test]
    fn there_are_the_schemas_nine_indexes_with_decision_threes_ttl() {
        let specs = index_specs(NINETY_DAYS);
        let schema: Vec<String> = specs
            .iter()
            .filter(|s| s.collection == "clients" || s.collection == "conversations")
            .filter(|s| !s.name().contains("nextSyncAt") && !s.name().contains("nameKey"))
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            schema,
            [
                "clients.userId_1_status_1 { \"userId\": 1, \"status\": 1 }",
                "clients.userId_1_name_1 { \"userId\": 1, \"name\": 1 }",
                "clients._id_1_userId_1 { \"_id\": 1, \"userId\": 1 }",
                "conversations.userId_1_clientId_1_status_1 { \"userId\": 1, \"clientId\": 1, \"status\": 1 }",
                "conversations.clientId_1_lastMessageAt_-1 { \"clientId\": 1, \"lastMessageAt\": -1 }",
                "conversations.userId_1_status_1 { \"userId\": 1, \"status\": 1 }",
                "conversations.userId_1_lastMessageAt_-1 { \"userId\": 1, \"lastMessageAt\": -1 }",
                "conversations.conversationId_1 { \"conversationId\": 1 } unique",
                "conversations.deletedAt_1 { \"deletedAt\": 1 } expireAfterSeconds: 7776000 \
                 partialFilterExpression: { \"status\": \"deleted\" }",
            ]
        );
    }

    #[test]
    fn the_sync_queue_the_name_search_and_the_oauth_states_have_their_indexes() {
        let specs = index_specs(NINETY_DAYS);
        let added: Vec<String> = specs
            .iter()
            .filter(|s| {
                s.name().contains("nextSyncAt") || s.name().contains("nameKey") || s.collection == "oauth_states"
            })
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            added,
            [
                "clients.platforms.googleAnalytics.nextSyncAt_1 { \"platforms.googleAnalytics.nextSyncAt\": 1 } \
                 partialFilterExpression: { \"platforms.googleAnalytics.connected\": true }",
                "clients.platforms.googleAds.nextSyncAt_1 { \"platforms.googleAds.nextSyncAt\": 1 } \
                 partialFilterExpression: { \"platforms.googleAds.connected\": true }",
                "clients.platforms.metaAds.nextSyncAt_1 { \"platforms.metaAds.nextSyncAt\": 1 } \
                 partialFilterExpression: { \"platforms.metaAds.connected\": true }",
                "clients.platforms.linkedinAds.nextSyncAt_1 { \"platforms.linkedinAds.nextSyncAt\": 1 } \
                 partialFilterExpression: { \"platforms.linkedinAds.connected\": true }",
                "clients.userId_1_nameKey_1 { \"userId\": 1, \"nameKey\": 1 }",
                "oauth_states.state_1 { \"state\": 1 } unique",
                "oauth_states.expiresAt_1 { \"expiresAt\": 1 } expireAfterSeconds: 0",
            ]
        );
    }

    #[test]
    fn an_index_as_listed_by_the_server_is_the_same_index() {
        let listed = existing(
            doc! { "deletedAt": 1.0 },
            IndexOptions::builder()
                .name("deletedAt_1".to_owned())
                .expire_after(NINETY_DAYS)
                .partial_filter_expression(doc! { "status": "deleted" })
                .build(),
        );
        assert_eq!(ttl_spec().difference(&listed), None);
    }

    #[test]
    fn every_differing_option_is_a_difference() {
        let spec = ttl_spec();
        let named = |name: &str| IndexOptions::builder().name(name.to_owned());
        let cases = [
            (
                doc! { "deletedAt": 1 },
                named("deletedAt_1").expire_after(NINETY_DAYS).build(),
                "partialFilterExpression",
            ),
            (
                doc! { "deletedAt": 1 },
                named("deletedAt_1")
                    .expire_after(Duration::from_secs(60))
                    .partial_filter_expression(doc! { "status": "deleted" })
                    .build(),
                "expireAfterSeconds",
            ),
            (
                doc! { "deletedAt": -1 },
                named("deletedAt_1")
                    .expire_after(NINETY_DAYS)
                    .partial_filter_expression(doc! { "status": "deleted" })
                    .build(),
                "keys",
            ),
            (doc! { "deletedAt": 1 }, named("retention_ttl").build(), "named"),
            (
                doc! { "deletedAt": 1 },
                named("deletedAt_1")
                    .unique(true)
                    .expire_after(NINETY_DAYS)
                    .partial_filter_expression(doc! { "status": "deleted" })
                    .build(),
                "unique",
            ),
        ];
        for (keys, options, what) in cases {
            let difference = spec.difference(&existing(keys, options)).expect(what);
            assert!(difference.contains(what), "{difference} should mention {what}");
        }
    }

    #[test]
    fn only_a_ttl_on_the_conversations_created_at_is_obsolete() {
        let ttl = IndexOptions::builder().name("createdAt_1".to_owned()).expire_after(NINETY_DAYS).build();
        assert!(is_obsolete("conversations", &existing(doc! { "createdAt": 1 }, ttl.clone())));
        assert!(!is_obsolete("clients", &existing(doc! { "createdAt": 1 }, ttl)));
        let plain = IndexOptions::builder().name("createdAt_1".to_owned()).build();
        assert!(!is_obsolete("conversations", &existing(doc! { "createdAt": 1 }, plain)));
    }

    #[test]
    fn the_model_carries_every_option() {
        let model = ttl_spec().model();
        let options = model.options.unwrap();
        assert_eq!(model.keys, doc! { "deletedAt": 1 });
        assert_eq!(options.name.as_deref(), Some("deletedAt_1"));
        assert_eq!(options.expire_after, Some(NINETY_DAYS));
        assert_eq!(options.partial_filter_expression, Some(doc! { "status": "deleted" }));
        assert_eq!(options.unique, None);
    }
}
