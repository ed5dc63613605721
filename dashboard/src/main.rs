//! agentcast-dashboard: the browser dashboard.
//!
//! The Leptos app arrives with the dashboard issue. Until then this crate proves that the wire
//! contract builds for both targets, and pins `wasm-bindgen` (Cargo.lock, Trunk.toml) so the
//! toolchain the build needs is installed by `cargo xtask test`.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen as _;

fn main() {
    debug_assert!(!agentcast_shared::ALL_EVENT_TYPES.is_empty());
}
