//! The options of `agentcast top`.

use std::time::Duration;

use clap::Args;

use crate::remote::RemoteArgs;

/// Options of `agentcast top`.
#[derive(Debug, Clone, Args)]
#[command(after_help = "\
Keys: ↑/↓ or j/k move, PgUp/PgDn a page, g/G first/last, Enter watches the selected session \
(agentcast watch, back here when it exits), s cycles the sort column, f the status filter \
(all, needs you, active, completed, failed), / types a text filter (Enter keeps it, Esc \
clears it), r reconnects now, q, Esc or Ctrl-C quits.

Exit codes: 0 quit; 2 bad arguments or configuration; 3 the server refused the token (the \
message says how to get one that works); 4 the server could not be reached within \
--connect-timeout at start (later losses are retried, shown in the header); 1 anything \
else (the terminal failed).")]
pub struct TopArgs {
    /// Where to connect, with which token.
    #[command(flatten)]
    pub remote: RemoteArgs,

    /// How long to try to reach the server at start before giving up with exit code 4.
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = crate::auth::ttl::parse)]
    pub connect_timeout: Duration,

    /// How long one request for the sessions list may take.
    #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = crate::auth::ttl::parse)]
    pub request_timeout: Duration,

    /// Redraws per second at most, whatever the rate of events (1 to 60).
    #[arg(long, value_name = "N", default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=60))]
    pub max_fps: u32,

    /// The most sessions loaded into the table (the newest ones).
    #[arg(long, value_name = "N", default_value_t = 20_000)]
    pub max_sessions: usize,

    /// The most running sessions whose tools are shown (their namespaces joined for `tool.*`
    /// only): kept while they run, free places to the most recently active; 0 shows no
    /// tools.
    #[arg(long, value_name = "N", default_value_t = 100)]
    pub follow_tools: usize,

    /// Print the number of frames drawn and the seconds the table was shown to stderr at exit
    /// (for the tests and the benchmark).
    #[arg(long, hide = true)]
    pub print_frames: bool,
}
