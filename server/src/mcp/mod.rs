//! Checking a configured MCP server, behind `POST /api/mcp-servers/{name}/test`: start it,
//! perform the MCP `initialize` handshake over stdio within a timeout, and report the
//! server's name, version and capabilities, or why it failed.
//!
//! - `check`: [`test_server`], [`McpServerInfo`] and [`McpTestError`].
//! - `process`: the server as a child process ([`McpLaunch`]: the shared
//!   [`McpServerConfig`](agentcast_shared::rest::McpServerConfig) the REST API stores, and a
//!   working directory), its bounded stdout lines and stderr tail, and its shutdown.
//! - `message`: the JSON-RPC 2.0 lines of the handshake.
//!
//! ```no_run
//! # async fn example() {
//! use std::time::Duration;
//! use agentcast_server::mcp::{McpLaunch, test_server};
//! use agentcast_shared::rest::McpServerConfig;
//!
//! let launch = McpLaunch {
//!     config: McpServerConfig {
//!         name: "filesystem".into(),
//!         command: "npx".into(),
//!         args: vec!["-y".into(), "@modelcontextprotocol/server-filesystem".into(), "/tmp".into()],
//!         env: Default::default(),
//!     },
//!     cwd: None,
//! };
//! match test_server(&launch, Duration::from_secs(30)).await {
//!     Ok(info) => println!("{} {:?}: {}", info.name, info.version, info.capabilities),
//!     Err(err) => println!("{err}\n{}", err.stderr_tail().unwrap_or_default()),
//! }
//! # }
//! ```

mod check;
mod message;
mod process;

pub use check::{McpServerInfo, McpTestError, test_server};
pub use message::PROTOCOL_VERSION;
pub use process::McpLaunch;
