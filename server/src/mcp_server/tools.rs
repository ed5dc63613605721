//! The MCP tools. Each checks the caller's token like the REST route of the same thing,
//! does it through the same services, and answers with readable text and structured content
//! (`reply`). Bounds are the REST API's where there is one (a history page is at most 1000
//! events), and said in each argument's description.

use agentcast_shared::{Event, GetHistoryArgs, OutputText, PermissionAnswer, Scope};
use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::CallToolResult;
use rmcp::service::RequestContext;
use rmcp::{ErrorData as McpError, RoleServer, tool, tool_router};
use serde_json::json;

use super::args::*;
use super::caller::McpCaller;
use super::reply::{Reply, ToolError, finish};
use super::search::{SearchBounds, search};
use super::service::AgentcastMcp;
use super::{reading, sessions, status, text};
use crate::http::ApiError;
use crate::hub::history;

/// `list_sessions`' default and largest `limit`.
const LIST_LIMIT: (u32, u32) = (50, 200);
/// `get_events`' default and largest `limit`.
const EVENTS_LIMIT: (u32, u32) = (50, agentcast_shared::MAX_HISTORY_LIMIT);
/// `search_events`' default and largest `limit`, and the most sessions it searches.
const SEARCH_LIMIT: (u32, u32) = (20, 200);
const SEARCH_SESSIONS: usize = 100;
/// `get_transcript`'s default and largest `max_events`.
const TRANSCRIPT_EVENTS: (u32, u32) = (2000, 20_000);

/// `value`, or the default when absent, within `1..=max`; or the error naming `field`.
fn bounded(field: &str, value: Option<u32>, (default, max): (u32, u32)) -> Result<u32, ToolError> {
    match value {
        None => Ok(default),
        Some(0) => Err(ToolError::invalid(field, "must be at least 1")),
        Some(n) if n > max => Err(ToolError::invalid(field, format!("at most {max}"))),
        Some(n) => Ok(n),
    }
}

#[tool_router(router = tool_router, vis = "pub(super)")]
impl AgentcastMcp {
    #[tool(
        description = "List the agent sessions (Claude Code, Codex) newest first: status, \
            agent, project, working directory, model, tokens, cost, and whether one needs \
            you (an open permission request). Filters: status (active, ended, all), agent, \
            project, needs_you, query.",
        annotations(read_only_hint = true)
    )]
    async fn list_sessions(
        &self,
        Parameters(Args(args)): Parameters<Args<ListSessionsArgs>>,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResult, McpError> {
        finish(
            async {
                let caller = McpCaller::of(&context)?;
                let limit = bounded("limit", args.limit, LIST_LIMIT)?;
                let (rows, more) = self
                    .readable_rows(&caller, |row| sessions::admits(&args, row), limit as usize)
                    .await?;
                let text = text::sessions(&rows, more);
                Ok(Reply::new(text, &json!({ "sessions": rows, "more": more })))
            }
            .await,
        )
    }

    #[tool(
        description = "One session: its status, agent, model, tokens, cost, and its open \
            permission requests (with their request_id, to answer with respond_permission).",
        annotations(read_only_hint = true)
    )]
    async fn get_session(
        &self,
        Parameters(Args(args)): Parameters<Args<SessionArgs>>,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResult, McpError> {
        finish(
            async {
                let caller = McpCaller::of(&context)?;
                let row = self.row(&caller, &args.session_id).await?;
                Ok(Reply::new(text::session(&row), &row))
            }
            .await,
        )
    }

    #[tool(
        description = "A page of a session's events (prompts, text, tool calls and results, \
            todos, usage, errors) in offset order, like the get_history command: the latest \
            ones by default, or after/before an offset, filtered by type patterns.",
        annotations(read_only_hint = true)
    )]
    async fn get_events(
        &self,
        Parameters(Args(args)): Parameters<Args<GetEventsArgs>>,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResult, McpError> {
        finish(
            async {
                let caller = McpCaller::of(&context)?;
                let limit = bounded("limit", args.limit, EVENTS_LIMIT)?;
                let history = GetHistoryArgs {
                    types: args.types,
                    after: args.after,
                    before: args.before,
                    limit: Some(limit),
                };
                // The arguments first: a bad one is the caller's to fix whatever the session.
                history::validate(&history)?;
                let row = self.row(&caller, &args.session_id).await?;
                let (events, head_offset, has_more) =
                    if history.after.is_none() && history.before.is_none() {
                        let (events, older) = reading::latest(
                            &self.state.hub,
                            &args.session_id,
                            history.types,
                            row.head_offset,
                            limit,
                        )
                        .await?;
                        (events, row.head_offset, older)
                    } else {
                        reading::page(&self.state.hub, &args.session_id, &history).await?
                    };
                let text = text::events(&events, head_offset, has_more);
                Ok(Reply::new(
                    text,
                    &json!({ "events": events, "head_offset": head_offset, "has_more": has_more }),
                ))
            }
            .await,
        )
    }

    #[tool(
        description = "Find text (case-insensitive) in what the agents said and did, across \
            the most recent sessions or in one, newest first. Bounded: says when it stopped \
            before reading everything.",
        annotations(read_only_hint = true)
    )]
    async fn search_events(
        &self,
        Parameters(Args(args)): Parameters<Args<SearchEventsArgs>>,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResult, McpError> {
        finish(
            async {
                let caller = McpCaller::of(&context)?;
                if args.query.trim().is_empty() {
                    return Err(ToolError::invalid("query", "must not be empty"));
                }
                let limit = bounded("limit", args.limit, SEARCH_LIMIT)?;
                history::validate(&GetHistoryArgs {
                    types: args.types.clone(),
                    ..Default::default()
                })?;
                let targets: Vec<(String, u64)> = match &args.session_id {
                    Some(id) => {
                        let row = self.row(&caller, id).await?;
                        vec![(row.session_id, row.head_offset)]
                    }
                    None => {
                        let (rows, _) = self
                            .readable_rows(&caller, |_| true, SEARCH_SESSIONS)
                            .await?;
                        rows.into_iter()
                            .map(|row| (row.session_id, row.head_offset))
                            .collect()
                    }
                };
                let bounds = SearchBounds {
                    max_hits: limit as usize,
                    max_events: u64::from(self.state.config.mcp.search_max_events),
                };
                let found =
                    search(&self.state.hub, &args.query, args.types, &targets, bounds).await?;
                let mut text = String::new();
                for hit in &found.hits {
                    text.push_str(&format!(
                        "- {} #{} {}: {}\n",
                        hit.session_id, hit.offset, hit.kind, hit.snippet
                    ));
                }
                if found.hits.is_empty() {
                    text.push_str("No matches.\n");
                }
                text.push_str(&format!(
                    "({} matches in {} events of {} sessions{})\n",
                    found.hits.len(),
                    found.events_scanned,
                    found.sessions_searched,
                    if found.complete {
                        ""
                    } else {
                        "; stopped before reading everything: narrow with session_id or types"
                    }
                ));
                Ok(Reply::new(text, &found))
            }
            .await,
        )
    }

    #[tool(
        description = "A session as a readable Markdown transcript (prompts, answers, tool \
            calls with their results, todos, cost) of its latest events; bounded in size.",
        annotations(read_only_hint = true)
    )]
    async fn get_transcript(
        &self,
        Parameters(Args(args)): Parameters<Args<GetTranscriptArgs>>,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResult, McpError> {
        finish(
            async {
                let caller = McpCaller::of(&context)?;
                let max_events = bounded("max_events", args.max_events, TRANSCRIPT_EVENTS)?;
                let row = self.row(&caller, &args.session_id).await?;
                let (events, older) = reading::latest(
                    &self.state.hub,
                    &args.session_id,
                    None,
                    row.head_offset,
                    max_events,
                )
                .await?;
                let options = agentcast_shared::view::markdown::MarkdownOptions {
                    thinking: args.thinking,
                    ..Default::default()
                };
                let markdown = agentcast_shared::view::markdown::render(&events, &options);
                let max_bytes = self.state.config.mcp.max_transcript_bytes;
                let (markdown, cut) = keep_end(markdown, max_bytes);
                let mut text = String::new();
                if older || cut {
                    text.push_str(&format!(
                        "(the start of this session is left out: {}; read it with get_events)\n\n",
                        if cut {
                            format!("the transcript is over {max_bytes} bytes")
                        } else {
                            format!("only its latest {max_events} events")
                        }
                    ));
                }
                text.push_str(&markdown);
                Ok(Reply::new(
                    text.clone(),
                    &json!({
                        "session_id": row.session_id,
                        "events": events.len(),
                        "first_offset": events.first().map(|e| e.offset),
                        "last_offset": events.last().map(|e| e.offset),
                        "truncated": older || cut,
                        "markdown": markdown,
                    }),
                ))
            }
            .await,
        )
    }

    #[tool(
        description = "The real-time server's status: connections, sockets and rooms per \
            namespace, sessions by status, events in and out, memory, uptime, version.",
        annotations(read_only_hint = true)
    )]
    async fn server_status(
        &self,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResult, McpError> {
        finish(
            async {
                McpCaller::of(&context)?.require(Scope::Read)?;
                let report = status::server_status(&self.state).await;
                Ok(Reply::new(status::server_status_text(&report), &report))
            }
            .await,
        )
    }

    #[tool(
        description = "Whether the server serves fully: the database, the transcript \
            collectors, version and uptime.",
        annotations(read_only_hint = true)
    )]
    async fn health(
        &self,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResult, McpError> {
        finish(
            async {
                McpCaller::of(&context)?.require(Scope::Read)?;
                let report = status::health(&self.state).await;
                Ok(Reply::new(status::health_text(&report), &report))
            }
            .await,
        )
    }

    #[tool(
        description = "Send the next prompt to a session agentcast runs in control mode \
            (queued while a turn runs). Needs a token with the control scope.",
        annotations(destructive_hint = false, open_world_hint = true)
    )]
    async fn send_prompt(
        &self,
        Parameters(Args(args)): Parameters<Args<SendPromptArgs>>,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResult, McpError> {
        finish(
            async {
                let caller = McpCaller::of(&context)?;
                caller.require_session(&args.session_id, Scope::Control)?;
                let result = self
                    .state
                    .controls
                    .prompt(&args.session_id, &caller.control(), args.text)
                    .await?;
                let text = if result.queued {
                    format!("Queued: {} prompt(s) ahead of it.", result.ahead)
                } else {
                    "Sent: the agent is working on it.".to_owned()
                };
                Ok(Reply::new(text, &result))
            }
            .await,
        )
    }

    #[tool(
        description = "Answer a session's open permission request (allow or deny; the first \
            answer wins). Needs a token with the control scope.",
        annotations(destructive_hint = true, open_world_hint = true)
    )]
    async fn respond_permission(
        &self,
        Parameters(Args(args)): Parameters<Args<RespondPermissionArgs>>,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResult, McpError> {
        finish(
            async {
                let caller = McpCaller::of(&context)?;
                caller.require_session(&args.session_id, Scope::Control)?;
                let answer = PermissionAnswer {
                    decision: args.decision.into(),
                    message: args.message,
                    updated_input: None,
                    updated_permissions: None,
                };
                let responded = self
                    .state
                    .controls
                    .respond(&args.session_id, &caller.control(), args.request_id, answer)
                    .await?;
                let text = format!(
                    "Answered {}: {:?}.",
                    responded.request_id, responded.decision
                )
                .replace("Allow", "allow")
                .replace("Deny", "deny");
                Ok(Reply::new(text, &responded))
            }
            .await,
        )
    }

    #[tool(
        description = "Stop the running turn of a session agentcast runs in control mode; \
            it then waits for the next prompt. Needs a token with the control scope.",
        annotations(destructive_hint = true, open_world_hint = true)
    )]
    async fn interrupt(
        &self,
        Parameters(Args(args)): Parameters<Args<SessionArgs>>,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResult, McpError> {
        finish(
            async {
                let caller = McpCaller::of(&context)?;
                caller.require_session(&args.session_id, Scope::Control)?;
                let result = self
                    .state
                    .controls
                    .interrupt(&args.session_id, &caller.control())
                    .await?;
                let text = if result.interrupted {
                    "Interrupted: the session waits for the next prompt."
                } else {
                    "No turn was running."
                };
                Ok(Reply::new(text.to_owned(), &result))
            }
            .await,
        )
    }

    #[tool(
        description = "Development servers only (--dev): publish an output.text event into \
            a session, to try a client. Needs a token with the write scope."
    )]
    async fn publish_test_event(
        &self,
        Parameters(Args(args)): Parameters<Args<PublishTestEventArgs>>,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResult, McpError> {
        finish(
            async {
                let caller = McpCaller::of(&context)?;
                caller.require_session(&args.session_id, Scope::Write)?;
                if !agentcast_shared::is_valid_session_id(&args.session_id) {
                    return Err(ToolError::invalid(
                        "session_id",
                        "1 to 128 characters of letters, digits, '.', '_' and '-'",
                    ));
                }
                let event = Event::OutputText(OutputText {
                    message_id: None,
                    text: args.text,
                    delta: false,
                    parent_tool_use_id: None,
                });
                let head_offset = self
                    .state
                    .hub
                    .publish(&args.session_id, vec![event])
                    .await
                    .map_err(|err| ToolError::from(ApiError::from(err).0))?;
                Ok(Reply::new(
                    format!("Published at offset {head_offset}."),
                    &json!({ "head_offset": head_offset }),
                ))
            }
            .await,
        )
    }
}

/// The end of `text` within `max` bytes, from a line start; and whether it was cut.
fn keep_end(text: String, max: usize) -> (String, bool) {
    if text.len() <= max {
        return (text, false);
    }
    let mut start = text.len() - max;
    while !text.is_char_boundary(start) {
        start += 1;
    }
    let start = text[start..]
        .find('\n')
        .map_or(start, |newline| start + newline + 1);
    (text[start..].to_owned(), true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_name_the_field() {
        assert_eq!(bounded("limit", None, (50, 200)), Ok(50));
        assert_eq!(bounded("limit", Some(200), (50, 200)), Ok(200));
        let err = bounded("limit", Some(0), (50, 200)).unwrap_err();
        assert_eq!(err.message, "limit: must be at least 1");
        let err = bounded("max_events", Some(201), (50, 200)).unwrap_err();
        assert_eq!(err.message, "max_events: at most 200");
    }

    #[test]
    fn a_long_transcript_keeps_its_end_from_a_line_start() {
        let text = "first line\nsecond line\nthird é line\n".to_owned();
        assert_eq!(keep_end(text.clone(), 100), (text.clone(), false));
        let (end, cut) = keep_end(text.clone(), 16);
        assert!(cut);
        assert_eq!(end, "third é line\n");
        // A cut inside a multi-byte character moves to a boundary instead of panicking.
        let (end, cut) = keep_end("ééééé\nab".to_owned(), 5);
        assert!(cut);
        assert_eq!(end, "ab");
    }
}
