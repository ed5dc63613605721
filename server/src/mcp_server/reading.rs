//! Reading a session's history for the tools: pages of the store (through the hub, as the
//! `get_history` command reads them) parsed into envelopes.

use agentcast_shared::{Envelope, ErrorCode, GetHistoryArgs, MAX_HISTORY_LIMIT};

use super::reply::ToolError;
use crate::hub::{Hub, history};

/// One page of `args`, parsed; with the head offset and whether more events match.
pub(crate) async fn page(
    hub: &Hub,
    session_id: &str,
    args: &GetHistoryArgs,
) -> Result<(Vec<Envelope>, u64, bool), ToolError> {
    let page = history::read(hub, session_id, args).await?;
    let events = page
        .events
        .iter()
        .map(|raw| serde_json::from_str::<Envelope>(raw.get()))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|err| {
            // The hub wrote these bytes; one that does not parse is ours to fix.
            tracing::error!(%err, session.id = session_id, "a stored envelope does not parse");
            ToolError::new(ErrorCode::Internal, "internal error; see the server log")
        })?;
    Ok((events, page.head_offset, page.has_more))
}

/// The latest `max` events of `session_id` (of `types`), in offset order, below
/// `head_offset + 1`; and whether older ones were left out.
pub(crate) async fn latest(
    hub: &Hub,
    session_id: &str,
    types: Option<Vec<String>>,
    head_offset: u64,
    max: u32,
) -> Result<(Vec<Envelope>, bool), ToolError> {
    let mut pages: Vec<Vec<Envelope>> = Vec::new();
    let mut before = head_offset.saturating_add(1);
    let mut left = max;
    let mut older = false;
    while left > 0 && before > 1 {
        let args = GetHistoryArgs {
            types: types.clone(),
            after: None,
            before: Some(before),
            limit: Some(left.min(MAX_HISTORY_LIMIT)),
        };
        let (events, _, has_more) = page(hub, session_id, &args).await?;
        let Some(first) = events.first() else {
            break;
        };
        before = first.offset;
        left = left.saturating_sub(events.len() as u32);
        older = has_more;
        pages.push(events);
        if !has_more {
            break;
        }
    }
    let events = pages.into_iter().rev().flatten().collect();
    Ok((events, older))
}
