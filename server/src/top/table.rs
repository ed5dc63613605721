//! The table `top` shows, as plain data: its rows, the sort column, the needs-you and text
//! filters and the selection, with no terminal in sight (so it is tested here, and `draw`
//! only renders it). Sessions that need a person always come first, whatever the column.

use std::cmp::Ordering;

use agentcast_shared::SessionState;

/// One session as a row of the table.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Row {
    pub id: String,
    pub status: SessionState,
    /// Open permission requests (a `waiting` session counts 1 at least); 0: it does not need
    /// a person.
    pub needs_you: usize,
    /// `claude`, `codex`, `other`, or empty when unknown.
    pub agent: String,
    pub project: String,
    /// Its label, or its id when it has none.
    pub label: String,
    /// The tool running now, if the session is followed and one runs.
    pub tool: Option<RunningTool>,
    pub tokens: u64,
    pub cost_usd: Option<f64>,
    /// When it started (Unix milliseconds, 0 when unknown).
    pub started_ms: u64,
    /// When something last happened to it (Unix milliseconds).
    pub active_ms: u64,
}

/// The tool a session runs now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RunningTool {
    pub name: String,
    /// When it started (Unix milliseconds).
    pub started_ms: u64,
}

/// What the rows are ordered by, after needs-you first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum SortColumn {
    /// Most recent activity first.
    #[default]
    Activity,
    /// Alive before ended (waiting, running, starting, idle, then the ended ones).
    Status,
    /// Newest start first.
    Age,
    Cost,
    Tokens,
    Project,
    Agent,
}

impl SortColumn {
    const ALL: [SortColumn; 7] = [
        SortColumn::Activity,
        SortColumn::Status,
        SortColumn::Age,
        SortColumn::Cost,
        SortColumn::Tokens,
        SortColumn::Project,
        SortColumn::Agent,
    ];

    pub(crate) fn name(self) -> &'static str {
        match self {
            SortColumn::Activity => "activity",
            SortColumn::Status => "status",
            SortColumn::Age => "age",
            SortColumn::Cost => "cost",
            SortColumn::Tokens => "tokens",
            SortColumn::Project => "project",
            SortColumn::Agent => "agent",
        }
    }

    fn next(self) -> SortColumn {
        let at = Self::ALL.iter().position(|c| *c == self).unwrap_or(0);
        Self::ALL[(at + 1) % Self::ALL.len()]
    }

    /// `a` before `b` in this column's order; ties by id, so the order is total and stable.
    fn compare(self, a: &Row, b: &Row) -> Ordering {
        let by = match self {
            SortColumn::Activity => b.active_ms.cmp(&a.active_ms),
            SortColumn::Status => status_rank(a.status).cmp(&status_rank(b.status)),
            SortColumn::Age => b.started_ms.cmp(&a.started_ms),
            SortColumn::Cost => b
                .cost_usd
                .unwrap_or(0.0)
                .total_cmp(&a.cost_usd.unwrap_or(0.0)),
            SortColumn::Tokens => b.tokens.cmp(&a.tokens),
            SortColumn::Project => a.project.cmp(&b.project),
            SortColumn::Agent => a.agent.cmp(&b.agent),
        };
        by.then_with(|| b.active_ms.cmp(&a.active_ms))
            .then_with(|| a.id.cmp(&b.id))
    }
}

/// Alive sessions before ended ones, the ones waiting for a person first.
fn status_rank(status: SessionState) -> u8 {
    match status {
        SessionState::Waiting => 0,
        SessionState::Running => 1,
        SessionState::Starting => 2,
        SessionState::Idle => 3,
        SessionState::Failed => 4,
        SessionState::Interrupted => 5,
        SessionState::Cancelled => 6,
        SessionState::Completed => 7,
    }
}

/// Which sessions the table keeps, by status (`f` cycles through them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum StatusView {
    #[default]
    All,
    /// Only the sessions that need a person.
    NeedsYou,
    /// Alive: starting, running, idle, waiting.
    Active,
    Completed,
    /// Ended badly: failed, cancelled, interrupted.
    Failed,
}

impl StatusView {
    const ALL: [StatusView; 5] = [
        StatusView::All,
        StatusView::NeedsYou,
        StatusView::Active,
        StatusView::Completed,
        StatusView::Failed,
    ];

    pub(crate) fn name(self) -> &'static str {
        match self {
            StatusView::All => "all",
            StatusView::NeedsYou => "needs you",
            StatusView::Active => "active",
            StatusView::Completed => "completed",
            StatusView::Failed => "failed",
        }
    }

    fn next(self) -> StatusView {
        let at = Self::ALL.iter().position(|v| *v == self).unwrap_or(0);
        Self::ALL[(at + 1) % Self::ALL.len()]
    }

    fn admits(self, row: &Row) -> bool {
        match self {
            StatusView::All => true,
            StatusView::NeedsYou => row.needs_you > 0,
            StatusView::Active => row.status.is_active(),
            StatusView::Completed => row.status == SessionState::Completed,
            StatusView::Failed => matches!(
                row.status,
                SessionState::Failed | SessionState::Cancelled | SessionState::Interrupted
            ),
        }
    }
}

/// The table's state: how it is sorted and filtered, and which session is selected.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Table {
    pub sort: SortColumn,
    pub status: StatusView,
    /// The text filter: case-insensitive, over id, label, project, agent and tool.
    pub filter: String,
    /// True while the filter is being typed (`/` until Enter or Esc).
    pub editing: bool,
    /// The selected session's id: the selection follows the session when rows move.
    selected: Option<String>,
    /// The index of the selected row in the last `view` (to stay put when the selected
    /// session leaves the view).
    selected_at: usize,
}

impl Table {
    /// The rows to show, in order: filtered, needs-you first, then by the sort column.
    /// Also settles the selection on a row that is shown.
    pub(crate) fn view(&mut self, rows: Vec<Row>) -> Vec<Row> {
        let needle = self.filter.trim().to_lowercase();
        let mut shown: Vec<Row> = rows
            .into_iter()
            .filter(|row| self.status.admits(row) && (needle.is_empty() || matches(row, &needle)))
            .collect();
        shown.sort_by(|a, b| {
            (b.needs_you > 0)
                .cmp(&(a.needs_you > 0))
                .then_with(|| self.sort.compare(a, b))
        });
        self.settle(&shown);
        shown
    }

    /// The selected row's index in `shown` (as `view` returned it), if any row is shown.
    pub(crate) fn selected_index(&self, shown: &[Row]) -> Option<usize> {
        let id = self.selected.as_deref()?;
        shown.iter().position(|row| row.id == id)
    }

    /// The selected session's id.
    pub(crate) fn selected(&self) -> Option<&str> {
        self.selected.as_deref()
    }

    /// Moves the selection by `delta` rows within `shown`, stopping at either end.
    pub(crate) fn move_by(&mut self, shown: &[Row], delta: isize) {
        if shown.is_empty() {
            return;
        }
        let at = self.selected_index(shown).unwrap_or(0);
        let last = shown.len() - 1;
        let to = at.saturating_add_signed(delta).min(last);
        self.select(shown, to);
    }

    /// Selects the first (`false`) or last (`true`) row.
    pub(crate) fn move_to_end(&mut self, shown: &[Row], last: bool) {
        if !shown.is_empty() {
            self.select(shown, if last { shown.len() - 1 } else { 0 });
        }
    }

    /// `/`: the filter is being typed from now on.
    pub(crate) fn edit_filter(&mut self) {
        self.editing = true;
    }

    /// A key typed into the filter: a character, or `None` for Backspace.
    pub(crate) fn type_filter(&mut self, key: Option<char>) {
        match key {
            Some(c) => self.filter.push(c),
            None => {
                self.filter.pop();
            }
        }
    }

    /// Enter (`keep`) or Esc (clears it): the filter is no longer typed.
    pub(crate) fn end_filter(&mut self, keep: bool) {
        self.editing = false;
        if !keep {
            self.filter.clear();
        }
    }

    pub(crate) fn next_sort(&mut self) {
        self.sort = self.sort.next();
    }

    pub(crate) fn next_status(&mut self) {
        self.status = self.status.next();
    }

    fn select(&mut self, shown: &[Row], at: usize) {
        self.selected = Some(shown[at].id.clone());
        self.selected_at = at;
    }

    /// Keeps the selected session when it is shown; otherwise selects the row where it was
    /// (the nearest to it), or nothing when no row is shown.
    fn settle(&mut self, shown: &[Row]) {
        if shown.is_empty() {
            self.selected = None;
            self.selected_at = 0;
            return;
        }
        match self.selected_index(shown) {
            Some(at) => self.selected_at = at,
            None => self.select(shown, self.selected_at.min(shown.len() - 1)),
        }
    }
}

/// `needle` is already lowercase.
fn matches(row: &Row, needle: &str) -> bool {
    [
        Some(row.id.as_str()),
        Some(row.label.as_str()),
        Some(row.project.as_str()),
        Some(row.agent.as_str()),
        Some(row.status.as_str()),
        row.tool.as_ref().map(|t| t.name.as_str()),
    ]
    .into_iter()
    .flatten()
    .any(|field| field.to_lowercase().contains(needle))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn row(id: &str, status: SessionState, active_ms: u64) -> Row {
        Row {
            id: id.into(),
            status,
            needs_you: usize::from(status == SessionState::Waiting),
            agent: "claude".into(),
            project: String::new(),
            label: id.into(),
            tool: None,
            tokens: 0,
            cost_usd: None,
            started_ms: active_ms,
            active_ms,
        }
    }

    fn ids(rows: &[Row]) -> Vec<&str> {
        rows.iter().map(|r| r.id.as_str()).collect()
    }

    fn sample() -> Vec<Row> {
        let mut cheap = row("cheap", SessionState::Completed, 300);
        cheap.cost_usd = Some(0.1);
        cheap.project = "web".into();
        let mut dear = row("dear", SessionState::Running, 200);
        dear.cost_usd = Some(2.5);
        dear.tokens = 90;
        dear.agent = "codex".into();
        dear.tool = Some(RunningTool {
            name: "Bash".into(),
            started_ms: 150,
        });
        let asks = row("asks", SessionState::Waiting, 100);
        vec![cheap, dear, asks]
    }

    #[test]
    fn needs_you_comes_first_whatever_the_column() {
        let mut table = Table::default();
        assert_eq!(ids(&table.view(sample())), ["asks", "cheap", "dear"]);
        table.next_sort();
        assert_eq!(table.sort, SortColumn::Status);
        assert_eq!(ids(&table.view(sample())), ["asks", "dear", "cheap"]);
        table.next_sort();
        table.next_sort();
        assert_eq!(table.sort, SortColumn::Cost);
        assert_eq!(ids(&table.view(sample())), ["asks", "dear", "cheap"]);
        // Two sessions need you: the column orders them among themselves (by activity here).
        table.sort = SortColumn::Activity;
        let mut rows = sample();
        rows[1].needs_you = 2;
        assert_eq!(ids(&table.view(rows)), ["dear", "asks", "cheap"]);
    }

    #[test]
    fn every_column_orders_and_the_cycle_comes_back() {
        let mut table = Table::default();
        let mut seen = Vec::new();
        for _ in 0..SortColumn::ALL.len() {
            seen.push(table.sort.name());
            let shown = table.view(sample());
            assert_eq!(shown[0].id, "asks", "{}", table.sort.name());
            table.next_sort();
        }
        assert_eq!(table.sort, SortColumn::Activity, "back to the first");
        assert_eq!(
            seen,
            [
                "activity", "status", "age", "cost", "tokens", "project", "agent"
            ]
        );
        table.sort = SortColumn::Project;
        assert_eq!(ids(&table.view(sample())), ["asks", "dear", "cheap"]);
        table.sort = SortColumn::Agent;
        assert_eq!(ids(&table.view(sample())), ["asks", "cheap", "dear"]);
        table.sort = SortColumn::Tokens;
        assert_eq!(ids(&table.view(sample())), ["asks", "dear", "cheap"]);
    }

    #[test]
    fn filters_narrow_by_text_and_status() {
        let mut table = Table {
            filter: "BASH".into(),
            ..Table::default()
        };
        assert_eq!(ids(&table.view(sample())), ["dear"], "the running tool");
        table.filter = "web".into();
        assert_eq!(ids(&table.view(sample())), ["cheap"], "the project");
        table.filter = "  ".into();
        assert_eq!(table.view(sample()).len(), 3, "blank keeps all");

        // Typed as the keys do it: `/`, text, Backspace, Enter keeps; Esc clears.
        table.edit_filter();
        for c in "webx".chars() {
            table.type_filter(Some(c));
        }
        assert!(table.view(sample()).is_empty());
        table.type_filter(None);
        table.end_filter(true);
        assert_eq!((table.editing, table.filter.as_str()), (false, "  web"));
        assert_eq!(ids(&table.view(sample())), ["cheap"]);
        table.edit_filter();
        table.end_filter(false);
        assert_eq!((table.editing, table.filter.as_str()), (false, ""));
        table.next_status();
        assert_eq!(table.status, StatusView::NeedsYou);
        assert_eq!(ids(&table.view(sample())), ["asks"]);
        table.next_status();
        assert_eq!(ids(&table.view(sample())), ["asks", "dear"], "active");
        table.next_status();
        assert_eq!(ids(&table.view(sample())), ["cheap"], "completed");
        table.next_status();
        assert!(table.view(sample()).is_empty(), "none failed");
        table.next_status();
        assert_eq!(table.status, StatusView::All);
    }

    #[test]
    fn the_selection_follows_its_session_and_stays_in_bounds() {
        let mut table = Table::default();
        let shown = table.view(sample());
        assert_eq!(table.selected(), Some("asks"), "the first row at first");
        table.move_by(&shown, 1);
        assert_eq!(table.selected(), Some("cheap"));
        table.move_by(&shown, 10);
        assert_eq!(table.selected(), Some("dear"), "stops at the end");
        table.move_by(&shown, -10);
        assert_eq!(table.selected(), Some("asks"), "stops at the top");
        table.move_to_end(&shown, true);
        assert_eq!(table.selected(), Some("dear"));

        // "dear" now needs you: it moves to the top and stays selected.
        let mut rows = sample();
        rows[1].needs_you = 1;
        let shown = table.view(rows);
        assert_eq!(table.selected_index(&shown), Some(0));
        assert_eq!(table.selected(), Some("dear"));

        // Filtered away: the selection goes to the row where it was.
        table.filter = "a".into(); // asks, dear (codex, claude match "a"), cheap (claude)
        table.status = StatusView::Completed;
        let shown = table.view(sample());
        assert_eq!(table.selected(), Some("cheap"));
        assert_eq!(table.selected_index(&shown), Some(0));
        table.filter = "nothing matches".into();
        assert!(table.view(sample()).is_empty());
        assert_eq!(table.selected(), None);
        table.move_by(&[], 1);
        assert_eq!(
            table.selected(),
            None,
            "moving in an empty table is a no-op"
        );
    }
}
