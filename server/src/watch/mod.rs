//! `agentcast watch [SESSION]`: a session, or every session the token may see, as readable
//! lines in a terminal (or JSON for scripts), live, on our own native Socket.IO client: it
//! recovers by offset after a reconnect, so nothing is lost or printed twice.
//!
//! - `args`: the options; `settings`: them resolved with the configuration file.
//! - `follow`: which sessions are followed and from where; their streams, merged.
//! - `line`: one readable line per event; `paint`: colours, labels, `--grep` highlights.
//! - `status`: the status line (connection, spinners of running tools) and the screen.
//! - `answer`: permission requests answered with a key; `export`: `--export FILE`.

mod answer;
mod args;
mod export;
mod follow;
mod line;
mod paint;
mod settings;
mod status;

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use agentcast_client::{Client, ConnectionState, SocketStatus};
use agentcast_shared::{
    Envelope, Event, PermissionAnswer, PermissionDecision, SessionState, parse_ts_millis,
};
use futures_util::StreamExt;
use tokio::sync::mpsc;

pub use args::{ColorWhen, WatchArgs};

use crate::remote::exit_code;
use answer::{Action, Question, Questions};
use export::Export;
use follow::{Followed, Incoming};
use line::{Line, Tone};
use settings::Settings;
use status::{Running, Screen};

/// The longest pause of `--replay`, in replay time.
const REPLAY_MAX_PAUSE: Duration = Duration::from_secs(5);

/// Runs `agentcast watch`; returns the process exit code (see [`WatchArgs`]).
pub async fn run(args: WatchArgs) -> i32 {
    let settings = match Settings::resolve(args) {
        Ok(settings) => settings,
        Err(err) => {
            eprintln!("agentcast watch: {err}");
            return exit_code::USAGE;
        }
    };
    match Watch::new(settings) {
        Ok(watch) => watch.run().await,
        Err(err) => {
            eprintln!("agentcast watch: {err}");
            exit_code::USAGE
        }
    }
}

/// What came from a task the loop started: an answer's result, a listing.
enum Done {
    Answered(String, Result<(), String>),
    Listed(Result<Vec<(String, Option<String>)>, String>),
    Status(Result<Option<SessionState>, String>),
}

struct Watch {
    settings: Settings,
    client: Client,
    followed: Followed,
    screen: Screen<std::io::BufWriter<std::io::Stdout>>,
    running: Running,
    questions: Questions,
    export: Option<Export>,
    connection: (ConnectionState, Instant),
    ever_connected: bool,
    raw_mode: bool,
    replay_clock: Option<u64>,
    done_tx: mpsc::UnboundedSender<Done>,
    done_rx: mpsc::UnboundedReceiver<Done>,
}

impl Watch {
    fn new(settings: Settings) -> Result<Watch, WatchError> {
        let client = Client::connect(settings.remote.client_config()?);
        let export = settings.export.as_deref().map(Export::create).transpose()?;
        let width = crossterm::terminal::size().map_or(100, |(w, _)| usize::from(w));
        let out = std::io::BufWriter::with_capacity(64 * 1024, std::io::stdout());
        let screen = Screen::new(out, settings.status_line, width);
        let followed = Followed::new(&settings);
        let (done_tx, done_rx) = mpsc::unbounded_channel();
        Ok(Watch {
            settings,
            client,
            followed,
            screen,
            running: Running::default(),
            questions: Questions::default(),
            export,
            connection: (ConnectionState::Connecting, Instant::now()),
            ever_connected: false,
            raw_mode: false,
            replay_clock: None,
            done_tx,
            done_rx,
        })
    }

    async fn run(mut self) -> i32 {
        let code = self.watch().await;
        self.set_raw_mode(false);
        for (session, lines) in self.followed.flush_all() {
            let _ = self.print_lines(&session, &lines);
        }
        let _ = self.screen.finish();
        if let Some(export) = self.export.take() {
            match export.finish() {
                Ok(path) => eprintln!("agentcast watch: exported to {}", path.display()),
                Err(err) => {
                    eprintln!("agentcast watch: {err}");
                    return code.max(exit_code::FAILED);
                }
            }
        }
        code
    }

    async fn watch(&mut self) -> i32 {
        let mut states = self.client.state();
        let mut inbox = self.followed.start(&self.client);
        let mut keys = self
            .settings
            .answering
            .then(crossterm::event::EventStream::new);
        let mut tick = tokio::time::interval(status::TICK);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        let deadline = tokio::time::sleep(self.settings.connect_timeout);
        tokio::pin!(deadline);
        let must_connect = self.settings.ends_by_itself();
        let ctrl_c = tokio::signal::ctrl_c();
        tokio::pin!(ctrl_c);
        loop {
            let moving = self.running.any()
                || self.questions.pending()
                || matches!(self.connection.0, ConnectionState::Reconnecting { .. });
            let result = tokio::select! {
                incoming = inbox.next() => match incoming {
                    Some(incoming) => self.incoming(incoming, &mut inbox).await,
                    None => Some(exit_code::OK),
                },
                Some(state) = states.next() => self.state(state),
                Some(done) = self.done_rx.recv() => self.done(done, &mut inbox),
                Some(Ok(event)) = async { keys.as_mut()?.next().await }, if self.questions.pending() => {
                    self.key(event)
                }
                _ = tick.tick(), if moving => None,
                () = &mut deadline, if must_connect && !self.ever_connected => {
                    eprintln!(
                        "agentcast watch: cannot reach {}: {}",
                        self.settings.remote.server,
                        status::connection(&self.connection.0, self.connection.1, Instant::now())
                    );
                    Some(exit_code::UNREACHABLE)
                }
                _ = &mut ctrl_c => Some(exit_code::OK),
            };
            if let Some(code) = result {
                return code;
            }
            self.set_raw_mode(self.questions.pending());
            self.draw_status();
        }
    }

    /// An event, a socket's status, a new session.
    async fn incoming(&mut self, incoming: Incoming, inbox: &mut follow::Inbox) -> Option<i32> {
        match incoming {
            Incoming::Envelope(envelope) => self.envelope(envelope).await,
            Incoming::Socket { session, status } => self.socket(session, status),
            Incoming::Started { session, label } => {
                self.followed
                    .discovered(&self.client, &session, label, inbox);
                None
            }
        }
    }

    async fn envelope(&mut self, envelope: Envelope) -> Option<i32> {
        if envelope.is_ephemeral() {
            return self.ephemeral(&envelope);
        }
        if let Some(export) = &mut self.export
            && let Err(err) = export.push(&envelope)
        {
            eprintln!("agentcast watch: writing the export: {err}");
            return Some(exit_code::FAILED);
        }
        if self
            .settings
            .cutoff_ms
            .is_some_and(|cutoff| parse_ts_millis(&envelope.ts).is_some_and(|ts| ts < cutoff))
        {
            return None;
        }
        if self.settings.replay {
            self.pace(&envelope).await;
        }
        let event = envelope.event().ok();
        if let Some(event) = &event {
            self.observe(&envelope, event);
        }
        self.show(&envelope);
        match event {
            Some(Event::SessionEnded(ended)) if self.settings.until_end => {
                Some(outcome_code(ended.status))
            }
            _ => None,
        }
    }

    /// `session.recovered` marks the end of a replay: `--no-follow` and `--replay` are done
    /// when every followed session has been replayed.
    fn ephemeral(&mut self, envelope: &Envelope) -> Option<i32> {
        let Ok(Event::SessionRecovered(recovered)) = envelope.event() else {
            return None;
        };
        if !recovered.recovered {
            let line = Line {
                tone: Tone::Attention,
                text: "(the server no longer keeps part of this history)".into(),
            };
            let _ = self.print_lines(&envelope.session_id, &[line]);
        }
        self.followed.recovered(&envelope.session_id);
        (self.settings.stops_after_history() && self.followed.all_recovered())
            .then_some(exit_code::OK)
    }

    fn observe(&mut self, envelope: &Envelope, event: &Event) {
        self.running.observe(envelope, event);
        match event {
            Event::PermissionRequested(request) if self.settings.answering => {
                self.questions.ask(Question {
                    session_id: envelope.session_id.clone(),
                    request: request.clone(),
                });
            }
            Event::PermissionResolved(resolved) => self.questions.resolved(&resolved.request_id),
            Event::SessionStarted(started) => {
                if let Some(label) = &started.label {
                    self.followed.set_label(&envelope.session_id, label);
                }
            }
            Event::SessionEnded(_) => self.questions.session_ended(&envelope.session_id),
            _ => {}
        }
    }

    /// Prints `envelope` as the options say: JSON or lines, filtered by type and `--grep`.
    fn show(&mut self, envelope: &Envelope) {
        if !self.settings.admits_type(&envelope.kind) {
            return;
        }
        if self.settings.json {
            let Ok(text) = serde_json::to_string(envelope) else {
                return;
            };
            if self
                .settings
                .grep
                .as_ref()
                .is_none_or(|g| g.is_match(&text))
            {
                let _ = self.screen.print(&[text]);
            }
            return;
        }
        let lines = self.followed.lines(envelope);
        let _ = self.print_lines(&envelope.session_id, &lines);
    }

    fn print_lines(&mut self, session: &str, lines: &[Line]) -> std::io::Result<()> {
        let grep = self.settings.grep.as_ref();
        let prefix = self.followed.prefixed().then(|| {
            self.settings
                .palette
                .label(session, self.followed.label(session))
        });
        let printed: Vec<String> = lines
            .iter()
            .filter(|line| grep.is_none_or(|g| g.is_match(&line.text)))
            .map(|line| {
                let painted = self.settings.palette.paint(line, grep);
                match &prefix {
                    Some(prefix) => format!("{prefix} {painted}"),
                    None => painted,
                }
            })
            .collect();
        self.screen.print(&printed)
    }

    /// `--replay`: waits as long as the session did between this event and the last one,
    /// divided by `--speed`, at most [`REPLAY_MAX_PAUSE`].
    async fn pace(&mut self, envelope: &Envelope) {
        let Some(now) = parse_ts_millis(&envelope.ts) else {
            return;
        };
        if let Some(before) = self.replay_clock.replace(now) {
            let gap = Duration::from_millis(now.saturating_sub(before));
            let wait = gap.min(REPLAY_MAX_PAUSE).div_f64(self.settings.speed);
            self.draw_status();
            tokio::time::sleep(wait).await;
        }
    }

    fn socket(&mut self, session: Option<String>, status: SocketStatus) -> Option<i32> {
        match status {
            SocketStatus::Refused {
                reason,
                retrying: false,
            } => {
                let _ = self.screen.finish();
                let where_ = session
                    .map(|s| format!(" (session {s})"))
                    .unwrap_or_default();
                eprintln!(
                    "agentcast watch: {}{where_}",
                    self.settings
                        .remote
                        .explain_refusal(&reason, self.settings.scope)
                );
                Some(exit_code::REFUSED)
            }
            SocketStatus::Connected { .. } => {
                self.followed.connected(session.as_deref(), &self.done_tx);
                None
            }
            _ => None,
        }
    }

    fn state(&mut self, state: ConnectionState) -> Option<i32> {
        if matches!(state, ConnectionState::Connected { .. }) {
            self.ever_connected = true;
        }
        self.connection = (state, Instant::now());
        None
    }

    fn done(&mut self, done: Done, inbox: &mut follow::Inbox) -> Option<i32> {
        match done {
            Done::Answered(request, Ok(())) => {
                self.note(Tone::Dim, format!("  answer sent for {request}"));
            }
            Done::Answered(request, Err(err)) => {
                self.note(
                    Tone::Failure,
                    format!("  could not answer {request}: {err}"),
                );
            }
            Done::Listed(Ok(sessions)) => {
                let skipped = self.followed.listed(&self.client, sessions, inbox);
                if skipped > 0 {
                    self.note(
                        Tone::Attention,
                        format!(
                            "(following {} sessions, the --max-sessions limit; {skipped} more not followed: name one, or raise the limit)",
                            self.settings.max_sessions
                        ),
                    );
                }
                if self.settings.stops_after_history() && self.followed.all_recovered() {
                    return Some(exit_code::OK);
                }
            }
            Done::Listed(Err(err)) => {
                self.note(
                    Tone::Failure,
                    format!("(could not list the sessions: {err})"),
                );
            }
            Done::Status(Ok(Some(status))) if self.settings.until_end && status.is_final() => {
                if !self.followed.replaying() {
                    self.note(
                        Tone::Dim,
                        format!("(the session already ended: {})", status.as_str()),
                    );
                    return Some(outcome_code(status));
                }
            }
            Done::Status(Err(err)) => {
                self.note(
                    Tone::Failure,
                    format!("(could not read the session's status: {err})"),
                );
            }
            Done::Status(_) => {}
        }
        None
    }

    fn key(&mut self, event: crossterm::event::Event) -> Option<i32> {
        let crossterm::event::Event::Key(key) = event else {
            if let crossterm::event::Event::Resize(width, _) = event {
                self.screen.resize(usize::from(width));
            }
            return None;
        };
        match self.questions.key(key) {
            Action::None => None,
            Action::Quit => Some(exit_code::OK),
            Action::Respond {
                session_id,
                request_id,
                decision,
                message,
            } => {
                let word = match decision {
                    PermissionDecision::Allow => "allowing",
                    _ => "denying",
                };
                self.note(Tone::Dim, format!("  {word} {request_id}…"));
                let session = self.followed.handle(&session_id)?;
                let answer = PermissionAnswer {
                    decision,
                    message,
                    updated_input: None,
                    updated_permissions: None,
                };
                let tx = self.done_tx.clone();
                tokio::spawn(async move {
                    let result = session
                        .respond_permission(request_id.clone(), answer)
                        .await
                        .map(drop)
                        .map_err(|err| err.to_string());
                    let _ = tx.send(Done::Answered(request_id, result));
                });
                None
            }
        }
    }

    fn note(&mut self, tone: Tone, text: String) {
        let line = Line { tone, text };
        let painted = self.settings.palette.paint(&line, None);
        let _ = self.screen.print(&[painted]);
    }

    fn draw_status(&mut self) {
        let text = match self.questions.prompt() {
            Some(prompt) => prompt,
            None => status::connection(&self.connection.0, self.connection.1, Instant::now()),
        };
        let _ = self.screen.draw_status(&text, &self.running);
    }

    /// Raw mode (keys one by one, no echo) only while a question waits for a key.
    fn set_raw_mode(&mut self, on: bool) {
        if on == self.raw_mode {
            return;
        }
        let changed = if on {
            crossterm::terminal::enable_raw_mode()
        } else {
            crossterm::terminal::disable_raw_mode()
        };
        if changed.is_ok() {
            self.raw_mode = on;
        }
    }
}

/// The terminal is never left in raw mode, even when watch panics.
impl Drop for Watch {
    fn drop(&mut self) {
        self.set_raw_mode(false);
    }
}

/// `--until-end`'s exit code for how the session ended.
fn outcome_code(status: SessionState) -> i32 {
    match status {
        SessionState::Completed => exit_code::OK,
        SessionState::Failed => exit_code::FAILED,
        _ => exit_code::CANCELLED,
    }
}

/// Why watch could not start.
#[derive(Debug, thiserror::Error)]
pub enum WatchError {
    #[error(transparent)]
    Remote(#[from] crate::remote::RemoteError),
    #[error(transparent)]
    Export(#[from] export::ExportError),
}

/// Whether standard output is a terminal that takes colour (`NO_COLOR` unset).
fn colour_default(when: ColorWhen) -> bool {
    match when {
        ColorWhen::Always => true,
        ColorWhen::Never => false,
        ColorWhen::Auto => {
            std::io::stdout().is_terminal()
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        }
    }
}
