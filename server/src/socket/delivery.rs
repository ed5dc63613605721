//! [`SocketDelivery`]: the hub's [`Delivery`] on Socket.IO. A broadcast is one emit to the
//! room of the event's type in the namespace (subscriptions are rooms); the sockets it found
//! with a full buffer are then disconnected as slow consumers.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use serde_json::value::RawValue;

use super::Io;
use super::slow_consumer::SlowConsumers;
use crate::hub::Delivery;

pub(crate) struct SocketDelivery {
    io: Io,
    slow: Arc<SlowConsumers>,
}

impl SocketDelivery {
    pub fn new(io: Io, slow: Arc<SlowConsumers>) -> Self {
        Self { io, slow }
    }
}

#[async_trait]
impl Delivery for SocketDelivery {
    async fn broadcast(&self, ns: &str, kind: &'static str, envelope: &RawValue) {
        let Some(operators) = self.io.of(ns) else {
            return; // nobody has connected to this namespace yet
        };
        if let Err(err) = operators.to(kind).emit(kind, envelope).await {
            tracing::debug!(ns, kind, %err, "broadcast did not reach every socket");
        }
        self.slow.disconnect_found(&self.io);
    }

    fn patience(&self) -> Duration {
        self.slow.patience()
    }
}
