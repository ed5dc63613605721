//! [`Collector`]: the transcripts followed, each with its reader and stored cursor, and how
//! a step of reading becomes one publish (events and cursor in one transaction).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Instant, SystemTime};

use agentcast_shared::{
    Event, SessionSource, SessionStarted, SessionState, SessionStatus, format_ts_millis,
};

use super::agents::{self, AgentSpec, Role, Transcript};
use super::discovery::{self, Found, FoundFile};
use super::follow::Watches;
use super::join::{self, Target};
use super::progress::Progress;
use super::reader::{FileReader, ReadError};
use crate::clock::now_unix_millis;
use crate::config::CollectSettings;
use crate::hub::{CollectorCounters, Hub};
use crate::ingest::{IngestLimits, LineMapper};
use crate::store::FileCursor;

/// Makes the mapper of a transcript whose events go into a session (`agents::mapper`; tests
/// give their own).
pub(crate) type MapperFactory =
    Arc<dyn Fn(&Transcript, &Path, &str, IngestLimits) -> Box<dyn LineMapper> + Send + Sync>;

/// Bytes read per step: one step's events and cursor are one publish, one transaction.
const READ_BUDGET: usize = 256 * 1024;

/// A transcript file followed.
struct Followed {
    transcript: Transcript,
    target: Target,
    /// Kept while the file is active; rebuilt by reading again up to `committed`.
    reader: Option<FileReader>,
    /// The position stored with the events (the cursor).
    committed: u64,
    /// The size and identity last seen, to tell a change; a file that failed is not read
    /// again until it changes.
    seen: (u64, Option<String>),
    /// Its session has had no `session.started` yet: the first events get one.
    needs_start: bool,
}

pub(crate) struct Collector {
    hub: Hub,
    settings: CollectSettings,
    limits: IngestLimits,
    mappers: MapperFactory,
    /// Each root with its agent kind's row.
    roots: Vec<(&'static AgentSpec, PathBuf)>,
    files: HashMap<PathBuf, Followed>,
    /// The cursors stored by earlier runs, by path; taken as their files are found.
    stored: HashMap<String, FileCursor>,
    /// Sessions of ours shown running, with when their transcript last grew.
    running: HashMap<String, Instant>,
    /// Files past `--collect-max-files`, skipped.
    skipped: u64,
}

impl Collector {
    pub fn new(
        hub: Hub,
        settings: CollectSettings,
        limits: IngestLimits,
        mappers: MapperFactory,
    ) -> Self {
        let roots = agents::AGENTS
            .iter()
            .flat_map(|spec| (spec.roots)(&settings).iter().map(move |root| (spec, root)))
            .map(|(spec, root)| (spec, absolute(root)))
            .collect();
        Collector {
            hub,
            settings,
            limits,
            mappers,
            roots,
            files: HashMap::new(),
            stored: HashMap::new(),
            running: HashMap::new(),
            skipped: 0,
        }
    }

    fn counters(&self) -> &CollectorCounters {
        &self.hub.stats().collector
    }

    /// Loads the stored cursors, then imports every transcript found, newest first, and
    /// follows their directories from then on.
    pub async fn import(&mut self, watches: &mut Watches) {
        match self.hub.store().events().file_cursors().await {
            Ok(cursors) => {
                self.stored = cursors.into_iter().map(|c| (c.path.clone(), c)).collect();
            }
            Err(err) => {
                tracing::error!(%err, "stored transcript cursors unreadable; reading from the start")
            }
        }
        let mut found = Found::default();
        for (spec, root) in &self.roots {
            if root.is_dir() {
                discovery::walk(spec, root, root, 0, &mut found);
            } else {
                tracing::info!(root = %root.display(), agent = spec.kind.as_str(), "no transcripts yet; waiting for the directory");
            }
        }
        for dir in &found.dirs {
            watches.add(dir);
        }
        self.report_walk_errors(&found);
        discovery::newest_first(&mut found.files);
        let bytes = found.files.iter().map(|f| f.size).sum();
        let mut progress = Progress::start(self.counters(), found.files.len() as u64, bytes);
        let recent = SystemTime::now() - self.settings.idle_after;
        for file in found.files {
            let (path, size, modified) = (file.path.clone(), file.size, file.modified);
            self.follow(file, false).await;
            if let Some(followed) = self.files.get_mut(&path) {
                if modified < recent {
                    // An old session: its mapper state is rebuilt if it ever grows again.
                    followed.reader = None;
                    self.settle(&path).await;
                } else {
                    self.grew(&path).await;
                }
            }
            progress.file_done(self.counters(), size);
        }
        progress.done(self.counters());
    }

    /// Follows a file found (if new) and reads what it has that is not stored yet.
    async fn follow(&mut self, file: FoundFile, live: bool) {
        if !self.files.contains_key(&file.path) && !self.add(&file).await {
            return;
        }
        let Some(followed) = self.files.get_mut(&file.path) else {
            return;
        };
        let now = (file.size, file.file_id.clone());
        if followed.seen == now {
            return;
        }
        followed.seen = now;
        let grew = self.pump(&file.path).await;
        if live && grew {
            self.grew(&file.path).await;
        }
    }

    /// Starts following a file: its target session and where its stored cursor left it.
    async fn add(&mut self, file: &FoundFile) -> bool {
        if self.files.len() >= self.settings.max_files {
            self.skipped += 1;
            if self.skipped == 1 {
                tracing::warn!(
                    max = self.settings.max_files,
                    "transcript files past --collect-max-files are skipped"
                );
            }
            self.counters().errors.fetch_add(1, Ordering::Relaxed);
            return false;
        }
        let key = file.path.display().to_string();
        let stored = self.stored.remove(&key);
        let target = match join::target(&self.hub, &file.transcript, stored.as_ref()).await {
            Ok(target) => target,
            Err(err) => {
                tracing::error!(%err, path = %key, "cannot look up the transcript's session; skipped");
                self.counters().errors.fetch_add(1, Ordering::Relaxed);
                return false;
            }
        };
        if target.joined {
            tracing::info!(path = %key, session.id = %target.session_id, "transcript of a session agentcast runs: joined to it, not shown twice");
        }
        let committed = stored.as_ref().map_or(0, |c| c.position);
        let seen = stored
            .as_ref()
            .map_or((0, None), |c| (c.position, c.file_id.clone()));
        let needs_start = committed == 0 && !target.joined && file.transcript.role == Role::Main;
        self.files.insert(
            file.path.clone(),
            Followed {
                transcript: file.transcript.clone(),
                target,
                reader: None,
                committed,
                seen,
                needs_start,
            },
        );
        self.counters()
            .files_followed
            .store(self.files.len() as u64, Ordering::Relaxed);
        true
    }

    /// Reads `path` to its end, step by step; each step's events and cursor are one
    /// publish. Returns whether anything new was published or consumed.
    async fn pump(&mut self, path: &Path) -> bool {
        let mut progressed = false;
        let mut resets = 0;
        loop {
            let Some(followed) = self.files.get_mut(path) else {
                return progressed;
            };
            let reader = match followed.reader.take() {
                Some(reader) => reader,
                None => {
                    let mapper = (self.mappers)(
                        &followed.transcript,
                        path,
                        &followed.target.session_id,
                        self.limits,
                    );
                    FileReader::new(path, mapper, self.limits.max_line_bytes, followed.committed)
                        .counted_in(self.hub.stats().ingest.clone())
                }
            };
            let read = tokio::task::spawn_blocking(move || {
                let mut reader = reader;
                let chunk = reader.read(READ_BUDGET, now_unix_millis());
                (reader, chunk)
            })
            .await;
            let Ok((reader, chunk)) = read else {
                return progressed; // the read panicked: nothing of it was published
            };
            let chunk = match chunk {
                Ok(chunk) => chunk,
                Err(ReadError::Io(err)) => {
                    self.failed(path, &err);
                    return progressed;
                }
                Err(changed) if resets == 0 => {
                    // Read again from the start; what the store has is not published again.
                    tracing::info!(path = %path.display(), %changed, "transcript changed under its path; reading it again without what is stored");
                    resets += 1;
                    continue;
                }
                Err(changed) => {
                    tracing::warn!(path = %path.display(), %changed, "transcript keeps changing; trying again later");
                    return progressed;
                }
            };
            if chunk.too_long > 0 {
                tracing::warn!(path = %path.display(), lines = chunk.too_long, max = self.limits.max_line_bytes, "transcript lines over --max-line-bytes skipped");
            }
            let cursor = (chunk.position > followed.committed).then(|| {
                let kind = followed.transcript.kind;
                join::cursor(
                    path,
                    kind,
                    &followed.target,
                    chunk.position,
                    reader.file_id(),
                )
            });
            let events = if followed.target.joined {
                Vec::new()
            } else {
                prepare(followed, chunk.events)
            };
            if cursor.is_some() || !events.is_empty() {
                let published = match self.hub.session(&followed.target.session_id) {
                    Ok(session) => session.publish_read(events, cursor).await.map(|_| ()),
                    Err(err) => Err(err),
                };
                let Some(followed) = self.files.get_mut(path) else {
                    return progressed;
                };
                if let Err(err) = published {
                    // The reader's mapper saw lines that are not stored: rebuild it.
                    tracing::error!(%err, path = %path.display(), "publishing a transcript's events failed; reading it again later");
                    followed.seen = (0, None);
                    return progressed;
                }
                followed.committed = followed.committed.max(chunk.position);
                progressed = true;
            }
            let followed = self.files.get_mut(path).expect("still followed");
            followed.reader = Some(reader);
            if !chunk.more {
                return progressed;
            }
        }
    }

    /// Reports a file that cannot be read; it is skipped until it changes.
    fn failed(&self, path: &Path, err: &std::io::Error) {
        if err.kind() == std::io::ErrorKind::NotFound {
            tracing::info!(path = %path.display(), "transcript deleted");
            return;
        }
        tracing::warn!(path = %path.display(), %err, "transcript unreadable; skipped until it changes");
        self.counters().errors.fetch_add(1, Ordering::Relaxed);
    }

    fn report_walk_errors(&self, found: &Found) {
        for (path, err) in &found.errors {
            tracing::warn!(path = %path.display(), %err, "transcript directory or file unreadable; skipped");
        }
        self.counters()
            .errors
            .fetch_add(found.errors.len() as u64, Ordering::Relaxed);
    }

    /// The transcript of `path` grew: its session (if ours) is running.
    async fn grew(&mut self, path: &Path) {
        let Some(followed) = self.files.get(path) else {
            return;
        };
        if followed.target.joined {
            return;
        }
        let id = followed.target.session_id.clone();
        let was_running = self.running.insert(id.clone(), Instant::now()).is_some();
        if !was_running {
            set_status(&self.hub, &id, SessionState::Running).await;
        }
    }

    /// An imported transcript that is not growing: its session (if ours and not ended) is idle.
    async fn settle(&mut self, path: &Path) {
        let Some(followed) = self.files.get(path) else {
            return;
        };
        if followed.target.joined || followed.transcript.role != Role::Main {
            return;
        }
        let id = followed.target.session_id.clone();
        set_status(&self.hub, &id, SessionState::Idle).await;
    }

    /// Sessions whose transcript has not grown for `--collect-idle-after-ms` become idle.
    pub async fn idle_check(&mut self) {
        let idle_after = self.settings.idle_after;
        let quiet: Vec<String> = self
            .running
            .iter()
            .filter(|(_, grew)| grew.elapsed() >= idle_after)
            .map(|(id, _)| id.clone())
            .collect();
        for id in quiet {
            self.running.remove(&id);
            set_status(&self.hub, &id, SessionState::Idle).await;
        }
    }
}

/// Publishes a status change, unless the session has ended (or already has it). (A free
/// function: a `&Collector` held across an await would need its mappers to be `Sync`.)
async fn set_status(hub: &Hub, id: &str, status: SessionState) {
    let Ok(session) = hub.session(id) else {
        return;
    };
    let now = session.status();
    if session.head_offset() == 0 || !now.is_active() || now == status {
        return;
    }
    let event = Event::SessionStatus(SessionStatus {
        status,
        pid: None,
        message: None,
    });
    if let Err(err) = session.publish(vec![event]).await {
        tracing::warn!(%err, session.id = %id, "status not published");
    }
}

impl Collector {
    /// A path changed (a notification or a poll): a transcript is read, a new directory
    /// walked and followed.
    pub async fn changed(&mut self, path: &Path, watches: &mut Watches) {
        let Some((spec, root)) = self.root_of(path) else {
            return;
        };
        match std::fs::metadata(path) {
            Ok(metadata) if metadata.is_dir() => {
                let Some(depth) = discovery::depth(&root, path) else {
                    return;
                };
                let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
                let followed = watches.follows(path);
                let can_hold = depth == 0 || (spec.descend)(depth - 1, name);
                if can_hold && !followed {
                    // A file made between a directory's listing and its watch would never
                    // be notified (Claude Code makes a project directory and writes its
                    // first transcript at once): list again once the watches stand, until
                    // a listing finds no directory that was not watched yet.
                    loop {
                        let mut found = Found::default();
                        discovery::walk(spec, &root, path, depth, &mut found);
                        let unwatched = found.dirs.iter().any(|dir| !watches.follows(dir));
                        self.take_found(found, watches).await;
                        if !unwatched {
                            break;
                        }
                    }
                }
            }
            Ok(_) => {
                let Some(transcript) = agents::classify(spec, &root, path) else {
                    return;
                };
                match discovery::stat(path, transcript) {
                    Ok(file) => self.follow(file, true).await,
                    Err(err) => self.failed(path, &err),
                }
            }
            Err(_) if watches.follows(path) => watches.remove(path),
            Err(_) => {}
        }
    }

    /// Follows what a walk found.
    async fn take_found(&mut self, mut found: Found, watches: &mut Watches) {
        for dir in &found.dirs {
            watches.add(dir);
        }
        self.report_walk_errors(&found);
        discovery::newest_first(&mut found.files);
        for file in found.files {
            self.follow(file, true).await;
        }
    }

    /// Looks at every polled directory (all of them in polling mode), and at roots that did
    /// not exist yet; with `everything`, at every directory followed (notifications lost).
    pub async fn poll(&mut self, watches: &mut Watches, everything: bool) {
        for (spec, root) in self.roots.clone() {
            if !watches.follows(&root) && root.is_dir() {
                let mut found = Found::default();
                discovery::walk(spec, &root, &root, 0, &mut found);
                self.take_found(found, watches).await;
            }
        }
        let dirs = if everything {
            watches.all()
        } else {
            watches.polled()
        };
        for dir in dirs {
            let entries = match std::fs::read_dir(&dir) {
                Ok(entries) => entries,
                Err(_) => {
                    watches.remove(&dir);
                    continue;
                }
            };
            for entry in entries.flatten() {
                let path = entry.path();
                let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
                if !is_dir || !watches.follows(&path) {
                    self.changed(&path, watches).await;
                }
            }
        }
    }

    /// The root `path` is under, with its agent kind's row.
    fn root_of(&self, path: &Path) -> Option<(&'static AgentSpec, PathBuf)> {
        self.roots
            .iter()
            .find(|(_, root)| path.starts_with(root))
            .map(|(spec, root)| (*spec, root.clone()))
    }
}

/// A transcript's events as its session gets them: a `session.started` says what the
/// collector knows (source, agent kind, the agent's session id), the first one too when the
/// mapper gives none.
fn prepare(followed: &mut Followed, mut events: Vec<Event>) -> Vec<Event> {
    let transcript = &followed.transcript;
    for event in &mut events {
        if let Event::SessionStarted(started) = event {
            fill_started(started, &followed.target.session_id, transcript);
            followed.needs_start = false;
        }
    }
    if followed.needs_start && !events.is_empty() {
        followed.needs_start = false;
        let mut started = SessionStarted::new(
            "",
            SessionSource::Transcript,
            format_ts_millis(now_unix_millis()),
        );
        fill_started(&mut started, &followed.target.session_id, transcript);
        events.insert(0, Event::SessionStarted(started));
    }
    events
}

fn fill_started(started: &mut SessionStarted, session_id: &str, transcript: &Transcript) {
    started.session_id = session_id.to_owned();
    started.source = SessionSource::Transcript;
    started.agent.get_or_insert(transcript.kind);
    started
        .agent_session_id
        .get_or_insert_with(|| transcript.agent_session_id.clone());
}

/// A root as an absolute path (what cursors are keyed by), its links resolved when it exists.
fn absolute(root: &Path) -> PathBuf {
    std::fs::canonicalize(root)
        .or_else(|_| std::path::absolute(root))
        .unwrap_or_else(|_| root.to_owned())
}
