//! Ids, instants and fully populated records for the contract, also handy in an adapter's own tests.
//!
//! Every instant lies in 2099 and carries milliseconds: a real database's TTL indexes never expire a
//! test record in the middle of a test, and an adapter that drops milliseconds (or keeps more than
//! Mongo can) is caught.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Utc};
use domain::analyst::{AnswerWorking, Grounding, Series, SourceFreshness, TokenUsage, ToolTrace};
use domain::cipher::SealedToken;
use domain::client::{Client, ClientEmail, ClientName, ClientStatus, LogoUrl};
use domain::conversation::{
    Conversation, ConversationLimits, ConversationMetadata, ConversationStatus, ConversationTitle, Feedback, Message,
    MessageMetadata, Role,
};
use domain::daily::{AdDay, CampaignDay, CampaignStatus, Currency, DailyRecord, DayFigures, RankedCount, SiteDay};
use domain::dates::ClientTimeZone;
use domain::ids::{ClientId, ConversationId, MessageId, UserId};
use domain::metrics::Metric;
use domain::platform::{
    AnalyticsMetrics, AnalyticsReport, ConnectionStatus, DateRange, DeviceShare, GoogleAdsCampaign,
    LinkedinAdsCampaign, MetaAdsCampaign, PageViews, Platform, PlatformAccount, PlatformConnection, PlatformData,
    PlatformSnapshot, SealedCredentials, SourceSessions, SyncSchedule,
};
use domain::ports::{MessageSlot, NewMessage, PendingAuthorization, RateWindow};
use domain::tools::Granularity;
use domain::value::Value;
use uuid::Uuid;

/// 2099-01-01T00:00:00Z in milliseconds since the Unix epoch.
pub const ORIGIN_MS: i64 = 4_070_908_800_000;

/// The instant `minutes` after [`ORIGIN_MS`], plus 123 ms so that milliseconds must survive storage.
pub fn at(minutes: i64) -> DateTime<Utc> {
    millis(ORIGIN_MS + minutes * 60_000 + 123)
}

/// The instant `ms` milliseconds after the Unix epoch.
pub fn millis(ms: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(ms).single().unwrap_or(DateTime::<Utc>::MIN_UTC)
}

/// Twelve bytes ending in `n`, so that ids sort by `n`.
fn object_id_bytes(n: u8) -> [u8; 12] {
    let mut bytes = [0x65, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    bytes[11] = n;
    bytes
}

/// The user numbered `n`.
pub fn user(n: u8) -> UserId {
    UserId::from_bytes(object_id_bytes(n))
}

/// The client id numbered `n`; higher numbers sort after lower ones.
pub fn client_id(n: u8) -> ClientId {
    ClientId::from_bytes(object_id_bytes(n))
}

/// The conversation id numbered `n`; higher numbers sort after lower ones.
pub fn conversation_id(n: u8) -> ConversationId {
    ConversationId::from_uuid(Uuid::from_u128(0x3f2b_8c1e_6d4a_4b7e_9c1f_0000_0000_0000 + u128::from(n)))
}

/// The message id numbered `n`.
pub fn message_id(n: u32) -> MessageId {
    MessageId::from_uuid(Uuid::from_u128(0x7a10_0000_0000_4000_8000_0000_0000_0000 + u128::from(n)))
}

/// A bare active client named `name`, created and last changed at `at(0)`.
pub fn client(owner: UserId, n: u8, name: &str) -> Client {
    Client {
        id: client_id(n),
        user_id: owner,
        name: ClientName::new(name).expect("fixture names are valid"),
        email: None,
        logo: None,
        time_zone: ClientTimeZone::UTC,
        platforms: BTreeMap::new(),
        status: ClientStatus::Active,
        created_at: at(0),
        updated_at: at(0),
    }
}

/// A client with every field set: e-mail, logo, a time zone other than UTC, a non-default status and
/// all four platforms connected.
pub fn full_client(owner: UserId, n: u8, name: &str) -> Client {
    Client {
        email: Some(ClientEmail::new("marketing@acmecorp.com").expect("fixture e-mail is valid")),
        logo: Some(LogoUrl::new("https://cdn.acmecorp.com/logo.png").expect("fixture logo is valid")),
        time_zone: time_zone("Europe/Berlin"),
        platforms: Platform::ALL.into_iter().map(|p| (p, connection(p))).collect(),
        status: ClientStatus::Inactive,
        updated_at: at(3),
        ..client(owner, n, name)
    }
}

/// The IANA time zone `name`.
pub fn time_zone(name: &str) -> ClientTimeZone {
    ClientTimeZone::parse(name).expect("fixture time zones are valid")
}

/// A sealed token as a cipher would write it, unique to `name`.
pub fn sealed(name: &str) -> SealedToken {
    SealedToken::new(format!("k2025:{name}:bm9uY2UxMjM0NTY3ODkwYWJjZGVm"))
}

/// A connection to `platform` with every field in use, each platform with a different mix of
/// present and absent optional values: tokens with and without expiries, a refresh token's own
/// expiry (LinkedIn), a status reason, a schedule with and without a sync lease.
pub fn connection(platform: Platform) -> PlatformConnection {
    match platform {
        Platform::GoogleAnalytics => PlatformConnection {
            last_sync: Some(at(-30)),
            data: Some(data(Platform::GoogleAnalytics)),
            sync: SyncSchedule { next_sync_at: Some(at(120)), backfilled: true, lease: None },
            ..PlatformConnection::new(
                PlatformAccount::GoogleAnalytics {
                    account_id: "123456789".into(),
                    property_id: "properties/987654321".into(),
                },
                SealedCredentials {
                    access_token: sealed("ga-access"),
                    refresh_token: Some(sealed("ga-refresh")),
                    expires_at: Some(at(60)),
                    refresh_expires_at: None,
                },
            )
        },
        Platform::GoogleAds => PlatformConnection {
            status: ConnectionStatus::Error,
            status_reason: Some("the Google Ads API is not enabled for this project; enable it and sync again".into()),
            data: Some(data(Platform::GoogleAds)),
            sync: SyncSchedule {
                next_sync_at: Some(at(-1)),
                backfilled: false,
                lease: Some(("replica-7f3a".into(), at(14))),
            },
            ..PlatformConnection::new(
                PlatformAccount::GoogleAds { customer_id: "1234567890".into() },
                SealedCredentials {
                    access_token: sealed("gads-access"),
                    refresh_token: Some(sealed("gads-refresh")),
                    expires_at: None,
                    refresh_expires_at: None,
                },
            )
        },
        Platform::MetaAds => PlatformConnection {
            last_sync: Some(at(-5)),
            data: Some(data(Platform::MetaAds)),
            sync: SyncSchedule { next_sync_at: Some(at(355)), backfilled: true, lease: None },
            ..PlatformConnection::new(
                PlatformAccount::MetaAds { ad_account_id: "act_1029384756".into() },
                SealedCredentials {
                    access_token: sealed("meta-access"),
                    refresh_token: None,
                    expires_at: Some(at(60 * 24 * 60)),
                    refresh_expires_at: None,
                },
            )
        },
        Platform::LinkedinAds => PlatformConnection {
            last_sync: Some(at(-600)),
            status: ConnectionStatus::Expired,
            status_reason: Some("LinkedIn retired API version 202409; set LINKEDIN_VERSION to a current one".into()),
            data: Some(data(Platform::LinkedinAds)),
            sync: SyncSchedule { next_sync_at: None, backfilled: true, lease: None },
            ..PlatformConnection::new(
                PlatformAccount::LinkedinAds { account_id: "508123456".into() },
                SealedCredentials {
                    access_token: sealed("li-access"),
                    refresh_token: Some(sealed("li-refresh")),
                    expires_at: Some(at(60 * 24 * 60)),
                    refresh_expires_at: Some(at(365 * 24 * 60)),
                },
            )
        },
    }
}

/// A connection to `platform` just authorized: tokens, but no account chosen yet, nothing synced,
/// nothing scheduled.
pub fn authorized(platform: Platform, access: &str) -> PlatformConnection {
    PlatformConnection {
        platform,
        account: None,
        connected: true,
        credentials: Some(SealedCredentials {
            access_token: sealed(access),
            refresh_token: Some(sealed(&format!("{access}-refresh"))),
            expires_at: Some(at(60)),
            refresh_expires_at: None,
        }),
        last_sync: None,
        status: ConnectionStatus::Active,
        status_reason: None,
        data: None,
        sync: SyncSchedule::default(),
    }
}

/// The account a client of `platform` chose, numbered `n`.
pub fn account(platform: Platform, n: u8) -> PlatformAccount {
    match platform {
        Platform::GoogleAnalytics => PlatformAccount::GoogleAnalytics {
            account_id: format!("12345{n}"),
            property_id: format!("properties/98{n}"),
        },
        Platform::GoogleAds => PlatformAccount::GoogleAds { customer_id: format!("123456789{n}") },
        Platform::MetaAds => PlatformAccount::MetaAds { ad_account_id: format!("act_10293{n}") },
        Platform::LinkedinAds => PlatformAccount::LinkedinAds { account_id: format!("50812{n}") },
    }
}

/// A connected connection to `platform` with an account, the access token `access`, no figures,
/// due at `next_sync_at` and not leased.
pub fn scheduled(platform: Platform, access: &str, next_sync_at: Option<DateTime<Utc>>) -> PlatformConnection {
    PlatformConnection {
        account: Some(account(platform, 1)),
        sync: SyncSchedule { next_sync_at, backfilled: false, lease: None },
        ..authorized(platform, access)
    }
}

/// An authorization of `state` started by `owner` for `client` and `platform`, expiring at
/// `at(expires_minute)`; with a sealed PKCE verifier except for Meta, which has no PKCE.
pub fn pending(
    state: &str,
    owner: UserId,
    client: ClientId,
    platform: Platform,
    expires_minute: i64,
) -> PendingAuthorization {
    PendingAuthorization {
        state: state.to_owned(),
        user: owner,
        client,
        platform,
        pkce_verifier: (platform != Platform::MetaAds).then(|| sealed(&format!("{state}-verifier"))),
        expires_at: at(expires_minute),
    }
}

/// Figures of `platform` in its own shape, with fractional values and optional values both present
/// and absent.
pub fn data(platform: Platform) -> PlatformData {
    match platform {
        Platform::GoogleAnalytics => PlatformData::GoogleAnalytics(AnalyticsReport {
            metrics: AnalyticsMetrics {
                sessions: 15_234,
                users: 12_450,
                pageviews: 45_678,
                bounce_rate: 0.4512,
                avg_session_duration: 185.25,
            },
            top_sources: vec![
                SourceSessions { source: "google / organic".into(), sessions: 8_500 },
                SourceSessions { source: "(direct) / (none)".into(), sessions: 3_200 },
            ],
            devices: vec![
                DeviceShare { device: "desktop".into(), percentage: 58.1 },
                DeviceShare { device: "mobile".into(), percentage: 41.9 },
            ],
            top_pages: vec![PageViews { page: "/pricing?plan=pro".into(), views: 6_310 }],
        }),
        Platform::GoogleAds => PlatformData::GoogleAds(vec![
            GoogleAdsCampaign {
                name: "Brand – Search".into(),
                spend: 1_850.4,
                clicks: 2_310,
                impressions: 28_400,
                ctr: 0.081_338,
                conversions: 142.5,
            },
            GoogleAdsCampaign {
                name: "Performance Max".into(),
                spend: 0.0,
                clicks: 0,
                impressions: 0,
                ctr: 0.0,
                conversions: 0.0,
            },
        ]),
        Platform::MetaAds => PlatformData::MetaAds(vec![
            MetaAdsCampaign {
                name: "Prospecting | Lookalike 1%".into(),
                spend: 2_980.1,
                impressions: 412_000,
                clicks: 5_230,
                cpm: 7.23,
                roas: Some(2.4),
            },
            MetaAdsCampaign {
                name: "Awareness".into(),
                spend: 310.0,
                impressions: 96_400,
                clicks: 870,
                cpm: 3.215,
                roas: None,
            },
        ]),
        Platform::LinkedinAds => PlatformData::LinkedinAds(vec![LinkedinAdsCampaign {
            name: "Decision Makers".into(),
            spend: 2_450.0,
            impressions: 58_300,
            clicks: 412,
            leads: 37,
        }]),
    }
}

/// An empty, active, untitled conversation numbered `n` about `client`, started at `started`.
pub fn conversation(owner: UserId, n: u8, client: ClientId, started: DateTime<Utc>) -> Conversation {
    Conversation::start(conversation_id(n), owner, client, None, started)
}

/// A conversation with every header field set to a non-default value (archived, titled, with counters
/// and totals).
pub fn full_conversation(owner: UserId, n: u8, client: ClientId) -> Conversation {
    Conversation {
        title: Some(ConversationTitle::new("Q3 campaign performance").expect("fixture title is valid")),
        status: ConversationStatus::Archived,
        created_at: at(1),
        updated_at: at(3),
        last_message_at: at(2),
        message_count: 6,
        answers_pending: 1,
        message_bytes: 48_213,
        metadata: ConversationMetadata {
            platforms_queried: BTreeSet::from([Platform::GoogleAnalytics, Platform::MetaAds]),
            total_tokens_used: 1_234,
            total_cost_usd: 0.000_387_5,
        },
        ..conversation(owner, n, client, at(1))
    }
}

/// Message `n` by `role`, written at `at(minute)`; the analyst's answers carry every metadata field,
/// their [`working`] included.
pub fn message(n: u32, role: Role, minute: i64) -> Message {
    let metadata = if role == Role::Assistant {
        MessageMetadata {
            model: Some("gpt-4o-mini-2024-07-18".into()),
            tokens_used: Some(1_530),
            cost_usd: Some(0.000_481_5),
            feedback: None,
            platforms: vec![Platform::MetaAds, Platform::GoogleAnalytics],
            demo_data: true,
            working: Some(working()),
        }
    } else {
        MessageMetadata::default()
    };
    Message {
        id: message_id(n),
        role,
        content: format!("message {n}: what did we spend?"),
        timestamp: at(minute),
        metadata,
    }
}

/// How an answer was reached, with every field in use: a trace that ran and one that failed, their
/// arguments a tree of every kind of value (nested objects and lists, strings, booleans, null,
/// integral, fractional and negative numbers), sources with and without a sync time, figures the
/// check found unsupported, and estimated usage.
pub fn working() -> AnswerWorking {
    let arguments = Value::object()
        .with("platform", "googleAds")
        .with(
            "range",
            Value::object().with("preset", "last_month").with("start", "2098-12-01").with("end", "2098-12-31"),
        )
        .with("compareTo", Value::Null)
        .with("includeToday", false)
        .with("limit", 10_u64)
        .with("minSpend", 12.75)
        .with("change", -0.125)
        .with("metrics", vec![Value::from("spend"), Value::from("ctr"), Value::Array(vec![])])
        .with("filters", vec![Value::object().with("status", "active").with("paused", true), Value::object()]);
    AnswerWorking {
        tools: vec![
            ToolTrace {
                name: "compare_periods".into(),
                arguments,
                platforms: vec![Platform::GoogleAds, Platform::MetaAds],
                ranges: vec![range("2098-12-01", "2098-12-31"), range("2098-11-01", "2098-11-30")],
                error: None,
                series: vec![
                    Series {
                        platform: Platform::GoogleAds,
                        metric: Metric::Spend,
                        currency: Some(Currency::EUR),
                        granularity: None,
                        points: vec![
                            (range("2098-11-01", "2098-11-30"), Some(1_234.5)),
                            (range("2098-12-01", "2098-12-31"), None),
                        ],
                    },
                    Series {
                        platform: Platform::MetaAds,
                        metric: Metric::Ctr,
                        currency: None,
                        granularity: Some(Granularity::Week),
                        points: vec![(range("2098-12-01", "2098-12-07"), Some(2.25))],
                    },
                ],
            },
            ToolTrace {
                name: "site_breakdown".into(),
                arguments: Value::String("{\"by\": \"weather\"}".into()),
                platforms: vec![],
                ranges: vec![],
                error: Some("unknown breakdown \"weather\"; use source, device or page".into()),
                series: vec![],
            },
        ],
        sources: vec![
            SourceFreshness { platform: Platform::GoogleAds, last_sync: Some(at(-45)) },
            SourceFreshness { platform: Platform::MetaAds, last_sync: None },
        ],
        demo: true,
        grounding: Grounding { grounded: false, unsupported: vec!["$1,234.56".into(), "17%".into()] },
        usage: TokenUsage { input: 1_210, output: 320, estimated: true },
    }
}

/// The same message with a rating.
pub fn rated(mut message: Message, feedback: Option<Feedback>) -> Message {
    message.metadata.feedback = feedback;
    message
}

/// A message cap of `message_cap` and the default byte budget.
pub fn cap(message_cap: u32) -> ConversationLimits {
    ConversationLimits { message_cap, ..ConversationLimits::default() }
}

/// An append of `message` with no tokens, no cost and no platforms: the user's messages as questions under
/// limits never reached, the others as answers.
pub fn append_of(message: Message) -> NewMessage {
    let slot =
        if message.role == Role::User { MessageSlot::Question { limits: cap(10_000) } } else { MessageSlot::Answer };
    NewMessage { message, slot, tokens_used: 0, cost_usd: 0.0, platforms: Vec::new() }
}

/// The minute-long rate window that starts `minute` minutes after the origin.
pub fn minute_window(minute: i64) -> RateWindow {
    let starts_at = millis(ORIGIN_MS + minute * 60_000);
    RateWindow { kind: "minute", starts_at, ends_at: millis(ORIGIN_MS + (minute + 1) * 60_000) }
}

/// The day-long rate window that starts `day` days after the origin.
pub fn day_window(day: i64) -> RateWindow {
    let day_ms = 24 * 60 * 60_000;
    RateWindow {
        kind: "day",
        starts_at: millis(ORIGIN_MS + day * day_ms),
        ends_at: millis(ORIGIN_MS + (day + 1) * day_ms),
    }
}

/// The days from `start` to `end` (`YYYY-MM-DD`), both included.
pub fn range(start: &str, end: &str) -> DateRange {
    let day = |s: &str| s.parse::<NaiveDate>().expect("fixture dates are valid");
    DateRange::new(day(start), day(end)).expect("fixture ranges run forwards")
}

/// A snapshot of `platform`'s figures for `client` over `range`, fetched at `at(minute)`.
pub fn snapshot(client: ClientId, platform: Platform, range: DateRange, minute: i64) -> PlatformSnapshot {
    PlatformSnapshot { client_id: client, range, data: data(platform), fetched_at: at(minute) }
}

/// The day `YYYY-MM-DD`.
pub fn day(date: &str) -> NaiveDate {
    date.parse().expect("fixture dates are valid")
}

/// A record of `client` on `platform` on `date` with every field in use: for an ad platform, a
/// currency and campaigns of each status, with fractional figures and each optional figure both
/// present and absent; for Google Analytics 4, every figure and every breakdown. `date` is folded
/// into the figures so that records of different days differ.
pub fn daily(client: ClientId, platform: Platform, date: NaiveDate) -> DailyRecord {
    let salt = u64::from(date.ordinal());
    let figures = if platform.is_ad_platform() {
        DayFigures::Ads(AdDay {
            currency: if platform == Platform::MetaAds { Currency::EUR } else { Currency::USD },
            campaigns: vec![
                CampaignDay {
                    campaign_id: "120210000000001".into(),
                    name: "Brand – Search".into(),
                    status: CampaignStatus::Active,
                    spend: 61.68 + f64::from(date.ordinal()),
                    impressions: 946 + salt,
                    clicks: 77,
                    conversions: Some(4.75),
                    conversion_value: Some(1_250.5),
                    leads: Some(3),
                },
                CampaignDay {
                    campaign_id: "120210000000002".into(),
                    name: "Prospecting | Lookalike 1%".into(),
                    status: CampaignStatus::Paused,
                    spend: 0.0,
                    impressions: 0,
                    clicks: 0,
                    conversions: None,
                    conversion_value: None,
                    leads: None,
                },
                CampaignDay {
                    campaign_id: "c-3".into(),
                    name: "Winter sale".into(),
                    status: CampaignStatus::Ended,
                    spend: 9.99,
                    impressions: 120,
                    clicks: 2,
                    conversions: Some(0.0),
                    conversion_value: None,
                    leads: Some(0),
                },
            ],
        })
    } else {
        let ranked = |entries: &[(&str, u64)]| {
            entries.iter().map(|(name, count)| RankedCount { name: (*name).into(), count: *count }).collect()
        };
        DayFigures::Site(SiteDay {
            sessions: 508 + salt,
            users: 415,
            new_users: 233,
            pageviews: 1_523,
            engaged_sessions: 301,
            bounces: 207,
            session_duration_secs: 94_012.5,
            top_sources: ranked(&[("google / organic", 283), ("(direct) / (none)", 107), ("facebook / social", 70)]),
            devices: ranked(&[("desktop", 295), ("mobile", 201), ("tablet", 12)]),
            top_pages: ranked(&[("/pricing?plan=pro", 210), ("/", 188)]),
        })
    };
    DailyRecord::new(client, platform, date, figures).expect("fixture figures suit their platform")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_origin_is_the_first_instant_of_2099() {
        assert_eq!(millis(ORIGIN_MS), Utc.with_ymd_and_hms(2099, 1, 1, 0, 0, 0).unwrap());
        assert_eq!(at(1).timestamp_subsec_millis(), 123);
    }

    #[test]
    fn numbered_ids_sort_by_number() {
        assert!(client_id(1) < client_id(2));
        assert!(conversation_id(1) < conversation_id(2));
    }
}
