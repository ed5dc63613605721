//! Ingest: how long one line of agent output may be and how large an NDJSON upload.

use super::group::settings_group;
use super::values::positive;
use crate::ingest::IngestLimits;

settings_group! {
    /// The bounds every source of agent output works within.
    IngestSettings from IngestArgs and IngestFile, heading "Ingest";
    /// Longest agent output line, in bytes; longer lines become agent.error.
    max_line_bytes -> max_line_bytes: usize {
        flag: "max-line-bytes", env: "AGENTCAST_MAX_LINE_BYTES", value_name: "BYTES",
        input: usize, default: IngestLimits::DEFAULT_MAX_LINE_BYTES, shown: "16 MiB",
        check: positive,
    }
    /// Largest `POST /api/sessions/{id}/events` body, in bytes.
    max_ndjson_body -> max_ndjson_body: u64 {
        flag: "max-ndjson-body", env: "AGENTCAST_MAX_NDJSON_BODY", value_name: "BYTES",
        input: u64, default: 1 << 30, shown: "1 GiB", check: positive,
    }
}

impl IngestSettings {
    /// The limits every source (processes, `pipe`, the socket `ingest` command, uploads) uses.
    pub fn limits(&self) -> IngestLimits {
        IngestLimits {
            max_line_bytes: self.max_line_bytes,
            ..Default::default()
        }
    }
}
