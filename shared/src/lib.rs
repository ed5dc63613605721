//! agentcast-shared: placeholder, being written.
pub const ALL_EVENT_TYPES: &[&str] = &[];
