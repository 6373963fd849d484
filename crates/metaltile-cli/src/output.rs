//! Writing to the terminal: text and JSON on stdout, progress bars on stderr.

use crate::error::CliError;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde::Serialize;
use std::io::{ErrorKind, IsTerminal, Write};

/// Write `text` to stdout. A closed pipe (`tile list | head`) is not an error.
pub fn print(text: &str) -> Result<(), CliError> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        Err(e) if e.kind() != ErrorKind::BrokenPipe => {
            Err(CliError::Io { what: "writing to stdout".into(), source: e })
        }
        _ => Ok(()),
    }
}

/// `value` as pretty JSON with a trailing newline.
pub fn to_json<T: Serialize + ?Sized>(value: &T) -> Result<String, CliError> {
    let mut s = serde_json::to_string_pretty(value)?;
    s.push('\n');
    Ok(s)
}

/// Print `value` as JSON on stdout.
pub fn print_json<T: Serialize + ?Sized>(value: &T) -> Result<(), CliError> {
    print(&to_json(value)?)
}

/// A progress bar of `len` steps on stderr; hidden under `--json` or when stderr is not a
/// terminal, so piped and machine-read output stays clean.
pub fn progress(len: usize, json: bool) -> ProgressBar {
    if json || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(len as u64), ProgressDrawTarget::stderr());
    let style = ProgressStyle::with_template("{bar:30.cyan/blue} {pos}/{len} {elapsed_precise} {msg}")
        .unwrap_or_else(|_| ProgressStyle::default_bar());
    bar.set_style(style);
    bar
}
