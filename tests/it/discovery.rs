//! Finding logs under folders, in rotation order, and naming each file's server.

use std::path::PathBuf;

use msgtrack::format::names::LogPrefix;
use msgtrack::ingest::{ServerSource, discover};

use msgtrack::format::Field;

use crate::util::{Dir, header_2016, read, row};

fn names(files: &[msgtrack::ingest::LogFile]) -> Vec<String> {
    files
        .iter()
        .map(|f| f.path.file_name().unwrap().to_string_lossy().into_owned())
        .collect()
}

#[test]
fn folders_are_searched_recursively_and_sorted_by_date_hour_and_numeric_instance() {
    let dir = Dir::new();
    for name in [
        "EX01/MSGTRK2026112010-10.LOG",
        "EX01/MSGTRK2026112010-9.LOG",
        "EX01/MSGTRK2026112009-1.LOG",
        "EX01/msgtrk2026111923-2.log",
        "EX01/MSGTRKMD2026112010-1.LOG",
        "EX01/MSGTRKMS2026112010-1.LOG",
        "EX01/MSGTRKMA2026112010-1.LOG",
        "EX01/MSGTRK20261118-3.LOG",
        "EX01/SMTPRECV2026112010-1.LOG",
        "EX01/notes.txt",
    ] {
        dir.write(name, "");
    }
    let files = discover(&[dir.path().to_path_buf()]).unwrap();
    assert_eq!(
        names(&files),
        vec![
            "MSGTRK20261118-3.LOG",
            "msgtrk2026111923-2.log",
            "MSGTRK2026112009-1.LOG",
            "MSGTRK2026112010-9.LOG",
            "MSGTRK2026112010-10.LOG",
            "MSGTRKMS2026112010-1.LOG",
            "MSGTRKMD2026112010-1.LOG",
            "MSGTRKMA2026112010-1.LOG",
        ]
    );
    assert_eq!(files[5].name.unwrap().prefix, LogPrefix::MailboxSubmission);
    assert!(files.iter().all(|f| !f.explicit));
}

#[test]
fn a_file_named_explicitly_is_read_whatever_its_name_and_only_once() {
    let dir = Dir::new();
    let path = dir.write(
        "copy of log.txt",
        format!("{}{}\r\n", header_2016(), row(&[(Field::EventId, "SEND")])),
    );
    let log = dir.write(
        "MSGTRK2026112010-1.LOG",
        format!(
            "{}{}\r\n",
            header_2016(),
            row(&[(Field::EventId, "RECEIVE")])
        ),
    );
    let files = discover(&[path.clone(), dir.path().to_path_buf(), log.clone()]).unwrap();
    assert_eq!(files.len(), 2, "the log named twice is read once");
    assert!(files.iter().any(|f| f.explicit && f.path == path));
    let ingest = read(&[path, dir.path().to_path_buf()]);
    assert_eq!(ingest.frame.height(), 2);
}

#[test]
fn server_comes_from_rows_else_from_the_folder() {
    let dir = Dir::new();
    let with_host = format!(
        "{}{}\r\n{}\r\n",
        header_2016(),
        row(&[
            (Field::EventId, "RECEIVE"),
            (Field::ServerHostname, "ex01"),
            (Field::ClientHostname, "client.contoso.com")
        ]),
        row(&[
            (Field::EventId, "SEND"),
            (Field::ClientHostname, "EX01"),
            (Field::ServerHostname, "ex02.contoso.com")
        ])
    );
    dir.write(
        "copies/EX01/TransportRoles/Logs/MessageTracking/MSGTRK2026112010-1.LOG",
        with_host,
    );
    let no_host = format!(
        "{}{}\r\n",
        header_2016(),
        row(&[(Field::EventId, "NOTIFYMAPI")])
    );
    dir.write(
        "copies/MBX7/TransportRoles/Logs/MessageTracking/MSGTRKMS2026112010-1.LOG",
        no_host,
    );
    let ingest = read(&[dir.path().join("copies")]);
    let servers: Vec<(String, ServerSource)> = ingest
        .files
        .iter()
        .map(|f| (f.server.clone(), f.server_source))
        .collect();
    assert_eq!(
        servers,
        vec![
            ("EX01".to_string(), ServerSource::Rows),
            ("MBX7".to_string(), ServerSource::Folder)
        ]
    );
    let column = crate::util::strings(&ingest, msgtrack::format::Field::Server);
    assert_eq!(
        column,
        vec![
            Some("EX01".into()),
            Some("EX01".into()),
            Some("MBX7".into())
        ]
    );
}

#[test]
fn sample_logs_have_three_servers_named_from_their_rows() {
    let ingest = read(&[crate::util::sample_logs_dir()]);
    let mut servers: Vec<String> = ingest.files.iter().map(|f| f.server.clone()).collect();
    servers.dedup();
    servers.sort();
    servers.dedup();
    assert_eq!(servers, vec!["EDGE01", "EX01", "EX02"]);
    assert!(
        ingest
            .files
            .iter()
            .all(|f| f.server_source == ServerSource::Rows)
    );
    let _ = PathBuf::new();
}

/// Names of the refused entries and their messages.
fn refusals(ingest: &msgtrack::ingest::Ingest) -> Vec<(String, String)> {
    ingest
        .files
        .iter()
        .filter_map(|f| {
            f.refused.as_ref().map(|r| {
                (
                    f.path
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default(),
                    r.clone(),
                )
            })
        })
        .collect()
}

#[cfg(unix)]
#[test]
fn odd_entries_get_one_message_each_and_everything_else_is_read() {
    use std::os::unix::ffi::OsStrExt;
    let dir = Dir::new();
    let good = format!(
        "{}{}\r\n",
        header_2016(),
        row(&[(Field::EventId, "RECEIVE")])
    );
    dir.write("EX01/MSGTRK2026112010-1.LOG", &good);
    // A symlink loop, a FIFO named like a log, and a log whose name is not UTF-8.
    std::os::unix::fs::symlink(dir.path(), dir.path().join("EX01/loop")).expect("symlink");
    let fifo = dir.path().join("EX01/MSGTRK2026112011-1.LOG");
    let c = std::ffi::CString::new(fifo.as_os_str().as_bytes()).expect("a C path");
    // SAFETY: mkfifo with a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0, "mkfifo");
    let odd_name = std::ffi::OsStr::from_bytes(b"MSGTRK2026112012-1\xff.LOG");
    std::fs::write(dir.path().join("EX01").join(odd_name), &good).expect("write");

    let ingest = read(&[dir.path().to_path_buf()]);
    // The good file and the non-UTF-8-named one are read: two rows.
    assert_eq!(ingest.frame.height(), 2);
    let refused = refusals(&ingest);
    assert!(
        refused
            .iter()
            .any(|(n, why)| n == "MSGTRK2026112011-1.LOG" && why.contains("FIFO")),
        "{refused:?}"
    );
    assert!(
        refused
            .iter()
            .any(|(_, why)| why.contains("symbolic link loop")),
        "{refused:?}"
    );

    // Named explicitly, a FIFO or a device is refused at once instead of blocking forever.
    let ingest = read(&[fifo.clone(), PathBuf::from("/dev/zero")]);
    let refused = refusals(&ingest);
    assert_eq!(refused.len(), 2, "{refused:?}");
    assert!(
        refused
            .iter()
            .all(|(_, why)| why.contains("not a log file")),
        "{refused:?}"
    );
}
