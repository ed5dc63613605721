//! [`FileConfig`]: the TOML file of `--config`. Most groups' keys sit at the top level
//! (`bind = ...`), the security groups in sections (`[auth]`, `[limits]`, `[tls]`). Every key
//! is optional, and an unknown key is an error, not a silent no-op.

use std::path::Path;
use std::sync::LazyLock;

use serde::de::{MapAccess, Visitor};
use serde::{Deserialize, Deserializer};

use super::group::{FileGroup, Key};
use super::{
    AuthFile, CollectFile, ConfigError, DemoFile, EngineFile, HubFile, IngestFile, LimitsFile,
    McpFile, ProcessFile, ServerFile, StoreFile, TlsFile, TmuxFile,
};

/// The TOML file, as each group's part of it.
#[derive(Debug, Default)]
pub struct FileConfig {
    pub server: ServerFile,
    pub engine: EngineFile,
    pub hub: HubFile,
    pub store: StoreFile,
    pub ingest: IngestFile,
    pub processes: ProcessFile,
    pub demo: DemoFile,
    pub collect: CollectFile,
    pub tmux: TmuxFile,
    pub mcp: McpFile,
    pub auth: AuthFile,
    pub limits: LimitsFile,
    pub tls: TlsFile,
}

impl FileConfig {
    pub fn read(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.into(),
            source,
        })?;
        toml::from_str(&text).map_err(|source| ConfigError::Parse {
            path: path.into(),
            source,
        })
    }

    /// Offers a top-level key to each group in turn until one takes it.
    fn read_top_level_key<'de, A: MapAccess<'de>>(
        &mut self,
        key: &str,
        map: &mut A,
    ) -> Result<bool, A::Error> {
        Ok(self.server.read_key(key, map)?
            || self.engine.read_key(key, map)?
            || self.hub.read_key(key, map)?
            || self.store.read_key(key, map)?
            || self.ingest.read_key(key, map)?
            || self.processes.read_key(key, map)?
            || self.demo.read_key(key, map)?
            || self.collect.read_key(key, map)?
            || self.tmux.read_key(key, map)?
            || self.mcp.read_key(key, map)?)
    }
}

/// The keys of the groups at the top level of the file.
pub(super) const TOP_LEVEL_GROUPS: [&[&str]; 10] = [
    ServerFile::KEYS,
    EngineFile::KEYS,
    HubFile::KEYS,
    StoreFile::KEYS,
    IngestFile::KEYS,
    ProcessFile::KEYS,
    DemoFile::KEYS,
    CollectFile::KEYS,
    TmuxFile::KEYS,
    McpFile::KEYS,
];

/// The sections of the file and their keys.
pub(super) const SECTIONS: [(&str, &[&str]); 3] = [
    ("auth", AuthFile::KEYS),
    ("limits", LimitsFile::KEYS),
    ("tls", TlsFile::KEYS),
];

/// Every key of the top level: the groups' keys, then the sections.
static TOP_LEVEL_KEYS: LazyLock<Vec<&'static str>> = LazyLock::new(|| {
    let sections = SECTIONS.map(|(section, _)| section);
    [TOP_LEVEL_GROUPS.concat().as_slice(), &sections].concat()
});

/// Each value is read where its key is, so toml's error points at the line that is wrong.
impl<'de> Deserialize<'de> for FileConfig {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct File;

        impl<'de> Visitor<'de> for File {
            type Value = FileConfig;

            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a table of settings")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<FileConfig, A::Error> {
                let mut file = FileConfig::default();
                while let Some(key) = map.next_key_seed(Key(&TOP_LEVEL_KEYS))? {
                    match key.as_str() {
                        "auth" => file.auth = map.next_value()?,
                        "limits" => file.limits = map.next_value()?,
                        "tls" => file.tls = map.next_value()?,
                        // A known key: one of the groups takes it.
                        key => {
                            file.read_top_level_key(key, &mut map)?;
                        }
                    }
                }
                Ok(file)
            }
        }

        deserializer.deserialize_map(File)
    }
}
