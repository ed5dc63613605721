//! Message floods: every message a socket sends (a command, or an event nobody handles)
//! takes one token from its [`MessageBudget`]. Over the budget a command is answered
//! `rate_limited`; a socket that keeps sending a further second's worth is told why and
//! disconnected, while the other sockets of its session go on.

use std::sync::Arc;
use std::time::Duration;

use agentcast_shared::{AgentError, ErrorBody, ErrorCode};

use super::Sock;
use super::auth::client_ip;
use crate::audit::LimitHit;
use crate::limits::{Limiters, MessageBudget, Verdict};

/// A socket's budget and the limiters that count its trips.
struct Budget {
    budget: Arc<MessageBudget>,
    limiters: Limiters,
}

/// Gives a new socket its budget (none when the limit is off).
pub(crate) fn admit(socket: &Sock, limiters: &Limiters) {
    if let Some(budget) = limiters.message_budget() {
        socket.extensions.insert(Arc::new(Budget {
            budget,
            limiters: limiters.clone(),
        }));
    }
}

/// Takes one message from the socket's budget: `Err` is the error ack when it is spent.
pub(crate) fn take(socket: &Sock) -> Result<(), ErrorBody> {
    let Some(budget) = socket.extensions.get::<Arc<Budget>>() else {
        return Ok(());
    };
    let rate = budget.budget.rate();
    let hits = budget.limiters.hits();
    let limited = || {
        ErrorBody::new(
            ErrorCode::RateLimited,
            format!(
                "too many messages: the limit is {rate} per second (messages_per_socket_per_s)"
            ),
        )
    };
    match budget.budget.take() {
        Verdict::Allow => Ok(()),
        Verdict::Refuse { first } => {
            if first {
                budget.limiters.hit(
                    &hits.messages,
                    LimitHit::MessagesPerSocket {
                        ip: client_ip(socket),
                        ns: socket.ns().to_owned(),
                        socket: socket.id.to_string(),
                        rate,
                    },
                );
            } else {
                hits.messages
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
            Err(limited())
        }
        Verdict::Disconnect => {
            if socket.connected() {
                budget.limiters.hit(
                    &hits.flood_disconnects,
                    LimitHit::MessageFloodDisconnect {
                        ip: client_ip(socket),
                        ns: socket.ns().to_owned(),
                        socket: socket.id.to_string(),
                        rate,
                    },
                );
                let reason = AgentError {
                    code: "rate_limited".into(),
                    message: format!(
                        "disconnected: you kept sending over the limit of {rate} messages per second"
                    ),
                    line: None,
                    excerpt: None,
                };
                tokio::spawn(super::slow_consumer::tell_and_disconnect(
                    socket.clone(),
                    reason,
                    Duration::from_secs(5),
                ));
            }
            Err(limited())
        }
    }
}
