//! The chat console (`apps/api/console/`, served at `/`) in a real browser. Each test starts the
//! real server on a random port with the console on, opens a headless Chromium through `ChromeDriver`
//! (`WebDriver`), and uses the console as a person does: signing in, picking a client, asking,
//! reading the streamed answer and its working, rating it, reloading; then checks what the API
//! stored. Waits poll the page; nothing sleeps. Screenshots of the main screens are saved under
//! `target/screenshots/`.
//!
//! Needs Debian's `chromium` and `chromium-driver` (`scripts/browser.sh install`; `make test`
//! installs them). Run by hand: `cargo test -p black-box-tests --test browser`.

mod support;

mod chat;
mod clients;
mod conversations;
mod layout;
mod rendering;
mod sign_in;
