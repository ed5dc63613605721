//! `agentcast-control-bench-agent`: the agent of the control latency benchmark, a stand-in
//! for Claude Code in control mode (see `agentcast_tests::control_bench::agent`). The server
//! starts it under the name `claude`:
//!
//! ```text
//! claude --bench-requests=500 --bench-warmup=20 --bench-rate=100 --bench-report=FILE \
//!     -p --input-format stream-json --output-format stream-json --verbose \
//!     --include-partial-messages --permission-prompt-tool stdio
//! ```

use agentcast_tests::control_bench::agent::{self, AgentOptions};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let outcome = AgentOptions::parse(&args).and_then(|options| agent::run(&options));
    if let Err(err) = outcome {
        eprintln!("control bench agent: {err}");
        std::process::exit(1);
    }
}
