#!/bin/sh
# One-shot (docker-compose.yml's kafka-init): creates the topics named in
# $TOPICS ("name:partitions ..."), the same list scripts/local-stack.sh creates.
set -eu
: "${BOOTSTRAP:=kafka:9092}"
for spec in $TOPICS; do
  name=${spec%%:*}
  parts=${spec#*:}
  /opt/kafka/bin/kafka-topics.sh --bootstrap-server "$BOOTSTRAP" --create --if-not-exists \
    --topic "$name" --partitions "$parts" --replication-factor 1
  echo "topic $name:$parts ready"
done
