//! A fake agent for tests: replays a JSONL file on stdout with configurable pacing and chunk
//! sizes (down to 1 byte), optionally writes stderr lines, then exits with a chosen code.
//!
//! `agentcast-fake-agent <file> [--chunk BYTES] [--delay-ms MS] [--stderr LINE]...
//!  [--exit-code N] [--hang]`

use std::io::Write;
use std::time::Duration;

use clap::Parser;

#[derive(Parser)]
struct Args {
    /// The JSONL file to replay.
    file: std::path::PathBuf,
    /// Bytes per write (1 splits every UTF-8 character and line).
    #[arg(long, default_value_t = 4096)]
    chunk: usize,
    /// Pause after each write.
    #[arg(long, default_value_t = 0)]
    delay_ms: u64,
    /// Lines written to stderr before the replay.
    #[arg(long)]
    stderr: Vec<String>,
    /// Exit code after the replay.
    #[arg(long, default_value_t = 0)]
    exit_code: i32,
    /// After the replay, wait until killed instead of exiting.
    #[arg(long)]
    hang: bool,
}

fn main() {
    let args = Args::parse();
    let data = std::fs::read(&args.file).unwrap_or_else(|err| {
        eprintln!("fake agent: cannot read {}: {err}", args.file.display());
        std::process::exit(2);
    });
    for line in &args.stderr {
        eprintln!("{line}");
    }
    let mut stdout = std::io::stdout().lock();
    for piece in data.chunks(args.chunk.max(1)) {
        if stdout
            .write_all(piece)
            .and_then(|_| stdout.flush())
            .is_err()
        {
            std::process::exit(3); // the reader went away
        }
        if args.delay_ms > 0 {
            std::thread::sleep(Duration::from_millis(args.delay_ms));
        }
    }
    drop(stdout);
    if args.hang {
        loop {
            std::thread::sleep(Duration::from_secs(3600));
        }
    }
    std::process::exit(args.exit_code);
}
