//! `server::mail` against a real SMTP server on a loopback port: what the recipient's mail
//! client would show.

#[path = "support/smtp.rs"]
mod smtp;

use std::time::Duration;

use server::mail::{Delivery, MailConfig, MailError, Mailer, SmtpServer};
use smtp::{ReceivedMail, SmtpSink};

const FROM: &str = "Groundswell <groundswell@example.org>";
const WAIT: Duration = Duration::from_secs(10);

fn mailer_for(sink: &SmtpSink, starttls: bool) -> Mailer {
    Mailer::new(MailConfig {
        from: FROM.to_owned(),
        delivery: Delivery::Smtp(SmtpServer {
            host: sink.addr.ip().to_string(),
            port: sink.addr.port(),
            starttls,
            credentials: None,
        }),
    })
    .expect("mailer")
}

/// Sends one message through a fresh sink and returns it as received.
async fn send_and_receive(to: &str, subject: &str, body: &str) -> ReceivedMail {
    let sink = SmtpSink::start();
    mailer_for(&sink, false)
        .send(to, subject, body)
        .await
        .expect("send");
    let mut messages = sink.wait_for(1, WAIT).await;
    assert_eq!(messages.len(), 1, "{messages:#?}");
    messages.remove(0)
}

/// The body a recipient sees is the body sent, whatever encoding it travelled in.
async fn check_body_arrives_intact(body: &str) {
    let mail = send_and_receive("ana@example.org", "Check", body).await;
    assert_eq!(
        mail.body.trim_end_matches('\n'),
        body.trim_end_matches('\n'),
        "raw message:\n{}",
        mail.raw
    );
}

fn long_link() -> String {
    format!(
        "https://groundswell.example.org/login/verify?token={}&next=%2Fmovements%2F42%3Ftab%3Dasks&lang=fr",
        "Zx9-_".repeat(40)
    )
}

#[tokio::test]
async fn a_message_arrives_with_its_recipients_subject_and_body() {
    let link = long_link();
    let body = format!(
        "Bonjour Zoë,\n\nVoici votre lien de connexion (valable 15 minutes) :\n\n{link}\n\n\
         Si vous n'avez rien demandé, ignorez ce message. — L'équipe 🌱\n"
    );
    let subject = "Votre lien de connexion à Groundswell — « Zoë » 🌱";
    let mail = send_and_receive("Zoë Martin <zoe@example.org>", subject, &body).await;

    assert_eq!(mail.from, "groundswell@example.org");
    assert_eq!(mail.to, ["zoe@example.org"]);
    assert_eq!(mail.subject, subject);
    assert_eq!(mail.header("To"), Some("Zoë Martin <zoe@example.org>"));
    assert_eq!(mail.header("From"), Some(FROM));
    assert!(
        mail.header("Content-Type")
            .is_some_and(|value| value.starts_with("text/plain; charset=utf-8")),
        "{:?}",
        mail.headers
    );
    assert_eq!(
        mail.body.trim_end_matches('\n'),
        body.trim_end_matches('\n')
    );
    // The link survives the transfer encoding's line folding (it crossed the wire split over
    // several quoted-printable lines): it can be taken from the body.
    assert!(!mail.raw.contains(&link), "{}", mail.raw);
    assert_eq!(mail.links(), [link]);
}

#[tokio::test]
async fn bodies_arrive_intact_in_every_transfer_encoding() {
    let link = long_link();
    // ASCII with a line longer than 76 characters (7bit).
    check_body_arrives_intact(&format!("Sign in:\n{link}\n")).await;
    // Mostly non-ASCII (base64 is shorter than quoted-printable).
    check_body_arrives_intact("Приглашение: 参加してください。\nΚαλώς ήρθατε!\n").await;
    // Lines that start with a dot (SMTP dot-stuffing), a lone dot, `=` and trailing spaces.
    check_body_arrives_intact(".hidden\n.\n..two\na=b =3D  \nend  \n").await;
    // A line longer than SMTP's 998-octet limit, no line end at the end.
    check_body_arrives_intact(&format!("{}{link}", "x".repeat(1200))).await;
}

#[tokio::test]
async fn an_invalid_recipient_is_its_own_error_and_nothing_is_sent() {
    let sink = SmtpSink::start();
    let mailer = mailer_for(&sink, false);
    for to in [
        "",
        "ana",
        "ana@",
        "@example.org",
        "ana@exa mple.org",
        "a\r\nb@example.org",
    ] {
        let error = mailer.send(to, "Hello", "Body").await.unwrap_err();
        assert!(
            matches!(&error, MailError::InvalidAddress { address, .. } if address == to),
            "{to:?}: {error:?}"
        );
    }
    mailer
        .send("ana@example.org", "After", "the invalid ones")
        .await
        .expect("send");
    let messages = sink.wait_for(1, WAIT).await;
    assert_eq!(messages.len(), 1, "{messages:#?}");
    assert_eq!(messages[0].subject, "After");
}

#[tokio::test]
async fn a_subject_cannot_add_headers() {
    let mail = send_and_receive("ana@example.org", "Hello\r\nBcc: eve@example.org", "Body\n").await;
    assert_eq!(mail.to, ["ana@example.org"]);
    assert_eq!(mail.header("Bcc"), None, "{:?}", mail.headers);
}

#[tokio::test]
async fn an_unreachable_server_is_an_error() {
    // A port that was free a moment ago: nothing listens there.
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let mailer = Mailer::new(MailConfig {
        from: FROM.to_owned(),
        delivery: Delivery::Smtp(SmtpServer {
            host: "127.0.0.1".to_owned(),
            port,
            starttls: false,
            credentials: None,
        }),
    })
    .unwrap();
    let sent = tokio::time::timeout(
        Duration::from_secs(60),
        mailer.send("ana@example.org", "Hello", "Body"),
    )
    .await
    .expect("send gives up by itself");
    let error = sent.unwrap_err();
    assert!(matches!(error, MailError::Smtp { .. }), "{error:?}");
    assert!(
        error.to_string().contains(&format!("127.0.0.1:{port}")),
        "{error}"
    );
}

#[tokio::test]
async fn starttls_is_required_when_configured() {
    // The sink does not offer STARTTLS: nothing may go out in clear.
    let sink = SmtpSink::start();
    let error = mailer_for(&sink, true)
        .send("ana@example.org", "Hello", "Body")
        .await
        .unwrap_err();
    assert!(matches!(error, MailError::Smtp { .. }), "{error:?}");
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(sink.messages().is_empty(), "{:#?}", sink.messages());
}
