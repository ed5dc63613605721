//! Recovery by offset: what a session namespace remembers across reconnects.

pub(crate) mod session;
