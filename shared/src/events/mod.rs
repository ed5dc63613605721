//! Event types: one data struct per type, the type-name constants, and [`Event`].
//!
//! The table at the bottom of this file is the single list of event types: it declares each
//! `pub const` name, the [`EventData`] impl of its struct, the [`Event`] variant with its serde
//! name, the `From` impl and [`ALL_EVENT_TYPES`], so no name is written twice.
//!
//! - [`session`]: lifecycle (`session.*`).
//! - [`control`]: answering the agent (`permission.*`, `session.presence`).
//! - [`output`]: what the agent says and what the user typed (`output.*`, `user.prompt`).
//! - [`tool`]: tool calls and sub-agent delegations (`tool.*`, `agent.delegation`).
//! - [`todo`]: the agent's todo list (`todo.updated`).
//! - [`usage`]: tokens and cost (`usage.updated`).
//! - [`agent`]: lines the mapper passes through or rejects (`agent.raw`, `agent.error`).
//! - [`hook`]: hook commands the agent ran (`agent.hook`).
//! - [`task`]: background tasks of the agent (`agent.task`).
//! - [`notification`]: what the agent wants a person to notice (`agent.notification`).
//! - [`system`]: server statistics and failures (`system.stats`, `system.error`).
//! - [`tmux`]: windows, panes and agents of a tmux server (`tmux.*`).

pub mod agent;
pub mod control;
pub mod hook;
pub mod notification;
pub mod output;
pub mod session;
pub mod system;
pub mod task;
pub mod tmux;
pub mod todo;
pub mod tool;
pub mod usage;

pub use agent::{AgentError, AgentRaw};
pub use control::{
    PermissionDecision, PermissionRequested, PermissionResolved, ResolvedReason, SessionPresence,
    Watcher,
};
pub use hook::{AgentHook, HookPhase};
pub use notification::AgentNotification;
pub use output::{OutputStderr, OutputText, OutputThinking, UserPrompt};
pub use session::{
    AgentKind, SessionCheckpoint, SessionEnded, SessionRecovered, SessionSource, SessionStarted,
    SessionState, SessionStatus,
};
pub use system::{CollectorStats, LimitsHit, Severity, SystemError, SystemStats};
pub use task::{AgentTask, AgentTaskStatus};
pub use tmux::{
    TmuxAgentDetected, TmuxAgentEnded, TmuxPaneClosed, TmuxPaneCommandChanged, TmuxPaneExited,
    TmuxPaneOpened, TmuxWindowClosed, TmuxWindowOpened, TmuxWindowRenamed,
};
pub use todo::{TodoItem, TodoStats, TodoStatus, TodoUpdated};
pub use tool::{AgentDelegation, DelegationStatus, ToolCompleted, ToolStarted};
pub use usage::UsageUpdated;

use serde::{Deserialize, Serialize, de::DeserializeOwned};

/// The data of one event type: ties a struct to its type name and to where it is emitted.
pub trait EventData: Serialize + DeserializeOwned + Into<Event> {
    /// The event type, which is also the Socket.IO event name, e.g. `tool.started`.
    const TYPE: &'static str;
    /// True when the event is also emitted on the hub namespace `/`, not only on its session's.
    const ON_HUB: bool;
}

/// Declares every event type once; see the module docs.
macro_rules! event_types {
    ($($konst:ident = $name:literal => $ty:ident, on_hub: $hub:literal;)*) => {
        $(
            #[doc = concat!("Event type `", $name, "`, data [`", stringify!($ty), "`].")]
            pub const $konst: &str = $name;

            impl EventData for $ty {
                const TYPE: &'static str = $konst;
                const ON_HUB: bool = $hub;
            }

            impl From<$ty> for Event {
                fn from(data: $ty) -> Self {
                    Event::$ty(data)
                }
            }
        )*

        /// Every event type, in a stable order (used to expand patterns into rooms).
        pub const ALL_EVENT_TYPES: &[&str] = &[$($konst),*];

        /// The event types also emitted on the hub namespace `/`, in table order: the types a
        /// hub socket subscribed to `*` receives.
        pub const HUB_EVENT_TYPES: &[&str] = &{
            const ALL: [(&str, bool); ALL_EVENT_TYPES.len()] = [$(($konst, $hub)),*];
            const COUNT: usize = {
                let mut count = 0;
                let mut i = 0;
                while i < ALL.len() {
                    if ALL[i].1 {
                        count += 1;
                    }
                    i += 1;
                }
                count
            };
            let mut hub = [""; COUNT];
            let mut i = 0;
            let mut j = 0;
            while i < ALL.len() {
                if ALL[i].1 {
                    hub[j] = ALL[i].0;
                    j += 1;
                }
                i += 1;
            }
            hub
        };

        /// Any event with its type: serializes as `{"type": "tool.started", "data": {...}}`,
        /// the shape of a `publish` item.
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        #[cfg_attr(feature = "ts", derive(ts_rs::TS))]
        #[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
        #[serde(tag = "type", content = "data")]
        // Events are built and moved once per publish; boxing the larger variants would cost
        // an allocation each and make matching clumsier for no measurable gain.
        #[allow(clippy::large_enum_variant)]
        pub enum Event {
            $(
                #[doc = concat!("`", $name, "`")]
                #[serde(rename = $name)]
                $ty($ty),
            )*
        }

        impl Event {
            /// The event type, e.g. `tool.started`.
            pub fn kind(&self) -> &'static str {
                match self {
                    $(Event::$ty(_) => $konst,)*
                }
            }

            /// True when the event is also emitted on the hub namespace `/`.
            pub fn on_hub(&self) -> bool {
                match self {
                    $(Event::$ty(_) => $hub,)*
                }
            }

            /// The event's data alone, as the `data` of an [`Envelope`](crate::Envelope).
            pub fn data_json(&self) -> serde_json::Value {
                let value = match self {
                    $(Event::$ty(data) => serde_json::to_value(data),)*
                };
                // Cannot fail: every data struct is plain fields with string map keys, and
                // serde_json turns non-finite floats into null rather than failing.
                value.expect("event data serializes to JSON")
            }

            /// Rebuilds a typed event from an envelope's `type` and `data`.
            pub fn from_parts(kind: &str, data: &serde_json::Value) -> Result<Event, serde_json::Error> {
                use serde::de::Error as _;
                match kind {
                    $($name => <$ty>::deserialize(data).map(Event::$ty),)*
                    _ => Err(serde_json::Error::custom(format_args!("unknown event type `{kind}`"))),
                }
            }
        }

        /// `(type name, TypeScript name of its data)` for every event, in table order.
        #[cfg(feature = "ts")]
        pub(crate) fn ts_event_data_names(cfg: &ts_rs::Config) -> Vec<(&'static str, String)> {
            vec![$(($konst, <$ty as ts_rs::TS>::name(cfg)),)*]
        }

        /// Visits every event data type, in table order.
        #[cfg(feature = "ts")]
        pub(crate) fn ts_visit_event_data(visitor: &mut impl ts_rs::TypeVisitor) {
            $(visitor.visit::<$ty>();)*
        }

        /// `(type name, schema name of its data, schema of its typed envelope)` for every
        /// event, in table order; the data schemas land in `generator`'s definitions.
        #[cfg(feature = "schemars")]
        pub(crate) fn schemars_typed_envelopes(
            generator: &mut schemars::SchemaGenerator,
        ) -> Vec<(&'static str, String, schemars::Schema)> {
            use schemars::JsonSchema as _;
            vec![$((
                $konst,
                <$ty>::schema_name().into_owned(),
                <crate::Envelope<$ty>>::json_schema(generator),
            ),)*]
        }
    };
}

event_types! {
    SESSION_STARTED = "session.started" => SessionStarted, on_hub: true;
    SESSION_STATUS = "session.status" => SessionStatus, on_hub: true;
    SESSION_CHECKPOINT = "session.checkpoint" => SessionCheckpoint, on_hub: true;
    SESSION_ENDED = "session.ended" => SessionEnded, on_hub: true;
    SESSION_RECOVERED = "session.recovered" => SessionRecovered, on_hub: false;
    PERMISSION_REQUESTED = "permission.requested" => PermissionRequested, on_hub: true;
    PERMISSION_RESOLVED = "permission.resolved" => PermissionResolved, on_hub: true;
    SESSION_PRESENCE = "session.presence" => SessionPresence, on_hub: false;
    OUTPUT_TEXT = "output.text" => OutputText, on_hub: false;
    OUTPUT_THINKING = "output.thinking" => OutputThinking, on_hub: false;
    OUTPUT_STDERR = "output.stderr" => OutputStderr, on_hub: false;
    USER_PROMPT = "user.prompt" => UserPrompt, on_hub: false;
    TOOL_STARTED = "tool.started" => ToolStarted, on_hub: false;
    TOOL_COMPLETED = "tool.completed" => ToolCompleted, on_hub: false;
    AGENT_DELEGATION = "agent.delegation" => AgentDelegation, on_hub: false;
    TODO_UPDATED = "todo.updated" => TodoUpdated, on_hub: false;
    USAGE_UPDATED = "usage.updated" => UsageUpdated, on_hub: true;
    AGENT_RAW = "agent.raw" => AgentRaw, on_hub: false;
    AGENT_ERROR = "agent.error" => AgentError, on_hub: false;
    AGENT_HOOK = "agent.hook" => AgentHook, on_hub: false;
    AGENT_TASK = "agent.task" => AgentTask, on_hub: false;
    AGENT_NOTIFICATION = "agent.notification" => AgentNotification, on_hub: true;
    SYSTEM_STATS = "system.stats" => SystemStats, on_hub: true;
    SYSTEM_ERROR = "system.error" => SystemError, on_hub: true;
    TMUX_WINDOW_OPENED = "tmux.window_opened" => TmuxWindowOpened, on_hub: false;
    TMUX_WINDOW_RENAMED = "tmux.window_renamed" => TmuxWindowRenamed, on_hub: false;
    TMUX_WINDOW_CLOSED = "tmux.window_closed" => TmuxWindowClosed, on_hub: false;
    TMUX_PANE_OPENED = "tmux.pane_opened" => TmuxPaneOpened, on_hub: false;
    TMUX_PANE_COMMAND_CHANGED = "tmux.pane_command_changed" => TmuxPaneCommandChanged, on_hub: false;
    TMUX_PANE_EXITED = "tmux.pane_exited" => TmuxPaneExited, on_hub: false;
    TMUX_PANE_CLOSED = "tmux.pane_closed" => TmuxPaneClosed, on_hub: false;
    TMUX_AGENT_DETECTED = "tmux.agent_detected" => TmuxAgentDetected, on_hub: false;
    TMUX_AGENT_ENDED = "tmux.agent_ended" => TmuxAgentEnded, on_hub: false;
}

/// True for a type name in [`ALL_EVENT_TYPES`].
pub fn is_known_event_type(event_type: &str) -> bool {
    ALL_EVENT_TYPES.contains(&event_type)
}

/// True for a type name in [`HUB_EVENT_TYPES`]: an event also emitted on the hub namespace.
pub fn is_hub_event_type(event_type: &str) -> bool {
    HUB_EVENT_TYPES.contains(&event_type)
}
