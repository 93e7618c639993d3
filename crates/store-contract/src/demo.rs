//! Contracts of [`DemoDataStore`](domain::ports::DemoDataStore).

use domain::platform::{Platform, PlatformData};

use crate::Stores;
use crate::fixtures::data;

/// The figures sorted by platform, since the port promises no order.
fn by_platform(mut figures: Vec<PlatformData>) -> Vec<PlatformData> {
    figures.sort_by_key(PlatformData::platform);
    figures
}

/// The store starts empty, takes the first seed whole and refuses every later one.
pub async fn demo_data_seeds_once(stores: Stores) {
    assert!(stores.demo.all().await.unwrap().is_empty());

    let sample = domain::demo::sample();
    assert!(stores.demo.seed_if_empty(&sample).await.unwrap());
    assert_eq!(by_platform(stores.demo.all().await.unwrap()), by_platform(sample.clone()));

    let other = vec![data(Platform::GoogleAnalytics), data(Platform::MetaAds)];
    assert!(!stores.demo.seed_if_empty(&other).await.unwrap());
    assert!(!stores.demo.seed_if_empty(&sample).await.unwrap());
    assert_eq!(by_platform(stores.demo.all().await.unwrap()), by_platform(sample));
}
