//! TypeScript definitions of the wire contract (feature `ts`), committed as
//! `shared/ts/agentcast.d.ts` for socket.io-client users and REST callers.
//!
//! [`render`] declares every wire type with ts-rs, then adds the event and command maps that
//! make a socket.io-client socket fully typed:
//! `const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io(url)` (the `io()` of
//! socket.io-client 4.8 takes no type arguments; this annotation is its documented way). The test
//! `typescript_definitions_are_fresh` keeps the committed file equal to it.

use std::collections::HashSet;
use std::fmt::Write as _;

use ts_rs::{Config, TS, TypeVisitor};

use crate::commands::{self, *};
use crate::control::{self, *};
use crate::{Ack, Claims, Envelope, Event, events, rest};

/// The generated file, relative to the workspace root.
pub const OUTPUT_PATH: &str = "shared/ts/agentcast.d.ts";

/// The environment variable that makes the freshness test rewrite the file instead of failing.
pub const UPDATE_ENV: &str = "AGENTCAST_UPDATE_TS";

/// The whole content of `shared/ts/agentcast.d.ts`: the Socket.IO contract, then the REST
/// bodies ([`rest`]).
pub fn render() -> String {
    // Socket.IO's JSON parser gives numbers, never bigints; no offset or counter here comes
    // near 2^53.
    let cfg = Config::new().with_large_int("number");
    let mut decls = Declarations {
        cfg: &cfg,
        seen: HashSet::new(),
        found: Vec::new(),
        out: String::new(),
    };

    decls.out.push_str(&format!(
        "// Generated from the Rust types of agentcast-shared. Do not edit by hand: run\n\
         // `{UPDATE_ENV}=1 cargo test -p agentcast-shared typescript` to regenerate.\n\n"
    ));

    // Roots in reading order; each is followed by the types it uses that are not declared yet
    // (ts-rs reports dependencies in no fixed order, so they are sorted by name).
    decls.root::<Envelope>();
    events::ts_visit_event_data(&mut decls);
    decls.drain();
    decls.root::<Event>();
    decls.root::<Ack<ts_rs::Dummy>>();
    decls.root::<SubscribeArgs>();
    decls.root::<Subscription>();
    decls.root::<GetHistoryArgs>();
    decls.root::<HistoryPage>();
    decls.root::<GetStatusArgs>();
    decls.root::<SessionStatusReport>();
    decls.root::<HubStatusReport>();
    decls.root::<IngestArgs>();
    decls.root::<IngestResult>();
    decls.root::<PublishArgs>();
    decls.root::<PublishResult>();
    decls.root::<RefreshArgs>();
    decls.root::<Refreshed>();
    decls.root::<PingArgs>();
    decls.root::<Pong>();
    decls.root::<PromptArgs>();
    decls.root::<PromptResult>();
    decls.root::<InterruptArgs>();
    decls.root::<InterruptResult>();
    decls.root::<EndResult>();
    decls.root::<PermissionRespondArgs>();
    decls.root::<PermissionResponded>();
    decls.root::<ConnectAuth>();
    decls.root::<Claims>();

    // The REST API's bodies and query parameters, resource by resource.
    decls.root::<rest::SessionRecord>();
    decls.root::<rest::SessionList>();
    decls.root::<rest::SessionDetail>();
    decls.root::<rest::ListSessionsParams>();
    decls.root::<rest::CreateSession>();
    decls.root::<PermissionAnswer>();
    decls.root::<rest::CreatedSession>();
    decls.root::<rest::Stopping>();
    decls.root::<rest::CreateCheckpoint>();
    decls.root::<rest::HistoryParams>();
    decls.root::<rest::ProjectList>();
    decls.root::<rest::CreateProject>();
    decls.root::<rest::McpServerConfig>();
    decls.root::<rest::McpServerList>();
    decls.root::<rest::McpTestParams>();
    decls.root::<rest::McpTestReport>();
    decls.root::<rest::AnalyticsParams>();
    decls.root::<rest::UsageReport>();
    decls.root::<rest::CostReport>();
    decls.root::<rest::SessionsReport>();
    decls.root::<rest::WhoAmI>();
    decls.root::<rest::RefreshedToken>();
    decls.root::<rest::Health>();
    decls.root::<rest::StreamIngest>();
    decls.root::<rest::HookIngested>();
    decls.root::<rest::HookDecision>();
    decls.root::<rest::ApproveParams>();
    decls.root::<rest::ErrorResponse>();

    let mut out = decls.out;
    let events = events::ts_event_data_names(&cfg);

    out.push_str("/** Every event type (the Socket.IO event name of its envelope). */\n");
    out.push_str("export type EventType =");
    for (name, _) in &events {
        write!(out, "\n  | \"{name}\"").unwrap();
    }
    out.push_str(";\n\n");

    out.push_str(
        "/**\n * Server-to-client events: each event type is emitted under its own name with one\n \
         * argument, its envelope. Type a socket with\n \
         * `const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io(url)`.\n */\n",
    );
    out.push_str("export interface ServerToClientEvents {\n");
    for (name, data) in &events {
        writeln!(
            out,
            "  {}: (envelope: Envelope<{data}>) => void;",
            ts_key(name)
        )
        .unwrap();
    }
    out.push_str("}\n\n");

    out.push_str(
        "/**\n * Client-to-server commands: each takes its arguments and an acknowledgement callback\n \
         * that receives `{ ok: result }` or `{ error: { code, message } }`.\n */\n",
    );
    out.push_str("export interface ClientToServerEvents {\n");
    for (name, args, result) in command_signatures(&cfg) {
        writeln!(
            out,
            "  {}: (args: {args}, ack: (res: Ack<{result}>) => void) => void;",
            ts_key(name)
        )
        .unwrap();
    }
    out.push_str("}\n");

    // ts-rs leaves a space after each `{` and `,` it breaks a line at.
    let mut trimmed: String = out
        .lines()
        .map(|line| format!("{}\n", line.trim_end()))
        .collect();
    trimmed.truncate(trimmed.trim_end().len() + 1);
    trimmed
}

/// `(command, TypeScript args type, TypeScript result type)` for every command.
fn command_signatures(cfg: &Config) -> Vec<(&'static str, String, String)> {
    vec![
        (
            commands::SUBSCRIBE,
            SubscribeArgs::name(cfg),
            Subscription::name(cfg),
        ),
        (
            commands::UNSUBSCRIBE,
            SubscribeArgs::name(cfg),
            Subscription::name(cfg),
        ),
        (
            commands::GET_HISTORY,
            GetHistoryArgs::name(cfg),
            HistoryPage::name(cfg),
        ),
        (
            // The session namespace answers with a session report, the hub with its own.
            commands::GET_STATUS,
            GetStatusArgs::name(cfg),
            format!(
                "{} | {}",
                SessionStatusReport::name(cfg),
                HubStatusReport::name(cfg)
            ),
        ),
        (
            commands::INGEST,
            IngestArgs::name(cfg),
            IngestResult::name(cfg),
        ),
        (
            commands::PUBLISH,
            PublishArgs::name(cfg),
            PublishResult::name(cfg),
        ),
        (
            commands::AUTH_REFRESH,
            RefreshArgs::name(cfg),
            Refreshed::name(cfg),
        ),
        (commands::PING, PingArgs::name(cfg), Pong::name(cfg)),
        (
            control::PROMPT,
            PromptArgs::name(cfg),
            PromptResult::name(cfg),
        ),
        (
            control::INTERRUPT,
            InterruptArgs::name(cfg),
            InterruptResult::name(cfg),
        ),
        (
            control::PERMISSION_RESPOND,
            PermissionRespondArgs::name(cfg),
            PermissionResponded::name(cfg),
        ),
        (control::END, InterruptArgs::name(cfg), EndResult::name(cfg)),
    ]
}

/// An interface key: bare when it is an identifier, quoted otherwise (`"tool.started"`).
fn ts_key(name: &str) -> String {
    if name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        name.to_owned()
    } else {
        format!("\"{name}\"")
    }
}

/// Writes declarations depth-first, each type once (generic types by their name alone).
struct Declarations<'a> {
    cfg: &'a Config,
    /// Identifiers already found, so that every type is declared once.
    seen: HashSet<String>,
    /// Types found by [`TypeVisitor::visit`] and not written yet.
    found: Vec<Found>,
    out: String,
}

/// A type to declare: its name, its declaration and how to visit its own dependencies.
struct Found {
    ident: String,
    decl: String,
    visit_dependencies: fn(&mut Declarations<'_>),
}

impl Declarations<'_> {
    /// Declares `T`, then what it depends on.
    fn root<T: TS + 'static + ?Sized>(&mut self) {
        self.visit::<T>();
        self.drain();
    }

    /// Writes the types found so far in the order found, each followed by its dependencies
    /// sorted by name.
    fn drain(&mut self) {
        let found = std::mem::take(&mut self.found);
        for item in found {
            self.out.push_str(&item.decl);
            (item.visit_dependencies)(self);
            self.found.sort_by(|a, b| a.ident.cmp(&b.ident));
            self.drain();
        }
    }
}

fn visit_dependencies_of<T: TS + 'static + ?Sized>(decls: &mut Declarations<'_>) {
    T::visit_dependencies(decls);
}

impl TypeVisitor for Declarations<'_> {
    fn visit<T: TS + 'static + ?Sized>(&mut self) {
        // Types without an output path (primitives, placeholders, Vec, Option, maps) have no
        // declaration; ts-rs already reports the types inside them as dependencies of their
        // owner, as its own recursive export relies on.
        if T::output_path().is_none() {
            return;
        }
        let ident = T::ident(self.cfg);
        if !self.seen.insert(ident.clone()) {
            return;
        }
        let docs = T::docs().unwrap_or_default();
        let decl = format!("{docs}export {}\n\n", T::decl(self.cfg));
        self.found.push(Found {
            ident,
            decl,
            visit_dependencies: visit_dependencies_of::<T>,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_command_has_a_signature() {
        let names: Vec<_> = command_signatures(&Config::new())
            .into_iter()
            .map(|(name, _, _)| name)
            .collect();
        assert_eq!(names, commands::ALL_COMMANDS);
    }

    #[test]
    fn keys_are_quoted_only_when_needed() {
        assert_eq!(ts_key("get_history"), "get_history");
        assert_eq!(ts_key("auth.refresh"), "\"auth.refresh\"");
    }
}
