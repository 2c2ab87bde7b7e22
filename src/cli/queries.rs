//! `msgtrack queries`: list the saved queries and what each answers.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use msgtrack::query::saved::load_default;

use super::exit;

const EXAMPLES: &str = "\
Examples:
  msgtrack queries
  msgtrack query -f queries/imceaex-failures.ps1 sample-logs";

#[derive(Debug, Args)]
#[command(after_help = EXAMPLES)]
pub struct QueriesArgs {
    /// The folder of saved queries (*.ps1); default: ./queries, `queries` next to the binary,
    /// ~/.config/msgtrack/queries (%APPDATA%\\msgtrack\\queries), else the built-in ones.
    pub folder: Option<PathBuf>,
}

pub fn run(args: &QueriesArgs) -> anyhow::Result<u8> {
    let (saved, from) = load_default(args.folder.as_deref()).with_context(|| {
        format!(
            "reading the saved queries in {}",
            args.folder
                .as_deref()
                .unwrap_or(std::path::Path::new("queries"))
                .display()
        )
    })?;
    say!("saved queries: {from}");
    let width = saved.iter().map(|q| q.name.len()).max().unwrap_or(0);
    for q in &saved {
        println!("{:<width$}  {}", q.name, q.summary());
    }
    if saved.is_empty() {
        say!("no saved queries (*.ps1) in {from}");
    }
    Ok(exit::OK)
}
