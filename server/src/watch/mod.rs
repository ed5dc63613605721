//! `agentcast watch` (issue 15, in progress): a session's events in a terminal.
//!
//! - `line`: one readable line per event, coloured by kind, streamed text joined into lines.

pub mod line;
