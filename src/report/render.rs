//! Renders a [`Report`] as text (terminal), Markdown, JSON or one self-contained HTML file.

use std::fmt::Write as _;

use super::table::{Cell, Chart, Report, Table, address_anchor, anchor_of};

/// The widest a text cell is printed before it is cut with `…`.
const TEXT_CELL_MAX: usize = 64;

fn cut(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
        out.push('…');
        out
    }
}

fn wrap(text: &str, width: usize, indent: &str) -> String {
    let mut out = String::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.chars().count() + word.chars().count() + 1 > width {
            let _ = writeln!(out, "{indent}{line}");
            line.clear();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        let _ = writeln!(out, "{indent}{line}");
    }
    out
}

/// A table as aligned text columns, with a bar column when the table has a chart.
pub fn table_text(t: &Table, out: &mut String) {
    let _ = writeln!(out, "{}", t.title);
    out.push_str(&wrap(&format!("counted: {}", t.rule), 96, "  "));
    if let Some(q) = &t.query {
        let _ = writeln!(out, "  query: {q}");
    }
    if t.rows.is_empty() {
        let _ = writeln!(out, "  (none)\n");
        return;
    }
    let cells: Vec<Vec<String>> = t
        .rows
        .iter()
        .map(|r| r.iter().map(|c| cut(&c.display(), TEXT_CELL_MAX)).collect())
        .collect();
    let mut widths: Vec<usize> = t.headers.iter().map(|h| h.chars().count()).collect();
    for row in &cells {
        for (i, c) in row.iter().enumerate() {
            if i < widths.len() {
                widths[i] = widths[i].max(c.chars().count());
            }
        }
    }
    let bars = match &t.chart {
        Some(Chart::Bars { values, .. }) if values.len() == 1 => {
            let col = values[0];
            let max = t
                .rows
                .iter()
                .filter_map(|r| number(r.get(col)))
                .fold(0.0, f64::max);
            Some((col, max))
        }
        _ => None,
    };
    let numeric: Vec<bool> = (0..widths.len())
        .map(|i| t.rows.iter().all(|r| r.get(i).is_none_or(Cell::is_number)))
        .collect();
    let line = |cols: &[String], out: &mut String| {
        out.push_str("  ");
        for (i, c) in cols.iter().enumerate() {
            let pad = widths[i].saturating_sub(c.chars().count());
            if numeric[i] {
                out.push_str(&" ".repeat(pad));
                out.push_str(c);
            } else {
                out.push_str(c);
                if i + 1 < cols.len() || bars.is_some() {
                    out.push_str(&" ".repeat(pad));
                }
            }
            if i + 1 < cols.len() {
                out.push_str("  ");
            }
        }
    };
    line(&t.headers, out);
    out.push('\n');
    let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
    line(&rule, out);
    out.push('\n');
    for (r, row) in cells.iter().enumerate() {
        line(row, out);
        if let Some((col, max)) = bars
            && max > 0.0
        {
            let v = number(t.rows[r].get(col)).unwrap_or(0.0);
            let n = ((v / max) * 30.0).round() as usize;
            let _ = write!(out, "  {}", "█".repeat(n.max(usize::from(v > 0.0))));
        }
        out.push('\n');
    }
    out.push('\n');
}

fn number(c: Option<&Cell>) -> Option<f64> {
    c?.number()
}

/// The report as text for a terminal.
pub fn text(report: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}\n{}",
        report.title,
        "=".repeat(report.title.chars().count())
    );
    for n in &report.notes {
        out.push_str(&wrap(n, 100, ""));
    }
    out.push('\n');
    for h in &report.headlines {
        let _ = writeln!(
            out,
            "  {:<18} {:>10}  {}",
            h.label,
            h.value,
            headline_rest(h)
        );
    }
    if !report.headlines.is_empty() {
        out.push('\n');
    }
    for s in &report.sections {
        let _ = writeln!(out, "## {}\n", s.title);
        for t in &s.tables {
            table_text(t, &mut out);
        }
    }
    out
}

/// A headline's detail and change, in words.
fn headline_rest(h: &super::table::Headline) -> String {
    match &h.change {
        Some(c) => format!("{} ({c} against the previous period)", h.detail),
        None => h.detail.clone(),
    }
}

/// A Markdown table cell: the table's `|`, line breaks, and every character Markdown or the
/// HTML it may carry would act on (`< > & * _ ` [ ] \\ ! #`) is escaped, so a subject such as
/// `<img onerror=…>` or `[x](javascript:…)` shows as text; control characters are shown visibly.
fn md_escape(s: &str) -> String {
    let s = crate::escape::terminal::visible(s);
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '|' | '*' | '_' | '`' | '[' | ']' | '\\' | '!' | '#' | '~' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// The report as Markdown (GitHub tables).
pub fn markdown(report: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# {}\n", report.title);
    for n in &report.notes {
        let _ = writeln!(out, "{n}\n");
    }
    if !report.headlines.is_empty() {
        let _ = writeln!(out, "| | |\n|---|---:|");
        for h in &report.headlines {
            let _ = writeln!(
                out,
                "| {} | **{}** {} |",
                md_escape(&h.label),
                md_escape(&h.value),
                md_escape(&headline_rest(h))
            );
        }
        out.push('\n');
    }
    for s in &report.sections {
        let _ = writeln!(out, "## {}\n", s.title);
        for t in &s.tables {
            let _ = writeln!(
                out,
                "### {}\n\n_Counted: {}_\n",
                t.title,
                md_escape(&t.rule)
            );
            if let Some(q) = &t.query {
                let _ = writeln!(out, "```\n{q}\n```\n");
            }
            if t.rows.is_empty() {
                let _ = writeln!(out, "(none)\n");
                continue;
            }
            let _ = writeln!(
                out,
                "| {} |",
                t.headers
                    .iter()
                    .map(|h| md_escape(h))
                    .collect::<Vec<_>>()
                    .join(" | ")
            );
            let align: Vec<&str> = (0..t.headers.len())
                .map(|i| {
                    if t.rows.iter().all(|r| r.get(i).is_none_or(Cell::is_number)) {
                        "---:"
                    } else {
                        "---"
                    }
                })
                .collect();
            let _ = writeln!(out, "| {} |", align.join(" | "));
            for r in &t.rows {
                let _ = writeln!(
                    out,
                    "| {} |",
                    r.iter()
                        .map(|c| md_escape(&c.display()))
                        .collect::<Vec<_>>()
                        .join(" | ")
                );
            }
            out.push('\n');
        }
    }
    out
}

/// The report as JSON: `{"title", "notes", "<table key>": {"title", "rule", "query", "rows":
/// [{header: value}]}}` — one key per table, rows as objects.
pub fn json(report: &Report) -> serde_json::Value {
    let mut root = serde_json::Map::new();
    root.insert("title".into(), report.title.clone().into());
    root.insert("notes".into(), report.notes.clone().into());
    if !report.headlines.is_empty() {
        root.insert(
            "headlines".into(),
            serde_json::to_value(&report.headlines).unwrap_or_default(),
        );
    }
    for t in report.sections.iter().flat_map(|s| &s.tables) {
        let mut obj = serde_json::Map::new();
        obj.insert("title".into(), t.title.clone().into());
        obj.insert("rule".into(), t.rule.clone().into());
        if let Some(q) = &t.query {
            obj.insert("query".into(), q.clone().into());
        }
        obj.insert(
            "rows".into(),
            serde_json::Value::Array(
                t.json_rows()
                    .into_iter()
                    .map(serde_json::Value::Object)
                    .collect(),
            ),
        );
        root.insert(t.key.clone(), serde_json::Value::Object(obj));
    }
    serde_json::Value::Object(root)
}

pub(crate) fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

const PALETTE: [&str; 3] = ["#2f6fb0", "#e39b2d", "#c0392b"];

/// An SVG bar chart of one table: vertical bars for time series, horizontal bars otherwise;
/// several value columns are drawn side by side.
fn svg_chart(t: &Table) -> String {
    let Some(Chart::Bars { label, values }) = &t.chart else {
        return String::new();
    };
    let rows: Vec<(String, Vec<f64>)> = t
        .rows
        .iter()
        .map(|r| {
            (
                r.get(*label).map(Cell::display).unwrap_or_default(),
                values
                    .iter()
                    .map(|v| number(r.get(*v)).unwrap_or(0.0))
                    .collect(),
            )
        })
        .collect();
    if rows.is_empty() {
        return String::new();
    }
    let max = rows
        .iter()
        .flat_map(|(_, v)| v.iter().copied())
        .fold(0.0, f64::max)
        .max(1.0);
    let mut svg = String::new();
    let vertical = rows.len() > 8;
    if vertical {
        let (w, h, pad) = (900.0, 220.0, 30.0);
        let bw = (w - 2.0 * pad) / rows.len() as f64;
        let _ = write!(
            svg,
            r#"<svg class="chart" viewBox="0 0 {w} {}" role="img" aria-label="{}">"#,
            h + 40.0,
            esc(&t.title)
        );
        for (i, (name, vals)) in rows.iter().enumerate() {
            let v = vals[0];
            let bh = (v / max) * h;
            let x = pad + i as f64 * bw;
            let _ = write!(
                svg,
                r#"<rect x="{x:.1}" y="{:.1}" width="{:.1}" height="{bh:.1}" fill="{}"><title>{}: {v}</title></rect>"#,
                h - bh + 10.0,
                (bw - 2.0).max(1.0),
                PALETTE[0],
                esc(name)
            );
            if rows.len() <= 48 && (i % (rows.len() / 12).max(1) == 0) {
                let short = name.rsplit(' ').next().unwrap_or(name);
                let _ = write!(
                    svg,
                    r#"<text x="{:.1}" y="{}" font-size="10" text-anchor="middle">{}</text>"#,
                    x + bw / 2.0,
                    h + 26.0,
                    esc(short)
                );
            }
        }
        let _ = write!(
            svg,
            r#"<text x="{pad}" y="10" font-size="10">max {max}</text></svg>"#
        );
    } else {
        let (w, row_h) = (900.0, 22.0);
        let label_w = 260.0;
        let group_h = row_h * values.len() as f64 + 6.0;
        let _ = write!(
            svg,
            r#"<svg class="chart" viewBox="0 0 {w} {:.0}" role="img" aria-label="{}">"#,
            group_h * rows.len() as f64 + 8.0,
            esc(&t.title)
        );
        for (i, (name, vals)) in rows.iter().enumerate() {
            let y0 = 4.0 + i as f64 * group_h;
            let _ = write!(
                svg,
                r#"<text x="{}" y="{:.1}" font-size="12" text-anchor="end">{}</text>"#,
                label_w - 8.0,
                y0 + row_h * 0.7,
                esc(&cut(name, 40))
            );
            for (j, v) in vals.iter().enumerate() {
                let bw = (v / max) * (w - label_w - 80.0);
                let y = y0 + j as f64 * row_h;
                let _ = write!(
                    svg,
                    r#"<rect x="{label_w}" y="{y:.1}" width="{bw:.1}" height="{:.1}" fill="{}"><title>{}</title></rect><text x="{:.1}" y="{:.1}" font-size="11">{}</text>"#,
                    row_h - 4.0,
                    PALETTE[j % PALETTE.len()],
                    esc(&t.headers[values[j]]),
                    label_w + bw + 4.0,
                    y + row_h * 0.65,
                    if v.fract() == 0.0 {
                        format!("{v:.0}")
                    } else {
                        format!("{v:.1}")
                    }
                );
            }
        }
        svg.push_str("</svg>");
        if values.len() > 1 {
            svg.push_str(r#"<p class="legend">"#);
            for (j, v) in values.iter().enumerate() {
                let _ = write!(
                    svg,
                    r#"<span style="color:{}">■</span> {} "#,
                    PALETTE[j % PALETTE.len()],
                    esc(&t.headers[*v])
                );
            }
            svg.push_str("</p>");
        }
    }
    svg
}

const CSS: &str = "body{font:14px/1.4 system-ui,-apple-system,Segoe UI,sans-serif;margin:24px auto;max-width:1100px;color:#1d1d1f;padding:0 16px}
h1{font-size:24px;margin-bottom:4px}h2{font-size:19px;margin-top:32px;border-bottom:2px solid #2f6fb0;padding-bottom:4px}
h3{font-size:15px;margin:20px 0 2px}.rule{color:#666;font-size:12px;margin:0 0 6px}.query{font:12px monospace;background:#f4f4f6;padding:6px;white-space:pre-wrap;word-break:break-all}
table{border-collapse:collapse;width:100%;font-size:13px;margin-bottom:8px}th{background:#eef3f9;text-align:left;cursor:pointer;user-select:none;position:sticky;top:0;white-space:nowrap;word-break:normal}
.wrap{overflow-x:auto;-webkit-overflow-scrolling:touch}.cards{display:flex;flex-wrap:wrap;gap:12px;margin:16px 0}.card{flex:1 1 140px;border:1px solid #dde3ea;border-radius:8px;padding:10px 14px;background:#fafcff}
.card .label{font-size:12px;color:#555;text-transform:uppercase;letter-spacing:.03em}.card .value{font-size:26px;font-weight:600;margin:2px 0}.card .detail{font-size:12px;color:#555}.card .change{font-size:12px;color:#2f6fb0}
pre.trail{font:12px/1.35 monospace;background:#f7f7f9;padding:8px;overflow-x:auto;white-space:pre}a{color:#2f6fb0}
th,td{border:1px solid #dde3ea;padding:3px 6px;vertical-align:top;word-break:break-word}td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}td:first-child{white-space:nowrap}
th.sorted-asc::after{content:' ▲'}th.sorted-desc::after{content:' ▼'}.chart{width:100%;height:auto;margin:6px 0}.notes{color:#444}.legend{font-size:12px;margin:0}
.fix{font:12px monospace;background:#fff6e0;padding:4px}";

const SORT_JS: &str = "document.querySelectorAll('table.sortable').forEach(t=>{t.querySelectorAll('th').forEach((th,i)=>{th.addEventListener('click',()=>{const asc=!th.classList.contains('sorted-asc');t.querySelectorAll('th').forEach(h=>h.classList.remove('sorted-asc','sorted-desc'));th.classList.add(asc?'sorted-asc':'sorted-desc');const rows=[...t.tBodies[0].rows];rows.sort((a,b)=>{const x=a.cells[i].dataset.v??a.cells[i].textContent,y=b.cells[i].dataset.v??b.cells[i].textContent;const nx=parseFloat(x),ny=parseFloat(y);const c=(!isNaN(nx)&&!isNaN(ny))?nx-ny:x.localeCompare(y);return asc?c:-c});rows.forEach(r=>t.tBodies[0].appendChild(r))})})});";

/// A table as sortable HTML, with its chart above it.
pub fn table_html(t: &Table, out: &mut String) {
    table_html_linked(t, &std::collections::HashSet::new(), out);
}

/// [`table_html`], with the Message-IDs that have a detail section (anchors) linked to it.
fn table_html_linked(t: &Table, linked: &std::collections::HashSet<String>, out: &mut String) {
    let _ = write!(
        out,
        "<h3 id=\"{}\">{}</h3><p class=\"rule\">Counted: {}</p>",
        esc(&t.key),
        esc(&t.title),
        esc(&t.rule)
    );
    if let Some(q) = &t.query {
        let _ = write!(out, "<div class=\"query\">{}</div>", esc(q));
    }
    if t.rows.is_empty() {
        out.push_str("<p>(none)</p>");
        return;
    }
    out.push_str(&svg_chart(t));
    out.push_str("<div class=\"wrap\"><table class=\"sortable\"><thead><tr>");
    for h in &t.headers {
        let _ = write!(out, "<th>{}</th>", esc(h));
    }
    out.push_str("</tr></thead><tbody>");
    for r in &t.rows {
        out.push_str("<tr>");
        for c in r {
            match c {
                Cell::Text(s) if linked.contains(&anchor_of(s)) => {
                    let _ = write!(out, "<td><a href=\"#{}\">{}</a></td>", anchor_of(s), esc(s));
                }
                Cell::Text(s) if s.contains('@') && linked.contains(&address_anchor(s)) => {
                    let _ = write!(
                        out,
                        "<td><a href=\"#{}\">{}</a></td>",
                        address_anchor(s),
                        esc(s)
                    );
                }
                Cell::Text(s) => {
                    let _ = write!(out, "<td>{}</td>", esc(s));
                }
                _ => {
                    // Sorted by the number, shown as people read it.
                    let _ = write!(
                        out,
                        "<td class=\"n\" data-v=\"{}\">{}</td>",
                        c.number().unwrap_or(0.0),
                        esc(&c.display())
                    );
                }
            }
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table></div>");
}

/// The report as one self-contained HTML file: no network, inline SVG charts, sortable tables.
pub fn html(report: &Report) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"><title>{}</title><style>{CSS}</style></head><body><h1>{}</h1><div class=\"notes\">",
        esc(&report.title),
        esc(&report.title)
    );
    for n in &report.notes {
        let _ = write!(out, "<p>{}</p>", esc(n));
    }
    out.push_str("</div>");
    if !report.headlines.is_empty() {
        out.push_str("<div class=\"cards\">");
        for h in &report.headlines {
            let _ = write!(
                out,
                "<div class=\"card\"><div class=\"label\">{}</div><div class=\"value\">{}</div><div class=\"detail\">{}</div>{}</div>",
                esc(&h.label),
                esc(&h.value),
                esc(&h.detail),
                h.change.as_ref().map_or(String::new(), |c| format!(
                    "<div class=\"change\">{} against the previous period</div>",
                    esc(c)
                ))
            );
        }
        out.push_str("</div>");
    }
    let linked: std::collections::HashSet<String> = report
        .details
        .iter()
        .map(|d| anchor_of(&d.message_id))
        .chain(
            report
                .address_details
                .iter()
                .map(|a| address_anchor(&a.address)),
        )
        .collect();
    for s in &report.sections {
        let _ = write!(out, "<h2>{}</h2>", esc(&s.title));
        for t in &s.tables {
            table_html_linked(t, &linked, &mut out);
        }
    }
    if !report.details.is_empty() {
        out.push_str("<h2>Messages</h2><p class=\"rule\">The journey of every message a table above names (msgtrack trail).</p>");
        for d in &report.details {
            let _ = write!(
                out,
                "<h3 id=\"{}\">{}</h3><pre class=\"trail\">{}</pre>",
                anchor_of(&d.message_id),
                esc(&d.message_id),
                esc(&d
                    .text
                    .lines()
                    .map(|l| crate::escape::terminal::visible(l).into_owned())
                    .collect::<Vec<_>>()
                    .join("\n"))
            );
        }
    }
    if !report.address_details.is_empty() {
        out.push_str("<h2>Addresses</h2><p class=\"rule\">Each address a table above names, with the messages of the sections above it appears in (as sender or recipient).</p>");
        for a in &report.address_details {
            let _ = write!(
                out,
                "<h3 id=\"{}\">{}</h3><p>",
                address_anchor(&a.address),
                esc(&a.address)
            );
            let links: Vec<String> = a
                .message_ids
                .iter()
                .map(|id| format!("<a href=\"#{}\">{}</a>", anchor_of(id), esc(id)))
                .collect();
            out.push_str(&links.join(", "));
            out.push_str("</p>");
        }
    }
    let _ = writeln!(out, "<script>{SORT_JS}</script></body></html>");
    out
}
