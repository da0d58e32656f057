//! Compiles `accrete/v1/*.proto` with protox (pure Rust), so no `protoc` is needed.
fn main() -> Result<(), Box<dyn std::error::Error>> {
    let files = ["accrete/v1/events.proto", "accrete/v1/query.proto", "accrete/v1/ingest.proto"];
    for f in files {
        println!("cargo:rerun-if-changed={f}");
    }
    let fds = protox::compile(files, ["."])?;
    tonic_prost_build::configure()
        // Events are also printed as JSON (`accrete collect --dry-run`) and served by
        // the HTTP API, so every message is serde-serializable.
        .type_attribute(".", "#[derive(serde::Serialize, serde::Deserialize)]")
        .type_attribute(".", "#[serde(default)]")
        // Deterministic JSON and output order for maps.
        .btree_map(".")
        .compile_fds(fds)?;
    Ok(())
}
