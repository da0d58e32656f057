//! `accrete gen`: realistic transcripts at any scale, by resampling real
//! ones. Each generated session is a real session (with its subagent files)
//! under a fresh session id, its timestamps shifted to a day of the
//! generated period, written for one of N people. Lines are otherwise kept
//! byte for byte, so parsing and classification cost what real data costs.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use accrete_common::time::{format_rfc3339_ms, parse_rfc3339_ms};
use anyhow::{Context, bail};

use crate::rng::Rng;

/// One real session: its file, its subagent files, and when it started.
struct Template {
    project: String,
    id: String,
    main: Vec<u8>,
    agents: Vec<(String, Vec<u8>)>,
    start_ms: i64,
}

pub struct GenOptions {
    pub from: PathBuf,
    pub out: PathBuf,
    pub people: usize,
    pub days: u32,
    /// Sessions per person per working day, on average.
    pub sessions_per_day: f64,
    /// Stop once this many bytes are written (0: no bound).
    pub max_bytes: u64,
    pub seed: u64,
    /// First day of the period, Unix ms.
    pub start_ms: i64,
}

/// Every top-level session under `from` (a folder of `<person>/.claude`
/// homes, or one Claude folder).
fn templates(from: &Path) -> anyhow::Result<Vec<Template>> {
    let mut projects_dirs = Vec::new();
    if from.join("projects").is_dir() {
        projects_dirs.push(from.join("projects"));
    }
    for e in std::fs::read_dir(from).with_context(|| format!("reading {}", from.display()))?.flatten() {
        let p = e.path().join(".claude/projects");
        if p.is_dir() {
            projects_dirs.push(p);
        }
    }
    let mut out = Vec::new();
    for projects in projects_dirs {
        for project in std::fs::read_dir(&projects)?.flatten().filter(|e| e.path().is_dir()) {
            for f in std::fs::read_dir(project.path())?.flatten() {
                let name = f.file_name().to_string_lossy().into_owned();
                let Some(id) = name.strip_suffix(".jsonl") else { continue };
                if id.starts_with("agent-") {
                    continue;
                }
                let main = std::fs::read(f.path())?;
                let mut agents = Vec::new();
                if let Ok(rd) = std::fs::read_dir(project.path().join(id).join("subagents")) {
                    for a in rd.flatten() {
                        let an = a.file_name().to_string_lossy().into_owned();
                        if an.ends_with(".jsonl") {
                            agents.push((an, std::fs::read(a.path())?));
                        }
                    }
                }
                let Some(start_ms) = first_timestamp(&main) else { continue };
                out.push(Template {
                    project: project.file_name().to_string_lossy().into_owned(),
                    id: id.to_string(),
                    main,
                    agents,
                    start_ms,
                });
            }
        }
    }
    out.sort_by(|a, b| (&a.project, &a.id).cmp(&(&b.project, &b.id)));
    Ok(out)
}

const TS_KEY: &[u8] = b"\"timestamp\":\"";

fn first_timestamp(data: &[u8]) -> Option<i64> {
    let mut rest = data;
    while let Some(i) = memchr_find(rest, TS_KEY) {
        let v = &rest[i + TS_KEY.len()..];
        let end = v.iter().position(|&b| b == b'"')?;
        if let Some(ms) = std::str::from_utf8(&v[..end]).ok().and_then(parse_rfc3339_ms) {
            return Some(ms);
        }
        rest = &v[end..];
    }
    None
}

fn memchr_find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// The session's bytes with `old` ids replaced and every timestamp moved by `shift_ms`.
fn rewrite(data: &[u8], old: &str, new: &str, shift_ms: i64) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() + 64);
    let mut i = 0;
    let old_b = old.as_bytes();
    while i < data.len() {
        if data[i..].starts_with(TS_KEY) {
            out.extend_from_slice(TS_KEY);
            i += TS_KEY.len();
            if let Some(end) = data[i..].iter().position(|&b| b == b'"') {
                match std::str::from_utf8(&data[i..i + end]).ok().and_then(parse_rfc3339_ms) {
                    Some(ms) => out.extend_from_slice(format_rfc3339_ms(ms + shift_ms).as_bytes()),
                    None => out.extend_from_slice(&data[i..i + end]),
                }
                i += end;
            }
            continue;
        }
        if !old_b.is_empty() && data[i..].starts_with(old_b) {
            out.extend_from_slice(new.as_bytes());
            i += old_b.len();
            continue;
        }
        out.push(data[i]);
        i += 1;
    }
    out
}

/// Writes the generated folders; returns (sessions, bytes).
pub fn generate(o: &GenOptions) -> anyhow::Result<(u64, u64)> {
    let templates = templates(&o.from)?;
    if templates.is_empty() {
        bail!("no sessions with timestamps under {}", o.from.display());
    }
    let mut rng = Rng(o.seed);
    let (mut sessions, mut bytes) = (0u64, 0u64);
    let mut per_person: BTreeMap<usize, u64> = BTreeMap::new();
    'days: for day in 0..o.days {
        let day_ms = o.start_ms + day as i64 * 86_400_000;
        let weekday = (day_ms.div_euclid(86_400_000) + 4).rem_euclid(7); // 0 = Sunday
        if weekday == 0 || weekday == 6 {
            continue;
        }
        for person in 0..o.people {
            // A Poisson-like count around the mean.
            let mut n = o.sessions_per_day.floor() as u64;
            if rng.unit() < o.sessions_per_day.fract() {
                n += 1;
            }
            for _ in 0..n {
                let t = &templates[rng.below(templates.len() as u64) as usize];
                let start = day_ms + (8 * 3600 + rng.below(10 * 3600)) as i64 * 1000;
                let shift = start - t.start_ms;
                let id = rng.uuid();
                let home = o.out.join(format!("person{person:05}")).join(".claude/projects").join(&t.project);
                std::fs::create_dir_all(&home)?;
                let main = rewrite(&t.main, &t.id, &id, shift);
                let mut f = std::io::BufWriter::new(std::fs::File::create(home.join(format!("{id}.jsonl")))?);
                f.write_all(&main)?;
                bytes += main.len() as u64;
                for (name, data) in &t.agents {
                    let dir = home.join(&id).join("subagents");
                    std::fs::create_dir_all(&dir)?;
                    let a = rewrite(data, &t.id, &id, shift);
                    std::fs::write(dir.join(name), &a)?;
                    bytes += a.len() as u64;
                }
                sessions += 1;
                *per_person.entry(person).or_default() += 1;
                if o.max_bytes > 0 && bytes >= o.max_bytes {
                    break 'days;
                }
            }
        }
    }
    Ok((sessions, bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rewrite_moves_times_and_renames_the_session() {
        let line = br#"{"sessionId":"abc","timestamp":"2026-01-01T00:00:00.000Z","x":"abc/subagents"}"#;
        let out = rewrite(line, "abc", "new-id", 86_400_000);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            r#"{"sessionId":"new-id","timestamp":"2026-01-02T00:00:00.000Z","x":"new-id/subagents"}"#
        );
        assert_eq!(first_timestamp(line), Some(1_767_225_600_000));
    }

    #[test]
    fn uuids_are_fresh_and_well_formed() {
        let mut r = Rng(7);
        let (a, b) = (r.uuid(), r.uuid());
        assert_ne!(a, b);
        assert_eq!(a.len(), 36);
        assert_eq!(a.as_bytes()[14], b'4');
    }
}
