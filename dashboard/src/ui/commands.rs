//! The control commands (`prompt`, `interrupt`, `end`, `permission.respond`) sent on the open
//! session's socket, with the answer or the refusal in words for the view.

use agentcast_client::Error;
use leptos::prelude::*;
use serde_json::Value;

use super::Ctx;
use crate::model::control::refusal;

/// Sends `name` with `args` on session `id`'s socket and waits for the ack's result. `Err` is
/// what the view says: the server's refusal (`already_resolved`, `forbidden`, ...) or why the
/// command could not go (not connected, no answer in time). The result stays JSON: most
/// callers only need to know it succeeded, and one instance of the command path keeps the
/// wasm small.
pub(crate) async fn send(ctx: Ctx, id: &str, name: &str, args: Value) -> Result<Value, String> {
    let socket = ctx
        .live
        .with_value(|live| live.as_ref().and_then(|live| live.connected_session(id)))
        .ok_or_else(|| "Not connected: try again once the connection is back.".to_owned())?;
    socket
        .command::<Value>(name, &args)
        .await
        .map_err(|err| match err {
            Error::Command(body) => refusal(&body),
            other => other.to_string(),
        })
}

/// A command's arguments as JSON. They are plain structs of strings and JSON values, which
/// always serialize; were one not to, the server refuses the `null` as a bad request and the
/// view says so.
pub(crate) fn args(value: &impl serde::Serialize) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

/// [`send`] with arguments and an outcome the view only reports: a refusal becomes the
/// session's notice.
pub(crate) fn fire(ctx: Ctx, session: super::session::SessionCtx, name: &'static str, args: Value) {
    leptos::task::spawn_local(async move {
        let id = session.id.get_value();
        if let Err(refused) = send(ctx, &id, name, args).await {
            let _ = session.notice.try_set(Some(refused));
        }
    });
}
