//! Following directories: file notifications (notify, one non-recursive watch per directory
//! that can hold transcripts) and the directories polled instead, past the watch limit or in
//! polling mode. A notification names the paths that changed; the collector reads them.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use notify::{EventKind, RecommendedWatcher, RecursiveMode, Watcher};
use tokio::sync::{Notify, mpsc};

use crate::config::WatchMode;

/// Notifications queued for the collector; past it a rescan replaces them.
const QUEUE: usize = 4096;

/// Where notifications arrive.
pub(crate) struct Changes {
    pub paths: mpsc::Receiver<Vec<PathBuf>>,
    /// Set when notifications were lost (the queue was full, or the kernel's overflowed):
    /// every directory is then looked at again.
    pub rescan: Arc<AtomicBool>,
    /// Wakes the collector when `rescan` is set.
    pub wake: Arc<Notify>,
}

/// The directories followed, watched or polled.
pub(crate) struct Watches {
    watcher: Option<RecommendedWatcher>,
    watched: HashSet<PathBuf>,
    polled: HashSet<PathBuf>,
    max: usize,
    /// The watch limit was hit (ours or the system's): said once in the log.
    limit_reported: bool,
}

impl Watches {
    /// Watches with notifications in `WatchMode::Notify` (polling all if the watcher cannot
    /// start), else polls everything.
    pub fn new(mode: WatchMode, max: usize) -> (Self, Changes) {
        let (tx, paths) = mpsc::channel(QUEUE);
        let rescan = Arc::new(AtomicBool::new(false));
        let wake = Arc::new(Notify::new());
        let watcher = match mode {
            WatchMode::Poll => None,
            WatchMode::Notify => {
                let (rescan, wake) = (rescan.clone(), wake.clone());
                let lost = move || {
                    rescan.store(true, Ordering::Relaxed);
                    wake.notify_one();
                };
                let handler = move |event: notify::Result<notify::Event>| match event {
                    // Opening and reading (ours included) is no change.
                    Ok(event) if matches!(event.kind, EventKind::Access(_)) => {}
                    Ok(event) if event.need_rescan() => lost(),
                    Ok(event) => {
                        if tx.try_send(event.paths).is_err() {
                            lost();
                        }
                    }
                    Err(err) => {
                        tracing::warn!(%err, "file notifications failed; rescanning");
                        lost();
                    }
                };
                match notify::recommended_watcher(handler) {
                    Ok(watcher) => Some(watcher),
                    Err(err) => {
                        tracing::warn!(%err, "file notifications unavailable; polling transcripts");
                        None
                    }
                }
            }
        };
        let watches = Watches {
            watcher,
            watched: HashSet::new(),
            polled: HashSet::new(),
            max,
            limit_reported: false,
        };
        (
            watches,
            Changes {
                paths,
                rescan,
                wake,
            },
        )
    }

    /// Follows `dir`: watched while the limit allows, else polled.
    pub fn add(&mut self, dir: &Path) {
        if self.watched.contains(dir) || self.polled.contains(dir) {
            return;
        }
        let Some(watcher) = self.watcher.as_mut() else {
            self.polled.insert(dir.to_owned());
            return;
        };
        if self.watched.len() >= self.max {
            self.over_limit(dir, "--collect-max-watches");
            return;
        }
        match watcher.watch(dir, RecursiveMode::NonRecursive) {
            Ok(()) => {
                self.watched.insert(dir.to_owned());
            }
            Err(err) if matches!(err.kind, notify::ErrorKind::MaxFilesWatch) => {
                self.over_limit(
                    dir,
                    "the system's inotify watch limit (fs.inotify.max_user_watches)",
                );
            }
            Err(err) => {
                tracing::debug!(%err, dir = %dir.display(), "cannot watch; polling it");
                self.polled.insert(dir.to_owned());
            }
        }
    }

    fn over_limit(&mut self, dir: &Path, limit: &str) {
        if !self.limit_reported {
            self.limit_reported = true;
            tracing::warn!(
                watched = self.watched.len(),
                limit,
                "watch limit reached: further transcript directories are polled"
            );
        }
        self.polled.insert(dir.to_owned());
    }

    /// Stops following `dir` (it is gone).
    pub fn remove(&mut self, dir: &Path) {
        if self.watched.remove(dir)
            && let Some(watcher) = self.watcher.as_mut()
        {
            let _ = watcher.unwatch(dir);
        }
        self.polled.remove(dir);
    }

    pub fn follows(&self, dir: &Path) -> bool {
        self.watched.contains(dir) || self.polled.contains(dir)
    }

    /// The directories polled.
    pub fn polled(&self) -> Vec<PathBuf> {
        self.polled.iter().cloned().collect()
    }

    /// Every directory followed.
    pub fn all(&self) -> Vec<PathBuf> {
        self.watched.iter().chain(&self.polled).cloned().collect()
    }
}
