//! Scenario 3 on `MongoDB` (the wire-protocol test server named by `CONGO_URI`): listing 50 of
//! 10,000 conversations and reading the last 50 messages of a long one through the API, vs the raw
//! `mongodb` driver running the same queries in this process.

use std::sync::Arc;
use std::time::Duration;

use bson::oid::ObjectId;
use bson::{Document, doc};
use chrono::{TimeDelta, Utc};
use futures::{StreamExt, TryStreamExt};
use serde_json::json;

use crate::embedded::InProcess;
use crate::load::{self, Load};
use crate::report::Row;
use crate::{Settings, bench_config, http_client, seed, step};

/// Runs scenario 3 on `MongoDB`.
#[allow(clippy::too_many_lines, clippy::many_single_char_names)]
pub async fn run(settings: &Settings) -> anyhow::Result<Vec<Row>> {
    let uri = std::env::var("CONGO_URI").map_err(|_| {
        anyhow::anyhow!("CONGO_URI is unset; run `scripts/test-servers.sh start` and source .test-servers/env")
    })?;
    let db = format!("bench_{}_{}", std::process::id(), Utc::now().timestamp());
    let mut config = bench_config();
    config.mongodb_uri = Some(secrecy::SecretString::from(uri.clone()));
    config.mongodb_db = db.clone();
    config.token_encryption_key = Some(secrecy::SecretString::from(
        adapters_crypto::generate_key_spec("k1").map_err(|e| anyhow::anyhow!("{e}"))?,
    ));
    let app = InProcess::start(config).await?;
    let user = seed::random_user();
    let token = app.token(user);
    let client = seed::client(&app.services, user, "Mongo Client").await?;
    let n = settings.mongo_conversations;
    step(&format!("3: seeding {n} conversations on MongoDB"));
    let now = Utc::now();
    let ports = app.ports.clone();
    let ids: Vec<_> = futures::stream::iter(0..n)
        .map(|i| {
            let ports = ports.clone();
            async move {
                let at = now - TimeDelta::seconds(i64::try_from(i).unwrap_or(0));
                seed::conversation(&ports, user, client, &format!("Mongo {i}"), at).await
            }
        })
        .buffer_unordered(32)
        .try_collect()
        .await?;
    let big = ids[0];
    step(&format!("3: seeding {} messages on MongoDB", settings.big_messages));
    seed::messages(&app.ports, user, big, settings.big_messages).await?;

    let driver = mongodb::Client::with_uri_str(&uri).await?;
    let collection = Arc::new(driver.database(&db).collection::<Document>("conversations"));
    let oid = ObjectId::from_bytes(user.bytes());
    let http = http_client();
    let d = settings.duration();

    step("3: list, API vs driver");
    let (h, t, base) = (http.clone(), token.clone(), app.base.clone());
    let api_list = move |_| load::http(h.get(format!("{base}/v1/conversations?limit=50")).bearer_auth(&t), 200);
    let c = collection.clone();
    let raw_list = move |_| -> load::Call {
        let c = c.clone();
        Box::pin(async move {
            let docs: Vec<Document> = c
                .find(doc! { "userId": oid, "status": { "$ne": "deleted" } })
                .projection(doc! { "messages": 0 })
                .sort(doc! { "lastMessageAt": -1, "conversationId": -1 })
                .limit(51)
                .await
                .map_err(|e| e.to_string())?
                .try_collect()
                .await
                .map_err(|e| e.to_string())?;
            if docs.len() == 51 { Ok(None) } else { Err(format!("{} documents", docs.len())) }
        })
    };
    let (api_list, raw_list, list_ratios) =
        load::alternate(load::p50_ratio, || timed(d, api_list.clone()), || timed(d, raw_list.clone())).await;

    step("3: get conversation, API vs driver");
    let (h, t, base) = (http.clone(), token.clone(), app.base.clone());
    let api_get = move |_| load::http(h.get(format!("{base}/v1/conversations/{big}?limit=50")).bearer_auth(&t), 200);
    let c = collection.clone();
    let id = big.to_string();
    let raw_get = move |_| -> load::Call {
        let (c, id) = (c.clone(), id.clone());
        Box::pin(async move {
            let visible = doc! { "conversationId": &id, "userId": oid, "status": { "$ne": "deleted" } };
            let header = c
                .find_one(doc! { "conversationId": &id, "userId": oid })
                .projection(doc! { "messages": 0 })
                .await
                .map_err(|e| e.to_string())?;
            if header.is_none() {
                return Err("no conversation".to_owned());
            }
            let pipeline = vec![
                doc! { "$match": visible },
                doc! { "$project": { "_id": 0, "messages": 1, "end": { "$size": "$messages" } } },
                doc! { "$project": { "messages": 1, "end": 1, "start": { "$max": [0, { "$subtract": ["$end", 50_i64] }] } } },
                doc! { "$project": {
                    "end": 1, "start": 1,
                    "page": { "$cond": [
                        { "$gt": ["$end", "$start"] },
                        { "$slice": ["$messages", "$start", { "$subtract": ["$end", "$start"] }] },
                        [],
                    ] },
                } },
            ];
            let mut cursor = c.aggregate(pipeline).await.map_err(|e| e.to_string())?;
            let page = cursor.try_next().await.map_err(|e| e.to_string())?;
            if page.is_some() { Ok(None) } else { Err("no page".to_owned()) }
        })
    };
    let (api_get, raw_get, get_ratios) =
        load::alternate(load::p50_ratio, || timed(d, api_get.clone()), || timed(d, raw_get.clone())).await;
    let _ = driver.database(&db).drop().await;

    let row = |name: &str, what: &str, api: &Load, raw: &Load, ratios: &[f64]| {
        Row::new(
            name,
            what,
            api.ms(0.5),
            raw.ms(0.5),
            "raw mongodb driver, same query, same process",
            "≤ 1.3×",
            api.ms(0.5) <= 1.3 * raw.ms(0.5) && api.errors == 0,
            json!({
                "api": api.json(), "driver": raw.json(), "roundRatios": ratios,
                "conversations": n, "messages": settings.big_messages,
            }),
        )
    };
    Ok(vec![
        row(
            "3a mongo list",
            &format!("p50 ms, list 50 of {n} conversations, one at a time"),
            &api_list,
            &raw_list,
            &list_ratios,
        ),
        row(
            "3c mongo get",
            &format!("p50 ms, last 50 of {} messages, one at a time", settings.big_messages),
            &api_get,
            &raw_get,
            &get_ratios,
        ),
    ])
}

/// One request at a time for `d`, after a short warm-up.
async fn timed(d: Duration, make: impl Fn(u64) -> load::Call + Send + Sync + 'static) -> Load {
    load::run(1, Duration::from_millis(300), d, None, make).await
}
