//! [`Refusals`]: the tokens refused since the start, by reason: the `token.refused` events,
//! counted even when the audit log is off, for `/metrics`
//! (`agentcast_auth_refusals_total{reason}`).

use std::collections::BTreeMap;
use std::sync::Mutex;

/// Counts by [`AuthError::reason`](crate::auth::AuthError::reason), a fixed set of words.
#[derive(Debug, Default)]
pub struct Refusals(
    /// A std mutex: one increment or one copy, never held across an await.
    Mutex<BTreeMap<&'static str, u64>>,
);

impl Refusals {
    pub(crate) fn count(&self, reason: &'static str) {
        *self
            .0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(reason)
            .or_default() += 1;
    }

    /// `(reason, refusals)` of every reason seen so far, by reason.
    pub fn snapshot(&self) -> Vec<(&'static str, u64)> {
        let counts = self.0.lock().unwrap_or_else(|e| e.into_inner());
        counts.iter().map(|(reason, n)| (*reason, *n)).collect()
    }
}
