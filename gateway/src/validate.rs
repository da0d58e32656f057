//! Event validation at the edge: sizes, required fields, known values, sane
//! times. Messages name the field, so a collector's author can fix it.

use accrete_common::TranscriptEvent;

const MAX_ID: usize = 256;
const MAX_NAME: usize = 256;
const MAX_TOOL_CALLS: usize = 512;
const MAX_COMMANDS: usize = 64;
const MAX_SIGNALS: usize = 32;
const MAX_INPUT_JSON: usize = 1 << 20;
const MAX_TEXT: usize = 4 << 20;
/// 2015-01-01: older times are clocks gone wrong.
const MIN_TIME_MS: i64 = 1_420_070_400_000;
/// How far in the future a clock may be.
const MAX_SKEW_MS: i64 = 24 * 3600 * 1000;

pub const PERMISSION_MODES: &[&str] = &["", "default", "acceptEdits", "plan", "bypassPermissions", "dontAsk"];
pub const COMPACT_TRIGGERS: &[&str] = &["", "manual", "auto"];

fn check_len(field: &str, v: &str, max: usize) -> Result<(), String> {
    if v.len() > max {
        return Err(format!("{field} is {} bytes, over the limit of {max}", v.len()));
    }
    if v.chars().any(|c| c.is_control() && c != '\n' && c != '\t') && max <= MAX_NAME {
        return Err(format!("{field} holds control characters"));
    }
    Ok(())
}

/// Checks one event; `now_ms` bounds its timestamp.
pub fn validate_event(ev: &TranscriptEvent, now_ms: i64) -> Result<(), String> {
    if ev.session_id.is_empty() {
        return Err("session_id is required".into());
    }
    check_len("session_id", &ev.session_id, MAX_ID)?;
    for (f, v) in [
        ("team", &ev.team),
        ("agent_id", &ev.agent_id),
        ("project", &ev.project),
        ("line_type", &ev.line_type),
        ("system_subtype", &ev.system_subtype),
        ("model", &ev.model),
        ("message_id", &ev.message_id),
        ("claude_version", &ev.claude_version),
        // Any name: a newer collector's agent is not refused.
        ("agent", &ev.agent),
    ] {
        check_len(f, v, MAX_ID)?;
    }
    if !PERMISSION_MODES.contains(&ev.permission_mode.as_str()) {
        return Err(format!("permission_mode `{}` is not one of {PERMISSION_MODES:?}", truncate(&ev.permission_mode)));
    }
    if !COMPACT_TRIGGERS.contains(&ev.compact_trigger.as_str()) {
        return Err(format!("compact_trigger `{}` is not one of {COMPACT_TRIGGERS:?}", truncate(&ev.compact_trigger)));
    }
    if ev.timestamp_ms != 0 && !(MIN_TIME_MS..=now_ms + MAX_SKEW_MS).contains(&ev.timestamp_ms) {
        return Err(format!(
            "timestamp_ms {} ({}) is outside 2015-01-01 .. now + 1 day",
            ev.timestamp_ms,
            accrete_common::time::format_rfc3339_ms(ev.timestamp_ms)
        ));
    }
    if ev.line == 0 {
        return Err("line is required (1-based)".into());
    }
    if ev.tool_calls.len() > MAX_TOOL_CALLS {
        return Err(format!("{} tool calls, over the limit of {MAX_TOOL_CALLS}", ev.tool_calls.len()));
    }
    for (i, c) in ev.tool_calls.iter().enumerate() {
        if c.name.is_empty() {
            return Err(format!("tool_calls[{i}].name is required"));
        }
        check_len(&format!("tool_calls[{i}].name"), &c.name, MAX_NAME)?;
        if c.signals.len() > MAX_SIGNALS {
            return Err(format!("tool_calls[{i}] has {} signals, over the limit of {MAX_SIGNALS}", c.signals.len()));
        }
        for s in &c.signals {
            check_len(&format!("tool_calls[{i}].signals"), s, MAX_NAME)?;
        }
        check_len(&format!("tool_calls[{i}].input_json"), &c.input_json, MAX_INPUT_JSON)?;
    }
    if ev.commands.len() > MAX_COMMANDS {
        return Err(format!("{} commands, over the limit of {MAX_COMMANDS}", ev.commands.len()));
    }
    for c in &ev.commands {
        check_len("commands", c, MAX_NAME)?;
    }
    if let Some(c) = &ev.content {
        check_len("content.text", &c.text, MAX_TEXT)?;
        check_len("content.cwd", &c.cwd, 4096)?;
    }
    Ok(())
}

fn truncate(s: &str) -> String {
    s.chars().take(32).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use accrete_common::proto::ToolCall;

    const NOW: i64 = 1_780_000_000_000;

    fn ok() -> TranscriptEvent {
        TranscriptEvent {
            person: "ann".into(),
            session_id: "s1".into(),
            line: 1,
            timestamp_ms: NOW - 1000,
            line_type: "user".into(),
            ..Default::default()
        }
    }

    #[test]
    fn accepts_a_normal_event() {
        validate_event(&ok(), NOW).unwrap();
        validate_event(&TranscriptEvent { timestamp_ms: 0, ..ok() }, NOW).unwrap();
    }

    #[test]
    fn refuses_absurd_fields_with_their_names() {
        let cases: Vec<(TranscriptEvent, &str)> = vec![
            (TranscriptEvent { session_id: String::new(), ..ok() }, "session_id is required"),
            (TranscriptEvent { session_id: "x".repeat(10 << 20), ..ok() }, "session_id is 10485760 bytes"),
            (TranscriptEvent { timestamp_ms: 1000, ..ok() }, "1970-01-01"),
            (TranscriptEvent { timestamp_ms: 4_102_444_800_000, ..ok() }, "2100-01-01"),
            (TranscriptEvent { permission_mode: "yolo".into(), ..ok() }, "permission_mode `yolo`"),
            (TranscriptEvent { compact_trigger: "sometimes".into(), ..ok() }, "compact_trigger"),
            (TranscriptEvent { line: 0, ..ok() }, "line is required"),
            (TranscriptEvent { model: "a\u{0}b".into(), ..ok() }, "model holds control characters"),
            (TranscriptEvent { tool_calls: vec![ToolCall::default()], ..ok() }, "tool_calls[0].name is required"),
            (TranscriptEvent { commands: vec!["c".into(); 65], ..ok() }, "65 commands"),
        ];
        for (ev, want) in cases {
            let err = validate_event(&ev, NOW).unwrap_err();
            assert!(err.contains(want), "{err} should say {want}");
        }
    }
}
