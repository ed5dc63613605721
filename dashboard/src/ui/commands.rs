//! The control commands (`prompt`, `interrupt`, `end`, `permission.respond`) sent on the open
//! session's socket, with the answer or the refusal in words for the view.

use agentcast_client::Error;
use leptos::prelude::*;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::Ctx;
use crate::model::control::refusal;

/// Sends `name` with `args` on session `id`'s socket and waits for the ack. `Err` is what the
/// view says: the server's refusal (`already_resolved`, `forbidden`, ...) or why the command
/// could not go (not connected, no answer in time).
pub(crate) async fn send<R: DeserializeOwned>(
    ctx: Ctx,
    id: &str,
    name: &str,
    args: &impl Serialize,
) -> Result<R, String> {
    let socket = ctx
        .live
        .with_value(|live| live.as_ref().and_then(|live| live.connected_session(id)))
        .ok_or_else(|| "Not connected: try again once the connection is back.".to_owned())?;
    socket.command(name, args).await.map_err(|err| match err {
        Error::Command(body) => refusal(&body),
        other => other.to_string(),
    })
}
