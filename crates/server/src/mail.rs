//! Outgoing email: plain-text messages (magic links, notifications) sent over SMTP, or only
//! logged where there is no mail server (the demo, development).
//!
//! ```no_run
//! # async fn example() -> Result<(), server::mail::MailError> {
//! use server::mail::{Delivery, MailConfig, Mailer, SmtpServer};
//!
//! let mailer = Mailer::new(MailConfig {
//!     from: "Groundswell <groundswell@example.org>".to_owned(),
//!     delivery: Delivery::Smtp(SmtpServer {
//!         host: "smtp.example.org".to_owned(),
//!         port: 587,
//!         starttls: true,
//!         credentials: None,
//!     }),
//! })?;
//! mailer.send("ana@example.org", "Your sign-in link", "https://…").await?;
//! # Ok(())
//! # }
//! ```
//!
//! Messages are UTF-8 `text/plain`; the transfer encoding (7bit, quoted-printable or base64)
//! is chosen per message, so non-ASCII text and lines of any length arrive intact once the
//! receiving client decodes them. With `starttls`, the connection must be upgraded to TLS
//! (certificates checked against the system's CA store) before anything is sent: a server
//! that does not offer STARTTLS is an error, never a silent fall back to plain text.

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use lettre::message::Mailbox;
use lettre::message::header::ContentType;
use lettre::transport::smtp::authentication;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

/// How long one SMTP exchange (connecting, each command) may take before `send` gives up.
pub const SMTP_TIMEOUT: Duration = Duration::from_secs(30);

/// The sender [`MailConfig::log_only`] uses.
pub const LOG_ONLY_FROM: &str = "Groundswell <groundswell@localhost>";

/// Where mail comes from and how it leaves.
#[derive(Clone, Debug)]
pub struct MailConfig {
    /// The sender: `groundswell@example.org` or `Groundswell <groundswell@example.org>`.
    pub from: String,
    /// SMTP, or only a log line.
    pub delivery: Delivery,
}

impl MailConfig {
    /// No SMTP server: every message is logged at `info` (recipient, subject and the whole
    /// body) instead of sent, so that whoever runs the demo can copy a sign-in link from the
    /// terminal. For the demo and development only: the log then holds addresses and links.
    pub fn log_only() -> MailConfig {
        MailConfig {
            from: LOG_ONLY_FROM.to_owned(),
            delivery: Delivery::LogOnly,
        }
    }
}

/// How a message leaves.
#[derive(Clone, Debug)]
pub enum Delivery {
    /// Handed to an SMTP server (a relay or a submission server).
    Smtp(SmtpServer),
    /// Written to the log at `info`, not sent (see [`MailConfig::log_only`]).
    LogOnly,
}

/// An SMTP server to hand messages to.
#[derive(Clone, Debug)]
pub struct SmtpServer {
    /// Host name (checked against its certificate with `starttls`) or IP address.
    pub host: String,
    /// Usually 587 (submission, with `starttls`) or 25.
    pub port: u16,
    /// Require STARTTLS before authenticating or sending. Without it everything, the
    /// credentials included, crosses the network in clear: only for a relay on the same
    /// machine or network.
    pub starttls: bool,
    /// Sign in before sending (SMTP AUTH PLAIN or LOGIN), if the server requires it.
    pub credentials: Option<Credentials>,
}

/// A user name and password for SMTP AUTH; `Debug` does not show the password.
#[derive(Clone)]
pub struct Credentials {
    pub user: String,
    pub password: String,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("user", &self.user)
            .field("password", &"<hidden>")
            .finish()
    }
}

/// Why a message could not be sent, or a mailer not made.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// A sender or recipient that is not an email address. The message does not repeat the
    /// address (logs must not hold contact details); `address` has it for the caller.
    #[error("not a valid email address: {reason}")]
    InvalidAddress { address: String, reason: String },
    /// The configuration cannot work (for instance TLS for a host name that cannot be one).
    #[error("mail configuration: {0}")]
    Config(String),
    /// The message could not be put together.
    #[error("could not build the email: {0}")]
    Message(#[from] lettre::error::Error),
    /// The SMTP server could not be reached, refused TLS or the credentials, refused the
    /// message, or did not answer in time ([`SMTP_TIMEOUT`]).
    #[error("smtp server {server}: {source}")]
    Smtp {
        server: String,
        #[source]
        source: lettre::transport::smtp::Error,
    },
}

/// Sends plain-text email; cheap to clone (share one in the application state).
#[derive(Clone)]
pub struct Mailer {
    from: Mailbox,
    transport: Transport,
}

#[derive(Clone)]
enum Transport {
    Smtp {
        server: String,
        smtp: Arc<AsyncSmtpTransport<Tokio1Executor>>,
    },
    LogOnly,
}

impl fmt::Debug for Mailer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let transport = match &self.transport {
            Transport::Smtp { server, .. } => server.as_str(),
            Transport::LogOnly => "log only",
        };
        f.debug_struct("Mailer")
            .field("transport", &transport)
            .finish_non_exhaustive()
    }
}

impl Mailer {
    /// Checks the configuration and prepares the transport; connects to nothing yet (each
    /// [`Mailer::send`] opens its own connection).
    ///
    /// # Errors
    /// [`MailError::InvalidAddress`] for a sender that is not an address,
    /// [`MailError::Config`] for TLS settings that cannot be built for `host`.
    pub fn new(config: MailConfig) -> Result<Mailer, MailError> {
        let from = parse_mailbox(&config.from)?;
        let transport = match config.delivery {
            Delivery::LogOnly => Transport::LogOnly,
            Delivery::Smtp(server) => {
                let tls = if server.starttls {
                    let parameters = TlsParameters::new(server.host.clone()).map_err(|error| {
                        MailError::Config(format!("tls for {}: {error}", server.host))
                    })?;
                    Tls::Required(parameters)
                } else {
                    Tls::None
                };
                let mut builder =
                    AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(server.host.clone())
                        .port(server.port)
                        .tls(tls)
                        .timeout(Some(SMTP_TIMEOUT));
                if let Some(credentials) = server.credentials {
                    builder = builder.credentials(authentication::Credentials::new(
                        credentials.user,
                        credentials.password,
                    ));
                }
                Transport::Smtp {
                    server: format!("{}:{}", server.host, server.port),
                    smtp: Arc::new(builder.build()),
                }
            }
        };
        Ok(Mailer { from, transport })
    }

    /// Whether messages are only logged ([`MailConfig::log_only`]).
    pub fn is_log_only(&self) -> bool {
        matches!(self.transport, Transport::LogOnly)
    }

    /// Sends one plain-text message to `to` (`ana@example.org` or `Ana <ana@example.org>`),
    /// and returns once the server has accepted it (or it has been logged).
    ///
    /// # Errors
    /// [`MailError::InvalidAddress`] if `to` is not an address (nothing is sent),
    /// [`MailError::Smtp`] if the server cannot be reached or does not accept the message.
    pub async fn send(&self, to: &str, subject: &str, body: &str) -> Result<(), MailError> {
        let to = parse_mailbox(to)?;
        match &self.transport {
            Transport::LogOnly => {
                tracing::info!(
                    from = %self.from,
                    %to,
                    %subject,
                    "email not sent (log-only mail delivery); its body follows\n{body}"
                );
                Ok(())
            }
            Transport::Smtp { server, smtp } => {
                let message = Message::builder()
                    .from(self.from.clone())
                    .to(to)
                    .subject(subject)
                    .header(ContentType::TEXT_PLAIN)
                    .body(body.to_owned())?;
                smtp.send(message).await.map_err(|source| MailError::Smtp {
                    server: server.clone(),
                    source,
                })?;
                tracing::debug!(%server, "email handed to the smtp server");
                Ok(())
            }
        }
    }
}

fn parse_mailbox(address: &str) -> Result<Mailbox, MailError> {
    Mailbox::from_str(address).map_err(|error| MailError::InvalidAddress {
        address: address.to_owned(),
        reason: error.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use std::io;
    use std::sync::Mutex;

    use super::*;

    /// Log lines, collected for a test.
    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl io::Write for Captured {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    fn log_of(run: impl FnOnce()) -> String {
        let captured = Captured::default();
        let writer = captured.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::INFO)
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .finish();
        tracing::subscriber::with_default(subscriber, run);
        String::from_utf8(captured.0.lock().unwrap().clone()).unwrap()
    }

    fn block_on<T>(future: impl Future<Output = T>) -> T {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(future)
    }

    #[test]
    fn log_only_logs_the_whole_message_at_info_so_a_link_can_be_copied() {
        let mailer = Mailer::new(MailConfig::log_only()).unwrap();
        assert!(mailer.is_log_only());
        let link = format!("http://127.0.0.1:8080/login/{}", "a".repeat(120));
        let body = format!("Hello Zoë,\n\nSign in:\n{link}\n");
        let log = log_of(|| {
            block_on(mailer.send("zoe@example.org", "Your sign-in link", &body)).unwrap();
        });
        assert!(log.contains(" INFO "), "{log}");
        assert!(log.contains("zoe@example.org"), "{log}");
        assert!(log.contains("Your sign-in link"), "{log}");
        assert!(log.contains("Hello Zoë,"), "{log}");
        // The link is on a line of its own, unbroken, to copy from the terminal.
        assert!(log.lines().any(|line| line == link), "{log}");
    }

    #[test]
    fn log_only_still_refuses_an_invalid_recipient() {
        let mailer = Mailer::new(MailConfig::log_only()).unwrap();
        let error = block_on(mailer.send("not an address", "s", "b")).unwrap_err();
        assert!(
            matches!(&error, MailError::InvalidAddress { address, .. } if address == "not an address"),
            "{error:?}"
        );
        assert!(!error.to_string().contains("not an address"), "{error}");
    }

    #[test]
    fn an_invalid_sender_is_refused_when_the_mailer_is_made() {
        let config = MailConfig {
            from: "groundswell@@example".to_owned(),
            delivery: Delivery::LogOnly,
        };
        let error = Mailer::new(config).unwrap_err();
        assert!(
            matches!(error, MailError::InvalidAddress { .. }),
            "{error:?}"
        );
    }

    #[test]
    fn debug_output_hides_the_smtp_password() {
        let config = MailConfig {
            from: "groundswell@example.org".to_owned(),
            delivery: Delivery::Smtp(SmtpServer {
                host: "smtp.example.org".to_owned(),
                port: 587,
                starttls: true,
                credentials: Some(Credentials {
                    user: "groundswell".to_owned(),
                    password: "hunter2".to_owned(),
                }),
            }),
        };
        assert!(!format!("{config:?}").contains("hunter2"));
        let mailer = Mailer::new(config).unwrap();
        let shown = format!("{mailer:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("smtp.example.org:587"), "{shown}");
    }
}
