//! Update notifications of subscribed session resources. A session's resource changes when
//! its head offset moves (every event does that, its end included); each subscription checks
//! the heads it follows every `--mcp-notify-interval-ms` and sends one
//! `notifications/resources/updated` per changed session, so a streaming session costs a
//! subscriber at most one notification per interval, never one per event.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::task::JoinHandle;

use super::session_of_uri;
use crate::hub::Hub;

/// The head offset a session's resource is at, as far as this run knows (a session no source
/// feeds in this run does not change).
fn head(hub: &Hub, session_id: &str) -> Option<u64> {
    hub.find(session_id).map(|session| session.head_offset())
}

/// Follows `uris` until `notify` fails (the client is gone) or the future is dropped.
/// `notify` sends the notification of one URI.
pub(crate) async fn follow<F, Fut>(hub: Hub, uris: Vec<String>, interval: Duration, notify: F)
where
    F: Fn(String) -> Fut,
    Fut: Future<Output = bool>,
{
    let mut heads: Vec<(String, Option<u64>)> = uris
        .into_iter()
        .map(|uri| {
            let at = session_of_uri(&uri).and_then(|id| head(&hub, id));
            (uri, at)
        })
        .collect();
    let mut ticker = tokio::time::interval(interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    ticker.tick().await;
    loop {
        ticker.tick().await;
        for (uri, last) in &mut heads {
            let now = session_of_uri(uri).and_then(|id| head(&hub, id));
            if now != *last {
                *last = now;
                if !notify(uri.clone()).await {
                    return;
                }
            }
        }
    }
}

/// The legacy subscriptions (`resources/subscribe`) of one MCP session: a task per URI,
/// stopped on `resources/unsubscribe` or when the MCP session ends.
#[derive(Default)]
pub(crate) struct Subscriptions {
    tasks: Mutex<HashMap<String, JoinHandle<()>>>,
}

/// Why a subscription was refused.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct TooManySubscriptions(pub usize);

impl Subscriptions {
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    /// Starts `task` for `uri` (replacing an earlier one), unless `max` are running.
    pub fn add(
        &self,
        uri: String,
        max: usize,
        task: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), TooManySubscriptions> {
        // A short critical section with no await inside.
        let mut tasks = self.tasks.lock().unwrap_or_else(|e| e.into_inner());
        tasks.retain(|_, task| !task.is_finished());
        if !tasks.contains_key(&uri) && tasks.len() >= max {
            return Err(TooManySubscriptions(max));
        }
        if let Some(old) = tasks.insert(uri, tokio::spawn(task)) {
            old.abort();
        }
        Ok(())
    }

    /// Stops the task of `uri`, if any.
    pub fn remove(&self, uri: &str) {
        let mut tasks = self.tasks.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(task) = tasks.remove(uri) {
            task.abort();
        }
    }
}

impl Drop for Subscriptions {
    fn drop(&mut self) {
        let tasks = self.tasks.get_mut().unwrap_or_else(|e| e.into_inner());
        for task in tasks.values() {
            task.abort();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn subscriptions_are_bounded_and_stopped_when_dropped() {
        let subscriptions = Subscriptions::new();
        let (tx, mut rx) = tokio::sync::mpsc::channel::<()>(1);
        let pending = move || {
            let tx = tx.clone();
            async move {
                let _keep = tx;
                std::future::pending::<()>().await
            }
        };
        subscriptions.add("a".into(), 2, pending()).unwrap();
        subscriptions.add("b".into(), 2, pending()).unwrap();
        // Replacing one is not a new one.
        subscriptions.add("a".into(), 2, pending()).unwrap();
        assert_eq!(
            subscriptions.add("c".into(), 2, pending()),
            Err(TooManySubscriptions(2))
        );
        subscriptions.remove("b");
        subscriptions.add("c".into(), 2, pending()).unwrap();
        drop(pending);
        drop(subscriptions);
        // Every task (and with it every sender) is gone.
        let closed = tokio::time::timeout(Duration::from_secs(5), rx.recv()).await;
        assert_eq!(closed, Ok(None));
    }
}
