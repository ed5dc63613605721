//! Reading what a session streams, as the tests of the agents check it: every event of a
//! `/sessions/{id}` namespace until a condition, checked gapless by offset.

use serde_json::Value;

use crate::raw::Client;

/// One received event: its name (the event type) and its envelope.
pub type Received = (String, Value);

/// Events of `client`'s session until (and including) the first for which `done` holds.
/// Panics when the stream closes first, when an offset is skipped, or when nothing comes
/// within the client's receive timeout.
pub async fn events_until(
    client: &mut Client,
    mut done: impl FnMut(&str, &Value) -> bool,
) -> Vec<Received> {
    let mut events: Vec<Received> = Vec::new();
    // The offset of the last event of the stream; ephemeral envelopes (offset 0, such as
    // `session.recovered`, which comes wherever the replay meets the live stream) are not
    // part of it.
    let mut last_offset = None;
    loop {
        let Some((name, envelope)) = client.next_event().await else {
            panic!("the stream closed after {:?}", names(&events));
        };
        if let Some(offset) = envelope["offset"].as_u64().filter(|&o| o > 0) {
            if let Some(before) = last_offset {
                assert_eq!(
                    offset,
                    before + 1,
                    "gapless offsets after {:?}",
                    names(&events)
                );
            }
            last_offset = Some(offset);
        }
        let stop = done(&name, &envelope);
        events.push((name, envelope));
        if stop {
            return events;
        }
    }
}

/// Events until `session.ended`.
pub async fn events_until_ended(client: &mut Client) -> Vec<Received> {
    events_until(client, |name, _| name == "session.ended").await
}

/// The event types, in order.
pub fn names(events: &[Received]) -> Vec<&str> {
    events.iter().map(|(n, _)| n.as_str()).collect()
}

/// The `data` of every event of type `kind`.
pub fn data_of<'a>(events: &'a [Received], kind: &str) -> Vec<&'a Value> {
    events
        .iter()
        .filter(|(n, _)| n == kind)
        .map(|(_, e)| &e["data"])
        .collect()
}

/// Every `todo.updated` list, in order, as `(id, content, status)` of each item.
pub fn todo_lists(events: &[Received]) -> Vec<Vec<(String, String, String)>> {
    let field = |item: &Value, key: &str| item[key].as_str().unwrap_or_default().to_owned();
    data_of(events, "todo.updated")
        .iter()
        .map(|list| {
            list["todos"]
                .as_array()
                .map(|items| {
                    items
                        .iter()
                        .map(|t| (field(t, "id"), field(t, "content"), field(t, "status")))
                        .collect()
                })
                .unwrap_or_default()
        })
        .collect()
}

/// The text of every `output.text` (streamed pieces joined), for "does it say X" checks.
pub fn all_text(events: &[Received]) -> String {
    data_of(events, "output.text")
        .iter()
        .filter_map(|d| d["text"].as_str())
        .collect::<Vec<_>>()
        .join("")
}
