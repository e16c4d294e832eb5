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

  For other machines, behind a TLS proxy, over PostgreSQL, mailing sign-in links through
  a submission server (password in GROUNDSWELL_SMTP_PASSWORD):
    GROUNDSWELL_DB=postgres://groundswell@db.internal/groundswell \\
      groundswell serve --bind 0.0.0.0:8080 --public-url https://groundswell.example.org \\
        --secure-cookies --smtp-host smtp.example.org --smtp-user groundswell \\
        --mail-from groundswell@example.org

Without --smtp-host, mail (sign-in links) is written to the log instead of sent.

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

    #[command(flatten)]
    web: WebArgs,
}

/// How the platform is reached and how it mails: shared by `serve` and `demo`.
#[derive(clap::Args, Debug)]
pub struct WebArgs {
    /// The address people reach the server at, for links in emails; defaults to
    /// http://ADDR:PORT of --bind.
    #[arg(long, value_name = "URL", env = "GROUNDSWELL_PUBLIC_URL")]
    public_url: Option<String>,

    /// Mark cookies Secure: set it when a TLS proxy is in front.
    #[arg(long, env = "GROUNDSWELL_SECURE_COOKIES")]
    secure_cookies: bool,

    /// SMTP server for sign-in links; without it mail goes to the log.
    #[arg(long, value_name = "HOST", env = "GROUNDSWELL_SMTP_HOST")]
    smtp_host: Option<String>,

    /// SMTP port (587 is submission with STARTTLS).
    #[arg(
        long,
        value_name = "PORT",
        env = "GROUNDSWELL_SMTP_PORT",
        default_value_t = 587
    )]
    smtp_port: u16,

    /// Send in clear, without STARTTLS: only for a relay on this machine.
    #[arg(long, env = "GROUNDSWELL_SMTP_NO_TLS")]
    smtp_no_tls: bool,

    /// SMTP user; the password is read from GROUNDSWELL_SMTP_PASSWORD only.
    #[arg(long, value_name = "USER", env = "GROUNDSWELL_SMTP_USER")]
    smtp_user: Option<String>,

    /// The sender of the platform's mail.
    #[arg(
        long,
        value_name = "ADDRESS",
        env = "GROUNDSWELL_MAIL_FROM",
        default_value = "Groundswell <groundswell@localhost>"
    )]
    mail_from: String,
}

impl WebArgs {
    /// The server's configuration for a listener on `addr`.
    pub fn config(&self, addr: std::net::SocketAddr) -> server::Config {
        server::Config {
            public_url: self
                .public_url
                .clone()
                .unwrap_or_else(|| format!("http://{addr}")),
            secure_cookies: self.secure_cookies,
            ..server::Config::default()
        }
    }

    /// The mailer: SMTP when a host is given, the log otherwise.
    pub fn mailer(&self) -> anyhow::Result<server::mail::Mailer> {
        use server::mail::{Credentials, Delivery, MailConfig, Mailer, SmtpServer};
        let config = match &self.smtp_host {
            None => MailConfig::log_only(),
            Some(host) => MailConfig {
                from: self.mail_from.clone(),
                delivery: Delivery::Smtp(SmtpServer {
                    host: host.clone(),
                    port: self.smtp_port,
                    starttls: !self.smtp_no_tls,
                    credentials: self.smtp_user.as_ref().map(|user| Credentials {
                        user: user.clone(),
                        password: std::env::var("GROUNDSWELL_SMTP_PASSWORD").unwrap_or_default(),
                    }),
                }),
            },
        };
        Mailer::new(config).map_err(|error| crate::BadInput(format!("mail: {error}")).into())
    }
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
    let listener = listen(&args.bind).await?;
    let config = args.web.config(listener.local_addr()?);
    let state = server::AppState::with(store.clone(), config, args.web.mailer()?);
    serve_until_ctrl_c(listener, state, &[]).await
}

/// Binds the address, or says why not.
pub async fn listen(bind: &str) -> anyhow::Result<tokio::net::TcpListener> {
    tokio::net::TcpListener::bind(bind)
        .await
        .with_context(|| format!("cannot listen on {bind}"))
}

/// Prints `listening on http://ADDR` (then `notes`, one a line), serves until Ctrl-C, and
/// closes the store.
pub async fn serve_until_ctrl_c(
    listener: tokio::net::TcpListener,
    state: server::AppState,
    notes: &[String],
) -> anyhow::Result<()> {
    let addr = listener.local_addr()?;
    let shutdown = ctrl_c();
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "listening on http://{addr}")?;
    for note in notes {
        writeln!(stdout, "{note}")?;
    }
    stdout.flush()?;
    drop(stdout);
    let store = state.store().clone();
    tracing::info!(%addr, backend = ?store.backend(), "serving");
    server::serve(listener, state, shutdown).await?;
    store.close().await;
    Ok(())
}

/// A future that completes at the first Ctrl-C (SIGINT). The handler is installed here,
/// before the caller announces the server, so a Ctrl-C that follows the announcement at once
/// is never lost (nor kills the process). If the signal cannot be watched the server keeps
/// running — stopping at once would be worse — and can still be killed.
fn ctrl_c() -> impl std::future::Future<Output = ()> + Send + 'static {
    #[cfg(unix)]
    let watched = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt());
    async move {
        #[cfg(unix)]
        let received = match watched {
            Ok(mut interrupt) => interrupt
                .recv()
                .await
                .map(drop)
                .ok_or("the signal stream ended"),
            Err(error) => {
                tracing::error!(%error, "cannot watch for Ctrl-C; stop the server with a kill");
                std::future::pending::<Result<(), &str>>().await
            }
        };
        #[cfg(not(unix))]
        let received = tokio::signal::ctrl_c()
            .await
            .map_err(|_| "cannot watch for Ctrl-C");
        if let Err(error) = received {
            tracing::error!(
                error,
                "Ctrl-C is no longer watched; stop the server with a kill"
            );
            std::future::pending::<()>().await;
        }
        tracing::info!("Ctrl-C: shutting down after the requests in flight");
    }
}
