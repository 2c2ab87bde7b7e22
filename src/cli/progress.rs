//! A progress bar on stderr for long reads (only when stderr is a terminal).

use std::io::IsTerminal;
use std::sync::Arc;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use msgtrack::ingest::Progress;

/// Below this many bytes a read is quick and no bar is drawn.
const MIN_BYTES_FOR_BAR: u64 = 64 << 20;

struct Bar(ProgressBar);

impl Progress for Bar {
    fn start(&self, total_bytes: u64) {
        self.0.set_length(total_bytes);
        if total_bytes >= MIN_BYTES_FOR_BAR {
            self.0.set_draw_target(ProgressDrawTarget::stderr());
        }
    }

    fn advance(&self, bytes: u64) {
        self.0.inc(bytes);
    }

    fn finish(&self) {
        self.0.finish_and_clear();
    }
}

/// A progress reporter for the reader, or `None` when stderr is not a terminal.
pub(crate) fn reader_progress() -> Option<Arc<dyn Progress>> {
    labelled_progress("reading")
}

/// A progress bar of bytes with `label`, or `None` when stderr is not a terminal.
pub(crate) fn labelled_progress(label: &str) -> Option<Arc<dyn Progress>> {
    if !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden());
    bar.set_style(
        ProgressStyle::with_template(&format!(
            "{label} {{bar:30}} {{binary_bytes}}/{{binary_total_bytes}} {{binary_bytes_per_sec}} eta {{eta}}",
        ))
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    Some(Arc::new(Bar(bar)))
}
