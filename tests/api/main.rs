//! Black-box tests: each test starts the real server on a random port (in-memory backend, test JWT
//! secret) with `helpers::spawn_app` and drives it over HTTP.

mod helpers;

mod auth;
mod clients;
mod connectors;
mod conversations;
mod hardening;
mod health;
mod isolation;
mod journey;
mod me;
mod messages;
mod model_server;
mod openapi;
mod secrets;
mod startup;
mod validation;
