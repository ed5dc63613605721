//! The dashboard's entry point: Trunk builds this binary to wasm; natively it only exists so
//! the workspace builds and the view models' tests run (`cargo test -p agentcast-dashboard`).

fn main() {
    #[cfg(target_arch = "wasm32")]
    agentcast_dashboard::start();
}
