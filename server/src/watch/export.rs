//! `--export FILE`: `.jsonl` appends every stored event as it arrives (whatever the filters),
//! one envelope per line exactly as `GET /api/sessions/{id}/export.jsonl` writes them; `.md`
//! keeps the events and writes a readable transcript when watch exits.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use agentcast_shared::Envelope;
use agentcast_shared::view::markdown::{MarkdownOptions, render};

/// Where the events go.
pub enum Export {
    Jsonl {
        path: PathBuf,
        out: BufWriter<File>,
    },
    Markdown {
        path: PathBuf,
        events: Vec<Envelope>,
    },
}

/// Why the export file cannot be written.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("--export {0}: use a .jsonl or .md file")]
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
            Some("md") => {
                // Created now so a path that cannot be written fails before the watch starts.
                File::create(path).map_err(io)?;
                Ok(Export::Markdown {
                    path: path.to_owned(),
                    events: Vec::new(),
                })
            }
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
            Export::Markdown { events, .. } => {
                events.push(envelope.clone());
                Ok(())
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
            Export::Markdown { path, events } => {
                let text = markdown(&events);
                std::fs::write(&path, text).map_err(|source| ExportError::Io {
                    path: path.clone(),
                    source,
                })?;
                Ok(path)
            }
        }
    }
}

/// One transcript per session, in the order the sessions first appeared, separated by a rule.
fn markdown(events: &[Envelope]) -> String {
    let mut sessions: Vec<(&str, Vec<Envelope>)> = Vec::new();
    for envelope in events {
        match sessions
            .iter_mut()
            .find(|(id, _)| *id == envelope.session_id)
        {
            Some((_, of_session)) => of_session.push(envelope.clone()),
            None => sessions.push((&envelope.session_id, vec![envelope.clone()])),
        }
    }
    sessions
        .iter()
        .map(|(_, of_session)| render(of_session, &MarkdownOptions::default()))
        .collect::<Vec<_>>()
        .join("\n---\n\n")
}
