//! The distributed stack of `scripts/local-stack.sh`, on ports of its own,
//! taken down (and wiped) when dropped.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::{BIN, get, matrix_map};

pub struct Stack {
    pub env: Vec<(String, String)>,
    pub addrs: BTreeMap<String, String>,
    pub dir: PathBuf,
}

pub type Matrix = BTreeMap<String, (u64, BTreeMap<String, u64>)>;

impl Stack {
    fn script() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/local-stack.sh")
    }

    pub fn run(&self, args: &[&str]) -> String {
        let out = Command::new("bash").arg(Self::script()).args(args).envs(self.env.iter().cloned()).output().unwrap();
        assert!(
            out.status.success(),
            "local-stack.sh {args:?} failed:\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// Starts the stack; `offset` keeps two test binaries' ports apart.
    pub fn up(offset: u16) -> Stack {
        Self::up_with(offset, &[])
    }

    /// Starts the stack with more settings for local-stack.sh (e.g. `ACCRETE_OTLP_ENDPOINT`).
    pub fn up_with(offset: u16, extra: &[(&str, &str)]) -> Stack {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("stack-{}-{offset}", std::process::id()));
        // Twelve ports per offset (servers, gateway, API, the five roles'
        // admin ports), three offsets per process, all below the kernel's
        // ephemeral range (32768 and up), where any outgoing connection or
        // `free_port()` could be holding one.
        assert!(offset < 3, "three stacks per test process at most");
        let base = 20000 + (std::process::id() % 300) as u16 * 40 + offset * 12;
        let env: Vec<(String, String)> = [
            ("ACCRETE_STACK_DIR", dir.display().to_string()),
            ("KAFKA_PORT", (base + 1).to_string()),
            ("KAFKA_CONTROLLER_PORT", (base + 2).to_string()),
            ("CLICKHOUSE_HTTP_PORT", (base + 3).to_string()),
            ("CLICKHOUSE_TCP_PORT", (base + 4).to_string()),
            ("ACCRETE_GATEWAY_PORT", (base + 5).to_string()),
            ("ACCRETE_API_PORT", (base + 6).to_string()),
            ("ACCRETE_ADMIN_PORT", (base + 7).to_string()),
            ("ACCRETE_BIN", BIN.to_string()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .chain(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())))
        .collect();
        let mut s = Stack { env, addrs: BTreeMap::new(), dir };
        let started = Instant::now();
        let out = s.run(&["up"]);
        eprintln!("local-stack up in {:.1} s", started.elapsed().as_secs_f64());
        s.addrs = out.lines().filter_map(|l| l.split_once('=')).map(|(k, v)| (k.to_string(), v.to_string())).collect();
        s
    }

    pub fn addr(&self, k: &str) -> &str {
        &self.addrs[k]
    }

    pub fn pid(&self, role: &str) -> u32 {
        std::fs::read_to_string(self.dir.join("procs").join(format!("{role}.pid"))).unwrap().trim().parse().unwrap()
    }

    pub fn log(&self, role: &str) -> String {
        std::fs::read_to_string(self.dir.join("procs").join(format!("{role}.log"))).unwrap_or_default()
    }

    /// A collector shipping `sources` to this stack's gateway.
    pub fn collector(&self, sources: &[String], data_dir: &Path, once: bool, env: &[(&str, &str)]) -> Child {
        let mut cmd = Command::new(BIN);
        cmd.args(["collect", "--gateway", self.addr("gateway"), "--token", self.addr("token"), "--data-dir"])
            .arg(data_dir)
            .args(sources)
            .env("RUST_LOG", "info")
            .env("ACCRETE__COLLECTOR__BATCH_MAX_EVENTS", "500")
            .env("ACCRETE__COLLECTOR__RESCAN_INTERVAL_MS", "500")
            .stdout(Stdio::null())
            .stderr(
                std::fs::OpenOptions::new().create(true).append(true).open(data_dir.with_extension("log")).unwrap(),
            );
        if once {
            cmd.arg("--once");
        }
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd.spawn().unwrap()
    }

    /// The API's matrix, limited to the people `keep` selects.
    pub fn matrix(&self, keep: impl Fn(&str) -> bool) -> Option<Matrix> {
        let (code, body) = get(&format!("{}/v1/adoption-matrix", self.addr("api"))).ok()?;
        if code != 200 {
            return None;
        }
        let mut m = matrix_map(&serde_json::from_str(&body).ok()?);
        m.retain(|p, _| keep(p));
        Some(m)
    }

    /// Waits until the matrix (for the selected people) equals `expected`;
    /// returns how long that took, or panics with what differs.
    pub fn converge(&self, expected: &Matrix, keep: impl Fn(&str) -> bool, limit: Duration) -> Duration {
        let start = Instant::now();
        let mut last = None;
        while start.elapsed() < limit {
            if let Some(m) = self.matrix(&keep) {
                if &m == expected {
                    return start.elapsed();
                }
                last = Some(m);
            }
            std::thread::sleep(Duration::from_millis(250));
        }
        panic!(
            "matrix did not converge in {limit:?}\nexpected {expected:?}\ngot {last:?}\naggregate log:\n{}",
            tail(&self.log("aggregate"))
        );
    }
}

fn tail(s: &str) -> &str {
    &s[s.len().saturating_sub(3000)..]
}

impl Drop for Stack {
    fn drop(&mut self) {
        let _ =
            Command::new("bash").arg(Self::script()).args(["down", "--wipe"]).envs(self.env.iter().cloned()).status();
    }
}
