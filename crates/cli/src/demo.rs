//! `groundswell demo`: a synthetic organization with 60 days of a living movement in a
//! local SQLite file, served on this machine with a one-click sign-in for each role.
//!
//! The organization is written once (`demo::seed_demo`); later runs on the same file reuse
//! it. The one-click sign-in exists only in this command and answers only loopback
//! requests; the command refuses to listen anywhere but on loopback.

use std::net::SocketAddr;
use std::time::Instant;

use anyhow::Context;

use crate::BadInput;
use crate::serve::{WebArgs, listen, serve_until_ctrl_c};

const EXAMPLES: &str = "\
Examples:
  The demo on http://127.0.0.1:8080, in ./groundswell-demo.db:
    groundswell demo

  A bigger organization, another history, another port:
    groundswell demo --people 20000 --seed 7 --bind 127.0.0.1:9000

Open the printed address and choose whom to sign in as: the host (imports, recommended
activists, the dashboard), an activist (their outreach list), a member (stories, \"I did it\")
or the sponsor (aggregates only). Stop it with Ctrl-C; run it again to pick up where it was.";

/// Arguments of `groundswell demo`.
#[derive(clap::Args, Debug)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    /// The demo's database: created if missing, reused if it holds the demo.
    #[arg(
        long,
        value_name = "URL",
        env = "GROUNDSWELL_DEMO_DB",
        default_value = "sqlite://groundswell-demo.db"
    )]
    db: String,

    /// Loopback address and port to listen on (the one-click sign-in is for this machine).
    #[arg(long, value_name = "ADDR:PORT", default_value = "127.0.0.1:8080")]
    bind: SocketAddr,

    /// People in the synthetic organization.
    #[arg(long, value_name = "N", default_value_t = 2_000, value_parser = clap::value_parser!(u64).range(100..=1_000_000))]
    people: u64,

    /// Seed of the organization and its history.
    #[arg(long, value_name = "N", default_value_t = 1)]
    seed: u64,

    #[command(flatten)]
    web: WebArgs,
}

pub fn run(args: &Args) -> anyhow::Result<()> {
    if !args.bind.ip().is_loopback() {
        return Err(BadInput(format!(
            "--bind {}: the demo signs anyone in with one click, so it listens on loopback \
             only (127.0.0.1 or ::1); use `groundswell serve` for other machines",
            args.bind
        ))
        .into());
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the server's runtime")?;
    runtime.block_on(demo(args))
}

async fn demo(args: &Args) -> anyhow::Result<()> {
    let started = Instant::now();
    let store = store::Store::open(&args.db)
        .await
        .context("cannot open the demo's database")?;
    let options = ::demo::DemoOptions {
        people: usize::try_from(args.people)?,
        seed: args.seed,
        ..::demo::DemoOptions::default()
    };
    let seeded = ::demo::seed_demo(&store, &options)
        .await
        .context("cannot write the demo organization")?;
    let listener = listen(&args.bind.to_string()).await?;
    let addr = listener.local_addr()?;
    let mut config = args.web.config(addr);
    config.demo_sign_ins = seeded
        .people()
        .into_iter()
        .map(|person| server::DemoSignIn {
            role: person.role.as_str().to_string(),
            org: seeded.org,
            account: person.account,
            name: person.name.clone(),
            what_they_see: what_they_see(person.role).to_string(),
        })
        .collect();
    let state = server::AppState::with(store, config, args.web.mailer()?);
    let mut notes = vec![format!(
        "{} `{}` ({} people) ready in {:.1} s",
        if seeded.created { "wrote" } else { "reusing" },
        seeded.name,
        args.people,
        started.elapsed().as_secs_f64()
    )];
    notes.push(format!("sign in with one click at http://{addr}/demo as:"));
    for person in seeded.people() {
        notes.push(format!(
            "  {:<9} {} <{}>",
            person.role.as_str(),
            person.name,
            person.email
        ));
    }
    notes.push("Ctrl-C stops it; running it again reuses the file.".into());
    serve_until_ctrl_c(listener, state, &notes).await
}

fn what_they_see(role: movement::Role) -> &'static str {
    match role {
        movement::Role::Host => {
            "Imports, the recommended activists and who should ask them, the dashboard."
        }
        movement::Role::Activist => "Their outreach list, drafts to send themselves, stories.",
        movement::Role::Member => "Stories, reactions, \"I did it\", becoming an activist.",
        movement::Role::Sponsor => "The dashboard's aggregates, nothing about individuals.",
    }
}
