//! Access control on the query API (HTTP and gRPC): tokens with a role
//! (admin, manager of teams, member), and hostile input in every parameter:
//! injection attempts, huge ranges, unknown parameters.

#[path = "support/lines.rs"]
mod lines;
mod support;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use lines::*;
use serde_json::{Value, json};
use support::*;

const ADMIN: &str = "admin-token-0123456789abcdef";
const MANAGER: &str = "manager-token-0123456789abcdef";
const MEMBER: &str = "member-token-0123456789abcdef";
/// A manager of both teams.
const BOTH: &str = "both-teams-token-0123456789abcdef";

fn config(dir: &Path) -> std::path::PathBuf {
    let p = dir.join("accrete.toml");
    std::fs::write(
        &p,
        format!(
            r#"
[[api.tokens]]
token = "{ADMIN}"
role = "admin"

[[api.tokens]]
token = "{MANAGER}"
role = "manager"
teams = ["platform"]

[[api.tokens]]
token = "{MEMBER}"
role = "member"
person = "ana"

[[api.tokens]]
token = "{BOTH}"
role = "manager"
teams = ["web", "platform"]
"#
        ),
    )
    .unwrap();
    p
}

/// ana and cy in team platform, bo in team web. `dup` is a session id both
/// ana and bo have.
fn sources(dir: &Path) -> Vec<String> {
    let ana = dir.join("ana");
    session_file(&ana, "s-ana-1", &[user("s-ana-1", "hello"), commit("s-ana-1"), todo("s-ana-1")]);
    session_file(&ana, "dup", &[user("dup", "ana's dup")]);
    let cy = dir.join("cy");
    session_file(&cy, "s-cy-1", &[user("s-cy-1", "hi"), commit("s-cy-1")]);
    let bo = dir.join("bo");
    session_file(&bo, "s-bo-1", &[user("s-bo-1", "yo"), todo("s-bo-1"), command("s-bo-1", "team:deploy")]);
    session_file(&bo, "dup", &[user("dup", "bo's dup"), commit("dup")]);
    [("ana:platform", &ana), ("cy:platform", &cy), ("bo:web", &bo)]
        .iter()
        .flat_map(|(who, d)| ["--source".to_string(), format!("{who}={}", d.display())])
        .collect()
}

struct Resp {
    code: u16,
    head: String,
    body: String,
}

impl Resp {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

/// `GET path` with an optional raw `Authorization` header value.
fn get_auth(base: &str, path: &str, authorization: Option<&str>) -> Resp {
    let host = base.strip_prefix("http://").unwrap();
    let mut s = TcpStream::connect(host).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let auth = authorization.map(|a| format!("Authorization: {a}\r\n")).unwrap_or_default();
    write!(s, "GET {path} HTTP/1.1\r\nHost: {host}\r\n{auth}Connection: close\r\n\r\n").unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or_else(|| panic!("GET {path}: no header end: {text}"));
    let code = head.split(' ').nth(1).and_then(|c| c.parse().ok()).unwrap();
    let body =
        if head.to_ascii_lowercase().contains("transfer-encoding: chunked") { dechunk(body) } else { body.to_string() };
    Resp { code, head: head.to_string(), body }
}

fn get_as(base: &str, path: &str, token: Option<&str>) -> Resp {
    get_auth(base, path, token.map(|t| format!("Bearer {t}")).as_deref())
}

/// Every byte but the unreserved ones percent-encoded.
fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// (person, team) of every row in an answer: matrix people, sessions, a
/// drill-down's summary; quarterly rows give ("", team).
fn rows(v: &Value) -> Vec<(String, String)> {
    let s = |v: &Value| v.as_str().unwrap_or_default().to_string();
    let mut out = Vec::new();
    for key in ["people", "sessions"] {
        for r in v[key].as_array().into_iter().flatten() {
            out.push((s(&r["person"]), s(&r["team"])));
        }
    }
    if v["summary"].is_object() {
        out.push((s(&v["summary"]["person"]), s(&v["summary"]["team"])));
    }
    for r in v["rows"].as_array().into_iter().flatten() {
        out.push((String::new(), s(&r["team"])));
    }
    out
}

fn start(t: &Path) -> Up {
    let cfg = config(t);
    let mut args = vec!["--config".to_string(), cfg.display().to_string()];
    args.extend(sources(t));
    let up = Up::start(&t.join("data"), &args, &[]);
    up.wait_for(Duration::from_secs(30), || {
        let r = get_as(&up.base, "/v1/status", Some(ADMIN));
        r.code == 200 && r.body.contains("\"caught_up\":true,")
    });
    up
}

#[test]
fn tokens_and_roles_over_http() {
    let t = tempfile::tempdir().unwrap();
    let up = start(t.path());
    let base = up.base.as_str();
    let get = |path: &str, token: Option<&str>| get_as(base, path, token);
    let expect = |path: &str, token: Option<&str>, code: u16| -> Resp {
        let r = get(path, token);
        assert_eq!(r.code, code, "GET {path} as {token:?}: {}", r.body);
        if code != 200 {
            assert!(r.json()["error"].is_string(), "errors are JSON: {}", r.body);
        }
        r
    };

    // No token, a wrong one, a malformed header: 401 with a Bearer challenge.
    let data_routes = [
        "/v1/adoption-matrix",
        "/v1/people/ana/sessions",
        "/v1/sessions/s-ana-1",
        "/v1/rollups/quarterly",
        "/v1/status",
        "/metrics",
    ];
    for path in data_routes {
        for header in [None, Some("Bearer not-a-token-0123456789"), Some(&*format!("Basic {ADMIN}")), Some(ADMIN)] {
            let r = get_auth(base, path, header);
            assert_eq!(r.code, 401, "GET {path} with {header:?}: {}", r.body);
            assert!(r.head.to_ascii_lowercase().contains("www-authenticate: bearer"), "{}", r.head);
            assert!(r.json()["error"].is_string());
            assert!(!r.body.contains("ana") || path.contains("ana"), "a 401 tells nothing: {}", r.body);
        }
        // Unknown parameters with no token: still 401 first.
        assert_eq!(get(&format!("{path}?colour=blue"), None).code, 401);
    }
    // Public: the catalog, liveness, the dashboard's files (no data in them).
    for path in ["/v1/practices", "/healthz", "/", "/app.js", "/style.css"] {
        expect(path, None, 200);
    }

    // Admin: everything.
    let all = expect("/v1/adoption-matrix", Some(ADMIN), 200).json();
    let mut people: Vec<_> = rows(&all);
    people.sort();
    assert_eq!(
        people,
        [("ana", "platform"), ("bo", "web"), ("cy", "platform")].map(|(p, t)| (p.to_string(), t.to_string()))
    );
    expect("/v1/people/bo/sessions", Some(ADMIN), 200);
    expect("/v1/sessions/s-bo-1", Some(ADMIN), 200);
    expect("/v1/sessions/dup", Some(ADMIN), 400); // two people have it: ?person= is needed
    expect("/v1/sessions/dup?person=bo", Some(ADMIN), 200);
    let q = expect("/v1/rollups/quarterly", Some(ADMIN), 200).json();
    assert!(q["rows"].as_array().unwrap().iter().any(|r| r["organization"] == true));
    assert!(expect("/v1/status", Some(ADMIN), 200).body.contains("\"caught_up\":true"));
    assert!(expect("/metrics", Some(ADMIN), 200).body.contains("accrete_collector_events_total"));

    // Manager of platform: ana and cy, never bo.
    let m = Some(MANAGER);
    let mine = |v: &Value| rows(v).into_iter().all(|(p, t)| t == "platform" && p != "bo");
    let mx = expect("/v1/adoption-matrix", m, 200).json();
    assert!(mine(&mx), "{mx}");
    assert_eq!(rows(&mx).len(), 2, "{mx}");
    assert_eq!(expect("/v1/adoption-matrix?team=platform", m, 200).json(), mx);
    assert_eq!(
        mx,
        expect("/v1/adoption-matrix?team=platform", Some(ADMIN), 200).json(),
        "a manager's matrix is their team's matrix"
    );
    expect("/v1/adoption-matrix?team=web", m, 403);
    expect("/v1/adoption-matrix?team=", m, 200);
    assert_eq!(expect("/v1/adoption-matrix?person=bo", m, 200).json()["people"], json!([]));
    assert_eq!(rows(&expect("/v1/adoption-matrix?person=cy", m, 200).json()).len(), 1);
    let q = expect("/v1/rollups/quarterly", m, 200).json();
    assert!(!q["rows"].as_array().unwrap().is_empty());
    assert!(q["rows"].as_array().unwrap().iter().all(|r| r["team"] == "platform" && r["organization"] != true), "{q}");
    assert_eq!(q, expect("/v1/rollups/quarterly?team=platform", Some(ADMIN), 200).json());
    expect("/v1/rollups/quarterly?team=web", m, 403);
    let s = expect("/v1/people/cy/sessions", m, 200).json();
    assert!(mine(&s) && rows(&s).len() == 1, "{s}");
    expect("/v1/people/bo/sessions", m, 403);
    // Someone who does not exist looks exactly like someone of another team.
    let (other, nobody) = (get("/v1/people/bo/sessions", m), get("/v1/people/nobody/sessions", m));
    assert_eq!((other.code, nobody.code), (403, 403));
    assert_eq!(other.body.replace("bo", "X"), nobody.body.replace("nobody", "X"));
    expect("/v1/people/bo/sessions?from=2000-01-01", m, 403);
    expect("/v1/sessions/s-ana-1", m, 200);
    expect("/v1/sessions/s-cy-1?person=cy", m, 200);
    expect("/v1/sessions/s-bo-1", m, 403);
    expect("/v1/sessions/s-bo-1?person=bo", m, 403);
    let (other, nobody) = (get("/v1/sessions/s-bo-1", m), get("/v1/sessions/s-xx-1", m));
    assert_eq!((other.code, nobody.code), (403, 403), "no session and another team's session answer alike");
    assert_eq!(other.body.replace("s-bo-1", "X"), nobody.body.replace("s-xx-1", "X"));
    assert!(mine(&expect("/v1/sessions/dup?person=ana", m, 200).json()));
    expect("/v1/sessions/dup?person=bo", m, 403);
    expect("/v1/status", m, 403);
    expect("/metrics", m, 403);

    // A manager of both teams sees what the admin sees, minus organization rows.
    assert_eq!(expect("/v1/adoption-matrix", Some(BOTH), 200).json(), all);
    let q_all = expect("/v1/rollups/quarterly", Some(ADMIN), 200).json();
    let teams_only: Vec<&Value> =
        q_all["rows"].as_array().unwrap().iter().filter(|r| r["organization"] != true).collect();
    assert_eq!(expect("/v1/rollups/quarterly", Some(BOTH), 200).json()["rows"], json!(teams_only));
    expect("/v1/rollups/quarterly?team=sales", Some(BOTH), 403);
    expect("/v1/people/bo/sessions", Some(BOTH), 200);

    // Member ana: her own rows only.
    let a = Some(MEMBER);
    let hers = |v: &Value| rows(v).into_iter().all(|(p, _)| p == "ana");
    let mx = expect("/v1/adoption-matrix", a, 200).json();
    assert!(hers(&mx) && rows(&mx).len() == 1, "{mx}");
    assert_eq!(mx, expect("/v1/adoption-matrix?person=ana", a, 200).json());
    assert_eq!(mx["people"], expect("/v1/adoption-matrix?person=ana", Some(ADMIN), 200).json()["people"]);
    expect("/v1/adoption-matrix?person=cy", a, 403);
    expect("/v1/adoption-matrix?person=bo", a, 403);
    assert!(hers(&expect("/v1/adoption-matrix?team=platform", a, 200).json()));
    assert_eq!(expect("/v1/adoption-matrix?team=web", a, 200).json()["people"], json!([]));
    expect("/v1/rollups/quarterly", a, 403);
    expect("/v1/rollups/quarterly?team=platform", a, 403);
    let s = expect("/v1/people/ana/sessions", a, 200).json();
    assert!(hers(&s) && rows(&s).len() == 2, "{s}");
    expect("/v1/people/cy/sessions", a, 403);
    expect("/v1/people/bo/sessions", a, 403);
    expect("/v1/people/nobody/sessions", a, 403);
    assert!(hers(&expect("/v1/sessions/s-ana-1", a, 200).json()));
    assert!(hers(&expect("/v1/sessions/s-ana-1?person=ana", a, 200).json()));
    expect("/v1/sessions/s-ana-1?person=cy", a, 403);
    // Only her own sessions are searched: another's session is simply not found.
    expect("/v1/sessions/s-cy-1", a, 404);
    expect("/v1/sessions/s-bo-1", a, 404);
    let d = expect("/v1/sessions/dup", a, 200).json();
    assert_eq!(d["summary"]["person"], "ana", "{d}");
    // Her one-prompt session shows only that it stayed focused; nothing of bo's.
    let practices: Vec<&str> =
        d["evidence"].as_array().unwrap().iter().map(|e| e["practice"].as_str().unwrap()).collect();
    assert!(!d.to_string().contains("bo's dup") && practices == ["focused_session"], "{d}");
    expect("/v1/sessions/dup?person=bo", a, 403);
    expect("/v1/status", a, 403);
    expect("/metrics", a, 403);
    expect("/v1/practices", a, 200);
}

#[test]
fn tokens_and_roles_over_grpc() {
    use accrete_proto::v1::query_service_client::QueryServiceClient;
    use accrete_proto::v1::{
        MatrixRequest, PersonSessionsRequest, PracticesRequest, QuarterlyRequest, SessionRequest, StatusRequest,
    };
    use tonic::Code;

    fn with<T>(msg: T, token: Option<&str>) -> tonic::Request<T> {
        let mut r = tonic::Request::new(msg);
        if let Some(t) = token {
            r.metadata_mut().insert("authorization", format!("Bearer {t}").parse().unwrap());
        }
        r
    }

    let t = tempfile::tempdir().unwrap();
    let up = start(t.path());
    let http_all = get_as(&up.base, "/v1/adoption-matrix", Some(ADMIN)).json();
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let mut c = QueryServiceClient::connect(up.base.clone()).await.unwrap();
        fn code<T>(r: Result<tonic::Response<T>, tonic::Status>) -> Code {
            r.err().expect("refused").code()
        }

        // No token, a wrong one.
        assert_eq!(code(c.get_adoption_matrix(with(MatrixRequest::default(), None)).await), Code::Unauthenticated);
        assert_eq!(code(c.get_status(with(StatusRequest {}, None)).await), Code::Unauthenticated);
        let r = c.get_adoption_matrix(with(MatrixRequest::default(), Some("wrong-token-0123456789abcdef"))).await;
        assert_eq!(code(r), Code::Unauthenticated);
        // The catalog is public.
        assert!(!c.list_practices(with(PracticesRequest {}, None)).await.unwrap().into_inner().practices.is_empty());

        // Admin: the same answer as HTTP.
        let m = c.get_adoption_matrix(with(MatrixRequest::default(), Some(ADMIN))).await.unwrap().into_inner();
        assert_eq!(serde_json::to_value(&m).unwrap(), http_all);
        assert!(c.get_status(with(StatusRequest {}, Some(ADMIN))).await.unwrap().into_inner().caught_up);

        // Member: another person is refused, her own rows are answered.
        let other = MatrixRequest { person: "bo".into(), ..Default::default() };
        assert_eq!(code(c.get_adoption_matrix(with(other, Some(MEMBER))).await), Code::PermissionDenied);
        let own = c.get_adoption_matrix(with(MatrixRequest::default(), Some(MEMBER))).await.unwrap().into_inner();
        assert_eq!(own.people.iter().map(|p| p.person.as_str()).collect::<Vec<_>>(), ["ana"]);
        let r = c
            .list_person_sessions(with(
                PersonSessionsRequest { person: "cy".into(), ..Default::default() },
                Some(MEMBER),
            ))
            .await;
        assert_eq!(code(r), Code::PermissionDenied);
        let r =
            c.get_session(with(SessionRequest { session_id: "s-bo-1".into(), person: String::new() }, Some(MEMBER)));
        assert_eq!(code(r.await), Code::NotFound);
        assert_eq!(
            code(c.get_quarterly_rollups(with(QuarterlyRequest::default(), Some(MEMBER))).await),
            Code::PermissionDenied
        );
        assert_eq!(code(c.get_status(with(StatusRequest {}, Some(MEMBER))).await), Code::PermissionDenied);

        // Manager of platform.
        let r =
            c.get_session(with(SessionRequest { session_id: "s-bo-1".into(), person: String::new() }, Some(MANAGER)));
        assert_eq!(code(r.await), Code::PermissionDenied);
        let r = c.get_adoption_matrix(with(MatrixRequest { team: "web".into(), ..Default::default() }, Some(MANAGER)));
        assert_eq!(code(r.await), Code::PermissionDenied);
        let q = c.get_quarterly_rollups(with(QuarterlyRequest::default(), Some(MANAGER))).await.unwrap().into_inner();
        assert!(!q.rows.is_empty() && q.rows.iter().all(|r| r.team == "platform" && !r.organization));
        let r = c.list_person_sessions(with(PersonSessionsRequest::default(), Some(ADMIN))).await;
        assert_eq!(code(r), Code::InvalidArgument, "a person is required");
    });
}

/// Injection attempts in every parameter of every route, as each role: the
/// answer is 200 with no rows, 400, 403 or 404, never a 500, and the data is
/// the same afterwards. No SQL is built from a caller's text.
#[test]
fn hostile_parameters_huge_ranges_and_unknown_parameters() {
    let t = tempfile::tempdir().unwrap();
    let up = start(t.path());
    let base = up.base.as_str();
    let before = get_as(base, "/v1/adoption-matrix", Some(ADMIN)).json();
    let sessions_before = get_as(base, "/v1/people/ana/sessions", Some(ADMIN)).json();

    let big = "A".repeat(10 * 1024);
    let big_quotes = "'".repeat(10 * 1024);
    let payloads: Vec<String> = [
        "' OR 1=1 --",
        "\"; DROP TABLE sessions; --",
        "'; DELETE FROM sessions WHERE '1'='1",
        "ana' --",
        "ana\" OR \"1\"=\"1",
        "platform' OR '1'='1",
        "') UNION SELECT person, team, 1 FROM sessions --",
        "%27",
        "%",
        "_",
        "a%",
        "*",
        "\0",
        "ana\0",
        "\r\nX-Injected: 1",
        &big,
        &big_quotes,
        "Ωmega 🦀 ñ \u{202e}evil",
        "../../etc/passwd",
        "..",
        "/",
        "{\"$ne\": null}",
        "1; SELECT sleep(10)",
        "2026-03-02' OR '1'='1",
        "2026-03-02T10:00:00Z' --",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();

    let mut urls: Vec<String> = Vec::new();
    // Each with whether a 200 must be empty (every hostile value matches nothing).
    let mut hostile: Vec<(String, bool)> = Vec::new();
    for p in &payloads {
        let e = enc(p);
        for param in ["from", "to", "person", "team"] {
            urls.push(format!("/v1/adoption-matrix?{param}={e}"));
        }
        for param in ["team", "from", "to"] {
            urls.push(format!("/v1/rollups/quarterly?{param}={e}"));
        }
        urls.push(format!("/v1/people/{e}/sessions"));
        for param in ["from", "to"] {
            urls.push(format!("/v1/people/ana/sessions?{param}={e}"));
        }
        urls.push(format!("/v1/sessions/{e}"));
        urls.push(format!("/v1/sessions/{e}?person=ana"));
        urls.push(format!("/v1/sessions/s-ana-1?person={e}"));
    }
    hostile.extend(urls.into_iter().map(|u| (u, true)));
    // Raw, not (or wrongly) encoded.
    for raw in [
        "/v1/people/../../etc/passwd/sessions",
        "/v1/people/%2e%2e/sessions",
        "/v1/people/..%2F..%2Fetc%2Fpasswd/sessions",
        "/v1/sessions/..%2F..%2Fetc%2Fpasswd",
        "/v1/people/%FF%FE/sessions",
        "/v1/sessions/%FF",
        "/v1/sessions/%zz",
        "/v1/adoption-matrix?person=%FF",
        "/v1/adoption-matrix?person=%zz&team=%",
        "/v1/adoption-matrix?person=ana&person=bo",
        "/v1/adoption-matrix?person",
        "/v1/adoption-matrix?=&&=x",
        "/v1/people//sessions",
        "/v1/sessions/",
        "/v1/sessions/s-ana-1?person=",
        "/v1/rollups/quarterly?team=%00",
    ] {
        // `?person` and `?person=` are an empty filter: every row in scope.
        hostile.push((raw.to_string(), !raw.ends_with("person") && !raw.ends_with("person=")));
    }

    let start = Instant::now();
    for token in [ADMIN, MANAGER, MEMBER] {
        for (url, empty) in &hostile {
            let r = get_as(base, url, Some(token));
            assert!(
                matches!(r.code, 200 | 400 | 403 | 404),
                "GET {} as {token}: {} {}",
                &url[..url.len().min(200)],
                r.code,
                &r.body[..r.body.len().min(500)]
            );
            assert!(r.body.starts_with('{'), "always JSON: {url}: {}", &r.body[..r.body.len().min(200)]);
            if r.code != 200 {
                continue;
            }
            let v = r.json();
            let found = rows(&v);
            let short = &url[..url.len().min(200)];
            if *empty {
                assert_eq!(found, [], "GET {short} as {token}: no rows match a hostile value: {v}");
            }
            match token {
                MANAGER => assert!(found.iter().all(|(_, t)| t == "platform"), "GET {short} as manager: {v}"),
                MEMBER => assert!(found.iter().all(|(p, _)| p == "ana"), "GET {short} as member: {v}"),
                _ => {}
            }
        }
    }
    eprintln!("{} hostile requests in {:?}", hostile.len() * 3, start.elapsed());

    // A hostile Authorization header is just an unknown token.
    for p in &payloads {
        let clean: String = p.chars().filter(|c| !c.is_control()).collect();
        let r = get_auth(base, "/v1/adoption-matrix", Some(&format!("Bearer {clean}")));
        assert_eq!(r.code, 401, "{}", &clean[..clean.len().min(100)]);
    }

    // The data is intact.
    assert_eq!(get_as(base, "/v1/adoption-matrix", Some(ADMIN)).json(), before);
    assert_eq!(get_as(base, "/v1/people/ana/sessions", Some(ADMIN)).json(), sessions_before);
    assert_eq!(rows(&before).len(), 3);

    // Huge ranges answer at once; a backwards range is a 400.
    for token in [ADMIN, MANAGER, MEMBER] {
        for (url, code) in [
            ("/v1/adoption-matrix?from=0001-01-01&to=9999-12-31", 200),
            ("/v1/adoption-matrix?from=0000-01-01T00:00:00Z&to=9999-12-31T23:59:59.999999999%2B23:59", 200),
            ("/v1/people/ana/sessions?from=0001-01-01&to=9999-12-31", 200),
            ("/v1/rollups/quarterly?from=0001-01-01&to=9999-12-31", if token == MEMBER { 403 } else { 200 }),
            ("/v1/adoption-matrix?from=9999-12-31&to=0001-01-01", 400),
            ("/v1/people/ana/sessions?from=2026-03-03&to=2026-03-01", 400),
            ("/v1/adoption-matrix?from=2026-13-45", 400),
            ("/v1/adoption-matrix?from=99999-01-01", 400),
        ] {
            let t0 = Instant::now();
            let r = get_as(base, url, Some(token));
            assert_eq!(r.code, code, "GET {url} as {token}: {}", r.body);
            assert!(t0.elapsed() < Duration::from_secs(5), "GET {url} took {:?}", t0.elapsed());
        }
    }
    let wide = get_as(base, "/v1/adoption-matrix?from=0001-01-01&to=9999-12-31", Some(ADMIN)).json();
    assert_eq!(wide, before, "the widest range holds every session");
    let r = get_as(base, "/v1/rollups/quarterly?from=9999-12-31&to=0001-01-01", Some(ADMIN));
    assert!(r.code == 400 && r.body.contains("`from` is after `to`"), "{}", r.body);

    // Unknown parameters: 400 naming the parameter, on every route.
    for (path, token) in [
        ("/v1/adoption-matrix", ADMIN),
        ("/v1/adoption-matrix", MEMBER),
        ("/v1/rollups/quarterly", MANAGER),
        ("/v1/people/ana/sessions", ADMIN),
        ("/v1/sessions/s-ana-1", ADMIN),
        ("/v1/practices", ADMIN),
        ("/v1/status", ADMIN),
    ] {
        for name in ["colour", "Person", "person_", "limit", "order_by"] {
            let r = get_as(base, &format!("{path}?{name}=1"), Some(token));
            assert_eq!(r.code, 400, "GET {path}?{name}=1: {}", r.body);
            assert!(r.json()["error"].as_str().unwrap().contains(&format!("`{name}`")), "{path}: {}", r.body);
        }
        let hostile = enc("x' OR 1=1 --");
        let r = get_as(base, &format!("{path}?{hostile}=1"), Some(token));
        assert_eq!(r.code, 400, "{path}: {}", r.body);
    }
    let r = get_as(base, "/v1/people/ana/sessions?person=bo", Some(ADMIN));
    assert_eq!(r.code, 400, "{}", r.body);
}

/// The warning for an open API on a reachable address, and none when tokens are set.
#[test]
fn an_open_api_on_a_public_address_is_warned_about() {
    let t = tempfile::tempdir().unwrap();
    let src = sources(t.path());
    let run_up = |name: &str, extra: &[String]| -> String {
        let port = free_port();
        let log = t.path().join(format!("{name}.log"));
        let mut child = Command::new(BIN)
            .arg("up")
            .args(extra)
            .args(["--listen", &format!("0.0.0.0:{port}"), "--data-dir"])
            .arg(t.path().join(name))
            .args(&src)
            .env("RUST_LOG", "info")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap();
        let started = Instant::now();
        while get(&format!("http://127.0.0.1:{port}/healthz")).map(|(c, _)| c) != Ok(200) {
            assert!(started.elapsed() < Duration::from_secs(30), "{}", std::fs::read_to_string(&log).unwrap());
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = child.kill();
        let _ = child.wait();
        std::fs::read_to_string(&log).unwrap()
    };
    let open = run_up("open", &[]);
    assert!(open.contains("has no tokens and listens beyond this machine"), "{open}");
    let cfg = config(t.path());
    let closed = run_up("closed", &["--config".into(), cfg.display().to_string()]);
    assert!(!closed.contains("has no tokens"), "{closed}");
}

/// Without a token the dashboard asks for one (headless Chromium, when installed).
#[test]
fn the_dashboard_asks_for_a_token() {
    let found = Command::new("sh").arg("-c").arg("command -v chromium").output().is_ok_and(|o| o.status.success());
    if !found {
        assert_ne!(std::env::var("ACCRETE_REQUIRE_BROWSER").as_deref(), Ok("1"), "chromium is not installed");
        eprintln!("SKIPPED: chromium is not installed");
        return;
    }
    let t = tempfile::tempdir().unwrap();
    let up = start(t.path());
    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("dashboard-auth");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/browser-check.sh");
    let o = Command::new("bash").arg(script).arg(up.url("/#/")).arg(&out).output().unwrap();
    assert!(o.status.success(), "{}\n{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
    let dom = std::fs::read_to_string(out.join("dom.html")).unwrap();
    assert!(dom.contains("data-ready=\"auth\""), "the token form is shown:\n{dom}");
    assert!(dom.contains("id=\"auth-form\"") && dom.contains("id=\"auth-token\""), "{dom}");
    assert!(!dom.contains("data-person="), "no data without a token");
}
