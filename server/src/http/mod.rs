//! Plain HTTP routes beside Socket.IO.

mod health;

pub use health::health;
