//! The BI queries users copy: the SQL of the provisioned Grafana dashboards
//! (`deploy/grafana/dashboards/*.json`) and of the Metabase questions
//! (```sql blocks under "## Metabase" in `docs/bi.md`), read from those very
//! files, with Grafana's and Metabase's variables filled in the way those
//! tools fill them, so the tests can run every query on a real ClickHouse.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The time range the tests give Grafana's time picker: 2015-01-01 .. 2030-01-01 (UTC).
pub const FROM_S: i64 = 1_420_070_400;
pub const TO_S: i64 = 1_893_456_000;

pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

pub fn dashboards_dir() -> PathBuf {
    root().join("deploy/grafana/dashboards")
}

pub fn bi_doc() -> PathBuf {
    root().join("docs/bi.md")
}

/// A dashboard variable: a query (its SQL) or a custom list (its option values).
#[derive(Debug, Clone, PartialEq)]
pub enum VarKind {
    Query(String),
    Custom(Vec<String>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Variable {
    pub name: String,
    pub kind: VarKind,
    pub multi: bool,
    pub include_all: bool,
}

#[derive(Debug, Clone)]
pub struct Panel {
    pub title: String,
    pub kind: String,
    /// The target's `format` (0 time series, 1 table) and SQL, per target.
    pub targets: Vec<(i64, String)>,
}

#[derive(Debug, Clone)]
pub struct Dashboard {
    pub file: String,
    pub uid: String,
    pub title: String,
    pub variables: Vec<Variable>,
    pub panels: Vec<Panel>,
    pub json: serde_json::Value,
}

/// Every dashboard of `dir`, sorted by file name; panels inside rows included.
pub fn dashboards(dir: &Path) -> Vec<Dashboard> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    files
        .iter()
        .map(|f| {
            let text = std::fs::read_to_string(f).unwrap();
            let json: serde_json::Value =
                serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} is not JSON: {e}", f.display()));
            parse_dashboard(&f.file_name().unwrap().to_string_lossy(), json)
        })
        .collect()
}

pub fn parse_dashboard(file: &str, json: serde_json::Value) -> Dashboard {
    let s = |v: &serde_json::Value| v.as_str().unwrap_or_default().to_string();
    let variables = json["templating"]["list"]
        .as_array()
        .map(|l| {
            l.iter()
                .map(|v| {
                    let kind = match v["type"].as_str() {
                        Some("query") => VarKind::Query(match &v["query"] {
                            serde_json::Value::String(q) => q.clone(),
                            q => s(&q["rawSql"]),
                        }),
                        Some("custom") => VarKind::Custom(
                            v["options"].as_array().map(|o| o.iter().map(|x| s(&x["value"])).collect()).unwrap_or_else(
                                || {
                                    s(&v["query"])
                                        .split(',')
                                        .map(|o| o.rsplit(" : ").next().unwrap().trim().to_string())
                                        .collect()
                                },
                            ),
                        ),
                        other => panic!("{file}: variable {} of type {other:?} is not handled by the tests", v["name"]),
                    };
                    Variable {
                        name: s(&v["name"]),
                        kind,
                        multi: v["multi"].as_bool().unwrap_or(false),
                        include_all: v["includeAll"].as_bool().unwrap_or(false),
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    let mut panels = Vec::new();
    fn walk(list: &serde_json::Value, out: &mut Vec<Panel>) {
        for p in list.as_array().into_iter().flatten() {
            walk(&p["panels"], out);
            if p["type"] == "row" {
                continue;
            }
            let targets = p["targets"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|t| (t["format"].as_i64().unwrap_or(1), t["rawSql"].as_str().unwrap_or_default().to_string()))
                .collect();
            out.push(Panel {
                title: p["title"].as_str().unwrap_or_default().to_string(),
                kind: p["type"].as_str().unwrap_or_default().to_string(),
                targets,
            });
        }
    }
    walk(&json["panels"], &mut panels);
    Dashboard { file: file.to_string(), uid: s(&json["uid"]), title: s(&json["title"]), variables, panels, json }
}

/// A variable's value as Grafana holds it: one value, or several (multi / "All").
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    One(String),
    Many(Vec<String>),
}

fn quote(v: &str) -> String {
    format!("'{}'", v.replace('\\', "\\\\").replace('\'', "\\'"))
}

fn format_value(v: &Value, format: Option<&str>, name: &str) -> Result<String, String> {
    let items: Vec<String> = match v {
        Value::One(x) => vec![x.clone()],
        Value::Many(xs) => xs.clone(),
    };
    match format {
        Some("singlequote") | Some("sqlstring") => Ok(items.iter().map(|x| quote(x)).collect::<Vec<_>>().join(",")),
        Some("raw") | Some("csv") => Ok(items.join(",")),
        None if matches!(v, Value::One(_)) => Ok(items.join(",")),
        None => Err(format!(
            "multi-value variable `{name}` used without a format: write ${{{name}:singlequote}} inside IN (...)"
        )),
        Some(f) => Err(format!("format `{f}` of `{name}` is not handled by the tests")),
    }
}

/// Grafana's interpolation plus the ClickHouse plugin's macros, as the plugin
/// expands them (`pkg/macros` of grafana-clickhouse-datasource): the time
/// range is `FROM_S .. TO_S`. Anything `$…` left over is an error (a typo, or
/// a macro 18.16 cannot run such as `$__timeInterval`).
pub fn expand_grafana(sql: &str, vars: &BTreeMap<String, Value>) -> Result<String, String> {
    let (from, to) = (FROM_S, TO_S);
    let mut out = String::new();
    let mut rest = sql;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let ident_len = |s: &str| s.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(s.len());
        if let Some(body) = rest.strip_prefix("${") {
            let end = body.find('}').ok_or_else(|| format!("unclosed ${{ in:\n{sql}"))?;
            let inner = &body[..end];
            let (name, format) = match inner.split_once(':') {
                Some((n, f)) => (n, Some(f)),
                None => (inner, None),
            };
            let text = match name {
                "__from" => (from * 1000).to_string(),
                "__to" => (to * 1000).to_string(),
                _ => {
                    let v = vars.get(name).ok_or_else(|| format!("unknown variable `{name}` in:\n{sql}"))?;
                    format_value(v, format, name)?
                }
            };
            out.push_str(&text);
            rest = &body[end + 1..];
        } else if let Some(body) = rest.strip_prefix("$__") {
            let n = ident_len(body);
            let name = &body[..n];
            let after = &body[n..];
            let (text, consumed) = match name {
                "fromTime" => (format!("toDateTime({from})"), 0),
                "toTime" => (format!("toDateTime({to})"), 0),
                "timeFilter" | "dateFilter" => {
                    let args = after.strip_prefix('(').ok_or_else(|| format!("$__{name} needs (column) in:\n{sql}"))?;
                    let close = args.find(')').ok_or_else(|| format!("unclosed $__{name}( in:\n{sql}"))?;
                    let col = args[..close].trim();
                    if col.contains('(') {
                        return Err(format!("$__{name}({col}...): the plugin takes a column name, not an expression"));
                    }
                    let (a, b) = if name == "timeFilter" {
                        (format!("toDateTime({from})"), format!("toDateTime({to})"))
                    } else {
                        ("toDate('2015-01-01')".to_string(), "toDate('2030-01-01')".to_string())
                    };
                    (format!("{col} >= {a} AND {col} <= {b}"), close + 2)
                }
                other => {
                    return Err(format!("macro $__{other} is not one the queries may use (see docs/bi.md):\n{sql}"));
                }
            };
            out.push_str(&text);
            rest = &after[consumed..];
        } else {
            let body = &rest[1..];
            let n = ident_len(body);
            let name = &body[..n];
            let v = vars.get(name).ok_or_else(|| format!("unknown variable `${name}` in:\n{sql}"))?;
            out.push_str(&format_value(v, None, name)?);
            rest = &body[n..];
        }
    }
    out.push_str(rest);
    Ok(out)
}

/// One query to run, named for a failure message.
#[derive(Debug, Clone)]
pub struct Query {
    pub name: String,
    pub sql: String,
}

/// Every dashboard query with its variables filled in: query variables take
/// the values `values(dashboard, variable, expanded_sql)` gives (all of them,
/// as Grafana's "All" does), custom variables each of their options in turn.
/// The variables' own queries are returned too.
pub fn grafana_queries(
    dashboards: &[Dashboard],
    mut values: impl FnMut(&Dashboard, &Variable, &str) -> Vec<String>,
) -> Result<Vec<Query>, String> {
    let mut out = Vec::new();
    for d in dashboards {
        let mut fixed: BTreeMap<String, Value> = BTreeMap::new();
        let mut customs: Vec<(String, Vec<String>)> = Vec::new();
        for v in &d.variables {
            match &v.kind {
                VarKind::Query(q) => {
                    let sql = expand_grafana(q, &fixed)?;
                    let vals = values(d, v, &sql);
                    out.push(Query { name: format!("{} / variable {}", d.file, v.name), sql });
                    let value = if v.multi || v.include_all { Value::Many(vals) } else { Value::One(vals[0].clone()) };
                    fixed.insert(v.name.clone(), value);
                }
                VarKind::Custom(opts) => customs.push((v.name.clone(), opts.clone())),
            }
        }
        // Every combination of the custom variables' options.
        let mut combos: Vec<Vec<(String, String)>> = vec![vec![]];
        for (name, opts) in &customs {
            combos = combos
                .iter()
                .flat_map(|c| {
                    opts.iter().map(move |o| {
                        let mut c = c.clone();
                        c.push((name.clone(), o.clone()));
                        c
                    })
                })
                .collect();
        }
        for combo in &combos {
            let mut vars = fixed.clone();
            for (k, v) in combo {
                vars.insert(k.clone(), Value::One(v.clone()));
            }
            let label: Vec<String> = combo.iter().map(|(k, v)| format!("{k}={v}")).collect();
            for p in &d.panels {
                for (i, (_, raw)) in p.targets.iter().enumerate() {
                    let sql = expand_grafana(raw, &vars).map_err(|e| format!("{} / {}: {e}", d.file, p.title))?;
                    let mut name = format!("{} / panel \"{}\"", d.file, p.title);
                    if p.targets.len() > 1 {
                        name.push_str(&format!(" target {i}"));
                    }
                    if !label.is_empty() {
                        name.push_str(&format!(" ({})", label.join(", ")));
                    }
                    out.push(Query { name, sql });
                }
            }
        }
    }
    Ok(out)
}

/// The Metabase questions of `docs/bi.md`: each ```sql block under the
/// "## Metabase" section, named by the `###` heading above it.
pub fn metabase_questions(md: &str) -> Vec<Query> {
    let mut out = Vec::new();
    let mut in_section = false;
    let mut heading = String::new();
    let mut block: Option<String> = None;
    for line in md.lines() {
        if let Some(b) = block.as_mut() {
            if line.trim_start().starts_with("```") {
                out.push(Query { name: heading.clone(), sql: b.trim().to_string() });
                block = None;
            } else {
                b.push_str(line);
                b.push('\n');
            }
            continue;
        }
        if let Some(h) = line.strip_prefix("## ") {
            in_section = h.trim().starts_with("Metabase");
        } else if let Some(h) = line.strip_prefix("### ") {
            heading = h.trim().to_string();
        } else if in_section && line.trim_start().starts_with("```sql") {
            block = Some(String::new());
        }
    }
    out
}

/// Metabase's native-query templating: `[[ … ]]` is dropped, or kept with its
/// variables filled (`keep_optional`); `{{name}}` (Text variable) becomes a
/// quoted string.
pub fn expand_metabase(sql: &str, values: &BTreeMap<String, String>, keep_optional: bool) -> Result<String, String> {
    let mut text = String::new();
    let mut rest = sql;
    while let Some(i) = rest.find("[[") {
        text.push_str(&rest[..i]);
        let end = rest[i..].find("]]").ok_or_else(|| format!("unclosed [[ in:\n{sql}"))? + i;
        if keep_optional {
            text.push_str(&rest[i + 2..end]);
        }
        rest = &rest[end + 2..];
    }
    text.push_str(rest);
    let mut out = String::new();
    let mut rest = text.as_str();
    while let Some(i) = rest.find("{{") {
        out.push_str(&rest[..i]);
        let end = rest[i..].find("}}").ok_or_else(|| format!("unclosed {{{{ in:\n{sql}"))? + i;
        let name = rest[i + 2..end].trim();
        let v = values.get(name).ok_or_else(|| format!("no value for Metabase variable {{{{{name}}}}} in:\n{sql}"))?;
        out.push_str(&quote(v));
        rest = &rest[end + 2..];
    }
    out.push_str(rest);
    if out.contains("]]") {
        return Err(format!("stray ]] in:\n{sql}"));
    }
    Ok(out)
}

/// The Metabase variables a question uses.
pub fn metabase_variables(sql: &str) -> Vec<String> {
    let mut names: Vec<String> =
        sql.split("{{").skip(1).filter_map(|s| s.split_once("}}").map(|(n, _)| n.trim().to_string())).collect();
    names.sort();
    names.dedup();
    names
}

/// Every Metabase question twice: optional clauses dropped, then kept with
/// `values` filled in (only once when a question has no optional clause).
pub fn metabase_queries(md: &str, values: &BTreeMap<String, String>) -> Result<Vec<Query>, String> {
    let mut out = Vec::new();
    for q in metabase_questions(md) {
        out.push(Query {
            name: format!("docs/bi.md / Metabase question \"{}\"", q.name),
            sql: expand_metabase(&q.sql, values, false)?,
        });
        if q.sql.contains("[[") {
            let set: Vec<String> = metabase_variables(&q.sql).iter().map(|n| format!("{n}={}", values[n])).collect();
            out.push(Query {
                name: format!("docs/bi.md / Metabase question \"{}\" ({})", q.name, set.join(", ")),
                sql: expand_metabase(&q.sql, values, true)?,
            });
        }
    }
    Ok(out)
}

/// `POST` a query to ClickHouse's HTTP interface (`url` like
/// `http://127.0.0.1:8123`); the rows as tab-separated lines, or the server's error.
pub fn clickhouse_rows(url: &str, sql: &str) -> Result<Vec<String>, String> {
    let host = url.strip_prefix("http://").ok_or("only http:// URLs")?.trim_end_matches('/');
    let mut s = std::net::TcpStream::connect(host).map_err(|e| format!("{host}: {e}"))?;
    s.set_read_timeout(Some(Duration::from_secs(120))).unwrap();
    write!(
        s,
        "POST /?default_format=TabSeparated HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{sql}",
        sql.len()
    )
    .map_err(|e| e.to_string())?;
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).map_err(|e| e.to_string())?;
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").ok_or("no header end")?;
    let head = String::from_utf8_lossy(&raw[..split]).to_ascii_lowercase();
    let mut body = &raw[split + 4..];
    let code: u16 = head.split(' ').nth(1).and_then(|c| c.parse().ok()).ok_or("bad status line")?;
    let mut bytes = Vec::new();
    if head.contains("transfer-encoding: chunked") {
        while let Some(eol) = body.windows(2).position(|w| w == b"\r\n") {
            let n = usize::from_str_radix(String::from_utf8_lossy(&body[..eol]).trim(), 16).unwrap_or(0);
            let start = eol + 2;
            if n == 0 || body.len() < start + n {
                break;
            }
            bytes.extend_from_slice(&body[start..start + n]);
            body = &body[(start + n + 2).min(body.len())..];
        }
    } else {
        bytes.extend_from_slice(body);
    }
    let body = String::from_utf8_lossy(&bytes);
    if code != 200 {
        return Err(format!("HTTP {code}: {}", body.trim()));
    }
    Ok(body.lines().filter(|l| !l.is_empty()).map(str::to_string).collect())
}

/// Every Grafana and Metabase query, run on the ClickHouse at `url` (loaded
/// with data): each must run and return at least one row. Variables take
/// their values from the data (the dashboards' own variable queries; for
/// Metabase, the first team and person). Returns (name, rows) per query.
pub fn check_on_clickhouse(url: &str) -> Vec<(String, usize)> {
    let run = |sql: &str| clickhouse_rows(url, sql);
    let mut failures = Vec::new();
    let dash = dashboards(&dashboards_dir());
    let mut queries = grafana_queries(&dash, |d, v, sql| {
        let vals: Vec<String> = run(sql)
            .unwrap_or_else(|e| panic!("{} / variable {}: {e}\n{sql}", d.file, v.name))
            .into_iter()
            .map(|l| l.split('\t').next().unwrap().to_string())
            .collect();
        assert!(!vals.is_empty(), "{} / variable {} has no values:\n{sql}", d.file, v.name);
        vals
    })
    .unwrap_or_else(|e| panic!("{e}"));
    let first = |col: &str| {
        run(&format!("SELECT {col} FROM accrete.session_summary ORDER BY {col} LIMIT 1"))
            .unwrap_or_else(|e| panic!("{e}"))
            .into_iter()
            .next()
            .unwrap_or_else(|| panic!("accrete.session_summary is empty"))
    };
    let values: BTreeMap<String, String> =
        [("team", first("team")), ("person", first("person"))].into_iter().map(|(k, v)| (k.to_string(), v)).collect();
    let md = std::fs::read_to_string(bi_doc()).unwrap();
    queries.extend(metabase_queries(&md, &values).unwrap_or_else(|e| panic!("{e}")));
    let mut report = Vec::new();
    for q in &queries {
        match run(&q.sql) {
            Ok(rows) if rows.is_empty() => failures.push(format!("{}: no rows\n{}", q.name, q.sql)),
            Ok(rows) => report.push((q.name.clone(), rows.len())),
            Err(e) => failures.push(format!("{}: {e}\n{}", q.name, q.sql)),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} BI queries failed:\n\n{}",
        failures.len(),
        queries.len(),
        failures.join("\n\n")
    );
    report
}
