//! [`AgentcastMcp`]: the MCP server's handler. One per MCP session (streamable HTTP makes one
//! for each), over the server's [`AppState`]. The tools are in `tools`; this file has what
//! the server says about itself, the session resources and their subscriptions.

use std::sync::Arc;

use agentcast_shared::Scope;
use agentcast_shared::rest::ListSessionsParams;
use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::model::{
    ListResourceTemplatesResult, ListResourcesResult, PaginatedRequestParams,
    ReadResourceRequestParams, ReadResourceResponse, ReadResourceResult, Resource,
    ResourceContents, ResourceTemplate, ResourceUpdatedNotificationParam, ServerConfig,
    SubscribeRequestParams, SubscriptionFilter, UnsubscribeRequestParams,
};
use rmcp::service::{RequestContext, SubscriptionContext};
use rmcp::{ErrorData as McpError, RoleServer, ServerHandler, tool_handler};
use serde_json::json;

use super::caller::McpCaller;
use super::reply::ToolError;
use super::sessions::SessionRow;
use super::updates::{Subscriptions, follow};
use super::{SESSION_URI_PREFIX, reading, server_config, session_of_uri, session_uri, text};
use crate::http::AppState;

/// Sessions `resources/list` returns (the newest the caller may read).
const LISTED_RESOURCES: u32 = 100;
/// Recent events a session resource shows.
const RESOURCE_EVENTS: u32 = 20;
/// Sessions read per page of the store while filtering.
const SESSIONS_PAGE: u32 = 1000;
/// Most sessions one list examines: a filter that matches few of very many stops here (and
/// says that more may match).
const MAX_EXAMINED: usize = 10_000;

/// The MCP server of one MCP session.
#[derive(Clone)]
pub(crate) struct AgentcastMcp {
    pub(super) state: AppState,
    tool_router: ToolRouter<Self>,
    subscriptions: Arc<Subscriptions>,
}

impl AgentcastMcp {
    pub fn new(state: AppState) -> Self {
        let mut tool_router = Self::tool_router();
        if !state.config.mcp.dev {
            tool_router.remove_route("publish_test_event");
        }
        AgentcastMcp {
            state,
            tool_router,
            subscriptions: Subscriptions::new(),
        }
    }

    /// The rows of the newest sessions `caller` may read that `keep` keeps, `limit` at most;
    /// and whether more were left (or not examined: at most [`MAX_EXAMINED`] are).
    pub(super) async fn readable_rows(
        &self,
        caller: &McpCaller,
        keep: impl Fn(&SessionRow) -> bool,
        limit: usize,
    ) -> Result<(Vec<SessionRow>, bool), ToolError> {
        caller.require(Scope::Read)?;
        let mut params = ListSessionsParams {
            limit: Some(SESSIONS_PAGE),
            ..Default::default()
        };
        let mut rows = Vec::new();
        let mut examined = 0;
        loop {
            if examined >= MAX_EXAMINED {
                return Ok((rows, true));
            }
            let page = self.state.services.sessions.list(&params).await?;
            examined += page.sessions.len();
            for view in page.sessions {
                if !caller.may_read(&view.record.id) {
                    continue;
                }
                let open = self.state.controls.open_permissions(&view.record.id).await;
                let row = SessionRow::new(view, &open);
                if keep(&row) {
                    if rows.len() == limit {
                        return Ok((rows, true));
                    }
                    rows.push(row);
                }
            }
            match page.next_cursor {
                Some(cursor) => params.cursor = Some(cursor),
                None => return Ok((rows, false)),
            }
        }
    }

    /// The row of one session `caller` may read.
    pub(super) async fn row(
        &self,
        caller: &McpCaller,
        session_id: &str,
    ) -> Result<SessionRow, ToolError> {
        caller.require_session(session_id, Scope::Read)?;
        let detail = self.state.services.sessions.detail(session_id).await?;
        let open = self.state.controls.open_permissions(session_id).await;
        Ok(SessionRow::new(detail.session, &open))
    }

    fn notify_interval(&self) -> std::time::Duration {
        self.state.config.mcp.notify_interval
    }
}

fn tool_error(err: ToolError) -> McpError {
    match err.code {
        agentcast_shared::ErrorCode::NotFound => McpError::resource_not_found(err.message, None),
        agentcast_shared::ErrorCode::BadRequest => McpError::invalid_params(err.message, None),
        _ => McpError::invalid_request(
            format!("{}: {}", err.code.as_str(), err.message),
            Some(json!({ "code": err.code.as_str() })),
        ),
    }
}

/// The session id of a resource URI, or the error that names the parameter.
fn session_param(uri: &str) -> Result<&str, McpError> {
    session_of_uri(uri).ok_or_else(|| {
        McpError::invalid_params(
            format!("uri: {uri:?} is not a session resource ({SESSION_URI_PREFIX}<session id>)"),
            None,
        )
    })
}

#[tool_handler(router = self.tool_router)]
impl ServerHandler for AgentcastMcp {
    fn get_info(&self) -> ServerConfig {
        server_config()
    }

    async fn list_resources(
        &self,
        _request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<ListResourcesResult, McpError> {
        let caller = McpCaller::of(&context).map_err(tool_error)?;
        let (rows, _) = self
            .readable_rows(&caller, |_| true, LISTED_RESOURCES as usize)
            .await
            .map_err(tool_error)?;
        let resources = rows
            .iter()
            .map(|row| {
                Resource::new(
                    row.uri.clone(),
                    row.label.clone().unwrap_or_else(|| row.session_id.clone()),
                )
                .with_description(text::session(row))
                .with_mime_type("application/json")
            })
            .collect();
        Ok(ListResourcesResult::with_all_items(resources))
    }

    async fn list_resource_templates(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListResourceTemplatesResult, McpError> {
        let template =
            ResourceTemplate::new(format!("{SESSION_URI_PREFIX}{{session_id}}"), "session")
                .with_description(
                    "An agent session: its status, tokens, cost, open permission requests and \
                 latest events. Subscribe to be told when it changes.",
                )
                .with_mime_type("application/json");
        Ok(ListResourceTemplatesResult::with_all_items(vec![template]))
    }

    async fn read_resource(
        &self,
        request: ReadResourceRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<ReadResourceResponse, McpError> {
        let caller = McpCaller::of(&context).map_err(tool_error)?;
        let session_id = session_param(&request.uri)?;
        let row = self.row(&caller, session_id).await.map_err(tool_error)?;
        let (events, _) = reading::latest(
            &self.state.hub,
            session_id,
            None,
            row.head_offset,
            RESOURCE_EVENTS,
        )
        .await
        .map_err(tool_error)?;
        let recent: Vec<String> = events.iter().map(text::event).collect();
        let body = json!({ "session": row, "recent_events": recent });
        let contents = ResourceContents::text(body.to_string(), session_uri(session_id))
            .with_mime_type("application/json");
        Ok(ReadResourceResult::new(vec![contents]).into())
    }

    async fn subscribe(
        &self,
        request: SubscribeRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<(), McpError> {
        let caller = McpCaller::of(&context).map_err(tool_error)?;
        let session_id = session_param(&request.uri)?;
        // Only what the caller may read, and only sessions that exist.
        self.row(&caller, session_id).await.map_err(tool_error)?;
        let peer = context.peer.clone();
        let task = follow(
            self.state.hub.clone(),
            vec![request.uri.clone()],
            self.notify_interval(),
            move |uri| {
                let peer = peer.clone();
                async move {
                    peer.notify_resource_updated(ResourceUpdatedNotificationParam::new(uri))
                        .await
                        .is_ok()
                }
            },
        );
        let max = self.state.config.mcp.max_subscriptions;
        self.subscriptions
            .add(request.uri, max, task)
            .map_err(|too_many| {
                McpError::invalid_request(
                    format!(
                        "limit: at most {} subscriptions per MCP session (--mcp-max-subscriptions)",
                        too_many.0
                    ),
                    None,
                )
            })
    }

    async fn unsubscribe(
        &self,
        request: UnsubscribeRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<(), McpError> {
        self.subscriptions.remove(&request.uri);
        Ok(())
    }

    fn accepted_subscription_filter(
        &self,
        requested: &SubscriptionFilter,
    ) -> Option<SubscriptionFilter> {
        let mut accepted = requested.supported_by(&self.get_info().capabilities);
        // Session resources only; the rest of the filter is not ours to follow.
        if let Some(uris) = &mut accepted.resource_subscriptions {
            uris.retain(|uri| session_of_uri(uri).is_some());
            uris.truncate(self.state.config.mcp.max_subscriptions);
        }
        Some(accepted)
    }

    async fn listen(&self, context: SubscriptionContext) -> Result<(), McpError> {
        let caller = McpCaller::of(context.request_context()).map_err(tool_error)?;
        let uris: Vec<String> = context
            .accepted()
            .resource_subscriptions
            .clone()
            .unwrap_or_default()
            .into_iter()
            .filter(|uri| session_of_uri(uri).is_some_and(|id| caller.may_read(id)))
            .collect();
        let sink = context.sink().clone();
        let following = follow(
            self.state.hub.clone(),
            uris,
            self.notify_interval(),
            move |uri| {
                let sink = sink.clone();
                async move { sink.notify_resource_updated(uri).await.is_ok() }
            },
        );
        tokio::select! {
            () = context.cancelled() => {}
            () = following => {}
        }
        Ok(())
    }
}
