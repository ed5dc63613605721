//! The built-in demo session (`--demo`).

use super::group::settings_group;
use super::values::positive_finite;

settings_group! {
    /// Whether the simulated agent session runs, and how fast.
    DemoSettings from DemoArgs and DemoFile, heading "Demo", switches [
        /// Run a built-in simulated agent session, looping, so there is something to watch.
        demo -> enabled { flag: "demo", env: "AGENTCAST_DEMO" }
    ];
    /// Pace of the demo: 1 is real time, 10 is ten times faster.
    demo_speed -> speed: f64 {
        flag: "demo-speed", env: "AGENTCAST_DEMO_SPEED", value_name: "FACTOR",
        input: f64, default: 1.0, check: positive_finite,
    }
}
