# syntax=docker/dockerfile:1
#
# The `accrete` binary for every role (gateway, classify, aggregate, api, up,
# collect), in a small Debian image running as uid/gid 10001.
#
#   docker build -t accrete .
#   docker run --rm accrete --help
#   docker compose up --build          # the whole distributed stack (docker-compose.yml)
#
# The builder is the official Rust image on Debian bookworm; rdkafka builds its
# bundled librdkafka (C, with make; cmake and libcurl headers are there for
# its cmake-build path), rusqlite its bundled SQLite, and protobuf is compiled
# by protox (no protoc needed).

ARG RUST_IMAGE=rust:1-bookworm
ARG RUNTIME_IMAGE=debian:bookworm-slim

FROM ${RUST_IMAGE} AS builder
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      build-essential cmake pkg-config libcurl4-openssl-dev libssl-dev zlib1g-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
# The registry and target folders are cache mounts (kept between builds, not
# in the image), so the binary is copied out of target/ in the same step.
RUN --mount=type=cache,target=/usr/local/cargo/registry,sharing=locked \
    --mount=type=cache,target=/usr/local/cargo/git,sharing=locked \
    --mount=type=cache,target=/src/target,sharing=locked \
    cargo build --release --locked --bin accrete \
 && install -D -m 0755 target/release/accrete /out/accrete

FROM ${RUNTIME_IMAGE} AS runtime
ARG VERSION=0.1.0
ARG REVISION=unknown
LABEL org.opencontainers.image.title="accrete" \
      org.opencontainers.image.description="Proficiency development for AI coding tools: which practices your engineers use, and who can teach them" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.base.name="docker.io/library/debian:bookworm-slim"
# ca-certificates: TLS to remote gateways, Kafka and ClickHouse; curl: the
# compose healthchecks (GET /readyz on the admin port).
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ca-certificates curl \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 accrete \
 && useradd --system --uid 10001 --gid 10001 --home-dir /var/lib/accrete --shell /usr/sbin/nologin accrete \
 && install -d -o 10001 -g 10001 -m 0750 /var/lib/accrete \
 && install -d -m 0755 /etc/accrete
COPY --from=builder /out/accrete /usr/local/bin/accrete
WORKDIR /var/lib/accrete
ENV HOME=/var/lib/accrete \
    XDG_DATA_HOME=/var/lib
USER 10001:10001
# 7430 HTTP + gRPC API and dashboard, 7440 ingest gateway, 9464 admin
# (/healthz, /readyz, /metrics).
EXPOSE 7430 7440 9464
ENTRYPOINT ["accrete"]
CMD ["--help"]
