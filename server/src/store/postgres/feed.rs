//! The [`ChangeFeed`] of a PostgreSQL store: `LISTEN` on the channel every append is announced
//! on (`events::CHANNEL`), on a connection of its own. PostgreSQL queues a notification for
//! each listener and delivers it once its transaction commits, so the feed sees every server's
//! appends in commit order with no broker to run besides the database the events are in.
//!
//! When the connection goes (PostgreSQL restarted, the backend terminated, the network), the
//! feed says [`Change::Lost`], connects again every [`RETRY`], and says [`Change::Resumed`]
//! once it listens again; the follower then reads what it missed from the store. The first
//! `LISTEN` is a [`Change::Resumed`] too: what was stored before it is read the same way.

use std::time::Duration;

use async_trait::async_trait;
use sqlx::PgPool;
use sqlx::postgres::{PgListener, PgPoolOptions};

use super::events::CHANNEL;
use crate::store::change_feed::{Appended, Change, ChangeFeed};

/// How long the feed waits between two attempts to connect again.
pub const RETRY: Duration = Duration::from_millis(500);

/// How long one attempt to connect waits.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

pub(super) struct PgFeed {
    /// A pool of its own, of one connection on the store's connect options: the listening
    /// connection is held for good, and must not take one of the store's.
    pool: PgPool,
    listener: Option<PgListener>,
    /// Not listening since the last [`Change::Resumed`] (or the start): the next successful
    /// `LISTEN` is said as [`Change::Resumed`], so the follower reads what it may have missed.
    resume_pending: bool,
    /// A [`Change::Lost`] was said and no [`Change::Resumed`] since.
    lost_said: bool,
}

impl PgFeed {
    pub(super) fn new(store: &PgPool) -> Self {
        // Named, so `pg_stat_activity` tells which server's feed a connection is.
        let name = format!("agentcast feed (pid {})", std::process::id());
        let options = store
            .connect_options()
            .as_ref()
            .clone()
            .application_name(&name);
        let pool = PgPoolOptions::new()
            .max_connections(1)
            .acquire_timeout(CONNECT_TIMEOUT)
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_lazy_with(options);
        PgFeed {
            pool,
            listener: None,
            resume_pending: true,
            lost_said: false,
        }
    }

    async fn listen(&self) -> Result<PgListener, sqlx::Error> {
        let mut listener = PgListener::connect_with(&self.pool).await?;
        listener.listen(CHANNEL).await?;
        // Its pool is its own and never closed.
        listener.ignore_pool_close_event(true);
        Ok(listener)
    }

    /// Gives up the connection; the first time since the last resume, the change to say.
    fn lose(&mut self, reason: String) -> Option<Change> {
        self.listener = None;
        self.resume_pending = true;
        (!std::mem::replace(&mut self.lost_said, true)).then_some(Change::Lost(reason))
    }
}

#[async_trait]
impl ChangeFeed for PgFeed {
    async fn next(&mut self) -> Change {
        loop {
            let Some(listener) = &mut self.listener else {
                match self.listen().await {
                    Ok(listener) => {
                        self.listener = Some(listener);
                        if std::mem::take(&mut self.resume_pending) {
                            self.lost_said = false;
                            return Change::Resumed;
                        }
                    }
                    Err(err) => {
                        let reason = format!("listening for other servers' appends: {err}");
                        if let Some(change) = self.lose(reason) {
                            return change;
                        }
                        tokio::time::sleep(RETRY).await;
                    }
                }
                continue;
            };
            let change = match listener.try_recv().await {
                Ok(Some(notification)) => match Appended::parse(notification.payload()) {
                    Some(appended) => return Change::Appended(appended),
                    None => {
                        tracing::warn!(
                            payload = notification.payload(),
                            "an announcement on {CHANNEL} that is not an append; ignored"
                        );
                        continue;
                    }
                },
                Ok(None) => {
                    self.lose("the connection listening for other servers' appends was lost".into())
                }
                Err(err) => self.lose(format!("listening for other servers' appends: {err}")),
            };
            if let Some(change) = change {
                return change;
            }
        }
    }
}
