//! The sessions list at start and after a reconnect: `GET /api/sessions`, page after page,
//! newest first, as the dashboard loads it (the hub's `get_status` has no agent kind nor
//! tokens).

use agentcast_shared::rest::{ErrorResponse, SessionList, SessionRecord};

/// The server's largest page.
const PAGE: usize = 1000;

/// Why the list could not be loaded.
#[derive(Debug, thiserror::Error)]
pub(crate) enum LoadError {
    /// 401 or 403: the server's words.
    #[error("{0}")]
    Refused(String),
    #[error("cannot reach {server}: {reason}")]
    Unreachable { server: String, reason: String },
    #[error("GET /api/sessions answered {status}: {body}")]
    Status { status: u16, body: String },
    #[error("GET /api/sessions: {0}")]
    Body(String),
    #[error("cannot make an HTTP client: {0}")]
    Client(String),
    /// This build reads REST over plain HTTP only (reqwest without TLS, as `agentcast pipe`).
    #[error(
        "{0}: agentcast top reads the sessions list over http:// only for now (https:// \
         is not supported by this build's HTTP client)"
    )]
    Https(String),
}

/// The newest `max` sessions `server` shows to `token`.
pub(crate) async fn sessions(
    http: &reqwest::Client,
    server: &str,
    token: Option<&str>,
    max: usize,
) -> Result<Vec<SessionRecord>, LoadError> {
    if server.starts_with("https://") {
        return Err(LoadError::Https(server.to_owned()));
    }
    let base = server.trim_end_matches('/');
    let mut loaded = Vec::new();
    let mut cursor: Option<String> = None;
    while loaded.len() < max {
        let limit = PAGE.min(max - loaded.len());
        let mut request = http.get(format!("{base}/api/sessions?{}", query(limit, &cursor)));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let unreachable = |err: reqwest::Error| LoadError::Unreachable {
            server: server.to_owned(),
            reason: err.to_string(),
        };
        let answer = request.send().await.map_err(unreachable)?;
        let status = answer.status().as_u16();
        let body = answer.text().await.map_err(unreachable)?;
        if status == 401 || status == 403 {
            return Err(LoadError::Refused(server_message(&body)));
        }
        if status != 200 {
            return Err(LoadError::Status { status, body });
        }
        let page: SessionList =
            serde_json::from_str(&body).map_err(|err| LoadError::Body(err.to_string()))?;
        loaded.extend(page.sessions.into_iter().map(|view| view.record));
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    Ok(loaded)
}

/// `limit=N&cursor=C`, encoded.
fn query(limit: usize, cursor: &Option<String>) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    query.append_pair("limit", &limit.to_string());
    if let Some(cursor) = cursor {
        query.append_pair("cursor", cursor);
    }
    query.finish()
}

/// The `error.message` of an error body, or the body itself.
fn server_message(body: &str) -> String {
    serde_json::from_str::<ErrorResponse>(body)
        .map(|answer| answer.error.message)
        .unwrap_or_else(|_| body.trim().to_owned())
}
