-- Collected sessions (DESIGN.md section 9): which agent a session is and its own id for it
-- (a transcript of a session agentcast runs is joined to that session by it), its CLI version
-- and git branch; and how far the collectors read each transcript file.

ALTER TABLE sessions ADD COLUMN agent TEXT;
ALTER TABLE sessions ADD COLUMN agent_session_id TEXT;
ALTER TABLE sessions ADD COLUMN cli_version TEXT;
ALTER TABLE sessions ADD COLUMN git_branch TEXT;

-- "Is this transcript a session we already have?"
CREATE INDEX sessions_agent_session_id ON sessions (agent_session_id);

-- One row per transcript file a collector reads: the byte position after the last complete
-- line whose events are stored, written in the same transaction as those events, so that a
-- restart resumes exactly there (no duplicate, no gap). `file_id` identifies the file the
-- position belongs to (device and inode), so a file replaced under the same path is read
-- again from its start; `size` is the length read up to, so a file that shrank is too.
CREATE TABLE collector_files (
    path       TEXT PRIMARY KEY,
    agent      TEXT NOT NULL,
    session_id TEXT NOT NULL,
    position   BIGINT NOT NULL,
    file_id    TEXT,
    updated_at TEXT NOT NULL
);
