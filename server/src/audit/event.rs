//! [`AuditEvent`]: what one line of the audit log says. Each variant is one `event` name with
//! typed fields; a line is `{"ts", "event", ...fields}` with the fields in the order written
//! here (the order the log has always had) and a `None` left out.

use serde::Serialize;
use serde::ser::SerializeMap;

/// One entry of the audit log.
#[derive(Debug, Clone, PartialEq)]
pub enum AuditEvent {
    /// `token.accepted`: a socket connected with a valid token.
    TokenAccepted {
        ns: String,
        ip: Option<String>,
        sub: String,
        exp: u64,
    },
    /// `token.refused`: a missing or refused token, with the reason (never the token).
    TokenRefused {
        at: TokenUse,
        ip: Option<String>,
        /// [`AuthError::reason`](crate::auth::AuthError::reason): a short stable word.
        reason: &'static str,
        message: String,
    },
    /// `token.expired`: a live socket's token expired without a refresh; it is disconnected.
    TokenExpired {
        ns: String,
        ip: Option<String>,
        sub: Option<String>,
        exp: u64,
    },
    /// `token.refreshed`: a newer token replaced one, valid until `exp`.
    TokenRefreshed { by: Refresher, exp: u64 },
    /// `admin.action`: a deletion or an MCP server change, with who made it.
    AdminAction { actor: Actor, action: AdminAction },
    /// `process.started`: an agent process started through `POST /api/sessions`.
    ProcessStarted {
        actor: Actor,
        session_id: String,
        command: Vec<String>,
    },
    /// `process.stopped`: a running agent process was asked to stop.
    ProcessStopped { actor: Actor, session_id: String },
    /// `control`: a person answered an agent through agentcast (a prompt, an interrupt, a
    /// permission decision, the end of the session).
    Control {
        actor: Actor,
        /// `socket` or `http`.
        via: &'static str,
        session_id: String,
        action: ControlAction,
    },
    /// `limit.hit`: a connection, request or message refused by a limit.
    LimitHit(LimitHit),
    /// `keys.rotated`: `agentcast keys rotate` added the signing key `kid`; the key it
    /// replaced verifies until `verify_until`.
    KeysRotated {
        kid: String,
        alg: &'static str,
        retired: Option<String>,
        verify_until: Option<String>,
    },
    /// `keys.reloaded`: the server loaded its keys again (SIGHUP): the kids it now holds, or
    /// why it kept the ones in use.
    KeysReloaded {
        outcome: Result<(Vec<String>, Option<String>), String>,
    },
}

/// The caller of a REST operation: the token's subject and the peer address.
#[derive(Debug, Clone, PartialEq)]
pub struct Actor {
    pub sub: String,
    pub ip: Option<String>,
}

/// Where a token was presented (`via`, and the route or namespace).
#[derive(Debug, Clone, PartialEq)]
pub enum TokenUse {
    /// A REST call: `"GET /api/sessions"`.
    Http { route: String },
    /// A socket's connect to a namespace.
    Socket { ns: String },
    /// `auth.refresh` on a connected socket.
    AuthRefresh { ns: String },
}

/// Who refreshed a token.
#[derive(Debug, Clone, PartialEq)]
pub enum Refresher {
    /// `auth.refresh` on a connected socket.
    Socket {
        ns: String,
        ip: Option<String>,
        sub: String,
    },
    /// `POST /api/auth/refresh`.
    Http(Actor),
}

/// What an administrator did (`action`).
#[derive(Debug, Clone, PartialEq)]
pub enum AdminAction {
    /// `session.delete`
    SessionDelete { session_id: String },
    /// `mcp_server.add`
    McpServerAdd { name: String, command: String },
    /// `mcp_server.delete`
    McpServerDelete { name: String },
    /// `mcp_server.test`
    McpServerTest { name: String, ok: bool },
}

/// What a `control` line records (`action`, and its details; never a prompt's text).
#[derive(Debug, Clone, PartialEq)]
pub enum ControlAction {
    /// `prompt`, with the prompt's size in bytes.
    Prompt { bytes: usize, queued: bool },
    /// `interrupt`
    Interrupt,
    /// `permission`: the answer to a request.
    Permission {
        request_id: String,
        decision: agentcast_shared::PermissionDecision,
    },
    /// `end`
    End,
}

/// Which limit refused what (`limit`, and its details).
#[derive(Debug, Clone, PartialEq)]
pub enum LimitHit {
    /// `max_connections`: a handshake over the total.
    MaxConnections { ip: Option<String>, max: u32 },
    /// `connections_per_ip_per_s`: a handshake over the address's rate.
    ConnectionsPerIp { ip: String, rate: u32 },
    /// `http_requests_per_ip_per_s`: a REST request over the address's rate.
    HttpRequestsPerIp { ip: String, rate: u32, path: String },
    /// `messages_per_socket_per_s`: a message over the socket's rate.
    MessagesPerSocket {
        ip: Option<String>,
        ns: String,
        socket: String,
        rate: u32,
    },
    /// `message_flood_disconnect`: a socket that kept sending over its rate, disconnected.
    MessageFloodDisconnect {
        ip: Option<String>,
        ns: String,
        socket: String,
        rate: u32,
    },
}

impl AuditEvent {
    /// `token.refused` for `err`, without the token.
    pub fn token_refused(at: TokenUse, ip: Option<String>, err: &crate::auth::AuthError) -> Self {
        Self::TokenRefused {
            at,
            ip,
            reason: err.reason(),
            message: err.to_string(),
        }
    }

    /// `keys.rotated` for what `agentcast keys rotate` did.
    pub fn keys_rotated(rotated: &crate::auth::rotate::Rotated) -> Self {
        let (retired, verify_until) = rotated.retired.clone().unzip();
        Self::KeysRotated {
            kid: rotated.kid.clone(),
            alg: crate::auth::algorithm_name(rotated.alg),
            retired,
            verify_until,
        }
    }

    /// The `event` of the line.
    pub fn name(&self) -> &'static str {
        match self {
            Self::TokenAccepted { .. } => "token.accepted",
            Self::TokenRefused { .. } => "token.refused",
            Self::TokenExpired { .. } => "token.expired",
            Self::TokenRefreshed { .. } => "token.refreshed",
            Self::AdminAction { .. } => "admin.action",
            Self::ProcessStarted { .. } => "process.started",
            Self::ProcessStopped { .. } => "process.stopped",
            Self::Control { .. } => "control",
            Self::LimitHit(_) => "limit.hit",
            Self::KeysRotated { .. } => "keys.rotated",
            Self::KeysReloaded { .. } => "keys.reloaded",
        }
    }

    /// The fields after `ts` and `event`.
    fn write_fields<M: SerializeMap>(&self, map: &mut M) -> Result<(), M::Error> {
        match self {
            Self::TokenAccepted { ns, ip, sub, exp } => {
                map.serialize_entry("via", "socket")?;
                map.serialize_entry("ns", ns)?;
                optional(map, "ip", ip)?;
                map.serialize_entry("sub", sub)?;
                map.serialize_entry("exp", exp)
            }
            Self::TokenRefused {
                at,
                ip,
                reason,
                message,
            } => {
                match at {
                    TokenUse::Http { route } => {
                        map.serialize_entry("via", "http")?;
                        map.serialize_entry("route", route)?;
                    }
                    TokenUse::Socket { ns } => {
                        map.serialize_entry("via", "socket")?;
                        map.serialize_entry("ns", ns)?;
                    }
                    TokenUse::AuthRefresh { ns } => {
                        map.serialize_entry("via", "auth.refresh")?;
                        map.serialize_entry("ns", ns)?;
                    }
                }
                optional(map, "ip", ip)?;
                map.serialize_entry("reason", reason)?;
                map.serialize_entry("message", message)
            }
            Self::TokenExpired { ns, ip, sub, exp } => {
                map.serialize_entry("ns", ns)?;
                optional(map, "ip", ip)?;
                optional(map, "sub", sub)?;
                map.serialize_entry("exp", exp)
            }
            Self::TokenRefreshed { by, exp } => {
                match by {
                    Refresher::Socket { ns, ip, sub } => {
                        map.serialize_entry("via", "socket")?;
                        map.serialize_entry("ns", ns)?;
                        optional(map, "ip", ip)?;
                        map.serialize_entry("sub", sub)?;
                    }
                    Refresher::Http(actor) => {
                        actor.write_fields(map)?;
                        map.serialize_entry("via", "http")?;
                    }
                }
                map.serialize_entry("exp", exp)
            }
            Self::AdminAction { actor, action } => {
                actor.write_fields(map)?;
                match action {
                    AdminAction::SessionDelete { session_id } => {
                        map.serialize_entry("action", "session.delete")?;
                        map.serialize_entry("session_id", session_id)
                    }
                    AdminAction::McpServerAdd { name, command } => {
                        map.serialize_entry("action", "mcp_server.add")?;
                        map.serialize_entry("name", name)?;
                        map.serialize_entry("command", command)
                    }
                    AdminAction::McpServerDelete { name } => {
                        map.serialize_entry("action", "mcp_server.delete")?;
                        map.serialize_entry("name", name)
                    }
                    AdminAction::McpServerTest { name, ok } => {
                        map.serialize_entry("action", "mcp_server.test")?;
                        map.serialize_entry("name", name)?;
                        map.serialize_entry("ok", ok)
                    }
                }
            }
            Self::ProcessStarted {
                actor,
                session_id,
                command,
            } => {
                actor.write_fields(map)?;
                map.serialize_entry("session_id", session_id)?;
                map.serialize_entry("command", command)
            }
            Self::ProcessStopped { actor, session_id } => {
                actor.write_fields(map)?;
                map.serialize_entry("session_id", session_id)
            }
            Self::Control {
                actor,
                via,
                session_id,
                action,
            } => {
                actor.write_fields(map)?;
                map.serialize_entry("via", via)?;
                map.serialize_entry("session_id", session_id)?;
                match action {
                    ControlAction::Prompt { bytes, queued } => {
                        map.serialize_entry("action", "prompt")?;
                        map.serialize_entry("bytes", bytes)?;
                        map.serialize_entry("queued", queued)
                    }
                    ControlAction::Interrupt => map.serialize_entry("action", "interrupt"),
                    ControlAction::Permission {
                        request_id,
                        decision,
                    } => {
                        map.serialize_entry("action", "permission")?;
                        map.serialize_entry("request_id", request_id)?;
                        map.serialize_entry("decision", decision)
                    }
                    ControlAction::End => map.serialize_entry("action", "end"),
                }
            }
            Self::KeysRotated {
                kid,
                alg,
                retired,
                verify_until,
            } => {
                map.serialize_entry("kid", kid)?;
                map.serialize_entry("alg", alg)?;
                optional(map, "retired", retired)?;
                optional(map, "verify_until", verify_until)
            }
            Self::KeysReloaded { outcome } => match outcome {
                Ok((kids, signing)) => {
                    map.serialize_entry("ok", &true)?;
                    map.serialize_entry("kids", kids)?;
                    optional(map, "signing", signing)
                }
                Err(message) => {
                    map.serialize_entry("ok", &false)?;
                    map.serialize_entry("message", message)
                }
            },
            Self::LimitHit(hit) => {
                map.serialize_entry("limit", hit.limit())?;
                match hit {
                    LimitHit::MaxConnections { ip, max } => {
                        optional(map, "ip", ip)?;
                        map.serialize_entry("max", max)
                    }
                    LimitHit::ConnectionsPerIp { ip, rate } => {
                        map.serialize_entry("ip", ip)?;
                        map.serialize_entry("rate", rate)
                    }
                    LimitHit::HttpRequestsPerIp { ip, rate, path } => {
                        map.serialize_entry("ip", ip)?;
                        map.serialize_entry("rate", rate)?;
                        map.serialize_entry("path", path)
                    }
                    LimitHit::MessagesPerSocket {
                        ip,
                        ns,
                        socket,
                        rate,
                    }
                    | LimitHit::MessageFloodDisconnect {
                        ip,
                        ns,
                        socket,
                        rate,
                    } => {
                        optional(map, "ip", ip)?;
                        map.serialize_entry("ns", ns)?;
                        map.serialize_entry("socket", socket)?;
                        map.serialize_entry("rate", rate)
                    }
                }
            }
        }
    }
}

impl Actor {
    fn write_fields<M: SerializeMap>(&self, map: &mut M) -> Result<(), M::Error> {
        map.serialize_entry("sub", &self.sub)?;
        optional(map, "ip", &self.ip)
    }
}

impl LimitHit {
    /// The `limit` of the line: the setting that refused (or the flood disconnect).
    pub fn limit(&self) -> &'static str {
        match self {
            Self::MaxConnections { .. } => "max_connections",
            Self::ConnectionsPerIp { .. } => "connections_per_ip_per_s",
            Self::HttpRequestsPerIp { .. } => "http_requests_per_ip_per_s",
            Self::MessagesPerSocket { .. } => "messages_per_socket_per_s",
            Self::MessageFloodDisconnect { .. } => "message_flood_disconnect",
        }
    }
}

/// Leaves the key out when there is no value.
fn optional<M: SerializeMap, T: Serialize>(
    map: &mut M,
    key: &'static str,
    value: &Option<T>,
) -> Result<(), M::Error> {
    match value {
        Some(value) => map.serialize_entry(key, value),
        None => Ok(()),
    }
}

/// A line as written: the time it was recorded, then the event.
pub(super) struct Line<'a> {
    pub ts: &'a str,
    pub event: &'a AuditEvent,
}

impl Serialize for Line<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("ts", self.ts)?;
        map.serialize_entry("event", self.event.name())?;
        self.event.write_fields(&mut map)?;
        map.end()
    }
}
