//! Get-MessageTrackingLog itself: its parameters bound as the cmdlet binds them and turned
//! into the reader's row filter (pushed down, so lines that cannot match are skipped before
//! they are decoded), a server list and the result size; and the shell line equivalent to
//! a query (`--print-cmdlet`).
//!
//! Matching rules of the cmdlet: EventId, Source, Sender, Recipients (any element),
//! MessageId (with or without angle brackets), InternalMessageId, NetworkMessageId,
//! Reference (any element), TransportTrafficType match exactly, ignoring case; only
//! `-Recipients` takes several values (OR-ed); MessageSubject is a case-insensitive
//! substring; Start is inclusive, End exclusive; all parameters are AND-ed.

use crate::directory::Snapshot;
use crate::format::{EventId, Field};
use crate::ingest::{FieldCondition, FieldTest, RowFilter};
use crate::pwsh::ast::{Command, Expr, Span};
use crate::pwsh::commands::dates::date_argument;
use crate::pwsh::datetime::{self, Kind};
use crate::pwsh::eval::Engine;
use crate::pwsh::runtime::{EvalError, EvalResult, ParamSpec, Scope, bind, unroll};
use crate::pwsh::value::Value;

use super::settings::Session;

/// The cmdlet's default result size.
pub const DEFAULT_RESULT_SIZE: usize = 1000;

/// What to read and how much of it.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    /// The cmdlet filters, pushed into the reader.
    pub filter: RowFilter,
    /// `-Server` names (short names, lower case); empty means every server.
    pub servers: Vec<String>,
    /// `None` for `-ResultSize Unlimited`.
    pub result_size: Option<usize>,
    /// Things the user should know (an ignored parameter, an unknown event name).
    pub notes: Vec<String>,
}

/// A server's short name, as `-Server` compares it: up to the first dot, lower case.
pub fn short_server_name(name: &str) -> String {
    name.split('.').next().unwrap_or(name).to_ascii_lowercase()
}

impl Plan {
    /// True when a row logged on `server` passes `-Server` (every row when none was named).
    pub fn keeps_server(&self, server: &str) -> bool {
        self.servers.is_empty() || self.servers.contains(&short_server_name(server))
    }
}

const fn p(name: &'static str, aliases: &'static [&'static str]) -> ParamSpec {
    ParamSpec {
        name,
        aliases,
        switch: false,
    }
}

/// The cmdlet's parameters (and the common ones a pasted line carries).
pub const PARAMS: [ParamSpec; 19] = [
    p("DomainController", &[]),
    p("End", &[]),
    p("EventId", &[]),
    p("InternalMessageId", &[]),
    p("MessageId", &[]),
    p("MessageSubject", &[]),
    p("NetworkMessageId", &[]),
    p("Recipients", &[]),
    p("Reference", &[]),
    p("ResultSize", &[]),
    p("Sender", &[]),
    p("Server", &[]),
    p("Source", &[]),
    p("Start", &[]),
    p("TransportTrafficType", &[]),
    p("ErrorAction", &["ea"]),
    p("WarningAction", &["wa"]),
    p("ErrorVariable", &["ev"]),
    p("Verbose", &["vb"]),
];

/// The UTC instant of a value given to `-Start`/`-End`: a DateTime (local wall time, or UTC),
/// or text read in the shell's culture and zone, as the cmdlet's parameter binding reads it.
pub fn instant_ms(
    engine: &dyn Scope,
    session: &Session,
    v: &Value,
    span: &Span,
) -> EvalResult<i64> {
    let t = date_argument(engine, v).map_err(|m| {
        EvalError::new(
            format!(
                "{m}; the {} culture writes dates as {} (give --culture for another, or write 2026-11-20T13:00)",
                session.culture.label(),
                session.culture.short_date
            ),
            span.clone(),
        )
    })?;
    let utc = match t.kind {
        Kind::Utc => t.wall,
        _ => session
            .zone
            .to_utc(t.wall)
            .map(|u| u.naive_utc())
            .ok_or_else(|| {
                EvalError::new(
                    format!(
                        "{} does not exist in {} (a clock change)",
                        t.wall,
                        session.zone.label()
                    ),
                    span.clone(),
                )
            })?,
    };
    Ok(utc.and_utc().timestamp_millis())
}

fn one_text(engine: &mut dyn Scope, name: &str, e: &Expr) -> EvalResult<String> {
    let v = engine.expr(e)?;
    match &v {
        Value::Array(items) if items.len() > 1 => Err(EvalError::new(
            format!(
                "-{name} takes one value in Get-MessageTrackingLog (only -Recipients takes several); run one query per value, or filter with Where-Object {{$_.{} -in 'a','b'}}",
                if name == "Sender" { "Sender" } else { name }
            ),
            e.span.clone(),
        )),
        Value::Null => Err(EvalError::new(
            format!("-{name} is given no value"),
            e.span.clone(),
        )),
        other => Ok(other.to_text()),
    }
}

/// Binds the cmdlet's arguments into a plan. `input` are the objects piped in (server names
/// or server objects, bound to `-Server`). With a directory snapshot, `-Sender` and
/// `-Recipients` also match every other address of the same recipient, as the cmdlet does
/// through Active Directory.
pub fn plan(
    engine: &mut dyn Scope,
    session: &Session,
    c: &Command,
    input: &[Value],
    directory: Option<&Snapshot>,
) -> EvalResult<Plan> {
    let bound = bind(c, &PARAMS)?;
    if let Some(extra) = bound.positional.first() {
        return Err(EvalError::new(
            "Get-MessageTrackingLog takes no positional values; name the parameter (-Sender, -Recipients, …)",
            extra.span.clone(),
        ));
    }
    let mut plan = Plan {
        result_size: Some(DEFAULT_RESULT_SIZE),
        ..Plan::default()
    };
    let addresses = |typed: Vec<String>| -> Vec<String> {
        match directory {
            Some(d) => typed.iter().flat_map(|a| d.expand_address(a)).collect(),
            None => typed,
        }
    };
    let equals = |plan: &mut Plan, field: Field, values: Vec<String>, list: bool| {
        plan.filter.conditions.push(FieldCondition {
            field,
            test: if list {
                FieldTest::AnyMemberEqualsAny(values)
            } else {
                FieldTest::EqualsAny(values)
            },
        });
    };
    for (name, value, span) in &bound.named {
        let span = span.clone();
        let e = match value {
            Some(e) => *e,
            None => return Err(EvalError::new(format!("-{name} needs a value"), span)),
        };
        match *name {
            "EventId" => {
                let v = one_text(engine, name, e)?;
                if !EventId::is_known(&v) {
                    plan.notes.push(format!(
                        "-EventId {v}: Exchange writes no such event (the cmdlet would stop here); matching it anyway"
                    ));
                }
                equals(&mut plan, Field::EventId, vec![v], false);
            }
            "Sender" => {
                let v = one_text(engine, name, e)?;
                equals(&mut plan, Field::Sender, addresses(vec![v]), false);
            }
            "Recipients" => {
                let values: Vec<String> = unroll(engine.expr(e)?).iter().map(Value::to_text).collect();
                equals(&mut plan, Field::Recipients, addresses(values), true);
            }
            "MessageId" => {
                let v = one_text(engine, name, e)?;
                let bare = v.trim().trim_start_matches('<').trim_end_matches('>').to_string();
                equals(&mut plan, Field::MessageId, vec![format!("<{bare}>"), bare], false);
            }
            "InternalMessageId" => {
                let v = one_text(engine, name, e)?;
                equals(&mut plan, Field::InternalMessageId, vec![v], false);
            }
            "NetworkMessageId" => {
                let v = one_text(engine, name, e)?;
                equals(&mut plan, Field::NetworkMessageId, vec![v], false);
            }
            "Reference" => {
                let v = one_text(engine, name, e)?;
                equals(&mut plan, Field::Reference, vec![v], true);
            }
            "Source" => {
                let v = one_text(engine, name, e)?;
                equals(&mut plan, Field::Source, vec![v], false);
            }
            "TransportTrafficType" => {
                let v = one_text(engine, name, e)?;
                equals(&mut plan, Field::TransportTrafficType, vec![v], false);
            }
            "MessageSubject" => {
                let v = one_text(engine, name, e)?;
                plan.filter.conditions.push(FieldCondition {
                    field: Field::MessageSubject,
                    test: FieldTest::Contains(v),
                });
            }
            "Start" | "End" => {
                let v = engine.expr(e)?;
                let ms = instant_ms(engine, session, &v, &e.span)?;
                if *name == "Start" {
                    plan.filter.start_ms = Some(ms);
                } else {
                    plan.filter.end_ms = Some(ms);
                }
            }
            "Server" => {
                for v in unroll(engine.expr(e)?) {
                    plan.servers.push(short_server_name(&server_name(&v)));
                }
            }
            "ResultSize" => {
                let v = engine.expr(e)?;
                plan.result_size = match &v {
                    Value::Str(s) if s.eq_ignore_ascii_case("unlimited") => None,
                    other => match other.as_number().map(|n| n.to_f64()) {
                        Some(n) if n >= 0.0 && n.fract() == 0.0 => Some(n as usize),
                        _ => {
                            return Err(EvalError::new(
                                "-ResultSize takes a whole number or Unlimited",
                                e.span.clone(),
                            )
                            .suggest(Some("-ResultSize Unlimited".into())));
                        }
                    },
                }
            }
            "DomainController" => plan.notes.push(
                "-DomainController is accepted and ignored: msgtrack reads copies of the logs, not Active Directory".into(),
            ),
            "ErrorAction" | "WarningAction" => plan.notes.push(format!(
                "-{name} is accepted and has no effect: msgtrack reports every problem on stderr and goes on"
            )),
            other => {
                return Err(EvalError::new(
                    format!("-{other} is a common parameter msgtrack does not support"),
                    span,
                ));
            }
        }
    }
    for item in input {
        plan.servers.push(short_server_name(&server_name(item)));
    }
    if let (Some(s), Some(e)) = (plan.filter.start_ms, plan.filter.end_ms)
        && e <= s
    {
        plan.notes
            .push("-End is not after -Start, so nothing can match (End is exclusive)".into());
    }
    Ok(plan)
}

/// What msgtrack says of a line that pipes servers into Get-MessageTrackingLog
/// (`Get-TransportService | Get-MessageTrackingLog …`): Exchange runs one search per piped
/// server, in the order piped, each with its own -ResultSize, writing that server's rows
/// before the next's (its `InternalProcessRecord` resets the count for every piped record);
/// msgtrack reads the servers together. `None` for other lines.
pub fn servers_piped_note(block: &crate::pwsh::ast::Block) -> Option<&'static str> {
    use crate::pwsh::ast::{Element, Expr, ExprKind, Pipeline, Statement, Visit, walk_block};
    /// Finds a pipeline, anywhere in the line (an assignment's, in parentheses, in a script
    /// block), that pipes something into Get-MessageTrackingLog.
    struct Piped(bool);
    impl Piped {
        fn check(&mut self, p: &Pipeline) {
            self.0 |= p.elements.iter().skip(1).any(|e| {
                matches!(e, Element::Command(c) if c.name.eq_ignore_ascii_case("Get-MessageTrackingLog"))
            });
        }
    }
    impl<'a> Visit<'a> for Piped {
        fn statement(&mut self, s: &'a Statement) {
            match s {
                Statement::Pipeline(p) => self.check(p),
                Statement::Assign { value: Some(p), .. } => self.check(p),
                _ => {}
            }
        }
        fn expr(&mut self, e: &'a Expr) {
            if let ExprKind::Paren(p) = &e.kind {
                self.check(p);
            }
        }
    }
    let mut piped = Piped(false);
    walk_block(block, &mut piped);
    piped.0.then_some(
        "servers piped into Get-MessageTrackingLog are read together here: one -ResultSize for them all, rows in time order across servers; Exchange searches each piped server in turn, each with its own -ResultSize, and writes that server's rows before the next's (add | Sort-Object Timestamp to compare rows)",
    )
}

/// `block` with `Get-TransportService |` (or Get-ExchangeServer, Get-MailboxServer) dropped
/// from the front of its one pipeline when that changes nothing: the command takes no
/// argument, so every server whose logs were given is piped into a Get-MessageTrackingLog
/// naming no `-Server`, which then reads every server's rows, as it does alone. `None` when
/// the line does not start so. The runs in pieces over a store ([`super::streamed`],
/// [`super::top_rows`]) know the cmdlet only as the line's first command.
pub fn every_server_dropped(block: &crate::pwsh::ast::Block) -> Option<crate::pwsh::ast::Block> {
    use crate::pwsh::ast::{Arg, Element, Statement};
    let [Statement::Pipeline(p)] = block.statements.as_slice() else {
        return None;
    };
    let [Element::Command(servers), Element::Command(read), ..] = p.elements.as_slice() else {
        return None;
    };
    let lists_servers = [
        "Get-TransportService",
        "Get-ExchangeServer",
        "Get-MailboxServer",
    ]
    .iter()
    .any(|n| servers.name.eq_ignore_ascii_case(n));
    let names_server = read.args.iter().any(|a| {
        matches!(a, Arg::Param { name, .. } if name.len() >= 2 && "server".starts_with(&name.to_ascii_lowercase()))
    });
    if !lists_servers
        || !servers.args.is_empty()
        || !read.name.eq_ignore_ascii_case("Get-MessageTrackingLog")
        || names_server
    {
        return None;
    }
    let mut dropped = block.clone();
    if let Some(Statement::Pipeline(p)) = dropped.statements.first_mut() {
        p.elements.remove(0);
    }
    Some(dropped)
}

/// A server's name from what `-Server` was given (a name, or a server object).
fn server_name(v: &Value) -> String {
    match v {
        Value::Object(o) => o
            .property("Name")
            .or_else(|| o.property("Identity"))
            .map(|n| n.to_text())
            .unwrap_or_default(),
        other => other.to_text(),
    }
}

/// A host that only knows the session's clock, zone and culture: for evaluating the cmdlet's
/// parameter values outside a query run (`--since`, `--print-cmdlet`).
pub(crate) struct Clock(pub(crate) Session);

impl crate::pwsh::eval::Host for Clock {
    fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.0.now
    }
    fn zone(&self) -> crate::format::Zone {
        self.0.zone
    }
    fn culture(&self) -> &'static crate::pwsh::culture::Culture {
        self.0.culture
    }
    fn command(
        &self,
        _: &mut dyn crate::pwsh::runtime::Scope,
        _: &Command,
        _: Vec<Value>,
    ) -> Option<EvalResult<Vec<Value>>> {
        None
    }
    fn write_file(&self, _: &str, _: &[u8], _: &[u8], _: bool, span: &Span) -> EvalResult<()> {
        Err(EvalError::new("no files here", span.clone()))
    }
    fn display_datetime(&self, t: &datetime::DateTime) -> String {
        t.invariant_string()
    }
    fn note(&self, _: &str) {}
}

/// The plan of the first Get-MessageTrackingLog in a line (its parameters evaluated in the
/// session), without reading anything: what `--print-cmdlet` round trips are checked on.
pub fn plan_of_line(text: &str, session: &Session) -> Result<Plan, crate::pwsh::parse::ParseError> {
    use crate::pwsh::ast::{Element, Statement};
    let block = crate::pwsh::parse::parse(text)?;
    let command = block.statements.iter().find_map(|s| match s {
        Statement::Pipeline(p) => p.elements.iter().find_map(|e| match e {
            Element::Command(c) if c.name.eq_ignore_ascii_case("Get-MessageTrackingLog") => Some(c),
            _ => None,
        }),
        _ => None,
    });
    let Some(c) = command else {
        return Err(crate::pwsh::parse::ParseError::new(
            "no Get-MessageTrackingLog in the line",
            0..text.len(),
        ));
    };
    let host = Clock(*session);
    let mut engine = Engine::new(&host);
    plan(&mut engine, session, c, &[], None).map_err(EvalError::into_parse_error)
}

/// The instant of a `-Start`-like value given as text on the command line (`--since`):
/// an expression when it starts like one (`(Get-Date).AddDays(-1)`, `[datetime]::Today`),
/// else a date in the session's culture.
pub fn instant_of_text(text: &str, session: &Session) -> Result<i64, String> {
    let host = Clock(*session);
    let mut engine = Engine::new(&host);
    let t = text.trim();
    let value = if t.starts_with(['(', '[', '$']) {
        let block = crate::pwsh::parse::parse(t).map_err(|e| e.message)?;
        let out = engine.run(&block).map_err(|e| e.message)?;
        crate::pwsh::eval::collapse(out)
    } else {
        Value::str(t)
    };
    instant_ms(&engine, session, &value, &(0..t.len())).map_err(|e| e.message)
}

/// A date as the shell's culture writes it for the cmdlet to read back (short date and long
/// time, with the milliseconds when there are any).
pub fn shell_date(session: &Session, utc_ms: i64) -> String {
    let Some(utc) = chrono::DateTime::from_timestamp_millis(utc_ms) else {
        return utc_ms.to_string();
    };
    let local = session.zone.local(utc).naive_local();
    let culture = session.culture;
    let long_time = if utc_ms.rem_euclid(1000) != 0 {
        culture.long_time.replacen("ss", "ss.fff", 1)
    } else {
        culture.long_time.to_string()
    };
    let t = datetime::DateTime::new(local, Kind::Local);
    datetime::format(&t, &format!("{} {long_time}", culture.short_date), culture)
        .unwrap_or_default()
}

/// The shell line equivalent to a query (`--print-cmdlet`): the cmdlet's parameters with
/// their values evaluated and written as PowerShell single-quoted strings (nothing in them
/// expands), `-Start`/`-End` made absolute in the shell's culture and zone (run it on a
/// server in that zone), and everything around the cmdlet as typed.
pub fn print(text: &str, session: &Session) -> Result<String, crate::pwsh::parse::ParseError> {
    use crate::escape::shell::powershell as quoted;
    use crate::pwsh::ast::{Element, Statement};
    let block = crate::pwsh::parse::parse(text)?;
    // The first statement whose pipeline runs the cmdlet (`$s = Get-ExchangeServer; $s |
    // Get-MessageTrackingLog …` has it in the second); the statements around it stay as typed.
    let is_cmdlet = |e: &Element| matches!(e, Element::Command(c) if c.name.eq_ignore_ascii_case("Get-MessageTrackingLog"));
    let Some(Element::Command(c)) = block.statements.iter().find_map(|s| match s {
        Statement::Pipeline(p) => p.elements.iter().find(|e| is_cmdlet(e)),
        _ => None,
    }) else {
        return Err(crate::pwsh::parse::ParseError::new(
            "no Get-MessageTrackingLog in the line",
            0..text.len(),
        ));
    };
    let host = Clock(*session);
    let mut engine = Engine::new(&host);
    let bound = bind(c, &PARAMS).map_err(EvalError::into_parse_error)?;
    let mut out = String::from(&text[..c.span.start]);
    out.push_str("Get-MessageTrackingLog");
    for (name, value, _) in &bound.named {
        let Some(e) = value else { continue };
        let v = engine.expr(e).map_err(EvalError::into_parse_error)?;
        let rendered = match *name {
            "Start" | "End" => {
                let ms = instant_ms(&engine, session, &v, &e.span)
                    .map_err(EvalError::into_parse_error)?;
                quoted(&shell_date(session, ms))
            }
            "ResultSize" => v.to_text(),
            _ => unroll(v)
                .iter()
                .map(|x| quoted(&x.to_text()))
                .collect::<Vec<_>>()
                .join(","),
        };
        out.push_str(&format!(" -{name} {rendered}"));
    }
    // What follows the cmdlet, as typed: its own separators (` | `, a newline ending the
    // statement) are kept, so a later statement stays a statement.
    // The command's span ends after the spaces that follow it; only the parser's own spaces
    // are trimmed (a form feed is part of a bare word).
    let end = c.span.start
        + text[c.span.start..c.span.end]
            .trim_end_matches(crate::pwsh::parse::is_space)
            .len();
    out.push_str(text[end..].trim_end());
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::Zone;

    fn session(now: &str, zone: &str, culture: &str) -> Session {
        Session {
            now: chrono::DateTime::parse_from_rfc3339(now)
                .unwrap()
                .with_timezone(&chrono::Utc),
            zone: Zone::parse(zone).unwrap(),
            culture: crate::pwsh::culture::Culture::find(culture).unwrap(),
            csv_raw: false,
            shown: Default::default(),
        }
    }

    #[test]
    fn relative_dates_become_absolute_dates_of_the_culture() {
        let s = session("2026-11-21T00:00:00Z", "America/New_York", "en-US");
        let line = r#"Get-TransportService | Get-MessageTrackingLog -EventID FAIL -Start (Get-Date).AddDays(-2) -Recipients 'a@x.com',b@x.com -ResultSize Unlimited | Where {$_.Recipients -match "^IMCEAEX*"}"#;
        assert_eq!(
            print(line, &s).unwrap(),
            r#"Get-TransportService | Get-MessageTrackingLog -EventId 'FAIL' -Start '11/18/2026 7:00:00 PM' -Recipients 'a@x.com','b@x.com' -ResultSize Unlimited | Where {$_.Recipients -match "^IMCEAEX*"}"#
        );
        let gb = session("2026-11-21T00:00:00Z", "Europe/London", "en-GB");
        assert_eq!(
            print("Get-MessageTrackingLog -Start '20/11/2026 13:30'", &gb).unwrap(),
            "Get-MessageTrackingLog -Start '20/11/2026 13:30:00'"
        );
    }

    #[test]
    fn values_never_expand_and_milliseconds_are_kept() {
        let s = session("2026-11-21T00:00:00.250Z", "UTC", "en-US");
        let line = r#"Get-MessageTrackingLog -Sender 'a$(calc)`b"c@x.com' -Start (Get-Date) -End '2026-11-21T10:00:00.5'"#;
        assert_eq!(
            print(line, &s).unwrap(),
            r#"Get-MessageTrackingLog -Sender 'a$(calc)`b"c@x.com' -Start '11/21/2026 12:00:00.250 AM' -End '11/21/2026 10:00:00.500 AM'"#
        );
    }
}
