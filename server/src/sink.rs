//! Where a source's events go: into a session of this process's hub, or over HTTP into a
//! session of a running server. Both wait for the events to be sequenced before returning,
//! which is what makes a fast producer slow down when broadcasting falls behind.

use agentcast_shared::{Ack, Event, PublishArgs, PublishResult};

use crate::hub::{HubError, SessionHandle};

#[derive(Clone)]
pub enum Sink {
    Local(SessionHandle),
    Remote(RemoteSession),
}

#[derive(Debug, thiserror::Error)]
pub enum SinkError {
    #[error(transparent)]
    Hub(#[from] HubError),
    #[error("cannot reach the server at {url}: {source}")]
    Http { url: String, source: reqwest::Error },
    #[error("the server refused the events: {0}")]
    Refused(String),
}

impl Sink {
    /// Publishes `events` (nothing happens for none); returns the session's head offset.
    pub async fn publish(&self, events: Vec<Event>) -> Result<u64, SinkError> {
        match self {
            Sink::Local(session) => Ok(session.publish(events).await?),
            Sink::Remote(remote) => remote.publish(events).await,
        }
    }
}

/// A session of a running agentcast server, published to with `POST /api/sessions/{id}/publish`.
#[derive(Clone)]
pub struct RemoteSession {
    client: reqwest::Client,
    publish_url: String,
    token: Option<String>,
}

impl RemoteSession {
    /// `server` is the base URL, e.g. `http://127.0.0.1:8080`; `token` a JWT with write scope
    /// (none for a server with `--auth none`).
    pub fn new(server: &str, session_id: &str, token: Option<String>) -> Self {
        let base = server.trim_end_matches('/');
        Self {
            client: reqwest::Client::new(),
            publish_url: format!("{base}/api/sessions/{session_id}/publish"),
            token,
        }
    }

    async fn publish(&self, events: Vec<Event>) -> Result<u64, SinkError> {
        let url = &self.publish_url;
        let http = |source| SinkError::Http {
            url: url.clone(),
            source,
        };
        let mut request = self.client.post(url).json(&PublishArgs { events });
        if let Some(token) = &self.token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.map_err(http)?;
        let status = response.status();
        if status.is_success() {
            let result: PublishResult = response.json().await.map_err(http)?;
            return Ok(result.head_offset);
        }
        // Error bodies are `{"error": {"code", "message"}}`, the error side of an Ack.
        let message = match response.json::<Ack<PublishResult>>().await {
            Ok(Ack::Error(err)) => err.message,
            _ => "no error body".to_string(),
        };
        Err(SinkError::Refused(format!("{status}: {message}")))
    }
}
