//! agentcast-dashboard: the browser dashboard (Leptos CSR, built to WASM by Trunk).
//!
//! - [`model`]: the view logic in plain Rust (event log, transcript, tools, todos, usage,
//!   filters, sessions list, connection text, list windows), tested natively.
//! - `ui` (wasm32 only): thin Leptos components over the models.
//! - `api` (wasm32 only): the REST calls (sessions, history pages) with gloo-net.
//! - `live` (wasm32 only): the Socket.IO connections through agentcast-client.
//! - `auth` (wasm32 only): the token from the address fragment, sessionStorage or a prompt.

pub mod model;

#[cfg(target_arch = "wasm32")]
mod api;
#[cfg(target_arch = "wasm32")]
mod auth;
#[cfg(target_arch = "wasm32")]
mod live;
#[cfg(target_arch = "wasm32")]
mod ui;

/// Mounts the app on `<body>`.
#[cfg(target_arch = "wasm32")]
pub fn start() {
    ui::mount();
}
