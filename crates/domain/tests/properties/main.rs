//! Property tests of the domain's rules, through its public API only: validation of values and ids,
//! dates and presets, metric arithmetic, the grounding check, paging, retention, conversation limits
//! and the rate limit's counters.

mod counters;
mod dates;
mod grounding;
mod metrics;
mod paging;
mod retention;
mod support;
mod validation;
