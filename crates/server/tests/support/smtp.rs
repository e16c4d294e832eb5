//! A real SMTP server on a loopback port that keeps every message it receives, decoded, for
//! tests to read: what a mail client would show the recipient.
//!
//! Include it in a test binary with
//! `#[path = "support/smtp.rs"] mod smtp;`, then:
//!
//! ```ignore
//! let sink = SmtpSink::start();
//! // … point a `server::mail::SmtpServer` at `sink.addr` (starttls: false) and send …
//! let mails = sink.wait_for(1, Duration::from_secs(10)).await;
//! let link = mails[0].links()[0].clone();
//! ```
//!
//! The server (the `mailin-embedded` crate) runs on its own threads until the test binary
//! exits; it offers neither STARTTLS nor AUTH.

// Shared by several test binaries, each using only part of it.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use mailin_embedded::{Handler, Response, Server, SslConfig, response};

/// One message as it arrived: the envelope, and the headers and body decoded (RFC 2047
/// encoded words, quoted-printable or base64, the charset), with CRLF line ends as `\n`.
#[derive(Clone, Debug)]
pub struct ReceivedMail {
    /// The envelope sender (`MAIL FROM`).
    pub from: String,
    /// The envelope recipients (`RCPT TO`), in order.
    pub to: Vec<String>,
    /// The decoded `Subject` header.
    pub subject: String,
    /// The decoded text body.
    pub body: String,
    /// Every header, decoded, in order.
    pub headers: Vec<(String, String)>,
    /// The message exactly as it came over the wire (after SMTP dot-unstuffing).
    pub raw: String,
}

impl ReceivedMail {
    /// The first value of header `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    /// Every `http://` or `https://` URL in the body, in order, each up to the next
    /// whitespace or `>`.
    pub fn links(&self) -> Vec<String> {
        let mut links = Vec::new();
        let mut rest = self.body.as_str();
        while let Some(start) = ["http://", "https://"]
            .iter()
            .filter_map(|scheme| rest.find(scheme))
            .min()
        {
            let url = &rest[start..];
            let end = url
                .find(|c: char| c.is_whitespace() || c == '>')
                .unwrap_or(url.len());
            links.push(url[..end].to_owned());
            rest = &url[end..];
        }
        links
    }
}

/// The running server; see the module's documentation.
pub struct SmtpSink {
    /// Where it listens, on 127.0.0.1.
    pub addr: SocketAddr,
    inbox: Arc<Mutex<Vec<ReceivedMail>>>,
}

impl SmtpSink {
    /// Starts a server on a free loopback port, ready when this returns.
    pub fn start() -> SmtpSink {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind the SMTP sink");
        let addr = listener.local_addr().unwrap();
        let inbox = Arc::new(Mutex::new(Vec::new()));
        let handler = SinkHandler {
            inbox: Arc::clone(&inbox),
            current: None,
        };
        let mut server = Server::new(handler);
        server
            .with_name("smtp-sink.test")
            .with_ssl(SslConfig::None)
            .expect("SMTP sink without TLS")
            .with_num_threads(4)
            .with_tcp_listener(listener);
        std::thread::Builder::new()
            .name(format!("smtp-sink-{}", addr.port()))
            .spawn(move || {
                if let Err(error) = server.serve() {
                    panic!("the SMTP sink stopped: {error}");
                }
            })
            .expect("start the SMTP sink");
        SmtpSink { addr, inbox }
    }

    /// Every message received so far, oldest first.
    /// A mailer that hands its messages to this sink (in clear: it is on loopback).
    pub fn mailer(&self) -> server::mail::Mailer {
        use server::mail::{Delivery, MailConfig, Mailer, SmtpServer};
        Mailer::new(MailConfig {
            from: "Groundswell <groundswell@example.org>".into(),
            delivery: Delivery::Smtp(SmtpServer {
                host: self.addr.ip().to_string(),
                port: self.addr.port(),
                starttls: false,
                credentials: None,
            }),
        })
        .expect("a mailer for the sink")
    }

    pub fn messages(&self) -> Vec<ReceivedMail> {
        self.inbox.lock().unwrap().clone()
    }

    /// Waits until at least `n` messages have arrived and returns them all; panics, listing
    /// what did arrive, after `timeout`.
    pub async fn wait_for(&self, n: usize, timeout: Duration) -> Vec<ReceivedMail> {
        let deadline = Instant::now() + timeout;
        loop {
            let messages = self.messages();
            if messages.len() >= n {
                return messages;
            }
            if Instant::now() >= deadline {
                panic!(
                    "the SMTP sink at {} received {} message(s) in {timeout:?}, expected {n}: \
                     {messages:#?}",
                    self.addr,
                    messages.len()
                );
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// One per SMTP connection (mailin clones it), sharing the inbox.
#[derive(Clone)]
struct SinkHandler {
    inbox: Arc<Mutex<Vec<ReceivedMail>>>,
    /// The envelope and data of the message being received.
    current: Option<(String, Vec<String>, Vec<u8>)>,
}

impl Handler for SinkHandler {
    fn data_start(&mut self, _domain: &str, from: &str, _is8bit: bool, to: &[String]) -> Response {
        self.current = Some((from.to_owned(), to.to_vec(), Vec::new()));
        response::OK
    }

    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        if let Some((_, _, data)) = &mut self.current {
            data.extend_from_slice(buf);
        }
        Ok(())
    }

    fn data_end(&mut self) -> Response {
        let Some((from, to, data)) = self.current.take() else {
            return response::INTERNAL_ERROR;
        };
        match decode(from, to, &data) {
            Ok(mail) => {
                self.inbox.lock().unwrap().push(mail);
                response::OK
            }
            Err(error) => {
                eprintln!(
                    "smtp sink: cannot parse a message ({error}):\n{}",
                    String::from_utf8_lossy(&data)
                );
                response::INTERNAL_ERROR
            }
        }
    }
}

fn decode(from: String, to: Vec<String>, data: &[u8]) -> Result<ReceivedMail, String> {
    let parsed = mailparse::parse_mail(data).map_err(|error| error.to_string())?;
    let headers: Vec<(String, String)> = parsed
        .headers
        .iter()
        .map(|header| (header.get_key(), header.get_value()))
        .collect();
    let subject = parsed
        .headers
        .iter()
        .find(|header| header.get_key().eq_ignore_ascii_case("subject"))
        .map(|header| header.get_value())
        .unwrap_or_default();
    let body = parsed
        .get_body()
        .map_err(|error| error.to_string())?
        .replace("\r\n", "\n");
    Ok(ReceivedMail {
        from,
        to,
        subject,
        body,
        headers,
        raw: String::from_utf8_lossy(data).into_owned(),
    })
}
