//! What every JSONL mapper does with a line it cannot read as one of its entries: keep it as
//! `agent.raw` when it is JSON, or report [`NotJson`] when it is not. Shared so that a new
//! agent kind's mapper treats odd lines exactly as the others do.

use agentcast_shared::{AgentRaw, Event};

use super::{Mapped, NotJson};

/// The line as the entry `T` a mapper reads; otherwise (not an object, a shape `T` cannot
/// read, not JSON) what [`raw_if_json`] makes of it, which the mapper returns as is.
pub(crate) fn entry_or_raw<'a, T: serde::Deserialize<'a>>(
    line: &'a str,
    out: &mut Vec<Event>,
) -> Result<T, Result<Mapped, NotJson>> {
    // The first byte that is not whitespace tells an object from the rest without parsing.
    if line.bytes().find(|b| !b.is_ascii_whitespace()) != Some(b'{') {
        return Err(raw_if_json(line, out));
    }
    // A field of another type or nesting deeper than the parser's limit: which one it is,
    // the syntax check in `raw_if_json` tells.
    serde_json::from_str(line).map_err(|_| raw_if_json(line, out))
}

/// `agent.raw` for a line that is JSON but not an entry the mapper reads; [`NotJson`] (and
/// nothing appended) when it is not JSON.
pub(crate) fn raw_if_json(line: &str, out: &mut Vec<Event>) -> Result<Mapped, NotJson> {
    // `IgnoredAny` checks the syntax without building anything, and without recursion:
    // deep nesting cannot overflow the stack.
    match serde_json::from_str::<serde::de::IgnoredAny>(line) {
        Ok(_) => {
            out.push(raw(line));
            Ok(Mapped::Raw)
        }
        Err(err) => Err(NotJson(err.to_string())),
    }
}

/// The line itself, kept as `agent.raw`.
pub(crate) fn raw(line: &str) -> Event {
    AgentRaw {
        line: line.to_owned(),
    }
    .into()
}
