//! What must hold for any input, checked by the fuzz targets (`fuzz/`, libFuzzer) and by the
//! proptest smoke in `cargo test` alike, so both test the same promises:
//!
//! * [`reader`]: a file of any bytes is read without a panic, the same whatever the chunk size,
//!   and every data line is a row or a counted bad line.
//! * [`lists`]: a list field's members survive Exchange's quoting (`join` then `split`).
//! * [`query_line`]: a line's `--print-cmdlet` form plans the same read as the line.
//! * [`directory`]: any text given as a directory snapshot loads or is refused, never panics.
//! * [`export`]: any bytes given as an export file (`.csv`) are converted or refused, never
//!   panic, and every converted row is counted.
//! * [`store_keys`]: any bytes as a part's key file are read or refused.
//! * [`store_manifest`]: any bytes as a store's manifest, and a real store's manifest with any
//!   offsets, counts, lines and times, are read or refused, never panic, and only listed rows
//!   are read.

use std::path::Path;

use crate::format::encode::join_members;
use crate::format::list::split_members;
use crate::ingest::{ReadOptions, read_paths};
use crate::query::cmdlet::{plan_of_line, print};
use crate::query::settings::Session;

/// Reads `bytes` as the log file `dir/EX01/MSGTRK2026112010-1.LOG` twice, with whole-file and
/// with `small_chunk`-byte chunks, and checks the two reads agree and account for every line.
pub fn reader(dir: &Path, bytes: &[u8], small_chunk: usize) -> Result<(), String> {
    let folder = dir.join("EX01");
    std::fs::create_dir_all(&folder).map_err(|e| e.to_string())?;
    let file = folder.join("MSGTRK2026112010-1.LOG");
    std::fs::write(&file, bytes).map_err(|e| e.to_string())?;
    let paths = [dir.to_path_buf()];
    let whole = read_paths(&paths, &ReadOptions::default()).map_err(|e| e.to_string())?;
    let small = read_paths(
        &paths,
        &ReadOptions {
            chunk_size: small_chunk.max(1),
            ..ReadOptions::default()
        },
    )
    .map_err(|e| e.to_string())?;
    if !whole.frame.equals_missing(&small.frame) {
        return Err(format!(
            "chunk size {small_chunk} changed the rows: {} vs {}",
            whole.frame.height(),
            small.frame.height()
        ));
    }
    for report in &whole.files {
        if report.rows + report.bad_lines > report.lines {
            return Err(format!(
                "{} rows + {} bad lines > {} lines",
                report.rows, report.bad_lines, report.lines
            ));
        }
    }
    let rows: u64 = whole.files.iter().map(|f| f.rows).sum();
    if rows != whole.frame.height() as u64 {
        return Err(format!(
            "reports say {rows} rows, the frame has {}",
            whole.frame.height()
        ));
    }
    Ok(())
}

/// Any field text splits into members and event data without a panic.
pub fn list_text(text: &str) {
    let mut members = Vec::new();
    split_members(text, &mut members);
    let _ = crate::format::list::parse_event_datum(text);
}

/// Members joined as Exchange writes a list field, then split again, are the members.
pub fn lists(members: &[String]) -> Result<(), String> {
    // Exchange never writes an empty list as one empty member; a line break cannot be in a
    // log line (the writer escapes it as the text `\n`, as Exchange does, and the reader keeps
    // that text as written).
    if (members.len() == 1 && members[0].is_empty())
        || members.iter().any(|m| m.contains(['\r', '\n']))
    {
        return Ok(());
    }
    let joined = join_members(members);
    let mut back = Vec::new();
    split_members(&joined, &mut back);
    let back: Vec<String> = back.into_iter().map(|m| m.into_owned()).collect();
    if back == members || (members.is_empty() && back.iter().all(String::is_empty)) {
        Ok(())
    } else {
        Err(format!("{members:?} → {joined:?} → {back:?}"))
    }
}

/// When a line plans a read, its printed shell form plans the same read.
pub fn query_line(text: &str, session: &Session) -> Result<(), String> {
    let Ok(first) = plan_of_line(text, session) else {
        return Ok(());
    };
    let printed = print(text, session)
        .map_err(|e| format!("{text:?} plans but does not print: {}", e.message))?;
    let again = plan_of_line(&printed, session).map_err(|e| {
        format!(
            "{text:?} printed as {printed:?}, which does not plan: {}",
            e.message
        )
    })?;
    let key = |p: &crate::query::cmdlet::Plan| {
        format!("{:?} {:?} {:?}", p.filter, p.servers, p.result_size)
    };
    if key(&first) == key(&again) {
        Ok(())
    } else {
        Err(format!(
            "{text:?} and its printed form {printed:?} plan differently:\n{}\n{}",
            key(&first),
            key(&again)
        ))
    }
}

/// Reads `bytes` as the export `dir/export.csv`: converted or refused in a sentence, never a
/// panic; the files' row counts are the frame's.
pub fn export(dir: &Path, bytes: &[u8]) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    let file = dir.join("export.csv");
    std::fs::write(&file, bytes).map_err(|e| e.to_string())?;
    let Ok(read) = read_paths(&[file], &ReadOptions::default()) else {
        return Ok(());
    };
    let rows: u64 = read.files.iter().map(|f| f.rows).sum();
    if rows != read.frame.height() as u64 {
        return Err(format!(
            "reports say {rows} rows, the frame has {}",
            read.frame.height()
        ));
    }
    Ok(())
}

/// Any text loads as a snapshot or is refused with a position.
pub fn directory(text: &str) -> Result<(), String> {
    let _ = crate::directory::Snapshot::from_json(text);
    let _ = crate::directory::opath::parse(text);
    Ok(())
}

/// A store part's key file from any bytes: read or refused, never a panic; one that reads
/// writes back to the same bytes; and filters built from values always hold those values.
pub fn store_keys(bytes: &[u8]) -> Result<(), String> {
    use crate::format::store_keys::{KeyFilter, PartKeys};
    if let Some(keys) = PartKeys::from_bytes(bytes)
        && keys.to_bytes() != bytes
    {
        return Err("a key file read back differs from its bytes".into());
    }
    let text = String::from_utf8_lossy(bytes);
    let values: Vec<&str> = text.split([',', ';']).collect();
    let filter = KeyFilter::build(values.iter().copied());
    match values.iter().find(|v| !filter.may_contain(v)) {
        Some(v) => Err(format!("a filter built from {v:?} says it is absent")),
        None => Ok(()),
    }
}

/// A store of two logs of one server (one part holding both) and one of another, built once:
/// its folder and manifest.
fn store_template() -> Option<&'static (std::path::PathBuf, crate::format::store_manifest::Manifest)>
{
    use crate::format::store_manifest::Manifest;
    static STORE: std::sync::OnceLock<Option<(std::path::PathBuf, Manifest)>> =
        std::sync::OnceLock::new();
    STORE
        .get_or_init(|| {
            // One folder per process, kept while it runs (the store is read again for each
            // input); those of processes that have ended are removed.
            const PREFIX: &str = "msgtrack-invariants-store-";
            if let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) {
                for e in entries.flatten() {
                    let name = e.file_name().to_string_lossy().into_owned();
                    if let Some(pid) = name.strip_prefix(PREFIX)
                        && !Path::new("/proc").join(pid).exists()
                        && Path::new("/proc/self").exists()
                    {
                        let _ = std::fs::remove_dir_all(e.path());
                    }
                }
            }
            let root = std::env::temp_dir().join(format!("{PREFIX}{}", std::process::id()));
            let logs = root.join("logs");
            let store = root.join("store");
            let row = |t: &str, id: &str, to: &str| {
                format!("{t},,EX01,,EX01,,,SMTP,RECEIVE,1,{id},,{to},,100,1,,,Hi,a@x.com,a@x.com,,Originating,,,,,Email,,15.02\r\n")
            };
            let header = "#Fields: date-time,client-ip,client-hostname,server-ip,server-hostname,source-context,connector-id,source,event-id,internal-message-id,message-id,network-message-id,recipient-address,recipient-status,total-bytes,recipient-count,related-recipient-address,reference,message-subject,sender-address,return-path,message-info,directionality,tenant-id,original-client-ip,original-server-ip,custom-data,transport-traffic-type,log-id,schema-version\r\n";
            for (server, hour, rows) in [
                ("EX01", "09", 3),
                ("EX01", "10", 4),
                ("EX02", "10", 2),
            ] {
                let folder = logs.join(server);
                std::fs::create_dir_all(&folder).ok()?;
                let mut text = header.to_string();
                for i in 0..rows {
                    text.push_str(&row(
                        &format!("2026-11-20T{hour}:0{i}:00.000Z"),
                        &format!("<{server}{hour}{i}@x>"),
                        "b@y.com;c@y.com",
                    ));
                }
                std::fs::write(folder.join(format!("MSGTRK20261120{hour}-1.LOG")), text).ok()?;
            }
            crate::store::index::index(
                std::slice::from_ref(&logs),
                &store,
                &crate::store::index::IndexOptions::default(),
            )
            .ok()?;
            let manifest = Manifest::load(&store).ok()?;
            Some((store, manifest))
        })
        .as_ref()
}

/// A store's manifest from any bytes (loaded or refused), and the template store's manifest
/// with its parts' offsets, counts, first lines and times taken from the bytes (8 at a time;
/// small values mostly, any value sometimes) and, by the first byte, a part listed by a second
/// source too: reading the store never panics and reads no more rows than the manifest lists.
pub fn store_manifest(bytes: &[u8]) -> Result<(), String> {
    use crate::format::store_manifest::{MANIFEST, Manifest};
    let Some((store, template)) = store_template() else {
        return Err("the template store could not be built".into());
    };
    let manifest_path = store.join(MANIFEST);
    std::fs::write(&manifest_path, bytes).map_err(|e| e.to_string())?;
    let _ = Manifest::load(store);
    let mut numbers = bytes.chunks(8).map(|c| {
        let mut b = [0u8; 8];
        b[..c.len()].copy_from_slice(c);
        let n = u64::from_le_bytes(b);
        if n >> 63 == 0 { n % 12 } else { n }
    });
    let mut m = template.clone();
    for source in &mut m.sources {
        for part in &mut source.parts {
            if let Some(n) = numbers.next() {
                part.offset = n;
            }
            if let Some(n) = numbers.next() {
                part.rows = n;
            }
            if let Some(n) = numbers.next() {
                part.first_line = Some(n);
            }
            if let Some(n) = numbers.next() {
                part.first_ms = n as i64;
                part.last_ms = (n as i64).wrapping_add(60_000);
            }
        }
    }
    if bytes.first().is_some_and(|b| b & 1 == 1)
        && let Some(extra) = m.sources.first().and_then(|s| s.parts.first()).cloned()
        && let Some(last) = m.sources.last_mut()
    {
        last.parts.push(extra);
    }
    let listed: u64 = m
        .sources
        .iter()
        .flat_map(|s| s.parts.iter())
        .fold(0u64, |sum, p| sum.saturating_add(p.rows));
    m.save(store).map_err(|e| e.to_string())?;
    let read = read_paths(std::slice::from_ref(store), &ReadOptions::default());
    // The template's own manifest back, for the next input.
    let mut back = template.clone();
    back.save(store).map_err(|e| e.to_string())?;
    match read {
        Ok(ingest) if ingest.frame.height() as u64 > listed => Err(format!(
            "{} rows read where the manifest lists {listed}",
            ingest.frame.height()
        )),
        _ => Ok(()),
    }
}

/// Any line evaluates or fails with an error, never a panic: the Where-Object conditions a
/// read would test first, the PowerShell engine alone,
/// over a host with the session's clock and nothing else (no logs, no files written), and the
/// TUI's in-memory filter over a small frame.
pub fn evaluate(text: &str, session: &Session) -> Result<(), String> {
    let Ok(block) = crate::pwsh::parse::parse(text) else {
        return Ok(());
    };
    // The Where-Object conditions a read would test first are found without a panic.
    for statement in &block.statements {
        if let crate::pwsh::ast::Statement::Pipeline(p) = statement
            && let Some(after) = p.elements.get(1..)
        {
            let _ = crate::query::pushdown::where_conditions(after);
        }
    }
    let host = crate::query::cmdlet::Clock(*session);
    let mut engine = crate::pwsh::eval::Engine::new(&host);
    let _ = engine.run(&block);
    let frame = small_frame();
    let _ = crate::query::in_memory::select_rows(frame, text, *session, None);
    Ok(())
}

/// Three rows of a hand-made log, read once.
fn small_frame() -> &'static polars::prelude::DataFrame {
    static FRAME: std::sync::OnceLock<polars::prelude::DataFrame> = std::sync::OnceLock::new();
    FRAME.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("msgtrack-invariants-{}", std::process::id()));
        let text = "#Fields: date-time,client-ip,client-hostname,server-ip,server-hostname,source-context,connector-id,source,event-id,internal-message-id,message-id,network-message-id,recipient-address,recipient-status,total-bytes,recipient-count,related-recipient-address,reference,message-subject,sender-address,return-path,message-info,directionality,tenant-id,original-client-ip,original-server-ip,custom-data,transport-traffic-type,log-id,schema-version\r\n\
2026-11-20T10:00:00.000Z,,EX01,,EX01,,,SMTP,RECEIVE,1,<a@x>,,b@y.com;'c;d@y.com',,100,2,,,Hello,a@x.com,a@x.com,,Originating,,,,S:K=V,Email,,15.02\r\n\
2026-11-20T10:00:01.000Z,,EX01,,EX01,,,STOREDRIVER,DELIVER,1,<a@x>,,b@y.com,,100,1,,,Hello,a@x.com,a@x.com,2026-11-20T09:59:59.000Z;SRV=EX01:TOTAL=1,Originating,,,,,Email,,15.02\r\n\
2026-11-20T10:00:02.000Z,,EX01,,EX01,,,ROUTING,FAIL,2,<b@x>,,IMCEAEX-_o=X_cn=Y@x.com,550 5.1.1 RESOLVER.ADR.ExRecipNotFound,5,1,,,Re: x,b@x.com,b@x.com,,Originating,,,,,Email,,15.02\r\n";
        let folder = dir.join("EX01");
        let _ = std::fs::create_dir_all(&folder);
        let _ = std::fs::write(folder.join("MSGTRK2026112010-1.LOG"), text);
        let frame = read_paths(std::slice::from_ref(&dir), &ReadOptions::default())
            .map(|i| i.frame)
            .unwrap_or_default();
        // The frame is in memory: nothing is left behind in the temporary folder.
        let _ = std::fs::remove_dir_all(&dir);
        frame
    })
}
