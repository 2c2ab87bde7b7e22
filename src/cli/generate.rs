//! `msgtrack generate`: write realistic tracking logs.

use std::path::PathBuf;

use clap::{Args, Subcommand};

#[derive(Debug, Args)]
pub struct GenerateArgs {
    #[command(subcommand)]
    pub what: What,
}

#[derive(Debug, Subcommand)]
pub enum What {
    /// The shipped sample day (3 servers) and its directory snapshot.
    SampleLogs {
        /// Output folder.
        #[arg(long, default_value = "sample-logs")]
        out: PathBuf,
    },
}

pub fn run(_args: &GenerateArgs) -> anyhow::Result<u8> {
    anyhow::bail!("not yet")
}
