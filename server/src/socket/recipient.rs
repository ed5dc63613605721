//! [`CatchingUp`]: a socket being caught up after it connected with its last offset, as the
//! hub's [`Recipient`]. Its subscriptions are held still while the catch-up ends, then it
//! joins its rooms (see `subscriptions::go_live`).

use std::sync::Arc;

use serde_json::value::RawValue;
use socketioxide::SendError;
use socketioxide_core::adapter::errors::SocketError;

use super::slow_consumer::SlowConsumers;
use super::{Sock, subscriptions};
use crate::hub::{Recipient, SendFailure, TypeSet};

pub(crate) struct CatchingUp {
    socket: Sock,
    slow: Arc<SlowConsumers>,
}

impl CatchingUp {
    pub fn new(socket: Sock, slow: Arc<SlowConsumers>) -> Self {
        Self { socket, slow }
    }
}

impl Recipient for CatchingUp {
    fn id(&self) -> String {
        self.socket.id.to_string()
    }

    fn is_connected(&self) -> bool {
        self.socket.connected()
    }

    fn wanted(&self) -> TypeSet {
        subscriptions::wanted(&self.socket)
    }

    fn send(&self, kind: &'static str, envelope: &RawValue) -> Result<(), SendFailure> {
        self.socket.emit(kind, envelope).map_err(|err| match err {
            SendError::Socket(SocketError::InternalChannelFull) => SendFailure::Full,
            SendError::Socket(SocketError::Closed) => SendFailure::Closed,
            // A raw JSON value always serializes; should it not, the socket cannot be served.
            SendError::Serialize(err) => {
                tracing::error!(%err, kind, "an envelope did not serialize");
                SendFailure::Closed
            }
        })
    }

    fn go_live(
        &self,
        last: &mut dyn FnMut(TypeSet) -> Result<(), SendFailure>,
    ) -> Result<(), SendFailure> {
        subscriptions::go_live(&self.socket, last)
    }

    fn drop_slow(&self) {
        self.slow.disconnect(self.socket.clone());
    }
}
