//! `msgtrack generate`: write realistic tracking logs in exact Exchange 2019 format.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Subcommand};

use super::exit;

const EXAMPLES: &str = "\
Examples:
  msgtrack generate sample-logs --out sample-logs
  msgtrack generate corpus --size-mb 500 --out /tmp/corpus";

#[derive(Debug, Args)]
#[command(after_help = EXAMPLES)]
pub struct GenerateArgs {
    #[command(subcommand)]
    pub what: What,
}

#[derive(Debug, Subcommand)]
pub enum What {
    /// The shipped sample: one day at Contoso on EX01, EX02 and EDGE01, plus directory.json.
    SampleLogs {
        /// Output folder (one subfolder per server).
        #[arg(long, default_value = "sample-logs")]
        out: PathBuf,
    },
    /// Exports of a few hybrid messages, written as each exporter writes them: an on-premises
    /// Export-Csv, an Exchange Online historical search (UTF-16) and a message trace.
    SampleExports {
        /// Output folder.
        #[arg(long, default_value = "sample-exports")]
        out: PathBuf,
    },
    /// A large corpus of busy days for benchmarks (10 MB files, as on a real server).
    Corpus {
        /// Output folder.
        #[arg(long)]
        out: PathBuf,
        /// Write at least this many megabytes (10^6 bytes).
        #[arg(long, default_value_t = 500)]
        size_mb: u64,
    },
}

pub fn run(args: &GenerateArgs) -> anyhow::Result<u8> {
    let (out, written) = match &args.what {
        What::SampleLogs { out } => {
            std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
            (
                out,
                msgtrack::synth::write_sample(out)
                    .with_context(|| format!("writing {}", out.display()))?,
            )
        }
        What::SampleExports { out } => {
            std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
            (
                out,
                msgtrack::synth::write_exports(out)
                    .with_context(|| format!("writing {}", out.display()))?,
            )
        }
        What::Corpus { out, size_mb } => {
            std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
            let written = msgtrack::synth::write_corpus(out, size_mb * 1_000_000)
                .with_context(|| format!("writing {}", out.display()))?;
            (out, written)
        }
    };
    println!(
        "wrote {} rows in {} files ({:.1} MB) under {}",
        written.rows,
        written.files.len(),
        written.bytes as f64 / 1e6,
        out.display()
    );
    Ok(exit::OK)
}
