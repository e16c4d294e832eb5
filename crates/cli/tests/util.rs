//! The test harness: a temporary directory per test, the binary run inside it, and on
//! failure a report with the command, the directory, its files, stdout and stderr.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;
use assert_cmd::assert::{Assert, OutputAssertExt};
use tempfile::TempDir;

/// The environment variables that set options (`--help` shows them as `[env: …]`).
pub const OPTION_VARIABLES: [&str; 7] = [
    "GROUNDSWELL_CONFIG",
    "GROUNDSWELL_DB",
    "GROUNDSWELL_THREADS",
    "GROUNDSWELL_FORMAT",
    "GROUNDSWELL_LAYERS",
    "GROUNDSWELL_ORG",
    "GROUNDSWELL_BIND",
];

/// A fresh directory for one test; removed when dropped.
pub struct TestDir {
    dir: TempDir,
}

impl TestDir {
    pub fn new() -> TestDir {
        TestDir {
            dir: tempfile::Builder::new()
                .prefix("groundswell-cli-")
                .tempdir()
                .expect("create a temporary directory"),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes a file into the directory and returns its path.
    pub fn write(&self, name: &str, contents: &str) -> PathBuf {
        let path = self.dir.path().join(name);
        fs::write(&path, contents).expect("write a test file");
        path
    }

    /// `groundswell` in this directory, with logging off and none of the options'
    /// `GROUNDSWELL_*` variables, whatever the caller's environment.
    pub fn command(&self) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_groundswell"));
        cmd.current_dir(self.path()).env_remove("RUST_LOG");
        for var in OPTION_VARIABLES {
            cmd.env_remove(var);
        }
        cmd
    }

    /// Runs `groundswell ARGS…` to completion.
    pub fn run<S: AsRef<std::ffi::OsStr>>(&self, args: &[S]) -> Assert {
        let mut cmd = self.command();
        cmd.args(args);
        self.with_context(cmd.assert())
    }

    /// Adds the directory and its listing to an assertion's failure report (which already
    /// shows the command, exit status, stdout and stderr).
    pub fn with_context(&self, assert: Assert) -> Assert {
        assert
            .append_context("dir", self.path().display().to_string())
            .append_context("files", self.listing())
    }

    /// Wraps an `Output` obtained without assert_cmd (e.g. with a custom stdout).
    pub fn assert_output(&self, output: Output) -> Assert {
        self.with_context(output.assert())
    }

    fn listing(&self) -> String {
        let mut listing = String::new();
        let mut entries: Vec<_> = fs::read_dir(self.path())
            .map(|dir| dir.flatten().collect())
            .unwrap_or_default();
        entries.sort_by_key(|entry| entry.file_name());
        for entry in entries {
            let len = entry.metadata().map(|m| m.len()).unwrap_or(0);
            let _ = write!(
                listing,
                "{} ({len} bytes); ",
                entry.file_name().to_string_lossy()
            );
        }
        listing
    }
}

/// A real data set from the engine's fixtures, e.g. `fixture("krackhardt_hightech", "ties.csv")`.
pub fn fixture(set: &str, file: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../engine/tests/fixtures")
        .join(set)
        .join(file)
}

/// The stdout of a successful run as text.
pub fn stdout(assert: &Assert) -> String {
    String::from_utf8(assert.get_output().stdout.clone()).expect("stdout is UTF-8")
}

/// The stderr of a run as text.
pub fn stderr(assert: &Assert) -> String {
    String::from_utf8_lossy(&assert.get_output().stderr).into_owned()
}
