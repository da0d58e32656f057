//! The SQL module stays inside what both ClickHouse 18.16 (Debian's, a real
//! server started by scripts/stack/clickhouse.sh) and a current release
//! (chdb-core, ClickHouse in-process) accept: every statement runs on both,
//! and the queries return rows for sample data.

#[path = "support/clickhouse.rs"]
mod ch_server;
mod support;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use ch_server::ClickHouse;
use support::*;

fn statements() -> Vec<String> {
    let out =
        Command::new(BIN).arg("clickhouse-sql").env("ACCRETE__CLICKHOUSE__DATABASE", "dialect_check").output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn every_statement_runs_on_a_current_clickhouse() {
    if !chdb_available() {
        return;
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/chdb/check_sql.py");
    let mut child = Command::new("python3").arg(script).stdin(Stdio::piped()).stdout(Stdio::piped()).spawn().unwrap();
    child.stdin.take().unwrap().write_all(serde_json::to_string(&statements()).unwrap().as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    let report = String::from_utf8_lossy(&out.stdout);
    eprintln!("{report}");
    assert!(out.status.success(), "{report}");
}

#[test]
fn every_statement_runs_on_clickhouse_18_16() {
    let server = ClickHouse::start("dialect");
    let port = server.http_port;
    let (_, version) = post(port, "SELECT version()");
    eprintln!("clickhouse {}", version.trim());
    let mut inserted = false;
    for stmt in statements() {
        let (code, body) = post(port, &stmt);
        assert_eq!(code, 200, "ClickHouse {} refused:\n{stmt}\n{body}", version.trim());
        inserted |= stmt.starts_with("INSERT");
        if inserted && stmt.starts_with("SELECT") {
            assert!(!body.trim().is_empty(), "no rows from:\n{stmt}");
        }
    }
}

/// `POST /` with the statement as body (18.16's HTTP interface).
fn post(port: u16, sql: &str) -> (u16, String) {
    use std::io::Read;
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(s, "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{sql}", sql.len())
        .unwrap();
    let mut raw = String::new();
    s.read_to_string(&mut raw).unwrap();
    let (head, body) = raw.split_once("\r\n\r\n").unwrap();
    let code = head.split(' ').nth(1).unwrap().parse().unwrap();
    let body =
        if head.to_ascii_lowercase().contains("transfer-encoding: chunked") { dechunk(body) } else { body.to_string() };
    (code, body)
}
