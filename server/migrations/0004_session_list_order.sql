-- The sessions list's order (newest start first, then id) and its pages (after a key) read
-- this index instead of sorting every session.
CREATE INDEX sessions_list_order ON sessions (started_at DESC, id);
DROP INDEX sessions_started_at;
