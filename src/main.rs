//! The `msgtrack` binary: a thin dispatch over the library (see `cli/`).

mod cli;

#[global_allocator]
static ALLOCATOR: cli::allocator::Allocator = cli::allocator::Allocator;

fn main() -> std::process::ExitCode {
    cli::run()
}
