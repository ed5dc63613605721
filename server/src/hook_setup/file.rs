//! The settings file on disk: which one, read (a missing or empty file is `{}`; invalid JSON
//! is an error and nothing is written), and written back only when it changed, after a
//! backup of what was there, through a temporary file renamed over it.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::settings::ShapeError;

/// Why the settings file could not be read, changed or written.
#[derive(Debug, thiserror::Error)]
pub enum SettingsFileError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} is not valid JSON ({source}); fix or move it first, nothing was written")]
    Invalid {
        path: PathBuf,
        source: serde_json::Error,
    },
    #[error("{path}: {source}; nothing was written")]
    Shape { path: PathBuf, source: ShapeError },
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "no settings file given and neither CLAUDE_CONFIG_DIR nor HOME is set: use --settings FILE"
    )]
    NoHome,
}

/// Where Claude Code reads the settings: `explicit`, else `./.claude/settings.json` for a
/// project, else `$CLAUDE_CONFIG_DIR/settings.json`, else `~/.claude/settings.json`.
pub(crate) fn settings_path(
    explicit: Option<&Path>,
    project: bool,
    config_dir: Option<&str>,
    home: Option<&str>,
) -> Result<PathBuf, SettingsFileError> {
    if let Some(path) = explicit {
        return Ok(path.to_owned());
    }
    if project {
        return Ok(PathBuf::from(".claude").join("settings.json"));
    }
    match (config_dir.filter(|d| !d.is_empty()), home) {
        (Some(dir), _) => Ok(Path::new(dir).join("settings.json")),
        (None, Some(home)) if !home.is_empty() => {
            Ok(Path::new(home).join(".claude").join("settings.json"))
        }
        _ => Err(SettingsFileError::NoHome),
    }
}

/// A settings file as read: its document, and how it looked (to write it back alike).
pub(crate) struct SettingsFile {
    pub path: PathBuf,
    pub document: Value,
    /// What was on disk; `None` when there was no file.
    original: Option<String>,
}

impl SettingsFile {
    /// Reads `path`; a missing or blank file reads as `{}`.
    pub(crate) fn read(path: &Path) -> Result<Self, SettingsFileError> {
        let original = match std::fs::read_to_string(path) {
            Ok(text) => Some(text),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => None,
            Err(source) => {
                return Err(SettingsFileError::Read {
                    path: path.to_owned(),
                    source,
                });
            }
        };
        let document = match original.as_deref().map(str::trim) {
            None | Some("") => Value::Object(Default::default()),
            Some(text) => {
                serde_json::from_str(text).map_err(|source| SettingsFileError::Invalid {
                    path: path.to_owned(),
                    source,
                })?
            }
        };
        Ok(SettingsFile {
            path: path.to_owned(),
            document,
            original,
        })
    }

    /// A shape error of this file's document, for the caller's `?`.
    pub(crate) fn shape(&self, source: ShapeError) -> SettingsFileError {
        SettingsFileError::Shape {
            path: self.path.clone(),
            source,
        }
    }

    /// Writes the document back if it differs from what was read (two spaces of indent, as
    /// Claude Code writes it; a final newline if the file had one). What was there is first
    /// copied to a backup beside it. Returns the backup's path, `None` when nothing changed
    /// or there was no file.
    pub(crate) fn write_if_changed(&self, stamp: &str) -> Result<WriteOutcome, SettingsFileError> {
        let write_err = |source| SettingsFileError::Write {
            path: self.path.clone(),
            source,
        };
        let newline = self.original.as_deref().is_none_or(|t| t.ends_with('\n'));
        let mut text =
            serde_json::to_string_pretty(&self.document).expect("a JSON value always serializes");
        if newline {
            text.push('\n');
        }
        let unchanged = match &self.original {
            Some(original) => {
                serde_json::from_str::<Value>(original).is_ok_and(|before| before == self.document)
            }
            None => false,
        };
        if unchanged {
            return Ok(WriteOutcome::Unchanged);
        }
        let dir = match self.path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir.to_owned(),
            _ => PathBuf::from("."),
        };
        std::fs::create_dir_all(&dir).map_err(write_err)?;
        let backup = match &self.original {
            Some(original) => {
                let name = self
                    .path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_else(|| "settings.json".into());
                let backup = dir.join(format!("{name}.agentcast-backup-{stamp}"));
                std::fs::write(&backup, original).map_err(write_err)?;
                Some(backup)
            }
            None => None,
        };
        // Written beside it and renamed over it: Claude Code never reads half a file.
        let temp = dir.join(format!(".settings.agentcast-{}.tmp", std::process::id()));
        let written = (|| {
            let mut out = std::fs::File::create(&temp)?;
            if let Ok(meta) = std::fs::metadata(&self.path) {
                // Keep the file's permissions (a settings file may hold secrets in `env`).
                out.set_permissions(meta.permissions())?;
            }
            out.write_all(text.as_bytes())?;
            out.sync_all()?;
            std::fs::rename(&temp, &self.path)
        })();
        if let Err(err) = written {
            let _ = std::fs::remove_file(&temp);
            return Err(write_err(err));
        }
        Ok(WriteOutcome::Written { backup })
    }
}

/// What [`SettingsFile::write_if_changed`] did.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum WriteOutcome {
    /// The document was already so: nothing written, no backup.
    Unchanged,
    /// Written; what was there before is in `backup` (none for a new file).
    Written { backup: Option<PathBuf> },
}

/// A backup's suffix from a wire timestamp: `2026-12-06T20:15:00.123Z` -> `20261206T201500123Z`.
pub(crate) fn backup_stamp(ts: &str) -> String {
    ts.chars().filter(|c| c.is_ascii_alphanumeric()).collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::hook_setup::settings::install;

    const OURS: &str = "'/opt/bin/agentcast' hooks send --server 'http://127.0.0.1:8080'";

    #[test]
    fn the_path_is_explicit_then_project_then_claude_config_dir_then_home() {
        let explicit = Path::new("/x/s.json");
        assert_eq!(
            settings_path(Some(explicit), true, Some("/c"), Some("/h")).unwrap(),
            explicit
        );
        assert_eq!(
            settings_path(None, true, Some("/c"), Some("/h")).unwrap(),
            Path::new(".claude/settings.json")
        );
        assert_eq!(
            settings_path(None, false, Some("/c"), Some("/h")).unwrap(),
            Path::new("/c/settings.json")
        );
        assert_eq!(
            settings_path(None, false, Some(""), Some("/h")).unwrap(),
            Path::new("/h/.claude/settings.json")
        );
        assert!(matches!(
            settings_path(None, false, None, None),
            Err(SettingsFileError::NoHome)
        ));
    }

    #[test]
    fn a_missing_file_is_created_without_a_backup() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub").join("settings.json");
        let mut file = SettingsFile::read(&path).unwrap();
        install(&mut file.document, OURS, None).unwrap();
        assert_eq!(
            file.write_if_changed("1").unwrap(),
            WriteOutcome::Written { backup: None }
        );
        let written: Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        assert_eq!(written, file.document);
    }

    #[test]
    fn an_empty_file_reads_as_an_empty_object_and_is_backed_up() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("settings.json");
        std::fs::write(&path, "  \n").unwrap();
        let mut file = SettingsFile::read(&path).unwrap();
        assert_eq!(file.document, json!({}));
        install(&mut file.document, OURS, None).unwrap();
        let WriteOutcome::Written {
            backup: Some(backup),
        } = file.write_if_changed("7").unwrap()
        else {
            panic!("a backup of the empty file");
        };
        assert_eq!(backup, dir.path().join("settings.json.agentcast-backup-7"));
        assert_eq!(std::fs::read_to_string(backup).unwrap(), "  \n");
    }

    #[test]
    fn invalid_json_is_an_error_and_the_file_is_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("settings.json");
        std::fs::write(&path, "{\"hooks\": {,}").unwrap();
        let err = SettingsFile::read(&path).err().expect("an error");
        assert!(matches!(err, SettingsFileError::Invalid { .. }), "{err}");
        assert!(err.to_string().contains("nothing was written"), "{err}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "{\"hooks\": {,}");
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no backup either"
        );
    }

    #[test]
    fn formatting_and_permissions_are_kept_and_a_second_install_writes_nothing() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("settings.json");
        let original = "{\n  \"model\": \"opus\",\n  \"env\": {\n    \"A\": \"1\"\n  }\n}";
        std::fs::write(&path, original).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();

        let mut file = SettingsFile::read(&path).unwrap();
        install(&mut file.document, OURS, None).unwrap();
        assert!(matches!(
            file.write_if_changed("1").unwrap(),
            WriteOutcome::Written { backup: Some(_) }
        ));
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.starts_with(
                "{\n  \"model\": \"opus\",\n  \"env\": {\n    \"A\": \"1\"\n  },\n  \"hooks\""
            ),
            "{text}"
        );
        assert!(!text.ends_with('\n'), "no final newline, as before");
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);

        let mut again = SettingsFile::read(&path).unwrap();
        install(&mut again.document, OURS, None).unwrap();
        assert_eq!(
            again.write_if_changed("2").unwrap(),
            WriteOutcome::Unchanged
        );
        assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
    }

    #[test]
    fn backup_stamps_are_file_name_safe() {
        assert_eq!(
            backup_stamp("2026-12-06T20:15:00.123Z"),
            "20261206T201500123Z"
        );
    }
}
