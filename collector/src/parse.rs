//! One transcript line to normalized events. Reads only the fields Accrete
//! uses, leniently (see [`crate::lenient`]), and applies the privacy filter:
//! prompt text, tool inputs and paths are dropped unless the person opted in;
//! catalog signals are evaluated here, on the developer's machine.

use std::borrow::Cow;
use std::fmt;

use accrete_common::TranscriptEvent;
use accrete_common::catalog::Catalog;
use accrete_common::proto::{Content, TokenUsage, ToolCall};
use accrete_common::time::parse_rfc3339_ms;
use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use crate::judge::{CallFact, Facts, Judge, ResultFact, call_id};
use crate::lenient::{FromMap, LBool, LList, LObj, LStr, LU64};

/// Line types Claude Code is known to write; others are counted as unknown
/// (and still become events: a new type is not an error).
pub const KNOWN_LINE_TYPES: &[&str] = &[
    "user",
    "assistant",
    "system",
    "summary",
    "progress",
    "file-history-snapshot",
    "queue-operation",
    "pr-link",
    "attachment",
    "permission-mode",
    "custom-title",
];

#[derive(Debug, Default)]
pub(crate) struct Line<'a> {
    pub ty: LStr<'a>,
    pub session_id: LStr<'a>,
    pub timestamp: LStr<'a>,
    pub is_sidechain: LBool,
    pub is_meta: LBool,
    pub is_compact_summary: LBool,
    pub permission_mode: LStr<'a>,
    pub subtype: LStr<'a>,
    pub compact_trigger: LStr<'a>,
    pub cwd: LStr<'a>,
    pub version: LStr<'a>,
    pub message: Message<'a>,
    /// `queue-operation` lines: `enqueue` of a message typed while the agent works.
    pub operation: LStr<'a>,
}

#[derive(Debug, Default)]
pub(crate) struct Message<'a> {
    pub model: LStr<'a>,
    pub id: LStr<'a>,
    pub content: LContent<'a>,
    pub usage: Option<Usage>,
}

#[derive(Debug, Default)]
pub(crate) struct Usage {
    input: LU64,
    output: LU64,
    cache_creation: LU64,
    cache_read: LU64,
}

#[derive(Debug, Default)]
pub(crate) struct Block<'a> {
    ty: LStr<'a>,
    text: LStr<'a>,
    name: LStr<'a>,
    is_error: LBool,
    input: Vec<(LStr<'a>, LStr<'a>)>,
    id: LStr<'a>,
    tool_use_id: LStr<'a>,
    /// A tool result's content, unread: the judge decodes the few it needs
    /// (rejection feedback, `git commit` output). Borrowing the raw JSON
    /// costs what skipping it did.
    content: Option<&'a serde_json::value::RawValue>,
}

#[derive(Debug, Default)]
struct Input<'a>(Vec<(LStr<'a>, LStr<'a>)>);

#[derive(Debug, Default)]
struct CompactMeta<'a> {
    trigger: LStr<'a>,
}

/// `message.content`: a string, or a list of blocks.
#[derive(Debug, Default)]
pub(crate) enum LContent<'a> {
    #[default]
    None,
    Text(Cow<'a, str>),
    Blocks(Vec<Block<'a>>),
}

fn skip<'de, A: MapAccess<'de>>(map: &mut A) -> Result<(), A::Error> {
    map.next_value::<IgnoredAny>().map(|_| ())
}

impl<'de> FromMap<'de> for Line<'de> {
    fn field<A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<(), A::Error> {
        match key {
            "type" => self.ty = map.next_value()?,
            "sessionId" => self.session_id = map.next_value()?,
            "timestamp" => self.timestamp = map.next_value()?,
            "isSidechain" => self.is_sidechain = map.next_value()?,
            "isMeta" => self.is_meta = map.next_value()?,
            "isCompactSummary" => self.is_compact_summary = map.next_value()?,
            "permissionMode" => self.permission_mode = map.next_value()?,
            "subtype" => self.subtype = map.next_value()?,
            "cwd" => self.cwd = map.next_value()?,
            "version" => self.version = map.next_value()?,
            "compactMetadata" => {
                let LObj(m) = map.next_value::<LObj<CompactMeta>>()?;
                self.compact_trigger = m.map(|m| m.trigger).unwrap_or_default();
            }
            "message" => {
                let LObj(m) = map.next_value::<LObj<Message>>()?;
                self.message = m.unwrap_or_default();
            }
            "operation" => self.operation = map.next_value()?,
            _ => skip(map)?,
        }
        Ok(())
    }
}

impl<'de> FromMap<'de> for Message<'de> {
    fn field<A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<(), A::Error> {
        match key {
            "model" => self.model = map.next_value()?,
            "id" => self.id = map.next_value()?,
            "content" => self.content = map.next_value()?,
            "usage" => self.usage = map.next_value::<LObj<Usage>>()?.0,
            _ => skip(map)?,
        }
        Ok(())
    }
}

impl<'de> FromMap<'de> for Usage {
    fn field<A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<(), A::Error> {
        match key {
            "input_tokens" => self.input = map.next_value()?,
            "output_tokens" => self.output = map.next_value()?,
            "cache_creation_input_tokens" => self.cache_creation = map.next_value()?,
            "cache_read_input_tokens" => self.cache_read = map.next_value()?,
            _ => skip(map)?,
        }
        Ok(())
    }
}

impl<'de> FromMap<'de> for CompactMeta<'de> {
    fn field<A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<(), A::Error> {
        match key {
            "trigger" => self.trigger = map.next_value()?,
            _ => skip(map)?,
        }
        Ok(())
    }
}

impl<'de> FromMap<'de> for Block<'de> {
    fn field<A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<(), A::Error> {
        match key {
            "type" => self.ty = map.next_value()?,
            "text" => self.text = map.next_value()?,
            "name" => self.name = map.next_value()?,
            "is_error" => self.is_error = map.next_value()?,
            "input" => self.input = map.next_value::<LObj<Input>>()?.0.map(|i| i.0).unwrap_or_default(),
            "id" => self.id = map.next_value()?,
            "tool_use_id" => self.tool_use_id = map.next_value()?,
            "content" => self.content = Some(map.next_value()?),
            _ => skip(map)?,
        }
        Ok(())
    }
}

impl<'de> FromMap<'de> for Input<'de> {
    /// Keeps the input's string fields (borrowed): signals test them, and an
    /// opted-in person's events carry them. Other values are skipped.
    fn field<A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<(), A::Error> {
        let v: LStr<'de> = map.next_value()?;
        if v.0.is_some() {
            self.0.push((LStr(Some(Cow::Owned(key.to_owned()))), v));
        }
        Ok(())
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for LContent<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = LContent<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string or a list of blocks")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(LContent::Text(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(LContent::Text(Cow::Owned(v.to_owned())))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
                let list = LList::<Block<'de>>::deserialize(de::value::SeqAccessDeserializer::new(seq))?;
                Ok(LContent::Blocks(list.0))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(LContent::None)
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
                Ok(LContent::None)
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
                Ok(LContent::None)
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
                Ok(LContent::None)
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
                Ok(LContent::None)
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(LContent::None)
            }
        }
        d.deserialize_any(V)
    }
}

/// Where a line comes from: fixed for the whole file.
#[derive(Debug, Clone, Default)]
pub struct LineContext {
    pub person: String,
    pub team: String,
    pub session_id: String,
    pub agent_id: String,
    pub project: String,
}

impl LineContext {
    /// An event of this file at `offset` / `line`, the rest to be filled in.
    pub fn event(&self, offset: u64, line: u64, line_type: &str, len: usize) -> TranscriptEvent {
        TranscriptEvent {
            person: self.person.clone(),
            team: self.team.clone(),
            session_id: self.session_id.clone(),
            project: self.project.clone(),
            agent_id: self.agent_id.clone(),
            offset,
            line,
            line_type: line_type.to_owned(),
            line_bytes: len.min(u32::MAX as usize) as u32,
            ..Default::default()
        }
    }
}

/// How lines are normalized: the catalog's signals and the privacy choice.
pub struct Normalizer<'c> {
    pub catalog: &'c Catalog,
    pub share_content: bool,
}

/// How many places after a tear are tried before a line is given up.
const MAX_RECOVERY_TRIES: usize = 64;

/// Why a line gave no event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LineError {
    /// Not JSON, or not a JSON object.
    InvalidJson(String),
    /// A subagent line whose session could not be told.
    NoSession,
}

/// What a line held: its events (a line can hold several JSON objects when a
/// writer crashed mid-line and the next write followed without a newline)
/// and what went wrong on the way.
#[derive(Debug, Default)]
pub struct ParsedLine {
    pub events: Vec<TranscriptEvent>,
    pub error: Option<LineError>,
    pub invalid_utf8: bool,
    /// Objects after the first on the same line.
    pub extra_objects: usize,
    /// The line was torn and an object after the tear was read.
    pub recovered: bool,
    /// The line held numbers beyond f64 or lone surrogate escapes, read as
    /// null and U+FFFD.
    pub sanitized: bool,
    /// The `sessionId` the line names (for subagent files beside their session).
    pub session_hint: Option<String>,
    /// A line kind this collector does not know (other agents' files: such
    /// lines give no event).
    pub unknown_kind: Option<String>,
    /// What the judge reads of each event (main-thread lines, when judging).
    /// (Inline: a line nearly always holds one event, and a heap
    /// allocation per line was a measurable part of a catch-up.)
    pub(crate) facts: smallvec::SmallVec<[Facts; 1]>,
}

impl Normalizer<'_> {
    /// Parses one line (without its newline). Never panics; whatever can be
    /// read is read.
    pub fn parse_line(&self, bytes: &[u8], ctx: &LineContext, offset: u64, line: u64) -> ParsedLine {
        self.parse_line_judged(bytes, ctx, offset, line, None)
    }

    /// [`Self::parse_line`], with the file's judge reading the line and
    /// adding the judgements it reaches to the line's events.
    pub fn parse_line_judged(
        &self,
        bytes: &[u8],
        ctx: &LineContext,
        offset: u64,
        line: u64,
        judge: Option<&mut Judge>,
    ) -> ParsedLine {
        let judging = judge.as_deref().filter(|_| ctx.agent_id.is_empty());
        let mut out = self.parse(bytes, ctx, offset, line, judging);
        if let Some(j) = judge {
            for (ev, facts) in out.events.iter_mut().zip(&out.facts) {
                j.observe(facts, ev);
            }
        }
        out.facts.clear();
        out
    }

    fn parse(&self, bytes: &[u8], ctx: &LineContext, offset: u64, line: u64, judge: Option<&Judge>) -> ParsedLine {
        let mut out = ParsedLine::default();
        let lossy;
        // simdutf8 checks a line several times faster than std (SIMD chosen
        // at run time): it was a tenth of a catch-up's CPU. The checked
        // `&str` then goes to serde_json as text, so it does not check each
        // string it reads again (another 4 %).
        let text: &str = match simdutf8::basic::from_utf8(bytes) {
            Ok(s) => s,
            Err(_) => {
                out.invalid_utf8 = true;
                lossy = String::from_utf8_lossy(bytes).into_owned();
                &lossy
            }
        };
        self.read_objects(text, ctx, offset, line, bytes.len(), judge, &mut out);
        if out.events.is_empty()
            && matches!(&out.error, Some(LineError::InvalidJson(e)) if e.contains("out of range") || e.contains("escape") || e.contains("surrogate") || e.contains("unicode code point"))
            && let Some(clean) = sanitize(text)
        {
            // serde_json refuses numbers beyond f64 and lone UTF-16 surrogate
            // escapes even where the lenient readers would ignore them: read
            // the line again with those made harmless.
            let mut again = ParsedLine { invalid_utf8: out.invalid_utf8, ..Default::default() };
            self.read_objects(&clean, ctx, offset, line, bytes.len(), judge, &mut again);
            if !matches!(again.error, Some(LineError::InvalidJson(_))) {
                again.sanitized = true;
                out = again;
            }
        }
        if out.events.is_empty() && matches!(out.error, Some(LineError::InvalidJson(_))) {
            // A writer that died mid-line leaves a torn prefix, and the next
            // write follows it on the same line. Find the object that starts
            // after the tear and reads cleanly to the end of the line. (`{"`
            // cannot occur inside a JSON string, only where an object starts.)
            let mut from = 1;
            let mut tries = 0;
            while tries < MAX_RECOVERY_TRIES {
                let Some(i) = memchr::memmem::find(&text.as_bytes()[from..], b"{\"") else { break };
                let start = from + i;
                from = start + 1;
                tries += 1;
                let mut probe = ParsedLine::default();
                self.read_objects(&text[start..], ctx, offset, line, bytes.len(), judge, &mut probe);
                // In value position (after `:`, `[` or `,`) an object may be
                // one nested in the torn part (a subagent's user or assistant
                // message inside a `progress` line): such a message is taken
                // as a line only if it names its session, as whole lines do.
                let before = text.as_bytes()[..start].iter().rev().find(|b| !b.is_ascii_whitespace());
                let nested = matches!(before, Some(b':' | b'[' | b','))
                    && probe.session_hint.is_none()
                    && probe.events.first().is_some_and(|e| matches!(e.line_type.as_str(), "user" | "assistant"));
                if probe.error.is_none() && !probe.events.is_empty() && !nested {
                    out.events = probe.events;
                    out.facts = probe.facts;
                    out.extra_objects = probe.extra_objects;
                    out.session_hint = probe.session_hint;
                    out.recovered = true;
                    break;
                }
            }
        }
        out
    }

    #[allow(clippy::too_many_arguments)]
    fn read_objects(
        &self,
        text: &str,
        ctx: &LineContext,
        offset: u64,
        line: u64,
        len: usize,
        judge: Option<&Judge>,
        out: &mut ParsedLine,
    ) {
        let mut stream = serde_json::Deserializer::from_str(text).into_iter::<LObj<Line>>();
        let mut part = 0u32;
        loop {
            match stream.next() {
                None => break,
                Some(Ok(LObj(Some(l)))) => {
                    if !out.events.is_empty() {
                        out.extra_objects += 1;
                    }
                    if out.session_hint.is_none() {
                        out.session_hint = l.session_id.0.as_deref().map(str::to_owned);
                    }
                    let mut ev = self.normalize(&l, ctx, offset, line, len);
                    ev.part = part;
                    part += 1;
                    if ev.session_id.is_empty() {
                        match l.session_id.0.as_deref() {
                            Some(s) if !s.is_empty() => ev.session_id = s.to_owned(),
                            _ => {
                                out.error = Some(LineError::NoSession);
                                continue;
                            }
                        }
                    }
                    if let Some(j) = judge {
                        out.facts.push(self.facts(&l, &ev, j));
                    }
                    out.events.push(ev);
                }
                Some(Ok(LObj(None))) => {
                    out.error = Some(LineError::InvalidJson("not a JSON object".into()));
                    break;
                }
                Some(Err(e)) => {
                    out.error = Some(LineError::InvalidJson(e.to_string()));
                    break;
                }
            }
        }
    }

    fn normalize(&self, l: &Line, ctx: &LineContext, offset: u64, line: u64, len: usize) -> TranscriptEvent {
        let ty = l.ty.as_str();
        let mut ev = TranscriptEvent {
            timestamp_ms: parse_rfc3339_ms(l.timestamp.as_str()).unwrap_or(0),
            is_sidechain: l.is_sidechain.0,
            is_meta: l.is_meta.0,
            is_compact_summary: l.is_compact_summary.0,
            permission_mode: l.permission_mode.as_str().to_owned(),
            system_subtype: if ty == "system" { l.subtype.as_str().to_owned() } else { String::new() },
            compact_trigger: l.compact_trigger.as_str().to_owned(),
            model: l.message.model.as_str().to_owned(),
            message_id: l.message.id.as_str().to_owned(),
            claude_version: l.version.as_str().to_owned(),
            ..ctx.event(offset, line, ty, len)
        };
        if let Some(u) = &l.message.usage {
            ev.usage = Some(TokenUsage {
                input_tokens: u.input.0,
                output_tokens: u.output.0,
                cache_creation_input_tokens: u.cache_creation.0,
                cache_read_input_tokens: u.cache_read.0,
            });
        }
        let mut text = String::new();
        let mut push_text = |t: &str, ev: &mut TranscriptEvent| {
            if ty == "user" && !l.is_compact_summary.0 {
                extract_commands(t, &mut ev.commands);
                ev.interrupted |= !ev.is_sidechain && t.starts_with("[Request interrupted");
            }
            if self.share_content {
                if !text.is_empty() {
                    text.push('\n');
                }
                text.push_str(t);
            }
        };
        match &l.message.content {
            LContent::None => {}
            LContent::Text(t) => push_text(t, &mut ev),
            LContent::Blocks(blocks) => {
                for b in blocks {
                    match b.ty.as_str() {
                        "text" => push_text(b.text.as_str(), &mut ev),
                        "tool_use" if ty == "assistant" => ev.tool_calls.push(self.tool_call(b)),
                        "tool_result" => {
                            ev.tool_results += 1;
                            ev.tool_errors += b.is_error.0 as u32;
                        }
                        _ => {}
                    }
                }
            }
        }
        if self.share_content {
            ev.content = Some(Content { text, cwd: l.cwd.as_str().to_owned() });
        }
        ev
    }

    /// What the judge reads of a main-thread line: the person's text, the
    /// tool calls, the results it asked for, and whether the agent proposed
    /// a plan. Sidechain lines give nothing.
    fn facts(&self, l: &Line, ev: &TranscriptEvent, judge: &Judge) -> Facts {
        let mut f = Facts::default();
        if ev.is_sidechain {
            return f;
        }
        match ev.line_type.as_str() {
            "queue-operation" => f.queued = l.operation.as_str() == "enqueue",
            "user" if !ev.is_meta && !ev.is_compact_summary => {
                let blocks: &[Block] = match &l.message.content {
                    LContent::Blocks(b) => b,
                    LContent::Text(t) => {
                        f.user_text = Some(t.to_string());
                        &[]
                    }
                    LContent::None => &[],
                };
                let mut text = String::new();
                for b in blocks {
                    match b.ty.as_str() {
                        "text" if f.results.is_empty() => {
                            if !text.is_empty() {
                                text.push('\n');
                            }
                            text.push_str(b.text.as_str());
                        }
                        "tool_result" => {
                            let id = call_id(b.tool_use_id.as_str());
                            let raw = b.content.map(|r| r.get()).unwrap_or("");
                            let wanted = judge.wants_result(id) || (b.is_error.0 && crate::judge::is_rejection(raw));
                            f.results.push(ResultFact {
                                tool_use_id: id,
                                is_error: b.is_error.0,
                                text: wanted.then(|| decode_text(raw)),
                            });
                        }
                        _ => {}
                    }
                }
                if f.results.is_empty() && !text.is_empty() {
                    f.user_text = Some(text);
                }
            }
            "assistant" => {
                if let LContent::Blocks(blocks) = &l.message.content {
                    for b in blocks {
                        match b.ty.as_str() {
                            "tool_use" => f.calls.push(CallFact::new(b.id.as_str(), b.name.as_str())),
                            "text" => {
                                let t = b.text.as_str();
                                judge.vocab(t, &mut f.vocab);
                                if !f.proposes && judge.wants_proposal() {
                                    f.proposes = judge.proposes(b.text.as_str());
                                }
                            }
                            _ => {}
                        }
                    }
                }
                f.commit_calls = ev
                    .tool_calls
                    .iter()
                    .zip(&f.calls)
                    .filter(|(c, _)| c.signals.iter().any(|s| s == crate::judge::COMMIT_SIGNAL))
                    .map(|(_, f)| f.id)
                    .collect();
            }
            _ => {}
        }
        f
    }

    fn tool_call(&self, b: &Block) -> ToolCall {
        let name = b.name.as_str();
        let mut call = ToolCall { name: name.to_owned(), ..Default::default() };
        for s in &self.catalog.signals {
            if !s.tools.iter().any(|t| t == name) {
                continue;
            }
            let value = s.fields().find_map(|f| b.input.iter().find(|(k, _)| k.as_str() == f).map(|(_, v)| v.as_str()));
            if value.is_some_and(|v| s.matches_value(v)) {
                call.signals.push(s.id.clone());
            }
        }
        if self.share_content {
            let obj: serde_json::Map<String, serde_json::Value> =
                b.input.iter().map(|(k, v)| (k.as_str().to_owned(), v.as_str().into())).collect();
            call.input_json = serde_json::Value::Object(obj).to_string();
        }
        call
    }
}

/// Rewrites what serde_json refuses but a lenient reader can live with: lone
/// UTF-16 surrogate escapes become `\ufffd`, numbers beyond f64 become
/// `null`. `None` when there is nothing to rewrite.
fn sanitize(text: &str) -> Option<String> {
    let text = text.as_bytes();
    fn hex4(b: &[u8]) -> Option<u32> {
        u32::from_str_radix(std::str::from_utf8(b.get(..4)?).ok()?, 16).ok()
    }
    let mut out = Vec::with_capacity(text.len());
    let (mut i, mut in_str, mut changed) = (0, false, false);
    while i < text.len() {
        let b = text[i];
        if in_str {
            if b == b'\\' && i + 1 < text.len() {
                if text[i + 1] == b'u'
                    && let Some(cp) = hex4(&text[i + 2..])
                {
                    let paired = (0xD800..0xDC00).contains(&cp)
                        && text.get(i + 6..i + 8) == Some(&b"\\u"[..])
                        && hex4(&text[i + 8..]).is_some_and(|lo| (0xDC00..0xE000).contains(&lo));
                    if paired {
                        out.extend_from_slice(&text[i..i + 12]);
                        i += 12;
                        continue;
                    }
                    if (0xD800..0xE000).contains(&cp) {
                        out.extend_from_slice(b"\\ufffd");
                        i += 6;
                        changed = true;
                        continue;
                    }
                }
                out.extend_from_slice(&text[i..(i + 2).min(text.len())]);
                i += 2;
                continue;
            }
            in_str = b != b'"';
            out.push(b);
            i += 1;
            continue;
        }
        match b {
            b'"' => {
                in_str = true;
                out.push(b);
                i += 1;
            }
            b'-' | b'0'..=b'9' => {
                let start = i;
                while i < text.len() && matches!(text[i], b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9') {
                    i += 1;
                }
                let tok = &text[start..i];
                let finite =
                    std::str::from_utf8(tok).ok().and_then(|t| t.parse::<f64>().ok()).is_some_and(f64::is_finite);
                if finite {
                    out.extend_from_slice(tok);
                } else {
                    out.extend_from_slice(b"null");
                    changed = true;
                }
            }
            _ => {
                out.push(b);
                i += 1;
            }
        }
    }
    // Only ASCII was replaced, at ASCII boundaries: still UTF-8.
    if changed { String::from_utf8(out).ok() } else { None }
}

/// A tool result's content (a string, or a list of text blocks) as text.
fn decode_text(raw: &str) -> String {
    match serde_json::from_str::<LContent>(raw) {
        Ok(LContent::Text(t)) => t.into_owned(),
        Ok(LContent::Blocks(blocks)) => {
            blocks.iter().map(|b| b.text.as_str()).filter(|t| !t.is_empty()).collect::<Vec<_>>().join("\n")
        }
        _ => String::new(),
    }
}

/// Finds every `<command-name>NAME</command-name>` and keeps `NAME`. Claude
/// Code 2.x writes `/name`; 1.0.x wrote the same layout (with a
/// `<command-message>` sibling, before or after it) and sometimes left the
/// `/` out, so it is optional. A name with spaces is not a command.
pub fn extract_commands(text: &str, out: &mut Vec<String>) {
    const OPEN: &str = "<command-name>";
    const CLOSE: &str = "</command-name>";
    let mut rest = text;
    while let Some(i) = memchr::memmem::find(rest.as_bytes(), OPEN.as_bytes()) {
        rest = &rest[i + OPEN.len()..];
        let Some(j) = memchr::memmem::find(rest.as_bytes(), CLOSE.as_bytes()) else {
            break;
        };
        let raw = rest[..j].trim();
        let name = raw.strip_prefix('/').unwrap_or(raw);
        if !name.is_empty() && !name.contains(char::is_whitespace) && !name.contains('<') {
            out.push(name.to_owned());
        }
        rest = &rest[j + CLOSE.len()..];
    }
}

/// A stable short name for a project folder that does not reveal it.
pub fn project_hash(dir: &str) -> String {
    format!("p{:012x}", accrete_common::fnv1a(dir.as_bytes()) >> 16)
}

#[cfg(test)]
mod fuzz;
#[cfg(test)]
mod tests;
