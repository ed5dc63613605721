//! The acknowledged commands. Each handler takes the raw argument, parses it into its `shared`
//! type (a bad argument is answered with `bad_request` naming the field) and acks an
//! [`Ack`]: `{"ok": ...}` or `{"error": {"code", "message"}}`.

use std::future::Future;
use std::sync::atomic::Ordering;

use agentcast_shared::{
    Ack, ErrorBody, ErrorCode, GetHistoryArgs, GetStatusArgs, HubStatusReport, IngestArgs,
    IngestResult, PingArgs, Pong, PublishArgs, PublishResult, RefreshArgs, RejectedLine,
    Scope as TokenScope, SessionSource, SessionStatusReport, SubscribeArgs, Subscription, commands,
    control,
};
use serde::Serialize;
use serde_json::Value;
use socketioxide::extract::{AckSender, Event, TryData};

use super::auth;
use super::flood;
use super::{Shared, Sock, subscriptions};
use crate::clock::now_ts;
use crate::hub::history::{self, HistoryPageJson};
use crate::hub::{HubError, stats};
use crate::parse::from_value as parse;

/// Where a command runs: the hub namespace or one session's.
#[derive(Clone)]
pub(crate) enum Scope {
    Hub,
    Session(String),
}

/// Gives a socket its one message handler, which runs the command an event names and counts
/// any other event as unknown. One handler for every event rather than one per command: each
/// registered handler is a boxed closure in a per-socket map, kept for the socket's whole life
/// (about 3 KB per connection for the twelve commands; BENCHMARKS.md, "Memory per idle
/// connection").
pub(crate) fn register(socket: &Sock, shared: &Shared, scope: &Scope) {
    let (shared, scope) = (shared.clone(), scope.clone());
    socket.on_fallback(
        move |socket: Sock, Event(name): Event, TryData(args): TryData<Value>, ack: AckSender| {
            let context = Context {
                socket,
                shared: shared.clone(),
                scope: scope.clone(),
            };
            // The only extraction failure for a JSON value is a missing argument
            // (`socket.emit("get_status", ack)`): treat it as `{}` like a null one.
            dispatch(context, name, args.unwrap_or(Value::Null), ack)
        },
    );
}

/// Runs the command `name`. Every message takes one token from the socket's budget, an
/// unknown event too (a flood of junk); a command over the budget is answered `rate_limited`.
async fn dispatch(cx: Context, name: String, args: Value, ack: AckSender) {
    let budget = flood::take(&cx.socket);
    let name = name.as_str();
    match name {
        commands::SUBSCRIBE => answer(ack, name, budget, subscribe(cx, args)).await,
        commands::UNSUBSCRIBE => answer(ack, name, budget, unsubscribe(cx, args)).await,
        commands::GET_STATUS => answer(ack, name, budget, get_status(cx, args)).await,
        commands::GET_HISTORY => answer(ack, name, budget, get_history(cx, args)).await,
        commands::PING => answer(ack, name, budget, ping(cx, args)).await,
        commands::PUBLISH => answer(ack, name, budget, publish(cx, args)).await,
        commands::INGEST => answer(ack, name, budget, ingest(cx, args)).await,
        commands::AUTH_REFRESH => answer(ack, name, budget, refresh(cx, args)).await,
        control::PROMPT => answer(ack, name, budget, super::control::prompt(cx, args)).await,
        control::INTERRUPT => answer(ack, name, budget, super::control::interrupt(cx, args)).await,
        control::PERMISSION_RESPOND => {
            answer(ack, name, budget, super::control::respond(cx, args)).await
        }
        control::END => answer(ack, name, budget, super::control::end(cx, args)).await,
        _ => {
            let stats = cx.shared.hub.stats();
            stats.unknown_events.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// Acks what `command` answers, or `budget`'s refusal without running it.
async fn answer<T: Serialize>(
    ack: AckSender,
    name: &str,
    budget: Result<(), ErrorBody>,
    command: impl Future<Output = Ack<T>>,
) {
    let answer = match budget {
        Ok(()) => command.await,
        Err(limited) => Ack::Error(limited),
    };
    if let Err(err) = ack.send(&answer) {
        tracing::debug!(command = name, %err, "could not send the ack");
    }
}

/// What a command handler may use.
pub(crate) struct Context {
    pub(super) socket: Sock,
    pub(super) shared: Shared,
    pub(super) scope: Scope,
}

async fn subscribe(cx: Context, args: Value) -> Ack<Subscription> {
    change_subscription(cx, args, subscriptions::subscribe)
}

async fn unsubscribe(cx: Context, args: Value) -> Ack<Subscription> {
    change_subscription(cx, args, subscriptions::unsubscribe)
}

fn change_subscription(
    cx: Context,
    args: Value,
    change: fn(&Sock, &[agentcast_shared::Pattern]) -> Vec<String>,
) -> Ack<Subscription> {
    let result = parse::<SubscribeArgs>(args).and_then(|args| {
        subscriptions::parse_patterns(&args.patterns)
            .map_err(|message| ErrorBody::new(ErrorCode::BadRequest, message))
    });
    match result {
        Ok(patterns) => Ack::Ok(Subscription {
            types: change(&cx.socket, &patterns),
        }),
        Err(err) => Ack::Error(err),
    }
}

/// The answer of `get_status`: a session's on its namespace, the server's on `/`.
#[derive(Serialize)]
#[serde(untagged)]
pub(crate) enum StatusReport {
    Session(SessionStatusReport),
    Hub(HubStatusReport),
}

async fn get_status(cx: Context, args: Value) -> Ack<StatusReport> {
    if let Err(err) = parse::<GetStatusArgs>(args) {
        return Ack::Error(err);
    }
    let hub = &cx.shared.hub;
    Ack::Ok(match &cx.scope {
        Scope::Hub => StatusReport::Hub(HubStatusReport {
            stats: stats::current(hub),
            sessions: hub.session_list().await,
        }),
        Scope::Session(id) => {
            let clients = cx
                .shared
                .io
                .of(cx.socket.ns())
                .map_or(0, |ops| ops.sockets().len());
            match hub.session_status(id, clients as u64).await {
                Ok(mut report) => {
                    let controls = &cx.shared.controls;
                    report.watchers = super::presence::watchers(&cx.shared.io, cx.socket.ns());
                    report.controllable = controls.is_controllable(id);
                    report.open_permissions = controls.open_permissions(id).await;
                    StatusReport::Session(report)
                }
                Err(err) => {
                    tracing::error!(%err, "reading a session's summary failed");
                    return Ack::error(ErrorCode::Internal, "internal error; see the server log");
                }
            }
        }
    })
}

/// `get_history`: a page of the session's stored events (see `hub::history`).
async fn get_history(cx: Context, args: Value) -> Ack<HistoryPageJson> {
    let Scope::Session(session_id) = &cx.scope else {
        return Ack::bad_request("get_history is a session command: connect to /sessions/{id}");
    };
    let args = match parse::<GetHistoryArgs>(args) {
        Ok(args) => args,
        Err(err) => return Ack::Error(err),
    };
    match history::read(&cx.shared.hub, session_id, &args).await {
        Ok(page) => Ack::Ok(page),
        Err(err) => Ack::Error(err.into_body()),
    }
}

async fn ping(_cx: Context, args: Value) -> Ack<Pong> {
    match parse::<PingArgs>(args) {
        Ok(_) => Ack::Ok(Pong { ts: now_ts() }),
        Err(err) => Ack::Error(err),
    }
}

async fn publish(cx: Context, args: Value) -> Ack<PublishResult> {
    let Scope::Session(session_id) = &cx.scope else {
        return Ack::bad_request("publish is a session command: connect to /sessions/{id}");
    };
    if let Err(err) = auth::require(&cx.socket, TokenScope::Write) {
        return Ack::Error(err);
    }
    let args = match parse::<PublishArgs>(args) {
        Ok(args) => args,
        Err(err) => return Ack::Error(err),
    };
    match cx.shared.hub.publish(session_id, args.events).await {
        Ok(head_offset) => Ack::Ok(PublishResult { head_offset }),
        Err(err) => Ack::Error(hub_error(err)),
    }
}

/// `ingest {lines}`: agent JSONL lines through the session's mapper; a line that is not JSON
/// is rejected (and reported in the ack), the others are accepted.
async fn ingest(cx: Context, args: Value) -> Ack<IngestResult> {
    let Scope::Session(session_id) = &cx.scope else {
        return Ack::bad_request("ingest is a session command: connect to /sessions/{id}");
    };
    if let Err(err) = auth::require(&cx.socket, TokenScope::Write) {
        return Ack::Error(err);
    }
    let args = match parse::<IngestArgs>(args) {
        Ok(args) => args,
        Err(err) => return Ack::Error(err),
    };
    let hub = &cx.shared.hub;
    let max = hub.settings().max_events_per_publish;
    if args.lines.len() > max {
        return Ack::bad_request(format!(
            "lines: {} lines in one ingest, the limit is {max}",
            args.lines.len()
        ));
    }
    let session = match hub.session(session_id) {
        Ok(session) => session,
        Err(err) => return Ack::Error(hub_error(err)),
    };
    let mut rejected = Vec::new();
    let limits = *hub.ingest_limits();
    let lines = args.lines.iter().map(String::as_str);
    let result = session
        .ingest_lines(lines, SessionSource::Publish, &limits, |index, outcome| {
            if let Err(error) = outcome {
                rejected.push(RejectedLine {
                    index: index as u32,
                    error: error.to_string(),
                });
            }
        })
        .await;
    match result {
        Ok(head_offset) => {
            let accepted = (args.lines.len() - rejected.len()) as u32;
            Ack::Ok(IngestResult {
                accepted,
                rejected,
                head_offset,
            })
        }
        Err(err) => Ack::Error(hub_error(err)),
    }
}

/// `auth.refresh {token}`: see `auth::refresh`.
async fn refresh(cx: Context, args: Value) -> Ack<agentcast_shared::Refreshed> {
    match parse::<RefreshArgs>(args) {
        Ok(args) => auth::refresh(&cx.socket, &cx.shared.security, &cx.scope, args).into(),
        Err(err) => Ack::Error(err),
    }
}

fn hub_error(err: HubError) -> ErrorBody {
    ErrorBody::new(err.code(), err.to_string())
}
