//! The options of `agentcast watch`.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use crate::remote::RemoteArgs;

/// Options of `agentcast watch`. Exit codes: 0 done (or, with --until-end, the session
/// completed), 1 the session failed (--until-end), 2 bad arguments or configuration, 3 the
/// server refused the token, 4 the server could not be reached (--no-follow, --until-end,
/// --replay), 5 the session was cancelled or interrupted (--until-end).
#[derive(Debug, Clone, Args)]
pub struct WatchArgs {
    /// The session to watch [default: every session the token may see, each line prefixed
    /// with its label].
    #[arg(value_name = "SESSION")]
    pub session: Option<String>,

    #[command(flatten)]
    pub remote: RemoteArgs,

    /// Only events whose type matches one of these patterns: `tool.*`, `output.text`,
    /// comma-separated or repeated [file: `[watch] types`; default: all].
    #[arg(long, value_name = "PATTERNS", value_delimiter = ',')]
    pub types: Vec<String>,

    /// Only lines matching this regular expression, the match highlighted [file: `[watch]
    /// grep`].
    #[arg(long, value_name = "REGEX")]
    pub grep: Option<String>,

    /// Replay the stored events after this offset before going live (0: from the start).
    #[arg(long, value_name = "N", conflicts_with = "since")]
    pub from_offset: Option<u64>,

    /// Replay the events of the last 10m, 2h, 1d before going live.
    #[arg(long, value_name = "AGE", value_parser = crate::auth::ttl::parse)]
    pub since: Option<std::time::Duration>,

    /// Replay SESSION from its start at the pace it happened (see --speed), then exit.
    #[arg(long, requires = "session", conflicts_with_all = ["from_offset", "since"])]
    pub replay: bool,

    /// The pace of --replay: 2 is twice as fast; pauses are cut to 5 s of replay time.
    #[arg(long, value_name = "X", default_value_t = 1.0, requires = "replay", value_parser = positive_speed)]
    pub speed: f64,

    /// Also write the events to FILE: `.jsonl` (every event, as the REST export writes them)
    /// or `.md` (a readable transcript, written when watch exits).
    #[arg(long, value_name = "FILE")]
    pub export: Option<PathBuf>,

    /// One JSON envelope per line for scripts (no colour, no status line).
    #[arg(long)]
    pub json: bool,

    /// Print the stored history (from --from-offset, default 0, or --since) and exit.
    #[arg(long, conflicts_with = "replay")]
    pub no_follow: bool,

    /// Exit when SESSION ends, with its outcome as the exit code.
    #[arg(long, requires = "session")]
    pub until_end: bool,

    /// Colours: auto (on a terminal without NO_COLOR), always, never.
    #[arg(long, value_name = "WHEN", default_value = "auto")]
    pub color: ColorWhen,

    /// Follow at most this many sessions at once when no SESSION is named (the rest are
    /// counted and said).
    #[arg(long, value_name = "N", default_value_t = 100)]
    pub max_sessions: usize,

    /// How long --no-follow, --until-end and --replay wait for the server before exit code 4:
    /// 2s, 10s, 1m.
    #[arg(long, value_name = "TIME", default_value = "10s", value_parser = crate::auth::ttl::parse)]
    pub connect_timeout: std::time::Duration,

    /// Never ask for permission answers, even with a control token on a terminal.
    #[arg(long)]
    pub no_answer: bool,
}

/// `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorWhen {
    Auto,
    Always,
    Never,
}

fn positive_speed(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(speed) if speed.is_finite() && speed > 0.0 => Ok(speed),
        _ => Err(format!(
            "{text:?}: a speed is a positive number, e.g. 2 or 0.5"
        )),
    }
}
