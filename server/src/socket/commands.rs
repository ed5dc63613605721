//! The acknowledged commands. Each handler takes the raw argument, parses it into its `shared`
//! type (a bad argument is answered with `bad_request` naming the field) and acks an
//! [`Ack`]: `{"ok": ...}` or `{"error": {"code", "message"}}`.

use std::future::Future;

use agentcast_shared::{
    Ack, ErrorBody, ErrorCode, GetHistoryArgs, GetStatusArgs, HubStatusReport, IngestArgs,
    IngestResult, PingArgs, Pong, PublishArgs, PublishResult, RefreshArgs, RejectedLine,
    Scope as TokenScope, SessionSource, SessionStatusReport, SessionSummary, SubscribeArgs,
    Subscription, commands, format_ts_millis,
};
use serde::Serialize;
use serde_json::Value;
use socketioxide::extract::{AckSender, TryData};

use super::adapter::TrackingAdapter;
use super::auth::{self, SocketSecurity};
use super::flood;
use super::{Sock, subscriptions};
use crate::hub::history::{self, HistoryPageJson};
use crate::hub::{Hub, HubError, now_unix_millis, stats};
use crate::parse::from_value as parse;
use agentcast_shared::rest::SessionFilter;

/// Where a command runs: the hub namespace or one session's.
#[derive(Clone)]
pub(crate) enum Scope {
    Hub,
    Session(String),
}

/// Registers every command a socket of this scope understands.
pub(crate) fn register(socket: &Sock, hub: &Hub, scope: &Scope, security: &SocketSecurity) {
    on(socket, hub, scope, commands::SUBSCRIBE, subscribe);
    on(socket, hub, scope, commands::UNSUBSCRIBE, unsubscribe);
    on(socket, hub, scope, commands::GET_STATUS, get_status);
    on(socket, hub, scope, commands::GET_HISTORY, get_history);
    on(socket, hub, scope, commands::PING, ping);
    on(socket, hub, scope, commands::PUBLISH, publish);
    on(socket, hub, scope, commands::INGEST, ingest);
    let security = security.clone();
    on(
        socket,
        hub,
        scope,
        commands::AUTH_REFRESH,
        move |cx, args| {
            let answer = match parse::<RefreshArgs>(args) {
                Ok(args) => auth::refresh(&cx.socket, &security, &cx.scope, args).into(),
                Err(err) => Ack::Error(err),
            };
            std::future::ready(answer)
        },
    );
}

/// Wires one command: parse nothing here, run `handler`, ack its answer.
fn on<F, Fut, T>(socket: &Sock, hub: &Hub, scope: &Scope, name: &'static str, handler: F)
where
    F: Fn(Context, Value) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = Ack<T>> + Send + 'static,
    T: Serialize + Send + 'static,
{
    let (hub, scope) = (hub.clone(), scope.clone());
    socket.on(
        name,
        move |socket: Sock, TryData(args): TryData<Value>, ack: AckSender<TrackingAdapter>| {
            let context = Context {
                socket,
                hub: hub.clone(),
                scope: scope.clone(),
            };
            let handler = handler.clone();
            async move {
                if let Err(limited) = flood::take(&context.socket) {
                    let _ = ack.send(&Ack::<()>::Error(limited));
                    return;
                }
                // The only extraction failure for a JSON value is a missing argument
                // (`socket.emit("get_status", ack)`): treat it as `{}` like a null one.
                let answer = handler(context, args.unwrap_or(Value::Null)).await;
                if let Err(err) = ack.send(&answer) {
                    tracing::debug!(command = name, %err, "could not send the ack");
                }
            }
        },
    );
}

/// What a command handler may use.
pub(crate) struct Context {
    socket: Sock,
    hub: Hub,
    scope: Scope,
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
    Ack::Ok(match &cx.scope {
        Scope::Hub => StatusReport::Hub(HubStatusReport {
            stats: stats::current(&cx.hub),
            sessions: session_list(&cx.hub).await,
        }),
        Scope::Session(id) => {
            let clients = cx
                .hub
                .io()
                .of(cx.socket.ns())
                .map_or(0, |ops| ops.sockets().len());
            let report = match cx.hub.find(id) {
                Some(session) => session.status_report(clients as u64),
                // Not active in this process: what the store knows (a previous run's session).
                None => match cx.hub.store().sessions().get_session(id).await {
                    Ok(record) => SessionStatusReport {
                        session_id: id.clone(),
                        status: record.as_ref().map(|r| r.status),
                        head_offset: record.map_or(0, |r| r.head_offset),
                        clients: clients as u64,
                    },
                    Err(err) => {
                        tracing::error!(%err, "reading a session's summary failed");
                        return Ack::error(
                            ErrorCode::Internal,
                            "internal error; see the server log",
                        );
                    }
                },
            };
            StatusReport::Session(report)
        }
    })
}

/// The sessions of this run (live), then those the store knows from earlier runs.
async fn session_list(hub: &Hub) -> Vec<SessionSummary> {
    let mut sessions = hub.summaries();
    match hub
        .store()
        .sessions()
        .list_sessions(SessionFilter::All, SESSION_LIST_LIMIT)
        .await
    {
        Ok(stored) => {
            for record in stored {
                if !sessions.iter().any(|s| s.session_id == record.id) {
                    sessions.push(record.summary());
                }
            }
        }
        Err(err) => tracing::error!(%err, "listing the stored sessions failed"),
    }
    sessions
}

/// Most sessions the hub's `get_status` lists from the store (newest first).
const SESSION_LIST_LIMIT: u32 = 200;

/// `get_history`: a page of the session's stored events (see `hub::history`).
async fn get_history(cx: Context, args: Value) -> Ack<HistoryPageJson> {
    let Scope::Session(session_id) = &cx.scope else {
        return Ack::bad_request("get_history is a session command: connect to /sessions/{id}");
    };
    let args = match parse::<GetHistoryArgs>(args) {
        Ok(args) => args,
        Err(err) => return Ack::Error(err),
    };
    match history::read(&cx.hub, session_id, &args).await {
        Ok(page) => Ack::Ok(page),
        Err(err) => Ack::Error(err.into_body()),
    }
}

async fn ping(_cx: Context, args: Value) -> Ack<Pong> {
    match parse::<PingArgs>(args) {
        Ok(_) => Ack::Ok(Pong {
            ts: format_ts_millis(now_unix_millis()),
        }),
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
    match cx.hub.publish(session_id, args.events).await {
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
    let max = cx.hub.limits().max_events_per_publish;
    if args.lines.len() > max {
        return Ack::bad_request(format!(
            "lines: {} lines in one ingest, the limit is {max}",
            args.lines.len()
        ));
    }
    let session = match cx.hub.session(session_id) {
        Ok(session) => session,
        Err(err) => return Ack::Error(hub_error(err)),
    };
    let mut rejected = Vec::new();
    let limits = cx.hub.limits().ingest;
    let lines = args.lines.iter().map(String::as_str);
    let result = session
        .ingest_lines(lines, SessionSource::Publish, &limits, |index, outcome| {
            if let Err(error) = outcome {
                rejected.push(RejectedLine {
                    index: index as u32,
                    error,
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

fn hub_error(err: HubError) -> ErrorBody {
    let code = match err {
        HubError::ShuttingDown => ErrorCode::Unavailable,
        HubError::Store => ErrorCode::Internal,
        _ => ErrorCode::BadRequest,
    };
    ErrorBody::new(code, err.to_string())
}
