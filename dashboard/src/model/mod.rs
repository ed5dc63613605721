//! View models: the dashboard's logic in plain Rust, tested natively; components only show
//! them. Nothing here touches the DOM.
//!
//! - `event_log`: envelopes by offset, without duplicates, with their gaps.
//! - `session`: one session's log and every view folded from it.
//! - `paging`: which history pages a session view fetches (newest, older, the gaps a
//!   reconnect left) and what it does with the answers.
//! - `transcript`: streamed text folded by message, prompts, stderr, errors.
//! - `tools`: tool rows from started/completed pairs, nested by parent Task.
//! - `todos`, `usage`: the todo list and its progress; tokens, cost and the activity chart.
//! - `filter`: the event table's type patterns and search, and the index of matching rows.
//! - `describe`: one line per event for the table.
//! - `sessions`: the sessions list and its live updates; `session_groups`: its filters
//!   (status, agent kind, project, search) and its groups by project, as rows.
//! - `import_progress`: the transcript collectors' import, as the sessions list shows it.
//! - `analytics`: the analytics page's reports joined and folded (per day, model, project;
//!   outcomes; the range); `chart`: bar charts as SVG geometry.
//! - `permissions`: the permission requests open now (log and `get_status` together);
//!   `request_preview`: what one would do (the command, an edit's diff, a write's content).
//! - `control`: which controls a viewer gets and the words for the commands' answers.
//! - `needs_you`: the sessions waiting for a person, for the list's badges, the title and
//!   notifications.
//! - `connection`: the connection indicator's text and countdown.
//! - `token`: the token in the address fragment, and refusal messages.
//! - `window`: which rows of a long list are on screen.
//! - `format`: numbers, durations and timestamps.

pub mod analytics;
pub mod chart;
pub mod connection;
pub mod control;
pub mod describe;
pub mod event_log;
pub mod filter;
pub mod format;
pub mod import_progress;
pub mod needs_you;
pub mod paging;
pub mod permissions;
pub mod request_preview;
pub mod session;
pub mod session_groups;
pub mod sessions;
pub mod todos;
pub mod token;
pub mod tools;
pub mod transcript;
pub mod usage;
pub mod window;
