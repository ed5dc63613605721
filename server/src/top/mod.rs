//! `agentcast top`: every session of a server in a full-screen live table (status with the
//! sessions that need a person first, agent kind, project, label, the tool running and for how
//! long, tokens, cost, age), sorted and filtered with keys; Enter runs `agentcast watch` on
//! the selected session and comes back when it exits.
//!
//! The list is loaded over REST (`load`) and kept current by the hub namespace, folded as the
//! dashboard folds it (`board`); the running tools come from the namespaces of the most active
//! sessions (`follow`). Events only mark the table dirty: a ticker draws at most `--max-fps`
//! times a second, whatever their rate.
//!
//! - `args`: [`TopArgs`]. - `table`: rows, sort, filters, selection (plain data, tested).
//! - `draw`: a frame with ratatui. - `keys`: key presses to actions.
//! - `terminal`: raw mode and the alternate screen, always restored.

mod args;
mod board;
mod draw;
mod follow;
mod keys;
mod load;
mod table;
mod terminal;

use std::time::{Duration, Instant};

use agentcast_client::{Client, ConnectionState, SocketStatus};
use agentcast_shared::Scope;
use crossterm::event::{Event as TermEvent, EventStream};
use futures_util::{FutureExt, StreamExt};
use ratatui::widgets::TableState;

pub use args::TopArgs;

use crate::remote::{Remote, exit_code};
use board::Board;
use draw::{Scene, Totals};
use follow::Follower;
use keys::Action;
use load::LoadError;
use table::Table;
use terminal::Screen;

/// How often the hub is pinged, so the latency shown stays current (as the dashboard does).
const PING_EVERY: Duration = Duration::from_secs(5);
/// A frame at least this often with no event, so ages, running times and the reconnect
/// countdown move.
const IDLE_REDRAW: Duration = Duration::from_secs(1);

/// How `top` ended, as its exit code (the client commands' [`exit_code`]s).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// 0: the user quit.
    Quit = exit_code::OK as isize,
    /// 1: the terminal failed.
    Failed = exit_code::FAILED as isize,
    /// 2: bad arguments or configuration.
    Usage = exit_code::USAGE as isize,
    /// 3: the server refused the token.
    Refused = exit_code::REFUSED as isize,
    /// 4: the server could not be reached at start.
    Unreachable = exit_code::UNREACHABLE as isize,
}

/// Runs `agentcast top`; the messages of a failure are printed on stderr (with the terminal
/// restored).
pub async fn run(args: TopArgs) -> Exit {
    let remote = match Remote::resolve(args.remote.clone(), Scope::Read) {
        Ok(remote) => remote,
        Err(err) => {
            eprintln!("agentcast top: {err}");
            return Exit::Usage;
        }
    };
    let config = match remote.client_config() {
        Ok(config) => config,
        Err(err) => {
            eprintln!("agentcast top: {err}");
            return Exit::Usage;
        }
    };
    let client = Client::connect(config);
    let result = start_and_show(&args, &remote, &client).await;
    client.close();
    match result {
        Ok(exit) => exit,
        Err(failure) => {
            eprintln!("agentcast top: {failure}");
            failure.exit()
        }
    }
}

/// Why `top` stopped before the user quit.
#[derive(Debug, thiserror::Error)]
enum Failure {
    #[error("{0}")]
    Refused(String),
    #[error("cannot reach {server} within {waited:?}: {reason}")]
    Unreachable {
        server: String,
        waited: Duration,
        reason: String,
    },
    #[error("loading the sessions: {0}")]
    Load(LoadError),
    #[error("the terminal: {0}")]
    Terminal(#[from] std::io::Error),
}

impl Failure {
    fn exit(&self) -> Exit {
        match self {
            Failure::Refused(_) => Exit::Refused,
            Failure::Unreachable { .. } => Exit::Unreachable,
            Failure::Load(_) | Failure::Terminal(_) => Exit::Failed,
        }
    }
}

async fn start_and_show(args: &TopArgs, remote: &Remote, client: &Client) -> Result<Exit, Failure> {
    let hub = client.hub();
    // Listeners first: events are given to the listeners present when they arrive.
    let mut hub_events = hub.envelopes();
    let mut hub_status = hub.status();
    let mut states = client.state();
    let mut connection = ConnectionState::Connecting;

    // The first connection, within --connect-timeout: a refusal or silence ends here, before
    // the screen is taken, so the message stays readable on the shell's screen.
    let deadline = tokio::time::sleep(args.connect_timeout);
    tokio::pin!(deadline);
    loop {
        tokio::select! {
            Some(status) = hub_status.next() => match status {
                SocketStatus::Connected { .. } => break,
                SocketStatus::Refused { reason, retrying: false } => {
                    return Err(Failure::Refused(remote.explain_refusal(&reason, Scope::Read)));
                }
                _ => {}
            },
            Some(state) = states.next() => connection = state,
            () = &mut deadline => {
                let reason = match &connection {
                    ConnectionState::Reconnecting { reason, .. }
                    | ConnectionState::Disconnected { reason } => reason.clone(),
                    _ => "no answer".to_owned(),
                };
                return Err(Failure::Unreachable {
                    server: remote.server.clone(),
                    waited: args.connect_timeout,
                    reason,
                });
            }
        }
    }

    let http = match reqwest::Client::builder()
        .timeout(args.request_timeout)
        .build()
    {
        Ok(http) => http,
        Err(err) => return Err(Failure::Load(LoadError::Client(err.to_string()))),
    };
    let token = remote.token.as_deref();
    let mut board = Board::default();
    match load::sessions(&http, &remote.server, token, args.max_sessions).await {
        Ok(list) => board.loaded(list),
        Err(LoadError::Refused(reason)) => {
            return Err(Failure::Refused(
                remote.explain_refusal(&reason, Scope::Read),
            ));
        }
        Err(err) => return Err(Failure::Load(err)),
    }

    // Reloads after a reconnect come back through this channel, so keys stay responsive.
    let (reloaded_tx, mut reloaded) = tokio::sync::mpsc::channel(1);
    let (mut follower, mut tool_events) = Follower::new(client.clone());
    let pinger = hub.clone();
    let pings = tokio::spawn(async move {
        loop {
            tokio::time::sleep(PING_EVERY).await;
            if let Err(agentcast_client::Error::Closed) = pinger.ping().await {
                return;
            }
        }
    });
    // In raw mode Ctrl-C is a key; while `watch` has the terminal it is a SIGINT to the
    // whole foreground group, which must stop the watch, not `top`.
    let mut interrupts = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())?;

    let mut screen = Screen::enter()?;
    let shown_since = Instant::now();
    let mut terminal_events = EventStream::new();
    let mut table = Table::default();
    let mut table_state = TableState::default();
    let mut shown = Vec::new();
    let mut page = 1;
    let mut since = Instant::now();
    let mut notice: Option<String> = None;
    let mut dirty = true;
    let mut last_draw = Instant::now();
    let mut frames: u64 = 0;
    let mut ticker = tokio::time::interval(Duration::from_secs(1) / args.max_fps);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);

    let exit = loop {
        tokio::select! {
            Some(envelope) = hub_events.next() => dirty |= board.apply_hub(&envelope),
            Some(envelope) = tool_events.recv() => dirty |= board.apply_tool(&envelope),
            Some(state) = states.next() => {
                connection = state;
                since = Instant::now();
                dirty = true;
            }
            Some(status) = hub_status.next() => match status {
                SocketStatus::Connected { .. } => {
                    // Anything that happened while we were away is in the list again.
                    let (http, server, token, tx) =
                        (http.clone(), remote.server.clone(), remote.token.clone(), reloaded_tx.clone());
                    let max = args.max_sessions;
                    tokio::spawn(async move {
                        let _ = tx.send(load::sessions(&http, &server, token.as_deref(), max).await).await;
                    });
                }
                SocketStatus::Refused { reason, retrying: false } => {
                    return Err(Failure::Refused(remote.explain_refusal(&reason, Scope::Read)));
                }
                _ => {}
            },
            Some(result) = reloaded.recv() => match result {
                Ok(list) => {
                    board.loaded(list);
                    dirty = true;
                }
                Err(err) => {
                    notice = Some(format!("reloading the sessions: {err}"));
                    dirty = true;
                }
            },
            Some(_) = interrupts.recv() => {}
            key = terminal_events.next() => {
                let event = match key {
                    Some(Ok(event)) => event,
                    Some(Err(err)) => return Err(Failure::Terminal(err)),
                    None => {
                        let ended = std::io::Error::new(
                            std::io::ErrorKind::UnexpectedEof,
                            "its input ended",
                        );
                        return Err(Failure::Terminal(ended));
                    }
                };
                match event {
                    TermEvent::Key(key) => {
                        let Some(action) = keys::action(key, table.editing) else { continue };
                        notice = None;
                        dirty = true;
                        match action {
                            Action::Quit => break Exit::Quit,
                            Action::Move(by) => table.move_by(&shown, by),
                            Action::Page(down) => {
                                let by = page as isize;
                                table.move_by(&shown, if down { by } else { -by });
                            }
                            Action::End(last) => table.move_to_end(&shown, last),
                            Action::NextSort => table.next_sort(),
                            Action::NextStatus => table.next_status(),
                            Action::EditFilter => table.edit_filter(),
                            Action::FilterChar(c) => table.type_filter(Some(c)),
                            Action::FilterBackspace => table.type_filter(None),
                            Action::FilterDone => table.end_filter(true),
                            Action::FilterCancel => table.end_filter(false),
                            Action::Retry => client.reconnect(),
                            Action::Open => {
                                if let Some(id) = table.selected().map(str::to_owned) {
                                    // The terminal's reader must not steal the child's keys.
                                    drop(terminal_events);
                                    // The events go on being folded meanwhile: the
                                    // client's queues are unbounded, and the table is
                                    // current on the way back.
                                    let child = watch(remote, &args.remote, &id);
                                    let status = screen
                                        .suspend(async {
                                            tokio::pin!(child);
                                            loop {
                                                tokio::select! {
                                                    status = &mut child => break status,
                                                    Some(e) = hub_events.next() => { board.apply_hub(&e); }
                                                    Some(e) = tool_events.recv() => { board.apply_tool(&e); }
                                                    Some(state) = states.next() => connection = state,
                                                }
                                            }
                                        })
                                        .await?;
                                    since = Instant::now();
                                    terminal_events = EventStream::new();
                                    notice = Some(status);
                                    // Ctrl-C in the watch reached us too: it was for the watch.
                                    while interrupts.recv().now_or_never().flatten().is_some() {}
                                }
                            }
                        }
                    }
                    TermEvent::Resize(..) => dirty = true,
                    _ => {}
                }
            }
            _ = ticker.tick() => {
                if dirty || last_draw.elapsed() >= IDLE_REDRAW {
                    let wanted = board.to_follow(|id| follower.is_following(id), args.follow_tools);
                    let left = follower.follow(&wanted);
                    for id in left {
                        board.forget_tools(&id);
                    }
                    let rows = board.rows();
                    let totals = Totals::of(&rows);
                    shown = table.view(rows);
                    let scene = Scene {
                        server: &remote.server,
                        connection: &connection,
                        since: since.elapsed(),
                        totals,
                        rows: &shown,
                        now_ms: crate::clock::now_unix_millis(),
                        notice: notice.as_deref(),
                    };
                    screen.terminal.draw(|frame| {
                        page = draw::draw(frame, &table, &scene, &mut table_state);
                    })?;
                    frames += 1;
                    dirty = false;
                    last_draw = Instant::now();
                }
            }
        }
    };
    pings.abort();
    drop(follower);
    drop(screen);
    if args.print_frames {
        let secs = shown_since.elapsed().as_secs_f64();
        eprintln!("agentcast top: {frames} frames in {secs:.2} s");
    }
    Ok(exit)
}

/// Runs `agentcast watch SESSION` (this same binary) with the terminal and the connection
/// settings of `top`, and says how it ended.
async fn watch(remote: &Remote, given: &crate::remote::RemoteArgs, session: &str) -> String {
    let program = match std::env::current_exe() {
        Ok(program) => program,
        Err(err) => return format!("cannot find this program to run watch: {err}"),
    };
    let mut command = tokio::process::Command::new(program);
    command.arg("watch").arg(session);
    // The resolved server and token, by variables: a token on the command line would show
    // in `ps`.
    command.env("AGENTCAST_SERVER", &remote.server);
    match &remote.token {
        Some(token) => command.env("AGENTCAST_TOKEN", token),
        None => command.env_remove("AGENTCAST_TOKEN"),
    };
    if let Some(path) = &given.client_config {
        command.env("AGENTCAST_CLIENT_CONFIG", path);
    }
    if let Some(path) = &given.ca_cert {
        command.env("AGENTCAST_CA_CERT", path);
    }
    match command.status().await {
        Ok(status) if status.success() => format!("watch {session} ended"),
        Ok(status) => match status.code() {
            Some(code) => format!("watch {session} exited with code {code}"),
            None => format!("watch {session} was stopped by a signal"),
        },
        Err(err) => format!("cannot run watch: {err}"),
    }
}
