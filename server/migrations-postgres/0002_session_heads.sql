-- Several servers on one database (DESIGN.md section 12): a session's offsets are assigned
-- where its events are stored, so that events for one session arriving on two servers at once
-- still get gapless offsets in one order. Each group commit adds its event count to the
-- session's row here and takes its offsets from the result; the row stays locked until the
-- commit ends, so the next server's commit for the session waits and continues after it.
--
-- A session without a row (its history came from before this table, or from `agentcast db
-- copy`) gets one on its next commit, seeded from its stored head. Deleting or trimming a
-- session never lowers its row: an offset is never given twice.
CREATE TABLE session_heads (
    session_id TEXT COLLATE "C" PRIMARY KEY,
    head       BIGINT NOT NULL
);
