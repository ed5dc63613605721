//! The status line under the stream, on a terminal: the connection (connected with its
//! latency, reconnecting in N s with the attempt and why), then a spinner with the elapsed
//! time of each running tool. Lines are printed above it; it is redrawn in place.

use std::collections::BTreeMap;
use std::io::Write;
use std::time::{Duration, Instant};

use agentcast_client::ConnectionState;
use agentcast_shared::{Envelope, Event};

const SPINNER: [char; 10] = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠤', '⠇', '⠏'];
/// Running tools shown at most; the rest are counted.
const TOOLS_SHOWN: usize = 3;

/// The tools running now, by session and tool use id, with when they started here.
#[derive(Debug, Default)]
pub struct Running {
    tools: BTreeMap<(String, String), (String, Instant)>,
}

impl Running {
    /// Follows `envelope`: a tool starting or ending, a session ending.
    pub fn observe(&mut self, envelope: &Envelope, event: &Event) {
        let session = &envelope.session_id;
        match event {
            Event::ToolStarted(started) => {
                let key = (session.clone(), started.tool_use_id.clone());
                self.tools
                    .insert(key, (started.name.clone(), Instant::now()));
            }
            Event::ToolCompleted(done) => {
                self.tools
                    .remove(&(session.clone(), done.tool_use_id.clone()));
            }
            Event::SessionEnded(_) => self.tools.retain(|(s, _), _| s != session),
            _ => {}
        }
    }

    /// True when a spinner is turning.
    pub fn any(&self) -> bool {
        !self.tools.is_empty()
    }

    fn describe(&self, frame: usize, now: Instant) -> String {
        let spinner = SPINNER[frame % SPINNER.len()];
        let mut parts: Vec<String> = self
            .tools
            .values()
            .take(TOOLS_SHOWN)
            .map(|(name, since)| {
                format!("{spinner} {name} {}s", now.duration_since(*since).as_secs())
            })
            .collect();
        if self.tools.len() > TOOLS_SHOWN {
            parts.push(format!("+{} more", self.tools.len() - TOOLS_SHOWN));
        }
        parts.join("  ")
    }
}

/// The connection, in words.
pub fn connection(state: &ConnectionState, since: Instant, now: Instant) -> String {
    match state {
        ConnectionState::Connecting => "○ connecting".to_owned(),
        ConnectionState::Connected { latency } => match latency {
            Some(latency) => format!("● connected {} ms", latency.as_millis()),
            None => "● connected".to_owned(),
        },
        ConnectionState::Reconnecting {
            attempt,
            next_in,
            reason,
        } => {
            let left = next_in.saturating_sub(now.duration_since(since));
            format!(
                "↻ reconnecting in {}s (attempt {attempt}): {reason}",
                left.as_secs_f64().ceil() as u64
            )
        }
        ConnectionState::Disconnected { reason } => format!("✗ disconnected: {reason}"),
    }
}

/// The terminal: lines scroll above, the status line stays at the bottom.
pub struct Screen<W: Write> {
    out: W,
    /// Whether the status line is drawn (a terminal, not --json).
    status_line: bool,
    shown: bool,
    frame: usize,
    width: usize,
}

impl<W: Write> Screen<W> {
    pub fn new(out: W, status_line: bool, width: usize) -> Self {
        Screen {
            out,
            status_line,
            shown: false,
            frame: 0,
            width: width.max(20),
        }
    }

    /// Prints `lines` above the status line.
    pub fn print(&mut self, lines: &[String]) -> std::io::Result<()> {
        if lines.is_empty() {
            return Ok(());
        }
        self.clear()?;
        for line in lines {
            self.out.write_all(line.as_bytes())?;
            self.out.write_all(b"\n")?;
        }
        self.out.flush()
    }

    /// Draws the status line (the connection, the running tools), cut to the width.
    pub fn draw_status(&mut self, connection: &str, running: &Running) -> std::io::Result<()> {
        if !self.status_line {
            return Ok(());
        }
        self.frame += 1;
        let tools = running.describe(self.frame, Instant::now());
        let text = if tools.is_empty() {
            connection.to_owned()
        } else {
            format!("{connection}  │  {tools}")
        };
        let cut: String = text.chars().take(self.width - 1).collect();
        write!(self.out, "\r\x1b[2K\x1b[2m{cut}\x1b[0m")?;
        self.shown = true;
        self.out.flush()
    }

    /// Removes the status line (before printing, and at exit).
    pub fn clear(&mut self) -> std::io::Result<()> {
        if self.shown {
            self.out.write_all(b"\r\x1b[2K")?;
            self.shown = false;
        }
        Ok(())
    }

    /// The terminal's width changed.
    pub fn resize(&mut self, width: usize) {
        self.width = width.max(20);
    }

    /// Flushes and removes the status line.
    pub fn finish(&mut self) -> std::io::Result<()> {
        self.clear()?;
        self.out.flush()
    }
}

/// How often the status line is redrawn while something moves (spinners, a countdown).
pub const TICK: Duration = Duration::from_millis(125);

#[cfg(test)]
mod tests {
    use super::*;
    use agentcast_shared::{ToolCompleted, ToolStarted};

    fn envelope(event: &Event) -> Envelope {
        Envelope::from_event(1, "s1", "2026-12-07T00:00:00.000Z", event)
    }

    #[test]
    fn running_tools_come_and_go() {
        let mut running = Running::default();
        let started: Event = ToolStarted {
            tool_use_id: "t1".into(),
            name: "Bash".into(),
            input: serde_json::json!({}),
            parent_tool_use_id: None,
        }
        .into();
        running.observe(&envelope(&started), &started);
        assert!(running.any());
        assert!(running.describe(0, Instant::now()).contains("⠋ Bash 0s"));
        let done: Event = ToolCompleted {
            tool_use_id: "t1".into(),
            name: None,
            is_error: false,
            output_preview: String::new(),
            output_bytes: 0,
            duration_ms: None,
            parent_tool_use_id: None,
        }
        .into();
        running.observe(&envelope(&done), &done);
        assert!(!running.any());
    }

    #[test]
    fn the_connection_reads_well() {
        let now = Instant::now();
        let state = ConnectionState::Reconnecting {
            attempt: 3,
            next_in: Duration::from_millis(4_200),
            reason: "connection refused".into(),
        };
        assert_eq!(
            connection(&state, now, now),
            "↻ reconnecting in 5s (attempt 3): connection refused"
        );
        let connected = ConnectionState::Connected {
            latency: Some(Duration::from_millis(3)),
        };
        assert_eq!(connection(&connected, now, now), "● connected 3 ms");
    }

    #[test]
    fn lines_go_above_the_status_line() {
        let mut screen = Screen::new(Vec::new(), true, 80);
        screen
            .draw_status("● connected", &Running::default())
            .unwrap();
        screen.print(&["hello".into()]).unwrap();
        let text = String::from_utf8(screen.out).unwrap();
        assert_eq!(text, "\r\x1b[2K\x1b[2m● connected\x1b[0m\r\x1b[2Khello\n");
    }
}
