//! Server configuration: one [`Config`] resolved from flags, `AGENTCAST_*` environment
//! variables (both through clap), the TOML file and the defaults, in that order of precedence.
//!
//! Each setting is declared once, in the group of its concern (`group` says how): its
//! flag, environment variable, file key, type, default, check, conversion and help text. The
//! resolved groups are what the rest of the server takes.
//!
//! - `server`: [`ServerSettings`], bind address, data directory, log format, shutdown grace,
//!   conformance mode.
//! - `engine`: [`EngineSettings`], the Socket.IO engine (buffers, payload size, heartbeats).
//! - `hub`: [`HubSettings`], sessions (publish size, queue, tail, group commit, retention,
//!   stats interval).
//! - `store`: [`StoreSettings`], durability and the PostgreSQL URL.
//! - `ingest`: [`IngestSettings`], line and upload sizes.
//! - `processes`: [`ProcessSettings`], the agent programs the server may start.
//! - `demo`: [`DemoSettings`], the simulated session.
//! - `collect`: [`CollectSettings`], the transcripts collected and how they are followed.
//! - `tmux`: [`TmuxSettings`], the tmux collector.
//! - `mcp`: [`McpSettings`], the MCP endpoint `/mcp` and its tools' bounds.
//! - [`security`]: [`AuthSettings`] (`[auth]`), [`Limits`] (`[limits]`), [`TlsSettings`]
//!   (`[tls]`).
//! - `args`: [`ServeArgs`], every group's flags; `file`: [`FileConfig`], the TOML file.
//! - `values`: the checks and conversions declarations use.
//! - `reference` (tests): `server/deploy/CONFIGURATION.md`, generated from the declarations.
//!
//! A new setting is one declaration in its group's file, plus its names in the tests' list of
//! names and a row in the README's tables (a test compares the three). A new group also takes
//! a line in [`ServeArgs`], [`FileConfig`] (top level or a section), [`Config`] and
//! [`Config::resolve`].
//!
//! Nothing here depends on the command line module: `cli` uses this one, not the reverse.

use std::path::PathBuf;

mod args;
mod collect;
mod demo;
mod engine;
mod file;
pub(crate) mod group;
mod hub;
mod ingest;
mod mcp;
mod processes;
#[cfg(test)]
mod reference;
pub mod security;
mod server;
mod store;
#[cfg(test)]
mod tests;
mod tmux;
mod values;

pub use args::ServeArgs;
pub use collect::{CollectArgs, CollectFile, CollectSettings, WatchMode};
pub use demo::{DemoArgs, DemoFile, DemoSettings};
pub use engine::{EngineArgs, EngineFile, EngineSettings};
pub use file::FileConfig;
pub use hub::{HubArgs, HubFile, HubSettings};
pub use ingest::{IngestArgs, IngestFile, IngestSettings};
pub use mcp::{McpArgs, McpFile, McpSettings};
pub use processes::{ProcessArgs, ProcessFile, ProcessSettings};
pub use security::{
    AuditTarget, AuthArgs, AuthFile, AuthMode, AuthSettings, JwtAlgorithm, Limits, LimitsArgs,
    LimitsFile, TlsArgs, TlsConfig, TlsFile, TlsSettings,
};
pub use server::{LogFormat, ServerArgs, ServerFile, ServerSettings};
pub use store::{DatabaseUrlText, StoreArgs, StoreFile, StoreSettings};
pub use tmux::{TmuxArgs, TmuxFile, TmuxSettings};

/// The resolved configuration of `agentcast serve`: one resolved group per concern.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    pub server: ServerSettings,
    pub engine: EngineSettings,
    pub hub: HubSettings,
    pub store: StoreSettings,
    pub ingest: IngestSettings,
    pub processes: ProcessSettings,
    pub demo: DemoSettings,
    pub collect: CollectSettings,
    pub tmux: TmuxSettings,
    pub mcp: McpSettings,
    pub auth: AuthSettings,
    pub limits: Limits,
    pub tls: TlsSettings,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("invalid config file {path}: {source}")]
    Parse {
        path: PathBuf,
        source: toml::de::Error,
    },
    #[error("invalid setting {key}: {message}")]
    Invalid { key: &'static str, message: String },
}

impl Default for Config {
    fn default() -> Self {
        Self::resolve(ServeArgs::default(), FileConfig::default()).expect("the defaults are valid") // checked by the unit test `defaults_are_valid`
    }
}

impl Config {
    /// Reads the file named by `--config` (if any) and resolves everything.
    pub fn load(args: ServeArgs) -> Result<Self, ConfigError> {
        let file = match &args.config {
            Some(path) => FileConfig::read(path)?,
            None => FileConfig::default(),
        };
        Self::resolve(args, file)
    }

    /// Flag/env (already merged by clap) over file over default, group by group; then the
    /// rules between settings.
    pub fn resolve(args: ServeArgs, file: FileConfig) -> Result<Self, ConfigError> {
        let server = ServerSettings::resolve(args.server, file.server)?;
        let auth = AuthSettings::resolve(args.auth, file.auth, &server)?;
        let mut hub = HubSettings::resolve(args.hub, file.hub)?;
        hub.fit_tail_to_retention();
        let tls = TlsSettings::resolve(args.tls, file.tls)?;
        tls.check()?;
        auth.check(server.bind)?;
        let store = StoreSettings::resolve(args.store, file.store)?;
        store.check()?;
        Ok(Self {
            engine: EngineSettings::resolve(args.engine, file.engine)?,
            store,
            ingest: IngestSettings::resolve(args.ingest, file.ingest)?,
            processes: ProcessSettings::resolve(args.processes, file.processes)?,
            demo: DemoSettings::resolve(args.demo, file.demo)?,
            collect: CollectSettings::resolve(args.collect, file.collect)?,
            tmux: TmuxSettings::resolve(args.tmux, file.tmux)?,
            mcp: McpSettings::resolve(args.mcp, file.mcp)?,
            limits: Limits::resolve(args.limits, file.limits)?,
            server,
            hub,
            auth,
            tls,
        })
    }
}
