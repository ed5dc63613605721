//! The transcript collector (DESIGN.md section 9): every Claude Code and Codex session on the
//! machine, read from the agents' own transcripts, without wrapping the agents.
//!
//! At start, the stored read positions are loaded and the transcripts under the roots are
//! imported newest first (progress in the log and in `system.stats`); then their directories
//! are followed, with file notifications or by polling. Each step of reading publishes its
//! events with the file's new position in one transaction, so a restart resumes exactly.
//!
//! - `agents`: the agent kinds as a table: roots, which paths are transcripts, the mapper.
//! - `discovery`: walking a root; the import order.
//! - `reader`: one file read from a position into events, line by line, bounded.
//! - `join`: which session a transcript goes to (its own, or a run's that it joins).
//! - `follow`: notifications and polled directories.
//! - `progress`: the import's counters and log lines.
//! - `collector`: the files followed, and reading them into their sessions.

mod agents;
mod collector;
mod discovery;
mod follow;
mod join;
mod progress;
mod reader;
#[cfg(test)]
mod tests;

use std::sync::Arc;
use std::sync::atomic::Ordering;

use tokio::task::JoinHandle;

use crate::config::CollectSettings;
use agentcast_shared::Severity;

use crate::hub::{Component, Hub};
use crate::ingest::IngestLimits;
use collector::{Collector, MapperFactory};
use follow::Watches;

/// Starts collecting (unless `--no-collect`): the task runs until aborted. Aborting it is
/// safe at any point: a publish it was waiting for commits its events and cursor together or
/// not at all.
pub fn spawn(hub: Hub, settings: CollectSettings, limits: IngestLimits) -> Option<JoinHandle<()>> {
    if settings.disabled {
        return None;
    }
    Some(spawn_with(hub, settings, limits, Arc::new(agents::mapper)))
}

/// [`spawn`] with the mappers given (tests give their own).
pub(crate) fn spawn_with(
    hub: Hub,
    settings: CollectSettings,
    limits: IngestLimits,
    mappers: MapperFactory,
) -> JoinHandle<()> {
    let counters = &hub.stats().collector;
    // Importing from the start: nobody reads "done" before the walk has counted the files.
    counters.importing.store(true, Ordering::Relaxed);
    counters.enabled.store(true, Ordering::Relaxed);
    tokio::spawn(async move {
        let watchdog = Stopped(hub.clone());
        run(hub, settings, limits, mappers).await;
        watchdog.report("its loop ended");
    })
}

/// Marks the collector stopped (`/health`, `/metrics`) and reports it as `system.error` when
/// its task ends while the server runs: it panicked (dropped while unwinding) or its loop
/// ended. An abort at shutdown drops it quietly.
struct Stopped(Hub);

impl Stopped {
    fn report(&self, why: &str) {
        let stats = self.0.stats();
        stats.collector.stopped.store(true, Ordering::Relaxed);
        let message = format!("the transcript collector stopped ({why}); see the server log");
        tracing::error!(why, "the transcript collector stopped");
        stats
            .errors
            .report(Component::Collector, Severity::Error, message);
    }
}

impl Drop for Stopped {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.report("it panicked");
        }
    }
}

async fn run(hub: Hub, settings: CollectSettings, limits: IngestLimits, mappers: MapperFactory) {
    // Watching starts before the import, so nothing written meanwhile is missed.
    let (mut watches, mut changes) = Watches::new(settings.watch, settings.max_watches);
    let mut poll = tokio::time::interval(settings.poll_interval);
    poll.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut idle = tokio::time::interval(settings.idle_after / 4);
    idle.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut collector = Collector::new(hub, settings, limits, mappers);
    collector.import(&mut watches).await;
    loop {
        tokio::select! {
            Some(paths) = changes.paths.recv() => {
                let mut paths = paths;
                // What else is queued joins this round: a burst of writes is one read.
                while let Ok(more) = changes.paths.try_recv() {
                    paths.extend(more);
                }
                paths.sort();
                paths.dedup();
                for path in paths {
                    collector.changed(&path, &mut watches).await;
                }
            }
            () = changes.wake.notified() => {}
            _ = poll.tick() => collector.poll(&mut watches, false).await,
            _ = idle.tick() => collector.idle_check().await,
        }
        if changes.rescan.swap(false, Ordering::Relaxed) {
            tracing::info!("file notifications were lost; looking at every transcript directory");
            collector.poll(&mut watches, true).await;
        }
    }
}
