//! The transcript collectors' import as the sessions list shows it: from the `collector` part
//! of `system.stats` (sent on the hub namespace every few seconds), files and bytes read of
//! those found at start, as a percentage, and how many files could not be read. Shown while
//! the import runs; afterwards only the errors, if there were any.

use crate::{CollectorStats, Envelope, Event};

use super::format;

/// What the indicator shows.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportProgress {
    /// True while the import runs: the bar is shown.
    pub importing: bool,
    /// `Importing transcripts: 120 of 5,000 files`, or `Transcripts imported: 5,000 files`.
    pub label: String,
    /// `1.2 GB of 3.4 GB (35%)`.
    pub detail: String,
    /// 0 to 100: bytes read of the bytes found (files when no byte was found).
    pub percent: f64,
    /// `3 files could not be read`; `None` when every file could.
    pub errors: Option<String>,
}

impl ImportProgress {
    /// What to show for the collectors' stats; `None` when there is nothing to show (no
    /// collector, or an import that ended without errors).
    pub fn of(stats: &CollectorStats) -> Option<ImportProgress> {
        let errors = (stats.errors > 0).then(|| {
            format!(
                "{} {} could not be read",
                count(stats.errors),
                plural(stats.errors, "file", "files")
            )
        });
        if !stats.importing && errors.is_none() {
            return None;
        }
        let percent = if stats.bytes_total > 0 {
            ratio(stats.bytes_imported, stats.bytes_total)
        } else {
            ratio(stats.files_imported, stats.files_total)
        };
        let label = if stats.importing {
            format!(
                "Importing transcripts: {} of {} {}",
                count(stats.files_imported),
                count(stats.files_total),
                plural(stats.files_total, "file", "files")
            )
        } else {
            format!(
                "Transcripts imported: {} {}",
                count(stats.files_imported),
                plural(stats.files_imported, "file", "files")
            )
        };
        Some(ImportProgress {
            importing: stats.importing,
            label,
            detail: format!(
                "{} of {} ({}%)",
                format::bytes(stats.bytes_imported),
                format::bytes(stats.bytes_total),
                percent.floor()
            ),
            percent,
            errors,
        })
    }

    /// The collectors' stats in a hub event, if it is a `system.stats` that has them: `Some(None)`
    /// for stats without a collector (collecting is off), `None` for any other event.
    pub fn stats_in(envelope: &Envelope) -> Option<Option<CollectorStats>> {
        match envelope.event() {
            Ok(Event::SystemStats(stats)) => Some(stats.collector),
            _ => None,
        }
    }
}

/// `part` of `whole` in percent, 0 to 100 (counters read at different moments may overshoot).
fn ratio(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        return 0.0;
    }
    (part as f64 / whole as f64 * 100.0).clamp(0.0, 100.0)
}

/// `5,000`: counts of files read better with a separator.
fn count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn plural(n: u64, one: &'static str, many: &'static str) -> &'static str {
    if n == 1 { one } else { many }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn stats(importing: bool, files: (u64, u64), bytes: (u64, u64), errors: u64) -> CollectorStats {
        CollectorStats {
            importing,
            files_imported: files.0,
            files_total: files.1,
            bytes_imported: bytes.0,
            bytes_total: bytes.1,
            files_followed: 3,
            errors,
        }
    }

    #[test]
    fn importing_shows_files_bytes_and_percent() {
        let p = ImportProgress::of(&stats(true, (120, 5000), (1_200_000_000, 3_400_000_000), 0))
            .unwrap();
        assert!(p.importing);
        assert_eq!(p.label, "Importing transcripts: 120 of 5,000 files");
        assert_eq!(p.detail, "1.2 GB of 3.4 GB (35%)");
        assert!((p.percent - 35.294).abs() < 0.01, "{}", p.percent);
        assert_eq!(p.errors, None);
    }

    #[test]
    fn the_indicator_goes_when_the_import_is_done_unless_files_failed() {
        assert_eq!(
            ImportProgress::of(&stats(false, (5000, 5000), (10, 10), 0)),
            None
        );
        let p = ImportProgress::of(&stats(false, (4998, 5000), (10, 10), 2)).unwrap();
        assert!(!p.importing);
        assert_eq!(p.label, "Transcripts imported: 4,998 files");
        assert_eq!(p.errors.as_deref(), Some("2 files could not be read"));
        let p = ImportProgress::of(&stats(true, (0, 1), (0, 0), 1)).unwrap();
        assert_eq!(p.errors.as_deref(), Some("1 file could not be read"));
        assert_eq!(p.label, "Importing transcripts: 0 of 1 file");
    }

    #[test]
    fn odd_counters_stay_between_0_and_100() {
        // Nothing found yet, no bytes: by files, and 0 of 0 is 0%.
        let p = ImportProgress::of(&stats(true, (0, 0), (0, 0), 0)).unwrap();
        assert_eq!((p.percent, p.detail.as_str()), (0.0, "0 B of 0 B (0%)"));
        // Files only (empty files): by files.
        let p = ImportProgress::of(&stats(true, (1, 4), (0, 0), 0)).unwrap();
        assert_eq!(p.percent, 25.0);
        // A file that grew while read: never past 100%.
        let p = ImportProgress::of(&stats(true, (4, 4), (1500, 1000), 0)).unwrap();
        assert_eq!(p.percent, 100.0);
        assert_eq!(count(0), "0");
        assert_eq!(count(999), "999");
        assert_eq!(count(1_234_567), "1,234,567");
    }

    #[test]
    fn reads_the_collector_out_of_system_stats() {
        let envelope = |kind: &str, data| Envelope {
            offset: 0,
            session_id: String::new(),
            ts: "2026-11-24T10:00:00.000Z".into(),
            kind: kind.into(),
            data,
        };
        let base = json!({"connections": 1, "sessions_active": 0, "events_in_per_s": 0.0,
            "events_out_per_s": 0.0, "memory_bytes": 1, "uptime_s": 1});
        assert_eq!(
            ImportProgress::stats_in(&envelope("system.stats", base.clone())),
            Some(None)
        );
        let mut with = base;
        with["collector"] = json!({"importing": true, "files_total": 2, "files_imported": 1,
            "bytes_total": 10, "bytes_imported": 5, "files_followed": 0, "errors": 0});
        assert_eq!(
            ImportProgress::stats_in(&envelope("system.stats", with)),
            Some(Some(stats(true, (1, 2), (5, 10), 0)).map(|mut s| {
                s.files_followed = 0;
                s
            }))
        );
        assert_eq!(
            ImportProgress::stats_in(&envelope("session.status", json!({"status": "running"}))),
            None
        );
    }
}
