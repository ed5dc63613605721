//! The REST calls the dashboard makes (same origin, `Authorization: Bearer`): what the token
//! grants (`whoami`), the sessions list, project names, one session, starting one, pages of
//! its history, the analytics reports, and the JSONL export (fetched with the token,
//! then saved through a Blob, since a plain link could not carry the header). The bodies are
//! `shared`'s REST types (`agentcast_shared::rest`), as the server sends them.

use agentcast_shared::HistoryPage;
use agentcast_shared::rest::{
    CreateSession, CreatedSession, ErrorResponse, GroupBy, ProjectList, SessionDetail, SessionList,
    SessionRecord, SessionView, WhoAmI,
};
use gloo_net::http::{Request, Response};
use serde::de::DeserializeOwned;
use wasm_bindgen::JsCast;

use crate::model::session_groups::ProjectNames;

/// Why a call failed, in words; `refused` when the token was the reason (401/403).
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    pub message: String,
    pub refused: bool,
}

impl ApiError {
    fn network(err: impl std::fmt::Display) -> Self {
        ApiError {
            message: format!("network error: {err}"),
            refused: false,
        }
    }
}

async fn get(path: &str, token: Option<&str>) -> Result<Response, ApiError> {
    let mut request = Request::get(path);
    if let Some(token) = token {
        request = request.header("Authorization", &format!("Bearer {token}"));
    }
    checked(path, request.send().await.map_err(ApiError::network)?).await
}

/// The response when it succeeded, else the server's reason as an [`ApiError`].
async fn checked(path: &str, response: Response) -> Result<Response, ApiError> {
    if response.ok() {
        return Ok(response);
    }
    let status = response.status();
    let body = response.json::<ErrorResponse>().await.ok().map(|e| e.error);
    let refused = status == 401 || status == 403;
    let message = match body {
        Some(body) if refused => {
            crate::model::token::refusal_text(Some(body.code.as_str()), &body.message)
        }
        Some(body) => body.message,
        None => format!("HTTP {status} for {path}"),
    };
    Err(ApiError { message, refused })
}

async fn get_json<T: DeserializeOwned>(path: &str, token: Option<&str>) -> Result<T, ApiError> {
    get(path, token)
        .await?
        .json::<T>()
        .await
        .map_err(|err| ApiError::network(format!("unexpected answer from {path}: {err}")))
}

async fn post_json<T: DeserializeOwned>(
    path: &str,
    body: &impl serde::Serialize,
    token: Option<&str>,
) -> Result<T, ApiError> {
    let mut request = Request::post(path);
    if let Some(token) = token {
        request = request.header("Authorization", &format!("Bearer {token}"));
    }
    let request = request.json(body).map_err(ApiError::network)?;
    checked(path, request.send().await.map_err(ApiError::network)?)
        .await?
        .json::<T>()
        .await
        .map_err(|err| ApiError::network(format!("unexpected answer from {path}: {err}")))
}

/// What the token grants: its scopes (may it answer the agent?) and the programs it may start.
pub async fn whoami(token: Option<&str>) -> Result<WhoAmI, ApiError> {
    get_json("/api/auth/whoami", token).await
}

/// Starts a session (admin): the server runs the program and answers with the session's id.
pub async fn create_session(
    body: &CreateSession,
    token: Option<&str>,
) -> Result<CreatedSession, ApiError> {
    post_json("/api/sessions", body, token).await
}

/// A page of the sessions the token may see, newest first: at most `limit`, after the
/// `cursor` of the previous page; with the cursor of the next one, if any.
pub async fn sessions_page(
    token: Option<&str>,
    limit: u32,
    cursor: Option<&str>,
) -> Result<(Vec<SessionRecord>, Option<String>), ApiError> {
    let mut path = format!("/api/sessions?limit={limit}");
    if let Some(cursor) = cursor {
        path += &format!("&cursor={}", encode(cursor));
    }
    get_json::<SessionList>(&path, token).await.map(|list| {
        let records = list.sessions.into_iter().map(|view| view.record).collect();
        (records, list.next_cursor)
    })
}

/// Every project's name, by id.
pub async fn project_names(token: Option<&str>) -> Result<ProjectNames, ApiError> {
    get_json::<ProjectList>("/api/projects", token)
        .await
        .map(|list| list.projects.into_iter().map(|p| (p.id, p.name)).collect())
}

/// An analytics report (`usage`, `costs` or `sessions`) grouped by `group_by`, for the
/// sessions started from the day `from` on (all of them without).
pub async fn analytics<T: DeserializeOwned>(
    report: &str,
    group_by: GroupBy,
    from: Option<&str>,
    token: Option<&str>,
) -> Result<T, ApiError> {
    let group_by = match group_by {
        GroupBy::Day => "day",
        GroupBy::Model => "model",
        GroupBy::Project => "project",
    };
    let mut path = format!("/api/analytics/{report}?group_by={group_by}");
    if let Some(from) = from {
        path += &format!("&from={}", encode(from));
    }
    get_json(&path, token).await
}

/// One session: its record and whether it takes control commands.
pub async fn session(id: &str, token: Option<&str>) -> Result<SessionView, ApiError> {
    get_json::<SessionDetail>(&format!("/api/sessions/{}", encode(id)), token)
        .await
        .map(|detail| detail.session)
}

/// A page of history: the newest `limit` events before `before` (paging back), or the oldest
/// after `after` up to `before` (filling a gap).
pub async fn history(
    id: &str,
    after: Option<u64>,
    before: Option<u64>,
    limit: u32,
    token: Option<&str>,
) -> Result<HistoryPage, ApiError> {
    let mut path = format!("/api/sessions/{}/events?limit={limit}", encode(id));
    if let Some(after) = after {
        path += &format!("&after={after}");
    }
    if let Some(before) = before {
        path += &format!("&before={before}");
    }
    get_json(&path, token).await
}

/// Downloads the session's events as `<id>.jsonl`.
pub async fn export(id: &str, token: Option<&str>) -> Result<(), ApiError> {
    let path = format!("/api/sessions/{}/export.jsonl", encode(id));
    let text = get(&path, token)
        .await?
        .text()
        .await
        .map_err(ApiError::network)?;
    save_text(&format!("{id}.jsonl"), &text, "application/x-ndjson").map_err(|_| ApiError {
        message: "the browser refused to save the file".into(),
        refused: false,
    })
}

fn save_text(name: &str, text: &str, mime: &str) -> Result<(), wasm_bindgen::JsValue> {
    let parts = js_sys::Array::of1(&text.into());
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob)?;
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or("no document")?;
    let link: web_sys::HtmlAnchorElement = document.create_element("a")?.dyn_into()?;
    link.set_href(&url);
    link.set_download(name);
    link.click();
    web_sys::Url::revoke_object_url(&url)
}

/// Percent-encodes a path segment (session ids are usually plain, but need not be).
fn encode(segment: &str) -> String {
    js_sys::encode_uri_component(segment).into()
}
