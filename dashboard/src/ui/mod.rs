//! Leptos components: thin views over `crate::model`. Each file is one part of the page.
//!
//! - `app`: the shared context ([`Ctx`]), the route (`/`, `/sessions/{id}` or `/analytics`)
//!   and the layout.
//! - `header`: the title bar, the connection indicator and the theme switch.
//! - `token_prompt`: asks for a token and says why the last one was refused.
//! - `sessions`: the sessions list, grouped by project, with its filters and the import's
//!   progress.
//! - `analytics`: tokens and cost per day, model and project, and sessions by outcome.
//! - `feed`: events applied once per animation frame.
//! - `session`: one session: loading, live updates, and its panels:
//!   `transcript`, `tools`, `todos`, `usage`, `events`; answering the agent: `permissions`
//!   (the cards of open requests), `control` (prompt box, Interrupt, End), `presence` (who
//!   watches), through `commands`.
//! - `new_session`: the New session form, for tokens that may start processes.
//! - `needs_you`: the count of sessions waiting for a person (header, page title) and the
//!   opt-in browser notification.
//! - `virtual_rows`: a list that renders only the rows on screen.

mod analytics;
mod app;
mod commands;
mod control;
mod events;
mod feed;
mod header;
mod needs_you;
mod new_session;
mod permissions;
mod presence;
mod session;
mod sessions;
mod todos;
mod token_prompt;
mod tools;
mod transcript;
mod usage;
mod virtual_rows;

pub(crate) use app::Ctx;
pub use app::mount;
pub(crate) use feed::Feed;
pub(crate) use sessions::load as load_sessions;
