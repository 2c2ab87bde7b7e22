//! `msgtrack queries`: list the saved queries and what each answers.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use msgtrack::query::saved::load_folder;

use super::exit;

const EXAMPLES: &str = "\
Examples:
  msgtrack queries
  msgtrack query -f queries/imceaex-failures.ps1 sample-logs";

#[derive(Debug, Args)]
#[command(after_help = EXAMPLES)]
pub struct QueriesArgs {
    /// The folder of saved queries (*.ps1).
    #[arg(default_value = "queries")]
    pub folder: PathBuf,
}

pub fn run(args: &QueriesArgs) -> anyhow::Result<u8> {
    let saved = load_folder(&args.folder)
        .with_context(|| format!("reading the saved queries in {}", args.folder.display()))?;
    let width = saved.iter().map(|q| q.name.len()).max().unwrap_or(0);
    for q in &saved {
        println!("{:<width$}  {}", q.name, q.summary());
    }
    if saved.is_empty() {
        say!("no saved queries (*.ps1) in {}", args.folder.display());
    }
    Ok(exit::OK)
}
