//! The session catalog in SQLite: the `sessions` rows (soft-deleted with `deleted_at`) and
//! the `checkpoints` table.

use agentcast_shared::SessionState;
use agentcast_shared::rest::{Checkpoint, SessionFilter, SessionRecord};
use async_trait::async_trait;
use sqlx::sqlite::SqliteRow;

use super::{SqliteStore, get, get_uint, int, json_column, last_offset, raise_head, uint};
use crate::clock::now_ts;
use crate::store::error::{db, db_or_conflict};
use crate::store::session_catalog::{
    ACTIVE_STATUSES, COLLECTED_SOURCES, parse_agent, parse_source, parse_status,
};
use crate::store::{SessionCatalog, SessionKey, StoreError};

const SESSION_COLUMNS: &str = "id, label, project_id, source, command, cwd, model, status, \
     started_at, ended_at, duration_ms, head_offset, total_cost_usd, input_tokens, \
     output_tokens, cache_read_tokens, cache_creation_tokens, agent, agent_session_id, \
     cli_version, git_branch";

/// [`SESSION_COLUMNS`] to read: `append_batch` does not touch `sessions` (one statement less
/// per session and batch), so the head is the greater of the summary's and the last stored
/// event's. Trimming and deleting raise the summary's before they remove events.
const SESSION_SELECT: &str = r#"id, label, project_id, source, command, cwd, model, status,
     started_at, ended_at, duration_ms,
     CASE WHEN (SELECT MAX("offset") FROM events WHERE events.session_id = sessions.id)
               > head_offset
          THEN (SELECT MAX("offset") FROM events WHERE events.session_id = sessions.id)
          ELSE head_offset END AS head_offset,
     total_cost_usd, input_tokens, output_tokens, cache_read_tokens, cache_creation_tokens,
     agent, agent_session_id, cli_version, git_branch"#;

fn session_from_row(row: &SqliteRow) -> Result<SessionRecord, StoreError> {
    let command: Option<String> = get(row, "command")?;
    Ok(SessionRecord {
        id: get(row, "id")?,
        label: get(row, "label")?,
        project_id: get(row, "project_id")?,
        source: parse_source(&get::<String>(row, "source")?)?,
        command: command
            .map(|c| json_column(&c, "session command"))
            .transpose()?,
        cwd: get(row, "cwd")?,
        model: get(row, "model")?,
        status: parse_status(&get::<String>(row, "status")?)?,
        started_at: get(row, "started_at")?,
        ended_at: get(row, "ended_at")?,
        duration_ms: get::<Option<i64>>(row, "duration_ms")?
            .map(|d| uint(d, "duration_ms"))
            .transpose()?,
        head_offset: get_uint(row, "head_offset")?,
        total_cost_usd: get(row, "total_cost_usd")?,
        input_tokens: get_uint(row, "input_tokens")?,
        output_tokens: get_uint(row, "output_tokens")?,
        cache_read_tokens: get_uint(row, "cache_read_tokens")?,
        cache_creation_tokens: get_uint(row, "cache_creation_tokens")?,
        agent: get::<Option<String>>(row, "agent")?
            .map(|a| parse_agent(&a))
            .transpose()?,
        agent_session_id: get(row, "agent_session_id")?,
        cli_version: get(row, "cli_version")?,
        git_branch: get(row, "git_branch")?,
    })
}

fn checkpoint_from_row(row: &SqliteRow) -> Result<Checkpoint, StoreError> {
    Ok(Checkpoint {
        id: get(row, "id")?,
        session_id: get(row, "session_id")?,
        label: get(row, "label")?,
        offset: get_uint(row, "offset")?,
        created_at: get(row, "created_at")?,
    })
}

#[async_trait]
impl SessionCatalog for SqliteStore {
    async fn upsert_session(&self, s: &SessionRecord) -> Result<(), StoreError> {
        const OP: &str = "upsert_session";
        let command = s
            .command
            .as_ref()
            .map(|c| serde_json::to_string(c).expect("strings serialize"));
        let sql = format!(
            "INSERT INTO sessions ({SESSION_COLUMNS}) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) \
             ON CONFLICT (id) DO UPDATE SET \
                 label = excluded.label, project_id = excluded.project_id, \
                 source = excluded.source, command = excluded.command, cwd = excluded.cwd, \
                 model = excluded.model, status = excluded.status, \
                 started_at = excluded.started_at, ended_at = excluded.ended_at, \
                 duration_ms = excluded.duration_ms, \
                 head_offset = CASE WHEN excluded.head_offset > sessions.head_offset \
                     THEN excluded.head_offset ELSE sessions.head_offset END, \
                 total_cost_usd = excluded.total_cost_usd, \
                 input_tokens = excluded.input_tokens, output_tokens = excluded.output_tokens, \
                 cache_read_tokens = excluded.cache_read_tokens, \
                 cache_creation_tokens = excluded.cache_creation_tokens, \
                 agent = excluded.agent, agent_session_id = excluded.agent_session_id, \
                 cli_version = excluded.cli_version, git_branch = excluded.git_branch"
        );
        sqlx::query(&sql)
            .bind(&s.id)
            .bind(&s.label)
            .bind(&s.project_id)
            .bind(s.source.as_str())
            .bind(command)
            .bind(&s.cwd)
            .bind(&s.model)
            .bind(s.status.as_str())
            .bind(&s.started_at)
            .bind(&s.ended_at)
            .bind(s.duration_ms.map(int))
            .bind(int(s.head_offset))
            .bind(s.total_cost_usd)
            .bind(int(s.input_tokens))
            .bind(int(s.output_tokens))
            .bind(int(s.cache_read_tokens))
            .bind(int(s.cache_creation_tokens))
            .bind(s.agent.map(|a| a.as_str()))
            .bind(&s.agent_session_id)
            .bind(&s.cli_version)
            .bind(&s.git_branch)
            .execute(&self.writer)
            .await
            .map_err(db(OP))?;
        Ok(())
    }

    async fn get_session(&self, id: &str) -> Result<Option<SessionRecord>, StoreError> {
        let sql =
            format!("SELECT {SESSION_SELECT} FROM sessions WHERE id = ? AND deleted_at IS NULL");
        sqlx::query(&sql)
            .bind(id)
            .fetch_optional(&self.reader)
            .await
            .map_err(db("get_session"))?
            .as_ref()
            .map(session_from_row)
            .transpose()
    }

    async fn find_by_agent_session_id(
        &self,
        agent_session_id: &str,
    ) -> Result<Option<SessionRecord>, StoreError> {
        let sql = format!(
            "SELECT {SESSION_SELECT} FROM sessions \
             WHERE agent_session_id = ? AND deleted_at IS NULL ORDER BY started_at, id LIMIT 1"
        );
        sqlx::query(&sql)
            .bind(agent_session_id)
            .fetch_optional(&self.reader)
            .await
            .map_err(db("find_by_agent_session_id"))?
            .as_ref()
            .map(session_from_row)
            .transpose()
    }

    async fn list_sessions(
        &self,
        filter: SessionFilter,
        limit: u32,
        after: Option<&SessionKey>,
    ) -> Result<Vec<SessionRecord>, StoreError> {
        let status = match filter {
            SessionFilter::Active => "AND status IN (?, ?, ?, ?)",
            SessionFilter::All => "",
        };
        let page = match after {
            Some(_) => "AND (started_at < ? OR (started_at = ? AND id > ?))",
            None => "",
        };
        let sql = format!(
            "SELECT {SESSION_SELECT} FROM sessions WHERE deleted_at IS NULL {status} {page} \
             ORDER BY started_at DESC, id LIMIT ?"
        );
        let mut select = sqlx::query(&sql);
        if filter == SessionFilter::Active {
            for state in ACTIVE_STATUSES {
                select = select.bind(state.as_str());
            }
        }
        if let Some(key) = after {
            select = select
                .bind(&key.started_at)
                .bind(&key.started_at)
                .bind(&key.id);
        }
        select
            .bind(i64::from(limit))
            .fetch_all(&self.reader)
            .await
            .map_err(db("list_sessions"))?
            .iter()
            .map(session_from_row)
            .collect()
    }

    async fn mark_interrupted_on_startup(&self) -> Result<Vec<String>, StoreError> {
        const OP: &str = "mark_interrupted_on_startup";
        let rows = sqlx::query(
            r#"UPDATE sessions SET status = ?,
                   ended_at = COALESCE(ended_at, (
                       SELECT ts FROM events WHERE events.session_id = sessions.id
                       ORDER BY "offset" DESC LIMIT 1))
               WHERE status IN (?, ?, ?, ?) AND source NOT IN (?, ?)
               RETURNING id, deleted_at"#,
        )
        .bind(SessionState::Interrupted.as_str())
        .bind(ACTIVE_STATUSES[0].as_str())
        .bind(ACTIVE_STATUSES[1].as_str())
        .bind(ACTIVE_STATUSES[2].as_str())
        .bind(ACTIVE_STATUSES[3].as_str())
        .bind(COLLECTED_SOURCES[0].as_str())
        .bind(COLLECTED_SOURCES[1].as_str())
        .fetch_all(&self.writer)
        .await
        .map_err(db(OP))?;
        // Collected sessions: whether their agent still runs, their collector tells once it
        // reads on; until then they are idle, not over.
        sqlx::query("UPDATE sessions SET status = ? WHERE status IN (?, ?) AND source IN (?, ?)")
            .bind(SessionState::Idle.as_str())
            .bind(SessionState::Starting.as_str())
            .bind(SessionState::Running.as_str())
            .bind(COLLECTED_SOURCES[0].as_str())
            .bind(COLLECTED_SOURCES[1].as_str())
            .execute(&self.writer)
            .await
            .map_err(db(OP))?;
        let mut ids = Vec::new();
        for row in &rows {
            if get::<Option<String>>(row, "deleted_at")?.is_none() {
                ids.push(get::<String>(row, "id")?);
            }
        }
        ids.sort();
        Ok(ids)
    }

    async fn delete_session(&self, id: &str) -> Result<bool, StoreError> {
        const OP: &str = "delete_session";
        let mut tx = self.begin(OP).await?;
        if let Some(last) = last_offset(&mut tx, id, OP).await? {
            raise_head(&mut tx, id, last, OP).await?;
        }
        let marked =
            sqlx::query("UPDATE sessions SET deleted_at = ? WHERE id = ? AND deleted_at IS NULL")
                .bind(now_ts())
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(db(OP))?
                .rows_affected();
        for sql in [
            "DELETE FROM events WHERE session_id = ?",
            "DELETE FROM checkpoints WHERE session_id = ?",
        ] {
            sqlx::query(sql)
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(db(OP))?;
        }
        tx.commit().await.map_err(db(OP))?;
        Ok(marked == 1)
    }

    async fn add_checkpoint(&self, c: &Checkpoint) -> Result<(), StoreError> {
        const OP: &str = "add_checkpoint";
        sqlx::query(
            r#"INSERT INTO checkpoints (id, session_id, label, "offset", created_at)
               VALUES (?, ?, ?, ?, ?)"#,
        )
        .bind(&c.id)
        .bind(&c.session_id)
        .bind(&c.label)
        .bind(int(c.offset))
        .bind(&c.created_at)
        .execute(&self.writer)
        .await
        .map_err(db_or_conflict(OP, "checkpoint", || c.id.clone()))?;
        Ok(())
    }

    async fn get_checkpoint(&self, id: &str) -> Result<Option<Checkpoint>, StoreError> {
        sqlx::query(
            r#"SELECT id, session_id, label, "offset", created_at FROM checkpoints WHERE id = ?"#,
        )
        .bind(id)
        .fetch_optional(&self.reader)
        .await
        .map_err(db("get_checkpoint"))?
        .as_ref()
        .map(checkpoint_from_row)
        .transpose()
    }

    async fn list_checkpoints(&self, session_id: &str) -> Result<Vec<Checkpoint>, StoreError> {
        sqlx::query(
            r#"SELECT id, session_id, label, "offset", created_at FROM checkpoints
               WHERE session_id = ? ORDER BY "offset", id"#,
        )
        .bind(session_id)
        .fetch_all(&self.reader)
        .await
        .map_err(db("list_checkpoints"))?
        .iter()
        .map(checkpoint_from_row)
        .collect()
    }

    async fn delete_checkpoint(&self, id: &str) -> Result<bool, StoreError> {
        self.delete_by_key(
            "DELETE FROM checkpoints WHERE id = ?",
            id,
            "delete_checkpoint",
        )
        .await
    }
}
