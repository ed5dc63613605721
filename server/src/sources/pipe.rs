//! `agentcast pipe`: JSONL on stdin, mapped on this side and published to a running server
//! as it streams, with `--project` named in the session's `session.started`.

use agentcast_shared::{Event, SessionSource};
use tokio::io::AsyncReadExt;

use crate::ingest::{IngestLimits, IngestPipeline, SessionContext};
use crate::sink::{RemoteSession, Sink, SinkError};

/// `agentcast pipe`: JSONL on stdin, mapped here, published to `server` as it streams.
/// Returns the head offset after the last line.
pub async fn pipe_stdin(
    server: &str,
    session_id: &str,
    token: Option<String>,
    project: Option<String>,
    limits: IngestLimits,
) -> Result<u64, SinkError> {
    let sink = Sink::Remote(RemoteSession::new(server, session_id, token));
    let context = SessionContext::new(session_id, SessionSource::Pipe);
    let mut pipeline = IngestPipeline::new(context, limits);
    let mut stdin = tokio::io::stdin();
    let mut buffer = vec![0u8; 64 * 1024];
    let mut events = Vec::new();
    let mut head = 0;
    loop {
        let read = stdin.read(&mut buffer).await.unwrap_or_else(|err| {
            eprintln!("agentcast: reading stdin failed: {err}");
            0
        });
        if read == 0 {
            pipeline.finish(&mut events);
        } else {
            pipeline.push_bytes(&buffer[..read], &mut events);
        }
        if let Some(project) = &project {
            name_project(&mut events, project);
        }
        if !events.is_empty() {
            head = sink.publish(std::mem::take(&mut events)).await?;
        }
        if read == 0 {
            return Ok(head);
        }
    }
}

/// The session's `session.started` names `project` (the server resolves it).
fn name_project(events: &mut [Event], project: &str) {
    for event in events {
        if let Event::SessionStarted(started) = event {
            started.project_id.get_or_insert_with(|| project.to_owned());
        }
    }
}
