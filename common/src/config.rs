//! Configuration: built-in defaults, then a TOML file, then `ACCRETE__*`
//! environment variables (`ACCRETE__PRIVACY__SHARE_CONTENT=true`), then
//! command-line flags. Unknown keys are errors that name the key.

use std::collections::HashSet;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

mod coaching;
pub use coaching::CoachingConfig;

/// The HTTP + gRPC port `accrete up` listens on unless told otherwise.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:7430";

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("configuration: {0}")]
    Load(#[from] config::ConfigError),
    #[error("configuration: {key}: {message}")]
    Invalid { key: String, message: String },
}

fn invalid(key: &str, message: impl Into<String>) -> ConfigError {
    ConfigError::Invalid { key: key.to_string(), message: message.into() }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Where the embedded store (SQLite) lives.
    pub data_dir: PathBuf,
    /// HTTP and gRPC, on one port.
    pub listen: String,
    /// The Claude Code folders to read, one per person.
    pub sources: Vec<SourceConfig>,
    pub privacy: PrivacyConfig,
    pub collector: CollectorConfig,
    /// A practice catalog file to use instead of the built-in one.
    pub catalog: Option<PathBuf>,
    pub log: LogConfig,
    /// Distributed mode: the Kafka cluster between the stages.
    pub kafka: KafkaConfig,
    /// Distributed mode: where roll-ups are stored and queried.
    pub clickhouse: ClickHouseConfig,
    /// Distributed mode: the ingest gateway collectors send to.
    pub gateway: GatewayConfig,
    /// Distributed mode: the collector daemon's side (`accrete collect`).
    pub ship: ShipConfig,
    /// Person -> team, for people whose collector does not name a team.
    pub teams: std::collections::BTreeMap<String, String>,
    /// Who may query the API (`accrete up` and `accrete api`).
    pub api: ApiConfig,
    /// Health, metrics and trace export of the service roles.
    pub telemetry: TelemetryConfig,
    /// The coaching loop's thresholds (docs/coaching.md).
    pub coaching: CoachingConfig,
}

/// What operators watch: an admin port for probes and Prometheus, and
/// OpenTelemetry export of traces and metrics.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct TelemetryConfig {
    /// Serve `/healthz`, `/readyz` and `/metrics` here, without auth (e.g.
    /// `0.0.0.0:9464` in a pod). Empty: no admin port.
    pub admin_listen: String,
    /// OTLP/gRPC endpoint for traces and metrics, e.g. `http://otel-collector:4317`.
    /// Empty: nothing is exported.
    pub otlp_endpoint: String,
    /// Share of traces kept when exporting (0 to 1); a parent's decision is followed.
    pub trace_sample_ratio: f64,
    /// How often metrics are pushed over OTLP.
    pub metrics_interval_ms: u64,
}

impl Default for TelemetryConfig {
    fn default() -> Self {
        TelemetryConfig {
            admin_listen: String::new(),
            otlp_endpoint: String::new(),
            trace_sample_ratio: 1.0,
            metrics_interval_ms: 10_000,
        }
    }
}

/// Access to the query API. No tokens: the API is open to anyone who can
/// reach the port (fine on 127.0.0.1).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct ApiConfig {
    /// Bearer tokens, each with a role. Empty: every request is answered as an admin's.
    pub tokens: Vec<ApiToken>,
}

/// What a token's holder may see.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Everything, including `/v1/status` and `/metrics`.
    Admin,
    /// The rows of their `teams`.
    Manager,
    /// Only their own (`person`) rows.
    Member,
}

#[derive(Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ApiToken {
    pub token: String,
    pub role: Role,
    /// A manager's teams.
    #[serde(default)]
    pub teams: Vec<String>,
    /// A member's own name, as in `--source PERSON=DIR`.
    #[serde(default)]
    pub person: String,
}

/// Keeps the secret out of logs and error messages.
impl std::fmt::Debug for ApiToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiToken")
            .field("token", &"<redacted>")
            .field("role", &self.role)
            .field("teams", &self.teams)
            .field("person", &self.person)
            .finish()
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct KafkaConfig {
    /// Bootstrap servers, comma-separated.
    pub brokers: String,
    /// Normalized transcript events (`accrete.v1.TranscriptEvent`), key = session id.
    pub events_topic: String,
    /// Practice detections (`accrete.v1.Mark`), key = session id.
    pub marks_topic: String,
    /// The coaching loop's events (`accrete.v1.CoachingEvent`), key =
    /// assignment id; one partition, compacted, written by the API. Empty:
    /// the API publishes none.
    pub coaching_topic: String,
    /// Partitions for topics Accrete creates.
    pub partitions: i32,
    pub classifier_group: String,
    pub aggregator_group: String,
    /// Messages a consumer stage takes per batch, and how long it waits to fill one.
    pub batch_max_messages: usize,
    pub batch_max_wait_ms: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct ClickHouseConfig {
    pub url: String,
    pub database: String,
    pub user: String,
    pub password: String,
    /// Schema validation of rows (RowBinaryWithNamesAndTypes): needs ClickHouse 24+; off for 18.16.
    pub validation: bool,
    /// LZ4 over HTTP: on for remote servers; old servers mishandle it.
    pub compression: bool,
    /// Answer organization and team queries from per-person roll-ups
    /// (exact; the aggregator keeps them). Off: always merge the raw tables.
    pub rollups: bool,
    /// How often the aggregator looks for stale roll-ups when none were left.
    pub compact_interval_ms: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct TeamToken {
    pub team: String,
    pub token: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct GatewayConfig {
    pub listen: String,
    /// Bearer tokens, one or more per team. Empty: every request is refused.
    pub tokens: Vec<TeamToken>,
    /// Largest batch accepted, in bytes of protobuf.
    pub max_batch_bytes: usize,
    /// Largest events per batch.
    pub max_batch_events: usize,
    /// Events per second one token may send (a burst of two seconds' worth
    /// is allowed); more is answered RESOURCE_EXHAUSTED. 0: no limit.
    pub rate_limit_events_per_s: u64,
    /// Serve TLS (rustls) with this certificate chain and key (PEM).
    pub tls_cert: Option<PathBuf>,
    pub tls_key: Option<PathBuf>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct ShipConfig {
    /// The gateway's URL, e.g. `http://127.0.0.1:7440`.
    pub gateway: String,
    /// This collector's team token.
    pub token: String,
    /// Bound on the on-disk spool; reading pauses while it is full.
    pub spool_max_bytes: u64,
    /// For an `https://` gateway with a private CA: the CA certificate (PEM).
    pub ca_cert: Option<PathBuf>,
}

impl Default for KafkaConfig {
    fn default() -> Self {
        KafkaConfig {
            brokers: "127.0.0.1:19092".into(),
            events_topic: "accrete.events.v1".into(),
            marks_topic: "accrete.marks.v1".into(),
            coaching_topic: "accrete.coaching.v1".into(),
            partitions: 4,
            classifier_group: "accrete-classifier".into(),
            aggregator_group: "accrete-aggregator".into(),
            batch_max_messages: 5000,
            batch_max_wait_ms: 50,
        }
    }
}

impl Default for ClickHouseConfig {
    fn default() -> Self {
        ClickHouseConfig {
            url: "http://127.0.0.1:18123".into(),
            database: "accrete".into(),
            user: "default".into(),
            password: String::new(),
            validation: false,
            compression: false,
            rollups: true,
            compact_interval_ms: 1000,
        }
    }
}

impl Default for GatewayConfig {
    fn default() -> Self {
        GatewayConfig {
            listen: "127.0.0.1:7440".into(),
            tokens: Vec::new(),
            max_batch_bytes: 16 << 20,
            max_batch_events: 20_000,
            rate_limit_events_per_s: 200_000,
            tls_cert: None,
            tls_key: None,
        }
    }
}

impl Default for ShipConfig {
    fn default() -> Self {
        ShipConfig { gateway: String::new(), token: String::new(), spool_max_bytes: 1 << 30, ca_cert: None }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SourceConfig {
    pub person: String,
    /// An agent's folder: Claude Code's (holding `projects/`), Codex CLI's
    /// (holding `sessions/`) or Gemini CLI's (holding `tmp/`).
    pub path: PathBuf,
    #[serde(default)]
    pub team: String,
    /// Which agent wrote the folder; unset: told from its name and layout
    /// (see [`Agent::detect`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent: Option<Agent>,
}

/// The coding agents whose session files the collector reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Agent {
    /// Claude Code: `projects/<dir>/<session>.jsonl`.
    ClaudeCode,
    /// OpenAI Codex CLI: `sessions/YYYY/MM/DD/rollout-*.jsonl`.
    Codex,
    /// Google Gemini CLI: `tmp/<project hash>/chats/session-*.json`.
    Gemini,
}

impl Agent {
    pub const ALL: [Agent; 3] = [Agent::ClaudeCode, Agent::Codex, Agent::Gemini];

    /// The name events, the catalog and the API use (`claude_code`, `codex`,
    /// `gemini`). Events of older collectors carry none: Claude Code.
    pub fn as_str(self) -> &'static str {
        match self {
            Agent::ClaudeCode => "claude_code",
            Agent::Codex => "codex",
            Agent::Gemini => "gemini",
        }
    }

    /// An event's agent name back to the agent (`""` is Claude Code).
    pub fn from_name(s: &str) -> Option<Agent> {
        match s {
            "" | "claude_code" | "claude" => Some(Agent::ClaudeCode),
            "codex" => Some(Agent::Codex),
            "gemini" => Some(Agent::Gemini),
            _ => None,
        }
    }

    /// Tells the agent from a folder: its name first (`.codex`, `.gemini`,
    /// `.claude`), then what it holds (`projects/`, `sessions/`, `tmp/`), and
    /// Claude Code when nothing tells (a folder that does not exist yet).
    pub fn detect(path: &Path) -> Agent {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        match name {
            ".codex" | "codex" => return Agent::Codex,
            ".gemini" | "gemini" => return Agent::Gemini,
            ".claude" | "claude" => return Agent::ClaudeCode,
            _ => {}
        }
        if path.join("projects").is_dir() {
            Agent::ClaudeCode
        } else if path.join("sessions").is_dir() {
            Agent::Codex
        } else if path.join("tmp").is_dir() {
            Agent::Gemini
        } else {
            Agent::ClaudeCode
        }
    }
}

impl std::fmt::Display for Agent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl SourceConfig {
    /// The source's agent: as configured, else told from the folder.
    pub fn agent(&self) -> Agent {
        self.agent.unwrap_or_else(|| Agent::detect(&self.path))
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct PrivacyConfig {
    /// Send prompt text, tool inputs and the working directory too. Off by
    /// default: only names, counts and timings leave the machine.
    pub share_content: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct CollectorConfig {
    /// Lines longer than this are skipped (with a warning and a counter)
    /// without being held in memory.
    pub max_line_bytes: u64,
    /// A full rescan of the folders, as a safety net under file events.
    pub rescan_interval_ms: u64,
    /// Events per batch handed to the classifier.
    pub batch_max_events: usize,
    /// How long a new line may wait for its batch to fill.
    pub batch_max_delay_ms: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct LogConfig {
    /// A `tracing` filter, e.g. `info` or `accrete_collector=debug`; `RUST_LOG` wins.
    pub level: String,
    /// `text` or `json`.
    pub format: String,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            data_dir: default_data_dir(),
            listen: DEFAULT_LISTEN.to_string(),
            sources: Vec::new(),
            privacy: PrivacyConfig::default(),
            collector: CollectorConfig::default(),
            catalog: None,
            log: LogConfig::default(),
            kafka: KafkaConfig::default(),
            clickhouse: ClickHouseConfig::default(),
            gateway: GatewayConfig::default(),
            ship: ShipConfig::default(),
            teams: Default::default(),
            api: ApiConfig::default(),
            telemetry: TelemetryConfig::default(),
            coaching: CoachingConfig::default(),
        }
    }
}

impl Default for CollectorConfig {
    fn default() -> Self {
        CollectorConfig {
            max_line_bytes: 64 << 20,
            rescan_interval_ms: 10_000,
            batch_max_events: 4096,
            batch_max_delay_ms: 50,
        }
    }
}

impl Default for LogConfig {
    fn default() -> Self {
        LogConfig { level: "info".into(), format: "text".into() }
    }
}

/// `$XDG_DATA_HOME/accrete`, else `~/.local/share/accrete`.
pub fn default_data_dir() -> PathBuf {
    if let Some(x) = std::env::var_os("XDG_DATA_HOME").filter(|x| !x.is_empty()) {
        return PathBuf::from(x).join("accrete");
    }
    home_dir().join(".local/share/accrete")
}

pub fn home_dir() -> PathBuf {
    std::env::var_os("HOME").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("."))
}

/// The current user's Claude Code folder: `$CLAUDE_CONFIG_DIR`, else `~/.claude`.
/// (`CLAUDE_CONFIG_DIR` may list several folders separated by commas; the first is used.)
pub fn default_claude_dir() -> PathBuf {
    if let Some(x) = std::env::var("CLAUDE_CONFIG_DIR").ok().filter(|x| !x.is_empty()) {
        return PathBuf::from(x.split(',').next().unwrap_or_default().trim());
    }
    home_dir().join(".claude")
}

/// The current user's Codex CLI folder: `$CODEX_HOME`, else `~/.codex`.
pub fn default_codex_dir() -> PathBuf {
    match std::env::var_os("CODEX_HOME").filter(|x| !x.is_empty()) {
        Some(x) => PathBuf::from(x),
        None => home_dir().join(".codex"),
    }
}

/// The current user's Gemini CLI folder: `$GEMINI_CLI_HOME/.gemini`, else `~/.gemini`.
pub fn default_gemini_dir() -> PathBuf {
    match std::env::var_os("GEMINI_CLI_HOME").filter(|x| !x.is_empty()) {
        Some(x) => PathBuf::from(x).join(".gemini"),
        None => home_dir().join(".gemini"),
    }
}

/// The current user's name, for the default source.
pub fn current_person() -> String {
    std::env::var("USER").ok().filter(|u| !u.is_empty()).unwrap_or_else(|| "me".into())
}

impl Config {
    /// Defaults, then each of `files` in order (a later one wins, so a
    /// secret file can sit beside a shared one), then `ACCRETE__*`
    /// environment variables.
    pub fn load<P: AsRef<Path>>(files: &[P]) -> Result<Config, ConfigError> {
        let mut b = config::Config::builder().add_source(config::Config::try_from(&Config::default())?);
        for f in files {
            b = b.add_source(config::File::from(f.as_ref()).format(config::FileFormat::Toml).required(true));
        }
        b = b.add_source(
            config::Environment::with_prefix("ACCRETE").prefix_separator("__").separator("__").try_parsing(true),
        );
        let c: Config = b.build()?.try_deserialize()?;
        Ok(c)
    }

    /// Checks what serde cannot: values in range, names unique, addresses valid.
    pub fn validate(&self) -> Result<(), ConfigError> {
        self.listen.parse::<SocketAddr>().map_err(|e| {
            invalid("listen", format!("`{}` is not an address like {DEFAULT_LISTEN}: {e}", self.listen))
        })?;
        if self.data_dir.as_os_str().is_empty() {
            return Err(invalid("data_dir", "must not be empty"));
        }
        let mut seen = HashSet::new();
        for (i, s) in self.sources.iter().enumerate() {
            validate_person(&s.person).map_err(|m| invalid(&format!("sources[{i}].person"), m))?;
            if !seen.insert((&s.person, &s.path)) {
                return Err(invalid(
                    &format!("sources[{i}]"),
                    format!("{}={} is listed twice", s.person, s.path.display()),
                ));
            }
        }
        let c = &self.collector;
        if c.max_line_bytes < 1024 {
            return Err(invalid("collector.max_line_bytes", "must be at least 1024"));
        }
        if c.batch_max_events == 0 {
            return Err(invalid("collector.batch_max_events", "must be at least 1"));
        }
        if c.rescan_interval_ms < 100 {
            return Err(invalid("collector.rescan_interval_ms", "must be at least 100"));
        }
        self.gateway
            .listen
            .parse::<SocketAddr>()
            .map_err(|e| invalid("gateway.listen", format!("`{}` is not an address: {e}", self.gateway.listen)))?;
        for (i, t) in self.gateway.tokens.iter().enumerate() {
            if t.token.len() < 16 {
                return Err(invalid(&format!("gateway.tokens[{i}].token"), "must be at least 16 characters"));
            }
        }
        if self.gateway.tls_cert.is_some() != self.gateway.tls_key.is_some() {
            return Err(invalid("gateway.tls_cert", "tls_cert and tls_key go together"));
        }
        if self.kafka.partitions < 1 {
            return Err(invalid("kafka.partitions", "must be at least 1"));
        }
        if self.kafka.batch_max_messages == 0 {
            return Err(invalid("kafka.batch_max_messages", "must be at least 1"));
        }
        if !self.clickhouse.database.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(invalid("clickhouse.database", "may only hold letters, digits and _"));
        }
        if self.clickhouse.compact_interval_ms == 0 {
            return Err(invalid("clickhouse.compact_interval_ms", "must be at least 1"));
        }
        if !matches!(self.log.format.as_str(), "text" | "json") {
            return Err(invalid("log.format", format!("`{}` is not `text` or `json`", self.log.format)));
        }
        self.telemetry.validate()?;
        self.coaching.validate()?;
        self.api.validate()
    }

    /// The effective configuration as TOML, with every token and password
    /// replaced, for `accrete check-config`.
    pub fn to_redacted_toml(&self) -> String {
        fn redact(v: &mut toml::Value) {
            match v {
                toml::Value::Table(t) => {
                    for (k, v) in t.iter_mut() {
                        if matches!(k.as_str(), "token" | "password") && v.as_str().is_some_and(|s| !s.is_empty()) {
                            *v = toml::Value::String("<redacted>".into());
                        } else {
                            redact(v);
                        }
                    }
                }
                toml::Value::Array(a) => a.iter_mut().for_each(redact),
                _ => {}
            }
        }
        let mut v = toml::Value::try_from(self).expect("config serializes");
        redact(&mut v);
        toml::to_string(&v).expect("config serializes")
    }
}

impl TelemetryConfig {
    pub fn validate(&self) -> Result<(), ConfigError> {
        if !self.admin_listen.is_empty() {
            self.admin_listen.parse::<SocketAddr>().map_err(|e| {
                invalid(
                    "telemetry.admin_listen",
                    format!("`{}` is not an address like 0.0.0.0:9464: {e}", self.admin_listen),
                )
            })?;
        }
        let e = &self.otlp_endpoint;
        if !(e.is_empty() || e.starts_with("http://") || e.starts_with("https://")) {
            return Err(invalid("telemetry.otlp_endpoint", format!("`{e}` is not an http:// or https:// URL")));
        }
        if !(0.0..=1.0).contains(&self.trace_sample_ratio) {
            return Err(invalid("telemetry.trace_sample_ratio", "must be between 0 and 1"));
        }
        if self.metrics_interval_ms < 100 {
            return Err(invalid("telemetry.metrics_interval_ms", "must be at least 100"));
        }
        Ok(())
    }
}

impl ApiConfig {
    /// Tokens long and unique; each role with exactly the fields it uses, so
    /// a `teams` on a member cannot be mistaken for a grant.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let mut seen = HashSet::new();
        for (i, t) in self.tokens.iter().enumerate() {
            let key = |field: &str| format!("api.tokens[{i}].{field}");
            if t.token.chars().count() < 16 {
                return Err(invalid(&key("token"), "must be at least 16 characters"));
            }
            if !t.token.bytes().all(|b| b.is_ascii_graphic()) {
                return Err(invalid(&key("token"), "may only hold visible ASCII characters (no spaces)"));
            }
            if !seen.insert(t.token.as_str()) {
                return Err(invalid(&key("token"), "is the same as an earlier token"));
            }
            match t.role {
                Role::Admin => {
                    if !t.teams.is_empty() {
                        return Err(invalid(&key("teams"), "an admin sees every team: leave teams out"));
                    }
                    if !t.person.is_empty() {
                        return Err(invalid(&key("person"), "an admin sees everyone: leave person out"));
                    }
                }
                Role::Manager => {
                    if t.teams.is_empty() {
                        return Err(invalid(&key("teams"), "a manager needs at least one team"));
                    }
                    if let Some(j) = t.teams.iter().position(|team| team.trim().is_empty()) {
                        return Err(invalid(&format!("api.tokens[{i}].teams[{j}]"), "must not be empty"));
                    }
                    if !t.person.is_empty() {
                        return Err(invalid(&key("person"), "a manager sees their teams: leave person out"));
                    }
                }
                Role::Member => {
                    validate_person(&t.person).map_err(|m| invalid(&key("person"), m))?;
                    if !t.teams.is_empty() {
                        return Err(invalid(&key("teams"), "a member sees only their own rows: teams is for managers"));
                    }
                }
            }
        }
        Ok(())
    }
}

/// A person's name is an identifier in URLs and tables: keep it plain.
pub fn validate_person(p: &str) -> Result<(), String> {
    if p.is_empty() || p.len() > 128 {
        return Err("must be 1 to 128 characters".into());
    }
    if !p.chars().all(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '-' | '@')) {
        return Err(format!("`{p}` may only hold letters, digits and . _ - @"));
    }
    Ok(())
}

impl SourceConfig {
    /// Parses `[AGENT:]PERSON[:TEAM]=DIR`: `ana=~/.claude`,
    /// `ana:platform=~/.claude`, `codex:ana=~/.codex`,
    /// `gemini:ana:platform=~/.gemini`. Without an agent (`claude`, `codex`
    /// or `gemini` first) it is told from the folder (see [`Agent::detect`]).
    /// (A person literally named `codex` is set in the config file.)
    pub fn parse_arg(arg: &str) -> Result<SourceConfig, String> {
        let (who, path) = arg.split_once('=').ok_or_else(|| format!("`{arg}` is not [AGENT:]PERSON=DIR"))?;
        let (agent, who) = match who.split_once(':') {
            Some(("claude" | "claude_code", rest)) => (Some(Agent::ClaudeCode), rest),
            Some(("codex", rest)) => (Some(Agent::Codex), rest),
            Some(("gemini", rest)) => (Some(Agent::Gemini), rest),
            _ => (None, who),
        };
        let (person, team) = match who.split_once(':') {
            Some((p, t)) => (p, t),
            None => (who, ""),
        };
        validate_person(person)?;
        if path.is_empty() {
            return Err(format!("`{arg}` has an empty folder"));
        }
        Ok(SourceConfig { person: person.into(), path: PathBuf::from(path), team: team.into(), agent })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid() {
        Config::default().validate().unwrap();
    }

    #[test]
    fn parses_source_args() {
        let s = SourceConfig::parse_arg("dev1=/tmp/x/.claude").unwrap();
        assert_eq!((s.person.as_str(), s.path.to_str().unwrap(), s.team.as_str()), ("dev1", "/tmp/x/.claude", ""));
        let s = SourceConfig::parse_arg("dev1:platform=/c").unwrap();
        assert_eq!(s.team, "platform");
        assert!(SourceConfig::parse_arg("nofolder").is_err());
        assert!(SourceConfig::parse_arg("bad name=/x").is_err());
        let s = SourceConfig::parse_arg("codex:ana=/h/.codex").unwrap();
        assert_eq!((s.person.as_str(), s.agent, s.team.as_str()), ("ana", Some(Agent::Codex), ""));
        let s = SourceConfig::parse_arg("gemini:ana:web=/g").unwrap();
        assert_eq!((s.person.as_str(), s.agent, s.team.as_str()), ("ana", Some(Agent::Gemini), "web"));
        assert_eq!(SourceConfig::parse_arg("ana=/h/.codex").unwrap().agent(), Agent::Codex);
        assert_eq!(SourceConfig::parse_arg("ana=/h/.gemini").unwrap().agent(), Agent::Gemini);
        assert_eq!(SourceConfig::parse_arg("ana=/nowhere/x").unwrap().agent(), Agent::ClaudeCode);
    }

    #[test]
    fn validate_names_the_key() {
        let mut c = Config { listen: "nope".into(), ..Config::default() };
        assert!(c.validate().unwrap_err().to_string().contains("listen"));
        c.listen = DEFAULT_LISTEN.into();
        c.collector.batch_max_events = 0;
        assert!(c.validate().unwrap_err().to_string().contains("collector.batch_max_events"));
    }

    fn token(token: &str, role: Role, teams: &[&str], person: &str) -> ApiToken {
        ApiToken {
            token: token.into(),
            role,
            teams: teams.iter().map(|t| t.to_string()).collect(),
            person: person.into(),
        }
    }

    #[test]
    fn api_tokens_are_checked_and_errors_name_the_key() {
        let ok = [
            token("admin-token-0123456789", Role::Admin, &[], ""),
            token("manager-token-0123456789", Role::Manager, &["platform", "web"], ""),
            token("member-token-0123456789", Role::Member, &[], "ana"),
        ];
        let c = Config { api: ApiConfig { tokens: ok.to_vec() }, ..Config::default() };
        c.validate().unwrap();

        let fails = |t: ApiToken, want: &str| {
            let mut tokens = ok.to_vec();
            tokens.push(t);
            let c = Config { api: ApiConfig { tokens }, ..Config::default() };
            let e = c.validate().unwrap_err().to_string();
            assert!(e.contains(want), "`{e}` should name {want}");
            assert!(!e.contains("0123456789"), "the token stays out of the message: {e}");
        };
        fails(token("short", Role::Admin, &[], ""), "api.tokens[3].token");
        fails(token("with a space 0123456789", Role::Admin, &[], ""), "api.tokens[3].token");
        fails(token("admin-token-0123456789", Role::Member, &[], "bo"), "api.tokens[3].token");
        fails(token("manager2-token-0123456789", Role::Manager, &[], ""), "api.tokens[3].teams");
        fails(token("manager2-token-0123456789", Role::Manager, &["a", ""], ""), "api.tokens[3].teams[1]");
        fails(token("member2-token-0123456789", Role::Member, &[], ""), "api.tokens[3].person");
        fails(token("member2-token-0123456789", Role::Member, &[], "no spaces"), "api.tokens[3].person");
        fails(token("member2-token-0123456789", Role::Member, &["platform"], "bo"), "api.tokens[3].teams");
        fails(token("admin2-token-0123456789", Role::Admin, &["platform"], ""), "api.tokens[3].teams");
        assert!(!format!("{:?}", ok[0]).contains("0123456789"), "Debug hides the token");
    }

    #[test]
    fn api_tokens_read_from_toml() {
        let t = tempfile_path("api.toml");
        std::fs::write(
            &t,
            "[[api.tokens]]\ntoken = \"admin-token-0123456789\"\nrole = \"admin\"\n\
             [[api.tokens]]\ntoken = \"manager-token-0123456789\"\nrole = \"manager\"\nteams = [\"platform\"]\n",
        )
        .unwrap();
        let c = Config::load(&[&t]).unwrap();
        assert_eq!(c.api.tokens.len(), 2);
        assert_eq!(
            (c.api.tokens[1].role, c.api.tokens[1].teams.as_slice()),
            (Role::Manager, &["platform".to_string()][..])
        );
        std::fs::write(&t, "[[api.tokens]]\ntoken = \"admin-token-0123456789\"\nrole = \"root\"\n").unwrap();
        assert!(Config::load(&[&t]).is_err(), "unknown roles are refused");
        std::fs::write(&t, "[api]\ntoken = \"admin-token-0123456789\"\n").unwrap();
        assert!(Config::load(&[&t]).unwrap_err().to_string().contains("token"), "unknown keys are refused");
        let _ = std::fs::remove_file(&t);
    }

    #[test]
    fn later_files_win_and_secrets_are_redacted() {
        let (a, b) = (tempfile_path("a.toml"), tempfile_path("b.toml"));
        std::fs::write(&a, "listen = \"0.0.0.0:7430\"\n[clickhouse]\nurl = \"http://ch:8123\"\n").unwrap();
        std::fs::write(&b, "[clickhouse]\npassword = \"s3cret-pass\"\n[[gateway.tokens]]\nteam = \"t\"\ntoken = \"team-token-0123456789\"\n").unwrap();
        let c = Config::load(&[&a, &b]).unwrap();
        assert_eq!(
            (c.listen.as_str(), c.clickhouse.url.as_str(), c.clickhouse.password.as_str()),
            ("0.0.0.0:7430", "http://ch:8123", "s3cret-pass")
        );
        let shown = c.to_redacted_toml();
        assert!(!shown.contains("s3cret") && !shown.contains("0123456789"), "{shown}");
        assert!(shown.contains("http://ch:8123"));
        let _ = (std::fs::remove_file(&a), std::fs::remove_file(&b));
    }

    #[test]
    fn telemetry_is_checked() {
        let mut c = Config::default();
        c.telemetry.admin_listen = "nope".into();
        assert!(c.validate().unwrap_err().to_string().contains("telemetry.admin_listen"));
        c.telemetry.admin_listen = "0.0.0.0:9464".into();
        c.telemetry.otlp_endpoint = "collector:4317".into();
        assert!(c.validate().unwrap_err().to_string().contains("telemetry.otlp_endpoint"));
        c.telemetry.otlp_endpoint = "http://collector:4317".into();
        c.telemetry.trace_sample_ratio = 1.5;
        assert!(c.validate().unwrap_err().to_string().contains("trace_sample_ratio"));
    }

    fn tempfile_path(name: &str) -> PathBuf {
        std::env::temp_dir().join(format!("accrete-config-test-{}-{name}", std::process::id()))
    }
}
