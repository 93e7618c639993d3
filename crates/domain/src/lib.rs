//! The chatbot's pure core.
//!
//! Entities and value objects ([`client`], [`conversation`], [`platform`], [`user`]), the rules that
//! guard them, the use cases in [`services`] and the [`ports`] through which those use cases reach
//! storage, the chat model, platforms, the clock and the token cipher. Nothing here does I/O or
//! knows about HTTP, MongoDB, JSON or any platform's API: adapters implement the ports.

pub mod analyst;
pub mod cipher;
pub mod client;
pub mod conversation;
pub mod daily;
pub mod dates;
pub mod demo;
pub mod grounding;
pub mod ids;
pub mod metrics;
pub mod paging;
pub mod platform;
pub mod ports;
pub mod services;
pub mod tools;
pub mod user;
pub mod validation;
pub mod value;
