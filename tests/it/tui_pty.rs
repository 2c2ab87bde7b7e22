//! End to end: the real binary in a pseudo-terminal (80×24), driven by keystrokes, its
//! screen read back through a VT100 emulator.

use std::io::{Read, Write};
use std::os::fd::{FromRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::util::sample_logs_dir;

struct Pty {
    master: std::fs::File,
    screen: Arc<Mutex<vt100::Parser>>,
    child: std::process::Child,
}

/// Starts the binary on a new pty; `None` (with a note) where the machine has no ptys.
fn open(args: &[&str], rows: u16, cols: u16) -> Option<Pty> {
    let (mut master, mut slave) = (0, 0);
    let size = libc::winsize {
        ws_row: rows,
        ws_col: cols,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    // SAFETY: openpty writes two descriptors; the winsize outlives the call.
    let rc = unsafe {
        libc::openpty(
            &mut master,
            &mut slave,
            std::ptr::null_mut(),
            std::ptr::null(),
            &size,
        )
    };
    if rc != 0 {
        eprintln!(
            "SKIPPED: no pseudo-terminal here (openpty: {}); the TUI end-to-end test needs one",
            std::io::Error::last_os_error()
        );
        return None;
    }
    // SAFETY: both descriptors were just opened and are owned here.
    let (master, slave) = unsafe { (OwnedFd::from_raw_fd(master), OwnedFd::from_raw_fd(slave)) };
    let mut command = Command::new(env!("CARGO_BIN_EXE_msgtrack"));
    command
        .args(args)
        .env("TERM", "xterm-256color")
        .stdin(Stdio::from(slave.try_clone().unwrap()))
        .stdout(Stdio::from(slave.try_clone().unwrap()))
        .stderr(Stdio::from(slave));
    // SAFETY: setsid and TIOCSCTTY are async-signal-safe; the child gets the pty as its
    // controlling terminal, as a shell would give it.
    unsafe {
        command.pre_exec(|| {
            libc::setsid();
            libc::ioctl(0, libc::TIOCSCTTY as _, 0);
            Ok(())
        });
    }
    let child = command.spawn().expect("binary starts");
    let master = std::fs::File::from(master);
    let screen = Arc::new(Mutex::new(vt100::Parser::new(
        std::num::NonZeroU16::new(rows).expect("rows"),
        std::num::NonZeroU16::new(cols).expect("cols"),
        0,
    )));
    let mut reader = master.try_clone().unwrap();
    let sink = screen.clone();
    std::thread::spawn(move || {
        let mut buf = [0u8; 8192];
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 {
                break;
            }
            sink.lock().unwrap().process(&buf[..n]);
        }
    });
    Some(Pty {
        master,
        screen,
        child,
    })
}

impl Pty {
    fn contents(&self) -> String {
        self.screen.lock().unwrap().screen().contents()
    }

    fn wait_for(&self, what: &str) -> String {
        let start = Instant::now();
        loop {
            let text = self.contents();
            if text.contains(what) {
                return text;
            }
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "the screen never showed {what:?}; it shows:\n{text}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn keys(&mut self, bytes: &str) {
        self.master.write_all(bytes.as_bytes()).unwrap();
        self.master.flush().unwrap();
        std::thread::sleep(Duration::from_millis(150));
    }
}

#[test]
fn typing_a_filter_in_the_real_terminal() {
    let logs = sample_logs_dir();
    let Some(mut pty) = open(&["tui", logs.to_str().unwrap(), "--tz", "UTC"], 24, 80) else {
        return;
    };
    let first = pty.wait_for("rows read");
    assert!(first.contains("Filter:"), "{first}");
    pty.keys("f");
    pty.keys("-EventId FAIL");
    pty.keys("\r");
    let text = pty.wait_for("rows match");
    let title = text.lines().next().unwrap_or("");
    let shown: usize = title
        .split(" of ")
        .next()
        .and_then(|s| s.split_whitespace().last())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    assert!(shown > 0, "{text}");
    let table: Vec<&str> = text.lines().filter(|l| l.starts_with("11-20 ")).collect();
    assert!(!table.is_empty(), "{text}");
    assert!(table.iter().all(|l| l.contains(" FAIL ")), "{text}");
    // A wrong parameter shows the error under the filter, at its place.
    pty.keys("f");
    pty.keys(" -Sendr x");
    let text = pty.wait_for("no parameter -Sendr");
    assert!(text.contains('✗'), "{text}");
    pty.keys("\x1b");
    std::thread::sleep(Duration::from_millis(600));
    // Noise hidden with H, the columns scrolled with → (arrow keys as the terminal sends them).
    pty.keys("H");
    pty.wait_for("noise hidden");
    pty.keys("\x1b[C");
    pty.keys("\x1b[C");
    let text = pty.wait_for("MessageSubject");
    let header = text
        .lines()
        .find(|l| l.starts_with("Timestamp"))
        .unwrap_or("");
    assert!(!header.contains("Server"), "scrolled past Server: {text}");
    pty.keys("q");
    let start = Instant::now();
    let status = loop {
        if let Some(status) = pty.child.try_wait().unwrap() {
            break status;
        }
        assert!(start.elapsed() < Duration::from_secs(10), "did not quit");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success());
    // The terminal is back: the alternate screen is gone and the cursor shows.
    let parser = pty.screen.lock().unwrap();
    assert!(!parser.screen().alternate_screen());
    assert!(!parser.screen().hide_cursor());
}
