//! History reads: one page of a session's stored events, for the `get_history` command and
//! `GET /api/sessions/{id}/events`, which share these semantics:
//!
//! - `types`: patterns (`tool.*`, `output.text`, `*`); every type when absent;
//! - `after` / `before`: only offsets in `(after, before)`;
//! - `limit`: at most this many events, [`MAX_HISTORY_LIMIT`] when absent, capped at it;
//! - the page comes from the `after` end (the oldest events after `after`), except when only
//!   `before` is given: then it is the newest events before `before`, which is how a client
//!   pages back into older history ("load older", or filling the gap of a
//!   `session.recovered {recovered: false}`). Either way the events are in offset order and
//!   `has_more` says whether more match beyond the page in that direction.
//!
//! Only committed events are stored, so a page never shows an event a crash could lose.

use agentcast_shared::{ErrorBody, ErrorCode, GetHistoryArgs, MAX_HISTORY_LIMIT, Pattern, expand};
use serde::Serialize;
use serde_json::value::RawValue;

use super::{Hub, envelope};
use crate::store::{Direction, EventQuery, StoreError};

/// A `HistoryPage` with its envelopes as stored, serialized once (no `Value` in between).
#[derive(Debug, Serialize)]
pub struct HistoryPageJson {
    pub events: Vec<Box<RawValue>>,
    pub head_offset: u64,
    pub has_more: bool,
}

/// Why a history read failed; the message names the argument.
#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    #[error("{0}")]
    BadRequest(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl HistoryError {
    /// The wire error. A store failure is logged in full and answered generically.
    pub fn into_body(self) -> ErrorBody {
        match self {
            HistoryError::BadRequest(message) => ErrorBody::new(ErrorCode::BadRequest, message),
            HistoryError::Store(err) => {
                tracing::error!(%err, "reading history failed");
                ErrorBody::new(ErrorCode::Internal, "internal error; see the server log")
            }
        }
    }
}

/// The event types `types` selects (`None`: every type).
fn types_of(patterns: Option<&[String]>) -> Result<Option<Vec<&'static str>>, HistoryError> {
    let Some(patterns) = patterns else {
        return Ok(None);
    };
    let mut parsed = Vec::with_capacity(patterns.len());
    for (index, text) in patterns.iter().enumerate() {
        let pattern = Pattern::parse(text)
            .map_err(|err| HistoryError::BadRequest(format!("types[{index}]: {err}")))?;
        parsed.push(pattern);
    }
    Ok(Some(expand(&parsed)))
}

/// The store query `args` describe, with the types it selects.
fn check(
    args: &GetHistoryArgs,
) -> Result<(Option<Vec<&'static str>>, u32, Direction), HistoryError> {
    let types = types_of(args.types.as_deref())?;
    let limit = match args.limit {
        Some(0) => {
            return Err(HistoryError::BadRequest(
                "limit: must be at least 1".to_owned(),
            ));
        }
        Some(limit) => limit.min(MAX_HISTORY_LIMIT),
        None => MAX_HISTORY_LIMIT,
    };
    if let (Some(after), Some(before)) = (args.after, args.before)
        && before <= after
    {
        return Err(HistoryError::BadRequest(format!(
            "before: {before} is not greater than after ({after})"
        )));
    }
    let direction = if args.before.is_some() && args.after.is_none() {
        Direction::Backward
    } else {
        Direction::Forward
    };
    Ok((types, limit, direction))
}

/// Validates `args` without reading (an HTTP handler answers 400 before anything else).
pub fn validate(args: &GetHistoryArgs) -> Result<(), HistoryError> {
    check(args).map(drop)
}

/// One page of `session_id`'s history.
pub async fn read(
    hub: &Hub,
    session_id: &str,
    args: &GetHistoryArgs,
) -> Result<HistoryPageJson, HistoryError> {
    let (types, limit, direction) = check(args)?;
    let query = EventQuery {
        after: args.after.unwrap_or(0),
        before: args.before,
        types: types.as_deref(),
        limit,
        direction,
    };
    let store = hub.store().events();
    // The head first: every event on the page is at or below it, so the page never claims
    // events beyond the head it reports.
    let head_offset = match hub.find(session_id) {
        Some(session) => session.head_offset(),
        None => store.head_offset(session_id).await?,
    };
    let page = store.read_events(session_id, &query).await?;
    let events = page
        .events
        .iter()
        .map(envelope::of_stored)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(HistoryPageJson {
        events,
        head_offset,
        has_more: page.has_more,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(after: Option<u64>, before: Option<u64>, limit: Option<u32>) -> GetHistoryArgs {
        GetHistoryArgs {
            types: None,
            after,
            before,
            limit,
        }
    }

    #[test]
    fn only_before_pages_backward() {
        let direction = |a| check(&a).unwrap().2;
        assert_eq!(direction(args(None, Some(10), None)), Direction::Backward);
        assert_eq!(direction(args(Some(1), Some(10), None)), Direction::Forward);
        assert_eq!(direction(args(None, None, None)), Direction::Forward);
    }

    #[test]
    fn limit_defaults_to_and_is_capped_at_the_maximum() {
        let limit = |l| check(&args(None, None, l)).unwrap().1;
        assert_eq!(limit(None), MAX_HISTORY_LIMIT);
        assert_eq!(limit(Some(5000)), MAX_HISTORY_LIMIT);
        assert_eq!(limit(Some(7)), 7);
        let err = check(&args(None, None, Some(0))).unwrap_err().to_string();
        assert!(err.starts_with("limit:"), "{err}");
    }

    #[test]
    fn an_empty_range_is_refused() {
        let err = check(&args(Some(10), Some(10), None))
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("before:"), "{err}");
    }

    #[test]
    fn types_are_patterns_and_errors_name_the_index() {
        let with = |types: &[&str]| GetHistoryArgs {
            types: Some(types.iter().map(|t| t.to_string()).collect()),
            ..GetHistoryArgs::default()
        };
        let (types, _, _) = check(&with(&["tool.*"])).unwrap();
        assert_eq!(types.unwrap(), ["tool.started", "tool.completed"]);
        let err = check(&with(&["*", "tool.bogus"])).unwrap_err().to_string();
        assert!(err.starts_with("types[1]: unknown event type"), "{err}");
    }
}
