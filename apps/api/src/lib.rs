//! The chatbot's HTTP API: configuration, wiring of the adapters into the domain's services, the
//! axum router with its problem+json errors and `OpenAPI` document, and the retention job.
//!
//! Only this crate knows about HTTP. `main` parses [`cli::Cli`] and runs it; tests build an
//! [`startup::Application`] on port 0 and drive it over HTTP.

pub mod auth;
pub mod cli;
pub mod config;
pub mod connectors;
pub mod console;
pub mod error;
pub mod extract;
pub mod jobs;
pub mod openapi;
pub mod routes;
pub mod seed;
mod serve;
pub mod startup;
pub mod telemetry;
pub mod wire;
pub mod wiring;

pub use config::Config;
pub use startup::{Application, StartupError};
pub use wiring::{Ports, Services};
