//! The sessions list as it is shown: filtered by status, agent kind, project and a search
//! text, grouped by project (a group per project, the sessions without one in their own
//! group), the group with the newest activity first and each group's sessions newest first;
//! then flattened into the rows of the virtualized list, where a collapsed group is only its
//! header.

use std::collections::{HashMap, HashSet};

use crate::AgentKind;
use crate::rest::SessionRecord;

use super::sessions::{SessionEntry, Sessions, StatusFilter};

/// Which agent kinds the list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AgentFilter {
    /// Every session.
    #[default]
    All,
    /// The sessions of this agent kind.
    Kind(AgentKind),
    /// Sessions whose agent is not known (a pipe of some other tool, the demo, ...).
    Unknown,
}

impl AgentFilter {
    /// The options of the filter, in the order shown.
    pub const ALL: [AgentFilter; 5] = [
        AgentFilter::All,
        AgentFilter::Kind(AgentKind::Claude),
        AgentFilter::Kind(AgentKind::Codex),
        AgentFilter::Kind(AgentKind::Other),
        AgentFilter::Unknown,
    ];

    /// The filter as a `<select>` value: `all`, `claude`, `codex`, `other`, `unknown`.
    pub fn as_str(self) -> &'static str {
        match self {
            AgentFilter::All => "all",
            AgentFilter::Kind(kind) => kind.as_str(),
            AgentFilter::Unknown => "unknown",
        }
    }

    /// The filter named by [`AgentFilter::as_str`]; anything else is `All`.
    pub fn parse(text: &str) -> AgentFilter {
        Self::ALL
            .into_iter()
            .find(|f| f.as_str() == text)
            .unwrap_or_default()
    }

    /// True when a session of `agent` passes.
    pub fn admits(self, agent: Option<AgentKind>) -> bool {
        match self {
            AgentFilter::All => true,
            AgentFilter::Kind(kind) => agent == Some(kind),
            AgentFilter::Unknown => agent.is_none(),
        }
    }
}

/// Which project the list shows.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum ProjectFilter {
    /// Every session.
    #[default]
    All,
    /// The sessions of this project id.
    Project(String),
    /// The sessions without a project.
    None,
}

impl ProjectFilter {
    /// The filter as an `<option>` value: `all`, `none`, or `project:` and the id.
    pub fn value(&self) -> String {
        match self {
            ProjectFilter::All => "all".into(),
            ProjectFilter::None => "none".into(),
            ProjectFilter::Project(id) => format!("project:{id}"),
        }
    }

    /// The filter of a [`ProjectFilter::value`]; anything else is `All`.
    pub fn parse(value: &str) -> ProjectFilter {
        match value {
            "none" => ProjectFilter::None,
            _ => match value.strip_prefix("project:") {
                Some(id) => ProjectFilter::Project(id.to_owned()),
                None => ProjectFilter::All,
            },
        }
    }

    /// The filter that shows only the group of `project`.
    pub fn of(project: Option<&str>) -> ProjectFilter {
        match project {
            Some(id) => ProjectFilter::Project(id.to_owned()),
            None => ProjectFilter::None,
        }
    }

    /// True when a session of `project` passes.
    pub fn admits(&self, project: Option<&str>) -> bool {
        match self {
            ProjectFilter::All => true,
            ProjectFilter::Project(id) => project == Some(id.as_str()),
            ProjectFilter::None => project.is_none(),
        }
    }
}

/// Everything the list is filtered by.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SessionQuery {
    /// By state: all, active, completed, failed.
    pub status: StatusFilter,
    /// By agent kind.
    pub agent: AgentFilter,
    /// By project.
    pub project: ProjectFilter,
    /// Case-insensitive; matched against the id, label, project (id and name), model, agent,
    /// source, git branch and working directory.
    pub search: String,
}

impl SessionQuery {
    fn admits(&self, session: &SessionRecord, needle: &str, names: &ProjectNames) -> bool {
        self.status.admits(session.status)
            && self.agent.admits(session.agent)
            && self.project.admits(session.project_id.as_deref())
            && (needle.is_empty() || matches_search(session, needle, names))
    }
}

/// `needle` is already lowercase.
fn matches_search(s: &SessionRecord, needle: &str, names: &ProjectNames) -> bool {
    let project_name = s.project_id.as_ref().and_then(|id| names.get(id));
    [
        Some(s.id.as_str()),
        s.label.as_deref(),
        s.project_id.as_deref(),
        project_name.map(String::as_str),
        s.model.as_deref(),
        s.agent.map(AgentKind::as_str),
        Some(s.source.as_str()),
        s.git_branch.as_deref(),
        s.cwd.as_deref(),
    ]
    .into_iter()
    .flatten()
    .any(|field| field.to_lowercase().contains(needle))
}

/// Project ids to their human names (`GET /api/projects`); an id without a name shows as is.
pub type ProjectNames = HashMap<String, String>;

/// The sessions of one project that pass the filters.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    /// The project's id; `None` for the sessions without a project.
    pub project: Option<String>,
    /// Session ids, newest start first.
    pub sessions: Vec<String>,
    /// The newest activity of its sessions (Unix milliseconds).
    pub active_ms: u64,
}

/// The sessions that pass `query`, grouped by project, the most recently active group first
/// (ties: by project id, the group without a project last); each group's sessions newest
/// first. Groups with no session passing are left out.
pub fn groups(sessions: &Sessions, query: &SessionQuery, names: &ProjectNames) -> Vec<Group> {
    let needle = query.search.trim().to_lowercase();
    let mut by_project: HashMap<Option<&str>, Vec<&SessionEntry>> = HashMap::new();
    for entry in sessions.entries() {
        if query.admits(&entry.record, &needle, names) {
            by_project
                .entry(entry.record.project_id.as_deref())
                .or_default()
                .push(entry);
        }
    }
    let mut groups: Vec<Group> = by_project
        .into_iter()
        .map(|(project, mut entries)| {
            entries.sort_by(|a, b| (b.started_ms, &b.record.id).cmp(&(a.started_ms, &a.record.id)));
            Group {
                project: project.map(str::to_owned),
                active_ms: entries.iter().map(|e| e.active_ms).max().unwrap_or(0),
                sessions: entries.into_iter().map(|e| e.record.id.clone()).collect(),
            }
        })
        .collect();
    groups.sort_by(|a, b| {
        b.active_ms
            .cmp(&a.active_ms)
            .then_with(|| a.project.is_none().cmp(&b.project.is_none()))
            .then_with(|| a.project.cmp(&b.project))
    });
    groups
}

/// Every project a session belongs to, by label, for the project filter's options; `None`
/// last when some session has no project.
pub fn projects(sessions: &Sessions, names: &ProjectNames) -> Vec<Option<String>> {
    let seen: HashSet<Option<&str>> = sessions
        .entries()
        .iter()
        .map(|e| e.record.project_id.as_deref())
        .collect();
    let mut projects: Vec<Option<String>> =
        seen.into_iter().map(|p| p.map(str::to_owned)).collect();
    projects.sort_by_cached_key(|p| {
        (
            p.is_none(),
            group_label(p.as_deref(), names).to_lowercase(),
            p.clone(),
        )
    });
    projects
}

/// A group's title: the project's name, else its id; "No project" for the sessions without.
pub fn group_label(project: Option<&str>, names: &ProjectNames) -> String {
    match project {
        Some(id) => names.get(id).cloned().unwrap_or_else(|| id.to_owned()),
        None => "No project".to_owned(),
    }
}

/// One row of the virtualized list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListRow {
    /// A group's header: its project, how many sessions it has, and whether it is folded.
    Group {
        /// The project's id; `None` for the sessions without a project.
        project: Option<String>,
        /// How many of its sessions pass the filters.
        count: usize,
        /// Folded: its sessions are not listed.
        collapsed: bool,
    },
    /// A session, by id.
    Session(String),
}

/// The list's rows: each group's header, followed by its sessions unless it is collapsed.
pub fn rows(groups: &[Group], collapsed: &HashSet<Option<String>>) -> Vec<ListRow> {
    let mut rows = Vec::new();
    for group in groups {
        let folded = collapsed.contains(&group.project);
        rows.push(ListRow::Group {
            project: group.project.clone(),
            count: group.sessions.len(),
            collapsed: folded,
        });
        if !folded {
            rows.extend(group.sessions.iter().cloned().map(ListRow::Session));
        }
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::view::sessions::SessionText;
    use crate::view::sessions::tests::{hub, listed, newest_first};
    use crate::{SessionSource, SessionState};
    use serde_json::json;

    fn record(
        id: &str,
        project: Option<&str>,
        agent: Option<AgentKind>,
        started: &str,
    ) -> SessionRecord {
        let mut r = SessionRecord::new(
            id,
            SessionSource::Transcript,
            SessionState::Completed,
            format!("2026-11-24T{started}:00.000Z"),
        );
        r.project_id = project.map(str::to_owned);
        r.agent = agent;
        r
    }

    fn sample() -> Sessions {
        Sessions::new(vec![
            record("a1", Some("api"), Some(AgentKind::Claude), "09:00"),
            record("w1", Some("web"), Some(AgentKind::Codex), "09:30"),
            record("a2", Some("api"), Some(AgentKind::Claude), "10:00"),
            record("n1", None, None, "08:00"),
            record("w2", Some("web"), Some(AgentKind::Claude), "08:30"),
        ])
    }

    fn shape(groups: &[Group]) -> Vec<(Option<&str>, Vec<&str>)> {
        groups
            .iter()
            .map(|g| {
                (
                    g.project.as_deref(),
                    g.sessions.iter().map(String::as_str).collect(),
                )
            })
            .collect()
    }

    #[test]
    fn groups_by_project_newest_activity_first() {
        let sessions = sample();
        let all = groups(&sessions, &SessionQuery::default(), &ProjectNames::new());
        assert_eq!(
            shape(&all),
            [
                (Some("api"), vec!["a2", "a1"]),
                (Some("web"), vec!["w1", "w2"]),
                (None, vec!["n1"]),
            ]
        );
    }

    #[test]
    fn live_activity_moves_a_group_up() {
        let mut sessions = sample();
        // w2 (web) ends at 11:00: web now has the newest activity.
        let mut ended = hub("w2", "session.ended", json!({"status": "failed"}));
        ended.ts = "2026-11-24T11:00:00.000Z".into();
        assert!(sessions.apply(&ended));
        let all = groups(&sessions, &SessionQuery::default(), &ProjectNames::new());
        assert_eq!(all[0].project.as_deref(), Some("web"));
        // Sessions inside the group keep their order by start.
        assert_eq!(all[0].sessions, ["w1", "w2"]);
        // A REST reload keeps the activity the hub reported.
        sessions.merge_loaded(newest_first(&sample()).into_iter().cloned().collect());
        let all = groups(&sessions, &SessionQuery::default(), &ProjectNames::new());
        assert_eq!(all[0].project.as_deref(), Some("web"));
    }

    #[test]
    fn filters_by_agent_project_status_and_search_across_groups() {
        let sessions = sample();
        let names = ProjectNames::from([("api".to_owned(), "Payments API".to_owned())]);
        let query = |f: fn(&mut SessionQuery)| {
            let mut q = SessionQuery::default();
            f(&mut q);
            shape(&groups(&sessions, &q, &names))
                .into_iter()
                .map(|(p, s)| {
                    (
                        p.map(str::to_owned),
                        s.into_iter().map(str::to_owned).collect::<Vec<_>>(),
                    )
                })
                .collect::<Vec<_>>()
        };
        let p = |id: &str| Some(id.to_owned());
        let ids = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            query(|q| q.agent = AgentFilter::Kind(AgentKind::Codex)),
            [(p("web"), ids(&["w1"]))]
        );
        assert_eq!(
            query(|q| q.agent = AgentFilter::Kind(AgentKind::Claude)),
            [(p("api"), ids(&["a2", "a1"])), (p("web"), ids(&["w2"]))]
        );
        assert_eq!(
            query(|q| q.agent = AgentFilter::Unknown),
            [(None, ids(&["n1"]))]
        );
        assert_eq!(
            query(|q| q.project = ProjectFilter::Project("web".into())),
            [(p("web"), ids(&["w1", "w2"]))]
        );
        assert_eq!(
            query(|q| q.project = ProjectFilter::None),
            [(None, ids(&["n1"]))]
        );
        // The search finds the project by its name, and by the agent kind.
        assert_eq!(
            query(|q| q.search = "payments".into()),
            [(p("api"), ids(&["a2", "a1"]))]
        );
        assert_eq!(
            query(|q| q.search = " CODEX ".into()),
            [(p("web"), ids(&["w1"]))]
        );
        // Filters combine; nothing passing gives no group at all.
        assert!(
            query(|q| {
                q.status = StatusFilter::Failed;
                q.agent = AgentFilter::Kind(AgentKind::Claude);
            })
            .is_empty()
        );
    }

    #[test]
    fn filter_values_round_trip() {
        for f in AgentFilter::ALL {
            assert_eq!(AgentFilter::parse(f.as_str()), f);
        }
        assert_eq!(AgentFilter::parse("??"), AgentFilter::All);
        for f in [
            ProjectFilter::All,
            ProjectFilter::None,
            ProjectFilter::Project("a:b".into()),
        ] {
            assert_eq!(ProjectFilter::parse(&f.value()), f);
        }
        assert_eq!(ProjectFilter::of(None), ProjectFilter::None);
        assert_eq!(
            ProjectFilter::of(Some("x")),
            ProjectFilter::Project("x".into())
        );
    }

    #[test]
    fn project_options_and_labels() {
        let names = ProjectNames::from([("web".to_owned(), "A website".to_owned())]);
        assert_eq!(
            projects(&sample(), &names),
            [Some("web".to_owned()), Some("api".to_owned()), None]
        );
        assert_eq!(group_label(Some("web"), &names), "A website");
        assert_eq!(group_label(Some("api"), &names), "api");
        assert_eq!(group_label(None, &names), "No project");
    }

    #[test]
    fn collapsed_groups_are_only_their_header() {
        let all = groups(&sample(), &SessionQuery::default(), &ProjectNames::new());
        let collapsed = HashSet::from([Some("api".to_owned())]);
        let rows = rows(&all, &collapsed);
        assert_eq!(
            rows,
            [
                ListRow::Group {
                    project: Some("api".into()),
                    count: 2,
                    collapsed: true
                },
                ListRow::Group {
                    project: Some("web".into()),
                    count: 2,
                    collapsed: false
                },
                ListRow::Session("w1".into()),
                ListRow::Session("w2".into()),
                ListRow::Group {
                    project: None,
                    count: 1,
                    collapsed: false
                },
                ListRow::Session("n1".into()),
            ]
        );
    }

    #[test]
    fn the_hub_fills_in_the_agent_branch_and_version() {
        let mut sessions = listed();
        assert!(sessions.apply(&hub(
            "t1",
            "session.started",
            json!({"session_id": "t1", "source": "transcript", "agent": "codex",
                   "git_branch": "main", "cli_version": "0.63.0", "project_id": "web",
                   "started_at": "2026-11-24T12:00:00.000Z"})
        )));
        let t1 = sessions.get("t1").unwrap();
        assert_eq!(t1.agent, Some(AgentKind::Codex));
        assert_eq!(t1.source, SessionSource::Transcript);
        assert_eq!(
            (t1.git_branch.as_deref(), t1.cli_version.as_deref()),
            (Some("main"), Some("0.63.0"))
        );
        assert_eq!(
            t1.origin(),
            [
                ("agent", "codex".to_owned()),
                ("source", "transcript".to_owned()),
                ("branch", "main".to_owned()),
                ("version", "0.63.0".to_owned()),
            ]
        );
        let web = groups(&sessions, &SessionQuery::default(), &ProjectNames::new());
        assert_eq!(shape(&web)[0], (Some("web"), vec!["t1", "new"]));
    }

    #[test]
    fn five_thousand_sessions_in_fifty_groups() {
        let list = (0..5000)
            .map(|i| {
                record(
                    &format!("s{i}"),
                    Some(&format!("p{}", i % 50)),
                    Some(AgentKind::Claude),
                    &format!("{:02}:{:02}", i / 60 % 24, i % 60),
                )
            })
            .collect();
        let sessions = Sessions::new(list);
        let all = groups(&sessions, &SessionQuery::default(), &ProjectNames::new());
        assert_eq!(all.len(), 50);
        assert_eq!(all.iter().map(|g| g.sessions.len()).sum::<usize>(), 5000);
        assert_eq!(rows(&all, &HashSet::new()).len(), 5050);
    }
}
