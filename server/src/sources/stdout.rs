//! The agent's stdout -> the ingest pipeline -> the sink, in order. Each `result` (a
//! `session.ended` from the mapper) ends a turn, not the session: it is kept aside for the
//! runner's one `session.ended`. For a controlled session the agent's control lines leave
//! the stream here, each handed to the session's driver at its place among the events
//! (the events before it are published first, so a `tool.started` precedes the
//! `permission.requested` about it).
//!
//! Backpressure: stdout is read only after the previous chunk's events are sequenced, so a
//! slow hub stops the reads and the child then blocks on its full pipe. Nothing is dropped.

use agentcast_shared::{Event, SessionEnded};
use tokio::io::{AsyncRead, AsyncReadExt};

use crate::control::{AgentControl, ControlSession, parse_control};
use crate::ingest::IngestPipeline;
use crate::sink::{Sink, SinkError};

/// stdout read size: one read becomes one pipeline push.
const READ_CHUNK: usize = 64 * 1024;

/// What to do next with a chunk's output, in stream order.
#[derive(Debug)]
enum Step {
    Publish(Vec<Event>),
    Control(AgentControl),
    TurnEnded(SessionEnded),
}

/// Pumps `stdout` to its end; returns the last turn's `session.ended` (the agent's report).
pub(crate) async fn pump_stdout(
    mut stdout: impl AsyncRead + Unpin,
    mut pipeline: IngestPipeline,
    sink: Sink,
    control: Option<ControlSession>,
) -> Result<Option<SessionEnded>, SinkError> {
    let mut buffer = vec![0u8; READ_CHUNK];
    let mut events = Vec::new();
    let mut reported_end = None;
    loop {
        let read = match stdout.read(&mut buffer).await {
            Ok(n) => n,
            Err(err) => {
                tracing::warn!(%err, "reading the agent's stdout failed");
                0
            }
        };
        let mut diverted = Vec::new();
        if read == 0 {
            pipeline.finish(&mut events);
        } else if control.is_some() {
            pipeline.push_bytes_diverting(&buffer[..read], &mut events, |line, at| {
                parse_control(line).is_some_and(|found| {
                    diverted.push((at, found));
                    true
                })
            });
        } else {
            pipeline.push_bytes(&buffer[..read], &mut events);
        }
        for step in steps(std::mem::take(&mut events), diverted) {
            match step {
                Step::Publish(batch) => {
                    sink.publish(batch).await?;
                }
                Step::Control(found) => {
                    if let Some(control) = &control {
                        control.agent(found).await;
                    }
                }
                Step::TurnEnded(ended) => {
                    reported_end = Some(ended);
                    if let Some(control) = &control {
                        control.turn_ended().await;
                    }
                }
            }
        }
        if read == 0 {
            return Ok(reported_end);
        }
    }
}

/// The events of a chunk cut at its control lines (`diverted`: each with the number of
/// events before it) and at its turn ends.
fn steps(events: Vec<Event>, diverted: Vec<(usize, AgentControl)>) -> Vec<Step> {
    let mut steps = Vec::new();
    let mut batch = Vec::new();
    let mut diverted = diverted.into_iter().peekable();
    let flush = |batch: &mut Vec<Event>, steps: &mut Vec<Step>| {
        if !batch.is_empty() {
            steps.push(Step::Publish(std::mem::take(batch)));
        }
    };
    for (index, event) in events.into_iter().enumerate() {
        while let Some((_, found)) = diverted.next_if(|(at, _)| *at <= index) {
            flush(&mut batch, &mut steps);
            steps.push(Step::Control(found));
        }
        match event {
            Event::SessionEnded(ended) => {
                flush(&mut batch, &mut steps);
                steps.push(Step::TurnEnded(ended));
            }
            other => batch.push(other),
        }
    }
    flush(&mut batch, &mut steps);
    steps.extend(diverted.map(|(_, found)| Step::Control(found)));
    steps
}

#[cfg(test)]
mod tests {
    use agentcast_shared::{OutputText, SessionState};

    use super::*;

    fn text(t: &str) -> Event {
        OutputText {
            message_id: None,
            text: t.into(),
            delta: false,
            parent_tool_use_id: None,
        }
        .into()
    }

    fn ended() -> Event {
        SessionEnded {
            status: SessionState::Completed,
            exit_code: None,
            signal: None,
            duration_ms: None,
            num_turns: Some(1),
            total_cost_usd: None,
            message: None,
        }
        .into()
    }

    fn cancel(id: &str) -> AgentControl {
        AgentControl::Cancel {
            request_id: id.into(),
        }
    }

    /// The steps as short words: `p2` a publish of two events, `c:ID` a control line, `end`.
    fn shape(steps: &[Step]) -> Vec<String> {
        steps
            .iter()
            .map(|step| match step {
                Step::Publish(batch) => format!("p{}", batch.len()),
                Step::Control(AgentControl::Cancel { request_id }) => format!("c:{request_id}"),
                Step::Control(other) => format!("{other:?}"),
                Step::TurnEnded(_) => "end".into(),
            })
            .collect()
    }

    #[test]
    fn control_lines_keep_their_place_among_the_events() {
        let events = vec![text("a"), text("b"), ended(), text("c")];
        let diverted = vec![
            (0, cancel("first")),
            (2, cancel("mid")),
            (4, cancel("last")),
        ];
        assert_eq!(
            shape(&steps(events, diverted)),
            ["c:first", "p2", "c:mid", "end", "p1", "c:last"]
        );
    }

    #[test]
    fn a_chunk_without_control_lines_is_one_publish_per_turn() {
        assert_eq!(shape(&steps(vec![text("a"), text("b")], vec![])), ["p2"]);
        assert_eq!(
            shape(&steps(vec![text("a"), ended(), ended()], vec![])),
            ["p1", "end", "end"]
        );
        assert!(steps(vec![], vec![]).is_empty());
    }
}
