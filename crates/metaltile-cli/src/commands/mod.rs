//! One module per `tile` command.

mod bench;
mod emit;
mod inspect;
mod list;
mod run;
mod test;

use crate::cli::{Cli, Command};
use crate::error::CliError;

/// Run the parsed command line.
pub fn dispatch(cli: Cli) -> Result<(), CliError> {
    let json = cli.json;
    match cli.command {
        Command::List => list::run(json),
        Command::Emit(a) => emit::run(&a, json),
        Command::Inspect(a) => inspect::run(&a, json),
        Command::Test(a) => test::run(&a, json),
        Command::Run(a) => run::run(&a, json),
        Command::Bench(a) => bench::run(&a, json),
    }
}
