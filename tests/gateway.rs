//! The gateway at its edge: tokens, validation and TLS, answered with the
//! right gRPC status and a clear message. (Kafka is deliberately absent:
//! everything here is refused before anything would be produced.)

mod support;

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use accrete_proto::v1::ingest_service_client::IngestServiceClient;
use accrete_proto::v1::{EventBatch, PublishRequest, TranscriptEvent};
use support::*;
use tonic::Code;
use tonic::transport::{Certificate, Channel, ClientTlsConfig, Endpoint};

const TOKEN: &str = "team-token-0123456789abcdef";

struct Gw(Child);
impl Drop for Gw {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start(dir: &Path, tls: Option<(&Path, &Path)>) -> (Gw, String) {
    start_with(dir, tls, "")
}

fn start_with(dir: &Path, tls: Option<(&Path, &Path)>, extra: &str) -> (Gw, String) {
    let port = free_port();
    let mut cfg = format!(
        "[kafka]\nbrokers = \"127.0.0.1:1\"\n[gateway]\nlisten = \"127.0.0.1:{port}\"\n{extra}\n\
         [[gateway.tokens]]\nteam = \"platform\"\ntoken = \"{TOKEN}\"\n"
    );
    if let Some((cert, key)) = tls {
        cfg = cfg.replace(
            "[[gateway.tokens]]",
            &format!("tls_cert = \"{}\"\ntls_key = \"{}\"\n[[gateway.tokens]]", cert.display(), key.display()),
        );
    }
    let path = dir.join(format!("gw-{port}.toml"));
    std::fs::write(&path, cfg).unwrap();
    let child = Command::new(BIN)
        .arg("--config")
        .arg(&path)
        .arg("gateway")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    for _ in 0..200 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            break;
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    (Gw(child), format!("127.0.0.1:{port}"))
}

fn event() -> TranscriptEvent {
    TranscriptEvent {
        person: "ann".into(),
        session_id: "s1".into(),
        line: 1,
        line_type: "user".into(),
        ..Default::default()
    }
}

fn request(token: Option<&str>, events: Vec<TranscriptEvent>) -> tonic::Request<PublishRequest> {
    let mut r = tonic::Request::new(PublishRequest { batch: Some(EventBatch { events }), collector_id: "test".into() });
    if let Some(t) = token {
        r.metadata_mut().insert("authorization", format!("Bearer {t}").parse().unwrap());
    }
    r
}

async fn refusals(mut c: IngestServiceClient<Channel>) {
    let err = c.publish(request(None, vec![event()])).await.unwrap_err();
    assert_eq!(err.code(), Code::Unauthenticated, "{err:?}");
    let err = c.publish(request(Some("wrong-token"), vec![event()])).await.unwrap_err();
    assert_eq!((err.code(), err.message()), (Code::Unauthenticated, "unknown token"));
    let bad = TranscriptEvent { timestamp_ms: 4_102_444_800_000, ..event() };
    let err = c.publish(request(Some(TOKEN), vec![event(), bad])).await.unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument);
    assert!(err.message().contains("event 1") && err.message().contains("2100-01-01"), "{}", err.message());
    let huge = TranscriptEvent { session_id: "x".repeat(20 << 20), ..event() };
    let err = c.publish(request(Some(TOKEN), vec![huge])).await.unwrap_err();
    assert_eq!(err.code(), Code::OutOfRange, "a message over max_batch_bytes: {err:?}");
}

#[test]
fn the_gateway_refuses_bad_tokens_and_bad_events_with_clear_statuses() {
    let t = tempfile::tempdir().unwrap();
    let (_gw, addr) = start(t.path(), None);
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        let c =
            IngestServiceClient::connect(format!("http://{addr}")).await.unwrap().max_encoding_message_size(64 << 20);
        refusals(c).await;
    });
}

#[test]
fn the_gateway_speaks_tls_when_given_a_certificate() {
    let t = tempfile::tempdir().unwrap();
    let (cert, key, ca) = (t.path().join("cert.pem"), t.path().join("key.pem"), t.path().join("ca.pem"));
    let ext = t.path().join("leaf.ext");
    std::fs::write(
        &ext,
        "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    let d = t.path().display().to_string();
    // A private CA and a server certificate it signs, as a platform team would issue.
    let script = format!(
        "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=test-ca -keyout {d}/ca.key -out {ca} && \
         openssl req -newkey rsa:2048 -nodes -subj /CN=localhost -keyout {key} -out {d}/leaf.csr && \
         openssl x509 -req -in {d}/leaf.csr -CA {ca} -CAkey {d}/ca.key -CAcreateserial -days 1 -extfile {ext} -out {cert}",
        ca = ca.display(),
        key = key.display(),
        cert = cert.display(),
        ext = ext.display()
    );
    let ok = Command::new("sh").arg("-c").arg(script).stdout(Stdio::null()).stderr(Stdio::null()).status().unwrap();
    assert!(ok.success(), "openssl could not make test certificates");
    let (_gw, addr) = start(t.path(), Some((&cert, &key)));
    let port = addr.rsplit(':').next().unwrap();
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        let ca = Certificate::from_pem(std::fs::read(&ca).unwrap());
        let channel = Endpoint::from_shared(format!("https://localhost:{port}"))
            .unwrap()
            .tls_config(ClientTlsConfig::new().ca_certificate(ca).domain_name("localhost"))
            .unwrap()
            .connect()
            .await
            .expect("a TLS connection with the gateway's CA");
        refusals(IngestServiceClient::new(channel).max_encoding_message_size(64 << 20)).await;
        // Plain text to a TLS port fails rather than leaking anything.
        let plain = IngestServiceClient::connect(format!("http://{addr}")).await;
        if let Ok(mut c) = plain {
            assert!(c.publish(request(Some(TOKEN), vec![event()])).await.is_err());
        }
    });
}

/// A message whose field 1 holds arbitrary bytes where an `EventBatch` belongs.
#[derive(Clone, PartialEq, prost::Message)]
struct Garbage {
    #[prost(bytes = "vec", tag = "1")]
    batch: Vec<u8>,
}

#[test]
fn malformed_protobuf_and_floods_are_refused() {
    let t = tempfile::tempdir().unwrap();
    let (_gw, addr) = start_with(t.path(), None, "max_batch_events = 5\nrate_limit_events_per_s = 5");
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        let channel = Endpoint::from_shared(format!("http://{addr}")).unwrap().connect().await.unwrap();
        let mut grpc = tonic::client::Grpc::new(channel.clone());
        grpc.ready().await.unwrap();
        let mut req = tonic::Request::new(Garbage { batch: vec![0x7a, 0xff, 0xff, 0xff, 0x0f, 1, 2, 3] });
        req.metadata_mut().insert("authorization", format!("Bearer {TOKEN}").parse().unwrap());
        let path = tonic::codegen::http::uri::PathAndQuery::from_static("/accrete.v1.IngestService/Publish");
        let codec = tonic_prost::ProstCodec::<Garbage, accrete_proto::v1::PublishResponse>::default();
        let err = grpc.unary(req, path, codec).await.unwrap_err();
        // gRPC's convention for a request that does not parse.
        assert_eq!(err.code(), Code::Internal, "{err:?}");
        assert!(err.message().contains("decode") || err.message().contains("buffer"), "{}", err.message());

        // A flood from one token: the bucket holds 10 events (two seconds' worth).
        let mut c = IngestServiceClient::new(channel);
        let invalid = || vec![TranscriptEvent { session_id: String::new(), ..event() }; 5];
        for _ in 0..2 {
            let err = c.publish(request(Some(TOKEN), invalid())).await.unwrap_err();
            assert_eq!(err.code(), Code::InvalidArgument, "within the limit: validated");
        }
        let err = c.publish(request(Some(TOKEN), invalid())).await.unwrap_err();
        assert_eq!(err.code(), Code::ResourceExhausted, "{err:?}");
        assert!(err.message().contains("rate limit of 5 events/s"), "{}", err.message());
    });
}
