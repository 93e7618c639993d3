//! The `api` binary: reads the configuration once, then serves (or runs a maintenance command).

use std::process::ExitCode;

use api::cli::{self, Cli};
use clap::Parser;

/// mimalloc rather than the system allocator: a request allocates many small, short-lived values
/// on every worker thread, which glibc's malloc serves slower and with more memory per thread
/// (`docs/performance.md`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Err(e) = api::telemetry::init(cli.config.log_format, &cli.config.rust_log) {
        eprintln!("error: {e:#}");
        return ExitCode::FAILURE;
    }
    match cli::run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = %format!("{e:#}"), "stopped");
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
