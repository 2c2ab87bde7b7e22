//! Saved queries (`queries/*.ps1`): a comment header saying what the query answers, then
//! the pipeline, possibly over several lines.

use std::path::{Path, PathBuf};

/// One saved query.
#[derive(Debug, Clone, PartialEq)]
pub struct SavedQuery {
    pub path: PathBuf,
    /// The file name (`imceaex-failures.ps1`).
    pub name: String,
    /// The comment header, joined into one line.
    pub about: String,
    /// The pipeline, its lines joined by spaces.
    pub expression: String,
}

impl SavedQuery {
    /// Reads the text of a saved query.
    pub fn parse(path: &Path, text: &str) -> SavedQuery {
        SavedQuery {
            path: path.to_path_buf(),
            name: path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            about: text
                .lines()
                .map(str::trim)
                .take_while(|l| l.starts_with('#'))
                .map(|l| l.trim_start_matches('#').trim())
                .collect::<Vec<_>>()
                .join(" "),
            expression: text
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty() && !l.starts_with('#'))
                .collect::<Vec<_>>()
                .join(" "),
        }
    }

    /// Reads one saved query file.
    pub fn load(path: &Path) -> std::io::Result<SavedQuery> {
        Ok(SavedQuery::parse(path, &std::fs::read_to_string(path)?))
    }

    /// The first sentence of the description.
    pub fn summary(&self) -> &str {
        self.about.split(". ").next().unwrap_or(&self.about)
    }
}

/// Every `*.ps1` in `folder`, by file name.
pub fn load_folder(folder: &Path) -> std::io::Result<Vec<SavedQuery>> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(folder)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e.eq_ignore_ascii_case("ps1")))
        .collect();
    paths.sort();
    paths.iter().map(|p| SavedQuery::load(p)).collect()
}
