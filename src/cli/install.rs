//! `msgtrack completions` and `msgtrack man`: what a package or an admin installs beside the
//! binary, generated from the same command-line definition (clap_complete, clap_mangen).

use std::path::PathBuf;

use clap::{Args, CommandFactory};

use super::{Opts, exit};

/// `msgtrack completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// bash, zsh, fish, powershell or elvish.
    pub shell: clap_complete::Shell,
}

/// `msgtrack man`.
#[derive(Debug, Args)]
pub struct ManArgs {
    /// Write msgtrack.1 and one page per command (msgtrack-query.1, …) into this folder.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// Prints the completion script.
pub fn completions(args: &CompletionsArgs) -> anyhow::Result<u8> {
    let mut command = Opts::command();
    // Into a buffer first: the generator panics on a closed pipe (`| head`).
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut command, "msgtrack", &mut script);
    write_stdout(&script)
}

/// Prints or writes the man pages.
pub fn man(args: &ManArgs) -> anyhow::Result<u8> {
    // The crate's version alone: a page kept in the repository must not change per commit.
    let command = Opts::command().version(env!("CARGO_PKG_VERSION"));
    match &args.out {
        Some(dir) => {
            std::fs::create_dir_all(dir)?;
            clap_mangen::generate_to(command, dir)?;
        }
        None => {
            let mut page = Vec::new();
            clap_mangen::Man::new(command).render(&mut page)?;
            return write_stdout(&page);
        }
    }
    Ok(exit::OK)
}

/// Writes to stdout; a closed pipe ends the output quietly.
fn write_stdout(bytes: &[u8]) -> anyhow::Result<u8> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
        _ => Ok(exit::OK),
    }
}
