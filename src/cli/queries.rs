//! `msgtrack queries`: list the saved queries and what each answers.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;

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

/// The comment header of a saved query, joined into one line.
pub fn describe(text: &str) -> String {
    text.lines()
        .map(str::trim)
        .take_while(|l| l.starts_with('#'))
        .map(|l| l.trim_start_matches('#').trim())
        .collect::<Vec<_>>()
        .join(" ")
}

pub fn run(args: &QueriesArgs) -> anyhow::Result<u8> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(&args.folder)
        .with_context(|| format!("reading the saved queries in {}", args.folder.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e.eq_ignore_ascii_case("ps1")))
        .collect();
    entries.sort();
    let width = entries
        .iter()
        .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().len()))
        .max()
        .unwrap_or(0);
    for path in &entries {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let about = describe(&text);
        let first_sentence = about.split(". ").next().unwrap_or(&about);
        println!("{name:<width$}  {first_sentence}");
    }
    if entries.is_empty() {
        eprintln!("no saved queries (*.ps1) in {}", args.folder.display());
    }
    Ok(exit::OK)
}
