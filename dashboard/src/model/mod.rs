//! View models: the dashboard's logic in plain Rust, tested natively; components only show
//! them. Nothing here touches the DOM.
//!
//! What a session and the sessions list mean is folded in `agentcast_shared::view`, the same
//! for the dashboard and the terminal, and re-exported here under its own names (`event_log`,
//! `session`, `transcript`, `tools`, `todos`, `usage`, `filter`, `describe`, `sessions`,
//! `session_groups`, `import_progress`, `permissions`, `request_preview`, `needs_you`,
//! `format`: see that module's map). What is the browser's alone lives here:
//!
//! - `paging`: which history pages a session view fetches (newest, older, the gaps a
//!   reconnect left) and what it does with the answers.
//! - `analytics`: the analytics page's reports joined and folded (per day, model, project;
//!   outcomes; the range); `chart`: bar charts as SVG geometry.
//! - `control`: which controls a viewer gets and the words for the commands' answers.
//! - `connection`: the connection indicator's text and countdown.
//! - `token`: the token in the address fragment, and refusal messages.
//! - `window`: which rows of a long list are on screen.

pub use agentcast_shared::view::{
    describe, event_log, filter, format, import_progress, needs_you, permissions, request_preview,
    session, session_groups, sessions, todos, tools, transcript, usage,
};

pub mod analytics;
pub mod chart;
pub mod connection;
pub mod control;
pub mod paging;
pub mod token;
pub mod window;

#[cfg(test)]
pub(crate) mod tests {
    use agentcast_shared::{Envelope, format_ts_millis};

    /// An envelope of session `s1` at `offset`, a tenth of a second after the one before: the
    /// same as the view models' own tests build.
    pub(crate) fn env(offset: u64, kind: &str, data: serde_json::Value) -> Envelope {
        let ts = format_ts_millis(1_795_514_400_000 + offset * 100);
        Envelope {
            offset,
            session_id: "s1".into(),
            ts,
            kind: kind.into(),
            data,
        }
    }
}
