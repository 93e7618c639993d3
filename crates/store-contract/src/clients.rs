//! Contracts of [`ClientStore`](domain::ports::ClientStore).

use domain::client::{Client, ClientChanges, ClientName, ClientStatus, LogoUrl};
use domain::dates::ClientTimeZone;
use domain::paging::{ClientCursor, ClientQuery, PageLimit};
use domain::platform::{ConnectionStatus, Platform, PlatformAccount, PlatformConnection, SyncSchedule};
use domain::ports::StoreError;

use crate::Stores;
use crate::fixtures::{at, client, client_id, connection, full_client, time_zone, user};

/// A query for pages of `limit` clients.
fn query(limit: u32) -> ClientQuery {
    ClientQuery { limit: PageLimit::new(limit).unwrap(), ..ClientQuery::default() }
}

/// The names of a page's clients, in order.
fn names(clients: &[Client]) -> Vec<&str> {
    clients.iter().map(|c| c.name.as_str()).collect()
}

/// Inserts each client, panicking on failure.
async fn insert_all(stores: &Stores, clients: &[Client]) {
    for c in clients {
        stores.clients.insert(c).await.unwrap();
    }
}

/// A client with every field set reads back equal, time zone, connections, sealed tokens and figures
/// included; a bare one keeps UTC.
pub async fn client_round_trips_every_field(stores: Stores) {
    let acme = full_client(user(1), 1, "Acme Corp");
    let bare = client(user(1), 2, "Bare Client");
    insert_all(&stores, &[acme.clone(), bare.clone()]).await;

    let read_back = stores.clients.get(user(1), acme.id).await.unwrap();
    assert_eq!(read_back.as_ref().map(|c| c.time_zone.name()), Some("Europe/Berlin"));
    assert_eq!(read_back, Some(acme));
    assert_eq!(stores.clients.get(user(1), bare.id).await.unwrap(), Some(bare));
    assert_eq!(stores.clients.get(user(1), client_id(3)).await.unwrap(), None);
}

/// A second insert with an existing id fails with `AlreadyExists` and leaves the first client alone.
pub async fn inserting_a_client_id_twice_is_refused(stores: Stores) {
    let first = client(user(1), 1, "First");
    stores.clients.insert(&first).await.unwrap();

    let again = Client { name: ClientName::new("Second").unwrap(), ..first.clone() };
    let err = stores.clients.insert(&again).await.unwrap_err();
    assert!(matches!(err, StoreError::AlreadyExists), "{err:?}");
    assert_eq!(stores.clients.get(user(1), first.id).await.unwrap(), Some(first));
}

/// Another user's client is not found by any method, and none of them changes it.
pub async fn clients_are_invisible_to_other_users(stores: Stores) {
    let (owner, stranger) = (user(1), user(2));
    let acme = full_client(owner, 1, "Acme Corp");
    stores.clients.insert(&acme).await.unwrap();

    assert_eq!(stores.clients.get(stranger, acme.id).await.unwrap(), None);
    let page = stores.clients.list(stranger, &query(100)).await.unwrap();
    assert!(page.items.is_empty() && page.next.is_none(), "{page:?}");
    let prefixed = ClientQuery { name_prefix: Some("acme".into()), ..query(100) };
    assert!(stores.clients.list(stranger, &prefixed).await.unwrap().items.is_empty());

    let rename = ClientChanges { name: Some(ClientName::new("Hijacked").unwrap()), ..ClientChanges::default() };
    assert_eq!(stores.clients.update(stranger, acme.id, rename, at(10)).await.unwrap(), None);
    let hijack = connection(Platform::MetaAds).disconnected();
    assert!(!stores.clients.save_connection(stranger, acme.id, &hijack, at(10)).await.unwrap());

    assert_eq!(stores.clients.get(owner, acme.id).await.unwrap(), Some(acme.clone()));
    assert_eq!(stores.clients.list(owner, &query(100)).await.unwrap().items, vec![acme]);
}

/// Clients are listed by name in byte order (upper case before lower case), then by id; a page's
/// cursor is its last client and the next page starts strictly after it; the last page has none.
pub async fn client_list_pages_by_name_with_a_cursor(stores: Stores) {
    let owner = user(1);
    insert_all(
        &stores,
        &[
            client(owner, 6, "Delta"),
            client(owner, 7, "Bravo"),
            client(owner, 2, "alpha"),
            client(owner, 5, "Charlie"),
            client(owner, 3, "Bravo"),
            client(user(2), 1, "Able"),
        ],
    )
    .await;

    let first = stores.clients.list(owner, &query(2)).await.unwrap();
    assert_eq!(names(&first.items), ["Bravo", "Bravo"]);
    assert_eq!(first.items[0].id, client_id(3), "equal names are ordered by id");
    assert_eq!(first.next, Some(ClientCursor { name: "Bravo".into(), id: client_id(7) }));

    let second = stores.clients.list(owner, &ClientQuery { after: first.next, ..query(2) }).await.unwrap();
    assert_eq!(names(&second.items), ["Charlie", "Delta"]);
    assert_eq!(second.next, Some(ClientCursor { name: "Delta".into(), id: client_id(6) }));

    let last = stores.clients.list(owner, &ClientQuery { after: second.next, ..query(2) }).await.unwrap();
    assert_eq!(names(&last.items), ["alpha"]);
    assert_eq!(last.next, None);

    // A page that ends exactly at the last client has no cursor either.
    let whole = stores.clients.list(owner, &query(5)).await.unwrap();
    assert_eq!(names(&whole.items), ["Bravo", "Bravo", "Charlie", "Delta", "alpha"]);
    assert_eq!(whole.next, None);

    // A cursor between two equal names resumes at the second.
    let tie = ClientQuery { after: Some(ClientCursor { name: "Bravo".into(), id: client_id(3) }), ..query(1) };
    let resumed = stores.clients.list(owner, &tie).await.unwrap();
    assert_eq!(resumed.items[0].id, client_id(7));
    assert_eq!(resumed.next, Some(ClientCursor { name: "Bravo".into(), id: client_id(7) }));
}

/// A status filter lists only clients with that status, and combines with paging.
pub async fn client_list_filters_by_status(stores: Stores) {
    let owner = user(1);
    let with_status = |n, name, status| Client { status, ..client(owner, n, name) };
    insert_all(
        &stores,
        &[
            with_status(1, "Active One", ClientStatus::Active),
            with_status(2, "Paused", ClientStatus::Inactive),
            with_status(3, "Gone", ClientStatus::Archived),
            with_status(4, "Active Two", ClientStatus::Active),
        ],
    )
    .await;
    let by_status = |status| ClientQuery { status: Some(status), ..query(100) };

    let active = stores.clients.list(owner, &by_status(ClientStatus::Active)).await.unwrap();
    assert_eq!(names(&active.items), ["Active One", "Active Two"]);
    let archived = stores.clients.list(owner, &by_status(ClientStatus::Archived)).await.unwrap();
    assert_eq!(names(&archived.items), ["Gone"]);
    let inactive = stores.clients.list(owner, &by_status(ClientStatus::Inactive)).await.unwrap();
    assert_eq!(names(&inactive.items), ["Paused"]);
    let all = stores.clients.list(owner, &query(100)).await.unwrap();
    assert_eq!(names(&all.items), ["Active One", "Active Two", "Gone", "Paused"]);

    let first = ClientQuery { limit: PageLimit::new(1).unwrap(), ..by_status(ClientStatus::Active) };
    let page = stores.clients.list(owner, &first).await.unwrap();
    assert_eq!(names(&page.items), ["Active One"]);
    let rest = stores.clients.list(owner, &ClientQuery { after: page.next, ..first }).await.unwrap();
    assert_eq!(names(&rest.items), ["Active Two"]);
    assert_eq!(rest.next, None);
}

/// A name prefix matches the start of the name whatever the case of either, and pages like the
/// full list.
pub async fn name_prefix_search_ignores_case(stores: Stores) {
    let owner = user(1);
    insert_all(
        &stores,
        &[
            client(owner, 1, "Acme Corp"),
            client(owner, 2, "acme labs"),
            client(owner, 3, "ACMEZ"),
            client(owner, 4, "Bacme"),
            client(owner, 5, "Ac"),
            client(user(2), 6, "Acme Elsewhere"),
        ],
    )
    .await;
    let prefixed = |prefix: &str, limit| ClientQuery { name_prefix: Some(prefix.into()), ..query(limit) };

    let found = stores.clients.list(owner, &prefixed("aCm", 100)).await.unwrap();
    assert_eq!(names(&found.items), ["ACMEZ", "Acme Corp", "acme labs"]);
    let narrow = stores.clients.list(owner, &prefixed("ACME L", 100)).await.unwrap();
    assert_eq!(names(&narrow.items), ["acme labs"]);
    assert!(stores.clients.list(owner, &prefixed("cme", 100)).await.unwrap().items.is_empty());

    let first = stores.clients.list(owner, &prefixed("acme", 2)).await.unwrap();
    assert_eq!(names(&first.items), ["ACMEZ", "Acme Corp"]);
    let rest = stores.clients.list(owner, &ClientQuery { after: first.next, ..prefixed("acme", 2) }).await.unwrap();
    assert_eq!(names(&rest.items), ["acme labs"]);
    assert_eq!(rest.next, None);
}

/// Characters that mean something to a pattern language match only themselves in a prefix.
pub async fn name_prefix_is_matched_literally(stores: Stores) {
    let owner = user(1);
    insert_all(
        &stores,
        &[
            client(owner, 1, "A.B (test)"),
            client(owner, 2, "AxB (test)"),
            client(owner, 3, "Price $5+ [promo]"),
            client(owner, 4, "C:\\dir*"),
            client(owner, 5, "Price 55"),
        ],
    )
    .await;
    let found = |prefix: &'static str| {
        let stores = stores.clone();
        async move {
            let query = ClientQuery { name_prefix: Some(prefix.into()), ..query(100) };
            let page = stores.clients.list(user(1), &query).await.unwrap();
            page.items.into_iter().map(|c| c.name.as_str().to_owned()).collect::<Vec<_>>()
        }
    };

    assert_eq!(found("a.b (").await, ["A.B (test)"]);
    assert_eq!(found("price $5+ [").await, ["Price $5+ [promo]"]);
    assert_eq!(found("c:\\d").await, ["C:\\dir*"]);
    assert!(found(".").await.is_empty());
    assert_eq!(found("Price 5").await, ["Price 55"]);
    assert!(found("a.*").await.is_empty());
}

/// The names of the clients of `user(1)` whose name starts with `prefix`, in list order.
async fn found_by(stores: &Stores, prefix: &str) -> Vec<String> {
    let query = ClientQuery { name_prefix: Some(prefix.into()), ..query(100) };
    let page = stores.clients.list(user(1), &query).await.unwrap();
    assert_eq!(page.next, None, "one page holds every match");
    page.items.into_iter().map(|c| c.name.as_str().to_owned()).collect()
}

/// A prefix holding a NUL (which no name holds) finds nothing and is no error, alone or after
/// other characters.
pub async fn name_prefix_with_a_nul_finds_nothing(stores: Stores) {
    let owner = user(1);
    insert_all(&stores, &[client(owner, 1, "Acme"), client(owner, 2, "Start")]).await;

    assert!(found_by(&stores, "\0").await.is_empty());
    assert!(found_by(&stores, "Acme\0").await.is_empty());
    assert!(found_by(&stores, "\0Acme").await.is_empty());
    assert_eq!(found_by(&stores, "Ac").await, ["Acme"], "the store still answers after them");
}

/// Every character a regular expression gives a meaning (`.*`, `(`, `[`, `\`, `^`, `$`) matches
/// only itself, at the start of a prefix too, and an anchor is no anchor.
pub async fn name_prefix_with_pattern_characters_matches_them_literally(stores: Stores) {
    let owner = user(1);
    let names = ["^Caret", "$Dollar", "(Paren", "[Bracket", "\\Back", ".*Star", "Plain", "Caret"];
    let clients: Vec<Client> = (1..).zip(names).map(|(n, name)| client(owner, n, name)).collect();
    insert_all(&stores, &clients).await;

    assert_eq!(found_by(&stores, "^").await, ["^Caret"]);
    assert_eq!(found_by(&stores, "^c").await, ["^Caret"]);
    assert_eq!(found_by(&stores, "c").await, ["Caret"]);
    assert_eq!(found_by(&stores, "$").await, ["$Dollar"]);
    assert_eq!(found_by(&stores, "(").await, ["(Paren"]);
    assert_eq!(found_by(&stores, "(p").await, ["(Paren"]);
    assert_eq!(found_by(&stores, "[").await, ["[Bracket"]);
    assert_eq!(found_by(&stores, "\\").await, ["\\Back"]);
    assert_eq!(found_by(&stores, "\\b").await, ["\\Back"]);
    assert_eq!(found_by(&stores, ".*").await, [".*Star"]);
    assert_eq!(found_by(&stores, ".").await, [".*Star"]);
    assert!(found_by(&stores, "*").await.is_empty());
    assert!(found_by(&stores, ".*p").await.is_empty());
    assert!(found_by(&stores, "[pb]").await.is_empty());
}

/// Case is ignored beyond ASCII: `É` and `é` find each other, every character is compared
/// lowercased on its own (`ΑΣ` finds `ΑΣΑ`), but accents are not ignored (`e` does not find `é`).
pub async fn name_prefix_search_ignores_unicode_case(stores: Stores) {
    let owner = user(1);
    let names = ["Éclair", "école", "ÉCOLE NORMALE", "Eclipse", "Straße", "ΑΣΑ Travel"];
    let clients: Vec<Client> = (1..).zip(names).map(|(n, name)| client(owner, n, name)).collect();
    insert_all(&stores, &clients).await;

    let accented = ["ÉCOLE NORMALE", "Éclair", "école"];
    assert_eq!(found_by(&stores, "é").await, accented);
    assert_eq!(found_by(&stores, "É").await, accented);
    assert_eq!(found_by(&stores, "ÉCO").await, ["ÉCOLE NORMALE", "école"]);
    assert_eq!(found_by(&stores, "écl").await, ["Éclair"]);
    assert_eq!(found_by(&stores, "e").await, ["Eclipse"]);
    assert_eq!(found_by(&stores, "STRAß").await, ["Straße"]);
    assert_eq!(found_by(&stores, "ΑΣ").await, ["ΑΣΑ Travel"]);
    assert_eq!(found_by(&stores, "ασα").await, ["ΑΣΑ Travel"]);
}

/// A prefix no name starts with is an empty last page, not an error.
pub async fn name_prefix_without_a_match_is_an_empty_page(stores: Stores) {
    let owner = user(1);
    insert_all(&stores, &[client(owner, 1, "Acme"), client(user(2), 2, "Zeta")]).await;

    let query = ClientQuery { name_prefix: Some("zeta".into()), ..query(10) };
    let page = stores.clients.list(owner, &query).await.unwrap();
    assert!(page.items.is_empty() && page.next.is_none(), "{page:?}");
    assert!(found_by(&stores, "acmez").await.is_empty());
    assert!(found_by(&stores, "\u{10FFFF}").await.is_empty());
}

/// A renamed client is found by its new name, and no longer by its old one.
pub async fn a_renamed_client_is_searched_by_its_new_name(stores: Stores) {
    let owner = user(1);
    stores.clients.insert(&client(owner, 1, "Acme")).await.unwrap();

    let rename = ClientChanges { name: Some(ClientName::new("Éclat Studio").unwrap()), ..ClientChanges::default() };
    stores.clients.update(owner, client_id(1), rename, at(10)).await.unwrap().unwrap();
    assert!(found_by(&stores, "acme").await.is_empty());
    assert_eq!(found_by(&stores, "éclat").await, ["Éclat Studio"]);
    let status = ClientChanges { status: Some(ClientStatus::Inactive), ..ClientChanges::default() };
    stores.clients.update(owner, client_id(1), status, at(11)).await.unwrap().unwrap();
    assert_eq!(found_by(&stores, "ÉCLAT").await, ["Éclat Studio"], "other changes keep the name's key");
}

/// An update changes the fields it names (clearing optional ones on `Some(None)`), stamps
/// `updated_at`, keeps everything else, and returns the client as stored.
pub async fn client_update_changes_only_what_it_names(stores: Stores) {
    let owner = user(1);
    let acme = full_client(owner, 1, "Acme Corp");
    stores.clients.insert(&acme).await.unwrap();

    let changes = ClientChanges {
        name: Some(ClientName::new("Acme Renamed").unwrap()),
        email: Some(None),
        logo: None,
        time_zone: Some(time_zone("America/New_York")),
        status: Some(ClientStatus::Active),
    };
    let updated = stores.clients.update(owner, acme.id, changes, at(10)).await.unwrap();
    let expected = Client {
        name: ClientName::new("Acme Renamed").unwrap(),
        email: None,
        time_zone: time_zone("America/New_York"),
        status: ClientStatus::Active,
        updated_at: at(10),
        ..acme.clone()
    };
    assert_eq!(updated, Some(expected.clone()));
    assert_eq!(stores.clients.get(owner, acme.id).await.unwrap(), Some(expected.clone()));

    let logo = LogoUrl::new("https://cdn.acmecorp.com/new-logo.svg").unwrap();
    let relogo = ClientChanges { logo: Some(Some(logo.clone())), ..ClientChanges::default() };
    let updated = stores.clients.update(owner, acme.id, relogo, at(11)).await.unwrap();
    let expected = Client { logo: Some(logo), updated_at: at(11), ..expected };
    assert_eq!(updated, Some(expected.clone()));
    assert_eq!(stores.clients.get(owner, acme.id).await.unwrap(), Some(expected.clone()));

    let back_to_utc = ClientChanges { time_zone: Some(time_zone("UTC")), ..ClientChanges::default() };
    let updated = stores.clients.update(owner, acme.id, back_to_utc, at(12)).await.unwrap();
    let expected = Client { time_zone: ClientTimeZone::UTC, updated_at: at(12), ..expected };
    assert_eq!(updated, Some(expected.clone()));
    assert_eq!(stores.clients.get(owner, acme.id).await.unwrap(), Some(expected));

    let archive = ClientChanges { status: Some(ClientStatus::Archived), ..ClientChanges::default() };
    assert_eq!(stores.clients.update(owner, client_id(2), archive, at(12)).await.unwrap(), None);
}

/// Saving a connection of each platform stores every field of it (sealed tokens, expiry, sync time,
/// status, each platform's figures) and stamps the client's `updated_at`.
pub async fn connections_round_trip_with_every_field(stores: Stores) {
    let owner = user(1);
    let acme = client(owner, 1, "Acme Corp");
    stores.clients.insert(&acme).await.unwrap();

    for (minute, platform) in (20..).zip(Platform::ALL) {
        assert!(stores.clients.save_connection(owner, acme.id, &connection(platform), at(minute)).await.unwrap());
    }

    let read_back = stores.clients.get(owner, acme.id).await.unwrap().unwrap();
    let expected = Client {
        platforms: Platform::ALL.into_iter().map(|p| (p, connection(p))).collect(),
        updated_at: at(23),
        ..acme
    };
    assert_eq!(read_back, expected);
    let ga = &read_back.platforms[&Platform::GoogleAnalytics];
    assert_eq!(ga.credentials.as_ref().unwrap().access_token.as_str(), "k2025:ga-access:bm9uY2UxMjM0NTY3ODkwYWJjZGVm");
}

/// Saving a disconnected connection keeps its account and figures but no tokens; saving another
/// connection for a platform replaces the whole connection; the other platforms stay as they were.
pub async fn disconnecting_keeps_the_account_and_figures_but_no_tokens(stores: Stores) {
    let owner = user(1);
    let acme = full_client(owner, 1, "Acme Corp");
    stores.clients.insert(&acme).await.unwrap();

    let off = connection(Platform::MetaAds).disconnected();
    assert!(stores.clients.save_connection(owner, acme.id, &off, at(30)).await.unwrap());
    let read_back = stores.clients.get(owner, acme.id).await.unwrap().unwrap();
    let meta = &read_back.platforms[&Platform::MetaAds];
    assert!(!meta.connected);
    assert_eq!(meta.credentials, None);
    assert_eq!(meta.account, Some(PlatformAccount::MetaAds { ad_account_id: "act_1029384756".into() }));
    assert_eq!(meta.sync, SyncSchedule::default(), "a disconnected connection is not scheduled");
    assert_eq!(meta.data, connection(Platform::MetaAds).data);
    let mut expected = acme.clone();
    expected.platforms.insert(Platform::MetaAds, off);
    expected.updated_at = at(30);
    assert_eq!(read_back, expected);

    let replacement = PlatformConnection {
        platform: Platform::GoogleAds,
        account: Some(PlatformAccount::GoogleAds { customer_id: "9876543210".into() }),
        connected: true,
        credentials: None,
        last_sync: None,
        status: ConnectionStatus::Expired,
        status_reason: None,
        data: None,
        sync: SyncSchedule::default(),
    };
    assert!(stores.clients.save_connection(owner, acme.id, &replacement, at(31)).await.unwrap());
    expected.platforms.insert(Platform::GoogleAds, replacement);
    expected.updated_at = at(31);
    assert_eq!(stores.clients.get(owner, acme.id).await.unwrap(), Some(expected));

    let unknown = connection(Platform::LinkedinAds);
    assert!(!stores.clients.save_connection(owner, client_id(9), &unknown, at(32)).await.unwrap());
}
