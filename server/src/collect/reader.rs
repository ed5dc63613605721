//! [`FileReader`]: one transcript file read from a byte position, line by line, into events.
//!
//! Only complete lines are consumed: a line still being written waits for its newline, and
//! the position after the last complete line is the cursor stored with the events. A line
//! over the ingest limit is skipped as it streams by (the decoder keeps only its first bytes)
//! and reported as an `agent.error`. Lines that end at or before `published_until` were
//! published before: they are mapped again, to rebuild the mapper's state (pending tool
//! calls, sub-agents, usage totals), and their events are dropped. That one rule covers a
//! restart (read again from 0 up to the stored cursor), a file replaced under its path or
//! shrunk (read again from 0; what the store has is not published twice), and a reader
//! dropped to save memory.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use agentcast_shared::{AgentError, Event};

use crate::ingest::{Decoded, IngestCounters, JsonlDecoder, LineMapper};

/// What reading a file found.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ReadError {
    /// The file at the path is not the one read so far (another device:inode): it was
    /// replaced. Read it again from its start.
    #[error("the file was replaced")]
    Replaced,
    /// The file is shorter than what was read of it: it was truncated or rewritten.
    #[error("the file shrank from {was} to {now} bytes")]
    Shrunk { was: u64, now: u64 },
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

/// One step of reading.
#[derive(Debug, Default)]
pub(crate) struct Chunk {
    /// Events of the lines past `published_until`.
    pub events: Vec<Event>,
    /// The cursor after this step: the position just after the last complete line.
    pub position: u64,
    /// Lines over the length limit skipped in this step.
    pub too_long: u64,
    /// The step stopped at its budget: there is more to read.
    pub more: bool,
}

/// A file's identity, `<device>:<inode>`, so a file replaced under the same path is noticed.
pub(crate) fn file_id(metadata: &std::fs::Metadata) -> Option<String> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        Some(format!("{}:{}", metadata.dev(), metadata.ino()))
    }
    #[cfg(not(unix))]
    {
        let _ = metadata;
        None
    }
}

/// Reads one transcript; see the module docs.
pub(crate) struct FileReader {
    path: PathBuf,
    mapper: Box<dyn LineMapper>,
    decoder: JsonlDecoder,
    max_line_bytes: usize,
    /// The position just after the last complete line consumed.
    position: u64,
    /// The next byte to read from the file (`position` plus what is pending).
    next_read: u64,
    /// The bytes of the line being read, while it is within the limit.
    pending: Vec<u8>,
    /// The line being read is over the limit: its bytes went to the decoder, which skips it.
    oversize: bool,
    /// Lines ending at or before this were published before.
    published_until: u64,
    /// The identity of the file read, once read.
    file_id: Option<String>,
    buffer: Vec<u8>,
    /// The server's ingest counters: the lines published (not those mapped again).
    counters: Option<Arc<IngestCounters>>,
}

impl FileReader {
    /// A reader from the start of `path`, publishing what lies past `published_until`.
    pub fn new(
        path: &Path,
        mapper: Box<dyn LineMapper>,
        max_line_bytes: usize,
        published_until: u64,
    ) -> Self {
        FileReader {
            path: path.to_owned(),
            mapper,
            decoder: JsonlDecoder::new(max_line_bytes),
            max_line_bytes,
            position: 0,
            next_read: 0,
            pending: Vec::new(),
            oversize: false,
            published_until,
            file_id: None,
            buffer: Vec::new(),
            counters: None,
        }
    }

    /// Also counts the lines it publishes, and the unusable ones, in the server's `counters`.
    pub fn counted_in(mut self, counters: Arc<IngestCounters>) -> Self {
        self.counters = Some(counters);
        self
    }

    pub fn file_id(&self) -> Option<&str> {
        self.file_id.as_deref()
    }

    /// Reads at most `budget` bytes past what was read, maps the complete lines among them,
    /// and says where that leaves the cursor. `now_ms` is the mapper's clock.
    pub fn read(&mut self, budget: usize, now_ms: u64) -> Result<Chunk, ReadError> {
        // Only a regular file: opening a FIFO put in its place would block.
        if !std::fs::metadata(&self.path)?.is_file() {
            return Err(std::io::Error::other("not a regular file").into());
        }
        let mut file = File::open(&self.path)?;
        let metadata = file.metadata()?;
        let id = file_id(&metadata);
        match &self.file_id {
            Some(known) if id.as_ref() != Some(known) => return Err(ReadError::Replaced),
            _ => self.file_id = id,
        }
        let size = metadata.len();
        if size < self.next_read {
            return Err(ReadError::Shrunk {
                was: self.next_read,
                now: size,
            });
        }
        let want = (size - self.next_read).min(budget as u64) as usize;
        self.buffer.resize(want, 0);
        file.seek(SeekFrom::Start(self.next_read))?;
        let got = read_up_to(&mut file, &mut self.buffer)?;
        self.next_read += got as u64;
        let mut chunk = Chunk {
            more: self.next_read < size,
            ..Chunk::default()
        };
        let data = std::mem::take(&mut self.buffer);
        self.consume(&data[..got], now_ms, &mut chunk);
        self.buffer = data;
        chunk.position = self.position;
        Ok(chunk)
    }

    /// Splits `data` (the bytes just read, which end at `next_read`) at its newlines and
    /// maps each complete line.
    fn consume(&mut self, data: &[u8], now_ms: u64, chunk: &mut Chunk) {
        let data_start = self.next_read - data.len() as u64;
        let mut rest = data;
        while let Some(newline) = memchr::memchr(b'\n', rest) {
            let (line, after) = rest.split_at(newline + 1);
            let end = data_start + (data.len() - after.len()) as u64;
            rest = after;
            let text: &[u8] = if self.oversize || self.pending.is_empty() {
                line
            } else {
                self.pending.extend_from_slice(line);
                &self.pending
            };
            let publish = end > self.published_until;
            let (mapper, out, too_long) =
                (&mut self.mapper, &mut chunk.events, &mut chunk.too_long);
            // Lines mapped again only to rebuild the mapper's state were counted before.
            let counters = self.counters.as_deref().filter(|_| publish);
            self.decoder.push(text, |decoded| match decoded {
                Decoded::Line { number, text } => {
                    let mark = out.len();
                    if let Some(counters) = counters {
                        counters.line();
                    }
                    if let Err(reason) = mapper.map_line(text, now_ms, out) {
                        if let Some(counters) = counters {
                            counters.error("malformed_json");
                        }
                        out.push(Event::from(AgentError {
                            code: "malformed_json".into(),
                            message: format!("line {number} is not JSON: {reason}"),
                            line: Some(number),
                            excerpt: Some(excerpt(text)),
                        }));
                    }
                    if !publish {
                        out.truncate(mark);
                    }
                }
                Decoded::Rejected(error) => {
                    *too_long += 1;
                    if let Some(counters) = counters {
                        counters.error(error.code());
                    }
                    if publish {
                        out.push(error.to_agent_error().into());
                    }
                }
                // Only `finish` yields it, and a transcript is never finished: its last line
                // waits for its newline.
                Decoded::Unterminated { .. } => {}
            });
            self.pending.clear();
            self.oversize = false;
            self.position = end;
        }
        if rest.is_empty() {
            return;
        }
        if self.oversize {
            self.decoder.push(rest, |_| {});
        } else if self.pending.len() + rest.len() > self.max_line_bytes {
            // Over the limit without its end: the decoder skips it from here on, keeping
            // only its first bytes for the report; nothing of it is buffered here.
            self.decoder.push(&self.pending, |_| {});
            self.decoder.push(rest, |_| {});
            self.pending = Vec::new();
            self.oversize = true;
        } else {
            self.pending.extend_from_slice(rest);
        }
    }
}

/// The first bytes of a line, for a report.
fn excerpt(text: &str) -> String {
    let mut end = text.len().min(200);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].to_owned()
}

/// Reads until `buffer` is full or the file ends (a file may be shorter than its size said a
/// moment ago).
fn read_up_to(file: &mut File, buffer: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buffer.len() {
        match file.read(&mut buffer[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(err) if err.kind() == std::io::ErrorKind::Interrupted => {}
            Err(err) => return Err(err),
        }
    }
    Ok(filled)
}
