//! What the benchmarks share: the generated corpus's place, its size on disk, and timing a
//! command with its peak memory in a fresh child process (`--run` mode of the bench binary).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

/// The ≥ 1 GB corpus the `queries` and `store` benches share.
pub fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-corpus-1g")
}

/// Bytes of every file under `dir`.
pub fn bytes_under(dir: &Path) -> u64 {
    let mut total = 0;
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let p = e.path();
            total += if p.is_dir() {
                bytes_under(&p)
            } else {
                std::fs::metadata(&p).map_or(0, |m| m.len())
            };
        }
    }
    total
}

/// Set for a runner whose command may end with any exit code (not a crash).
const ANY_EXIT: &str = "MSGTRACK_BENCH_ANY_EXIT";

/// Child mode: run a program, print its wall time and peak resident memory.
pub fn runner(program: &str, args: &[String]) {
    let started = Instant::now();
    let status = Command::new(program)
        .args(args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status();
    let secs = started.elapsed().as_secs_f64();
    // SAFETY: getrusage fills the struct it is given.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage) };
    // (A listing of many matches exits 2 when the command is told to pick one: a normal
    // answer for [`measure_listing`], an error otherwise.)
    let any_exit = std::env::var_os(ANY_EXIT).is_some();
    let ok = status
        .map(|s| s.success() || s.code() == Some(1) || (any_exit && s.code().is_some()))
        .unwrap_or(false);
    println!("RESULT {ok} {secs} {}", usage.ru_maxrss);
}

/// Runs one measured command in a fresh runner process: (seconds, peak MiB).
pub fn measure(program: &str, args: &[String]) -> Option<(f64, f64)> {
    measure_with(program, args, false)
}

/// [`measure`] of a command whose answer may be a listing that ends with exit code 2
/// (`trail --sender` naming many messages).
#[allow(dead_code)] // (the store bench's only)
pub fn measure_listing(program: &str, args: &[String]) -> Option<(f64, f64)> {
    measure_with(program, args, true)
}

fn measure_with(program: &str, args: &[String], any_exit: bool) -> Option<(f64, f64)> {
    let exe = std::env::current_exe().ok()?;
    let mut runner = Command::new(exe);
    if any_exit {
        runner.env(ANY_EXIT, "1");
    }
    let out = runner.arg("--run").arg(program).args(args).output().ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text.lines().find(|l| l.starts_with("RESULT"))?;
    let f: Vec<&str> = line.split_whitespace().collect();
    if f[1] != "true" {
        return None;
    }
    Some((f[2].parse().ok()?, f[3].parse::<f64>().ok()? / 1024.0))
}
