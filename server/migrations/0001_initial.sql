-- The event store (DESIGN.md section 4). Portable SQL: the same file is meant to run on
-- PostgreSQL behind the same `EventStore` trait. Hence TEXT, BIGINT and DOUBLE PRECISION
-- (SQLite maps them to its TEXT, INTEGER and REAL affinities), no AUTOINCREMENT, no
-- WITHOUT ROWID, and `"offset"` quoted (OFFSET is a reserved word in PostgreSQL).
--
-- Timestamps are TEXT in the wire format, RFC 3339 UTC with milliseconds
-- (`2026-11-24T10:00:00.123Z`): fixed width, so comparing the strings compares the instants,
-- and an event read back carries exactly the `ts` its live clients got. JSON columns are TEXT
-- so that the bytes read back are the bytes written (PostgreSQL's JSONB would reorder keys).

-- One row per session: its summary and cumulative totals, kept up to date from lifecycle and
-- usage events so that the session list and the analytics never scan `events`.
CREATE TABLE sessions (
    id                    TEXT PRIMARY KEY,
    label                 TEXT,
    project_id            TEXT,
    source                TEXT NOT NULL,
    -- JSON array of strings: the command line, when a process was started.
    command               TEXT,
    cwd                   TEXT,
    model                 TEXT,
    status                TEXT NOT NULL,
    started_at            TEXT NOT NULL,
    ended_at              TEXT,
    duration_ms           BIGINT,
    -- The session's head as of its last summary, raised again before trimming or a delete
    -- removes events: readers take the greater of it and MAX(events."offset"), so the head
    -- never goes back and offsets continue from it after a restart.
    head_offset           BIGINT NOT NULL DEFAULT 0,
    total_cost_usd        DOUBLE PRECISION,
    input_tokens          BIGINT NOT NULL DEFAULT 0,
    output_tokens         BIGINT NOT NULL DEFAULT 0,
    cache_read_tokens     BIGINT NOT NULL DEFAULT 0,
    cache_creation_tokens BIGINT NOT NULL DEFAULT 0,
    -- Set by a (soft) delete; the row stays for the analytics.
    deleted_at            TEXT
);

-- The session list (newest first) and the analytics' time ranges.
CREATE INDEX sessions_started_at ON sessions (started_at);
-- `mark_interrupted_on_startup` and `?status=active`.
CREATE INDEX sessions_status ON sessions (status);

-- Every stored event. No foreign key to `sessions`: the sequencer may append a session's
-- first events before its summary row is written, and group commit mixes sessions.
CREATE TABLE events (
    session_id TEXT NOT NULL,
    "offset"   BIGINT NOT NULL,
    type       TEXT NOT NULL,
    ts         TEXT NOT NULL,
    -- The envelope's `data`, serialized once by the sequencer.
    data       TEXT NOT NULL,
    PRIMARY KEY (session_id, "offset")
);

CREATE TABLE checkpoints (
    id         TEXT PRIMARY KEY,
    session_id TEXT NOT NULL,
    label      TEXT,
    "offset"   BIGINT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE INDEX checkpoints_session ON checkpoints (session_id, "offset");

CREATE TABLE projects (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    -- JSON object.
    settings   TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE mcp_servers (
    name       TEXT PRIMARY KEY,
    command    TEXT NOT NULL,
    -- JSON array of strings.
    args       TEXT NOT NULL,
    -- JSON object of strings.
    env        TEXT NOT NULL,
    created_at TEXT NOT NULL
);
