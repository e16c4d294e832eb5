//! `groundswell serve`: run the web platform (`crates/server`) until Ctrl-C.
//!
//! The server is async throughout, so unlike the other database commands this one builds a
//! multi-threaded runtime: requests are answered on every core. It prints
//! `listening on http://ADDR` once the port is bound (with the real port when `--bind`
//! asks for port 0), then serves until SIGINT, when it stops accepting, lets requests in
//! flight finish and exits 0.

use std::io::Write;

use anyhow::Context;

use crate::database::DbArgs;

const EXAMPLES: &str = "\
Examples:
  On this machine only, over the default SQLite file ./groundswell.db:
    groundswell serve

  For other machines (put a TLS proxy in front), over PostgreSQL:
    GROUNDSWELL_DB=postgres://groundswell@db.internal/groundswell \\
      groundswell serve --bind 0.0.0.0:8080

Stop it with Ctrl-C: requests in flight finish first.";

/// Arguments of `groundswell serve`.
#[derive(clap::Args, Debug)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    #[command(flatten)]
    db: DbArgs,

    /// Address and port to listen on; port 0 picks a free one.
    #[arg(
        long,
        value_name = "ADDR:PORT",
        default_value = "127.0.0.1:8080",
        env = "GROUNDSWELL_BIND"
    )]
    bind: String,
}

pub fn run(args: &Args) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the server's runtime")?;
    runtime.block_on(serve(args))
}

async fn serve(args: &Args) -> anyhow::Result<()> {
    let store = store::Store::open(&args.db.db)
        .await
        .context("cannot open the database")?;
    let listener = tokio::net::TcpListener::bind(&args.bind)
        .await
        .with_context(|| format!("cannot listen on {}", args.bind))?;
    let addr = listener.local_addr()?;
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "listening on http://{addr}")?;
    stdout.flush()?;
    drop(stdout);
    tracing::info!(%addr, backend = ?store.backend(), "serving");
    server::serve(listener, server::AppState::new(store.clone()), ctrl_c()).await?;
    store.close().await;
    Ok(())
}

/// Completes at the first Ctrl-C (SIGINT). If the signal cannot be watched the server keeps
/// running — stopping at once would be worse — and can still be killed.
async fn ctrl_c() {
    if let Err(error) = tokio::signal::ctrl_c().await {
        tracing::error!(%error, "cannot watch for Ctrl-C; stop the server with a kill");
        std::future::pending::<()>().await;
    }
    tracing::info!("Ctrl-C: shutting down after the requests in flight");
}
