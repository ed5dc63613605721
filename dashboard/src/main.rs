//! agentcast-dashboard: the browser dashboard.
//!
//! The Leptos app arrives with the dashboard issue; until then this crate only proves that the
//! wire contract builds for both the native and the wasm32 targets.

fn main() {
    // Touch the contract so the build links it for both targets.
    let _ = agentcast_shared::ALL_EVENT_TYPES.len();
}
