//! The analytics page's data, folded from the REST analytics reports
//! (`/api/analytics/usage|costs|sessions`): tokens and cost joined per day, model and project;
//! every day of the range, those without a session as zero; the sessions by outcome; and the
//! range picked (7, 30 or 90 days, or everything).

use std::collections::BTreeMap;

use agentcast_shared::format_ts_millis;
use agentcast_shared::rest::{CostReport, SessionStatsRow, SessionsReport, UsageReport};

use super::format::parse_ts_millis;

const DAY_MS: u64 = 86_400_000;

/// The most days the per-day chart fills with zeros: a range wider than this (an "all" whose
/// first session is decades old, by a wrong clock) shows only the days that have sessions.
pub const MAX_FILLED_DAYS: u64 = 3660;

/// Which sessions the page covers, by the day they started (UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Range {
    Days7,
    #[default]
    Days30,
    Days90,
    All,
}

impl Range {
    pub const ALL: [Range; 4] = [Range::Days7, Range::Days30, Range::Days90, Range::All];

    /// The value in the page's controls and test ids: `7d`, `30d`, `90d`, `all`.
    pub fn as_str(self) -> &'static str {
        match self {
            Range::Days7 => "7d",
            Range::Days30 => "30d",
            Range::Days90 => "90d",
            Range::All => "all",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Range::Days7 => "7 days",
            Range::Days30 => "30 days",
            Range::Days90 => "90 days",
            Range::All => "All",
        }
    }

    pub fn parse(text: &str) -> Range {
        Self::ALL
            .into_iter()
            .find(|r| r.as_str() == text)
            .unwrap_or_default()
    }

    fn days(self) -> Option<u64> {
        match self {
            Range::Days7 => Some(7),
            Range::Days30 => Some(30),
            Range::Days90 => Some(90),
            Range::All => None,
        }
    }

    /// The analytics `from` parameter: the range's first day (UTC), today being its last;
    /// `None` for everything.
    pub fn from(self, now_ms: u64) -> Option<String> {
        let days = self.days()?;
        let today = now_ms / DAY_MS;
        Some(day_text(today.saturating_sub(days - 1)))
    }
}

/// `2026-11-24` for a day number (days since 1970-01-01).
fn day_text(day: u64) -> String {
    format_ts_millis(day * DAY_MS)[..10].to_owned()
}

/// The day number of `2026-11-24`; `None` for anything else.
fn day_number(text: &str) -> Option<u64> {
    let date = text.get(..10)?;
    parse_ts_millis(&format!("{date}T00:00:00Z")).map(|ms| ms / DAY_MS)
}

/// Tokens and cost of one group (a day, a model, a project).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Totals {
    /// The day, model or project; `None` for the sessions without one.
    pub key: Option<String>,
    pub sessions: u64,
    pub input_tokens: u64,
    pub output_tokens: u64,
    pub cache_read_tokens: u64,
    pub cache_creation_tokens: u64,
    pub cost_usd: f64,
}

impl Totals {
    /// Input + output tokens, as the sessions list counts them.
    pub fn tokens(&self) -> u64 {
        self.input_tokens + self.output_tokens
    }

    fn add(&mut self, other: &Totals) {
        self.sessions += other.sessions;
        self.input_tokens += other.input_tokens;
        self.output_tokens += other.output_tokens;
        self.cache_read_tokens += other.cache_read_tokens;
        self.cache_creation_tokens += other.cache_creation_tokens;
        self.cost_usd += other.cost_usd;
    }
}

/// The usage and cost reports of one grouping joined by key, in the usage report's order (by
/// key, the `None` group last); a key only one report has gets zeros for the other's figures.
pub fn join(usage: &UsageReport, costs: &CostReport) -> Vec<Totals> {
    let mut by_key: BTreeMap<(bool, Option<String>), Totals> = BTreeMap::new();
    for row in &usage.rows {
        let totals = by_key
            .entry((row.key.is_none(), row.key.clone()))
            .or_default();
        totals.key = row.key.clone();
        totals.sessions = row.sessions;
        totals.input_tokens = row.input_tokens;
        totals.output_tokens = row.output_tokens;
        totals.cache_read_tokens = row.cache_read_tokens;
        totals.cache_creation_tokens = row.cache_creation_tokens;
    }
    for row in &costs.rows {
        let totals = by_key
            .entry((row.key.is_none(), row.key.clone()))
            .or_default();
        totals.key = row.key.clone();
        totals.sessions = totals.sessions.max(row.sessions);
        totals.cost_usd = row.total_cost_usd;
    }
    by_key.into_values().collect()
}

/// Most expensive first, then most tokens, then by key: the order of the model and project
/// tables.
pub fn by_cost(mut rows: Vec<Totals>) -> Vec<Totals> {
    rows.sort_by(|a, b| {
        b.cost_usd
            .total_cmp(&a.cost_usd)
            .then(b.tokens().cmp(&a.tokens()))
            .then_with(|| a.key.cmp(&b.key))
    });
    rows
}

/// One row per day from `from` (the range's first day; the first day with sessions when
/// `None`) to the later of `today` and the last day with sessions, with zeros for the days
/// without. Rows whose key is not a date are dropped. Past [`MAX_FILLED_DAYS`] only the days
/// with sessions are kept.
pub fn every_day(rows: Vec<Totals>, from: Option<&str>, today: &str) -> Vec<Totals> {
    let mut by_day: BTreeMap<u64, Totals> = rows
        .into_iter()
        .filter_map(|row| Some((day_number(row.key.as_deref()?)?, row)))
        .collect();
    let first = from
        .and_then(day_number)
        .or_else(|| by_day.keys().next().copied());
    let last = [day_number(today), by_day.keys().next_back().copied()]
        .into_iter()
        .flatten()
        .max();
    if let (Some(first), Some(last)) = (first, last)
        && last >= first
        && last - first < MAX_FILLED_DAYS
    {
        for day in first..=last {
            by_day.entry(day).or_insert_with(|| Totals {
                key: Some(day_text(day)),
                ..Totals::default()
            });
        }
    }
    by_day.into_values().collect()
}

/// The sum of every row.
pub fn total(rows: &[Totals]) -> Totals {
    let mut sum = Totals::default();
    for row in rows {
        sum.add(row);
    }
    sum
}

/// How many sessions ended one way (or are still going).
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// `completed`, `failed`, `cancelled`, `interrupted` or `active`: the status names the
    /// sessions list shows, so the colours agree.
    pub status: &'static str,
    /// What the legend says.
    pub label: &'static str,
    pub count: u64,
}

/// The sessions by outcome, over every row of the report (whatever its grouping), in a fixed
/// order; outcomes without a session are kept, so the legend does not move.
pub fn outcomes(report: &SessionsReport) -> Vec<Outcome> {
    type Count = fn(&SessionStatsRow) -> u64;
    const OUTCOMES: [(&str, &str, Count); 5] = [
        ("completed", "Completed", |r| r.completed),
        ("failed", "Failed", |r| r.failed),
        ("cancelled", "Stopped", |r| r.cancelled),
        ("interrupted", "Interrupted", |r| r.interrupted),
        ("running", "Still active", |r| r.active),
    ];
    OUTCOMES
        .into_iter()
        .map(|(status, label, count)| Outcome {
            status,
            label,
            count: report.rows.iter().map(count).sum(),
        })
        .collect()
}

/// Completed over ended, in percent; `None` when no session has ended.
pub fn success_rate(outcomes: &[Outcome]) -> Option<f64> {
    let count = |status| {
        outcomes
            .iter()
            .filter(|o| o.status == status)
            .map(|o| o.count)
            .sum::<u64>()
    };
    let ended = ["completed", "failed", "cancelled", "interrupted"]
        .into_iter()
        .map(count)
        .sum::<u64>();
    (ended > 0).then(|| count("completed") as f64 / ended as f64 * 100.0)
}

/// The reports the page asks for, as the server answers them.
#[derive(Debug, Clone, PartialEq)]
pub struct Reports {
    pub usage_by_day: UsageReport,
    pub costs_by_day: CostReport,
    pub usage_by_model: UsageReport,
    pub costs_by_model: CostReport,
    pub usage_by_project: UsageReport,
    pub costs_by_project: CostReport,
    pub sessions_by_day: SessionsReport,
}

/// Everything the analytics page shows.
#[derive(Debug, Clone, PartialEq)]
pub struct Analytics {
    /// Every day of the range, oldest first.
    pub days: Vec<Totals>,
    /// Most expensive first.
    pub models: Vec<Totals>,
    /// Most expensive first.
    pub projects: Vec<Totals>,
    pub outcomes: Vec<Outcome>,
    /// The whole range.
    pub total: Totals,
    /// Completed over ended, in percent.
    pub success_rate: Option<f64>,
}

impl Analytics {
    /// Folds the reports of `range`, asked for at `now_ms`.
    pub fn fold(reports: &Reports, range: Range, now_ms: u64) -> Analytics {
        let days = every_day(
            join(&reports.usage_by_day, &reports.costs_by_day),
            range.from(now_ms).as_deref(),
            &day_text(now_ms / DAY_MS),
        );
        let outcomes = outcomes(&reports.sessions_by_day);
        Analytics {
            total: total(&days),
            success_rate: success_rate(&outcomes),
            models: by_cost(join(&reports.usage_by_model, &reports.costs_by_model)),
            projects: by_cost(join(&reports.usage_by_project, &reports.costs_by_project)),
            outcomes,
            days,
        }
    }

    /// The per-day chart's points: (day, value).
    pub fn per_day(&self, value: fn(&Totals) -> f64) -> Vec<(String, f64)> {
        self.days
            .iter()
            .map(|d| (d.key.clone().unwrap_or_default(), value(d)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn usage(rows: serde_json::Value) -> UsageReport {
        serde_json::from_value(json!({"group_by": "day", "rows": rows})).unwrap()
    }

    fn costs(rows: serde_json::Value) -> CostReport {
        serde_json::from_value(json!({"group_by": "day", "rows": rows, "total_cost_usd": 0.0}))
            .unwrap()
    }

    fn u(key: Option<&str>, sessions: u64, input: u64, output: u64) -> serde_json::Value {
        json!({"key": key, "sessions": sessions, "input_tokens": input, "output_tokens": output,
               "cache_read_tokens": 7, "cache_creation_tokens": 1})
    }

    fn c(key: Option<&str>, sessions: u64, cost: f64) -> serde_json::Value {
        json!({"key": key, "sessions": sessions, "total_cost_usd": cost})
    }

    #[test]
    fn ranges_start_n_days_back_counting_today() {
        let now = parse_ts_millis("2026-11-24T15:30:00.000Z").unwrap();
        assert_eq!(Range::Days7.from(now).as_deref(), Some("2026-11-18"));
        assert_eq!(Range::Days30.from(now).as_deref(), Some("2026-10-26"));
        assert_eq!(Range::Days90.from(now).as_deref(), Some("2026-08-27"));
        assert_eq!(Range::All.from(now), None);
        for r in Range::ALL {
            assert_eq!(Range::parse(r.as_str()), r);
        }
        assert_eq!(Range::parse("1y"), Range::Days30);
    }

    #[test]
    fn usage_and_costs_join_by_key_with_the_null_group_last() {
        let rows = join(
            &usage(json!([u(Some("opus"), 2, 100, 50), u(None, 1, 5, 5)])),
            &costs(json!([
                c(Some("opus"), 2, 1.5),
                c(Some("haiku"), 1, 0.1),
                c(None, 1, 0.0)
            ])),
        );
        let keys: Vec<_> = rows.iter().map(|r| r.key.as_deref()).collect();
        assert_eq!(keys, [Some("haiku"), Some("opus"), None]);
        assert_eq!(rows[1].tokens(), 150);
        assert_eq!(rows[1].cache_read_tokens, 7);
        assert_eq!(rows[1].cost_usd, 1.5);
        // A key only the cost report has: its sessions, zero tokens.
        assert_eq!((rows[0].sessions, rows[0].tokens()), (1, 0));
        let sorted = by_cost(rows);
        assert_eq!(sorted[0].key.as_deref(), Some("opus"));
        assert_eq!(sorted[2].key, None);
        let sum = total(&sorted);
        assert_eq!(
            (sum.sessions, sum.tokens(), sum.cache_read_tokens),
            (4, 160, 14)
        );
        assert!((sum.cost_usd - 1.6).abs() < 1e-9);
    }

    #[test]
    fn every_day_of_the_range_has_a_row() {
        let rows = join(
            &usage(json!([
                u(Some("2026-11-20"), 1, 10, 10),
                u(Some("2026-11-24"), 2, 1, 1)
            ])),
            &costs(json!([
                c(Some("2026-11-20"), 1, 0.5),
                c(Some("2026-11-24"), 2, 0.25)
            ])),
        );
        let days = every_day(rows.clone(), Some("2026-11-18"), "2026-11-24");
        let keys: Vec<_> = days.iter().map(|d| d.key.clone().unwrap()).collect();
        assert_eq!(
            keys,
            [
                "2026-11-18",
                "2026-11-19",
                "2026-11-20",
                "2026-11-21",
                "2026-11-22",
                "2026-11-23",
                "2026-11-24"
            ]
        );
        assert_eq!(days[2].cost_usd, 0.5);
        assert_eq!(
            days[3],
            Totals {
                key: Some("2026-11-21".into()),
                ..Totals::default()
            }
        );
        // "All": from the first day with sessions; across a month's end.
        let all = every_day(rows, None, "2026-12-02");
        assert_eq!(all.len(), 13);
        assert_eq!(all[0].key.as_deref(), Some("2026-11-20"));
        assert_eq!(all[12].key.as_deref(), Some("2026-12-02"));
    }

    #[test]
    fn every_day_with_no_data_one_day_and_odd_keys() {
        // Nothing at all in "all": no rows.
        assert!(every_day(vec![], None, "2026-11-24").is_empty());
        // Nothing in 7 days: seven zero days.
        let week = every_day(vec![], Some("2026-11-18"), "2026-11-24");
        assert_eq!(week.len(), 7);
        assert!(week.iter().all(|d| d.sessions == 0));
        // One day.
        let one = vec![Totals {
            key: Some("2026-11-24".into()),
            sessions: 1,
            ..Totals::default()
        }];
        assert_eq!(every_day(one.clone(), None, "2026-11-24"), one);
        // A key that is no date is dropped; a wrong clock does not fill 50 years.
        let odd = vec![
            Totals {
                key: Some("someday".into()),
                ..Totals::default()
            },
            Totals {
                key: None,
                ..Totals::default()
            },
            Totals {
                key: Some("1971-01-01".into()),
                sessions: 1,
                ..Totals::default()
            },
        ];
        let kept = every_day(odd, None, "2026-11-24");
        assert_eq!(kept.len(), 1);
        assert_eq!(kept[0].key.as_deref(), Some("1971-01-01"));
    }

    #[test]
    fn outcomes_sum_every_row() {
        let report: SessionsReport = serde_json::from_value(json!({"group_by": "day", "rows": [
            {"key": "2026-11-23", "sessions": 4, "completed": 2, "failed": 1, "cancelled": 1,
             "interrupted": 0, "active": 0, "success_rate": 0.5, "avg_duration_ms": null,
             "total_duration_ms": 0},
            {"key": "2026-11-24", "sessions": 3, "completed": 1, "failed": 0, "cancelled": 0,
             "interrupted": 1, "active": 1, "success_rate": 0.5, "avg_duration_ms": 10.0,
             "total_duration_ms": 20}
        ]}))
        .unwrap();
        let all = outcomes(&report);
        let counts: Vec<_> = all.iter().map(|o| (o.status, o.count)).collect();
        assert_eq!(
            counts,
            [
                ("completed", 3),
                ("failed", 1),
                ("cancelled", 1),
                ("interrupted", 1),
                ("running", 1)
            ]
        );
        assert_eq!(success_rate(&all), Some(50.0));
        let none = outcomes(&SessionsReport {
            group_by: Default::default(),
            rows: vec![],
        });
        assert_eq!(none.len(), 5);
        assert_eq!(success_rate(&none), None);
    }

    #[test]
    fn the_page_folds_every_report() {
        let now = parse_ts_millis("2026-11-24T15:30:00.000Z").unwrap();
        let by = |group: &str, rows: serde_json::Value| -> UsageReport {
            serde_json::from_value(json!({"group_by": group, "rows": rows})).unwrap()
        };
        let cost_by = |group: &str, rows: serde_json::Value| -> CostReport {
            serde_json::from_value(json!({"group_by": group, "rows": rows, "total_cost_usd": 0.0}))
                .unwrap()
        };
        let reports = Reports {
            usage_by_day: by(
                "day",
                json!([
                    u(Some("2026-11-20"), 2, 100, 20),
                    u(Some("2026-11-24"), 1, 10, 2)
                ]),
            ),
            costs_by_day: cost_by(
                "day",
                json!([c(Some("2026-11-20"), 2, 2.0), c(Some("2026-11-24"), 1, 0.5)]),
            ),
            usage_by_model: by(
                "model",
                json!([u(Some("haiku"), 1, 10, 2), u(Some("opus"), 2, 100, 20)]),
            ),
            costs_by_model: cost_by(
                "model",
                json!([c(Some("haiku"), 1, 0.5), c(Some("opus"), 2, 2.0)]),
            ),
            usage_by_project: by("project", json!([u(None, 3, 110, 22)])),
            costs_by_project: cost_by("project", json!([c(None, 3, 2.5)])),
            sessions_by_day: SessionsReport {
                group_by: Default::default(),
                rows: vec![],
            },
        };
        let page = Analytics::fold(&reports, Range::Days7, now);
        assert_eq!(page.days.len(), 7);
        assert_eq!(
            page.per_day(|d| d.cost_usd)[2],
            ("2026-11-20".to_owned(), 2.0)
        );
        assert_eq!(
            page.per_day(|d| d.tokens() as f64)[6],
            ("2026-11-24".to_owned(), 12.0)
        );
        assert_eq!(page.models[0].key.as_deref(), Some("opus"));
        assert_eq!(page.projects.len(), 1);
        assert_eq!((page.total.sessions, page.total.tokens()), (3, 132));
        assert!((page.total.cost_usd - 2.5).abs() < 1e-9);
        assert_eq!(page.success_rate, None);
        // All: from the first day with sessions to today.
        let all = Analytics::fold(&reports, Range::All, now);
        assert_eq!(all.days.len(), 5);
    }
}
