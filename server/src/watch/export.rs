//! `--export FILE`: `.jsonl` appends every stored event as it arrives (whatever the filters),
//! one envelope per line exactly as `GET /api/sessions/{id}/export.jsonl` writes them.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use agentcast_shared::Envelope;

/// Where the events go.
pub enum Export {
    Jsonl { path: PathBuf, out: BufWriter<File> },
}

/// Why the export file cannot be written.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("--export {0}: use a .jsonl file")]
    Extension(PathBuf),
    #[error("--export {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl Export {
    /// Creates (truncates) `path`, by its extension.
    pub fn create(path: &Path) -> Result<Export, ExportError> {
        let io = |source| ExportError::Io {
            path: path.to_owned(),
            source,
        };
        match path.extension().and_then(|e| e.to_str()) {
            Some("jsonl") => Ok(Export::Jsonl {
                path: path.to_owned(),
                out: BufWriter::new(File::create(path).map_err(io)?),
            }),
            _ => Err(ExportError::Extension(path.to_owned())),
        }
    }

    /// One stored event (ephemeral ones are not exported).
    pub fn push(&mut self, envelope: &Envelope) -> std::io::Result<()> {
        if envelope.is_ephemeral() {
            return Ok(());
        }
        match self {
            Export::Jsonl { out, .. } => {
                serde_json::to_writer(&mut *out, envelope)?;
                out.write_all(b"\n")
            }
        }
    }

    /// Writes what is left; the path written, for the last message.
    pub fn finish(self) -> Result<PathBuf, ExportError> {
        match self {
            Export::Jsonl { path, out } => match out.into_inner() {
                Ok(_) => Ok(path),
                Err(err) => Err(ExportError::Io {
                    path,
                    source: err.into_error(),
                }),
            },
        }
    }
}
