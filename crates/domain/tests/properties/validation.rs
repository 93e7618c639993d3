//! Validation of values and ids: what a constructor accepts round-trips trimmed and within its
//! documented limits; anything else is refused, naming the offending field.

use domain::client::{ClientEmail, ClientName, ClientStatus, LogoUrl};
use domain::conversation::{ConversationStatus, ConversationTitle, Feedback, MessageContent, Role};
use domain::daily::{CampaignStatus, Currency};
use domain::dates::{ClientTimeZone, Preset};
use domain::ids::{ClientId, ConversationId, MessageId, UserId};
use domain::metrics::Metric;
use domain::user::{Preferences, QuickReply};
use domain::validation::ValidationError;
use proptest::prelude::*;

use crate::support::refused_on;

/// Whitespace that `str::trim` removes, ASCII and not.
fn padding() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(vec![' ', '\t', '\n', '\r', '\u{a0}', '\u{2003}', '\u{3000}']), 0..4)
        .prop_map(|cs| cs.into_iter().collect())
}

/// Text of any characters, whitespace included, up to `max` characters.
fn text(max: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            4 => any::<char>(),
            2 => prop::char::range('a', 'z'),
            1 => prop::sample::select(vec![' ', '\n', '\t', '\u{a0}']),
        ],
        0..=max,
    )
    .prop_map(|cs| cs.into_iter().collect())
}

/// Text whose trimmed length is `n` characters (any non-blank characters at both ends).
fn text_of_len(n: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(prop_oneof![any::<char>(), Just('é'), Just(' ')], n).prop_map(move |mut cs| {
        if let Some(first) = cs.first_mut().filter(|c| c.is_whitespace()) {
            *first = 'x';
        }
        if let Some(last) = cs.last_mut().filter(|c| c.is_whitespace()) {
            *last = 'y';
        }
        cs.into_iter().collect()
    })
}

/// Checks one bounded text constructor against its rule: trimmed, 1 to `max` characters.
fn check_bounded<T>(
    raw: &str,
    max: usize,
    field: &str,
    new: impl Fn(&str) -> Result<T, ValidationError>,
    as_str: impl Fn(&T) -> &str,
) -> Result<(), TestCaseError> {
    let trimmed = raw.trim();
    let len = trimmed.chars().count();
    match new(raw) {
        Ok(value) => {
            prop_assert_eq!(as_str(&value), trimmed);
            prop_assert!((1..=max).contains(&len), "accepted {} characters", len);
        }
        Err(error) => {
            prop_assert_eq!(error.field(), field);
            prop_assert!(len == 0 || len > max, "refused {} characters: {}", len, error);
        }
    }
    Ok(())
}

/// Every bounded text constructor on one input.
fn check_all_bounded(raw: &str) -> Result<(), TestCaseError> {
    check_bounded(raw, ClientName::MAX_CHARS, "name", ClientName::new, ClientName::as_str)?;
    check_bounded(raw, ConversationTitle::MAX_CHARS, "title", ConversationTitle::new, ConversationTitle::as_str)?;
    check_bounded(raw, MessageContent::MAX_CHARS, "content", MessageContent::new, MessageContent::as_str)?;
    check_bounded(raw, QuickReply::MAX_CHARS, "quickReplies", QuickReply::new, QuickReply::as_str)
}

/// A plain, valid e-mail address.
fn email() -> impl Strategy<Value = String> {
    ("[a-z0-9]{1,20}(\\.[a-z0-9]{1,10})?", "[a-z][a-z0-9]{0,15}", "[a-z]{2,6}")
        .prop_map(|(local, host, tld)| format!("{local}@{host}.{tld}"))
}

/// A valid https URL with unreserved characters and percent escapes in its path.
fn logo_url() -> impl Strategy<Value = String> {
    (
        prop::sample::select(vec!["https", "HTTPS", "Https"]),
        "[a-z][a-z0-9-]{0,20}(\\.[a-z]{2,6}){1,2}",
        "(/([A-Za-z0-9._~-]|%[0-9A-F]{2}){0,12}){0,4}",
        "(\\?[a-z]{1,5}=[0-9]{1,4})?",
    )
        .prop_map(|(scheme, host, path, query)| format!("{scheme}://{host}{path}{query}"))
}

proptest! {
    #[test]
    fn bounded_texts_accept_exactly_the_trimmed_inputs_within_their_limits(
        before in padding(),
        core in text(260),
        after in padding(),
    ) {
        check_all_bounded(&format!("{before}{core}{after}"))?;
    }

    #[test]
    fn bounded_texts_hold_at_their_limits_counted_in_characters(
        n in prop::sample::select(vec![1_usize, 2, 199, 200, 201, 202, 3999, 4000, 4001]),
        seed in any::<u64>(),
        before in padding(),
        after in padding(),
    ) {
        // One text of n characters, many of them multi-byte.
        let core: String = (0..n)
            .map(|i| ['é', 'x', '字', '🙂'][usize::try_from((seed >> (i % 60)) & 3).unwrap_or(0)])
            .collect();
        check_all_bounded(&format!("{before}{core}{after}"))?;
    }

    #[test]
    fn bounded_texts_accept_any_characters_up_to_the_limit(core in text_of_len(200)) {
        prop_assert_eq!(ClientName::new(&core).map(|n| n.as_str().to_owned()), Ok(core.clone()));
        prop_assert!(ConversationTitle::new(&core).is_ok());
        prop_assert!(QuickReply::new(&core).is_ok());
        prop_assert_eq!(refused_on(ClientName::new(&format!("{core}z"))), "name");
    }

    #[test]
    fn blank_texts_are_refused(blank in padding()) {
        prop_assert_eq!(refused_on(ClientName::new(&blank)), "name");
        prop_assert_eq!(refused_on(ConversationTitle::new(&blank)), "title");
        prop_assert_eq!(refused_on(MessageContent::new(&blank)), "content");
        prop_assert_eq!(refused_on(QuickReply::new(&blank)), "quickReplies");
    }

    #[test]
    fn valid_emails_are_accepted_trimmed(before in padding(), address in email(), after in padding()) {
        let parsed = ClientEmail::new(&format!("{before}{address}{after}"));
        prop_assert_eq!(parsed.map(|e| e.as_str().to_owned()), Ok(address));
    }

    #[test]
    fn accepted_emails_are_within_the_limit_and_anything_else_is_refused_on_email(raw in text(300)) {
        match ClientEmail::new(&raw) {
            Ok(email) => {
                prop_assert!(email.as_str().chars().count() <= ClientEmail::MAX_CHARS);
                prop_assert!(email.as_str().contains('@'));
            }
            Err(error) => prop_assert_eq!(error.field(), "email"),
        }
    }

    #[test]
    fn emails_without_an_at_sign_are_refused(raw in "[a-z0-9.]{0,40}") {
        prop_assert_eq!(refused_on(ClientEmail::new(&raw)), "email");
    }

    #[test]
    fn too_long_emails_are_refused(
        labels in prop::collection::vec("[a-z]{50,63}", 5..8),
        local in "[a-z]{1,60}",
    ) {
        let address = format!("{local}@{}.com", labels.join("."));
        prop_assert!(address.len() > ClientEmail::MAX_CHARS);
        prop_assert_eq!(refused_on(ClientEmail::new(&address)), "email");
    }

    #[test]
    fn https_urls_are_accepted_trimmed(before in padding(), url in logo_url(), after in padding()) {
        let parsed = LogoUrl::new(&format!("{before}{url}{after}"));
        prop_assert_eq!(parsed.map(|u| u.as_str().to_owned()), Ok(url));
    }

    #[test]
    fn urls_of_other_schemes_are_refused(url in logo_url(), scheme in "(http|ftp|file|javascript|data|wss)") {
        let other = format!("{scheme}{}", &url[5..]);
        prop_assert_eq!(refused_on(LogoUrl::new(&other)), "logo");
    }

    #[test]
    fn urls_with_spaces_or_non_ascii_characters_are_refused(
        url in logo_url(),
        odd in prop::sample::select(vec![" ", "é", "字", "<", ">", "\"", "{", "%zz", "%4"]),
    ) {
        let bad = format!("{url}/a{odd}q");
        prop_assert_eq!(refused_on(LogoUrl::new(&bad)), "logo");
    }

    #[test]
    fn urls_over_the_limit_are_refused(url in logo_url(), extra in 0_usize..50) {
        let long = format!("{url}/{}", "a".repeat(LogoUrl::MAX_CHARS + extra));
        prop_assert_eq!(refused_on(LogoUrl::new(&long)), "logo");
    }

    #[test]
    fn accepted_urls_are_within_the_limit(raw in text(80)) {
        if let Ok(url) = LogoUrl::new(&raw) {
            prop_assert!(url.as_str().len() <= LogoUrl::MAX_CHARS);
            prop_assert!(url.as_str().is_ascii());
            prop_assert!(url.as_str().get(..8).is_some_and(|s| s.eq_ignore_ascii_case("https://")));
        }
    }

    #[test]
    fn object_ids_round_trip_through_their_hex_form(bytes in any::<[u8; 12]>(), upper in any::<bool>()) {
        let user = UserId::from_bytes(bytes);
        let client = ClientId::from_bytes(bytes);
        let hex = user.to_string();
        prop_assert_eq!(hex.len(), 24);
        prop_assert!(hex.chars().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
        let written = if upper { hex.to_ascii_uppercase() } else { hex.clone() };
        prop_assert_eq!(UserId::parse(&written), Ok(user));
        prop_assert_eq!(written.parse::<ClientId>(), Ok(client));
        prop_assert_eq!(ClientId::parse(&format!(" {written}\n")), Ok(client));
        prop_assert_eq!(UserId::parse(&hex).map(|id| id.bytes()), Ok(bytes));
    }

    #[test]
    fn object_ids_of_the_wrong_length_are_refused(raw in "[0-9a-f]{0,40}") {
        prop_assume!(raw.len() != 24);
        prop_assert_eq!(refused_on(UserId::parse(&raw)), "userId");
        prop_assert_eq!(refused_on(ClientId::parse(&raw)), "clientId");
    }

    #[test]
    fn object_ids_with_a_non_hex_character_are_refused(
        bytes in any::<[u8; 12]>(),
        at in 0_usize..24,
        odd in any::<char>().prop_filter("not hex", |c| !c.is_ascii_hexdigit() && !c.is_whitespace()),
    ) {
        let mut chars: Vec<char> = UserId::from_bytes(bytes).to_string().chars().collect();
        chars[at] = odd;
        let raw: String = chars.into_iter().collect();
        prop_assert_eq!(refused_on(UserId::parse(&raw)), "userId");
        prop_assert_eq!(refused_on(ClientId::parse(&raw)), "clientId");
    }

    #[test]
    fn uuid_ids_round_trip_through_their_hyphenated_form(n in any::<u128>()) {
        let uuid = uuid::Uuid::from_u128(n);
        let conversation = ConversationId::from_uuid(uuid);
        let text = conversation.to_string();
        prop_assert_eq!(text.len(), 36);
        prop_assert_eq!(ConversationId::parse(&text), Ok(conversation));
        prop_assert_eq!(text.parse::<MessageId>().map(|m| m.uuid()), Ok(uuid));
        prop_assert_eq!(ConversationId::parse(&text.to_ascii_uppercase()), Ok(conversation));
    }

    #[test]
    fn malformed_uuids_are_refused(raw in "[0-9a-fg-z-]{0,40}") {
        prop_assume!(uuid::Uuid::try_parse(raw.trim()).is_err());
        prop_assert_eq!(refused_on(ConversationId::parse(&raw)), "conversationId");
        prop_assert_eq!(refused_on(MessageId::parse(&raw)), "messageId");
    }

    #[test]
    fn time_zones_round_trip_through_their_iana_names(i in 0..chrono_tz::TZ_VARIANTS.len(), pad in padding()) {
        let name = chrono_tz::TZ_VARIANTS[i].name();
        let zone = ClientTimeZone::parse(&format!("{pad}{name}{pad}")).unwrap();
        prop_assert_eq!(zone.name(), name);
        prop_assert_eq!(name.parse::<ClientTimeZone>(), Ok(zone));
    }

    #[test]
    fn unknown_time_zones_are_refused(raw in "[A-Z][a-z]{3,10}/[A-Z][a-z]{3,10}x") {
        prop_assume!(raw.parse::<chrono_tz::Tz>().is_err());
        prop_assert_eq!(refused_on(ClientTimeZone::parse(&raw)), "timeZone");
    }

    #[test]
    fn currencies_are_any_three_ascii_letters_in_any_case(code in "[A-Za-z]{3}", pad in padding()) {
        let currency = Currency::parse(&format!("{pad}{code}{pad}")).unwrap();
        prop_assert_eq!(currency.code(), code.to_ascii_uppercase());
        prop_assert_eq!(currency.to_string(), code.to_ascii_uppercase());
    }

    #[test]
    fn anything_but_three_ascii_letters_is_not_a_currency(raw in text(6)) {
        let t = raw.trim();
        let is_code = t.len() == 3 && t.chars().all(|c| c.is_ascii_alphabetic());
        match Currency::parse(&raw) {
            Ok(currency) => {
                prop_assert!(is_code, "{:?} parsed as {}", raw, currency);
                prop_assert_eq!(currency.code(), t.to_ascii_uppercase());
            }
            Err(error) => {
                prop_assert!(!is_code, "{:?} refused", raw);
                prop_assert_eq!(error.field(), "currency");
            }
        }
    }

    #[test]
    fn at_most_twenty_quick_replies_are_kept(n in 0_usize..40, notifications in any::<bool>()) {
        let replies: Vec<QuickReply> = (0..n).map(|i| QuickReply::new(&format!("reply {i}")).unwrap()).collect();
        match Preferences::new(replies.clone(), notifications) {
            Ok(preferences) => {
                prop_assert!(n <= Preferences::MAX_QUICK_REPLIES);
                prop_assert_eq!(preferences.quick_replies(), replies.as_slice());
                prop_assert_eq!(preferences.notifications, notifications);
            }
            Err(error) => {
                prop_assert!(n > Preferences::MAX_QUICK_REPLIES);
                prop_assert_eq!(error.field(), "quickReplies");
            }
        }
    }

    #[test]
    fn names_of_enumerations_round_trip_and_other_words_are_refused(word in "[a-z_ ]{0,16}") {
        for s in [ClientStatus::Active, ClientStatus::Inactive, ClientStatus::Archived] {
            prop_assert_eq!(s.key().parse::<ClientStatus>(), Ok(s));
        }
        for s in [ConversationStatus::Active, ConversationStatus::Archived, ConversationStatus::Deleted] {
            prop_assert_eq!(s.key().parse::<ConversationStatus>(), Ok(s));
        }
        for r in [Role::User, Role::Assistant, Role::System] {
            prop_assert_eq!(r.key().parse::<Role>(), Ok(r));
        }
        for f in [Feedback::Positive, Feedback::Negative] {
            prop_assert_eq!(f.key().parse::<Feedback>(), Ok(f));
        }
        for s in [CampaignStatus::Active, CampaignStatus::Paused, CampaignStatus::Ended] {
            prop_assert_eq!(s.key().parse::<CampaignStatus>(), Ok(s));
        }
        for p in Preset::ALL {
            prop_assert_eq!(p.key().parse::<Preset>(), Ok(p));
            prop_assert_eq!(p.key().to_ascii_uppercase().replace('_', " ").parse::<Preset>(), Ok(p));
        }
        for m in Metric::ALL {
            prop_assert_eq!(m.key().parse::<Metric>(), Ok(m));
        }
        let known = ["active", "inactive", "archived"].contains(&word.as_str());
        prop_assert_eq!(word.parse::<ClientStatus>().is_ok(), known);
        if let Err(error) = word.parse::<ClientStatus>() {
            prop_assert_eq!(error.field(), "status");
        }
        let preset = Preset::ALL.iter().any(|p| p.key() == word.trim().replace(' ', "_"));
        prop_assert_eq!(word.parse::<Preset>().is_ok(), preset);
    }
}
