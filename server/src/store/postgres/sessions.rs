//! The session catalog in PostgreSQL: the `sessions` rows (soft-deleted with `deleted_at`)
//! and the `checkpoints` table.

use std::sync::LazyLock;

use agentcast_shared::SessionState;
use agentcast_shared::rest::{Checkpoint, SessionFilter, SessionRecord};
use async_trait::async_trait;

use super::{PostgresStore, last_offset, raise_head};
use crate::clock::now_ts;
use crate::store::error::{db, db_or_conflict};
use crate::store::session_catalog::{ACTIVE_STATUSES, COLLECTED_SOURCES};
use crate::store::sql::{
    CHECKPOINT_SELECT, Columns, SESSION_SELECT, UPSERT_SESSION, bind_session, checkpoint_from_row,
    int, numbered, session_from_row,
};
use crate::store::{SessionCatalog, SessionKey, StoreError};

#[async_trait]
impl SessionCatalog for PostgresStore {
    async fn upsert_session(&self, s: &SessionRecord) -> Result<(), StoreError> {
        const OP: &str = "upsert_session";
        static UPSERT: LazyLock<String> = LazyLock::new(|| numbered(UPSERT_SESSION));
        bind_session!(sqlx::query(&UPSERT), s)
            .execute(&self.pool)
            .await
            .map_err(db(OP))?;
        Ok(())
    }

    async fn get_session(&self, id: &str) -> Result<Option<SessionRecord>, StoreError> {
        let sql = format!("{SESSION_SELECT} WHERE id = $1 AND deleted_at IS NULL");
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
            "{SESSION_SELECT} \
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
            "{SESSION_SELECT} WHERE deleted_at IS NULL {status} {page} \
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
            if row.text_opt("deleted_at")?.is_none() {
                ids.push(row.text("id")?);
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
        sqlx::query(&format!("{CHECKPOINT_SELECT} WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(db("get_checkpoint"))?
            .as_ref()
            .map(checkpoint_from_row)
            .transpose()
    }

    async fn list_checkpoints(&self, session_id: &str) -> Result<Vec<Checkpoint>, StoreError> {
        sqlx::query(&format!(
            r#"{CHECKPOINT_SELECT} WHERE session_id = $1 ORDER BY "offset", id"#
        ))
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
