//! Seeding through the domain's services and the stores directly, so that realistic volumes load
//! in seconds: clients, conversations, messages and 13 months of daily figures.

use std::time::Duration;

use api::{Ports, Services};
use chrono::{DateTime, Days, Utc};
use domain::client::{ClientName, NewClient};
use domain::conversation::{Conversation, ConversationLimits, ConversationTitle, Message, MessageMetadata, Role};
use domain::dates::{ClientTimeZone, DateRange};
use domain::demo;
use domain::ids::{ClientId, ConversationId, UserId};
use domain::platform::{GoogleAdsCampaign, LinkedinAdsCampaign, MetaAdsCampaign, PlatformAccount, PlatformData};
use domain::ports::{AppendOutcome, MessageSlot, NewMessage, TokenGrant};
use domain::services::figures::SyncedFigures;
use secrecy::SecretString;

/// A fresh random user id.
pub fn random_user() -> UserId {
    let bytes = uuid::Uuid::new_v4().into_bytes();
    let mut id = [0u8; 12];
    id.copy_from_slice(&bytes[..12]);
    UserId::from_bytes(id)
}

/// Creates a client for `user`.
pub async fn client(services: &Services, user: UserId, name: &str) -> anyhow::Result<ClientId> {
    let new = NewClient {
        name: ClientName::new(name).map_err(|e| anyhow::anyhow!("{e:?}"))?,
        email: None,
        logo: None,
        time_zone: ClientTimeZone::UTC,
    };
    Ok(services.clients.create(user, new).await.map_err(|e| anyhow::anyhow!("{e:?}"))?.id)
}

/// Stores an empty conversation, its last message at `at`.
pub async fn conversation(
    ports: &Ports,
    user: UserId,
    client: ClientId,
    title: &str,
    at: DateTime<Utc>,
) -> anyhow::Result<ConversationId> {
    let conversation =
        Conversation::start(ports.ids.conversation_id(), user, client, ConversationTitle::new(title).ok(), at);
    ports.stores.conversations.insert(&conversation).await?;
    Ok(conversation.id)
}

const QUESTION: &str = "How did our Google Ads campaigns perform last month compared to the month before, and \
     which one should get more budget?";

const ANSWER: &str = "Over the last 30 days Google Ads spent $7,911.15 for 6,395 clicks and 297.5 conversions \
     (CPA $26.59), against $7,402.80 and 281 conversions the 30 days before: spend is up 6.9% and \
     conversions 5.9%, so the cost per conversion held steady. Brand Search converts best (CPA $13.03) \
     and is limited by budget on 11 of 30 days; Generic Search is the most expensive (CPA $51.06). \
     Moving $500 a month from Generic Search to Brand Search should buy about 30 more conversions \
     at the current rates. Performance Max is stable and needs no change.";

/// Appends `n` messages (questions and answers in turn) to a conversation.
pub async fn messages(ports: &Ports, user: UserId, id: ConversationId, n: usize) -> anyhow::Result<()> {
    let limits = ConversationLimits { message_cap: 1_000_000, ..ConversationLimits::default() };
    for i in 0..n {
        let question = i % 2 == 0;
        let message = Message {
            id: ports.ids.message_id(),
            role: if question { Role::User } else { Role::Assistant },
            content: if question { QUESTION } else { ANSWER }.to_owned(),
            timestamp: Utc::now(),
            metadata: if question {
                MessageMetadata::default()
            } else {
                MessageMetadata {
                    model: Some("offline-analyst".to_owned()),
                    tokens_used: Some(1_450),
                    cost_usd: Some(0.0),
                    ..MessageMetadata::default()
                }
            },
        };
        let new = NewMessage {
            message,
            slot: if question { MessageSlot::Question { limits } } else { MessageSlot::Answer },
            tokens_used: if question { 0 } else { 1_450 },
            cost_usd: 0.0,
            platforms: Vec::new(),
        };
        match ports.stores.conversations.append(user, id, &new).await? {
            AppendOutcome::Appended(_) => {}
            other => anyhow::bail!("seeding message {i}: {other:?}"),
        }
    }
    Ok(())
}

/// The demo sample with `campaigns` campaigns on each ad platform (GA4 as it is).
pub fn sample_with_campaigns(campaigns: usize) -> Vec<PlatformData> {
    demo::sample()
        .into_iter()
        .map(|data| match data {
            PlatformData::GoogleAds(list) => PlatformData::GoogleAds(
                (0..campaigns)
                    .map(|i| GoogleAdsCampaign {
                        name: format!("Search campaign {i:02}"),
                        ..list[i % list.len()].clone()
                    })
                    .collect(),
            ),
            PlatformData::MetaAds(list) => PlatformData::MetaAds(
                (0..campaigns)
                    .map(|i| MetaAdsCampaign { name: format!("Meta audience {i:02}"), ..list[i % list.len()].clone() })
                    .collect(),
            ),
            PlatformData::LinkedinAds(list) => PlatformData::LinkedinAds(
                (0..campaigns)
                    .map(|i| LinkedinAdsCampaign {
                        name: format!("LinkedIn ABM {i:02}"),
                        ..list[i % list.len()].clone()
                    })
                    .collect(),
            ),
            other @ PlatformData::GoogleAnalytics(_) => other,
        })
        .collect()
}

fn account(data: &PlatformData) -> PlatformAccount {
    match data {
        PlatformData::GoogleAnalytics(_) => {
            PlatformAccount::GoogleAnalytics { account_id: "100".into(), property_id: "200".into() }
        }
        PlatformData::GoogleAds(_) => PlatformAccount::GoogleAds { customer_id: "1234567890".into() },
        PlatformData::MetaAds(_) => PlatformAccount::MetaAds { ad_account_id: "act_1".into() },
        PlatformData::LinkedinAds(_) => PlatformAccount::LinkedinAds { account_id: "500".into() },
    }
}

/// A grant valid for an hour.
pub fn grant() -> TokenGrant {
    TokenGrant {
        access_token: SecretString::from("bench-access-token".to_owned()),
        refresh_token: Some(SecretString::from("bench-refresh-token".to_owned())),
        expires_in: Some(Duration::from_secs(3600)),
        refresh_expires_in: None,
    }
}

/// Connects every platform of `samples` to the client and records 13 months of daily figures
/// around each, as a sync does; the records stored.
pub async fn figures(
    services: &Services,
    user: UserId,
    client: ClientId,
    samples: &[PlatformData],
) -> anyhow::Result<usize> {
    let mut stored = 0;
    for sample in samples {
        services
            .platforms
            .connect(user, client, account(sample), &grant())
            .await
            .map_err(|e| anyhow::anyhow!("{e:?}"))?;
        let synced_at = Utc::now();
        let today = synced_at.date_naive();
        let history = DateRange::new(today - Days::new(demo::HISTORY_DAYS), today - Days::new(1))
            .map_err(|e| anyhow::anyhow!("history range: {e:?}"))?;
        let days = demo::daily_records(client, sample, today, history);
        stored += days.len();
        let figures = SyncedFigures { platform: sample.platform(), days, window_users: Vec::new(), synced_at };
        services.figures.record(user, client, figures).await.map_err(|e| anyhow::anyhow!("{e:?}"))?;
    }
    Ok(stored)
}
