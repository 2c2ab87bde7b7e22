//! Finding one message's rows across servers and files: by Message-ID, and the DSNs (NDRs)
//! that point back at it through `Reference`. Also picking a message by sender, recipient
//! or subject when the admin does not have its Message-ID.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use crate::format::Field;
use crate::format::{EventId, LogRecord};
use crate::frame::access::{string_lists, strings, timestamps_ms};
use crate::frame::events::{event_columns, events};
use crate::ingest::{
    Diagnostic, FieldCondition, FieldTest, ReadError, ReadOptions, RowFilter, discover, read_files,
    read_in_batches,
};

/// How the admin names the message.
#[derive(Debug, Clone, Default)]
pub struct MessagePick {
    /// The Message-ID.
    pub message_id: Option<String>,
    /// The envelope sender.
    pub sender: Option<String>,
    /// A recipient address to pick by.
    pub recipient: Option<String>,
    /// The subject.
    pub subject: Option<String>,
}

/// One message found by a pick.
#[derive(Debug, Clone)]
pub struct Candidate {
    /// The Message-ID.
    pub message_id: String,
    /// The first row's time (ms since the epoch, UTC).
    pub first_ms: i64,
    /// The envelope sender.
    pub sender: String,
    /// The subject.
    pub subject: String,
    /// The recipients.
    pub recipients: Vec<String>,
}

/// A message's rows: its own, and those of the DSNs sent about it.
#[derive(Debug, Clone)]
pub struct MessageRows {
    /// The Message-ID.
    pub message_id: String,
    /// Rows of the message itself, in journey order.
    pub events: Vec<LogRecord>,
    /// Rows of DSN messages about it (NDRs, delay and relay notices), in journey order.
    pub dsn_events: Vec<LogRecord>,
    /// Every server whose logs were read (to tell a missing hop from an external one).
    pub servers_read: BTreeSet<String>,
    /// Problems met while reading the logs.
    pub diagnostics: Vec<Diagnostic>,
}

/// The Message-ID with and without angle brackets, as the cmdlet accepts both.
fn id_forms(id: &str) -> Vec<String> {
    let bare = id.trim().trim_start_matches('<').trim_end_matches('>');
    vec![format!("<{bare}>"), bare.to_string()]
}

/// Rows read, the servers whose logs were read, and the reading problems.
type ReadRows = (Vec<LogRecord>, BTreeSet<String>, Vec<Diagnostic>);

fn read(paths: &[PathBuf], conditions: Vec<FieldCondition>) -> Result<ReadRows, ReadError> {
    let files = discover(paths)?;
    let options = ReadOptions::default()
        .with_columns(event_columns().columns())
        .with_filter(RowFilter {
            conditions,
            ..RowFilter::default()
        });
    let ingest = read_files(files, &options)?;
    let servers = ingest
        .files
        .iter()
        .filter(|f| f.refused.is_none())
        .map(|f| f.server.clone())
        .collect();
    let rows = events(&ingest.frame)?;
    Ok((rows, servers, ingest.diagnostics))
}

/// The messages matching a pick by sender, recipient and/or subject (all given ones must
/// match; subject is a case-insensitive substring), newest last.
pub fn candidates(paths: &[PathBuf], pick: &MessagePick) -> Result<Vec<Candidate>, ReadError> {
    let mut conditions = Vec::new();
    if let Some(id) = &pick.message_id {
        conditions.push(FieldCondition {
            field: Field::MessageId,
            test: FieldTest::EqualsAny(id_forms(id)),
        });
    }
    if let Some(sender) = &pick.sender {
        conditions.push(FieldCondition {
            field: Field::Sender,
            test: FieldTest::EqualsAny(vec![sender.clone()]),
        });
    }
    if let Some(recipient) = &pick.recipient {
        conditions.push(FieldCondition {
            field: Field::Recipients,
            test: FieldTest::AnyMemberEqualsAny(vec![recipient.clone()]),
        });
    }
    if let Some(subject) = &pick.subject {
        conditions.push(FieldCondition {
            field: Field::MessageSubject,
            test: FieldTest::Contains(subject.clone()),
        });
    }
    // Only the columns a candidate shows, folded batch by batch: a sender of many messages
    // over a big store would otherwise hold every column of every row of theirs.
    let options = ReadOptions::default()
        .with_columns([
            Field::Timestamp,
            Field::MessageId,
            Field::Sender,
            Field::MessageSubject,
            Field::Recipients,
        ])
        .with_filter(RowFilter {
            conditions,
            ..RowFilter::default()
        });
    let mut by_id: BTreeMap<String, Candidate> = BTreeMap::new();
    read_in_batches(
        discover(paths)?,
        &options,
        |ingest| -> Result<(), ReadError> {
            let df = &ingest.frame;
            let times = timestamps_ms(df)?;
            let ids = strings(df, Field::MessageId)?;
            let senders = strings(df, Field::Sender)?;
            let subjects = strings(df, Field::MessageSubject)?;
            let recipients = string_lists(df, Field::Recipients)?;
            let rows = times
                .into_iter()
                .zip(ids)
                .zip(senders)
                .zip(subjects)
                .zip(recipients);
            for ((((time, id), sender), subject), recipients) in rows {
                let Some(id) = id.filter(|id| !id.is_empty()) else {
                    continue;
                };
                let entry = by_id.entry(id).or_insert_with_key(|id| Candidate {
                    message_id: id.clone(),
                    first_ms: time,
                    sender: sender.unwrap_or_default(),
                    subject: subject.unwrap_or_default(),
                    recipients: Vec::new(),
                });
                entry.first_ms = entry.first_ms.min(time);
                for r in recipients {
                    if !entry.recipients.iter().any(|x| x.eq_ignore_ascii_case(&r)) {
                        entry.recipients.push(r);
                    }
                }
            }
            Ok(())
        },
    )?;
    let mut list: Vec<Candidate> = by_id.into_values().collect();
    list.sort_by_key(|c| c.first_ms);
    Ok(list)
}

/// Loads every row of one message and of the DSNs about it.
pub fn load(paths: &[PathBuf], message_id: &str) -> Result<MessageRows, ReadError> {
    let forms = id_forms(message_id);
    let (mut own, servers_read, mut diagnostics) = read(
        paths,
        vec![FieldCondition {
            field: Field::MessageId,
            test: FieldTest::EqualsAny(forms.clone()),
        }],
    )?;
    let message_id = own
        .first()
        .map_or_else(|| forms[0].clone(), |r| r.message_id.clone());
    // DSN rows name the original Message-ID in Reference; their own Message-ID then finds the
    // rest of each DSN's journey.
    let (pointing, _, _) = read(
        paths,
        vec![FieldCondition {
            field: Field::Reference,
            test: FieldTest::AnyMemberEqualsAny(forms),
        }],
    )?;
    let dsn_ids: BTreeSet<String> = pointing
        .iter()
        .filter(|r| r.is(&[EventId::Dsn]) && !r.message_id.eq_ignore_ascii_case(&message_id))
        .map(|r| r.message_id.clone())
        .collect();
    let mut dsn_events = Vec::new();
    if !dsn_ids.is_empty() {
        let (rows, _, more) = read(
            paths,
            vec![FieldCondition {
                field: Field::MessageId,
                test: FieldTest::EqualsAny(dsn_ids.into_iter().collect()),
            }],
        )?;
        dsn_events = rows;
        diagnostics.extend(more);
    }
    sort_journey(&mut own);
    sort_journey(&mut dsn_events);
    Ok(MessageRows {
        message_id,
        events: own,
        dsn_events,
        servers_read,
        diagnostics,
    })
}

/// Loads the rows of several messages in one read (no DSN rows: for a report's detail
/// sections), in the order of `ids`; a message with no rows is left out.
pub fn load_many(paths: &[PathBuf], ids: &[String]) -> Result<Vec<MessageRows>, ReadError> {
    let forms: Vec<String> = ids.iter().flat_map(|id| id_forms(id)).collect();
    let (rows, servers_read, diagnostics) = read(
        paths,
        vec![FieldCondition {
            field: Field::MessageId,
            test: FieldTest::EqualsAny(forms),
        }],
    )?;
    let bare = |id: &str| {
        id.trim()
            .trim_start_matches('<')
            .trim_end_matches('>')
            .to_lowercase()
    };
    let mut by_id: std::collections::HashMap<String, Vec<LogRecord>> = Default::default();
    for r in rows {
        by_id.entry(bare(&r.message_id)).or_default().push(r);
    }
    Ok(ids
        .iter()
        .filter_map(|id| {
            let mut events = by_id.remove(&bare(id))?;
            sort_journey(&mut events);
            Some(MessageRows {
                message_id: events
                    .first()
                    .map_or_else(|| id.clone(), |e| e.message_id.clone()),
                events,
                dsn_events: Vec::new(),
                servers_read: servers_read.clone(),
                diagnostics: diagnostics.clone(),
            })
        })
        .collect())
}

/// Orders rows by time, then the R9.1 tie-breaks ([`EventId::journey_rank`]: SUBMIT first,
/// DELIVER/DUPLICATEDELIVER/PROCESS last, EXPAND before TRANSFER), then file and line.
pub fn sort_journey(rows: &mut [LogRecord]) {
    rows.sort_by(|a, b| {
        a.timestamp_ms
            .cmp(&b.timestamp_ms)
            .then(a.event().journey_rank().cmp(&b.event().journey_rank()))
            .then(a.file.cmp(&b.file))
            .then(a.line.cmp(&b.line))
    });
}
