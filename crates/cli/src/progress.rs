//! A progress bar for long work, one step at a time: drawn on stderr when stderr is a
//! terminal, nothing at all when it is piped or redirected. Each step is also logged at
//! `info` with its duration (`RUST_LOG=info`).

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};

/// Progress through a known number of named steps.
pub struct Progress {
    bar: ProgressBar,
}

impl Progress {
    /// A bar of `n_steps` steps; hidden unless stderr is a terminal.
    pub fn new(n_steps: u64) -> Progress {
        let bar = if std::io::stderr().is_terminal() {
            let bar = ProgressBar::new(n_steps);
            let style = ProgressStyle::with_template("{elapsed:>4} [{bar:30}] {pos}/{len} {msg}")
                .expect("valid progress template")
                .progress_chars("=> ");
            bar.set_style(style);
            bar.enable_steady_tick(Duration::from_millis(200));
            bar
        } else {
            ProgressBar::hidden()
        };
        Progress { bar }
    }

    /// Runs one step: shows its name while it runs, then advances the bar.
    pub fn step<T>(&self, name: &'static str, work: impl FnOnce() -> T) -> T {
        self.bar.set_message(name);
        let start = Instant::now();
        let result = work();
        tracing::info!(
            step = name,
            elapsed_ms = start.elapsed().as_millis() as u64,
            "done"
        );
        self.bar.inc(1);
        result
    }

    /// Removes the bar, leaving the terminal as it was.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

impl Drop for Progress {
    /// A bar abandoned by an error is cleared too, so the error message reads cleanly.
    fn drop(&mut self) {
        if !self.bar.is_finished() {
            self.bar.finish_and_clear();
        }
    }
}
