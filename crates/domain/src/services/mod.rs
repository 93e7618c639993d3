//! Use cases: one service per area, one method per user action, each holding the ports it needs.

pub mod chat;
pub mod client_data;
pub mod clients;
pub mod conversations;
pub mod figures;
pub mod platforms;
pub mod rate_limit;
pub mod retention;
pub mod sync;
pub mod users;

#[cfg(test)]
pub(crate) mod test_support;
