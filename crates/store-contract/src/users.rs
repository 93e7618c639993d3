//! Contracts of [`UserChatbotStore`](domain::ports::UserChatbotStore).

use std::sync::Arc;

use domain::user::{ChatActivity, Preferences, QuickReply, UserChatbot};

use crate::fixtures::{at, user};
use crate::{Stores, in_parallel};

/// Activity that adds `conversations` and `messages`, chatting at `at(minute)` when given.
fn activity(conversations: u64, messages: u64, minute: Option<i64>) -> ChatActivity {
    ChatActivity { conversations, messages, chatted_at: minute.map(at), ..ChatActivity::default() }
}

/// An answer's activity: one message that used `tokens_used` tokens and cost `cost_usd`. Costs in
/// these contracts are exact in binary (quarters, eighths), so their sums compare exactly.
fn answer(tokens_used: u64, cost_usd: f64) -> ChatActivity {
    ChatActivity { tokens_used, cost_usd, ..activity(0, 1, None) }
}

/// Preferences with these quick replies.
fn preferences(replies: &[&str], notifications: bool) -> Preferences {
    let replies = replies.iter().map(|r| QuickReply::new(r).unwrap()).collect();
    Preferences::new(replies, notifications).unwrap()
}

/// A user never seen reads as zero counters, no chat time and the default preferences.
pub async fn an_unknown_user_reads_as_the_defaults(stores: Stores) {
    let fresh = stores.users.get(user(9)).await.unwrap();
    assert_eq!(fresh, UserChatbot::default());
    assert_eq!((fresh.total_conversations, fresh.total_messages, fresh.last_chat_at), (0, 0, None));
    assert_eq!((fresh.total_tokens_used, fresh.total_cost_usd), (0, 0.0));
    assert!(fresh.preferences.notifications);
    assert!(fresh.preferences.quick_replies().is_empty());
}

/// Activity adds to the counters, tokens and cost; `last_chat_at` only moves forward and is kept
/// when an activity has no chat time; other users are unaffected.
pub async fn user_activity_accumulates(stores: Stores) {
    let (me, other) = (user(1), user(2));
    for a in [
        activity(1, 0, None),
        activity(0, 1, Some(10)),
        activity(0, 1, Some(5)),
        activity(0, 1, None),
        answer(1_200, 0.25),
        activity(2, 3, Some(20)),
        answer(300, 0.125),
        activity(0, 0, Some(19)),
    ] {
        stores.users.record_activity(me, a).await.unwrap();
    }

    let expected = UserChatbot {
        total_conversations: 3,
        total_messages: 8,
        last_chat_at: Some(at(20)),
        total_tokens_used: 1_500,
        total_cost_usd: 0.375,
        preferences: Preferences::default(),
    };
    assert_eq!(stores.users.get(me).await.unwrap(), expected);
    assert_eq!(stores.users.get(other).await.unwrap(), UserChatbot::default());

    stores.users.record_activity(other, activity(0, 2, None)).await.unwrap();
    stores.users.record_activity(other, answer(40, 0.5)).await.unwrap();
    let theirs = stores.users.get(other).await.unwrap();
    assert_eq!((theirs.total_conversations, theirs.total_messages, theirs.last_chat_at), (0, 3, None));
    assert_eq!((theirs.total_tokens_used, theirs.total_cost_usd), (40, 0.5));
    assert_eq!(stores.users.get(me).await.unwrap(), expected);
}

/// Fifty activities recorded at once all count, their tokens and costs sum exactly, and the latest
/// chat time wins.
pub async fn concurrent_activity_is_counted_exactly(stores: Stores) {
    let me = user(1);
    let records = (0..50)
        .map(|minute| {
            let users = Arc::clone(&stores.users);
            let record = ChatActivity { tokens_used: 10, cost_usd: 0.25, ..activity(1, 2, Some(minute)) };
            async move { users.record_activity(me, record).await.unwrap() }
        })
        .collect();
    in_parallel(records).await;

    let stats = stores.users.get(me).await.unwrap();
    assert_eq!((stats.total_conversations, stats.total_messages, stats.last_chat_at), (50, 100, Some(at(49))));
    assert_eq!((stats.total_tokens_used, stats.total_cost_usd), (500, 12.5));
}

/// Saved preferences read back equal and replace the previous ones whole; they and the counters
/// never overwrite each other.
pub async fn preferences_round_trip_and_leave_the_stats_alone(stores: Stores) {
    let (me, other) = (user(1), user(2));
    let chosen = preferences(&["Spend this week?", "Top campaign by ROAS", "Compare to last month"], false);
    stores.users.save_preferences(me, &chosen).await.unwrap();
    assert_eq!(
        stores.users.get(me).await.unwrap(),
        UserChatbot { preferences: chosen.clone(), ..UserChatbot::default() }
    );

    stores.users.record_activity(me, activity(1, 3, Some(30))).await.unwrap();
    stores.users.record_activity(me, answer(900, 0.75)).await.unwrap();
    let expected = UserChatbot {
        total_conversations: 1,
        total_messages: 4,
        last_chat_at: Some(at(30)),
        total_tokens_used: 900,
        total_cost_usd: 0.75,
        preferences: chosen,
    };
    assert_eq!(stores.users.get(me).await.unwrap(), expected);

    let replaced = preferences(&["Only this one"], true);
    stores.users.save_preferences(me, &replaced).await.unwrap();
    assert_eq!(stores.users.get(me).await.unwrap(), UserChatbot { preferences: replaced, ..expected });

    let cleared = preferences(&[], true);
    stores.users.save_preferences(me, &cleared).await.unwrap();
    assert!(stores.users.get(me).await.unwrap().preferences.quick_replies().is_empty());
    assert_eq!(stores.users.get(other).await.unwrap(), UserChatbot::default());
}
