//! `docker-compose.yml`, its mounted files and the `Dockerfile`, checked
//! without a Docker engine: the services and their roles, the same ports,
//! topics, token and team as `scripts/local-stack.sh` (parsed from the
//! scripts, so the two cannot drift), the mounted Accrete config loaded and
//! validated by the real config loader, healthchecks and `depends_on`
//! coherent, Grafana's provisioning in place, and the image's shape.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use accrete_common::config::Config;
use serde_norway::Value;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(root().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn compose() -> Value {
    let mut v: Value = serde_norway::from_str(&read("docker-compose.yml")).expect("docker-compose.yml is YAML");
    v.apply_merge().expect("merge keys (<<: *anchor) resolve");
    v
}

fn services(c: &Value) -> BTreeMap<String, Value> {
    c["services"]
        .as_mapping()
        .expect("services:")
        .iter()
        .map(|(k, v)| (k.as_str().unwrap().to_string(), v.clone()))
        .collect()
}

fn s(v: &Value) -> String {
    match v {
        Value::String(x) => x.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Null => String::new(),
        other => panic!("not a scalar: {other:?}"),
    }
}

fn strings(v: &Value) -> Vec<String> {
    v.as_sequence().map(|l| l.iter().map(s).collect()).unwrap_or_default()
}

fn env(svc: &Value) -> BTreeMap<String, String> {
    match &svc["environment"] {
        Value::Mapping(m) => m.iter().map(|(k, v)| (s(k), s(v))).collect(),
        Value::Sequence(l) => l
            .iter()
            .map(|x| {
                let x = s(x);
                let (k, v) = x.split_once('=').unwrap_or((&x, ""));
                (k.to_string(), v.to_string())
            })
            .collect(),
        _ => BTreeMap::new(),
    }
}

/// `HOST:CONTAINER` port mappings of a service, as numbers.
fn ports(svc: &Value) -> Vec<(u16, u16)> {
    strings(&svc["ports"])
        .iter()
        .map(|p| {
            let parts: Vec<&str> = p.split(':').collect();
            let n = parts.len();
            assert!(n >= 2, "port `{p}` maps a host port");
            (parts[n - 2].parse().unwrap(), parts[n - 1].split('/').next().unwrap().parse().unwrap())
        })
        .collect()
}

fn port_of(addr: &str) -> u16 {
    addr.rsplit(':').next().unwrap().trim_end_matches('/').parse().unwrap_or_else(|_| panic!("no port in {addr}"))
}

/// `VAR=${VAR:-default}` (and `x=${VAR:-default}`) defaults of the stack scripts.
fn script_defaults() -> BTreeMap<String, String> {
    let re = regex::Regex::new(r"\$\{([A-Z_][A-Z0-9_]*):-([^}]*)\}").unwrap();
    let mut out = BTreeMap::new();
    for f in ["scripts/local-stack.sh", "scripts/stack/kafka.sh", "scripts/stack/clickhouse.sh"] {
        for c in re.captures_iter(&read(f)) {
            out.entry(c[1].to_string()).or_insert_with(|| c[2].to_string());
        }
    }
    out
}

/// The config `scripts/local-stack.sh` writes, with its defaults filled in.
fn local_stack_config(defaults: &BTreeMap<String, String>, dir: &Path) -> (String, Config) {
    let script = read("scripts/local-stack.sh");
    let start = script.find("<<TOML\n").expect("local-stack.sh writes its config with a <<TOML heredoc") + 7;
    let end = start + script[start..].find("\nTOML\n").unwrap();
    let vars = [
        ("$api_port", defaults["ACCRETE_API_PORT"].clone()),
        ("$gateway_port", defaults["ACCRETE_GATEWAY_PORT"].clone()),
        ("$token", defaults["ACCRETE_TOKEN"].clone()),
        ("$KAFKA_PORT", defaults["KAFKA_PORT"].clone()),
        ("$CLICKHOUSE_HTTP_PORT", defaults["CLICKHOUSE_HTTP_PORT"].clone()),
        ("$ACCRETE_STACK_DIR", defaults["ACCRETE_STACK_DIR"].clone()),
        ("$otlp", defaults["ACCRETE_OTLP_ENDPOINT"].clone()),
    ];
    let mut text = script[start..end].to_string();
    for (k, v) in vars {
        text = text.replace(k, &v);
    }
    assert!(!text.contains('$'), "a variable of local-stack.sh's config is not known to this test:\n{text}");
    let path = dir.join("local-stack.toml");
    std::fs::write(&path, &text).unwrap();
    let cfg = Config::load(&[&path]).unwrap_or_else(|e| panic!("local-stack.sh's config: {e}\n{text}"));
    (text, cfg)
}

fn compose_config() -> Config {
    let path = root().join("deploy/compose/accrete.toml");
    let cfg = Config::load(&[&path]).unwrap_or_else(|e| panic!("deploy/compose/accrete.toml: {e}"));
    cfg.validate().unwrap_or_else(|e| panic!("deploy/compose/accrete.toml: {e}"));
    cfg
}

const ACCRETE: [(&str, &str); 5] = [
    ("gateway", "gateway"),
    ("classify-1", "classify"),
    ("classify-2", "classify"),
    ("aggregate", "aggregate"),
    ("api", "api"),
];

#[test]
fn every_service_is_there_and_accrete_services_run_their_roles() {
    let c = compose();
    let svc = services(&c);
    for name in
        ["kafka", "kafka-init", "clickhouse", "gateway", "classify-1", "classify-2", "aggregate", "api", "grafana"]
    {
        assert!(svc.contains_key(name), "service `{name}` is missing: {:?}", svc.keys().collect::<Vec<_>>());
    }
    let classifiers: Vec<&String> = svc
        .iter()
        .filter(|(_, v)| strings(&v["command"]).last().map(String::as_str) == Some("classify"))
        .map(|(k, _)| k)
        .collect();
    assert_eq!(classifiers.len(), 2, "two classifier workers: {classifiers:?}");
    for (name, role) in ACCRETE {
        let v = &svc[name];
        let build = match &v["build"] {
            Value::String(ctx) => ctx.clone(),
            b => s(&b["context"]),
        };
        assert_eq!(build, ".", "{name} builds from ./Dockerfile");
        let cmd = strings(&v["command"]);
        assert_eq!(cmd, ["--config", "/etc/accrete/accrete.toml", role], "{name}'s command");
        let mounts = strings(&v["volumes"]);
        assert!(
            mounts.iter().any(|m| m.starts_with("./deploy/compose/accrete.toml:/etc/accrete/accrete.toml")),
            "{name} mounts deploy/compose/accrete.toml where --config points: {mounts:?}"
        );
    }
    // Every file a service mounts from the checkout exists.
    for (name, v) in &svc {
        for m in strings(&v["volumes"]) {
            if let Some(src) = m.split(':').next().filter(|x| x.starts_with("./")) {
                assert!(root().join(src).exists(), "{name} mounts {src}, which does not exist");
            }
        }
    }
}

#[test]
fn ports_topics_token_and_team_are_those_of_local_stack() {
    let defaults = script_defaults();
    let tmp = tempfile::tempdir().unwrap();
    let (_, local) = local_stack_config(&defaults, tmp.path());
    let cfg = compose_config();
    let svc = services(&compose());
    let d = |k: &str| -> u16 {
        defaults.get(k).unwrap_or_else(|| panic!("no default for {k} in the scripts")).parse().unwrap()
    };

    // Host ports: the scripts' defaults; container ports: what the services listen on.
    let gw = ports(&svc["gateway"]);
    assert_eq!(gw, [(d("ACCRETE_GATEWAY_PORT"), port_of(&cfg.gateway.listen))], "gateway ports");
    assert_eq!(port_of(&local.gateway.listen), d("ACCRETE_GATEWAY_PORT"));
    let api = ports(&svc["api"]);
    assert_eq!(api, [(d("ACCRETE_API_PORT"), port_of(&cfg.listen))], "API ports");
    assert_eq!(port_of(&local.listen), d("ACCRETE_API_PORT"));
    assert!(
        cfg.listen.starts_with("0.0.0.0:") && cfg.gateway.listen.starts_with("0.0.0.0:"),
        "reachable from other containers"
    );
    let ch = ports(&svc["clickhouse"]);
    assert!(
        ch.contains(&(d("CLICKHOUSE_HTTP_PORT"), 8123)),
        "ClickHouse HTTP on {}: {ch:?}",
        d("CLICKHOUSE_HTTP_PORT")
    );
    assert!(
        ch.contains(&(d("CLICKHOUSE_TCP_PORT"), 9000)),
        "ClickHouse native on {}: {ch:?}",
        d("CLICKHOUSE_TCP_PORT")
    );
    assert_eq!(port_of(&local.clickhouse.url), d("CLICKHOUSE_HTTP_PORT"));
    assert_eq!(cfg.clickhouse.url, "http://clickhouse:8123", "the services reach ClickHouse by its service name");
    let kafka = &svc["kafka"];
    let kp = ports(kafka);
    assert_eq!(kp, [(d("KAFKA_PORT"), d("KAFKA_PORT"))], "Kafka's host listener");
    let kenv = env(kafka);
    let advertised = &kenv["KAFKA_ADVERTISED_LISTENERS"];
    assert!(
        advertised.contains(&format!("://127.0.0.1:{}", d("KAFKA_PORT"))),
        "host clients are sent back to 127.0.0.1:{}: {advertised}",
        d("KAFKA_PORT")
    );
    assert!(
        advertised.contains(&format!("://{}", cfg.kafka.brokers)),
        "the services' brokers ({}) are advertised: {advertised}",
        cfg.kafka.brokers
    );
    assert!(kenv["KAFKA_LISTENERS"].contains(&format!(":{}", port_of(&cfg.kafka.brokers))));
    assert!(kenv["KAFKA_LISTENERS"].contains(&format!(":{}", d("KAFKA_PORT"))));
    assert_eq!(kenv["KAFKA_PROCESS_ROLES"], "broker,controller", "KRaft, one combined node");
    assert_eq!(kenv["KAFKA_AUTO_CREATE_TOPICS_ENABLE"], "false", "as in kafka.sh");
    assert_eq!(port_of(&local.kafka.brokers), d("KAFKA_PORT"));

    // Kafka's image is the version scripts/stack/kafka.sh runs.
    let kafka_sh = read("scripts/stack/kafka.sh");
    let version =
        regex::Regex::new(r#"(?m)^KAFKA_VERSION="([^"]+)""#).unwrap().captures(&kafka_sh).unwrap()[1].to_string();
    assert_eq!(s(&kafka["image"]), format!("apache/kafka:{version}"));
    assert!(version.starts_with("4."), "Kafka 4.x (KRaft only)");
    assert_eq!(s(&svc["kafka-init"]["image"]), s(&kafka["image"]));
    assert!(s(&svc["clickhouse"]["image"]).starts_with("clickhouse/clickhouse-server:"));

    // Topics and partitions: the list local-stack.sh creates.
    let script = read("scripts/local-stack.sh");
    let topics = regex::Regex::new(r#"kafka\.sh" topics (.+)"#)
        .unwrap()
        .captures(&script)
        .expect("local-stack.sh creates topics")[1]
        .trim()
        .to_string();
    assert_eq!(env(&svc["kafka-init"])["TOPICS"], topics, "kafka-init creates the topics of local-stack.sh");
    let names: Vec<&str> = topics.split_whitespace().map(|t| t.split(':').next().unwrap()).collect();
    assert_eq!(names, [cfg.kafka.events_topic.as_str(), cfg.kafka.marks_topic.as_str()], "the topics the services use");
    assert_eq!(
        (&local.kafka.events_topic, &local.kafka.marks_topic),
        (&cfg.kafka.events_topic, &cfg.kafka.marks_topic)
    );
    assert!(strings(&svc["kafka-init"]["entrypoint"]).iter().any(|x| x.ends_with("create-topics.sh")));

    // The same token and team, and the same tuning.
    let token = &defaults["ACCRETE_TOKEN"];
    assert_eq!(local.gateway.tokens, cfg.gateway.tokens, "gateway tokens (team and token)");
    assert_eq!(cfg.gateway.tokens.len(), 1);
    assert_eq!((&cfg.gateway.tokens[0].team[..], &cfg.gateway.tokens[0].token), ("engineering", token));
    assert_eq!(cfg.kafka.batch_max_wait_ms, local.kafka.batch_max_wait_ms, "[kafka] batch_max_wait_ms");
    assert_eq!(cfg.kafka.partitions, local.kafka.partitions);
    assert_eq!(
        (&cfg.kafka.classifier_group, &cfg.kafka.aggregator_group),
        (&local.kafka.classifier_group, &local.kafka.aggregator_group)
    );
    assert_eq!(cfg.clickhouse.database, local.clickhouse.database);
    assert_eq!(cfg.clickhouse.database, "accrete");
    assert_eq!(cfg.log.level, local.log.level);
    // ClickHouse's image creates the user the services log in with.
    let chenv = env(&svc["clickhouse"]);
    assert_eq!(
        (&chenv["CLICKHOUSE_USER"], &chenv["CLICKHOUSE_PASSWORD"]),
        (&cfg.clickhouse.user, &cfg.clickhouse.password)
    );
}

#[test]
fn the_mounted_config_loads_with_the_real_loader() {
    let cfg = compose_config();
    assert_eq!(cfg.data_dir, Path::new("/var/lib/accrete"), "the image's writable data folder");
    // Every accrete service's healthcheck asks the admin port for /readyz.
    let admin = cfg.telemetry.admin_listen.clone();
    assert!(
        admin.starts_with("0.0.0.0:"),
        "[telemetry] admin_listen answers the healthchecks from inside the container: {admin:?}"
    );
    // The binary agrees: `accrete check-config` loads and validates the file as the services will.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_accrete"))
        .arg("--config")
        .arg(root().join("deploy/compose/accrete.toml"))
        .arg("check-config")
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    assert!(out.status.success(), "accrete check-config: {}", String::from_utf8_lossy(&out.stderr));
    let svc = services(&compose());
    for (name, _) in ACCRETE {
        let test = strings(&svc[name]["healthcheck"]["test"]).join(" ");
        assert!(test.contains(&format!("127.0.0.1:{}/readyz", port_of(&admin))), "{name}'s healthcheck: {test}");
        assert!(test.contains("curl"), "{name}'s healthcheck uses the image's curl: {test}");
    }
}

#[test]
fn healthchecks_and_depends_on_are_coherent() {
    let svc = services(&compose());
    let mut edges: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (name, v) in &svc {
        let deps: Vec<(String, String)> = match &v["depends_on"] {
            Value::Sequence(l) => l.iter().map(|x| (s(x), "service_started".to_string())).collect(),
            Value::Mapping(m) => m.iter().map(|(k, c)| (s(k), s(&c["condition"]))).collect(),
            _ => Vec::new(),
        };
        for (dep, cond) in &deps {
            let target = svc.get(dep).unwrap_or_else(|| panic!("{name} depends on `{dep}`, which is not a service"));
            match cond.as_str() {
                "service_healthy" => assert!(
                    !strings(&target["healthcheck"]["test"]).is_empty(),
                    "{name} waits for {dep} to be healthy, but {dep} has no healthcheck"
                ),
                "service_completed_successfully" => {
                    assert_eq!(s(&target["restart"]), "no", "{dep} is a one-shot ({name} waits for it to finish)")
                }
                "service_started" => {}
                other => panic!("{name}: unknown condition {other} on {dep}"),
            }
        }
        edges.insert(name.clone(), deps.into_iter().map(|(d, _)| d).collect());
    }
    // No cycle.
    fn visit(n: &str, edges: &BTreeMap<String, Vec<String>>, path: &mut Vec<String>, done: &mut BTreeSet<String>) {
        if done.contains(n) {
            return;
        }
        assert!(!path.iter().any(|p| p == n), "depends_on cycle: {path:?} -> {n}");
        path.push(n.to_string());
        for d in &edges[n] {
            visit(d, edges, path, done);
        }
        path.pop();
        done.insert(n.to_string());
    }
    let mut done = BTreeSet::new();
    for n in edges.keys() {
        visit(n, &edges, &mut Vec::new(), &mut done);
    }
    let cond = |svc_name: &str, dep: &str| s(&svc[svc_name]["depends_on"][dep]["condition"]);
    for name in ["kafka", "clickhouse"] {
        assert!(!strings(&svc[name]["healthcheck"]["test"]).is_empty(), "{name} has a healthcheck");
    }
    for name in ["gateway", "classify-1", "classify-2", "aggregate"] {
        assert_eq!(cond(name, "kafka"), "service_healthy", "{name} waits for a healthy Kafka");
        assert_eq!(cond(name, "kafka-init"), "service_completed_successfully", "{name} waits for the topics");
    }
    for name in ["aggregate", "api", "grafana"] {
        assert_eq!(cond(name, "clickhouse"), "service_healthy", "{name} waits for a healthy ClickHouse");
    }
}

#[test]
fn grafana_is_provisioned_from_deploy_grafana() {
    let svc = services(&compose());
    let g = &svc["grafana"];
    assert!(s(&g["image"]).starts_with("grafana/grafana"), "{:?}", g["image"]);
    let genv = env(g);
    assert!(genv["GF_INSTALL_PLUGINS"].split(',').any(|p| p.trim() == "grafana-clickhouse-datasource"));
    let mounts: BTreeMap<String, String> = strings(&g["volumes"])
        .iter()
        .filter_map(|m| {
            let p: Vec<&str> = m.split(':').collect();
            p[0].starts_with("./").then(|| (p[0].to_string(), p[1].to_string()))
        })
        .collect();
    assert_eq!(mounts.get("./deploy/grafana/provisioning").map(String::as_str), Some("/etc/grafana/provisioning"));
    let dash_dir = mounts.get("./deploy/grafana/dashboards").expect("the dashboards are mounted").clone();

    let ds: Value = serde_norway::from_str(&read("deploy/grafana/provisioning/datasources/clickhouse.yml")).unwrap();
    let ds = &ds["datasources"][0];
    assert_eq!(s(&ds["type"]), "grafana-clickhouse-datasource");
    assert_eq!(s(&ds["jsonData"]["host"]), "clickhouse", "the compose service");
    let port: u16 = s(&ds["jsonData"]["port"]).parse().unwrap();
    assert!(ports(&svc["clickhouse"]).iter().any(|(_, c)| *c == port), "port {port} is ClickHouse's HTTP port");
    // The user and password come from Grafana's environment; the user is the read-only one ClickHouse gets.
    for (field, value) in [("username", &ds["jsonData"]["username"]), ("password", &ds["secureJsonData"]["password"])] {
        let v = s(value);
        let var = v.trim_start_matches("${").trim_end_matches('}');
        let set =
            genv.get(var).unwrap_or_else(|| panic!("datasource {field} `{v}`: Grafana's environment lacks {var}"));
        let users = read("deploy/compose/clickhouse/users.d/bi-readonly.xml");
        let needle = if field == "username" { format!("<{set}>") } else { format!("<password>{set}</password>") };
        assert!(users.contains(&needle), "{field} {set} is in bi-readonly.xml");
    }
    assert!(read("deploy/compose/clickhouse/users.d/bi-readonly.xml").contains("<readonly>2</readonly>"));
    assert!(
        strings(&svc["clickhouse"]["volumes"])
            .iter()
            .any(|m| m
                .starts_with("./deploy/compose/clickhouse/users.d/bi-readonly.xml:/etc/clickhouse-server/users.d/")),
        "ClickHouse gets the read-only user"
    );

    let prov: Value = serde_norway::from_str(&read("deploy/grafana/provisioning/dashboards/accrete.yml")).unwrap();
    assert_eq!(s(&prov["providers"][0]["options"]["path"]), dash_dir, "the provider reads the mounted dashboards");
    let home = &genv["GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH"];
    let home_file = home.strip_prefix(&format!("{dash_dir}/")).expect("home dashboard is one of ours");
    assert!(root().join("deploy/grafana/dashboards").join(home_file).is_file(), "{home}");
    let mut n = 0;
    for e in std::fs::read_dir(root().join("deploy/grafana/dashboards")).unwrap().flatten() {
        let text = std::fs::read_to_string(e.path()).unwrap();
        let j: serde_json::Value =
            serde_json::from_str(&text).unwrap_or_else(|err| panic!("{}: {err}", e.path().display()));
        assert!(j["uid"].is_string() && j["panels"].is_array(), "{} is a dashboard", e.path().display());
        n += 1;
    }
    assert_eq!(n, 4, "four dashboards");
}

#[test]
fn the_dockerfile_builds_a_small_non_root_image() {
    let df = read("Dockerfile");
    let lines: Vec<&str> = df.lines().map(str::trim).filter(|l| !l.starts_with('#') && !l.is_empty()).collect();
    let arg = |name: &str| -> Option<String> {
        lines.iter().find_map(|l| l.strip_prefix(&format!("ARG {name}=")).map(|v| v.trim_matches('"').to_string()))
    };
    let resolve = |img: &str| -> String {
        match img.strip_prefix("${").and_then(|x| x.strip_suffix('}')) {
            Some(name) => arg(name).unwrap_or_else(|| panic!("no default for ARG {name}")),
            None => img.to_string(),
        }
    };
    let stages: Vec<(String, Option<String>)> = lines
        .iter()
        .filter_map(|l| l.strip_prefix("FROM "))
        .map(|f| {
            let parts: Vec<&str> = f.split_whitespace().filter(|p| !p.starts_with("--")).collect();
            (
                resolve(parts[0]),
                parts.iter().position(|p| p.eq_ignore_ascii_case("AS")).map(|i| parts[i + 1].to_string()),
            )
        })
        .collect();
    assert!(stages.len() >= 2, "multi-stage: {stages:?}");
    assert_eq!(stages[0].0, "rust:1-bookworm", "builder: the official Rust image on bookworm");
    let runtime = &stages.last().unwrap().0;
    assert!(
        runtime == "debian:bookworm-slim" || runtime.starts_with("gcr.io/distroless/cc"),
        "runtime image {runtime}"
    );
    assert!(df.contains("cargo build --release --locked --bin accrete"), "builds the binary, locked");
    assert!(df.contains("--mount=type=cache,target=/usr/local/cargo/registry"), "registry cache mount");
    assert!(regex::Regex::new(r"--mount=type=cache,target=\S*target").unwrap().is_match(&df), "target cache mount");
    let builder = stages[0].1.as_deref().expect("the builder stage is named");
    let last_from = df.rfind("\nFROM ").unwrap();
    let final_stage = &df[last_from..];
    assert!(
        final_stage.contains(&format!("COPY --from={builder} ")) && final_stage.contains(" /usr/local/bin/accrete"),
        "the binary is copied to /usr/local/bin/accrete"
    );
    let user = final_stage.lines().rev().find_map(|l| l.trim().strip_prefix("USER ")).expect("USER in the final stage");
    assert_eq!(user.trim(), "10001:10001");
    assert!(final_stage.contains("--uid 10001") && final_stage.contains("--gid 10001"), "the user and group exist");
    let entry = final_stage.lines().find_map(|l| l.trim().strip_prefix("ENTRYPOINT ")).expect("ENTRYPOINT");
    assert_eq!(serde_json::from_str::<Vec<String>>(entry).unwrap(), ["accrete"]);
    let exposed: BTreeSet<u16> = final_stage
        .lines()
        .filter_map(|l| l.trim().strip_prefix("EXPOSE "))
        .flat_map(|l| l.split_whitespace().map(|p| p.parse::<u16>().unwrap()).collect::<Vec<_>>())
        .collect();
    assert_eq!(exposed, BTreeSet::from([7430, 7440, 9464]));
    assert!(final_stage.contains("org.opencontainers.image.title"), "OCI labels");
    assert!(
        final_stage.contains("ca-certificates") && final_stage.contains("curl"),
        "CA roots, and curl for the healthchecks"
    );
    let ignore = read(".dockerignore");
    for p in ["target", ".git"] {
        assert!(
            ignore.lines().any(|l| l.trim().trim_start_matches("**/").trim_start_matches('/') == p),
            ".dockerignore leaves out {p}"
        );
    }
    // What the build needs is not ignored.
    for p in ["Cargo.toml", "Cargo.lock", "src", "proto", "catalog", "common", "collector"] {
        assert!(!ignore.lines().any(|l| l.trim().trim_start_matches('/') == p), ".dockerignore must keep {p}");
    }
}
