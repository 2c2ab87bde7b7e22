//! `Get-MessageTrackingLog … | Export-Csv`: one row per event, columns named as the cmdlet's
//! properties (any subset; `Timestamp` and `EventId` required), Timestamp in the exporting
//! session's culture and local time (or with an offset), arrays joined by the script (line
//! breaks, `;`, `; `, `,`, space) or lost as `System.String[]`.

use super::{Dates, ExportOptions, Rows, Table, samples};
use crate::format::{Field, LogRecord};

/// A column that held an array PowerShell wrote as its type name: the values are gone.
fn lost(value: &str) -> bool {
    let v = value.trim();
    v.starts_with("System.")
        && (v.ends_with("[]") || v.contains("KeyValuePair") || v.contains("Collections"))
}

/// An array joined with line breaks (`-join "`n"`, the README's lossless export): one member
/// per line, exactly, since no member of a tracking log holds a line break. Used for a whole
/// column once any of its cells holds a line break (a one-member array has none).
fn split_lines(value: &str) -> Vec<String> {
    if value.is_empty() {
        return Vec::new();
    }
    value
        .split('\n')
        .map(|m| m.strip_suffix('\r').unwrap_or(m).to_string())
        .collect()
}

/// Whether a piece of a `;`-joined RecipientStatus can start a status of its own: an SMTP
/// code, a recipient type of a STOREDRIVER RECEIVE, a bracketed DEFER/FAIL detail, or empty.
fn starts_status(piece: &str) -> bool {
    let p = piece.trim();
    p.is_empty()
        || p.as_bytes()
            .iter()
            .take(3)
            .filter(|b| b.is_ascii_digit())
            .count()
            == 3
        || ["To", "Cc", "Bcc"]
            .iter()
            .any(|t| p.eq_ignore_ascii_case(t))
        || p.starts_with('[')
}

/// Recipients joined by a script: split on `;`, `,` or spaces when every piece is an address.
fn split_addresses(value: &str) -> Vec<String> {
    let pieces: Vec<&str> = value
        .split(|c: char| c == ';' || c == ',' || c.is_whitespace())
        .filter(|p| !p.is_empty())
        .collect();
    if pieces.len() > 1 && pieces.iter().all(|p| p.contains('@')) {
        pieces.into_iter().map(str::to_string).collect()
    } else if value.trim().is_empty() {
        Vec::new()
    } else {
        vec![value.trim().to_string()]
    }
}

/// RecipientStatus or Reference joined by a script: split on `;` only when that gives as
/// many pieces as there are recipients and, for a status, every piece starts a status (a
/// status may hold `; ` itself: `550 5.1.1 RESOLVER.ADR.ExRecipNotFound; not found`); else the
/// value stays one member.
fn split_like(value: &str, recipients: usize, status: bool) -> Vec<String> {
    if value.trim().is_empty() {
        return Vec::new();
    }
    let pieces: Vec<String> = value.split(';').map(|p| p.trim().to_string()).collect();
    if status && !pieces.iter().all(|p| starts_status(p)) {
        return vec![value.trim().to_string()];
    }
    if pieces.len() == recipients || recipients == 0 && pieces.len() > 1 {
        pieces
    } else {
        vec![value.trim().to_string()]
    }
}

/// EventData joined by a script: `Key=Value; …` or PowerShell's `[Key, Value]` pairs.
fn split_event_data(value: &str) -> Vec<(String, String)> {
    let t = value.trim();
    let t = t
        .strip_prefix('{')
        .and_then(|x| x.strip_suffix('}'))
        .unwrap_or(t)
        .trim();
    // `-join '; '` of the pairs writes `[K, V]; [K, V]`: a value may hold `;` itself, so split
    // only between pairs.
    if let Some(inner) = t.strip_prefix('[').and_then(|x| x.strip_suffix(']')) {
        return inner
            .split("]; [")
            .flat_map(|pair| pair.split("];["))
            .map(|pair| {
                let (k, v) = pair.split_once(", ").unwrap_or((pair, ""));
                (k.to_string(), v.to_string())
            })
            .collect();
    }
    t.split(';')
        .map(str::trim)
        .filter(|m| !m.is_empty())
        .map(|m| {
            let m = m
                .split_once(':')
                .filter(|(t, _)| t.len() <= 4 && !t.contains('='))
                .map_or(m, |(_, r)| r);
            let (k, v) = m.split_once('=').unwrap_or((m, ""));
            (k.to_string(), v.to_string())
        })
        .collect()
}

/// The host an event names as the server that logged it (where Exchange puts its own name).
pub(super) fn local_host(record: &LogRecord) -> &str {
    let event = record.event_id.to_ascii_uppercase();
    let (primary, other) = match crate::ingest::plan::local_host_field(&event) {
        Some(Field::ClientHostname) => (&record.client_hostname, &record.server_hostname),
        _ => (&record.server_hostname, &record.client_hostname),
    };
    if primary.is_empty() { other } else { primary }
}

/// Converts the rows.
pub(super) fn convert(
    table: &Table,
    options: &ExportOptions,
    folder_server: &str,
    notes: &mut Vec<String>,
) -> Result<Rows, String> {
    let col = |name: &str| table.column(name);
    let time = col("Timestamp");
    let found = samples(table, time);
    let dates = Dates::find(&found, options.culture, "Timestamp")?;
    // Times written with their offset (`.ToString('o')`, as the README advises) need neither
    // a culture nor a zone.
    let with_offset = !found.is_empty()
        && found.iter().all(|s| {
            super::parse_date(s, dates.culture).is_some_and(|p| p.offset_seconds.is_some())
        });
    if with_offset {
        notes.push("its Timestamp values carry their UTC offset: read as written".into());
    } else if let Some(a) = &dates.assumed {
        notes.push(a.clone());
    }
    if !with_offset {
        notes.push(format!(
            "Timestamp is the exporting session's local time: read in {}{}",
            options.zone.label(),
            if options.zone_given {
                ""
            } else {
                " (give the exporting machine's zone with --tz)"
            }
        ));
    }
    let computer = col("PSComputerName");
    let text_of = |row: &[String], f: Field| table.get(row, col(f.name())).to_string();
    let mut lost_columns: Vec<&str> = Vec::new();
    // Columns whose arrays were joined with line breaks (any cell holds one).
    let by_lines = [
        Field::Recipients,
        Field::RecipientStatus,
        Field::Reference,
        Field::EventData,
    ]
    .map(|f| {
        let c = col(f.name());
        table
            .rows
            .iter()
            .any(|(_, r)| table.get(r, c).contains('\n'))
    });
    let mut records = Vec::with_capacity(table.rows.len());
    let mut bad = Vec::new();
    for (line, row) in &table.rows {
        let stamp = table.get(row, time);
        let Some(ms) = dates.utc_ms(stamp, Some(options.zone)) else {
            bad.push((
                *line,
                format!(
                    "the Timestamp '{stamp}' is not a date in the {} culture; row left out",
                    dates.culture.label()
                ),
            ));
            continue;
        };
        let list = |f: Field| -> Option<String> {
            let v = table.get(row, col(f.name()));
            if lost(v) { None } else { Some(v.to_string()) }
        };
        let recipients = match list(Field::Recipients) {
            Some(v) if by_lines[0] => split_lines(&v),
            Some(v) => split_addresses(&v),
            None => {
                lost_columns.push("Recipients");
                Vec::new()
            }
        };
        let status = match list(Field::RecipientStatus) {
            Some(v) if by_lines[1] => split_lines(&v),
            Some(v) => split_like(&v, recipients.len(), true),
            None => {
                lost_columns.push("RecipientStatus");
                Vec::new()
            }
        };
        let reference = match list(Field::Reference) {
            Some(v) if by_lines[2] => split_lines(&v),
            Some(v) => split_like(&v, 0, false),
            None => {
                lost_columns.push("Reference");
                Vec::new()
            }
        };
        let event_data = match list(Field::EventData) {
            Some(v) if by_lines[3] => split_lines(&v)
                .iter()
                .flat_map(|pair| split_event_data(pair))
                .collect(),
            Some(v) => split_event_data(&v),
            None => {
                lost_columns.push("EventData");
                Vec::new()
            }
        };
        let number = |f: Field| table.get(row, col(f.name())).trim().parse::<i64>().ok();
        let record = LogRecord {
            timestamp_ms: ms,
            client_ip: text_of(row, Field::ClientIp),
            client_hostname: text_of(row, Field::ClientHostname),
            server_ip: text_of(row, Field::ServerIp),
            server_hostname: text_of(row, Field::ServerHostname),
            source_context: text_of(row, Field::SourceContext),
            connector_id: text_of(row, Field::ConnectorId),
            source: text_of(row, Field::Source),
            event_id: text_of(row, Field::EventId),
            internal_message_id: text_of(row, Field::InternalMessageId),
            message_id: text_of(row, Field::MessageId),
            network_message_id: text_of(row, Field::NetworkMessageId),
            recipients,
            recipient_status: status,
            total_bytes: number(Field::TotalBytes),
            recipient_count: number(Field::RecipientCount),
            related_recipient_address: text_of(row, Field::RelatedRecipientAddress),
            reference,
            message_subject: text_of(row, Field::MessageSubject),
            sender: text_of(row, Field::Sender),
            return_path: text_of(row, Field::ReturnPath),
            message_info: text_of(row, Field::MessageInfo),
            directionality: text_of(row, Field::Directionality),
            tenant_id: text_of(row, Field::TenantId),
            original_client_ip: text_of(row, Field::OriginalClientIp),
            original_server_ip: text_of(row, Field::OriginalServerIp),
            event_data,
            transport_traffic_type: text_of(row, Field::TransportTrafficType),
            log_id: text_of(row, Field::LogId),
            schema_version: text_of(row, Field::SchemaVersion),
            ..LogRecord::default()
        };
        // The server queried (PSComputerName), else the host the event names, else the folder.
        let server = {
            let named = table.get(row, computer).trim();
            let host = local_host(&record);
            let pick = if !named.is_empty() {
                named
            } else if !host.is_empty() {
                host
            } else {
                folder_server
            };
            pick.split('.').next().unwrap_or(pick).to_string()
        };
        records.push((*line, record, server));
    }
    lost_columns.sort_unstable();
    lost_columns.dedup();
    if !lost_columns.is_empty() {
        notes.push(format!(
            "the export lost the values of {} (PowerShell wrote the array's type name, e.g. System.String[]); the rows are kept with those columns empty — re-export with @{{n='Recipients';e={{$_.Recipients -join ';'}}}} and the like",
            lost_columns.join(", ")
        ));
    }
    Ok(Rows { records, bad })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arrays_as_scripts_join_them() {
        assert_eq!(split_addresses("a@x.com; b@y.com"), ["a@x.com", "b@y.com"]);
        assert_eq!(split_addresses("a@x.com,b@y.com"), ["a@x.com", "b@y.com"]);
        assert_eq!(split_addresses("a@x.com b@y.com"), ["a@x.com", "b@y.com"]);
        assert_eq!(
            split_addresses("IMCEAEX-_o=X_cn=Y@x.com"),
            ["IMCEAEX-_o=X_cn=Y@x.com"]
        );
        assert_eq!(split_like("250 OK;550 no", 2, true), ["250 OK", "550 no"]);
        assert_eq!(split_like("550 5.1.1 x; y", 1, true), ["550 5.1.1 x; y"]);
        assert_eq!(
            split_like("550 5.1.1 x; not found", 2, true),
            ["550 5.1.1 x; not found"]
        );
        assert_eq!(split_lines("a\r\n\nb"), ["a", "", "b"]);
        assert!(lost("System.String[]"));
        assert!(lost(
            "System.Collections.Generic.KeyValuePair`2[System.String,System.Object][]"
        ));
        assert!(!lost("a@x.com"));
        assert_eq!(
            split_event_data("[DeliveryPriority, Normal]; [AccountForest, contoso.com]"),
            [
                ("DeliveryPriority".to_string(), "Normal".to_string()),
                ("AccountForest".into(), "contoso.com".into())
            ]
        );
        assert_eq!(
            split_event_data("[Mailboxes, a;b]; [ToEntity, Hosted]"),
            [
                ("Mailboxes".to_string(), "a;b".to_string()),
                ("ToEntity".into(), "Hosted".into())
            ]
        );
        assert_eq!(
            split_event_data("S:K=V;L=W"),
            [("K".to_string(), "V".to_string()), ("L".into(), "W".into())]
        );
    }
}
