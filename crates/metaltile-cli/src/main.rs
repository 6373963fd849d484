//! `tile`: MetalTile's command line. `tile --help` lists the commands; each command's
//! `--help` its options. Exit status: 0 on success, 1 when `tile test` finds failures, 2 for
//! usage and input errors (the message says which argument and what was expected).

mod cli;
mod commands;
mod error;
mod npy;
mod output;
mod select;
mod table;

use clap::Parser;
use std::io::Write;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    match commands::dispatch(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // Nothing more can be reported if stderr itself is gone.
            let _ = writeln!(std::io::stderr(), "error: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}
