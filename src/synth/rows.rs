//! Row shapes: how each event's columns are filled, following the real rows in
//! `shared/real-logs` and tracking-log-format.md §4 / categorizer.md §9.

use crate::format::LogRecord;
use crate::format::names::LogPrefix;
use crate::format::time::format_timestamp_ms;

use super::org::{BUILD, SERVERS, Server};

/// One generated event: which server's which log it goes to, and the row.
#[derive(Debug, Clone)]
pub struct Emitted {
    pub server: usize,
    pub prefix: LogPrefix,
    pub record: LogRecord,
}

/// What stays the same for a message on every hop.
#[derive(Debug, Clone)]
pub struct Message {
    pub message_id: String,
    pub network_id: String,
    pub subject: String,
    /// Header sender (From/Sender).
    pub sender: String,
    /// Envelope MAIL FROM.
    pub return_path: String,
    pub size: i64,
    /// `Originating` (from inside) or `Incoming` (from outside).
    pub directionality: &'static str,
    /// When the message first arrived in the organisation (for message-info latency stamps).
    pub arrived_ms: i64,
    /// Client submit time (mailbox submissions only).
    pub submitted_ms: Option<i64>,
}

/// The latency stamp Exchange puts in message-info of SEND/DELIVER/SUBMIT rows.
pub fn latency_info(
    arrived_ms: i64,
    server: &Server,
    kind: &str,
    total: f64,
    local: bool,
) -> String {
    let tag = if local { "LSRV" } else { "SRV" };
    let tree = match kind {
        "SUB" => format!("TOTAL-SUB={total:.3}|SA={:.3}|MTSS-PEN=0.000", total * 0.4),
        "DEL" => format!(
            "TOTAL-DEL={total:.3}|SMR={:.3}(SMRDI={:.3})|SDD={:.3}(SDDR={:.3}(SDDRP={:.3}))",
            total * 0.15,
            total * 0.15,
            total * 0.8,
            total * 0.7,
            total * 0.3
        ),
        _ => format!(
            "TOTAL-HUB={total:.3}|SMR={:.3}(SMRDE={:.3}(SMRED={:.3}(SMRED-Malware Agent={:.3}))|SMRC={:.3})|CAT={:.3}(CATOS={:.3}(CATSM={:.3}(CATSM-Malware Agent={:.3}))|CATRESL={:.3}|CATORES={:.3}(CATRS={:.3}(CATRS-Transport Rule Agent={:.3}(X-ETREX={:.3}))))|QDM={:.3}|SMSC={:.3}",
            total * 0.40,
            total * 0.05,
            total * 0.04,
            total * 0.04,
            total * 0.35,
            total * 0.2,
            total * 0.08,
            total * 0.08,
            total * 0.08,
            total * 0.02,
            total * 0.06,
            total * 0.06,
            total * 0.01,
            total * 0.01,
            total * 0.1,
            total * 0.25
        ),
    };
    format!(
        "{};{tag}={}:{tree}",
        format_timestamp_ms(arrived_ms),
        server.fqdn()
    )
}

/// A row with the message columns filled and everything else empty.
pub fn message_row(ms: i64, msg: &Message, internal_id: &str, log_id: String) -> LogRecord {
    LogRecord {
        timestamp_ms: ms,
        internal_message_id: internal_id.to_string(),
        message_id: msg.message_id.clone(),
        network_message_id: msg.network_id.clone(),
        total_bytes: Some(msg.size),
        message_subject: msg.subject.clone(),
        sender: msg.sender.clone(),
        return_path: msg.return_path.clone(),
        directionality: msg.directionality.to_string(),
        event_data: data(vec![
            "S:DeliveryPriority=Normal".into(),
            format!("S:AccountForest={}", super::org::DOMAIN),
        ]),
        transport_traffic_type: "Email".into(),
        log_id,
        schema_version: BUILD.into(),
        ..LogRecord::default()
    }
}

/// The store-driver source-context of a mailbox submission.
pub fn mapi_context(
    db_guid: &str,
    mailbox: &str,
    event: u64,
    created_ms: i64,
    with_connection: bool,
) -> String {
    let mut ctx = format!(
        "MDB:{db_guid}, Mailbox:{mailbox}, Event:{event}, MessageClass:IPM.Note, CreationTime:{}, ClientType:MOMT, SubmissionAssistant:MailboxTransportSubmissionEmailAssistant",
        format_timestamp_ms(created_ms)
    );
    if with_connection {
        ctx.push_str(", ServerMdbConnectionId:08DE27C1A4B5F00D");
    }
    ctx
}

/// The 2016+ LastError block written in FAIL and DEFER recipient-status.
pub fn last_error(response: &str, fqdn: &str, ip: &str, when: &str) -> String {
    format!("[{{LED={response}}};{{MSG=}};{{FQDN={fqdn}}};{{IP={ip}}};{{LRT={when}}}]")
}

/// The server of an index.
pub fn server(index: usize) -> &'static Server {
    &SERVERS[index]
}

/// custom-data members written as in the logs (`S:Key=Value`), as the record's pairs.
pub fn data(members: Vec<String>) -> Vec<(String, String)> {
    members.iter().map(|m| datum(m)).collect()
}

/// One `S:Key=Value` member as a pair.
pub fn datum(member: &str) -> (String, String) {
    let d = crate::format::list::parse_event_datum(member);
    (d.key.to_string(), d.value.to_string())
}
