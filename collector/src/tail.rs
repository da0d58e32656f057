//! Reading one transcript file from where the last read stopped: complete
//! lines only (a line still being written waits for its newline), huge lines
//! skipped without being held, truncated or replaced files read again.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom};
use std::os::unix::fs::MetadataExt;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use accrete_common::EventBatch;
use accrete_common::pipeline::{Checkpoint, Envelope, FileCheckpoint, FileKey};
use tracing::{debug, info, warn};

use std::sync::Arc;

use accrete_common::lexicon::JudgeRules;

use crate::agents::Format;
use crate::agents::codex::{self, CodexState};
use crate::agents::gemini::{self as gemini_chat, GeminiState};
use crate::judge::Judge;
use crate::parse::{KNOWN_LINE_TYPES, LineContext, LineError, Normalizer};
use crate::status::SourceCounters;

const CHUNK: usize = 1 << 20;

/// Events and checkpoints gathered for the next envelope.
#[derive(Default)]
pub struct BatchBuilder {
    pub(crate) events: Vec<accrete_common::TranscriptEvent>,
    checkpoints: Vec<FileCheckpoint>,
    pub(crate) resets: Vec<FileKey>,
}

impl BatchBuilder {
    pub fn len(&self) -> usize {
        self.events.len()
    }
    pub fn is_empty(&self) -> bool {
        self.events.is_empty() && self.checkpoints.is_empty() && self.resets.is_empty()
    }
    pub(crate) fn checkpoint(&mut self, c: FileCheckpoint) {
        match self.checkpoints.iter_mut().find(|x| x.key == c.key) {
            Some(x) => *x = c,
            None => self.checkpoints.push(c),
        }
    }
    pub fn take(&mut self) -> Envelope<EventBatch> {
        let b = std::mem::take(self);
        Envelope {
            body: EventBatch { events: b.events },
            checkpoint: Checkpoint { files: b.checkpoints, resets: b.resets, queue: Vec::new() },
            traces: Default::default(),
        }
    }
}

/// Limits and the hand-off used while reading.
pub struct ReadCtx<'a> {
    pub normalizer: &'a Normalizer<'a>,
    pub counters: &'a SourceCounters,
    pub max_line_bytes: u64,
    pub batch_max_events: usize,
    /// How long an unterminated last line must stay unchanged before it is
    /// read as a line if it parses (`Some(ZERO)` in one-shot mode; `None`: never).
    pub tail_grace: Option<Duration>,
    pub flush: &'a mut dyn FnMut(Envelope<EventBatch>) -> io::Result<()>,
    /// The read buffer, kept from file to file: a fresh one per file cost
    /// the kernel's zeroing of new pages and page faults (4 % of a catch-up).
    pub buf: Vec<u8>,
    /// The catalog's judgement rules (v2); `None`: no judging.
    pub judge: Option<&'a Arc<JudgeRules>>,
}

/// One followed file and how far it has been read.
pub struct TrackedFile {
    pub key: FileKey,
    pub abs: PathBuf,
    pub ctx: LineContext,
    pub offset: u64,
    pub line: u64,
    pub file_id: u64,
    pub size: u64,
    pub partial: u64,
    pub deleted: bool,
    pub(crate) partial_seen: Option<(u64, Instant)>,
    pub(crate) unknown_types_logged: bool,
    /// The session file's judge (own session files only), made on the first read.
    pub(crate) judge: Option<Judge>,
    pub format: Format,
    /// What a Codex rollout's earlier lines set (model, project), made on the first read.
    codex: Option<CodexState>,
    /// What a Gemini chat's earlier messages set (ids handed on).
    pub(crate) gemini: Option<GeminiState>,
    /// A Gemini JSON chat's last message read: a rewind replaces it.
    pub(crate) chat_last_id: Option<String>,
}

impl TrackedFile {
    pub fn new(key: FileKey, abs: PathBuf, ctx: LineContext, from: Option<&FileCheckpoint>) -> TrackedFile {
        TrackedFile {
            key,
            abs,
            ctx,
            offset: from.map_or(0, |c| c.offset),
            line: from.map_or(0, |c| c.line),
            file_id: from.map_or(0, |c| c.file_id),
            size: 0,
            partial: 0,
            deleted: false,
            partial_seen: None,
            unknown_types_logged: false,
            judge: None,
            format: Format::Claude,
            codex: None,
            gemini: None,
            chat_last_id: None,
        }
    }

    /// The same file, read as `format`.
    pub fn with_format(mut self, format: Format) -> TrackedFile {
        self.format = format;
        self
    }

    pub fn checkpoint(&self) -> FileCheckpoint {
        FileCheckpoint {
            key: self.key.clone(),
            offset: self.offset,
            line: self.line,
            file_id: self.file_id,
            session_id: self.ctx.session_id.clone(),
            agent_id: self.ctx.agent_id.clone(),
        }
    }

    /// Whether the file may hold lines not read yet.
    pub fn has_news(&self, size: u64) -> bool {
        size != self.offset + self.partial || self.partial > 0
    }

    /// Reads every complete line after `offset` into `batch`, flushing full batches.
    pub fn read_new(&mut self, batch: &mut BatchBuilder, rc: &mut ReadCtx) -> io::Result<()> {
        if self.format == Format::GeminiJson {
            return self.read_chat(batch, rc);
        }
        let Some(meta) = self.stat()? else { return Ok(()) };
        let (size, id) = (meta.len(), meta.ino());
        let replaced = self.file_id != 0 && id != self.file_id;
        if replaced || size < self.offset {
            warn!(
                path = %self.abs.display(),
                offset = self.offset,
                size,
                reason = %if replaced { "replaced" } else { "truncated" },
                "transcript file changed under the collector; forgetting what it gave and reading it again"
            );
            rc.counters.files_reset.inc();
            if !batch.is_empty() {
                (rc.flush)(batch.take())?;
            }
            batch.resets.push(self.key.clone());
            self.offset = 0;
            self.line = 0;
            self.partial = 0;
            self.partial_seen = None;
            self.judge = None;
            self.codex = None;
            self.gemini = None;
        }
        let fresh_judge = self.judge.is_none() && self.ctx.agent_id.is_empty() && rc.judge.is_some();
        let fresh_state = match self.format {
            Format::Codex => self.codex.is_none(),
            Format::GeminiJsonl => self.gemini.is_none(),
            _ => false,
        };
        if fresh_judge || fresh_state {
            let mut judge = rc.judge.filter(|_| fresh_judge).map(|r| Judge::new(Arc::clone(r)));
            match self.format {
                Format::Codex if fresh_state => self.codex = Some(CodexState::default()),
                Format::GeminiJsonl if fresh_state => self.gemini = Some(GeminiState::default()),
                _ => {}
            }
            if self.offset > 0 {
                self.replay(judge.as_mut(), rc)?;
            }
            if judge.is_some() {
                self.judge = judge;
            }
        }
        self.file_id = id;
        self.size = size;
        if size == self.offset {
            self.partial = 0;
            batch.checkpoint(self.checkpoint());
            return Ok(());
        }
        let mut file = File::open(&self.abs)?;
        file.seek(SeekFrom::Start(self.offset))?;
        let mut buf = std::mem::take(&mut rc.buf);
        buf.clear();
        let mut scanned = 0usize; // bytes of `buf` known to hold no newline
        let mut skipping = false; // inside an oversized line...
        let mut dropped = 0u64; // ...of which this many bytes were dropped already
        loop {
            // Into the spare capacity, without zero-filling it first.
            let n = (&mut file).take(CHUNK as u64).read_to_end(&mut buf)?;
            if n == 0 {
                break;
            }
            let mut consumed = 0usize;
            while let Some(i) = memchr::memchr(b'\n', &buf[scanned..]) {
                let end = scanned + i;
                let len = dropped + (end - consumed) as u64;
                if skipping {
                    self.finish_oversized(len, rc);
                    skipping = false;
                    dropped = 0;
                } else {
                    self.handle_line(&buf[consumed..end], self.offset + len + 1, batch, rc)?;
                }
                self.offset += len + 1;
                self.line += 1;
                consumed = end + 1;
                scanned = consumed;
            }
            scanned = buf.len();
            if !skipping && (buf.len() - consumed) as u64 > rc.max_line_bytes {
                skipping = true;
            }
            if skipping {
                // Drop the oversized line's bytes as they come: it is never held whole.
                dropped += (buf.len() - consumed) as u64;
                consumed = buf.len();
            }
            buf.drain(..consumed);
            scanned -= consumed;
        }
        self.partial = if skipping { dropped } else { buf.len() as u64 };
        if !skipping && !buf.is_empty() {
            self.maybe_read_tail(&buf, batch, rc)?;
        }
        batch.checkpoint(self.checkpoint());
        // A long line's buffer is not kept (the daemon's RSS stays small).
        if buf.capacity() <= 4 * CHUNK {
            rc.buf = buf;
        }
        Ok(())
    }

    /// The file's metadata; `None` once it is gone (noted once: what it
    /// held stays counted).
    pub(crate) fn stat(&mut self) -> io::Result<Option<std::fs::Metadata>> {
        match std::fs::metadata(&self.abs) {
            Ok(m) => {
                self.deleted = false;
                Ok(Some(m))
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                if !self.deleted {
                    info!(path = %self.abs.display(), "transcript deleted; what it held stays counted");
                }
                self.deleted = true;
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }

    /// An unterminated last line that has stopped growing and parses is read
    /// as a line; one that does not parse waits for the rest of its bytes.
    fn maybe_read_tail(&mut self, tail: &[u8], batch: &mut BatchBuilder, rc: &mut ReadCtx) -> io::Result<()> {
        let Some(grace) = rc.tail_grace else {
            return Ok(());
        };
        let now = Instant::now();
        let since = match self.partial_seen {
            Some((len, t)) if len == tail.len() as u64 => t,
            _ => now,
        };
        self.partial_seen = Some((tail.len() as u64, since));
        if now.duration_since(since) < grace {
            return Ok(());
        }
        if serde_json::from_slice::<serde::de::IgnoredAny>(tail).is_err() {
            debug!(path = %self.abs.display(), bytes = tail.len(), "waiting for the rest of a torn last line");
            return Ok(());
        }
        info!(path = %self.abs.display(), bytes = tail.len(), "reading a complete last line that has no newline");
        self.handle_line(tail, self.offset + tail.len() as u64, batch, rc)?;
        self.offset += tail.len() as u64;
        self.line += 1;
        self.partial = 0;
        self.partial_seen = None;
        Ok(())
    }

    /// Rebuilds a judge (and a rollout's state) after a restart: reads the
    /// file's lines before the checkpoint again, for the judge only (their
    /// events were sent before).
    fn replay(&mut self, mut judge: Option<&mut Judge>, rc: &ReadCtx) -> io::Result<()> {
        let mut r = BufReader::with_capacity(CHUNK, File::open(&self.abs)?);
        let (mut pos, mut line_no, mut buf) = (0u64, 0u64, Vec::new());
        while pos < self.offset {
            buf.clear();
            // At most one byte past the limit is held: a longer line is skipped, as when it was read.
            let n = (&mut r).take(rc.max_line_bytes + 1).read_until(b'\n', &mut buf)?;
            if n == 0 {
                break;
            }
            let mut len = n as u64;
            if buf.last() != Some(&b'\n') {
                if (n as u64) <= rc.max_line_bytes {
                    // The unterminated last line that was read as a line.
                    line_no += 1;
                    self.parse(&buf, pos, line_no, rc, judge.as_deref_mut());
                    break;
                }
                let mut rest = Vec::new();
                len += r.read_until(b'\n', &mut rest)? as u64;
            } else if !buf[..n - 1].iter().all(u8::is_ascii_whitespace) {
                self.parse(&buf[..n - 1], pos, line_no + 1, rc, judge.as_deref_mut());
            }
            pos += len;
            line_no += 1;
        }
        debug!(path = %self.abs.display(), bytes = pos, "judge rebuilt from the lines before the checkpoint");
        Ok(())
    }

    /// One line of the file's format to events.
    fn parse(
        &mut self,
        bytes: &[u8],
        offset: u64,
        line_no: u64,
        rc: &ReadCtx,
        judge: Option<&mut Judge>,
    ) -> crate::parse::ParsedLine {
        match self.format {
            Format::Codex => {
                let st = self.codex.get_or_insert_with(CodexState::default);
                codex::parse_line(rc.normalizer, bytes, &mut self.ctx, st, offset, line_no, judge)
            }
            Format::GeminiJsonl => {
                let st = self.gemini.get_or_insert_with(GeminiState::default);
                gemini_chat::parse_line(rc.normalizer, bytes, &mut self.ctx, st, offset, line_no, judge)
            }
            _ => rc.normalizer.parse_line_judged(bytes, &self.ctx, offset, line_no, judge),
        }
    }

    fn finish_oversized(&self, bytes: u64, rc: &mut ReadCtx) {
        warn!(
            path = %self.abs.display(),
            line = self.line + 1,
            bytes,
            max_line_bytes = rc.max_line_bytes,
            "skipping a line longer than collector.max_line_bytes"
        );
        rc.counters.lines_oversized.inc();
    }

    fn handle_line(
        &mut self,
        bytes: &[u8],
        line_end: u64,
        batch: &mut BatchBuilder,
        rc: &mut ReadCtx,
    ) -> io::Result<()> {
        let line_no = self.line + 1;
        rc.counters.bytes_read.add(bytes.len() as u64 + 1);
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(());
        }
        let mut judge = self.judge.take();
        let p = self.parse(bytes, self.offset, line_no, rc, judge.as_mut());
        self.judge = judge;
        if self.ctx.session_id.is_empty()
            && let Some(s) = &p.session_hint
        {
            // A v2.0 subagent file beside its session: its lines name the session.
            self.ctx.session_id = s.clone();
        }
        if p.invalid_utf8 {
            rc.counters.lines_invalid_utf8.inc();
            warn!(path = %self.abs.display(), line = line_no, "line is not valid UTF-8; read with replacement characters");
        }
        match &p.error {
            Some(LineError::InvalidJson(e)) => {
                rc.counters.lines_invalid_json.inc();
                if p.recovered {
                    rc.counters.lines_recovered.inc();
                    warn!(path = %self.abs.display(), line = line_no, error = %e, "torn line: skipped the torn part, read the object after it");
                } else {
                    warn!(path = %self.abs.display(), line = line_no, bytes = bytes.len(), error = %e, "skipping a line that is not a JSON object");
                }
            }
            Some(LineError::NoSession) => {
                rc.counters.lines_without_session.inc();
                warn!(path = %self.abs.display(), line = line_no, "skipping a subagent line that names no session");
            }
            None => {}
        }
        if p.extra_objects > 0 {
            info!(path = %self.abs.display(), line = line_no, objects = p.extra_objects + 1, "line holds several JSON objects; reading each");
        }
        if let Some(kind) = &p.unknown_kind {
            rc.counters.lines_unknown_type.inc();
            if !self.unknown_types_logged {
                self.unknown_types_logged = true;
                info!(path = %self.abs.display(), line = line_no, kind = %kind, "unknown line kind; skipped");
            }
        }
        if p.events.is_empty() {
            // A rollout's meta, context and progress lines are read, and give no event.
            if self.format != Format::Claude && p.error.is_none() && p.unknown_kind.is_none() {
                rc.counters.lines_read.inc();
            }
            return Ok(());
        }
        rc.counters.lines_read.inc();
        for ev in p.events.iter().filter(|_| self.format == Format::Claude) {
            if !KNOWN_LINE_TYPES.contains(&ev.line_type.as_str()) {
                rc.counters.lines_unknown_type.inc();
                if !self.unknown_types_logged {
                    self.unknown_types_logged = true;
                    info!(path = %self.abs.display(), line = line_no, line_type = %ev.line_type, "unknown line type; kept as an event of that type");
                }
            }
        }
        rc.counters.events.add(p.events.len() as u64);
        batch.events.extend(p.events);
        if batch.events.len() >= rc.batch_max_events {
            // The checkpoint covers this line: the offset moves past it before the flush.
            let mut c = self.checkpoint();
            c.offset = line_end;
            c.line = line_no;
            batch.checkpoint(c);
            (rc.flush)(batch.take())?;
        }
        Ok(())
    }
}
