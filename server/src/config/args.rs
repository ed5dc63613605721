//! [`ServeArgs`]: the options of `agentcast serve` (also flattened into `run` and
//! `token create`): the configuration file, then every group's flags.

use std::path::PathBuf;

use clap::Args;

use super::{
    AuthArgs, CollectArgs, DemoArgs, EngineArgs, HubArgs, IngestArgs, LimitsArgs, McpArgs,
    ProcessArgs, ServerArgs, StoreArgs, TlsArgs, TmuxArgs,
};

/// Options of `agentcast serve`. Precedence: flag > environment variable > config file >
/// default.
#[derive(Debug, Default, Clone, Args)]
pub struct ServeArgs {
    /// TOML configuration file (keys as in server/deploy/CONFIGURATION.md).
    #[arg(long, env = "AGENTCAST_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    #[command(flatten)]
    pub server: ServerArgs,
    #[command(flatten)]
    pub engine: EngineArgs,
    #[command(flatten)]
    pub hub: HubArgs,
    #[command(flatten)]
    pub store: StoreArgs,
    #[command(flatten)]
    pub ingest: IngestArgs,
    #[command(flatten)]
    pub processes: ProcessArgs,
    #[command(flatten)]
    pub demo: DemoArgs,
    #[command(flatten)]
    pub collect: CollectArgs,
    #[command(flatten)]
    pub tmux: TmuxArgs,
    #[command(flatten)]
    pub mcp: McpArgs,
    #[command(flatten)]
    pub auth: AuthArgs,
    #[command(flatten)]
    pub limits: LimitsArgs,
    #[command(flatten)]
    pub tls: TlsArgs,
}
