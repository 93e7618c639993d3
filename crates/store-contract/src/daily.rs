//! Contracts of [`DailyStore`](domain::ports::DailyStore).

use std::sync::Arc;

use chrono::{Days, NaiveDate};
use domain::daily::{AdDay, CampaignDay, CampaignStatus, Currency, DailyRecord, DayFigures, SiteDay};
use domain::dates::{DateRange, MAX_RANGE_DAYS};
use domain::ids::{ClientId, UserId};
use domain::platform::Platform;

use crate::fixtures::{client_id, daily, day, range, user};
use crate::{Stores, in_parallel};

/// The user's records of the client's platform within `range`.
async fn read(
    stores: &Stores,
    owner: UserId,
    client: ClientId,
    platform: Platform,
    range: DateRange,
) -> Vec<DailyRecord> {
    stores.daily.range(owner, client, platform, range).await.unwrap()
}

/// The days of records, in order.
fn days(records: &[DailyRecord]) -> Vec<NaiveDate> {
    records.iter().map(|r| r.date).collect()
}

/// The `n` days from `first` on.
fn days_from(first: NaiveDate, n: u64) -> Vec<NaiveDate> {
    (0..n).map(|i| first + Days::new(i)).collect()
}

/// Records of every platform read back equal, field by field: ad days with their currency and
/// campaigns of each status, each optional figure present and absent; site days with every figure
/// and breakdown; and an ad day with no campaigns or a site day of zeros stays one.
pub async fn daily_records_round_trip_every_field(stores: Stores) {
    let (owner, acme) = (user(1), client_id(1));
    let first = day("2098-11-03");
    let mut saved: Vec<DailyRecord> = Platform::ALL.into_iter().map(|p| daily(acme, p, first)).collect();
    let quiet_ads = DailyRecord::new(
        acme,
        Platform::LinkedinAds,
        day("2098-11-04"),
        DayFigures::Ads(AdDay { currency: Currency::parse("CHF").unwrap(), campaigns: vec![] }),
    )
    .unwrap();
    let quiet_site =
        DailyRecord::new(acme, Platform::GoogleAnalytics, day("2098-11-04"), DayFigures::Site(SiteDay::default()))
            .unwrap();
    saved.extend([quiet_ads, quiet_site]);
    stores.daily.save(owner, &saved).await.unwrap();

    let both_days = range("2098-11-03", "2098-11-04");
    for platform in Platform::ALL {
        let mut expected = vec![daily(acme, platform, first)];
        expected.extend(saved[4..].iter().filter(|r| r.platform == platform).cloned());
        assert_eq!(read(&stores, owner, acme, platform, both_days).await, expected, "{platform}");
    }
    let ads = read(&stores, owner, acme, Platform::MetaAds, both_days).await;
    let DayFigures::Ads(AdDay { currency, campaigns }) = &ads[0].figures else { panic!("meta ads has ad figures") };
    assert_eq!(*currency, Currency::EUR);
    let statuses: Vec<CampaignStatus> = campaigns.iter().map(|c| c.status).collect();
    assert_eq!(statuses, [CampaignStatus::Active, CampaignStatus::Paused, CampaignStatus::Ended]);
    assert_eq!(campaigns[0].conversions, Some(4.75));
    assert_eq!((campaigns[1].conversions, campaigns[1].conversion_value, campaigns[1].leads), (None, None, None));
}

/// Saving a record of the same client, platform and day replaces it, in a later save or later in the
/// same one, and leaves the other days alone.
pub async fn saving_the_same_day_again_replaces_it(stores: Stores) {
    let (owner, acme) = (user(1), client_id(1));
    let (monday, tuesday) = (day("2098-11-02"), day("2098-11-03"));
    stores
        .daily
        .save(owner, &[daily(acme, Platform::GoogleAds, monday), daily(acme, Platform::GoogleAds, tuesday)])
        .await
        .unwrap();

    let restated = |spend: f64| {
        let campaign = CampaignDay {
            campaign_id: "9".into(),
            name: "Restated".into(),
            status: CampaignStatus::Paused,
            spend,
            impressions: 10,
            clicks: 1,
            conversions: None,
            conversion_value: Some(3.5),
            leads: None,
        };
        let figures = DayFigures::Ads(AdDay { currency: Currency::GBP, campaigns: vec![campaign] });
        DailyRecord::new(acme, Platform::GoogleAds, monday, figures).unwrap()
    };
    stores.daily.save(owner, &[restated(1.0)]).await.unwrap();
    let week = range("2098-11-02", "2098-11-08");
    assert_eq!(
        read(&stores, owner, acme, Platform::GoogleAds, week).await,
        vec![restated(1.0), daily(acme, Platform::GoogleAds, tuesday)]
    );

    stores.daily.save(owner, &[restated(2.0), restated(3.0)]).await.unwrap();
    assert_eq!(
        read(&stores, owner, acme, Platform::GoogleAds, week).await,
        vec![restated(3.0), daily(acme, Platform::GoogleAds, tuesday)],
        "the last record of a day in one save wins"
    );
}

/// A range holds exactly the days from its start to its end, both included, oldest first, whatever
/// order they were saved in, and only of the platform asked for.
pub async fn daily_ranges_are_inclusive_and_oldest_first(stores: Stores) {
    let (owner, acme) = (user(1), client_id(1));
    let saved: Vec<DailyRecord> = ["2098-11-09", "2098-10-31", "2098-11-01", "2098-11-30", "2098-11-05", "2098-12-01"]
        .into_iter()
        .map(|d| daily(acme, Platform::MetaAds, day(d)))
        .collect();
    stores.daily.save(owner, &saved).await.unwrap();
    stores.daily.save(owner, &[daily(acme, Platform::GoogleAds, day("2098-11-02"))]).await.unwrap();

    let november = read(&stores, owner, acme, Platform::MetaAds, range("2098-11-01", "2098-11-30")).await;
    assert_eq!(days(&november), [day("2098-11-01"), day("2098-11-05"), day("2098-11-09"), day("2098-11-30")]);
    assert_eq!(november[0], daily(acme, Platform::MetaAds, day("2098-11-01")));
    let one_day = read(&stores, owner, acme, Platform::MetaAds, range("2098-11-05", "2098-11-05")).await;
    assert_eq!(one_day, vec![daily(acme, Platform::MetaAds, day("2098-11-05"))]);
    assert!(read(&stores, owner, acme, Platform::MetaAds, range("2098-11-06", "2098-11-08")).await.is_empty());
    let ads = read(&stores, owner, acme, Platform::GoogleAds, range("2098-10-01", "2098-12-31")).await;
    assert_eq!(days(&ads), [day("2098-11-02")]);
    assert!(read(&stores, owner, acme, Platform::LinkedinAds, range("2098-10-01", "2098-12-31")).await.is_empty());
}

/// Another user's records are invisible even under the same client id, another client's records
/// too, and a save by one user never replaces another's.
pub async fn daily_records_are_invisible_to_other_users_and_clients(stores: Stores) {
    let (owner, stranger, acme) = (user(1), user(2), client_id(1));
    let november = range("2098-11-01", "2098-11-30");
    let mine = daily(acme, Platform::GoogleAnalytics, day("2098-11-10"));
    stores.daily.save(owner, std::slice::from_ref(&mine)).await.unwrap();

    assert!(read(&stores, stranger, acme, Platform::GoogleAnalytics, november).await.is_empty());
    assert!(read(&stores, owner, client_id(2), Platform::GoogleAnalytics, november).await.is_empty());

    let theirs =
        DailyRecord::new(acme, Platform::GoogleAnalytics, mine.date, DayFigures::Site(SiteDay::default())).unwrap();
    stores.daily.save(stranger, std::slice::from_ref(&theirs)).await.unwrap();
    let other_client = daily(client_id(2), Platform::GoogleAnalytics, mine.date);
    stores.daily.save(owner, std::slice::from_ref(&other_client)).await.unwrap();
    assert_eq!(read(&stores, owner, acme, Platform::GoogleAnalytics, november).await, vec![mine]);
    assert_eq!(read(&stores, stranger, acme, Platform::GoogleAnalytics, november).await, vec![theirs]);
    assert_eq!(read(&stores, owner, client_id(2), Platform::GoogleAnalytics, november).await, vec![other_client]);
}

/// A range longer than [`MAX_RANGE_DAYS`] is read as its last `MAX_RANGE_DAYS` days; one of exactly
/// that length is read whole. The records come from one save of more than a year of days, as a
/// first sync writes them.
pub async fn a_range_longer_than_the_limit_reads_only_its_last_days(stores: Stores) {
    let (owner, acme) = (user(1), client_id(1));
    let first = day("2097-06-01");
    let all: Vec<DailyRecord> =
        days_from(first, 420).into_iter().map(|d| daily(acme, Platform::GoogleAds, d)).collect();
    stores.daily.save(owner, &all).await.unwrap();
    let last = all[419].date;
    let limit = u64::try_from(MAX_RANGE_DAYS).unwrap();

    let whole = DateRange::new(day("2090-01-01"), last).unwrap();
    let read_back = read(&stores, owner, acme, Platform::GoogleAds, whole).await;
    assert_eq!(read_back.len(), 400);
    assert_eq!(days(&read_back), days_from(last - Days::new(limit - 1), limit));
    assert_eq!(read_back, all[20..].to_vec());

    let exact = DateRange::new(all[10].date, all[409].date).unwrap();
    assert_eq!(exact.days(), MAX_RANGE_DAYS);
    assert_eq!(read(&stores, owner, acme, Platform::GoogleAds, exact).await, all[10..410].to_vec());
    let one_more = DateRange::new(all[9].date, all[409].date).unwrap();
    assert_eq!(days(&read(&stores, owner, acme, Platform::GoogleAds, one_more).await), days(&all[10..410]));
}

/// Saving no records succeeds and changes nothing.
pub async fn saving_no_daily_records_is_fine(stores: Stores) {
    let (owner, acme) = (user(1), client_id(1));
    stores.daily.save(owner, &[]).await.unwrap();
    let kept = daily(acme, Platform::LinkedinAds, day("2098-11-01"));
    stores.daily.save(owner, std::slice::from_ref(&kept)).await.unwrap();
    stores.daily.save(owner, &[]).await.unwrap();
    assert_eq!(read(&stores, owner, acme, Platform::LinkedinAds, range("2098-11-01", "2098-11-01")).await, vec![kept]);
}

/// Thirty saves at once, each of its own days of one client's platform (and some of another
/// platform's), all land.
pub async fn concurrent_daily_saves_of_different_days_all_land(stores: Stores) {
    let (owner, acme) = (user(1), client_id(1));
    let first = day("2098-01-01");
    let saves = (0..30u64)
        .map(|n| {
            let store = Arc::clone(&stores.daily);
            let mut records = vec![
                daily(acme, Platform::GoogleAds, first + Days::new(2 * n)),
                daily(acme, Platform::GoogleAds, first + Days::new(2 * n + 1)),
            ];
            if n % 3 == 0 {
                records.push(daily(acme, Platform::GoogleAnalytics, first + Days::new(n)));
            }
            async move { store.save(owner, &records).await.unwrap() }
        })
        .collect();
    in_parallel(saves).await;

    let year = range("2098-01-01", "2098-12-31");
    let ads = read(&stores, owner, acme, Platform::GoogleAds, year).await;
    assert_eq!(days(&ads), days_from(first, 60));
    assert_eq!(ads[59], daily(acme, Platform::GoogleAds, first + Days::new(59)));
    let site = read(&stores, owner, acme, Platform::GoogleAnalytics, year).await;
    assert_eq!(days(&site), (0..30).step_by(3).map(|n| first + Days::new(n)).collect::<Vec<_>>());
}
