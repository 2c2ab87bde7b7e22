//! The files admins already have, written exactly as each exporter writes them, for a few
//! messages of the sample organisation that crossed to Exchange Online (mailboxes already
//! moved there): the on-premises half as `Get-MessageTrackingLog | Export-Csv` from a machine in
//! Central European time (en-US culture, arrays joined by a calculated property), the Exchange
//! Online half as a historical search extended report (UTF-16 LE, 7 fractional digits) and a
//! `Get-MessageTraceV2 | Export-Csv` (UTC, en-US culture).

use std::io::Write;
use std::path::Path;

use chrono::{DateTime, TimeZone, Utc};

use super::files::Written;

/// One message that went to a mailbox in Exchange Online.
struct Crossing {
    at: DateTime<Utc>,
    sender: &'static str,
    recipient: &'static str,
    subject: &'static str,
    id: &'static str,
    network_id: &'static str,
    internal_onprem: u64,
    internal_online: u64,
    bytes: u64,
}

const ONLINE_HOST: &str = "AM0PR04MB7000.eurprd04.prod.outlook.com";
const FRONT_DOOR: &str = "contoso-com.mail.protection.outlook.com";
const CONNECTOR: &str = "Outbound to Office 365 - 6e2c1b7a-3f4d-4e5b-9a8c-7d6e5f4a3b2c";

fn crossings() -> Vec<Crossing> {
    let at = |h, m, s| {
        Utc.with_ymd_and_hms(2026, 11, 20, h, m, s)
            .single()
            .unwrap_or_default()
    };
    vec![
        Crossing {
            at: at(9, 15, 1),
            sender: "adele.vance@contoso.com",
            recipient: "pradeep.gupta@contoso.com",
            subject: "Q4 budget, hybrid review",
            id: "<a1f0c2d3e4b5a6978812aa34bc56de78@contoso.com>",
            network_id: "5b3c9e2a-7d1f-4e6b-8a2c-1f0e9d8c7b6a",
            internal_onprem: 27414776259001,
            internal_online: 4123456789,
            bytes: 48211,
        },
        Crossing {
            at: at(13, 42, 17),
            sender: "brian.johnson@contoso.com",
            recipient: "nestor.wilke@contoso.com",
            subject: "Migration wave 3: your mailbox moves tonight",
            id: "<c9e8d7f6a5b4c3d2e1f0a9b8c7d6e5f4@contoso.com>",
            network_id: "0a9b8c7d-6e5f-4a3b-2c1d-0e9f8a7b6c5d",
            internal_onprem: 27414776259002,
            internal_online: 4123456790,
            bytes: 112940,
        },
    ]
}

fn csv_line(cells: &[String], delimiter: char) -> String {
    cells
        .iter()
        .map(|c| format!("\"{}\"", c.replace('"', "\"\"")))
        .collect::<Vec<_>>()
        .join(&delimiter.to_string())
}

/// `M/d/yyyy h:mm:ss tt` (en-US) of a UTC time shown in `offset_hours`.
fn en_us(t: DateTime<Utc>, offset_hours: i32) -> String {
    let local = t + chrono::Duration::hours(i64::from(offset_hours));
    local.format("%-m/%-d/%Y %-I:%M:%S %p").to_string()
}

/// The on-premises half: EX01's rows, exported with `Export-Csv -NoTypeInformation`
/// (UTF-8 with BOM, as `-Encoding UTF8` writes) from a session in Central European time.
fn tracking_export(messages: &[Crossing]) -> String {
    let header = [
        "PSComputerName",
        "RunspaceId",
        "PSShowComputerName",
        "Timestamp",
        "ClientIp",
        "ClientHostname",
        "ServerIp",
        "ServerHostname",
        "SourceContext",
        "ConnectorId",
        "Source",
        "EventId",
        "InternalMessageId",
        "MessageId",
        "NetworkMessageId",
        "Recipients",
        "RecipientStatus",
        "TotalBytes",
        "RecipientCount",
        "RelatedRecipientAddress",
        "Reference",
        "MessageSubject",
        "Sender",
        "ReturnPath",
        "Directionality",
        "TenantId",
        "OriginalClientIp",
        "MessageInfo",
        "MessageLatency",
        "MessageLatencyType",
        "EventData",
        "TransportTrafficType",
        "SchemaVersion",
    ];
    let mut out = String::from("\u{feff}");
    out.push_str(&csv_line(&header.map(String::from), ','));
    out.push_str("\r\n");
    for m in messages {
        let received = m.at;
        let sent = m.at + chrono::Duration::milliseconds(2150);
        let row = |t: DateTime<Utc>,
                   fields: [&str; 11],
                   latency: &str,
                   latency_type: &str,
                   info: &str| {
            let [
                client_ip,
                client_host,
                server_ip,
                server_host,
                context,
                connector,
                source,
                event,
                status,
                data,
                direction,
            ] = fields;
            vec![
                "EX01.contoso.com".to_string(),
                "8d1c2b3a-4f5e-6d7c-8b9a-0f1e2d3c4b5a".into(),
                "False".into(),
                en_us(t, 1),
                client_ip.into(),
                client_host.into(),
                server_ip.into(),
                server_host.into(),
                context.into(),
                connector.into(),
                source.into(),
                event.into(),
                m.internal_onprem.to_string(),
                m.id.into(),
                m.network_id.into(),
                m.recipient.into(),
                status.into(),
                m.bytes.to_string(),
                "1".into(),
                String::new(),
                String::new(),
                m.subject.into(),
                m.sender.into(),
                m.sender.into(),
                direction.into(),
                String::new(),
                String::new(),
                info.into(),
                latency.into(),
                latency_type.into(),
                data.into(),
                "Email".into(),
                "15.02.1544.004".into(),
            ]
        };
        let answer = format!(
            "250 2.6.0 {} [InternalId={}, Hostname={ONLINE_HOST}] {} bytes in 0.212, 222.1 KB/sec Queued mail for delivery",
            m.id, m.internal_online, m.bytes
        );
        let origin = (m.at - chrono::Duration::milliseconds(900))
            .format("%Y-%m-%dT%H:%M:%S%.3fZ")
            .to_string();
        let rows = [
            row(
                received,
                [
                    "",
                    "EX01",
                    "",
                    "EX01.contoso.com",
                    "MDB:b2e8d3f5-4c7a-4b2e-8d9e-3f6c8b0d2e4a, Mailbox:…, ClientType:MOMT",
                    "",
                    "STOREDRIVER",
                    "RECEIVE",
                    "To",
                    "[DeliveryPriority, Normal]; [AccountForest, contoso.com]",
                    "Originating",
                ],
                "",
                "None",
                "04I: ",
            ),
            row(
                sent,
                [
                    "10.20.0.11",
                    "EX01",
                    "52.101.68.4",
                    FRONT_DOOR,
                    &format!(";{answer};ClientSubmitTime:{origin}"),
                    CONNECTOR,
                    "SMTP",
                    "SEND",
                    "250 2.1.5 Recipient OK",
                    "[E2ELatency, 2.150]; [ExternalSendLatency, 0.212]; [AccountForest, contoso.com]",
                    "Originating",
                ],
                "00:00:03.0500000",
                "LocalServer",
                &format!(
                    "{origin};LSRV=EX01.contoso.com:TOTAL-HUB=2.150|SMR=0.300|CAT=0.120|QDM=0.080|SMSC=1.650"
                ),
            ),
        ];
        for r in rows {
            out.push_str(&csv_line(&r, ','));
            out.push_str("\r\n");
        }
    }
    out
}

/// The Exchange Online half as a historical search extended report (MTDetail), UTF-16 LE with
/// a byte-order mark, the 2013 schema with `_` names, times with 7 fractional digits.
fn historical_detail(messages: &[Crossing]) -> Vec<u8> {
    let header = [
        "date_time_utc",
        "client_ip",
        "client_hostname",
        "server_ip",
        "server_hostname",
        "source_context",
        "connector_id",
        "source",
        "event_id",
        "internal_message_id",
        "message_id",
        "network_message_id",
        "recipient_address",
        "recipient_status",
        "total_bytes",
        "recipient_count",
        "related_recipient_address",
        "reference",
        "message_subject",
        "sender_address",
        "return_path",
        "message_info",
        "directionality",
        "tenant_id",
        "original_client_ip",
        "original_server_ip",
        "custom_data",
    ];
    let mut text = csv_line(&header.map(String::from), ',');
    text.push_str("\r\n");
    let t7 = |t: DateTime<Utc>| t.format("%Y-%m-%dT%H:%M:%S%.3f0000Z").to_string();
    for m in messages {
        let received = m.at + chrono::Duration::milliseconds(2410);
        let delivered = m.at + chrono::Duration::milliseconds(3180);
        let rows = [
            [
                t7(received),
                "10.20.0.11".into(),
                "EX01.contoso.com".into(),
                "52.101.68.4".into(),
                ONLINE_HOST.into(),
                "08DE27C1C0A1B2C3;2026-11-20T00:00:00.000Z;0".into(),
                "Inbound from 6e2c1b7a-3f4d-4e5b-9a8c-7d6e5f4a3b2c".into(),
                "SMTP".into(),
                "RECEIVE".into(),
                m.internal_online.to_string(),
                m.id.into(),
                m.network_id.into(),
                m.recipient.into(),
                String::new(),
                m.bytes.to_string(),
                "1".into(),
                String::new(),
                String::new(),
                m.subject.into(),
                m.sender.into(),
                m.sender.into(),
                String::new(),
                "Originating".into(),
                "6f3a9c1e-2b4d-4f8a-9c7e-1d2b3a4c5e6f".into(),
                "10.20.0.11".into(),
                "10.20.0.11".into(),
                "S:FirstForestHop=EX01.contoso.com;S:InboundTrustEnabled=true".into(),
            ],
            [
                t7(delivered),
                String::new(),
                ONLINE_HOST.into(),
                String::new(),
                ONLINE_HOST.into(),
                "08DE27C1C0A1B2C4;2026-11-20T00:00:00.000Z;ClientSubmitTime:".into(),
                String::new(),
                "STOREDRIVER".into(),
                "DELIVER".into(),
                m.internal_online.to_string(),
                m.id.into(),
                m.network_id.into(),
                m.recipient.into(),
                String::new(),
                m.bytes.to_string(),
                "1".into(),
                String::new(),
                String::new(),
                m.subject.into(),
                m.sender.into(),
                m.sender.into(),
                format!(
                    "{};SRV={ONLINE_HOST}:TOTAL-DEL=0.410",
                    t7(m.at - chrono::Duration::milliseconds(900))
                ),
                "Originating".into(),
                "6f3a9c1e-2b4d-4f8a-9c7e-1d2b3a4c5e6f".into(),
                String::new(),
                String::new(),
                "S:MailboxDatabaseName=EURPR04DG070-db001;S:DatabaseHealth=-1".into(),
            ],
        ];
        for r in rows {
            text.push_str(&csv_line(&r, ','));
            text.push_str("\r\n");
        }
    }
    let mut bytes = vec![0xFF, 0xFE];
    bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    bytes
}

/// `Get-MessageTraceV2 | Export-Csv -NoTypeInformation`: one row per message and recipient,
/// `Received` in UTC written in the en-US culture.
fn message_trace(messages: &[Crossing]) -> String {
    let header = crate::ingest::exports::MESSAGE_TRACE_V2_COLUMNS;
    let mut out = csv_line(&header.map(String::from), ',');
    out.push_str("\r\n");
    for (i, m) in messages.iter().enumerate() {
        let row = [
            en_us(m.at + chrono::Duration::milliseconds(2410), 0),
            m.sender.into(),
            m.recipient.into(),
            m.subject.into(),
            "Delivered".into(),
            String::new(),
            "10.20.0.11".into(),
            m.bytes.to_string(),
            m.id.into(),
            format!("7c1e2d3f-4a5b-6c7d-8e9f-0a1b2c3d4e{:02}", i),
        ];
        out.push_str(&csv_line(&row, ','));
        out.push_str("\r\n");
    }
    out
}

/// Writes the three files under `out`.
pub fn write_exports(out: &Path) -> std::io::Result<Written> {
    let messages = crossings();
    let mut written = Written::default();
    let files: [(&str, Vec<u8>); 3] = [
        (
            "EX01-tracking-export.csv",
            tracking_export(&messages).into_bytes(),
        ),
        ("MTDetail_hybrid.csv", historical_detail(&messages)),
        ("MessageTraceV2.csv", message_trace(&messages).into_bytes()),
    ];
    for (name, bytes) in files {
        let path = out.join(name);
        std::fs::File::create(&path)?.write_all(&bytes)?;
        written.bytes += bytes.len() as u64;
        written.files.push(path);
    }
    written.rows = (messages.len() * 5) as u64;
    Ok(written)
}
