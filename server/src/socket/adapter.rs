//! The broadcast adapter: socketioxide's in-memory adapter, except that a broadcast learns
//! which sockets could not take the packet because their send buffer was full.
//!
//! socketioxide's own local broadcast reports `InternalChannelFull` without saying for which
//! socket, and the socket's buffer cannot be inspected from outside. A socket that misses one
//! event but takes the next would see a gap, so it must be found and disconnected (it recovers
//! by offset). This adapter therefore sends room by room *per socket id*, which costs one packet
//! encoding per receiver, and records the ids of the full ones in [`BroadcastLedger`]; the
//! delivery that broadcast the event then deals with them (see `slow_consumer`). It also
//! counts the broadcasts and the packets delivered, by namespace kind (the hub's
//! `broadcasts` and `events_out`).

use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use socketioxide::adapter::{Adapter, Emitter};
use socketioxide_core::Sid;
use socketioxide_core::adapter::errors::{BroadcastError, SocketError};
use socketioxide_core::adapter::{
    BroadcastOptions, CoreAdapter, CoreLocalAdapter, DefinedAdapter, SocketEmitter,
};
use socketioxide_core::packet::Packet;

use crate::hub::Stats;

/// What broadcasts did: packets delivered, and sockets found with a full send buffer.
#[derive(Debug)]
pub struct BroadcastLedger {
    /// Where packets handed to sockets by broadcasts are counted (`events_out`).
    stats: Arc<Stats>,
    /// (namespace path, socket id) of full sockets, waiting to be disconnected. A std mutex:
    /// pushed and drained in short sections, never held across an await.
    found: Mutex<Vec<(String, Sid)>>,
}

impl BroadcastLedger {
    pub fn new(stats: Arc<Stats>) -> Self {
        Self {
            stats,
            found: Mutex::default(),
        }
    }

    fn record(&self, ns: &str, sid: Sid) {
        self.found
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((ns.to_owned(), sid));
    }

    /// Takes the sockets recorded since the last call.
    pub fn take(&self) -> Vec<(String, Sid)> {
        let mut found = self.found.lock().unwrap_or_else(|e| e.into_inner());
        std::mem::take(&mut *found)
    }
}

/// The adapter type of every agentcast namespace.
pub struct TrackingAdapter {
    local: CoreLocalAdapter<Emitter>,
    ledger: Arc<BroadcastLedger>,
}

impl CoreAdapter<Emitter> for TrackingAdapter {
    type Error = std::convert::Infallible;
    type State = Arc<BroadcastLedger>;
    type AckStream = <Emitter as SocketEmitter>::AckStream;
    type InitRes = ();

    fn new(state: &Self::State, local: CoreLocalAdapter<Emitter>) -> Self {
        Self {
            local,
            ledger: state.clone(),
        }
    }

    fn init(self: Arc<Self>, on_success: impl FnOnce() + Send + 'static) {
        on_success();
    }

    async fn broadcast(
        &self,
        packet: Packet,
        opts: BroadcastOptions,
    ) -> Result<(), BroadcastError> {
        let mut errors = Vec::new();
        let sids = self.local.sockets(opts);
        let attempted = sids.len();
        for sid in sids {
            // A sender id without rooms or flags addresses exactly that socket.
            if let Err(mut errs) = self
                .local
                .broadcast(packet.clone(), BroadcastOptions::new(sid))
            {
                if errs
                    .iter()
                    .any(|e| matches!(e, SocketError::InternalChannelFull))
                {
                    self.ledger.record(self.local.path(), sid);
                }
                errors.append(&mut errs);
            }
        }
        let delivered = attempted - errors.len();
        let (stats, path) = (&self.ledger.stats, self.local.path());
        stats.broadcasts.of(path).fetch_add(1, Ordering::Relaxed);
        stats
            .events_out
            .of(path)
            .fetch_add(delivered as u64, Ordering::Relaxed);
        if errors.is_empty() {
            Ok(())
        } else {
            Err(BroadcastError::Socket(errors))
        }
    }

    async fn broadcast_with_ack(
        &self,
        packet: Packet,
        opts: BroadcastOptions,
        timeout: Option<Duration>,
    ) -> Result<Self::AckStream, Self::Error> {
        Ok(self.local.broadcast_with_ack(packet, opts, timeout).0)
    }

    fn get_local(&self) -> &CoreLocalAdapter<Emitter> {
        &self.local
    }
}

impl DefinedAdapter for TrackingAdapter {}

// Compile-time check that the adapter is usable by socketioxide.
const _: fn() = || {
    fn assert_adapter<A: Adapter>() {}
    assert_adapter::<TrackingAdapter>();
};
