//! The data behind the judgement practices (catalog v2, `[judge]`): phrase
//! lists per language, regular expressions for pasted failure output, and
//! the thresholds. A team tunes these in its catalog file, without a
//! rebuild; the logic that applies them runs in the collector, on the
//! developer's machine, because it reads prompt text.

use std::collections::{BTreeMap, HashSet};

use aho_corasick::AhoCorasick;
use regex::Regex;
use regex::bytes::{Regex as BytesRegex, RegexBuilder, RegexSet, RegexSetBuilder};
use serde::{Deserialize, Serialize};

use crate::catalog::CatalogError;

/// The judgement ids the collector can reach; practices match on these.
pub const JUDGEMENTS: &[&str] = &[
    "plan_first_prompt",
    "plan_revised",
    "failing_test_handover",
    "whole_task_delegation",
    "focused_session",
    "sprawl",
    "small_commits",
];

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct JudgeRules {
    /// Main-thread tool calls after a self-contained prompt that make it a
    /// whole-task delegation.
    pub delegation_min_tool_calls: u32,
    /// Words from which a task prompt is self-contained without a plan,
    /// ticket or failure paste.
    pub self_contained_min_words: usize,
    /// A commit of at most this many changed lines (insertions + deletions) is small.
    pub small_commit_max_lines: u64,
    /// Goals, each unrelated to every earlier one, that make a session sprawl.
    pub sprawl_min_goals: usize,
    /// A new task prompt starts a new goal when at most this share of its
    /// content words were seen in the session's earlier goals.
    pub goal_overlap_max: f64,
    /// Content words a prompt needs before it can start a goal of its own.
    pub goal_min_words: usize,
    /// Regular expressions that find pasted failure output (test runners,
    /// stack traces, compilers, linters, exit codes), any language, each
    /// with the category a mark shows for it.
    pub failure_patterns: Vec<FailurePattern>,
    /// Regular expressions for commands that reproduce a failure when the
    /// prompt says they fail (`go test ./...`, `mise run lint`).
    pub repro_commands: Vec<String>,
    /// Regular expressions for ticket and pull-request references.
    pub task_references: Vec<String>,
    /// Phrase lists by language (`en`, `de`, ...); every language is used at once.
    pub lexicon: BTreeMap<String, Lexicon>,
    #[serde(skip)]
    compiled: Option<Compiled>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FailurePattern {
    pub pattern: String,
    /// A few words shown as the mark's evidence ("pasted a stack trace").
    pub category: String,
}

/// One language's phrases. A phrase is one or more words, matched on word
/// boundaries, case-insensitively.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Lexicon {
    /// Verbs that ask for analysis when they start a request ("explain", "investigate").
    #[serde(default)]
    pub analysis_verbs: Vec<String>,
    /// Verbs that ask for a change when they start a request ("add", "fix").
    #[serde(default)]
    pub change_verbs: Vec<String>,
    /// What a change verb can make that is still analysis ("write a plan").
    #[serde(default)]
    pub analysis_objects: Vec<String>,
    /// Words that open a question ("why", "how").
    #[serde(default)]
    pub question_words: Vec<String>,
    /// Polite or connective openers skipped before a request's verb ("please", "can you").
    #[serde(default)]
    pub request_openers: Vec<String>,
    /// Phrases that hold off changes ("don't change anything", "no code yet").
    #[serde(default)]
    pub hold_phrases: Vec<String>,
    /// Whole short replies that accept a proposal ("yes", "go ahead").
    #[serde(default)]
    pub acceptance: Vec<String>,
    /// Phrases that push back on, correct or add to a proposal.
    #[serde(default)]
    pub pushback: Vec<String>,
    /// Phrases with which the agent proposes a plan or approach.
    #[serde(default)]
    pub proposal: Vec<String>,
    /// Words that say something fails ("fails", "throws").
    #[serde(default)]
    pub failure_words: Vec<String>,
    /// Phrases that announce an unrelated new topic.
    #[serde(default)]
    pub topic_switch: Vec<String>,
    /// Words left out when comparing goals.
    #[serde(default)]
    pub stopwords: Vec<String>,
}

/// A set of phrases, each as lowercase words; also compiled into one
/// Aho-Corasick automaton for scanning long texts (the agent's answers)
/// without splitting them into words. (One regular expression with every
/// phrase as an alternative was too big for the regex engine's DFA and ran
/// on its slow NFA: a fifth of a catch-up.)
#[derive(Debug, Clone, Default)]
pub struct Phrases {
    /// One-word phrases, looked up per word.
    singles: HashSet<String>,
    /// Longer phrases, longest first.
    multi: Vec<Vec<String>>,
    scanner: Option<AhoCorasick>,
}

impl Phrases {
    /// `scan`: also build the scanner for [`Phrases::in_text`].
    fn new<'a>(items: impl Iterator<Item = &'a String>, scan: bool) -> Phrases {
        let mut v: Vec<Vec<String>> = items.map(|p| words(p)).filter(|w| !w.is_empty()).collect();
        v.sort();
        v.dedup();
        // Each phrase with single spaces, and with a typographic apostrophe too.
        let mut patterns: Vec<String> = v.iter().map(|p| p.join(" ")).collect();
        patterns.extend(patterns.iter().filter(|p| p.contains('\'')).map(|p| p.replace('\'', "’")).collect::<Vec<_>>());
        let scanner = scan
            .then(|| {
                AhoCorasick::builder()
                    .ascii_case_insensitive(true)
                    // A DFA: built once per process, and the agent's answers
                    // it scans are most of the text the judge reads (the
                    // contiguous NFA's overlapping search was 2 % of a catch-up).
                    .kind(Some(aho_corasick::AhoCorasickKind::DFA))
                    .build(&patterns)
                    .ok()
            })
            .flatten();
        let (singles, mut multi): (Vec<_>, Vec<_>) = v.into_iter().partition(|p| p.len() == 1);
        multi.sort_by_key(|p| std::cmp::Reverse(p.len()));
        Phrases { singles: singles.into_iter().map(|mut p| p.remove(0)).collect(), multi, scanner }
    }

    /// Whether any phrase occurs in `text` as whole words.
    pub fn in_text(&self, text: &str) -> bool {
        let Some(ac) = &self.scanner else { return false };
        let word = |c: char| c.is_alphanumeric() || c == '\'' || c == '’' || c == '_';
        ac.find_overlapping_iter(text).any(|m| {
            !text[..m.start()].chars().next_back().is_some_and(word)
                && !text[m.end()..].chars().next().is_some_and(word)
        })
    }

    /// Whether any phrase occurs in `w` (consecutive words).
    pub fn any_in(&self, w: &[String]) -> bool {
        w.iter().any(|x| self.singles.contains(x))
            || self.multi.iter().any(|p| w.windows(p.len()).any(|win| win == p.as_slice()))
    }

    /// The longest phrase `w` starts with, as its length in words.
    pub fn prefix_len(&self, w: &[String]) -> Option<usize> {
        let multi = self.multi.iter().find(|p| w.starts_with(p)).map(Vec::len);
        multi.or_else(|| w.first().filter(|x| self.singles.contains(*x)).map(|_| 1))
    }

    /// Whether `w` is exactly one of the phrases.
    pub fn is_exactly(&self, w: &[String]) -> bool {
        match w {
            [one] => self.singles.contains(one),
            _ => self.multi.iter().any(|p| p.as_slice() == w),
        }
    }

    pub fn contains_word(&self, word: &str) -> bool {
        self.singles.contains(word)
    }
}

/// The rules compiled for matching.
#[derive(Debug, Clone)]
pub struct Compiled {
    /// One regular expression per category (its patterns as alternatives),
    /// in the order categories first appear: one scan per category. One
    /// set of every pattern was ten times dearer per prompt (its combined
    /// DFA kept being rebuilt), and one scan per pattern twice as dear.
    failure: Vec<(BytesRegex, String)>,
    pub repro: RegexSet,
    pub references: RegexSet,
    pub analysis_verbs: Phrases,
    pub change_verbs: Phrases,
    pub analysis_objects: Phrases,
    pub question_words: Phrases,
    pub request_openers: Phrases,
    pub hold: Phrases,
    pub acceptance: Phrases,
    pub pushback: Phrases,
    pub proposal: Phrases,
    pub failure_words: Phrases,
    pub topic_switch: Phrases,
    pub stopwords: Phrases,
    /// The first successful commit line and its size line in `git commit` output.
    pub commit_done: Regex,
    pub commit_size: Regex,
}

impl Compiled {
    /// The category of the first failure pattern group that matches `text`.
    pub fn failure_category(&self, text: &[u8]) -> Option<&str> {
        self.failure.iter().find(|(re, _)| re.is_match(text)).map(|(_, c)| c.as_str())
    }
}

impl JudgeRules {
    /// The compiled rules (present once the catalog was validated).
    pub fn compiled(&self) -> &Compiled {
        self.compiled.as_ref().expect("judge rules are compiled when the catalog is parsed")
    }

    pub(crate) fn validate(&mut self) -> Result<(), CatalogError> {
        let bad = |m: String| Err(CatalogError::Invalid(format!("[judge]: {m}")));
        if self.delegation_min_tool_calls == 0 {
            return bad("delegation_min_tool_calls must be at least 1".into());
        }
        if self.sprawl_min_goals < 2 {
            return bad("sprawl_min_goals must be at least 2".into());
        }
        if !(0.0..=1.0).contains(&self.goal_overlap_max) {
            return bad("goal_overlap_max must be between 0 and 1".into());
        }
        // ASCII classes and word boundaries (`\w`, `\s`, `\b`), matched on
        // bytes: Unicode ones keep the regex engine off its fast DFA on any
        // prompt with a non-ASCII character, which made matching most of a
        // catch-up's cost. Non-ASCII literals (`✗`) still match.
        let set = |name: &str, v: &[String]| {
            RegexSetBuilder::new(v)
                .unicode(false)
                // Room for the lazy DFA of many patterns over long pastes.
                .dfa_size_limit(16 << 20)
                .build()
                .map_err(|e| CatalogError::Invalid(format!("[judge] {name}: {e}")))
        };
        let all = |f: fn(&Lexicon) -> &Vec<String>| Phrases::new(self.lexicon.values().flat_map(f), false);
        self.compiled = Some(Compiled {
            failure: failure_groups(&self.failure_patterns)?,
            repro: set("repro_commands", &self.repro_commands)?,
            references: set("task_references", &self.task_references)?,
            analysis_verbs: all(|l| &l.analysis_verbs),
            change_verbs: all(|l| &l.change_verbs),
            analysis_objects: all(|l| &l.analysis_objects),
            question_words: all(|l| &l.question_words),
            request_openers: all(|l| &l.request_openers),
            hold: all(|l| &l.hold_phrases),
            acceptance: all(|l| &l.acceptance),
            pushback: all(|l| &l.pushback),
            proposal: Phrases::new(self.lexicon.values().flat_map(|l| &l.proposal), true),
            failure_words: Phrases::new(self.lexicon.values().flat_map(|l| &l.failure_words), true),
            topic_switch: all(|l| &l.topic_switch),
            stopwords: all(|l| &l.stopwords),
            commit_done: Regex::new(r"\[[^\]\n]{1,200} [0-9a-f]{7,40}\] ").expect("valid"),
            commit_size: Regex::new(r"(\d+) files? changed(?:, (\d+) insertions?\(\+\))?(?:, (\d+) deletions?\(-\))?")
                .expect("valid"),
        });
        Ok(())
    }
}

/// The failure patterns grouped by category, each group one regex.
fn failure_groups(patterns: &[FailurePattern]) -> Result<Vec<(BytesRegex, String)>, CatalogError> {
    let mut groups: Vec<(String, Vec<&str>)> = Vec::new();
    for f in patterns {
        // Each pattern alone first, so an error names it.
        RegexBuilder::new(&f.pattern)
            .unicode(false)
            .build()
            .map_err(|e| CatalogError::Invalid(format!("[judge] failure_patterns: {e}")))?;
        match groups.iter_mut().find(|(c, _)| *c == f.category) {
            Some((_, v)) => v.push(&f.pattern),
            None => groups.push((f.category.clone(), vec![&f.pattern])),
        }
    }
    groups
        .into_iter()
        .map(|(category, v)| {
            let alt: Vec<String> = v.iter().map(|p| format!("(?:{p})")).collect();
            RegexBuilder::new(&alt.join("|"))
                .unicode(false)
                // Room for the lazy DFA over long pastes: with the default
                // 2 MB it kept rebuilding states (a third of the scan).
                .dfa_size_limit(16 << 20)
                .build()
                .map(|re| (re, category))
                .map_err(|e| CatalogError::Invalid(format!("[judge] failure_patterns: {e}")))
        })
        .collect()
}

/// Lowercase words of a text: runs of letters, digits, `'`, `_` and `-`
/// (so `don't` and `go-test` stay whole). Typographic apostrophes count as `'`.
pub fn words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let end = |cur: &mut String, out: &mut Vec<String>| {
        if !cur.is_empty() {
            let w = cur.trim_end_matches(['-', '\'']);
            if !w.is_empty() {
                out.push(w.to_string());
            }
            cur.clear();
        }
    };
    for ch in text.chars() {
        if ch.is_ascii() {
            // The common case, without Unicode tables.
            if ch.is_ascii_alphanumeric() || ch == '\'' || ch == '_' || (ch == '-' && !cur.is_empty()) {
                cur.push(ch.to_ascii_lowercase());
            } else {
                end(&mut cur, &mut out);
            }
            continue;
        }
        let ch = if ch == '\u{2019}' { '\'' } else { ch };
        if ch.is_alphanumeric() || ch == '\'' {
            cur.extend(ch.to_lowercase());
        } else {
            end(&mut cur, &mut out);
        }
    }
    end(&mut cur, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_lowercase_and_keep_contractions() {
        assert_eq!(words("Don’t CHANGE go-test, ok?"), ["don't", "change", "go-test", "ok"]);
        assert_eq!(words("  "), Vec::<String>::new());
    }

    #[test]
    fn patterns_are_ascii_and_match_next_to_unicode() {
        let c = crate::catalog::Catalog::builtin();
        let c = c.judge.as_ref().unwrap().compiled();
        assert_eq!(c.failure_category("─ exit code 2".as_bytes()), Some("pasted error output"));
        assert_eq!(c.failure_category("  ✗ resumes the session\n".as_bytes()), Some("pasted failing test output"));
        assert!(c.failure_category("the exit is fine".as_bytes()).is_none());
    }

    #[test]
    fn phrases_match_on_word_boundaries() {
        let p = Phrases::new(["go ahead".to_string(), "yes".to_string()].iter(), true);
        assert!(p.any_in(&words("ok, go ahead please")));
        assert!(!p.any_in(&words("go aheadish")));
        assert!(p.is_exactly(&words("Yes!")));
        assert_eq!(p.prefix_len(&words("go ahead and fix it")), Some(2));
        assert!(p.in_text("OK, Go ahead.") && p.in_text("“yes.”"));
        assert!(!p.in_text("go aheadish"));
        assert!(!p.in_text("yesterday"));
    }
}
