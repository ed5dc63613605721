//! View models (feature `view`): what a session and the sessions list mean, folded from their
//! envelopes in plain Rust, so that every client shows the same thing. The dashboard renders
//! them in the browser and the terminal (`agentcast watch`, `agentcast top`) on a console;
//! nothing here touches the DOM, a terminal or the network, and each module has its native
//! tests.
//!
//! - `event_log`: envelopes by offset, without duplicates, with their gaps.
//! - `session`: one session's log and every view folded from it.
//! - `transcript`: streamed text folded by message, prompts, stderr, errors.
//! - `tools`: tool rows from started/completed pairs, nested by parent Task.
//! - `todos`, `usage`: the todo list and its progress; tokens, cost and the activity chart.
//! - `filter`: the event table's type patterns and search, and the index of matching rows.
//! - `describe`: one line per event for the table.
//! - `sessions`: the sessions list and its live updates; `session_groups`: its filters
//!   (status, agent kind, project, search) and its groups by project, as rows.
//! - `import_progress`: the transcript collectors' import, as the sessions list shows it.
//! - `permissions`: the permission requests open now (log and `get_status` together);
//!   `request_preview`: what one would do (the command, an edit's diff, a write's content).
//! - `needs_you`: the sessions waiting for a person, for the list's badges, the title and
//!   notifications.
//! - `markdown`: a session as a readable Markdown transcript (for exports and the MCP
//!   `get_transcript`), folded with the models above.
//! - `format`: numbers, durations and timestamps.

pub mod describe;
pub mod event_log;
pub mod filter;
pub mod format;
pub mod import_progress;
pub mod markdown;
pub mod needs_you;
pub mod permissions;
pub mod request_preview;
pub mod session;
pub mod session_groups;
pub mod sessions;
pub mod todos;
pub mod tools;
pub mod transcript;
pub mod usage;
