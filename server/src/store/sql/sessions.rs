//! The session catalog in SQL: the `sessions` rows (soft-deleted with `deleted_at`) and the
//! `checkpoints` table.

use agentcast_shared::SessionState;
use agentcast_shared::rest::{Checkpoint, SessionFilter, SessionRecord};
use async_trait::async_trait;
use sqlx::{ColumnIndex, Decode, Encode, Executor, IntoArguments, Type};

use super::rows::{
    CHECKPOINT_SELECT, SESSION_SELECT, UPSERT_SESSION, bind_session, checkpoint_from_row,
    session_from_row,
};
use super::{Columns, Dialect, SqlStore, int, last_offset, raise_head};
use crate::clock::now_ts;
use crate::store::error::{db, db_or_conflict};
use crate::store::session_catalog::{ACTIVE_STATUSES, COLLECTED_SOURCES};
use crate::store::{SessionCatalog, SessionKey, StoreError};

#[async_trait]
impl<DB> SessionCatalog for SqlStore<DB>
where
    DB: Dialect,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
    for<'q> &'q str: Encode<'q, DB> + Type<DB>,
    for<'q> Option<&'q str>: Encode<'q, DB>,
    for<'q> String: Encode<'q, DB> + Decode<'q, DB> + Type<DB>,
    for<'q> Option<String>: Encode<'q, DB>,
    for<'q> i64: Encode<'q, DB> + Decode<'q, DB> + Type<DB>,
    for<'q> Option<i64>: Encode<'q, DB>,
    for<'q> Option<f64>: Encode<'q, DB>,
    f64: Type<DB>,
    DB::Row: Columns,
    usize: ColumnIndex<DB::Row>,
{
    async fn upsert_session(&self, s: &SessionRecord) -> Result<(), StoreError> {
        const OP: &str = "upsert_session";
        let upsert = DB::sql(UPSERT_SESSION);
        bind_session!(sqlx::query(&upsert), s)
            .execute(&self.writer)
            .await
            .map_err(db(OP))?;
        Ok(())
    }

    async fn get_session(&self, id: &str) -> Result<Option<SessionRecord>, StoreError> {
        let sql = format!("{SESSION_SELECT} WHERE id = ? AND deleted_at IS NULL");
        sqlx::query(&DB::sql(&sql))
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
            "{SESSION_SELECT} \
             WHERE agent_session_id = ? AND deleted_at IS NULL ORDER BY started_at, id LIMIT 1"
        );
        sqlx::query(&DB::sql(&sql))
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
            "{SESSION_SELECT} WHERE deleted_at IS NULL {status} {page} \
             ORDER BY started_at DESC, id LIMIT ?"
        );
        let sql = DB::sql(&sql);
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
        let rows = sqlx::query(&DB::sql(
            r#"UPDATE sessions SET status = ?,
                   ended_at = COALESCE(ended_at, (
                       SELECT ts FROM events WHERE events.session_id = sessions.id
                       ORDER BY "offset" DESC LIMIT 1))
               WHERE status IN (?, ?, ?, ?) AND source NOT IN (?, ?)
               RETURNING id, deleted_at"#,
        ))
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
        sqlx::query(&DB::sql(
            "UPDATE sessions SET status = ? WHERE status IN (?, ?) AND source IN (?, ?)",
        ))
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
        let marked = sqlx::query(&DB::sql(
            "UPDATE sessions SET deleted_at = ? WHERE id = ? AND deleted_at IS NULL",
        ))
        .bind(now_ts())
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(db(OP))?;
        let marked = DB::rows_affected(&marked);
        for sql in [
            "DELETE FROM events WHERE session_id = ?",
            "DELETE FROM checkpoints WHERE session_id = ?",
        ] {
            sqlx::query(&DB::sql(sql))
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
        sqlx::query(&DB::sql(
            r#"INSERT INTO checkpoints (id, session_id, label, "offset", created_at)
               VALUES (?, ?, ?, ?, ?)"#,
        ))
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
        sqlx::query(&DB::sql(&format!("{CHECKPOINT_SELECT} WHERE id = ?")))
            .bind(id)
            .fetch_optional(&self.reader)
            .await
            .map_err(db("get_checkpoint"))?
            .as_ref()
            .map(checkpoint_from_row)
            .transpose()
    }

    async fn list_checkpoints(&self, session_id: &str) -> Result<Vec<Checkpoint>, StoreError> {
        sqlx::query(&DB::sql(&format!(
            r#"{CHECKPOINT_SELECT} WHERE session_id = ? ORDER BY "offset", id"#
        )))
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
