//! The command line: `serve` (the default), `dev-token`, `retention --now`, `migrate` and `gen-key`.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use adapters_system::SystemClock;
use clap::{Parser, Subcommand};
use domain::ids::UserId;
use domain::services::retention::{RetentionOutcome, RetentionService};

use crate::config::Config;
use crate::startup::{Application, jwt_keys};
use crate::wiring::{self, Backend, process_holder};

/// The agency analytics chatbot's API server.
#[derive(Debug, Parser)]
#[command(name = "api", version, about)]
pub struct Cli {
    /// Configuration, from the environment or the flags below.
    #[command(flatten)]
    pub config: Config,
    /// What to do; `serve` when omitted.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// What the binary does.
#[derive(Debug, Clone, Subcommand)]
pub enum Command {
    /// Serve the HTTP API (the default).
    Serve,
    /// Print a signed JWT for a user, for local use with `Authorization: Bearer`.
    DevToken {
        /// The user's id: 24 hexadecimal characters.
        #[arg(long, value_parser = parse_user)]
        user: UserId,
        /// How many hours the token stays valid.
        #[arg(long, default_value_t = 24)]
        hours: u64,
    },
    /// Run the retention clean-up (archive idle conversations, purge deleted ones).
    Retention {
        /// Run it once now and print what it did.
        #[arg(long, required = true)]
        now: bool,
    },
    /// Create and update the `MongoDB` indexes, print what changed, and exit (`MONGODB_URI` required).
    Migrate,
    /// Print a fresh `TOKEN_ENCRYPTION_KEY` entry (`keyId:base64key`).
    GenKey {
        /// The id to give the key; pick a new one at each rotation.
        #[arg(long, default_value = "k1")]
        key_id: String,
    },
}

fn parse_user(raw: &str) -> Result<UserId, String> {
    UserId::parse(raw).map_err(|e| e.message().to_owned())
}

/// Runs the command.
///
/// # Errors
/// When start-up or the command fails.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let config = cli.config;
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(config).await,
        Command::DevToken { user, hours } => {
            let token = jwt_keys(&config)?.issue(user, Duration::from_secs(hours * 3600))?;
            println!("{token}");
            Ok(())
        }
        Command::Retention { now: _ } => retention_now(&config).await,
        Command::Migrate => migrate(&config).await,
        Command::GenKey { key_id } => {
            println!("{}", adapters_crypto::generate_key_spec(&key_id).map_err(|e| anyhow::anyhow!("--key-id: {e}"))?);
            Ok(())
        }
    }
}

async fn serve(config: Config) -> anyhow::Result<()> {
    let embedded = config.is_embedded();
    let console = crate::console::enabled(&config);
    let bind_addr = config.bind_addr;
    let dev_user = config.dev_user_id;
    let app = Application::build(config).await?;
    tracing::info!(port = app.port(), "listening");
    if embedded {
        tracing::warn!(
            "embedded default: data lives in memory and is NOT persisted; it is gone when the process stops"
        );
        let token = app.issue_token(dev_user, Duration::from_secs(24 * 3600))?;
        print_walkthrough(bind_addr, app.port(), &token, app.dev_clients().map(|c| c.acme.to_string()), console);
    }
    app.run_until_stopped().await;
    Ok(())
}

/// Prints a development token and curl commands a newcomer can paste.
fn print_walkthrough(bind_addr: SocketAddr, port: u16, token: &str, acme: Option<String>, console: bool) {
    let host = if bind_addr.ip().is_unspecified() { "127.0.0.1".to_owned() } else { bind_addr.ip().to_string() };
    let base = format!("http://{host}:{port}");
    println!();
    println!("Embedded default: in-memory store (NOT persisted), offline analyst, development secrets.");
    println!("A token for the development user (valid 24 hours):");
    println!();
    println!("  export TOKEN={token}");
    println!();
    println!("Try it:");
    println!();
    println!("  curl -s {base}/v1/clients -H \"Authorization: Bearer $TOKEN\"");
    if let Some(acme) = acme {
        println!(
            "  CONV=$(curl -s -X POST {base}/v1/clients/{acme}/conversations -H \"Authorization: Bearer $TOKEN\" \
             | sed -E 's/.*\"conversationId\":\"([^\"]+)\".*/\\1/')"
        );
        println!(
            "  curl -s -X POST {base}/v1/conversations/$CONV/messages -H \"Authorization: Bearer $TOKEN\" \
             -H 'Content-Type: application/json' -d '{{\"content\":\"Which campaign had the best CTR?\"}}'"
        );
    }
    println!();
    println!("API description: {base}/openapi.json");
    if console {
        println!();
        println!("The chat console (signs the development user in by itself): {base}/");
    }
    println!();
}

async fn migrate(config: &Config) -> anyhow::Result<()> {
    let Backend::Mongo { config: mongo, .. } = Backend::from_config(config) else {
        anyhow::bail!(
            "MONGODB_URI: is not set; the embedded default keeps data in memory and has no indexes to migrate"
        );
    };
    let report = wiring::migrate(&wiring::connect_mongo(&mongo).await?).await?;
    for change in &report.changes {
        println!("{change}");
    }
    println!("indexes migrated: {} changed, {} already as required", report.changes.len(), report.unchanged);
    Ok(())
}

async fn retention_now(config: &Config) -> anyhow::Result<()> {
    let (stores, _) = Backend::from_config(config).stores().await?;
    if config.is_embedded() {
        tracing::warn!("embedded default: the in-memory store of this process is empty, so there is nothing to clean");
    }
    let service = RetentionService::new(
        stores.retention,
        stores.job_lock,
        Arc::new(SystemClock),
        config.retention_days,
        process_holder(),
    );
    match service.run().await? {
        RetentionOutcome::Ran(report) => println!(
            "retention ran: {} conversations archived, {} purged (cutoff {})",
            report.archived,
            report.purged,
            report.cutoff.to_rfc3339()
        ),
        RetentionOutcome::Skipped => println!("retention skipped: another replica holds the lease"),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_line_is_well_formed() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }

    #[tokio::test]
    async fn migrate_without_a_database_says_so() {
        let cli = Cli { config: Config::embedded_default(), command: Some(Command::Migrate) };
        let err = run(cli).await.unwrap_err();
        assert!(err.to_string().starts_with("MONGODB_URI: is not set"), "{err}");
    }

    #[test]
    fn retention_needs_now() {
        assert!(Cli::try_parse_from(["api", "retention"]).is_err());
        assert!(matches!(
            Cli::try_parse_from(["api", "retention", "--now"]).unwrap().command,
            Some(Command::Retention { now: true })
        ));
    }

    #[tokio::test]
    async fn retention_now_runs_once_on_the_embedded_default() {
        let cli = Cli { config: Config::embedded_default(), command: Some(Command::Retention { now: true }) };
        run(cli).await.unwrap();
    }

    #[tokio::test]
    async fn dev_tokens_verify_with_the_configured_secret() {
        let mut config = Config::embedded_default();
        config.jwt_secret = Some(secrecy::SecretString::from("a-test-secret-that-is-long-enough-for-hs256"));
        let keys = jwt_keys(&config).unwrap();
        let user = UserId::parse("64b000000000000000000001").unwrap();
        let token = keys.issue(user, Duration::from_secs(60)).unwrap();
        assert_eq!(keys.verify(&token).unwrap(), user);
        let cli = Cli { config, command: Some(Command::DevToken { user, hours: 1 }) };
        run(cli).await.unwrap();
    }

    #[tokio::test]
    async fn retention_on_an_unreachable_database_fails_naming_it() {
        // A port that was free a moment ago: nothing listens on it.
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let mut config = Config::embedded_default();
        config.mongodb_uri =
            Some(secrecy::SecretString::from(format!("mongodb://127.0.0.1:{port}/?directConnection=true")));
        config.mongodb_timeout_secs = 1;
        let cli = Cli { config, command: Some(Command::Retention { now: true }) };
        let err = run(cli).await.unwrap_err().to_string();
        assert!(err.contains("MONGODB_URI"), "{err}");
    }

    #[test]
    fn dev_token_needs_a_user_id() {
        assert!(Cli::try_parse_from(["api", "dev-token", "--user", "bob"]).is_err());
        assert!(Cli::try_parse_from(["api", "dev-token", "--user", "64b000000000000000000001"]).is_ok());
    }
}
