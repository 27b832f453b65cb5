//! The `fulcrum` binary: the explorer window, or a CLI subcommand.

use std::process::ExitCode;

use clap::Parser as _;
use fulcrum::cli::{self, Cli, EXIT_ERROR};

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Some(command) => match cli::run(command) {
            Ok(code) => ExitCode::from(code),
            Err(error) => {
                eprintln!("error: {error:#}");
                ExitCode::from(EXIT_ERROR)
            }
        },
        None => open_explorer(cli.file),
    }
}

/// Until the explorer window exists, prints the help.
fn open_explorer(_file: Option<std::path::PathBuf>) -> ExitCode {
    use clap::CommandFactory as _;
    let mut command = Cli::command();
    command.print_help().ok();
    ExitCode::from(cli::EXIT_OK)
}
