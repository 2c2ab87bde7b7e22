//! The `msgtrack` binary: a thin dispatch over the library (see `cli/`).

mod cli;

fn main() -> std::process::ExitCode {
    cli::run()
}
