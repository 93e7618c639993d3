//! Contracts of [`ConversationStore`](domain::ports::ConversationStore) and
//! [`ConversationRetention`](domain::ports::ConversationRetention).

use std::collections::{BTreeSet, HashSet};
use std::sync::Arc;

use domain::analyst::AnswerWorking;
use domain::conversation::{
    Conversation, ConversationChanges, ConversationLimits, ConversationMetadata, ConversationStatus, ConversationTitle,
    Feedback, HistoryMessage, Message, MessagePage, Role,
};
use domain::ids::{ConversationId, MessageId, UserId};
use domain::paging::{ConversationCursor, ConversationQuery, PageLimit};
use domain::platform::Platform;
use domain::ports::{AppendOutcome, FeedbackOutcome, MessageSlot, NewMessage, StoreError};

use crate::fixtures::{
    append_of, at, cap, client_id, conversation, conversation_id, full_conversation, message, message_id, rated, user,
    working,
};
use crate::{Stores, in_parallel};

/// A query for pages of `limit` conversations.
fn query(limit: u32) -> ConversationQuery {
    ConversationQuery { limit: PageLimit::new(limit).unwrap(), ..ConversationQuery::default() }
}

/// The ids of a page's conversations, in order.
fn ids(conversations: &[Conversation]) -> Vec<ConversationId> {
    conversations.iter().map(|c| c.id).collect()
}

/// Conversation ids from their numbers.
fn numbered(numbers: &[u8]) -> Vec<ConversationId> {
    numbers.iter().copied().map(conversation_id).collect()
}

/// Inserts each conversation, panicking on failure.
async fn insert_all(stores: &Stores, conversations: &[Conversation]) {
    for c in conversations {
        stores.conversations.insert(c).await.unwrap();
    }
}

/// Appends a message that must be appended, and returns the conversation as the store returned it.
async fn appended(stores: &Stores, owner: UserId, id: ConversationId, new: NewMessage) -> Conversation {
    match stores.conversations.append(owner, id, &new).await.unwrap() {
        AppendOutcome::Appended(conversation) => conversation,
        other => panic!("expected the message to be appended, got {other:?}"),
    }
}

/// The page of messages of `limit` before `before`.
async fn page(
    stores: &Stores,
    owner: UserId,
    id: ConversationId,
    before: Option<MessageId>,
    limit: usize,
) -> Option<MessagePage> {
    stores.conversations.messages(owner, id, before, limit).await.unwrap()
}

/// Every message of a conversation, oldest first.
async fn all_messages(stores: &Stores, owner: UserId, id: ConversationId) -> Vec<Message> {
    let page = page(stores, owner, id, None, 10_000).await.expect("the conversation exists");
    assert!(!page.has_more);
    page.messages
}

/// The stored bytes of `messages`, as a conversation's `message_bytes` counts them.
fn stored_bytes(messages: &[Message]) -> u64 {
    messages.iter().map(Message::stored_bytes).sum()
}

/// The status of the user's conversation numbered `n`, if the user has it.
async fn status(stores: &Stores, owner: UserId, n: u8) -> Option<ConversationStatus> {
    stores.conversations.get(owner, conversation_id(n)).await.unwrap().map(|c| c.status)
}

/// Headers with every field set read back equal from `get` and `list`; `get` returns deleted ones too.
pub async fn conversation_round_trips_every_field(stores: Stores) {
    let owner = user(1);
    let full = full_conversation(owner, 1, client_id(1));
    let fresh = conversation(owner, 2, client_id(1), at(5));
    let gone = Conversation {
        status: ConversationStatus::Deleted,
        deleted_at: Some(at(4)),
        updated_at: at(4),
        ..conversation(owner, 3, client_id(2), at(0))
    };
    insert_all(&stores, &[full.clone(), fresh.clone(), gone.clone()]).await;

    assert_eq!(stores.conversations.get(owner, full.id).await.unwrap(), Some(full.clone()));
    assert_eq!(stores.conversations.get(owner, fresh.id).await.unwrap(), Some(fresh.clone()));
    assert_eq!(stores.conversations.get(owner, gone.id).await.unwrap(), Some(gone));
    assert_eq!(stores.conversations.get(owner, conversation_id(9)).await.unwrap(), None);
    assert_eq!(stores.conversations.list(owner, &query(100)).await.unwrap().items, vec![fresh, full]);
}

/// A second insert with an existing id fails with `AlreadyExists` and leaves the first alone.
pub async fn inserting_a_conversation_id_twice_is_refused(stores: Stores) {
    let first = conversation(user(1), 1, client_id(1), at(0));
    stores.conversations.insert(&first).await.unwrap();

    let again = Conversation { title: Some(ConversationTitle::new("Other").unwrap()), ..first.clone() };
    let err = stores.conversations.insert(&again).await.unwrap_err();
    assert!(matches!(err, StoreError::AlreadyExists), "{err:?}");
    assert_eq!(stores.conversations.get(user(1), first.id).await.unwrap(), Some(first));
}

/// Another user's conversation is not found by any method, and none of them changes it.
pub async fn conversations_are_invisible_to_other_users(stores: Stores) {
    let (owner, stranger) = (user(1), user(2));
    let id = conversation_id(1);
    stores.conversations.insert(&conversation(owner, 1, client_id(1), at(0))).await.unwrap();
    let answer = message(1, Role::Assistant, 1);
    let before = appended(&stores, owner, id, append_of(answer.clone())).await;

    assert_eq!(stores.conversations.get(stranger, id).await.unwrap(), None);
    assert!(stores.conversations.list(stranger, &query(100)).await.unwrap().items.is_empty());
    let about_client = ConversationQuery { client_id: Some(client_id(1)), ..query(100) };
    assert!(stores.conversations.list(stranger, &about_client).await.unwrap().items.is_empty());
    let archive = ConversationChanges { status: Some(ConversationStatus::Archived), ..ConversationChanges::default() };
    assert_eq!(stores.conversations.update(stranger, id, archive, at(9)).await.unwrap(), None);
    assert!(!stores.conversations.soft_delete(stranger, id, at(9)).await.unwrap());
    assert_eq!(page(&stores, stranger, id, None, 10).await, None);
    assert_eq!(page(&stores, stranger, id, Some(answer.id), 10).await, None);
    let intrusion = append_of(message(2, Role::User, 2));
    assert_eq!(stores.conversations.append(stranger, id, &intrusion).await.unwrap(), AppendOutcome::NotFound);
    let rating = stores.conversations.set_feedback(stranger, id, answer.id, Some(Feedback::Negative)).await.unwrap();
    assert_eq!(rating, FeedbackOutcome::ConversationNotFound);

    assert_eq!(stores.conversations.get(owner, id).await.unwrap(), Some(before.clone()));
    assert_eq!(all_messages(&stores, owner, id).await, vec![answer]);
    assert_eq!(stores.conversations.list(owner, &query(100)).await.unwrap().items, vec![before]);
}

/// The list skips deleted conversations and sorts newest `last_message_at` first, equal instants by
/// id descending; a page's cursor is its last conversation and the next page starts strictly after.
pub async fn listing_never_returns_deleted_and_sorts_by_last_message(stores: Stores) {
    let (owner, c) = (user(1), client_id(1));
    let archived = Conversation { status: ConversationStatus::Archived, ..conversation(owner, 6, c, at(25)) };
    insert_all(
        &stores,
        &[
            conversation(owner, 1, c, at(10)),
            conversation(owner, 2, c, at(30)),
            conversation(owner, 3, c, at(20)),
            conversation(owner, 4, c, at(30)),
            conversation(owner, 5, c, at(40)),
            archived.clone(),
            conversation(user(2), 7, c, at(50)),
        ],
    )
    .await;
    assert!(stores.conversations.soft_delete(owner, conversation_id(5), at(41)).await.unwrap());

    let whole = stores.conversations.list(owner, &query(100)).await.unwrap();
    assert_eq!(ids(&whole.items), numbered(&[4, 2, 6, 3, 1]));
    assert_eq!(whole.items[2], archived);
    assert_eq!(whole.next, None);

    let first = stores.conversations.list(owner, &query(2)).await.unwrap();
    assert_eq!(ids(&first.items), numbered(&[4, 2]));
    assert_eq!(first.next, Some(ConversationCursor { last_message_at: at(30), id: conversation_id(2) }));
    let second = stores.conversations.list(owner, &ConversationQuery { after: first.next, ..query(2) }).await.unwrap();
    assert_eq!(ids(&second.items), numbered(&[6, 3]));
    assert_eq!(second.next, Some(ConversationCursor { last_message_at: at(20), id: conversation_id(3) }));
    let last = stores.conversations.list(owner, &ConversationQuery { after: second.next, ..query(2) }).await.unwrap();
    assert_eq!(ids(&last.items), numbered(&[1]));
    assert_eq!(last.next, None);

    // A cursor between two equal instants resumes at the lower id.
    let tie = ConversationCursor { last_message_at: at(30), id: conversation_id(4) };
    let resumed = stores.conversations.list(owner, &ConversationQuery { after: Some(tie), ..query(1) }).await.unwrap();
    assert_eq!(ids(&resumed.items), numbered(&[2]));
}

/// Client and status filters combine with each other and with paging; asking for deleted ones
/// lists nothing.
pub async fn conversation_list_filters_by_client_and_status(stores: Stores) {
    let owner = user(1);
    let (a, b) = (client_id(1), client_id(2));
    let archived = |n, client, minute| Conversation {
        status: ConversationStatus::Archived,
        ..conversation(owner, n, client, at(minute))
    };
    insert_all(
        &stores,
        &[
            conversation(owner, 1, a, at(1)),
            archived(2, a, 2),
            conversation(owner, 3, b, at(3)),
            conversation(owner, 4, a, at(4)),
            archived(5, b, 5),
        ],
    )
    .await;
    assert!(stores.conversations.soft_delete(owner, conversation_id(4), at(6)).await.unwrap());
    let listed = |client, status| {
        let stores = stores.clone();
        async move {
            let query = ConversationQuery { client_id: client, status, ..query(100) };
            ids(&stores.conversations.list(owner, &query).await.unwrap().items)
        }
    };

    assert_eq!(listed(Some(a), None).await, numbered(&[2, 1]));
    assert_eq!(listed(Some(a), Some(ConversationStatus::Archived)).await, numbered(&[2]));
    assert_eq!(listed(Some(b), Some(ConversationStatus::Active)).await, numbered(&[3]));
    assert_eq!(listed(None, Some(ConversationStatus::Active)).await, numbered(&[3, 1]));
    assert_eq!(listed(None, Some(ConversationStatus::Archived)).await, numbered(&[5, 2]));
    assert_eq!(listed(None, Some(ConversationStatus::Deleted)).await, numbered(&[]));
    assert_eq!(listed(Some(client_id(3)), None).await, numbered(&[]));

    let about_a = ConversationQuery { client_id: Some(a), ..query(1) };
    let first = stores.conversations.list(owner, &about_a).await.unwrap();
    assert_eq!(ids(&first.items), numbered(&[2]));
    let rest = stores.conversations.list(owner, &ConversationQuery { after: first.next, ..about_a }).await.unwrap();
    assert_eq!(ids(&rest.items), numbered(&[1]));
    assert_eq!(rest.next, None);
}

/// An update sets or clears the title and moves between active and archived, stamps `updated_at`,
/// keeps every other field, and returns the header as stored.
pub async fn conversation_update_changes_title_and_status(stores: Stores) {
    let owner = user(1);
    let id = conversation_id(1);
    let titled = Conversation {
        title: Some(ConversationTitle::new("Q3 review").unwrap()),
        ..conversation(owner, 1, client_id(1), at(0))
    };
    stores.conversations.insert(&titled).await.unwrap();
    let header = appended(&stores, owner, id, append_of(message(1, Role::User, 1))).await;

    let changes = ConversationChanges { title: Some(None), status: Some(ConversationStatus::Archived) };
    let expected =
        Conversation { title: None, status: ConversationStatus::Archived, updated_at: at(5), ..header.clone() };
    assert_eq!(stores.conversations.update(owner, id, changes, at(5)).await.unwrap(), Some(expected.clone()));
    assert_eq!(stores.conversations.get(owner, id).await.unwrap(), Some(expected.clone()));

    let title = ConversationTitle::new("Q4 plan").unwrap();
    let retitle = ConversationChanges { title: Some(Some(title.clone())), status: None };
    let expected = Conversation { title: Some(title), updated_at: at(6), ..expected };
    assert_eq!(stores.conversations.update(owner, id, retitle, at(6)).await.unwrap(), Some(expected.clone()));

    let reactivate = ConversationChanges { title: None, status: Some(ConversationStatus::Active) };
    let expected = Conversation { status: ConversationStatus::Active, updated_at: at(7), ..expected };
    assert_eq!(stores.conversations.update(owner, id, reactivate, at(7)).await.unwrap(), Some(expected.clone()));
    assert_eq!(stores.conversations.get(owner, id).await.unwrap(), Some(expected));
    assert_eq!(all_messages(&stores, owner, id).await, vec![message(1, Role::User, 1)]);

    let unknown = ConversationChanges { title: Some(None), status: None };
    assert_eq!(stores.conversations.update(owner, conversation_id(2), unknown, at(8)).await.unwrap(), None);
}

/// A soft-deleted conversation keeps its header for `get` (status deleted, `deleted_at` set), and
/// every other method treats it as missing; deleting twice is refused.
pub async fn a_deleted_conversation_is_visible_only_to_get(stores: Stores) {
    let owner = user(1);
    let id = conversation_id(1);
    stores.conversations.insert(&conversation(owner, 1, client_id(1), at(0))).await.unwrap();
    let answer = message(1, Role::Assistant, 1);
    let header = appended(&stores, owner, id, append_of(answer.clone())).await;

    assert!(stores.conversations.soft_delete(owner, id, at(7)).await.unwrap());
    let deleted = stores.conversations.get(owner, id).await.unwrap().unwrap();
    assert_eq!(deleted.status, ConversationStatus::Deleted);
    assert_eq!(deleted.deleted_at, Some(at(7)));
    let unchanged = Conversation { status: header.status, deleted_at: None, updated_at: header.updated_at, ..deleted };
    assert_eq!(unchanged, header, "deleting changes only the status, deleted_at and updated_at");

    assert!(!stores.conversations.soft_delete(owner, id, at(8)).await.unwrap());
    assert_eq!(stores.conversations.get(owner, id).await.unwrap().unwrap().deleted_at, Some(at(7)));
    let retitle = ConversationChanges { title: Some(None), status: Some(ConversationStatus::Active) };
    assert_eq!(stores.conversations.update(owner, id, retitle, at(9)).await.unwrap(), None);
    assert_eq!(page(&stores, owner, id, None, 10).await, None);
    assert_eq!(page(&stores, owner, id, Some(answer.id), 10).await, None);
    let late = append_of(message(2, Role::User, 10));
    assert_eq!(stores.conversations.append(owner, id, &late).await.unwrap(), AppendOutcome::NotFound);
    let rating = stores.conversations.set_feedback(owner, id, answer.id, Some(Feedback::Positive)).await.unwrap();
    assert_eq!(rating, FeedbackOutcome::ConversationNotFound);
    assert!(stores.conversations.list(owner, &query(100)).await.unwrap().items.is_empty());
    let about_client = ConversationQuery { client_id: Some(client_id(1)), ..query(100) };
    assert!(stores.conversations.list(owner, &about_client).await.unwrap().items.is_empty());

    let after = stores.conversations.get(owner, id).await.unwrap().unwrap();
    assert_eq!((after.status, after.message_count, after.title), (ConversationStatus::Deleted, 1, None));
}

/// Message pages hold up to `limit` messages before `before` (or the newest), oldest first, with
/// `has_more` exactly when older ones exist; an unknown `before` gives `None`.
pub async fn message_pages_go_back_with_before(stores: Stores) {
    let owner = user(1);
    let id = conversation_id(1);
    stores.conversations.insert(&conversation(owner, 1, client_id(1), at(0))).await.unwrap();
    assert_eq!(page(&stores, owner, id, None, 3).await, Some(MessagePage { messages: vec![], has_more: false }));

    let all: Vec<Message> =
        (1..=7).map(|n| message(n, if n % 2 == 1 { Role::User } else { Role::Assistant }, i64::from(n))).collect();
    for m in &all {
        appended(&stores, owner, id, append_of(m.clone())).await;
    }
    let expect =
        |range: std::ops::Range<usize>, has_more| Some(MessagePage { messages: all[range].to_vec(), has_more });

    assert_eq!(page(&stores, owner, id, None, 3).await, expect(4..7, true));
    assert_eq!(page(&stores, owner, id, Some(message_id(5)), 3).await, expect(1..4, true));
    assert_eq!(page(&stores, owner, id, Some(message_id(2)), 3).await, expect(0..1, false));
    assert_eq!(page(&stores, owner, id, Some(message_id(1)), 3).await, expect(0..0, false));
    assert_eq!(page(&stores, owner, id, Some(message_id(4)), 3).await, expect(0..3, false));
    assert_eq!(page(&stores, owner, id, None, 7).await, expect(0..7, false));
    assert_eq!(page(&stores, owner, id, None, 100).await, expect(0..7, false));
    assert_eq!(page(&stores, owner, id, None, 1).await, expect(6..7, true));

    assert_eq!(page(&stores, owner, id, Some(message_id(99)), 3).await, None);
    stores.conversations.insert(&conversation(owner, 2, client_id(1), at(0))).await.unwrap();
    appended(&stores, owner, conversation_id(2), append_of(message(50, Role::User, 1))).await;
    assert_eq!(page(&stores, owner, id, Some(message_id(50)), 3).await, None, "a message of another conversation");
}

/// A history holds the role and text of up to `limit` messages before `before`, oldest first;
/// `None` for an unknown `before`, a deleted conversation or another user's.
pub async fn history_reads_role_and_text_before_a_message(stores: Stores) {
    let owner = user(1);
    let id = conversation_id(1);
    stores.conversations.insert(&conversation(owner, 1, client_id(1), at(0))).await.unwrap();
    let all: Vec<Message> =
        (1..=5).map(|n| message(n, if n % 2 == 1 { Role::User } else { Role::Assistant }, i64::from(n))).collect();
    for m in &all {
        appended(&stores, owner, id, append_of(m.clone())).await;
    }
    let conversations = &stores.conversations;
    let history =
        |before: u32, limit| async move { conversations.history(owner, id, message_id(before), limit).await.unwrap() };
    let expect = |range: std::ops::Range<usize>| Some(all[range].iter().map(HistoryMessage::from).collect::<Vec<_>>());
    assert_eq!(history(5, 3).await, expect(1..4));
    assert_eq!(history(5, 10).await, expect(0..4));
    assert_eq!(history(1, 3).await, expect(0..0));
    assert_eq!(history(2, 3).await, Some(vec![HistoryMessage { role: Role::User, content: all[0].content.clone() }]));
    assert_eq!(history(99, 3).await, None, "an unknown message");
    assert_eq!(conversations.history(user(2), id, message_id(5), 3).await.unwrap(), None, "another user's");
    conversations.soft_delete(owner, id, at(9)).await.unwrap();
    assert_eq!(history(5, 3).await, None, "a deleted conversation");
}

/// An append stores the message with every field, counts it and its stored bytes, moves
/// `last_message_at` and `updated_at` to its time, adds its tokens, cost and platforms to the totals,
/// re-activates an archived conversation, and returns the header as stored.
pub async fn append_updates_counters_and_reactivates_archived(stores: Stores) {
    let owner = user(1);
    let id = conversation_id(1);
    let start = Conversation {
        status: ConversationStatus::Archived,
        title: Some(ConversationTitle::new("Spend check").unwrap()),
        ..conversation(owner, 1, client_id(1), at(0))
    };
    stores.conversations.insert(&start).await.unwrap();

    let question = message(1, Role::User, 5);
    let expected = Conversation {
        status: ConversationStatus::Active,
        message_count: 1,
        answers_pending: 1,
        message_bytes: question.stored_bytes(),
        last_message_at: at(5),
        updated_at: at(5),
        ..start.clone()
    };
    assert_eq!(appended(&stores, owner, id, append_of(question.clone())).await, expected);
    assert_eq!(stores.conversations.get(owner, id).await.unwrap(), Some(expected.clone()));

    let answer = message(2, Role::Assistant, 6);
    let new = NewMessage {
        tokens_used: 150,
        cost_usd: 0.25,
        platforms: vec![Platform::GoogleAnalytics, Platform::MetaAds],
        ..append_of(answer.clone())
    };
    let expected = Conversation {
        message_count: 2,
        answers_pending: 0,
        message_bytes: question.stored_bytes() + answer.stored_bytes(),
        last_message_at: at(6),
        updated_at: at(6),
        metadata: ConversationMetadata {
            platforms_queried: BTreeSet::from([Platform::GoogleAnalytics, Platform::MetaAds]),
            total_tokens_used: 150,
            total_cost_usd: 0.25,
        },
        ..expected
    };
    assert_eq!(appended(&stores, owner, id, new).await, expected);

    let shelve = ConversationChanges { title: None, status: Some(ConversationStatus::Archived) };
    stores.conversations.update(owner, id, shelve, at(7)).await.unwrap().unwrap();
    let follow_up = message(3, Role::Assistant, 8);
    let new = NewMessage {
        tokens_used: 50,
        cost_usd: 0.125,
        platforms: vec![Platform::MetaAds, Platform::GoogleAds],
        ..append_of(follow_up.clone())
    };
    let expected = Conversation {
        status: ConversationStatus::Active,
        message_count: 3,
        message_bytes: question.stored_bytes() + answer.stored_bytes() + follow_up.stored_bytes(),
        last_message_at: at(8),
        updated_at: at(8),
        metadata: ConversationMetadata {
            platforms_queried: BTreeSet::from([Platform::GoogleAnalytics, Platform::GoogleAds, Platform::MetaAds]),
            total_tokens_used: 200,
            total_cost_usd: 0.375,
        },
        ..expected
    };
    assert_eq!(appended(&stores, owner, id, new).await, expected);
    assert_eq!(stores.conversations.get(owner, id).await.unwrap(), Some(expected));
    assert_eq!(all_messages(&stores, owner, id).await, vec![question, answer, follow_up]);
}

/// A question lands only with room for itself and its answer next to the answers being written,
/// and reserves its answer's place; an answer takes that place and is never refused for the cap. A
/// refused question changes nothing; a missing conversation is `NotFound`.
pub async fn append_refuses_past_the_cap(stores: Stores) {
    let owner = user(1);
    let id = conversation_id(1);
    stores.conversations.insert(&conversation(owner, 1, client_id(1), at(0))).await.unwrap();
    let question = |n: u32| NewMessage {
        slot: MessageSlot::Question { limits: cap(4) },
        ..append_of(message(n, Role::User, i64::from(n)))
    };
    let answer = |n: u32| append_of(message(n, Role::Assistant, i64::from(n)));
    let counts = |c: Conversation| (c.message_count, c.answers_pending);

    assert_eq!(counts(appended(&stores, owner, id, question(1)).await), (1, 1));
    let two = appended(&stores, owner, id, question(2)).await;
    assert_eq!(counts(two.clone()), (2, 2));
    // Two stored, two answers reserved: a cap of four is taken.
    assert_eq!(stores.conversations.append(owner, id, &question(3)).await.unwrap(), AppendOutcome::Full);
    assert_eq!(stores.conversations.get(owner, id).await.unwrap(), Some(two));
    assert_eq!(all_messages(&stores, owner, id).await.len(), 2);

    assert_eq!(counts(appended(&stores, owner, id, answer(4)).await), (3, 1));
    assert_eq!(stores.conversations.append(owner, id, &question(5)).await.unwrap(), AppendOutcome::Full);
    let full = appended(&stores, owner, id, answer(6)).await;
    assert_eq!((full.message_count, full.answers_pending, full.last_message_at), (4, 0, at(6)));
    assert_eq!(stores.conversations.append(owner, id, &question(7)).await.unwrap(), AppendOutcome::Full);
    assert_eq!(all_messages(&stores, owner, id).await.len(), 4);

    let missing = stores.conversations.append(owner, conversation_id(2), &question(8)).await.unwrap();
    assert_eq!(missing, AppendOutcome::NotFound);
}

/// Releasing gives a question's reserved place back, once: never below zero, never for another
/// user, harmless on a missing conversation.
pub async fn releasing_an_answer_frees_its_place(stores: Stores) {
    let owner = user(1);
    let id = conversation_id(1);
    stores.conversations.insert(&conversation(owner, 1, client_id(1), at(0))).await.unwrap();
    let question = |n: u32| NewMessage {
        slot: MessageSlot::Question { limits: cap(3) },
        ..append_of(message(n, Role::User, i64::from(n)))
    };
    appended(&stores, owner, id, question(1)).await;
    assert_eq!(stores.conversations.append(owner, id, &question(2)).await.unwrap(), AppendOutcome::Full);

    stores.conversations.release_answer(user(2), id).await.unwrap();
    assert_eq!(stores.conversations.get(owner, id).await.unwrap().unwrap().answers_pending, 1);
    stores.conversations.release_answer(owner, id).await.unwrap();
    stores.conversations.release_answer(owner, id).await.unwrap();
    stores.conversations.release_answer(owner, conversation_id(2)).await.unwrap();
    let header = stores.conversations.get(owner, id).await.unwrap().unwrap();
    assert_eq!((header.message_count, header.answers_pending), (1, 0));

    let two = appended(&stores, owner, id, question(2)).await;
    assert_eq!((two.message_count, two.answers_pending), (2, 1));
}

/// Fifty appends at once all land: each sees a distinct count, and the totals and messages are exact.
// The costs are quarters, exact in binary, so their sum is exact in any order and compares with `==`.
#[allow(clippy::float_cmp)]
pub async fn concurrent_appends_lose_nothing(stores: Stores) {
    let owner = user(1);
    let id = conversation_id(1);
    stores.conversations.insert(&conversation(owner, 1, client_id(1), at(0))).await.unwrap();

    let appends = (1..=50u32)
        .zip(Platform::ALL.into_iter().cycle())
        .map(|(n, platform)| {
            let store = Arc::clone(&stores.conversations);
            let new = NewMessage {
                tokens_used: u64::from(n),
                // Quarters are exact in binary, so the sum is the same in any order.
                cost_usd: f64::from(n) * 0.25,
                platforms: vec![platform],
                ..append_of(message(n, Role::User, i64::from(n)))
            };
            async move { store.append(owner, id, &new).await.unwrap() }
        })
        .collect();
    let counts: BTreeSet<u32> = in_parallel(appends)
        .await
        .into_iter()
        .map(|outcome| match outcome {
            AppendOutcome::Appended(c) => c.message_count,
            other => panic!("expected every append to land, got {other:?}"),
        })
        .collect();
    assert_eq!(counts, (1..=50).collect(), "each append saw the count after its own write");

    let header = stores.conversations.get(owner, id).await.unwrap().unwrap();
    assert_eq!((header.message_count, header.answers_pending), (50, 50));
    assert_eq!(header.metadata.total_tokens_used, (1..=50).sum::<u64>());
    assert_eq!(header.metadata.total_cost_usd, f64::from((1..=50).sum::<u32>()) * 0.25);
    assert_eq!(header.metadata.platforms_queried, Platform::ALL.into_iter().collect());
    let messages = all_messages(&stores, owner, id).await;
    assert_eq!(header.message_bytes, stored_bytes(&messages));
    let message_ids: HashSet<MessageId> = messages.iter().map(|m| m.id).collect();
    assert_eq!(message_ids, (1..=50).map(message_id).collect());
}

/// Fifty questions at once against a cap of twenty: exactly ten land, each reserving its answer's
/// place, the rest are `Full`; then every one of the ten answers lands and the cap is reached exactly.
pub async fn concurrent_appends_never_pass_the_cap(stores: Stores) {
    let owner = user(1);
    let id = conversation_id(1);
    stores.conversations.insert(&conversation(owner, 1, client_id(1), at(0))).await.unwrap();

    let appends = (1..=50u32)
        .map(|n| {
            let store = Arc::clone(&stores.conversations);
            let new = NewMessage {
                slot: MessageSlot::Question { limits: cap(20) },
                ..append_of(message(n, Role::User, i64::from(n)))
            };
            async move { store.append(owner, id, &new).await.unwrap() }
        })
        .collect();
    let outcomes = in_parallel(appends).await;
    let landed = outcomes.iter().filter(|o| matches!(o, AppendOutcome::Appended(_))).count();
    let full = outcomes.iter().filter(|o| **o == AppendOutcome::Full).count();
    assert_eq!((landed, full), (10, 40));
    let header = stores.conversations.get(owner, id).await.unwrap().unwrap();
    assert_eq!((header.message_count, header.answers_pending), (10, 10));

    let answers = (51..=60u32)
        .map(|n| {
            let store = Arc::clone(&stores.conversations);
            let new = append_of(message(n, Role::Assistant, i64::from(n)));
            async move { store.append(owner, id, &new).await.unwrap() }
        })
        .collect();
    assert!(in_parallel(answers).await.iter().all(|o| matches!(o, AppendOutcome::Appended(_))));
    let header = stores.conversations.get(owner, id).await.unwrap().unwrap();
    assert_eq!((header.message_count, header.answers_pending), (20, 0));
    assert_eq!(all_messages(&stores, owner, id).await.len(), 20);
}

/// A question lands only with room in the byte budget for itself and a reserve for its answer next
/// to the reserves of the answers being written: exactly at the budget it lands, a byte over it is
/// `Full` and changes nothing. An answer adds its own bytes (not its reserve), never refused for the
/// budget, and `message_bytes` stays the sum of the stored messages' bytes.
pub async fn append_refuses_past_the_byte_budget(stores: Stores) {
    let owner = user(1);
    let id = conversation_id(1);
    stores.conversations.insert(&conversation(owner, 1, client_id(1), at(0))).await.unwrap();
    let reserve = Message::ANSWER_RESERVE_BYTES;
    // Questions 11 to 19 have texts of one length, so the same stored size.
    let size = message(11, Role::User, 1).stored_bytes();
    let budget = 2 * (size + reserve);
    let limits = ConversationLimits { message_cap: 1_000, byte_budget: budget };
    let question = |n: u32, limits| NewMessage {
        slot: MessageSlot::Question { limits },
        ..append_of(message(n, Role::User, i64::from(n)))
    };
    let answer = |n: u32| append_of(message(n, Role::Assistant, i64::from(n)));
    let bytes = |c: &Conversation| (c.message_count, c.answers_pending, c.message_bytes);

    let one = appended(&stores, owner, id, question(11, limits)).await;
    assert_eq!(bytes(&one), (1, 1, size));
    let short = ConversationLimits { byte_budget: budget - 1, ..limits };
    assert_eq!(stores.conversations.append(owner, id, &question(12, short)).await.unwrap(), AppendOutcome::Full);
    assert_eq!(stores.conversations.get(owner, id).await.unwrap(), Some(one));
    assert_eq!(all_messages(&stores, owner, id).await.len(), 1);
    let two = appended(&stores, owner, id, question(12, limits)).await;
    assert_eq!(bytes(&two), (2, 2, 2 * size), "exactly at the budget lands");
    assert_eq!(stores.conversations.append(owner, id, &question(13, limits)).await.unwrap(), AppendOutcome::Full);
    assert_eq!(stores.conversations.get(owner, id).await.unwrap(), Some(two));

    let first_answer = message(14, Role::Assistant, 14);
    let three = appended(&stores, owner, id, answer(14)).await;
    assert_eq!(bytes(&three), (3, 1, 2 * size + first_answer.stored_bytes()));
    // The answer took more than nothing, so a third question no longer fits beside the last reserve.
    assert!(!three.has_room_for_a_question(limits, size));
    assert_eq!(stores.conversations.append(owner, id, &question(15, limits)).await.unwrap(), AppendOutcome::Full);
    let four = appended(&stores, owner, id, answer(16)).await;
    assert_eq!((four.message_count, four.answers_pending), (4, 0));
    let messages = all_messages(&stores, owner, id).await;
    assert_eq!(messages.len(), 4);
    assert_eq!(four.message_bytes, stored_bytes(&messages));
    assert!(four.message_bytes <= budget);
    // Stored answers take only their own bytes, so what their reserves held beyond that is free again.
    let five = appended(&stores, owner, id, question(17, limits)).await;
    assert_eq!(bytes(&five), (5, 1, four.message_bytes + size));

    // The count cap and the byte budget are both checked: a roomy budget does not lift the cap.
    stores.conversations.insert(&conversation(owner, 2, client_id(1), at(0))).await.unwrap();
    let roomy = ConversationLimits { message_cap: 2, byte_budget: u64::MAX };
    appended(&stores, owner, conversation_id(2), question(18, roomy)).await;
    let outcome = stores.conversations.append(owner, conversation_id(2), &question(19, roomy)).await.unwrap();
    assert_eq!(outcome, AppendOutcome::Full);
}

/// Fifty questions at once against a byte budget with room for ten questions and their answers'
/// reserves: exactly ten land, the rest are `Full`; then all ten answers land, and the stored bytes
/// never pass the budget and are exactly those of the stored messages.
pub async fn concurrent_questions_never_pass_the_byte_budget(stores: Stores) {
    let owner = user(1);
    let id = conversation_id(1);
    stores.conversations.insert(&conversation(owner, 1, client_id(1), at(0))).await.unwrap();
    // Questions 10 to 59 have texts of one length, so the same stored size.
    let size = message(10, Role::User, 10).stored_bytes();
    let budget = 10 * (size + Message::ANSWER_RESERVE_BYTES) + size;
    let limits = ConversationLimits { message_cap: 10_000, byte_budget: budget };

    let appends = (10..60u32)
        .map(|n| {
            let store = Arc::clone(&stores.conversations);
            let new = NewMessage {
                slot: MessageSlot::Question { limits },
                ..append_of(message(n, Role::User, i64::from(n)))
            };
            assert_eq!(new.message.stored_bytes(), size);
            async move { store.append(owner, id, &new).await.unwrap() }
        })
        .collect();
    let outcomes = in_parallel(appends).await;
    let landed = outcomes.iter().filter(|o| matches!(o, AppendOutcome::Appended(_))).count();
    let full = outcomes.iter().filter(|o| **o == AppendOutcome::Full).count();
    assert_eq!((landed, full), (10, 40));
    let header = stores.conversations.get(owner, id).await.unwrap().unwrap();
    assert_eq!((header.message_count, header.answers_pending, header.message_bytes), (10, 10, 10 * size));

    let answers = (60..70u32)
        .map(|n| {
            let store = Arc::clone(&stores.conversations);
            let new = append_of(message(n, Role::Assistant, i64::from(n)));
            async move { store.append(owner, id, &new).await.unwrap() }
        })
        .collect();
    assert!(in_parallel(answers).await.iter().all(|o| matches!(o, AppendOutcome::Appended(_))));
    let header = stores.conversations.get(owner, id).await.unwrap().unwrap();
    let messages = all_messages(&stores, owner, id).await;
    assert_eq!((header.message_count, header.answers_pending, messages.len()), (20, 0, 20));
    assert_eq!(header.message_bytes, stored_bytes(&messages));
    assert!(header.message_bytes <= budget, "{} bytes over a budget of {budget}", header.message_bytes);
}

/// An answer's working reads back field by field: every kind of value in the tools' arguments, a
/// trace that failed beside one that ran, sources with and without a sync time, unsupported figures
/// and estimated usage; an empty working stays one, and an answer without working has none.
pub async fn answers_round_trip_their_working(stores: Stores) {
    let owner = user(1);
    let id = conversation_id(1);
    stores.conversations.insert(&conversation(owner, 1, client_id(1), at(0))).await.unwrap();
    let full = message(1, Role::Assistant, 1);
    assert_eq!(full.metadata.working, Some(working()));
    let mut empty = message(2, Role::Assistant, 2);
    empty.metadata.working = Some(AnswerWorking::default());
    let mut without = message(3, Role::Assistant, 3);
    without.metadata.working = None;
    for m in [&full, &empty, &without] {
        appended(&stores, owner, id, append_of(m.clone())).await;
    }

    let messages = all_messages(&stores, owner, id).await;
    let read_back = messages[0].metadata.working.as_ref().expect("the working is kept");
    let expected = working();
    assert_eq!(read_back.tools, expected.tools);
    assert_eq!(read_back.tools[0].arguments, expected.tools[0].arguments);
    assert_eq!(read_back.sources, expected.sources);
    assert_eq!(read_back.grounding, expected.grounding);
    assert_eq!(read_back.usage, expected.usage);
    assert!(read_back.demo);
    assert_eq!(messages, vec![full.clone(), empty, without]);
    let rated_answer = stores.conversations.set_feedback(owner, id, full.id, Some(Feedback::Positive)).await.unwrap();
    assert_eq!(rated_answer, FeedbackOutcome::Rated(rated(full, Some(Feedback::Positive))));
}

/// Only the analyst's messages take a rating, which can be set, changed and cleared; the other
/// outcomes name what is wrong and change nothing.
pub async fn feedback_only_on_assistant_messages(stores: Stores) {
    let owner = user(1);
    let id = conversation_id(1);
    stores.conversations.insert(&conversation(owner, 1, client_id(1), at(0))).await.unwrap();
    let question = message(1, Role::User, 1);
    let answer = message(2, Role::Assistant, 2);
    let instruction = message(3, Role::System, 3);
    let second = message(4, Role::Assistant, 4);
    for m in [&question, &answer, &instruction, &second] {
        appended(&stores, owner, id, append_of(m.clone())).await;
    }
    let rate = |message, feedback| {
        let stores = stores.clone();
        async move { stores.conversations.set_feedback(owner, id, message, feedback).await.unwrap() }
    };

    let positive = rated(answer.clone(), Some(Feedback::Positive));
    assert_eq!(rate(answer.id, Some(Feedback::Positive)).await, FeedbackOutcome::Rated(positive.clone()));
    assert_eq!(all_messages(&stores, owner, id).await[1], positive);
    let negative = rated(answer.clone(), Some(Feedback::Negative));
    assert_eq!(rate(answer.id, Some(Feedback::Negative)).await, FeedbackOutcome::Rated(negative.clone()));
    assert_eq!(all_messages(&stores, owner, id).await[1], negative);
    assert_eq!(rate(answer.id, None).await, FeedbackOutcome::Rated(answer.clone()));
    let kept = rated(second.clone(), Some(Feedback::Negative));
    assert_eq!(rate(second.id, Some(Feedback::Negative)).await, FeedbackOutcome::Rated(kept.clone()));

    assert_eq!(rate(question.id, Some(Feedback::Positive)).await, FeedbackOutcome::NotAnAnswer);
    assert_eq!(rate(instruction.id, Some(Feedback::Negative)).await, FeedbackOutcome::NotAnAnswer);
    assert_eq!(rate(message_id(99), Some(Feedback::Positive)).await, FeedbackOutcome::MessageNotFound);
    assert_eq!(all_messages(&stores, owner, id).await, vec![question, answer, instruction, kept]);
    assert_eq!(stores.conversations.get(owner, id).await.unwrap().unwrap().message_count, 4);
}

/// Across all users, retention archives active conversations whose last message is strictly older
/// than the cutoff and removes deleted ones deleted strictly before it; it counts what it did, and
/// touches nothing else.
pub async fn retention_archives_idle_and_purges_old_deleted(stores: Stores) {
    let (u1, u2, c) = (user(1), user(2), client_id(1));
    let cutoff = at(1000);
    let idle = conversation(u1, 1, c, at(999));
    insert_all(
        &stores,
        &[
            idle.clone(),
            conversation(u1, 2, c, at(1000)),
            conversation(u1, 3, c, at(1001)),
            Conversation { status: ConversationStatus::Archived, ..conversation(u1, 4, c, at(1)) },
            conversation(u2, 5, c, at(5)),
            conversation(u1, 6, c, at(1)),
            conversation(u1, 7, c, at(1)),
            conversation(u2, 8, c, at(1)),
        ],
    )
    .await;
    for (owner, n, minute) in [(u1, 6, 999), (u1, 7, 1000), (u2, 8, 2000)] {
        assert!(stores.conversations.soft_delete(owner, conversation_id(n), at(minute)).await.unwrap());
    }

    assert_eq!(stores.retention.archive_idle(cutoff).await.unwrap(), 2);
    let archived = Some(ConversationStatus::Archived);
    let (active, deleted) = (Some(ConversationStatus::Active), Some(ConversationStatus::Deleted));
    assert_eq!(status(&stores, u1, 1).await, archived);
    assert_eq!(status(&stores, u1, 2).await, active, "exactly at the cutoff is not idle");
    assert_eq!(status(&stores, u1, 3).await, active);
    assert_eq!(status(&stores, u1, 4).await, archived);
    assert_eq!(status(&stores, u2, 5).await, archived);
    assert_eq!(status(&stores, u1, 6).await, deleted, "a deleted conversation is never archived");
    let archived_idle = stores.conversations.get(u1, idle.id).await.unwrap().unwrap();
    assert_eq!(
        Conversation { updated_at: idle.updated_at, ..archived_idle },
        Conversation { status: ConversationStatus::Archived, ..idle }
    );

    assert_eq!(stores.retention.purge_deleted(cutoff).await.unwrap(), 1);
    assert_eq!(status(&stores, u1, 6).await, None);
    assert_eq!(status(&stores, u1, 7).await, deleted, "deleted exactly at the cutoff is kept");
    assert_eq!(status(&stores, u2, 8).await, deleted);

    assert_eq!(stores.retention.archive_idle(cutoff).await.unwrap(), 0);
    assert_eq!(stores.retention.purge_deleted(cutoff).await.unwrap(), 0);
    // The purged conversation is really gone: its id is free again.
    stores.conversations.insert(&conversation(u1, 6, c, at(1500))).await.unwrap();
    assert_eq!(status(&stores, u1, 6).await, active);
    // An archived conversation comes back with its next message.
    let back = appended(&stores, u1, idle.id, append_of(message(1, Role::User, 1600))).await;
    assert_eq!(back.status, ConversationStatus::Active);
}
