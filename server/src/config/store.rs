//! The store: where events are kept. (How much of them, retention, is the hub's: see
//! [`HubSettings`](super::HubSettings).)

use super::group::settings_group;
use crate::store::Durability;

settings_group! {
    /// What the store is opened with (besides the data directory).
    StoreSettings from StoreArgs and StoreFile, heading "Store";
    /// Where events are kept: normal (SQLite in the data directory, survives a crash), full
    /// (SQLite, every commit fsynced: also survives a power loss) or memory (no database: for
    /// benchmarks and tests).
    durability -> durability: Durability {
        flag: "durability", env: "AGENTCAST_DURABILITY", value_name: "MODE",
        input: Durability, default: Durability::Normal,
    }
}
