//! Reading the person's words: which user lines are typed prompts, and what
//! a prompt asks for. Everything here is a pure function of the text and the
//! catalog's `[judge]` data.

use accrete_common::lexicon::{Compiled, JudgeRules, words};

/// A typed prompt, ready to judge.
#[derive(Debug, Clone, Default)]
pub struct Prompt {
    /// The person's own words (a slash command's arguments).
    pub text: String,
    /// The words of its opening ([`READ_BYTES`]), in order, lowercase.
    pub words: Vec<String>,
    /// Its clauses, as ranges of `words`, each with whether it ended in `?`.
    clauses: Vec<(std::ops::Range<usize>, bool)>,
    /// The slash command it runs, if any.
    pub command: Option<String>,
    /// Plan mode's "Implement the following plan:" hand-off.
    pub handoff: bool,
}

/// How much of a prompt is read as words: a request is made in its opening,
/// and a long paste after it (a log, a plan) is left to the failure patterns.
pub const READ_BYTES: usize = 2000;
/// How much of a prompt the failure patterns search.
pub const SCAN_BYTES: usize = 64 * 1024;

/// The longest prefix of `text` of at most `max` bytes that ends on a
/// character boundary.
pub fn head(text: &str, max: usize) -> &str {
    let mut end = text.len().min(max);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

impl Prompt {
    /// Splits the opening of the text into clauses and words once; every
    /// rule reads those.
    pub fn new(text: &str, command: Option<String>, handoff: bool) -> Prompt {
        let (words, clauses) = clauses(head(text, READ_BYTES));
        Prompt { text: text.to_string(), words, clauses, command, handoff }
    }

    /// Each clause's words, and whether it ended in `?`.
    pub fn clauses(&self) -> impl Iterator<Item = (&[String], bool)> {
        self.clauses.iter().map(|(r, q)| (&self.words[r.clone()], *q))
    }
}

/// Wrappers whose line is not typed by the person when nothing else is there.
const WRAPPERS: &[&str] = &[
    "<local-command-",
    "<bash-input>",
    "<bash-stdout>",
    "<bash-stderr>",
    "<task-notification>",
    "<user-memory-input>",
    "Caveat: The messages below were generated",
];
/// Tags removed before the text is read (context the IDE or harness adds).
const STRIPPED: &[&str] = &["ide_opened_file", "ide_selection", "ide_diagnostics", "system-reminder"];
/// Hook refusals and feedback written into the conversation by hooks.
const HOOK_PREFIXES: &[&str] = &[
    "Stop hook feedback",
    "PreToolUse",
    "PostToolUse",
    "UserPromptSubmit",
    "SessionStart",
    "<user-prompt-submit-hook>",
    "Hook ",
];
const HANDOFF: &str = "Implement the following plan:";

/// The typed prompt a main-thread user line holds, if the person wrote one.
pub fn typed_prompt(text: &str) -> Option<Prompt> {
    let stripped;
    let t = if text.contains('<') {
        let mut t = std::borrow::Cow::Borrowed(text.trim());
        for tag in STRIPPED {
            if let Some(s) = strip_tag(&t, tag) {
                t = std::borrow::Cow::Owned(s);
            }
        }
        stripped = t;
        stripped.trim()
    } else {
        text.trim()
    };
    if t.is_empty() || t.starts_with("[Request interrupted") {
        return None;
    }
    if WRAPPERS.iter().any(|w| t.starts_with(w)) || HOOK_PREFIXES.iter().any(|h| t.starts_with(h)) {
        return None;
    }
    if t.contains("<command-name>") {
        let mut names = Vec::new();
        crate::parse::extract_commands(t, &mut names);
        let args = between(t, "<command-args>", "</command-args>").unwrap_or("").trim();
        if args.is_empty() {
            return None;
        }
        return Some(Prompt::new(args, names.into_iter().next(), false));
    }
    if let Some(rest) = t.strip_prefix('/') {
        // A slash command typed as plain text (`/workflows:review the branch`).
        let name: String = rest.chars().take_while(|c| !c.is_whitespace()).collect();
        if !name.is_empty() && name.chars().all(|c| c.is_alphanumeric() || "-_:.".contains(c)) {
            let args = rest[name.len()..].trim();
            return Some(Prompt::new(args, Some(name), false));
        }
    }
    Some(Prompt::new(t, None, t.starts_with(HANDOFF)))
}

/// Words with which a prompt leans on the conversation ("add tests for
/// this", "do the same there").
const ANAPHORA: &[&str] =
    &["this", "that", "it", "these", "those", "them", "above", "same", "previous", "earlier", "there"];

fn between<'t>(t: &'t str, open: &str, close: &str) -> Option<&'t str> {
    let i = t.find(open)? + open.len();
    let j = t[i..].find(close)?;
    Some(&t[i..i + j])
}

/// `t` without the `tag` elements, or `None` when it has none (no copy).
fn strip_tag(t: &str, tag: &str) -> Option<String> {
    let (open, close) = (format!("<{tag}"), format!("</{tag}>"));
    if !t.contains(&open) {
        return None;
    }
    let mut out = String::with_capacity(t.len());
    let mut rest = t;
    while let Some(i) = rest.find(&open) {
        out.push_str(&rest[..i]);
        match rest[i..].find(&close) {
            Some(j) => rest = &rest[i + j + close.len()..],
            None => {
                rest = "";
                break;
            }
        }
    }
    out.push_str(rest);
    Some(out)
}

/// What one clause of a prompt asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ask {
    Change,
    Analysis,
    Question,
}

/// The clauses of a text: split at sentence ends, line breaks, `;`, and at
/// `and`/`then` (so "investigate and fix it" asks for a change too). A
/// clause ending in `?` is a question whatever its first word.
fn clauses(text: &str) -> (Vec<String>, Vec<(std::ops::Range<usize>, bool)>) {
    let (mut words, mut out) = (Vec::new(), Vec::new());
    let mut start = 0;
    let b = text.as_bytes();
    for (i, &c) in b.iter().enumerate() {
        let spaced = |n: usize| b.get(n).is_none_or(|n| n.is_ascii_whitespace());
        let end = matches!(c, b'\n' | b'?' | b'!' | b';')
            || (matches!(c, b'.' | b',' | b':') && spaced(i + 1))
            || (c == b'-' && i > 0 && b[i - 1] == b' ' && spaced(i + 1));
        if end {
            push_clause(&text[start..i], c == b'?', &mut words, &mut out);
            start = i + 1;
        }
    }
    push_clause(&text[start..], false, &mut words, &mut out);
    (words, out)
}

fn push_clause(s: &str, question: bool, words: &mut Vec<String>, out: &mut Vec<(std::ops::Range<usize>, bool)>) {
    let mut from = words.len();
    for word in accrete_common::lexicon::words(s) {
        if (word == "and" || word == "then") && words.len() > from {
            out.push((from..words.len(), false));
            from = words.len();
        }
        words.push(word);
    }
    if words.len() > from {
        out.push((from..words.len(), question));
    }
}

/// What each clause asks for (clauses that ask nothing are left out).
pub fn asks(c: &Compiled, p: &Prompt) -> Vec<Ask> {
    let mut out = Vec::new();
    for (w, question) in p.clauses() {
        let mut i = 0;
        // Skip openers ("please", "can you", "ok so") and adverbs
        // ("completely"), several in a row.
        while i < w.len() {
            match c.request_openers.prefix_len(&w[i..]) {
                Some(n) if n > 0 => i += n,
                _ if w[i].len() > 4 && w[i].ends_with("ly") => i += 1,
                _ => break,
            }
        }
        let rest = &w[i..];
        let ask = if rest.is_empty() {
            None
        } else if let Some(n) = c.change_verbs.prefix_len(rest) {
            // "write a plan", "generate me a summary of ...": analysis made as a document.
            let object = rest.iter().skip(n).take(3).any(|w| c.analysis_objects.contains_word(w));
            Some(if object { Ask::Analysis } else { Ask::Change })
        } else if c.analysis_verbs.prefix_len(rest).is_some() {
            Some(Ask::Analysis)
        } else if question || c.question_words.prefix_len(w).is_some() {
            Some(Ask::Question)
        } else {
            None
        };
        out.extend(ask);
    }
    out
}

/// Whether the prompt asks only for analysis (a plan, design, review,
/// investigation, diagnosis or explanation), and how it asks.
pub fn analysis_only(c: &Compiled, p: &Prompt) -> Option<&'static str> {
    if let Some(cmd) = &p.command {
        // A saved command whose name asks for analysis (`/workflows:plan`,
        // `/review`), given the person's own words as arguments.
        let named = words(&cmd.replace([':', '-', '_', '.'], " "));
        // A link alone is not the person's own words.
        let own = p.text.split_whitespace().filter(|w| !w.contains("://")).count();
        if own >= 3 && named.iter().any(|w| c.analysis_verbs.contains_word(w)) {
            return Some(if named.iter().any(|w| w == "review") {
                "asked for a review"
            } else {
                "asked for a plan or design"
            });
        }
    }
    let asks = asks(c, p);
    let hold = c.hold.any_in(&p.words);
    let analysis = asks.iter().any(|a| *a != Ask::Change);
    if !hold && (!analysis || asks.contains(&Ask::Change)) {
        return None;
    }
    let has = |list: &[&str]| p.words.iter().any(|w| list.contains(&w.as_str()));
    Some(if hold {
        "asked for a plan before any change"
    } else if has(&["review", "audit"]) {
        "asked for a review"
    } else if has(&["plan", "design", "approach", "propose", "suggest", "brainstorm", "options"]) {
        "asked for a plan or design"
    } else if has(&["why", "explain", "understand", "how"]) {
        "asked for an explanation"
    } else {
        "asked for an investigation"
    })
}

/// Concrete failure evidence in the prompt: pasted output, or the exact
/// command that fails. The category names the kind, never the words.
pub fn failure_evidence<'r>(r: &'r JudgeRules, p: &Prompt) -> Option<&'r str> {
    if p.handoff {
        // A plan hand-off is the agent's plan, not the person's paste.
        return None;
    }
    let c = r.compiled();
    // The set answers "any?" with a DFA; only a match asks which pattern.
    let text = head(&p.text, SCAN_BYTES);
    if let Some(category) = c.failure_category(text.as_bytes()) {
        return Some(category);
    }
    if c.repro.is_match(text.as_bytes()) && c.failure_words.in_text(text) {
        return Some("gave the failing command");
    }
    None
}

/// Why a prompt is a self-contained task, if it is one. `first`: the
/// session's first prompt (it has no conversation to lean on); `failure`:
/// its [`failure_evidence`].
pub fn self_contained(r: &JudgeRules, p: &Prompt, first: bool, failure: bool) -> Option<&'static str> {
    let c = r.compiled();
    if p.handoff {
        return Some("plan hand-off");
    }
    if failure {
        return Some("failure handed over");
    }
    let asks = asks(c, p);
    let task = asks.iter().any(|a| *a != Ask::Question);
    if task && c.references.is_match(p.text.as_bytes()) {
        return Some("ticket or PR reference");
    }
    if p.command.is_some() {
        return Some("saved command with a task");
    }
    // "yes, ...", "let's go, use X": a go-ahead leans on what was proposed.
    let go_ahead = p.clauses().next().is_some_and(|(w, _)| c.acceptance.is_exactly(w));
    let leans = p.words.iter().any(|w| ANAPHORA.contains(&w.as_str())) || is_acceptance(c, p) || go_ahead;
    let long = p.words.len() >= r.self_contained_min_words;
    let specific = p.words.len() >= 5 && !leans;
    let kind = if asks.contains(&Ask::Change) { "clear spec" } else { "scoped investigation or review" };
    if task && (long || specific || first) {
        return Some(kind);
    }
    // A concrete question about what happened ("why did the merge stop
    // halfway?") asks for a diagnosis; the tool calls that follow show it.
    if (first || long) && p.clauses().any(|(w, _)| w.first().is_some_and(|w| w == "why")) {
        return Some("diagnosis request");
    }
    // A full bug report or spec needs no request verb.
    if p.words.len() >= 2 * r.self_contained_min_words && (asks.is_empty() || task) {
        return Some("full bug report or spec");
    }
    None
}

/// Whether a short reply only accepts what was proposed ("yes", "do 1").
pub fn is_acceptance(c: &Compiled, p: &Prompt) -> bool {
    let w: Vec<String> = p.words.iter().filter(|w| !c.request_openers.contains_word(w)).cloned().collect();
    if w.is_empty() || c.acceptance.is_exactly(&w) {
        return true;
    }
    // "option 2", "do 1", "2", "the first one", "b"
    let choice = ["option", "do", "go", "with", "the", "first", "second", "third", "one", "approach", "plan", "number"];
    w.len() <= 4
        && w.iter().all(|x| {
            choice.contains(&x.as_str()) || x.chars().all(|ch| ch.is_ascii_digit()) || (x.len() == 1 && x != "no")
        })
}

/// Content words of a prompt, for telling goals apart: stopwords and words
/// under four letters left out, the rest as [`stem`]s.
pub fn content_words(c: &Compiled, p: &Prompt) -> Vec<u64> {
    let mut out: Vec<u64> = p
        .words
        .iter()
        .filter(|w| w.chars().count() >= 4 && !c.stopwords.contains_word(w) && !w.chars().all(|ch| ch.is_ascii_digit()))
        .map(|w| stem(w))
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// A word cut to six letters (a crude stem), lowercase, hashed: what goals
/// are compared on. ASCII words (nearly all) take a fast path.
pub fn stem(word: &str) -> u64 {
    if word.is_ascii() {
        return ascii_stem(word.as_bytes());
    }
    let mut h = accrete_common::fnv1a(b"");
    for ch in word.chars().flat_map(char::to_lowercase).take(6) {
        let mut b = [0; 4];
        for &x in ch.encode_utf8(&mut b).as_bytes() {
            h = fnv_step(h, x);
        }
    }
    h
}

/// [`stem`] of an ASCII word.
fn ascii_stem(word: &[u8]) -> u64 {
    word.iter().take(6).fold(accrete_common::fnv1a(b""), |h, &b| fnv_step(h, b.to_ascii_lowercase()))
}

/// One byte of FNV-1a (as [`accrete_common::fnv1a`] hashes a byte).
fn fnv_step(h: u64, byte: u8) -> u64 {
    (h ^ byte as u64).wrapping_mul(0x0100_0000_01b3)
}

/// The stems of a text's words of three letters or more (the agent's
/// words and the paths it touches), without allocating per word.
pub fn stems(text: &str, out: &mut Vec<u64>) {
    if text.is_ascii() {
        // The common case, split a byte at a time (the same words as below).
        let word = |x: &u8| x.is_ascii_alphanumeric() || *x == b'_';
        for w in text.as_bytes().split(|x| !word(x)).filter(|w| w.len() >= 4) {
            if !w.iter().all(u8::is_ascii_digit) {
                out.push(ascii_stem(w));
            }
        }
        return;
    }
    let split = |c: char| if c.is_ascii() { !c.is_ascii_alphanumeric() && c != '_' } else { !c.is_alphanumeric() };
    for w in text.split(split).filter(|w| w.len() >= 4) {
        if !w.bytes().all(|b| b.is_ascii_digit()) {
            out.push(stem(w));
        }
    }
}
