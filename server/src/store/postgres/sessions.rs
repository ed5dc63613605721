//! The session catalog in PostgreSQL: the `sessions` rows (soft-deleted with `deleted_at`)
//! and the `checkpoints` table.

use agentcast_shared::SessionState;
use agentcast_shared::rest::{Checkpoint, SessionFilter, SessionRecord};
use async_trait::async_trait;
use sqlx::postgres::PgRow;

use super::{PostgresStore, get, get_uint, int, json_column, last_offset, raise_head, uint};
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
     GREATEST(head_offset,
         (SELECT MAX("offset") FROM events WHERE events.session_id = sessions.id)) AS head_offset,
     total_cost_usd, input_tokens, output_tokens, cache_read_tokens, cache_creation_tokens,
     agent, agent_session_id, cli_version, git_branch"#;

fn session_from_row(row: &PgRow) -> Result<SessionRecord, StoreError> {
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

fn checkpoint_from_row(row: &PgRow) -> Result<Checkpoint, StoreError> {
    Ok(Checkpoint {
        id: get(row, "id")?,
        session_id: get(row, "session_id")?,
        label: get(row, "label")?,
        offset: get_uint(row, "offset")?,
        created_at: get(row, "created_at")?,
    })
}

#[async_trait]
impl SessionCatalog for PostgresStore {
    async fn upsert_session(&self, s: &SessionRecord) -> Result<(), StoreError> {
        const OP: &str = "upsert_session";
        let command = s
            .command
            .as_ref()
            .map(|c| serde_json::to_string(c).expect("strings serialize"));
        let sql = format!(
            "INSERT INTO sessions ({SESSION_COLUMNS}) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, \
                     $18, $19, $20, $21) \
             ON CONFLICT (id) DO UPDATE SET \
                 label = excluded.label, project_id = excluded.project_id, \
                 source = excluded.source, command = excluded.command, cwd = excluded.cwd, \
                 model = excluded.model, status = excluded.status, \
                 started_at = excluded.started_at, ended_at = excluded.ended_at, \
                 duration_ms = excluded.duration_ms, \
                 head_offset = GREATEST(excluded.head_offset, sessions.head_offset), \
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
            .execute(&self.pool)
            .await
            .map_err(db(OP))?;
        Ok(())
    }

    async fn get_session(&self, id: &str) -> Result<Option<SessionRecord>, StoreError> {
        let sql =
            format!("SELECT {SESSION_SELECT} FROM sessions WHERE id = $1 AND deleted_at IS NULL");
        sqlx::query(&sql)
            .bind(id)
            .fetch_optional(&self.pool)
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
             WHERE agent_session_id = $1 AND deleted_at IS NULL ORDER BY started_at, id LIMIT 1"
        );
        sqlx::query(&sql)
            .bind(agent_session_id)
            .fetch_optional(&self.pool)
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
        // Four statement texts, each with only the conditions it needs (every parameter is
        // bound either way; an unused one is checked to be NULL).
        let status = match filter {
            SessionFilter::Active => "AND status = ANY($2)",
            SessionFilter::All => "AND $2::text[] IS NULL",
        };
        let page = match after {
            Some(_) => "AND (started_at < $3 OR (started_at = $3 AND id > $4))",
            None => "AND $3::text IS NULL AND $4::text IS NULL",
        };
        let sql = format!(
            "SELECT {SESSION_SELECT} FROM sessions WHERE deleted_at IS NULL {status} {page} \
             ORDER BY started_at DESC, id LIMIT $1"
        );
        let statuses =
            (filter == SessionFilter::Active).then(|| ACTIVE_STATUSES.map(|s| s.as_str()).to_vec());
        sqlx::query(&sql)
            .bind(i64::from(limit))
            .bind(statuses)
            .bind(after.map(|key| key.started_at.as_str()))
            .bind(after.map(|key| key.id.as_str()))
            .fetch_all(&self.pool)
            .await
            .map_err(db("list_sessions"))?
            .iter()
            .map(session_from_row)
            .collect()
    }

    async fn mark_interrupted_on_startup(&self) -> Result<Vec<String>, StoreError> {
        const OP: &str = "mark_interrupted_on_startup";
        let rows = sqlx::query(
            r#"UPDATE sessions SET status = $1,
                   ended_at = COALESCE(ended_at, (
                       SELECT ts FROM events WHERE events.session_id = sessions.id
                       ORDER BY "offset" DESC LIMIT 1))
               WHERE status = ANY($2) AND NOT (source = ANY($3))
               RETURNING id, deleted_at"#,
        )
        .bind(SessionState::Interrupted.as_str())
        .bind(ACTIVE_STATUSES.map(|s| s.as_str()).to_vec())
        .bind(COLLECTED_SOURCES.map(|s| s.as_str()).to_vec())
        .fetch_all(&self.pool)
        .await
        .map_err(db(OP))?;
        // Collected sessions: whether their agent still runs, their collector tells once it
        // reads on; until then they are idle, not over.
        sqlx::query("UPDATE sessions SET status = $1 WHERE status = ANY($2) AND source = ANY($3)")
            .bind(SessionState::Idle.as_str())
            .bind(vec![
                SessionState::Starting.as_str(),
                SessionState::Running.as_str(),
            ])
            .bind(COLLECTED_SOURCES.map(|s| s.as_str()).to_vec())
            .execute(&self.pool)
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
            sqlx::query("UPDATE sessions SET deleted_at = $1 WHERE id = $2 AND deleted_at IS NULL")
                .bind(now_ts())
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(db(OP))?
                .rows_affected();
        for sql in [
            "DELETE FROM events WHERE session_id = $1",
            "DELETE FROM checkpoints WHERE session_id = $1",
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
               VALUES ($1, $2, $3, $4, $5)"#,
        )
        .bind(&c.id)
        .bind(&c.session_id)
        .bind(&c.label)
        .bind(int(c.offset))
        .bind(&c.created_at)
        .execute(&self.pool)
        .await
        .map_err(db_or_conflict(OP, "checkpoint", || c.id.clone()))?;
        Ok(())
    }

    async fn get_checkpoint(&self, id: &str) -> Result<Option<Checkpoint>, StoreError> {
        sqlx::query(
            r#"SELECT id, session_id, label, "offset", created_at FROM checkpoints WHERE id = $1"#,
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await
        .map_err(db("get_checkpoint"))?
        .as_ref()
        .map(checkpoint_from_row)
        .transpose()
    }

    async fn list_checkpoints(&self, session_id: &str) -> Result<Vec<Checkpoint>, StoreError> {
        sqlx::query(
            r#"SELECT id, session_id, label, "offset", created_at FROM checkpoints
               WHERE session_id = $1 ORDER BY "offset", id"#,
        )
        .bind(session_id)
        .fetch_all(&self.pool)
        .await
        .map_err(db("list_checkpoints"))?
        .iter()
        .map(checkpoint_from_row)
        .collect()
    }

    async fn delete_checkpoint(&self, id: &str) -> Result<bool, StoreError> {
        self.delete_by_key(
            "DELETE FROM checkpoints WHERE id = $1",
            id,
            "delete_checkpoint",
        )
        .await
    }
}
