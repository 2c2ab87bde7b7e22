//! Saved queries (`queries/*.ps1`): a comment header saying what the query answers, then
//! the pipeline, possibly over several lines.

use std::path::{Path, PathBuf};

/// One saved query.
#[derive(Debug, Clone, PartialEq)]
pub struct SavedQuery {
    /// The file's path.
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

include!(concat!(env!("OUT_DIR"), "/saved_queries.rs"));

/// Where saved queries are looked for when no folder is given, first existing first:
/// `./queries`, `queries` next to the binary, `../share/msgtrack/queries` from it, and the
/// user's config folder (`$XDG_CONFIG_HOME/msgtrack/queries`, `~/.config/msgtrack/queries`,
/// `%APPDATA%\msgtrack\queries`). `None`: use the built-in ones ([`BUILT_IN`]).
pub fn default_folder() -> Option<PathBuf> {
    let mut candidates = vec![PathBuf::from("queries")];
    if let Some(dir) = std::env::current_exe()
        .ok()
        .and_then(|e| e.parent().map(Path::to_path_buf))
    {
        candidates.push(dir.join("queries"));
        candidates.push(dir.join("../share/msgtrack/queries"));
    }
    if let Some(config) = std::env::var_os("XDG_CONFIG_HOME") {
        candidates.push(PathBuf::from(config).join("msgtrack/queries"));
    }
    if let Some(home) = std::env::var_os("HOME") {
        candidates.push(PathBuf::from(home).join(".config/msgtrack/queries"));
    }
    if let Some(appdata) = std::env::var_os("APPDATA") {
        candidates.push(PathBuf::from(appdata).join("msgtrack").join("queries"));
    }
    candidates.into_iter().find(|p| p.is_dir())
}

/// The saved queries of `folder`, or of [`default_folder`], or the built-in ones.
pub fn load_default(folder: Option<&Path>) -> std::io::Result<(Vec<SavedQuery>, String)> {
    if let Some(f) = folder {
        return Ok((load_folder(f)?, f.display().to_string()));
    }
    match default_folder() {
        Some(f) => Ok((load_folder(&f)?, f.display().to_string())),
        None => Ok((
            BUILT_IN
                .iter()
                .map(|(name, text)| SavedQuery::parse(Path::new(name), text))
                .collect(),
            "built in".to_string(),
        )),
    }
}
