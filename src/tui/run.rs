//! The terminal and the event loop: the logs load behind a progress gauge, then keys,
//! mouse, resizes and ticks become actions on the [`App`]. The terminal is restored on
//! every way out — quit, error, or panic.

use std::io::stdout;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use anyhow::Context as _;
use ratatui::DefaultTerminal;
use ratatui::crossterm::event::{
    self, DisableMouseCapture, EnableMouseCapture, Event, KeyCode, KeyModifiers,
};
use ratatui::crossterm::execute;
use ratatui::layout::{Constraint, Layout};
use ratatui::style::{Color, Style};
use ratatui::widgets::{Block, Borders, Gauge, Paragraph};

use super::data::LogData;
use super::keys::{key_action, mouse_action};
use super::state::{Action, App};
use super::views;
use crate::directory::Snapshot;
use crate::format::Zone;
use crate::ingest::Progress;

/// What `msgtrack tui` was asked to open.
pub struct TuiOptions {
    /// The paths.
    pub paths: Vec<PathBuf>,
    /// A recipient directory snapshot for `e` (explain).
    pub directory: Option<PathBuf>,
    /// The zone.
    pub zone: Zone,
    /// Where the saved queries are.
    pub queries_dir: Option<PathBuf>,
    /// What `(Get-Date)` means in filters.
    pub now: chrono::DateTime<chrono::Utc>,
    /// The shell culture dates typed in the filter are read in.
    pub culture: &'static crate::pwsh::culture::Culture,
    /// The time window and the most rows to load.
    pub loading: super::data::Loading,
}

/// Restores the terminal when dropped (the panic hook of `ratatui::try_init` covers panics).
struct Restore;

impl Drop for Restore {
    fn drop(&mut self) {
        let _ = execute!(stdout(), DisableMouseCapture);
        ratatui::restore();
    }
}

/// Bytes read so far, for the gauge.
#[derive(Default)]
struct Counter {
    total: AtomicU64,
    done: AtomicU64,
}

impl Progress for Counter {
    fn start(&self, total_bytes: u64) {
        self.total.store(total_bytes, Ordering::Relaxed);
    }
    fn advance(&self, bytes: u64) {
        self.done.fetch_add(bytes, Ordering::Relaxed);
    }
    fn finish(&self) {}
}

/// Opens the TUI and runs it until the user quits.
pub fn run(options: TuiOptions) -> anyhow::Result<()> {
    // Everything that can be wrong with the arguments fails before the screen changes.
    let snapshot = match &options.directory {
        Some(p) => Some(
            Snapshot::load(p).with_context(|| format!("reading the snapshot {}", p.display()))?,
        ),
        None => None,
    };
    crate::ingest::discover(&options.paths)?;
    let mut terminal = ratatui::try_init().context("this needs an interactive terminal")?;
    let _restore = Restore;
    execute!(stdout(), EnableMouseCapture)?;
    let Some(data) = load(&mut terminal, &options.paths, &options.loading)? else {
        return Ok(());
    };
    let mut app = App::new(
        data,
        options.zone,
        snapshot,
        options.queries_dir,
        options.now,
    );
    app.culture = options.culture;
    event_loop(&mut terminal, &mut app)
}

/// Reads the logs on a thread while a gauge shows progress; `None` when the user quit.
fn load(
    terminal: &mut DefaultTerminal,
    paths: &[PathBuf],
    loading: &super::data::Loading,
) -> anyhow::Result<Option<LogData>> {
    let counter = Arc::new(Counter::default());
    let reader = {
        let counter: Arc<dyn Progress> = counter.clone();
        let paths = paths.to_vec();
        let loading = loading.clone();
        std::thread::spawn(move || LogData::load(&paths, &loading, Some(counter)))
    };
    let label: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    while !reader.is_finished() {
        let total = counter.total.load(Ordering::Relaxed).max(1);
        let done = counter.done.load(Ordering::Relaxed).min(total);
        terminal.draw(|frame| {
            let [_, middle, _] = Layout::vertical([
                Constraint::Fill(1),
                Constraint::Length(4),
                Constraint::Fill(1),
            ])
            .areas(frame.area());
            let [text, gauge] =
                Layout::vertical([Constraint::Length(1), Constraint::Length(3)]).areas(middle);
            frame.render_widget(
                Paragraph::new(format!(" Reading {} … (q quits)", label.join(" "))),
                text,
            );
            frame.render_widget(
                Gauge::default()
                    .block(Block::default().borders(Borders::ALL))
                    .gauge_style(Style::new().fg(Color::Blue))
                    .ratio(done as f64 / total as f64)
                    .label(format!(
                        "{:.1} of {:.1} MB",
                        done as f64 / 1e6,
                        total as f64 / 1e6
                    )),
                gauge,
            );
        })?;
        if event::poll(Duration::from_millis(50))?
            && let Event::Key(key) = event::read()?
            && (key.code == KeyCode::Char('q')
                || (key.code == KeyCode::Char('c')
                    && key.modifiers.contains(KeyModifiers::CONTROL)))
        {
            return Ok(None);
        }
    }
    let data = reader
        .join()
        .map_err(|_| anyhow::anyhow!("the reader thread panicked"))?
        .map_err(|e: super::data::LoadError| anyhow::anyhow!(e))?;
    Ok(Some(data))
}

fn event_loop(terminal: &mut DefaultTerminal, app: &mut App) -> anyhow::Result<()> {
    let mut drag_from = None;
    while !app.quit {
        terminal.draw(|frame| views::draw(frame, app))?;
        if event::poll(Duration::from_millis(250))? {
            let action = match event::read()? {
                Event::Key(key) => key_action(app, key),
                Event::Mouse(mouse) => mouse_action(app, mouse, &mut drag_from),
                // The next draw lays the screen out for the new size.
                _ => None,
            };
            if let Some(action) = action {
                if let Some(note) = app.working_note(&action) {
                    app.status = note;
                    terminal.draw(|frame| views::draw(frame, app))?;
                }
                app.apply(action);
            }
        } else {
            app.apply(Action::Tick);
        }
    }
    Ok(())
}
