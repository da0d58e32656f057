//! Helpers for the integration tests: the corpus, a running `accrete up`,
//! and a tiny HTTP client (std only, so tests need no extra crates).
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_accrete");

/// The shared corpus folder: `ACCRETE_CORPUS`, else `../shared/corpus`.
pub fn corpus_dir() -> PathBuf {
    std::env::var_os("ACCRETE_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus"))
}

/// The corpus unpacked once per test run, or `None` (with a loud message)
/// when it is absent. `ACCRETE_REQUIRE_CORPUS=1` (set by `.ci/run`) turns
/// absence into a failure.
pub fn corpus() -> Option<&'static Path> {
    static UNPACKED: OnceLock<Option<PathBuf>> = OnceLock::new();
    UNPACKED
        .get_or_init(|| {
            let src = corpus_dir();
            let archives = ["claude-code-sessions.tar.gz", "spotter-sessions.tar.gz"];
            if !archives.iter().all(|a| src.join(a).is_file()) {
                let msg = format!(
                    "the shared corpus is not at {} (set ACCRETE_CORPUS to the folder holding {archives:?})",
                    src.display()
                );
                if std::env::var("ACCRETE_REQUIRE_CORPUS").as_deref() == Ok("1") {
                    panic!("{msg}");
                }
                eprintln!("SKIPPED: {msg}");
                return None;
            }
            let dest = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("corpus-{}", std::process::id()));
            std::fs::create_dir_all(&dest).unwrap();
            for a in archives {
                let ok = Command::new("tar").arg("xzf").arg(src.join(a)).arg("-C").arg(&dest).status().unwrap();
                assert!(ok.success(), "unpacking {a}");
            }
            Some(dest)
        })
        .as_deref()
}

/// `--source person=<root>/<person>/.claude` for every person in the corpus.
pub fn corpus_sources(root: &Path) -> Vec<String> {
    let mut people: Vec<String> = std::fs::read_dir(root)
        .unwrap()
        .flatten()
        .filter(|e| e.path().join(".claude").is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    people.sort();
    people
        .iter()
        .flat_map(|p| ["--source".to_string(), format!("{p}={}", root.join(p).join(".claude").display())])
        .collect()
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A running `accrete up`, killed when dropped.
pub struct Up {
    pub child: Child,
    pub base: String,
    pub data_dir: PathBuf,
    pub log: PathBuf,
}

impl Up {
    pub fn start(data_dir: &Path, args: &[String], env: &[(&str, &str)]) -> Up {
        let port = free_port();
        let log = data_dir.with_extension(format!("{port}.log"));
        let mut cmd = Command::new(BIN);
        cmd.arg("up")
            .arg("--data-dir")
            .arg(data_dir)
            .arg("--listen")
            .arg(format!("127.0.0.1:{port}"))
            .args(args)
            .env("RUST_LOG", "info")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let child = cmd.spawn().expect("starting accrete up");
        let up = Up { child, base: format!("http://127.0.0.1:{port}"), data_dir: data_dir.to_path_buf(), log };
        up.wait_for(Duration::from_secs(30), || get(&up.url("/healthz")).map(|(c, _)| c == 200).unwrap_or(false));
        up
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn json(&self, path: &str) -> serde_json::Value {
        let (code, body) = get(&self.url(path)).unwrap_or_else(|e| panic!("GET {path}: {e}\n{}", self.logs()));
        assert_eq!(code, 200, "GET {path}: {body}");
        serde_json::from_str(&body).unwrap()
    }

    pub fn logs(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    pub fn wait_for(&self, limit: Duration, mut ok: impl FnMut() -> bool) {
        let start = Instant::now();
        while !ok() {
            assert!(start.elapsed() < limit, "timed out after {limit:?}; log:\n{}", tail(&self.logs(), 4000));
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Waits until every source has been read to its end.
    pub fn wait_caught_up(&self, limit: Duration) {
        self.wait_for(limit, || {
            get(&self.url("/v1/status")).is_ok_and(|(c, b)| c == 200 && b.contains("\"caught_up\":true,"))
        });
    }

    pub fn stop(mut self) {
        send_signal(self.child.id(), "TERM");
        let _ = self.child.wait();
    }
}

impl Drop for Up {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn send_signal(pid: u32, signal: &str) {
    let _ = Command::new("kill").arg(format!("-{signal}")).arg(pid.to_string()).status();
}

fn tail(s: &str, n: usize) -> &str {
    &s[s.len().saturating_sub(n)..]
}

/// `GET url` over HTTP/1.1; returns status and body.
pub fn get(url: &str) -> Result<(u16, String), String> {
    let rest = url.strip_prefix("http://").ok_or("only http:// URLs")?;
    let (host, path) = rest.split_once('/').map(|(h, p)| (h, format!("/{p}"))).unwrap_or((rest, "/".into()));
    let mut s = TcpStream::connect(host).map_err(|e| e.to_string())?;
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    write!(s, "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n").map_err(|e| e.to_string())?;
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).map_err(|e| e.to_string())?;
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").ok_or("no header end")?;
    let code: u16 = head.split(' ').nth(1).and_then(|c| c.parse().ok()).ok_or("bad status line")?;
    let body =
        if head.to_ascii_lowercase().contains("transfer-encoding: chunked") { dechunk(body) } else { body.to_string() };
    Ok((code, body))
}

pub fn dechunk(mut s: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = s.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 {
            break;
        }
        out.push_str(&rest[..n]);
        s = &rest[n + 2..];
    }
    out
}

/// Runs the binary to completion.
pub fn run(args: &[String]) -> std::process::Output {
    Command::new(BIN).args(args).env("RUST_LOG", "warn").output().expect("running accrete")
}

/// A matrix as `person -> (sessions, practice -> count)`, for comparing with the oracle.
pub fn matrix_map(
    m: &serde_json::Value,
) -> std::collections::BTreeMap<String, (u64, std::collections::BTreeMap<String, u64>)> {
    m["people"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let practices =
                r["practices"].as_object().unwrap().iter().map(|(k, v)| (k.clone(), v.as_u64().unwrap())).collect();
            (r["person"].as_str().unwrap().to_string(), (r["sessions"].as_u64().unwrap(), practices))
        })
        .collect()
}

/// Whether PyPI's chdb-core (a current ClickHouse, in-process) can be used;
/// says so when it cannot, and fails when the run requires it.
pub fn chdb_available() -> bool {
    let have = Command::new("python3").args(["-c", "import chdb"]).status().is_ok_and(|s| s.success());
    if !have {
        let msg = "chdb-core is not installed (pip install chdb-core; scripts/test.sh does it)";
        assert!(std::env::var("ACCRETE_REQUIRE_CHDB").as_deref() != Ok("1"), "{msg}");
        eprintln!("SKIPPED: {msg}");
    }
    have
}

/// Every file under `dir`, sorted.
pub fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out.sort();
    out
}
