//! Paging: page limits are 1 to 100, and what is accepted is what is used.

use domain::paging::PageLimit;
use proptest::prelude::*;

proptest! {
    #[test]
    fn page_limits_accept_exactly_one_to_one_hundred(limit in prop_oneof![0_u32..=200, any::<u32>()]) {
        match PageLimit::new(limit) {
            Ok(page) => {
                prop_assert!((1..=u32::from(PageLimit::MAX)).contains(&limit));
                prop_assert_eq!(u32::try_from(page.get()).ok(), Some(limit));
            }
            Err(error) => {
                prop_assert!(limit == 0 || limit > u32::from(PageLimit::MAX));
                prop_assert_eq!(error.field(), "limit");
            }
        }
    }

    #[test]
    fn limits_beyond_sixteen_bits_do_not_wrap_into_range(low in 1_u32..=100, high in 1_u32..=0xFFFF) {
        // 65_536 + 20 must not be read as 20.
        prop_assert!(PageLimit::new((high << 16) | low).is_err());
    }
}

#[test]
fn the_default_page_is_within_the_bounds() {
    let page = PageLimit::default();
    assert!((1..=usize::from(PageLimit::MAX)).contains(&page.get()));
    assert_eq!(PageLimit::new(u32::try_from(page.get()).unwrap()), Ok(page));
}
