//! The commands that answer the agent, on a session namespace (scope `control`): `prompt`,
//! `interrupt`, `permission.respond` and `end`, through
//! [`Controls`](crate::control::Controls), audited with the token's subject.

use agentcast_shared::{
    Ack, EndArgs, EndResult, ErrorBody, InterruptArgs, InterruptResult, PermissionRespondArgs,
    PermissionResponded, PromptArgs, PromptResult, Scope as TokenScope,
};
use serde_json::Value;

use super::auth;
use super::commands::{Context, Scope};
use crate::audit::Actor;
use crate::control::{self, ControlError};
use crate::parse::from_value as parse;

pub(super) async fn prompt(cx: Context, args: Value) -> Ack<PromptResult> {
    let (session_id, caller) = match check(&cx, "prompt") {
        Ok(checked) => checked,
        Err(err) => return Ack::Error(err),
    };
    let args = match parse::<PromptArgs>(args) {
        Ok(args) => args,
        Err(err) => return Ack::Error(err),
    };
    answer(
        cx.shared
            .controls
            .prompt(&session_id, &caller, args.text)
            .await,
    )
}

pub(super) async fn interrupt(cx: Context, args: Value) -> Ack<InterruptResult> {
    let (session_id, caller) = match check(&cx, "interrupt") {
        Ok(checked) => checked,
        Err(err) => return Ack::Error(err),
    };
    if let Err(err) = parse::<InterruptArgs>(args) {
        return Ack::Error(err);
    }
    answer(cx.shared.controls.interrupt(&session_id, &caller).await)
}

pub(super) async fn respond(cx: Context, args: Value) -> Ack<PermissionResponded> {
    let (session_id, caller) = match check(&cx, "permission.respond") {
        Ok(checked) => checked,
        Err(err) => return Ack::Error(err),
    };
    let args = match parse::<PermissionRespondArgs>(args) {
        Ok(args) => args,
        Err(err) => return Ack::Error(err),
    };
    let controls = &cx.shared.controls;
    answer(
        controls
            .respond(&session_id, &caller, args.request_id, args.answer)
            .await,
    )
}

pub(super) async fn end(cx: Context, args: Value) -> Ack<EndResult> {
    let (session_id, caller) = match check(&cx, "end") {
        Ok(checked) => checked,
        Err(err) => return Ack::Error(err),
    };
    if let Err(err) = parse::<EndArgs>(args) {
        return Ack::Error(err);
    }
    answer(cx.shared.controls.end(&session_id, &caller).await)
}

/// The session of a control command and who sends it; refused on `/` and without the
/// control scope.
fn check(cx: &Context, command: &str) -> Result<(String, control::Caller), ErrorBody> {
    let Scope::Session(session_id) = &cx.scope else {
        return Err(ErrorBody::new(
            agentcast_shared::ErrorCode::BadRequest,
            format!("{command} is a session command: connect to /sessions/{{id}}"),
        ));
    };
    auth::require(&cx.socket, TokenScope::Control)?;
    let sub = auth::claims(&cx.socket).map_or_else(String::new, |claims| claims.sub);
    let caller = control::Caller {
        actor: Actor {
            sub,
            ip: auth::client_ip(&cx.socket),
        },
        via: "socket",
    };
    Ok((session_id.clone(), caller))
}

fn answer<T>(result: Result<T, ControlError>) -> Ack<T> {
    match result {
        Ok(value) => Ack::Ok(value),
        Err(err) => Ack::error(err.code(), err.to_string()),
    }
}
