//! The import's progress: in the hub's collector counters (`system.stats`) and, every few
//! seconds while it lasts, in the log.

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use crate::hub::CollectorCounters;

/// How often the log says how far the import got.
const LOG_EVERY: Duration = Duration::from_secs(2);

pub(crate) struct Progress {
    started: Instant,
    logged: Instant,
}

impl Progress {
    /// The import starts with `files` of `bytes` found.
    pub fn start(counters: &CollectorCounters, files: u64, bytes: u64) -> Self {
        counters.files_total.store(files, Ordering::Relaxed);
        counters.bytes_total.store(bytes, Ordering::Relaxed);
        counters.importing.store(true, Ordering::Relaxed);
        tracing::info!(files, bytes, "importing transcripts, newest first");
        let now = Instant::now();
        Progress {
            started: now,
            logged: now,
        }
    }

    /// One file of `bytes` imported.
    pub fn file_done(&mut self, counters: &CollectorCounters, bytes: u64) {
        counters.files_imported.fetch_add(1, Ordering::Relaxed);
        counters.bytes_imported.fetch_add(bytes, Ordering::Relaxed);
        if self.logged.elapsed() >= LOG_EVERY {
            self.logged = Instant::now();
            tracing::info!(
                files = counters.files_imported.load(Ordering::Relaxed),
                of = counters.files_total.load(Ordering::Relaxed),
                bytes = counters.bytes_imported.load(Ordering::Relaxed),
                "importing transcripts"
            );
        }
    }

    /// The queue is empty.
    pub fn done(self, counters: &CollectorCounters) {
        counters.importing.store(false, Ordering::Relaxed);
        tracing::info!(
            files = counters.files_imported.load(Ordering::Relaxed),
            bytes = counters.bytes_imported.load(Ordering::Relaxed),
            elapsed_ms = self.started.elapsed().as_millis() as u64,
            "transcripts imported; following them"
        );
    }
}
