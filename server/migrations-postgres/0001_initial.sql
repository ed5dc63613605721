-- The event store on PostgreSQL (DESIGN.md sections 4 and 12): the schema SQLite reaches after
-- its migrations 0001 to 0004 (server/migrations), in one step, with the same tables, columns
-- and meanings; the comments there say what each is for. Differences, and why:
--
-- - Timestamps stay TEXT in the wire format (RFC 3339 UTC with milliseconds), not TIMESTAMPTZ:
--   an event read back must carry exactly the `ts` its live clients got, the fixed width makes
--   string order the time order (retention and the session list compare them as strings, as
--   on SQLite), and `agentcast db copy` moves them without a conversion.
-- - JSON stays TEXT, not JSONB: `data` is the envelope's `data` as the sequencer serialized it,
--   and clients get it back byte for byte (JSONB would reorder keys and drop duplicates). Nothing
--   queries inside it, so JSONB's operators and indexes would buy nothing.
-- - Every TEXT column is `COLLATE "C"`: byte order, as SQLite and the memory store compare, so
--   ids, timestamps and group keys sort the same on every backend whatever the database's
--   locale (a locale's order ignores punctuation at first), and the indexes serve those sorts.
-- - `"offset"` is quoted: OFFSET is a reserved word.
--
-- A later change to the schema is a new file here and one in server/migrations.

CREATE TABLE sessions (
    id                    TEXT COLLATE "C" PRIMARY KEY,
    label                 TEXT COLLATE "C",
    project_id            TEXT COLLATE "C",
    source                TEXT COLLATE "C" NOT NULL,
    command               TEXT COLLATE "C",
    cwd                   TEXT COLLATE "C",
    model                 TEXT COLLATE "C",
    status                TEXT COLLATE "C" NOT NULL,
    started_at            TEXT COLLATE "C" NOT NULL,
    ended_at              TEXT COLLATE "C",
    duration_ms           BIGINT,
    head_offset           BIGINT NOT NULL DEFAULT 0,
    total_cost_usd        DOUBLE PRECISION,
    input_tokens          BIGINT NOT NULL DEFAULT 0,
    output_tokens         BIGINT NOT NULL DEFAULT 0,
    cache_read_tokens     BIGINT NOT NULL DEFAULT 0,
    cache_creation_tokens BIGINT NOT NULL DEFAULT 0,
    deleted_at            TEXT COLLATE "C",
    agent                 TEXT COLLATE "C",
    agent_session_id      TEXT COLLATE "C",
    cli_version           TEXT COLLATE "C",
    git_branch            TEXT COLLATE "C"
);

-- The session list's order and pages (newest start first, then id), and the analytics' ranges.
CREATE INDEX sessions_list_order ON sessions (started_at DESC, id);
-- `mark_interrupted_on_startup` and `?status=active`.
CREATE INDEX sessions_status ON sessions (status);
-- "Is this transcript a session we already have?"
CREATE INDEX sessions_agent_session_id ON sessions (agent_session_id);

-- Every stored event; the primary key serves every read (a session's range, MIN and MAX).
CREATE TABLE events (
    session_id TEXT COLLATE "C" NOT NULL,
    "offset"   BIGINT NOT NULL,
    type       TEXT COLLATE "C" NOT NULL,
    ts         TEXT COLLATE "C" NOT NULL,
    data       TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (session_id, "offset")
);

CREATE TABLE checkpoints (
    id         TEXT COLLATE "C" PRIMARY KEY,
    session_id TEXT COLLATE "C" NOT NULL,
    label      TEXT COLLATE "C",
    "offset"   BIGINT NOT NULL,
    created_at TEXT COLLATE "C" NOT NULL
);

CREATE INDEX checkpoints_session ON checkpoints (session_id, "offset");

CREATE TABLE projects (
    id         TEXT COLLATE "C" PRIMARY KEY,
    name       TEXT COLLATE "C" NOT NULL,
    settings   TEXT COLLATE "C" NOT NULL,
    created_at TEXT COLLATE "C" NOT NULL,
    path       TEXT COLLATE "C"
);

CREATE TABLE mcp_servers (
    name       TEXT COLLATE "C" PRIMARY KEY,
    command    TEXT COLLATE "C" NOT NULL,
    args       TEXT COLLATE "C" NOT NULL,
    env        TEXT COLLATE "C" NOT NULL,
    created_at TEXT COLLATE "C" NOT NULL
);

CREATE TABLE collector_files (
    path       TEXT COLLATE "C" PRIMARY KEY,
    agent      TEXT COLLATE "C" NOT NULL,
    session_id TEXT COLLATE "C" NOT NULL,
    position   BIGINT NOT NULL,
    file_id    TEXT COLLATE "C",
    updated_at TEXT COLLATE "C" NOT NULL
);
