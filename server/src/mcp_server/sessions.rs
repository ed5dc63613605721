//! A session as the MCP tools show it ([`SessionRow`]): what a model needs to know about
//! another agent's session in one object, and the filters of `list_sessions`.

use agentcast_shared::rest::SessionView;
use agentcast_shared::{AgentKind, PermissionRequested, SessionState};
use serde::Serialize;

use super::args::{ListSessionsArgs, StatusFilter};
use super::session_uri;

/// One session.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct SessionRow {
    pub session_id: String,
    /// Its resource, to read or subscribe to.
    pub uri: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    pub status: SessionState,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent: Option<AgentKind>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub project_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cwd: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub git_branch: Option<String>,
    pub started_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ended_at: Option<String>,
    /// Its latest offset: how many events it has.
    pub head_offset: u64,
    pub input_tokens: u64,
    pub output_tokens: u64,
    pub cache_read_tokens: u64,
    pub cache_creation_tokens: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total_cost_usd: Option<f64>,
    /// It waits for a person: a permission request is open.
    pub needs_you: bool,
    /// The open permission requests' ids and tools (answer them with `respond_permission`).
    pub open_permissions: Vec<OpenPermission>,
    /// It takes prompts, interrupts and permission answers.
    pub controllable: bool,
    /// A process this server started for it runs.
    pub process_running: bool,
}

/// An open permission request, as a row shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct OpenPermission {
    pub request_id: String,
    pub tool_name: String,
    /// What it would do, in one line: the tool and its command or file.
    pub summary: String,
    pub expires_at: String,
}

impl SessionRow {
    /// The row of `view`, with the session's open permission requests.
    pub fn new(view: SessionView, open: &[PermissionRequested]) -> SessionRow {
        let record = view.record;
        let open_permissions: Vec<OpenPermission> = open
            .iter()
            .map(|request| OpenPermission {
                request_id: request.request_id.clone(),
                tool_name: request.tool_name.clone(),
                summary: agentcast_shared::view::request_preview::summary(request),
                expires_at: request.expires_at.clone(),
            })
            .collect();
        SessionRow {
            uri: session_uri(&record.id),
            session_id: record.id,
            label: record.label,
            needs_you: record.status == SessionState::Waiting || !open_permissions.is_empty(),
            status: record.status,
            agent: record.agent,
            project_id: record.project_id,
            cwd: record.cwd,
            model: record.model,
            git_branch: record.git_branch,
            started_at: record.started_at,
            ended_at: record.ended_at,
            head_offset: record.head_offset,
            input_tokens: record.input_tokens,
            output_tokens: record.output_tokens,
            cache_read_tokens: record.cache_read_tokens,
            cache_creation_tokens: record.cache_creation_tokens,
            total_cost_usd: record.total_cost_usd,
            open_permissions,
            controllable: view.controllable,
            process_running: view.process_running,
        }
    }
}

/// Whether a session in `status` is still going.
fn is_active(status: SessionState) -> bool {
    matches!(
        status,
        SessionState::Starting | SessionState::Running | SessionState::Idle | SessionState::Waiting
    )
}

/// Whether `row` passes `args`' filters.
pub(crate) fn admits(args: &ListSessionsArgs, row: &SessionRow) -> bool {
    let status = match args.status {
        StatusFilter::All => true,
        StatusFilter::Active => is_active(row.status),
        StatusFilter::Ended => !is_active(row.status),
    };
    let agent = args
        .agent
        .is_none_or(|agent| row.agent == Some(agent.into()));
    let project = args
        .project
        .as_deref()
        .is_none_or(|project| row.project_id.as_deref() == Some(project));
    let needs_you = args.needs_you.is_none_or(|wanted| row.needs_you == wanted);
    let query = args.query.as_deref().is_none_or(|query| {
        let query = query.to_lowercase();
        [
            Some(row.session_id.as_str()),
            row.label.as_deref(),
            row.cwd.as_deref(),
            row.model.as_deref(),
        ]
        .into_iter()
        .flatten()
        .any(|field| field.to_lowercase().contains(&query))
    });
    status && agent && project && needs_you && query
}

#[cfg(test)]
mod tests {
    use agentcast_shared::SessionSource;
    use agentcast_shared::rest::SessionRecord;

    use super::super::args::Agent;
    use super::*;

    fn row(id: &str, status: SessionState, agent: Option<AgentKind>) -> SessionRow {
        let mut record =
            SessionRecord::new(id, SessionSource::Hook, status, "2026-12-07T10:00:00.000Z");
        record.agent = agent;
        record.label = Some(format!("{id} label"));
        record.cwd = Some("/home/me/Project".into());
        SessionRow::new(
            SessionView {
                record,
                process_running: false,
                controllable: false,
            },
            &[],
        )
    }

    #[test]
    fn filters_combine() {
        let running = row("a", SessionState::Running, Some(AgentKind::Claude));
        let done = row("b", SessionState::Completed, Some(AgentKind::Codex));
        let waiting = row("c", SessionState::Waiting, None);
        let args = |f: fn(&mut ListSessionsArgs)| {
            let mut args = ListSessionsArgs::default();
            f(&mut args);
            args
        };
        let active = args(|a| a.status = StatusFilter::Active);
        assert!(admits(&active, &running) && admits(&active, &waiting) && !admits(&active, &done));
        let ended = args(|a| a.status = StatusFilter::Ended);
        assert!(admits(&ended, &done) && !admits(&ended, &running));
        let codex = args(|a| a.agent = Some(Agent::Codex));
        assert!(admits(&codex, &done) && !admits(&codex, &running) && !admits(&codex, &waiting));
        let needs_you = args(|a| a.needs_you = Some(true));
        assert!(admits(&needs_you, &waiting) && !admits(&needs_you, &running));
        let query = args(|a| a.query = Some("PROJECT".into()));
        assert!(admits(&query, &running));
        let query = args(|a| a.query = Some("b lab".into()));
        assert!(admits(&query, &done) && !admits(&query, &running));
    }
}
