//! [`ProjectLinker`]: gives each session its project as its `session.started` is sequenced.
//! The event's `project_id` is filled in before it is stored and broadcast, so the stored
//! summary, the live lists and a replay all agree on it:
//!
//! - an explicit `project_id` (`--project`, `POST /api/sessions`' `project`) that is an
//!   absolute path becomes that directory's project; the id of an existing project stays; any
//!   other value is a name: the project of that name, created if there is none;
//! - else, for a session without a project yet, the `cwd` names it: the project of its git
//!   root ([`project_root`]), created when first seen, whether or not the directory still
//!   exists (old transcripts).
//!
//! Resolved directories are remembered (bounded), so a session in a known directory costs a
//! map lookup; the file system is read on a blocking thread, never on the runtime's.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use agentcast_shared::Event;
use agentcast_shared::rest::Project;
use serde_json::Value;

use super::reference::{dir_name, name_project_id, path_project_id};
use super::root::project_root;
use crate::clock::now_ts;
use crate::store::{ProjectCatalog, StoreError};

/// Directories remembered; past this the memory is cleared and refilled as sessions come.
const MAX_REMEMBERED: usize = 4096;

/// Links sessions to projects; see the module docs. Cheap to clone.
#[derive(Clone)]
pub struct ProjectLinker {
    catalog: Arc<dyn ProjectCatalog>,
    home: Option<PathBuf>,
    /// Working directory -> project id. A std mutex: lookups and inserts only.
    known: Arc<Mutex<HashMap<String, String>>>,
}

impl ProjectLinker {
    /// Projects kept in `catalog`; `home` is never a project root for the directories below it.
    pub fn new(catalog: Arc<dyn ProjectCatalog>, home: Option<PathBuf>) -> Self {
        ProjectLinker {
            catalog,
            home,
            known: Arc::default(),
        }
    }

    /// Fills in the `project_id` of each `session.started` in `events`; `project` is the
    /// session's project so far, updated as they are linked. A store error is logged and
    /// leaves the event as it was.
    pub async fn link(&self, events: &mut [Event], project: &mut Option<String>) {
        for event in events {
            let Event::SessionStarted(started) = event else {
                continue;
            };
            let resolved = match (&started.project_id, &*project, &started.cwd) {
                (Some(explicit), _, _) => self.explicit(explicit).await,
                (None, Some(known), _) => Ok(known.clone()),
                (None, None, Some(cwd)) => self.of_directory(cwd).await,
                (None, None, None) => continue,
            };
            match resolved {
                Ok(id) => {
                    started.project_id = Some(id.clone());
                    *project = Some(id);
                }
                Err(err) => {
                    tracing::warn!(session.id = %started.session_id, %err, "cannot link the session to its project")
                }
            }
        }
    }

    /// An explicit project: an absolute path, an existing id, or a name.
    async fn explicit(&self, value: &str) -> Result<String, StoreError> {
        if value.starts_with('/') {
            return self.of_directory(value).await;
        }
        if self.catalog.get_project(value).await?.is_some() {
            return Ok(value.to_owned());
        }
        let projects = self.catalog.list_projects().await?;
        if let Some(named) = projects.iter().find(|p| p.name == value) {
            return Ok(named.id.clone());
        }
        let project = new_project(name_project_id(value), value.to_owned(), None);
        self.ensure(project).await
    }

    /// The project of directory `cwd` (its git root).
    async fn of_directory(&self, cwd: &str) -> Result<String, StoreError> {
        if let Some(id) = self.remembered(cwd) {
            return Ok(id);
        }
        let home = self.home.clone();
        let dir = PathBuf::from(cwd);
        let root = tokio::task::spawn_blocking(move || project_root(&dir, home.as_deref()))
            .await
            // The walk does not panic; were the task lost anyway, the directory is its own root.
            .unwrap_or_else(|_| PathBuf::from(cwd));
        let project = new_project(
            path_project_id(&root),
            dir_name(&root),
            Some(root.display().to_string()),
        );
        let id = self.ensure(project).await?;
        let mut known = self.known.lock().unwrap_or_else(|e| e.into_inner());
        if known.len() >= MAX_REMEMBERED {
            known.clear();
        }
        known.insert(cwd.to_owned(), id.clone());
        Ok(id)
    }

    fn remembered(&self, cwd: &str) -> Option<String> {
        self.known
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(cwd)
            .cloned()
    }

    /// Creates `project` unless its id exists; returns the id.
    async fn ensure(&self, project: Project) -> Result<String, StoreError> {
        if self.catalog.get_project(&project.id).await?.is_some() {
            return Ok(project.id);
        }
        match self.catalog.create_project(&project).await {
            // Another session made it in between: the same project.
            Ok(()) | Err(StoreError::Conflict { .. }) => {
                tracing::info!(project.id = %project.id, project.path = ?project.path, "new project");
                Ok(project.id)
            }
            Err(err) => Err(err),
        }
    }
}

fn new_project(id: String, name: String, path: Option<String>) -> Project {
    Project {
        id,
        name,
        settings: Value::Object(Default::default()),
        created_at: now_ts(),
        path,
        session_count: 0,
    }
}

#[cfg(test)]
mod tests {
    use agentcast_shared::{SessionSource, SessionStarted};

    use super::*;
    use crate::store::MemoryStore;

    fn started(cwd: Option<&str>, project: Option<&str>) -> Event {
        SessionStarted {
            session_id: "s".into(),
            label: None,
            project_id: project.map(str::to_owned),
            source: SessionSource::Run,
            command: None,
            cwd: cwd.map(str::to_owned),
            model: None,
            tools: Vec::new(),
            cli_version: None,
            agent: None,
            agent_session_id: None,
            git_branch: None,
            started_at: "2026-01-01T00:00:00.000Z".into(),
        }
        .into()
    }

    fn project_of(event: &Event) -> Option<String> {
        match event {
            Event::SessionStarted(s) => s.project_id.clone(),
            _ => None,
        }
    }

    async fn link(linker: &ProjectLinker, event: Event) -> Option<String> {
        let mut events = [event];
        linker.link(&mut events, &mut None).await;
        project_of(&events[0])
    }

    #[tokio::test]
    async fn directories_of_one_repository_share_its_project() {
        let dir = tempfile::tempdir().unwrap();
        let base = dir.path().canonicalize().unwrap();
        std::fs::create_dir_all(base.join("web/.git")).unwrap();
        std::fs::create_dir_all(base.join("web/src")).unwrap();
        std::fs::create_dir_all(base.join("web/docs")).unwrap();
        let store = Arc::new(MemoryStore::new());
        let linker = ProjectLinker::new(store.clone(), None);

        let src = base.join("web/src").display().to_string();
        let docs = base.join("web/docs").display().to_string();
        let a = link(&linker, started(Some(&src), None)).await.unwrap();
        let b = link(&linker, started(Some(&docs), None)).await.unwrap();
        assert_eq!(a, b);
        let projects = store.list_projects().await.unwrap();
        assert_eq!(projects.len(), 1);
        assert_eq!(projects[0].name, "web");
        assert_eq!(
            projects[0].path.as_deref(),
            Some(&*base.join("web").display().to_string())
        );
    }

    #[tokio::test]
    async fn a_directory_that_is_gone_still_gets_a_project() {
        let linker = ProjectLinker::new(Arc::new(MemoryStore::new()), None);
        let id = link(&linker, started(Some("/gone-agentcast/old/app"), None))
            .await
            .unwrap();
        assert!(id.starts_with("app-"), "{id}");
    }

    #[tokio::test]
    async fn explicit_projects_are_paths_ids_or_names() {
        let store = Arc::new(MemoryStore::new());
        let linker = ProjectLinker::new(store.clone(), None);
        // A name: created once, found by name after.
        let web = link(&linker, started(Some("/x"), Some("Web App")))
            .await
            .unwrap();
        let again = link(&linker, started(None, Some("Web App"))).await.unwrap();
        assert_eq!(web, again);
        // Its id names it too.
        assert_eq!(link(&linker, started(None, Some(&web))).await.unwrap(), web);
        // An absolute path: that directory's project, as its cwd would give.
        let by_path = link(&linker, started(None, Some("/gone-agentcast/api"))).await;
        let by_cwd = link(&linker, started(Some("/gone-agentcast/api"), None)).await;
        assert_eq!(by_path, by_cwd);
        assert_eq!(store.list_projects().await.unwrap().len(), 2);
    }

    #[tokio::test]
    async fn a_session_keeps_the_project_it_has() {
        let linker = ProjectLinker::new(Arc::new(MemoryStore::new()), None);
        let mut events = [
            started(Some("/gone-agentcast/a"), Some("chosen")),
            // The agent's own start later, with its cwd: the chosen project stays.
            started(Some("/gone-agentcast/a"), None),
        ];
        let mut project = None;
        linker.link(&mut events, &mut project).await;
        assert_eq!(project_of(&events[0]).as_deref(), Some("chosen"));
        assert_eq!(project_of(&events[1]).as_deref(), Some("chosen"));
        assert_eq!(project.as_deref(), Some("chosen"));
        // Nothing to go by: nothing linked.
        let mut bare = [started(None, None)];
        linker.link(&mut bare, &mut None).await;
        assert_eq!(project_of(&bare[0]), None);
    }
}
