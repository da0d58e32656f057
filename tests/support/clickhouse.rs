//! A ClickHouse server of its own (Debian's 18.16, installed and started by
//! scripts/stack/clickhouse.sh) on free ports, stopped and wiped when dropped.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

use super::support::free_port;

pub struct ClickHouse {
    pub http_port: u16,
    script: PathBuf,
    env: Vec<(&'static str, String)>,
}

impl ClickHouse {
    pub fn start(name: &str) -> ClickHouse {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("ch-{name}-{}", std::process::id()));
        let http_port = free_port();
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/stack/clickhouse.sh");
        let env = vec![
            ("ACCRETE_STACK_DIR", dir.display().to_string()),
            ("CLICKHOUSE_HTTP_PORT", http_port.to_string()),
            ("CLICKHOUSE_TCP_PORT", free_port().to_string()),
        ];
        for step in ["install", "start"] {
            let out = Command::new("bash").arg(&script).arg(step).envs(env.clone()).output().unwrap();
            assert!(out.status.success(), "clickhouse.sh {step}: {}", String::from_utf8_lossy(&out.stderr));
        }
        ClickHouse { http_port, script, env }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.http_port)
    }
}

impl Drop for ClickHouse {
    fn drop(&mut self) {
        let _ = Command::new("bash").arg(&self.script).args(["stop", "--wipe"]).envs(self.env.clone()).status();
    }
}
