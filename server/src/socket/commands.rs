//! The acknowledged commands. Each handler takes the raw argument, parses it into its `shared`
//! type (a bad argument is answered with `bad_request` naming the field) and acks an
//! [`Ack`]: `{"ok": ...}` or `{"error": {"code", "message"}}`.

use std::future::Future;

use agentcast_shared::{
    Ack, ErrorBody, ErrorCode, GetStatusArgs, HubStatusReport, PingArgs, Pong, PublishArgs,
    PublishResult, SessionStatusReport, SubscribeArgs, Subscription, commands, format_ts_millis,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use socketioxide::extract::{AckSender, TryData};

use super::adapter::TrackingAdapter;
use super::{Sock, subscriptions};
use crate::hub::{Hub, HubError, now_unix_millis, stats};

/// Where a command runs: the hub namespace or one session's.
#[derive(Clone)]
pub(crate) enum Scope {
    Hub,
    Session(String),
}

/// Registers every command a socket of this scope understands.
pub(crate) fn register(socket: &Sock, hub: &Hub, scope: &Scope) {
    on(socket, hub, scope, commands::SUBSCRIBE, subscribe);
    on(socket, hub, scope, commands::UNSUBSCRIBE, unsubscribe);
    on(socket, hub, scope, commands::GET_STATUS, get_status);
    on(socket, hub, scope, commands::PING, ping);
    on(socket, hub, scope, commands::PUBLISH, publish);
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

/// Parses a command argument; a missing argument counts as `{}`. The error names the field.
fn parse<T: DeserializeOwned>(args: Value) -> Result<T, ErrorBody> {
    let args = if args.is_null() {
        Value::Object(Default::default())
    } else {
        args
    };
    serde_path_to_error::deserialize(args).map_err(|err| {
        let path = err.path().to_string();
        let message = if path == "." {
            err.inner().to_string()
        } else {
            format!("{path}: {}", err.inner())
        };
        ErrorBody::new(ErrorCode::BadRequest, message)
    })
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
    change: fn(&Sock, &[agentcast_shared::Pattern]),
) -> Ack<Subscription> {
    let result = parse::<SubscribeArgs>(args).and_then(|args| {
        subscriptions::parse_patterns(&args.patterns)
            .map_err(|message| ErrorBody::new(ErrorCode::BadRequest, message))
    });
    match result {
        Ok(patterns) => {
            change(&cx.socket, &patterns);
            Ack::Ok(Subscription {
                types: subscriptions::subscribed_types(&cx.socket),
            })
        }
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
            sessions: cx.hub.summaries(),
        }),
        Scope::Session(id) => {
            let clients = cx
                .hub
                .io()
                .of(cx.socket.ns())
                .map_or(0, |ops| ops.sockets().len());
            let report = match cx.hub.find(id) {
                Some(session) => session.status_report(clients as u64),
                None => SessionStatusReport {
                    session_id: id.clone(),
                    status: None,
                    head_offset: 0,
                    clients: clients as u64,
                },
            };
            StatusReport::Session(report)
        }
    })
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
    let args = match parse::<PublishArgs>(args) {
        Ok(args) => args,
        Err(err) => return Ack::Error(err),
    };
    match cx.hub.publish(session_id, args.events).await {
        Ok(head_offset) => Ack::Ok(PublishResult { head_offset }),
        Err(err) => Ack::Error(hub_error(err)),
    }
}

fn hub_error(err: HubError) -> ErrorBody {
    let code = match err {
        HubError::ShuttingDown => ErrorCode::Unavailable,
        _ => ErrorCode::BadRequest,
    };
    ErrorBody::new(code, err.to_string())
}
