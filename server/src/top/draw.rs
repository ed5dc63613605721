//! One frame of `top`, drawn with ratatui from plain data: the header (server, connection,
//! totals, sort and filters), the table, and the footer (the keys, the filter being typed,
//! or a notice).

use std::time::Duration;

use agentcast_client::ConnectionState;
use agentcast_shared::SessionState;
use agentcast_shared::view::format;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row as TableRow, Table as TableWidget, TableState};

use super::keys::HELP;
use super::table::{Row, Table};

/// Everything a frame shows besides the table's own state.
pub(crate) struct Scene<'a> {
    pub server: &'a str,
    /// The connection, and how long ago it entered that state (for the countdown).
    pub connection: &'a ConnectionState,
    pub since: Duration,
    /// Every session known, before filtering: the totals are over all of them.
    pub totals: Totals,
    /// The rows shown, in order (`Table::view`).
    pub rows: &'a [Row],
    pub now_ms: u64,
    /// A line for the footer instead of the keys (what happened to the last `watch`).
    pub notice: Option<&'a str>,
}

/// The header's counts, over every session known.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct Totals {
    pub sessions: usize,
    pub active: usize,
    pub needs_you: usize,
    pub tokens: u64,
    pub cost_usd: f64,
}

impl Totals {
    pub(crate) fn of(rows: &[Row]) -> Totals {
        rows.iter().fold(Totals::default(), |mut t, row| {
            t.sessions += 1;
            t.active += usize::from(row.status.is_active());
            t.needs_you += usize::from(row.needs_you > 0);
            t.tokens += row.tokens;
            t.cost_usd += row.cost_usd.unwrap_or(0.0);
            t
        })
    }
}

const HEADERS: [&str; 8] = [
    "STATUS", "AGENT", "PROJECT", "LABEL", "TOOL", "TOKENS", "COST", "AGE",
];

/// Draws the frame; `state` keeps the table's scroll position (its offset) between frames. Returns the
/// number of table rows that fit (a page, for PageUp/PageDown).
pub(crate) fn draw(
    frame: &mut Frame,
    table: &Table,
    scene: &Scene,
    state: &mut TableState,
) -> usize {
    let [header, body, footer] = Layout::vertical([
        Constraint::Length(2),
        Constraint::Min(1),
        Constraint::Length(1),
    ])
    .areas(frame.area());
    frame.render_widget(Paragraph::new(header_lines(table, scene)), header);

    // Only the rows on screen become widgets: with thousands of sessions, building every
    // row's cells each frame was most of what a frame cost.
    let height = usize::from(body.height.saturating_sub(1)).max(1);
    let selected = table.selected_index(scene.rows);
    let offset = scroll(state.offset(), selected, height, scene.rows.len());
    *state.offset_mut() = offset;
    let end = (offset + height).min(scene.rows.len());
    let rows = scene.rows[offset..end]
        .iter()
        .map(|row| table_row(row, scene.now_ms));
    let widths = [
        Constraint::Length(12),
        Constraint::Length(7),
        Constraint::Length(16),
        Constraint::Fill(1),
        Constraint::Length(20),
        Constraint::Length(8),
        Constraint::Length(9),
        Constraint::Length(10),
    ];
    let widget = TableWidget::new(rows, widths)
        .header(
            TableRow::new(HEADERS.map(Cell::from))
                .style(Style::new().add_modifier(Modifier::BOLD | Modifier::REVERSED)),
        )
        .row_highlight_style(Style::new().add_modifier(Modifier::REVERSED))
        .highlight_symbol("> ");
    let mut window = TableState::default().with_selected(selected.map(|at| at - offset));
    frame.render_stateful_widget(widget, body, &mut window);
    if scene.rows.is_empty() {
        let empty = if scene.totals.sessions == 0 {
            "no sessions yet"
        } else {
            "no session matches the filters"
        };
        let [_, below] = Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(body);
        frame.render_widget(Paragraph::new(format!("  {empty}")), below);
    }

    frame.render_widget(Paragraph::new(footer_line(table, scene)), footer);
    height
}

/// The first row shown: the previous one, moved as little as needed for the selected row
/// to be on screen, and no further down than a full last page.
fn scroll(offset: usize, selected: Option<usize>, height: usize, len: usize) -> usize {
    let offset = offset.min(len.saturating_sub(height));
    match selected {
        Some(at) if at < offset => at,
        Some(at) if at >= offset + height => at + 1 - height,
        _ => offset,
    }
}

fn header_lines<'a>(table: &Table, scene: &Scene<'a>) -> Vec<Line<'a>> {
    let (connection, colour) = connection_text(scene.connection, scene.since);
    let t = scene.totals;
    let first = Line::from(vec![
        Span::styled("agentcast top", Style::new().add_modifier(Modifier::BOLD)),
        Span::raw(format!("  {}  ", scene.server)),
        Span::styled(connection, Style::new().fg(colour)),
    ]);
    let mut counts = vec![Span::raw(format!(
        "{} sessions · {} active · ",
        t.sessions, t.active
    ))];
    let needs = format!("{} need you", t.needs_you);
    counts.push(if t.needs_you > 0 {
        Span::styled(
            needs,
            Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD),
        )
    } else {
        Span::raw(needs)
    });
    counts.push(Span::raw(format!(
        " · {} tokens · {}   sort: {} · status: {}",
        tokens(t.tokens),
        cost(Some(t.cost_usd)),
        table.sort.name(),
        table.status.name(),
    )));
    if !table.filter.is_empty() {
        counts.push(Span::raw(format!(" · filter: {}", table.filter)));
    }
    vec![first, Line::from(counts)]
}

fn footer_line<'a>(table: &Table, scene: &Scene<'a>) -> Line<'a> {
    if table.editing {
        return Line::from(vec![
            Span::styled("filter: ", Style::new().add_modifier(Modifier::BOLD)),
            Span::raw(table.filter.clone()),
            Span::styled("█", Style::new().add_modifier(Modifier::SLOW_BLINK)),
            Span::styled(
                "   Enter keep · Esc clear",
                Style::new().add_modifier(Modifier::DIM),
            ),
        ]);
    }
    if let Some(notice) = scene.notice {
        return Line::styled(notice.to_owned(), Style::new().fg(Color::Yellow));
    }
    let mut spans = Vec::new();
    for (key, what) in HELP {
        spans.push(Span::styled(
            *key,
            Style::new().add_modifier(Modifier::BOLD),
        ));
        spans.push(Span::raw(format!(" {what}  ")));
    }
    Line::from(spans)
}

fn table_row(row: &Row, now_ms: u64) -> TableRow<'static> {
    let (status, style) = status_cell(row);
    let tool = row.tool.as_ref().map_or(String::new(), |tool| {
        format!(
            "{} {}",
            tool.name,
            age(now_ms.saturating_sub(tool.started_ms))
        )
    });
    let started = if row.started_ms == 0 {
        String::new()
    } else {
        age(now_ms.saturating_sub(row.started_ms))
    };
    TableRow::new(vec![
        Cell::from(status).style(style),
        Cell::from(row.agent.clone()),
        Cell::from(row.project.clone()),
        Cell::from(row.label.clone()),
        Cell::from(tool).style(Style::new().fg(Color::Cyan)),
        Cell::from(tokens(row.tokens)),
        Cell::from(cost(row.cost_usd)),
        Cell::from(started),
    ])
}

/// A session that needs a person says so (with its open requests when more than one);
/// the others their state, coloured.
fn status_cell(row: &Row) -> (String, Style) {
    if row.needs_you > 0 {
        let text = match row.needs_you {
            1 => "NEEDS YOU".to_owned(),
            n => format!("NEEDS YOU {n}"),
        };
        let style = Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD);
        return (text, style);
    }
    let colour = match row.status {
        SessionState::Running => Color::Green,
        SessionState::Starting => Color::Cyan,
        SessionState::Idle => Color::Blue,
        SessionState::Waiting => Color::Yellow,
        SessionState::Completed => Color::DarkGray,
        SessionState::Failed | SessionState::Interrupted => Color::Red,
        SessionState::Cancelled => Color::Magenta,
    };
    (row.status.as_str().to_owned(), Style::new().fg(colour))
}

/// The connection as the header says it, and its colour.
pub(crate) fn connection_text(state: &ConnectionState, since: Duration) -> (String, Color) {
    match state {
        ConnectionState::Connecting => ("connecting…".to_owned(), Color::Yellow),
        ConnectionState::Connected { latency: Some(l) } => {
            (format!("connected · {} ms", l.as_millis()), Color::Green)
        }
        ConnectionState::Connected { latency: None } => ("connected".to_owned(), Color::Green),
        ConnectionState::Reconnecting {
            attempt,
            next_in,
            reason,
        } => {
            let left = next_in.saturating_sub(since).as_secs_f64().ceil() as u64;
            let text = if left == 0 {
                format!("reconnecting (attempt {attempt}): {reason}")
            } else {
                format!("reconnecting in {left} s (attempt {attempt}): {reason}")
            };
            (text, Color::Red)
        }
        ConnectionState::Disconnected { reason } => {
            (format!("disconnected: {reason} (r to retry)"), Color::Red)
        }
    }
}

/// A duration as the dashboard writes it (`12.0 s`, `3 m 05 s`).
fn age(ms: u64) -> String {
    format::duration(ms)
}

fn tokens(n: u64) -> String {
    format::tokens(n)
}

/// Empty when unknown.
fn cost(usd: Option<f64>) -> String {
    usd.map_or(String::new(), format::cost)
}

#[cfg(test)]
mod tests {
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;

    use super::*;
    use crate::top::table::RunningTool;
    use crate::top::table::tests::row;

    fn render(table: &mut Table, rows: Vec<Row>, connection: ConnectionState) -> String {
        let all = rows.clone();
        let shown = table.view(rows);
        let scene = Scene {
            server: "http://hub:8080",
            connection: &connection,
            since: Duration::from_secs(1),
            totals: Totals::of(&all),
            rows: &shown,
            now_ms: 100_000,
            notice: None,
        };
        let mut terminal = Terminal::new(TestBackend::new(120, 12)).unwrap();
        let mut state = TableState::default();
        terminal
            .draw(|frame| {
                draw(frame, table, &scene, &mut state);
            })
            .unwrap();
        let buffer = terminal.backend().buffer();
        (0..buffer.area.height)
            .map(|y| {
                (0..buffer.area.width)
                    .map(|x| buffer[(x, y)].symbol())
                    .collect::<String>()
                    .trim_end()
                    .to_owned()
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn a_frame_shows_the_header_the_rows_and_the_keys() {
        let mut busy = row("busy", SessionState::Running, 40_000);
        busy.tool = Some(RunningTool {
            name: "Bash".into(),
            started_ms: 88_000,
        });
        busy.tokens = 12_300;
        busy.cost_usd = Some(1.5);
        busy.project = "web".into();
        let rows = vec![busy, row("asks", SessionState::Waiting, 10_000)];
        let connected = ConnectionState::Connected {
            latency: Some(Duration::from_millis(7)),
        };
        let screen = render(&mut Table::default(), rows, connected);
        let lines: Vec<&str> = screen.lines().collect();
        assert!(lines[0].contains("http://hub:8080"), "{screen}");
        assert!(lines[0].contains("connected · 7 ms"), "{screen}");
        assert!(
            lines[1].contains("2 sessions · 2 active · 1 need you · 12.3k tokens · $1.50"),
            "{screen}"
        );
        assert!(
            lines[2].contains("STATUS") && lines[2].contains("TOOL"),
            "{screen}"
        );
        // Needs-you first and selected; the running tool with its time.
        assert!(
            lines[3].starts_with("> NEEDS YOU") && lines[3].contains("asks"),
            "{screen}"
        );
        assert!(
            lines[4].contains("running") && lines[4].contains("Bash 12.0 s"),
            "{screen}"
        );
        assert!(
            lines[4].contains("12.3k") && lines[4].contains("$1.50"),
            "{screen}"
        );
        assert!(lines[4].contains("1 m 00 s"), "its age: {screen}");
        assert!(
            lines[11].contains("Enter watch") && lines[11].contains("q quit"),
            "{screen}"
        );
    }

    #[test]
    fn the_table_scrolls_to_keep_the_selection_on_screen() {
        assert_eq!(scroll(0, Some(3), 8, 30), 0);
        assert_eq!(scroll(0, Some(10), 8, 30), 3, "down just enough");
        assert_eq!(scroll(5, Some(2), 8, 30), 2, "up just enough");
        assert_eq!(scroll(25, None, 8, 30), 22, "never past a full last page");
        assert_eq!(scroll(4, None, 8, 5), 0, "fewer rows than the screen");

        let rows: Vec<Row> = (0..30)
            .map(|n| row(&format!("s{n:02}"), SessionState::Running, 1000 - n))
            .collect();
        let mut table = Table::default();
        let shown = table.view(rows.clone());
        table.move_to_end(&shown, true);
        let connected = ConnectionState::Connected { latency: None };
        let screen = render(&mut table, rows, connected);
        let lines: Vec<&str> = screen.lines().collect();
        // 12 lines: 2 of header, the column names, 8 rows, the footer.
        assert!(lines[3].contains("s22"), "{screen}");
        assert!(
            lines[10].starts_with("> running") && lines[10].contains("s29"),
            "{screen}"
        );
    }

    #[test]
    fn the_header_counts_down_a_reconnect_and_the_footer_shows_the_filter() {
        let reconnecting = ConnectionState::Reconnecting {
            attempt: 3,
            next_in: Duration::from_secs(4),
            reason: "connection refused".into(),
        };
        let mut table = Table::default();
        table.edit_filter();
        "zzz".chars().for_each(|c| table.type_filter(Some(c)));
        let screen = render(
            &mut table,
            vec![row("a", SessionState::Idle, 1)],
            reconnecting,
        );
        assert!(
            screen.contains("reconnecting in 3 s (attempt 3): connection refused"),
            "{screen}"
        );
        assert!(
            screen.contains("no session matches the filters"),
            "{screen}"
        );
        assert!(
            screen.lines().last().unwrap().starts_with("filter: zzz"),
            "{screen}"
        );
    }
}
