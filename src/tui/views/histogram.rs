//! Events over time, one column per time bucket, stacked by event kind bottom-up
//! (receive, deliver/send, other, defer, fail): a bucket with any failure always shows at
//! least one red cell on top, however tall the rest of the bar.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{kind_color, table_time};
use crate::format::EventClass;
use crate::tui::state::{App, Buckets, Focus};

/// The histogram's layers, bottom first.
pub const LAYERS: [EventClass; 5] = [
    EventClass::Arrival,
    EventClass::Delivery,
    EventClass::Other,
    EventClass::Delay,
    EventClass::Failure,
];

/// Each layer's glyph when colour is off (`NO_COLOR`): the series stay apart by shape.
pub const GLYPHS: [&str; 5] = ["█", "▓", "░", "▒", "X"];

/// True when the user asked for no colour (`NO_COLOR` set and not empty, no-color.org).
pub fn no_color() -> bool {
    std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
}

/// The glyph a layer is drawn with.
pub fn glyph(layer: usize, no_color: bool) -> &'static str {
    if no_color { GLYPHS[layer] } else { "█" }
}

/// A class's layer: its index in [`LAYERS`].
pub fn layer(class: EventClass) -> usize {
    match class {
        EventClass::Arrival => 0,
        EventClass::Delivery => 1,
        EventClass::Other => 2,
        EventClass::Delay => 3,
        EventClass::Failure => 4,
    }
}

/// A class's short label in the legend.
pub fn label(class: EventClass) -> &'static str {
    match class {
        EventClass::Failure => "fail",
        EventClass::Delay => "defer",
        EventClass::Delivery => "deliver/send",
        EventClass::Arrival => "receive",
        EventClass::Other => "other",
    }
}

/// Counts the view's rows into `n` buckets over the zoom range (or the view's span).
pub fn buckets(app: &App, n: usize) -> Buckets {
    let n = n.max(1);
    let (start, end) = match (app.zoom, app.view.first(), app.view.last()) {
        (Some((a, b)), _, _) => (a, b),
        (None, Some(f), Some(l)) => (app.data.times[*f as usize], app.data.times[*l as usize] + 1),
        _ => return Buckets::default(),
    };
    let span = (end - start).max(1);
    // Whole seconds, so bucket edges are readable times.
    let per_bucket = ((span + n as i64 - 1) / n as i64).max(1_000);
    let width_ms = (per_bucket + 999) / 1_000 * 1_000;
    let count = ((span + width_ms - 1) / width_ms).max(1) as usize;
    let mut counts = vec![[0u32; 5]; count.min(n)];
    for &r in app.view.iter() {
        let r = r as usize;
        let b = ((app.data.times[r] - start) / width_ms).clamp(0, counts.len() as i64 - 1);
        counts[b as usize][layer(app.data.kinds[r])] += 1;
    }
    Buckets {
        start_ms: start,
        width_ms,
        counts,
    }
}

/// Cells per layer of one bar `height` cells tall at most.
fn stack(counts: &[u32; 5], max: u32, height: u16) -> [u16; 5] {
    let mut cells = [0u16; 5];
    if max == 0 {
        return cells;
    }
    let total: u32 = counts.iter().sum();
    let bar = ((u64::from(total) * u64::from(height)).div_ceil(u64::from(max)))
        .min(u64::from(height)) as u16;
    let mut left = bar;
    // Fail and defer first (top layers), at least one cell each when present.
    for layer in (0..5).rev() {
        if counts[layer] == 0 || left == 0 {
            continue;
        }
        let share = (u64::from(counts[layer]) * u64::from(bar)).div_ceil(u64::from(total)) as u16;
        let c = share.max(1).min(left);
        cells[layer] = c;
        left -= c;
    }
    cells
}

/// The fn.
pub fn draw(frame: &mut Frame, app: &mut App, area: Rect) {
    if area.height < 3 || area.width < 10 {
        return;
    }
    let bars_height = area.height - 2;
    let key = (app.view_version, area.width);
    let buckets = if app.buckets_for == Some(key) {
        app.buckets.clone()
    } else {
        buckets(app, usize::from(area.width))
    };
    app.buckets_for = Some(key);
    app.histogram_cursor = app
        .histogram_cursor
        .min(buckets.counts.len().saturating_sub(1));
    app.hits.histogram = (area.x, area.y + 1, area.width, bars_height);
    // Legend line.
    let mut legend = vec![Span::raw(" Events over time ")];
    let plain = no_color();
    for kind in LAYERS.iter().rev() {
        legend.push(Span::styled(
            format!("{} ", glyph(layer(*kind), plain)),
            Style::new().fg(kind_color(*kind)),
        ));
        legend.push(Span::raw(format!("{}  ", label(*kind))));
    }
    if app.focus == Focus::Histogram {
        legend.push(Span::styled(
            "←/→ space ⏎ zoom",
            Style::new().fg(Color::Magenta),
        ));
    } else {
        legend.push(Span::styled(
            "h: pick a range",
            Style::new().fg(Color::DarkGray),
        ));
    }
    frame.render_widget(
        Paragraph::new(Line::from(legend)),
        Rect { height: 1, ..area },
    );
    let max = buckets
        .counts
        .iter()
        .map(|c| c.iter().sum::<u32>())
        .max()
        .unwrap_or(0);
    let selecting = app.focus == Focus::Histogram;
    let (lo, hi) = match app.histogram_anchor {
        Some(a) => (a.min(app.histogram_cursor), a.max(app.histogram_cursor)),
        None => (app.histogram_cursor, app.histogram_cursor),
    };
    let buf = frame.buffer_mut();
    for (x, counts) in buckets.counts.iter().enumerate() {
        let cells = stack(counts, max, bars_height);
        let column_x = area.x + x as u16;
        let mut y = area.y + bars_height; // bottom row of bars
        for (layer, n) in cells.iter().enumerate() {
            for _ in 0..*n {
                if let Some(cell) = buf.cell_mut((column_x, y)) {
                    cell.set_symbol(glyph(layer, plain))
                        .set_style(Style::new().fg(kind_color(LAYERS[layer])));
                }
                y = y.saturating_sub(1);
            }
        }
        if selecting && x >= lo && x <= hi {
            for row in 0..bars_height {
                if let Some(cell) = buf.cell_mut((column_x, area.y + 1 + row)) {
                    cell.set_bg(Color::DarkGray);
                }
            }
        }
    }
    // Axis: first and last time, and the cursor's bucket when choosing.
    let axis_y = area.y + area.height - 1;
    if buckets.counts.is_empty() {
        frame.render_widget(
            Paragraph::new("no rows to chart").style(Style::new().fg(Color::DarkGray)),
            Rect {
                y: axis_y,
                height: 1,
                ..area
            },
        );
        app.buckets = buckets;
        return;
    }
    let first = table_time(app, buckets.start_ms);
    let last_ms = buckets.start_ms + buckets.width_ms * buckets.counts.len() as i64;
    let last = table_time(app, last_ms);
    let mut axis = format!(
        "{first:<w$}",
        w = usize::from(area.width).saturating_sub(last.len())
    );
    axis.push_str(&last);
    if selecting && !buckets.counts.is_empty() {
        let (a, b) = buckets.range(lo, hi);
        let n: u32 = buckets.counts[lo..=hi]
            .iter()
            .map(|c| c.iter().sum::<u32>())
            .sum();
        axis = format!(
            "▲ {} – {}: {n} rows",
            table_time(app, a),
            table_time(app, b)
        );
        let pad = app.histogram_cursor.min(usize::from(area.width));
        let room = usize::from(area.width).saturating_sub(axis.chars().count());
        axis = format!("{}{axis}", " ".repeat(pad.min(room)));
    }
    frame.render_widget(
        Paragraph::new(axis).style(Style::new().fg(Color::DarkGray)),
        Rect {
            y: axis_y,
            height: 1,
            ..area
        },
    );
    app.buckets = buckets;
}

#[cfg(test)]
mod tests {
    use super::{LAYERS, layer, stack};

    #[test]
    fn each_kind_is_drawn_in_its_own_layer() {
        for (i, kind) in LAYERS.iter().enumerate() {
            assert_eq!(layer(*kind), i, "{kind:?}");
        }
    }

    #[test]
    fn failures_always_show_and_bars_never_overflow() {
        // 1 failure among 1000 arrivals still gets a cell.
        let cells = stack(&[1000, 0, 0, 0, 1], 1001, 4);
        assert_eq!(cells[4], 1);
        assert!(cells.iter().sum::<u16>() <= 4);
        // The tallest bar fills the height.
        assert_eq!(stack(&[5, 5, 0, 0, 0], 10, 4).iter().sum::<u16>(), 4);
        assert_eq!(stack(&[0; 5], 0, 4), [0; 5]);
        // A max below the bar's own total (never drawn so) still cannot overflow.
        assert!(stack(&[9, 9, 9, 9, 9], 5, 4).iter().sum::<u16>() <= 4);
    }
}
