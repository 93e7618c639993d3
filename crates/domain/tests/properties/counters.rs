//! Counters: a conversation's message cap and byte budget hold under any mix of questions, answers
//! and failed answers; titles made from questions are valid titles; the rate limit's windows count
//! every message and never let more through than the policy allows.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use chrono::{DateTime, DurationRound, TimeDelta, Utc};
use domain::conversation::{Conversation, ConversationLimits, ConversationTitle, Message, MessageContent};
use domain::ids::{ClientId, ConversationId, UserId};
use domain::ports::{RateLimitStore, RateWindow, StoreError};
use domain::services::rate_limit::{RateLimitPolicy, RateLimiter};
use proptest::prelude::*;

use crate::support::instant;

fn conversation(now: DateTime<Utc>) -> Conversation {
    Conversation::start(
        ConversationId::from_uuid(uuid::Uuid::from_u128(1)),
        UserId::from_bytes([1; 12]),
        ClientId::from_bytes([2; 12]),
        None,
        now,
    )
}

fn limits() -> impl Strategy<Value = ConversationLimits> {
    (1_u32..60, 0_u64..20).prop_map(|(message_cap, reserves)| ConversationLimits {
        message_cap,
        byte_budget: reserves * Message::ANSWER_RESERVE_BYTES + 5_000,
    })
}

/// What happens to a conversation next.
#[derive(Debug, Clone, Copy)]
enum Step {
    /// A question of this many stored bytes is asked (and stored when there is room).
    Ask(u64),
    /// The oldest pending answer is stored, of this many bytes (at most the reserve).
    Answer(u64),
    /// The model gives up on a pending answer.
    GiveUp,
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        3 => (256_u64..20_000).prop_map(Step::Ask),
        3 => (256_u64..=Message::ANSWER_RESERVE_BYTES).prop_map(Step::Answer),
        1 => Just(Step::GiveUp),
    ]
}

/// A window's key: whose, which kind, when it opened.
type WindowKey = (UserId, &'static str, DateTime<Utc>);

/// A store of fixed-window counters: each window's count and end.
#[derive(Default)]
struct Windows(Mutex<HashMap<WindowKey, (u64, DateTime<Utc>)>>);

#[async_trait]
impl RateLimitStore for Windows {
    async fn hit(&self, user: UserId, window: &RateWindow) -> Result<u64, StoreError> {
        let mut counts = self.0.lock().unwrap();
        let entry = counts.entry((user, window.kind, window.starts_at)).or_insert((0, window.ends_at));
        assert_eq!(entry.1, window.ends_at, "one window, one end");
        entry.0 += 1;
        Ok(entry.0)
    }
}

proptest! {
    #[test]
    fn room_for_a_question_is_room_for_it_its_answer_and_the_pending_answers(
        limits in limits(),
        count in 0_u32..70,
        pending in 0_u32..10,
        bytes in 0_u64..2_000_000,
        question in 0_u64..100_000,
    ) {
        let c = Conversation { message_count: count, answers_pending: pending, message_bytes: bytes, ..conversation(DateTime::UNIX_EPOCH) };
        let room = c.has_room_for_a_question(limits, question);
        let count_ok = u64::from(count) + u64::from(pending) + 2 <= u64::from(limits.message_cap);
        let bytes_ok = bytes + question + (u64::from(pending) + 1) * Message::ANSWER_RESERVE_BYTES <= limits.byte_budget;
        prop_assert_eq!(room, count_ok && bytes_ok);
        if room {
            // Less of anything leaves room too.
            prop_assert!(c.has_room_for_a_question(limits, question / 2));
            let fewer = Conversation { answers_pending: pending.saturating_sub(1), message_count: count.saturating_sub(1), ..c.clone() };
            prop_assert!(fewer.has_room_for_a_question(limits, question));
            let wider = ConversationLimits { message_cap: limits.message_cap + 1, byte_budget: limits.byte_budget + 1 };
            prop_assert!(c.has_room_for_a_question(wider, question));
        }
    }

    #[test]
    fn the_cap_and_the_budget_hold_under_any_mix_of_questions_and_answers(
        limits in limits(),
        steps in prop::collection::vec(step(), 0..200),
    ) {
        let mut c = conversation(DateTime::UNIX_EPOCH);
        for step in steps {
            match step {
                Step::Ask(bytes) => {
                    if c.has_room_for_a_question(limits, bytes) {
                        c.message_count += 1;
                        c.message_bytes += bytes;
                        c.answers_pending += 1;
                    }
                }
                Step::Answer(bytes) if c.answers_pending > 0 => {
                    c.answers_pending -= 1;
                    c.message_count += 1;
                    c.message_bytes += bytes;
                }
                Step::GiveUp if c.answers_pending > 0 => c.answers_pending -= 1,
                Step::Answer(_) | Step::GiveUp => {}
            }
            // What is stored plus what is reserved never passes the limits.
            prop_assert!(c.message_count + c.answers_pending <= limits.message_cap, "{:?}", c);
            prop_assert!(
                c.message_bytes + u64::from(c.answers_pending) * Message::ANSWER_RESERVE_BYTES <= limits.byte_budget,
                "{:?}", c
            );
        }
    }

    #[test]
    fn a_title_from_a_question_is_a_valid_title_from_its_first_line(question in "\\PC{1,120}(\n\\PC{0,40})?") {
        prop_assume!(!question.trim().is_empty());
        let content = MessageContent::new(&question).unwrap();
        let title = ConversationTitle::from_question(&content);
        let t = title.as_str();
        prop_assert_eq!(ConversationTitle::new(t).map(|v| v.as_str().to_owned()), Ok(t.to_owned()), "not a valid, trimmed title");
        prop_assert!(t.chars().count() <= ConversationTitle::FROM_QUESTION_CHARS + 1);
        prop_assert!(!t.contains('\n'));
        let first = content.as_str().lines().next().unwrap_or_default();
        let folded = first.split_whitespace().collect::<Vec<_>>().join(" ");
        if folded.chars().count() <= ConversationTitle::FROM_QUESTION_CHARS {
            prop_assert_eq!(t, folded.as_str());
        } else {
            let kept = t.strip_suffix('…');
            prop_assert!(kept.is_some_and(|k| folded.starts_with(k)), "{:?} from {:?}", t, folded);
        }
    }

    #[test]
    fn a_title_from_a_model_is_a_valid_title_or_none(raw in "\\PC{0,300}") {
        if let Some(title) = ConversationTitle::from_model(&raw) {
            let t = title.as_str();
            prop_assert!(ConversationTitle::new(t).is_ok_and(|v| v.as_str() == t), "{:?}", t);
            prop_assert!(t.chars().count() <= ConversationTitle::FROM_QUESTION_CHARS + 1);
        }
    }

    #[test]
    fn the_rate_limit_lets_through_at_most_the_policy_in_every_window(
        start in instant(),
        gaps in prop::collection::vec(prop_oneof![0_i64..2_000, 0_i64..120_000, 0_i64..100_000_000], 1..150),
        per_minute in 1_u32..10,
        per_day in 1_u32..40,
    ) {
        let store = Arc::new(Windows::default());
        let limiter = RateLimiter::new(store.clone(), RateLimitPolicy { per_minute, per_day });
        let user = UserId::from_bytes([9; 12]);
        let mut now = start;
        // Every message hits the minute window; those the burst limit let by hit the day's too.
        let mut minute_hits: Vec<DateTime<Utc>> = Vec::new();
        let mut day_hits: Vec<DateTime<Utc>> = Vec::new();
        let mut allowed: Vec<DateTime<Utc>> = Vec::new();
        let minute_of = |t: &DateTime<Utc>| t.duration_trunc(TimeDelta::minutes(1)).unwrap();
        let day_of = |t: &DateTime<Utc>| t.duration_trunc(TimeDelta::days(1)).unwrap();
        for gap in gaps {
            now += TimeDelta::milliseconds(gap);
            let (minute, day) = (minute_of(&now), day_of(&now));
            minute_hits.push(now);
            let over_minute = minute_hits.iter().filter(|t| minute_of(t) == minute).count() > usize::try_from(per_minute).unwrap();
            if !over_minute {
                day_hits.push(now);
            }
            let over_day = !over_minute && day_hits.iter().filter(|t| day_of(t) == day).count() > usize::try_from(per_day).unwrap();
            match futures::executor::block_on(limiter.check(user, now)).unwrap() {
                None => {
                    prop_assert!(!over_minute && !over_day, "let through at {}", now);
                    allowed.push(now);
                }
                Some(wait) => {
                    prop_assert!(over_minute || over_day, "refused at {}", now);
                    let ends = if over_minute { minute + TimeDelta::minutes(1) } else { day + TimeDelta::days(1) };
                    let retry = now + TimeDelta::from_std(wait).unwrap();
                    // Retry-After is whole seconds, at least one, and reaches the window's end.
                    prop_assert_eq!(wait.subsec_nanos(), 0);
                    prop_assert!(wait.as_secs() >= 1);
                    prop_assert!(retry >= ends && retry < ends + TimeDelta::seconds(1), "{} for a window ending {}", retry, ends);
                }
            }
        }
        for t in &allowed {
            prop_assert!(allowed.iter().filter(|u| minute_of(u) == minute_of(t)).count() <= usize::try_from(per_minute).unwrap());
            prop_assert!(allowed.iter().filter(|u| day_of(u) == day_of(t)).count() <= usize::try_from(per_day).unwrap());
        }
        for ((_, kind, starts_at), (_, ends_at)) in store.0.lock().unwrap().iter() {
            let length = if *kind == "minute" { TimeDelta::minutes(1) } else { TimeDelta::days(1) };
            prop_assert!(["minute", "day"].contains(kind));
            prop_assert_eq!(*ends_at - *starts_at, length);
            prop_assert_eq!(starts_at.duration_trunc(length).unwrap(), *starts_at);
        }
    }
}
