//! The `fulcrum` binary: the explorer window, or a CLI subcommand.

use std::process::ExitCode;

use clap::Parser as _;
use fulcrum::cli::{self, Cli, EXIT_ERROR};

/// mimalloc keeps and reuses the memory it frees, where the system allocator hands every large
/// buffer back to the kernel and pays page faults for the next one: loading 10M rows allocates
/// and frees a few hundred megabytes in large buffers, and this halves the kernel time.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Some(command) => cli::run(command),
        None => open_explorer(cli.file),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(EXIT_ERROR)
        }
    }
}

/// Opens the explorer on `file`, or on the bundled sample.
#[cfg(feature = "gui")]
fn open_explorer(file: Option<std::path::PathBuf>) -> anyhow::Result<u8> {
    use fulcrum::app::{StartWith, run};
    run(file.map_or(StartWith::Sample, StartWith::File))?;
    Ok(cli::EXIT_OK)
}

/// Built without the window (`--no-default-features`): prints the help.
#[cfg(not(feature = "gui"))]
fn open_explorer(_file: Option<std::path::PathBuf>) -> anyhow::Result<u8> {
    use clap::CommandFactory as _;
    Cli::command().print_help().ok();
    eprintln!(
        "\n(this build has no window: build with the default `gui` feature for the explorer)"
    );
    Ok(cli::EXIT_OK)
}
