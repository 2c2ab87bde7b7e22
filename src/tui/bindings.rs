//! The key bindings as the help overlay lists them.

/// Every key, as the help overlay lists it: (keys, what they do).
pub const BINDINGS: [(&str, &str); 27] = [
    ("↑ ↓  j k", "move the selection"),
    ("PgUp PgDn  Ctrl-b Ctrl-f", "page up / down"),
    ("g G  Home End", "first / last row"),
    ("Enter", "the selected message's journey (hops, latencies)"),
    (
        "e",
        "explain the message (categorizer replay; uses --directory)",
    ),
    (
        "d",
        "detail pane: every field, recipients with statuses, EventData, file:line",
    ),
    (
        "f  :",
        "edit the filter (query language; Enter applies, Esc restores)",
    ),
    (
        "  in the filter",
        "-EventId FAIL   $_.Recipients -match '^IMCEAEX'   Get-Message…",
    ),
    (
        "s",
        "saved queries (queries/*.ps1): pick one to filter with it",
    ),
    ("/", "search the shown columns; Enter finds"),
    ("n N", "next / previous match"),
    ("h", "choose a time range on the histogram"),
    (
        "  ← → (histogram)",
        "move the cursor one bucket (Shift: ten)",
    ),
    ("  space (histogram)", "mark one end of the range"),
    ("  Enter (histogram)", "zoom the table to the range"),
    ("z", "reset the zoom"),
    (
        "c",
        "column chooser: space shows/hides, < > move, Esc closes",
    ),
    (
        "x",
        "export the view (shown columns) to msgtrack-view-….csv",
    ),
    ("F", "follow mode: pick up rows appended to the files"),
    ("?", "this help"),
    ("Esc", "close a window / leave an input"),
    ("q  Ctrl-c", "quit"),
    ("mouse wheel", "scroll the table (or a window)"),
    ("click", "select a row"),
    ("drag on histogram", "zoom to the dragged range"),
    ("journey/explain", "↑ ↓ PgUp PgDn scroll, Esc closes"),
    (
        "tip",
        "`--tz UTC` shows times as logged; default is local time",
    ),
];
