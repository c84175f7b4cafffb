#!/usr/bin/env bash
# A second local broker beside the shared one, whose client listener requires SASL (PLAIN,
# SCRAM-SHA-256, SCRAM-SHA-512): for the tests of the client's KAFKA_SASL_* settings. It has its own
# data dir and ports, so the shared PLAINTEXT broker on 9092 is never reconfigured.
#   bash deploy/kafka/sasl.sh start|stop
# Users: admin (the broker itself) and $MERCATO_KAFKA_SASL_USER / $MERCATO_KAFKA_SASL_PASSWORD
# (default mercato / mercato-secret).
set -euo pipefail
export MERCATO_KAFKA_SASL=1
export MERCATO_KAFKA_PORT="${MERCATO_KAFKA_SASL_PORT:-19094}"
export MERCATO_KAFKA_CONTROLLER_PORT="${MERCATO_KAFKA_SASL_CONTROLLER_PORT:-19095}"
export MERCATO_KAFKA_DATA="${MERCATO_KAFKA_SASL_DATA:-$HOME/.cache/mercato-kafka/data-sasl}"
# A smaller heap than the shared broker's: it carries a few test topics only.
export MERCATO_KAFKA_JVM_OPTS="${MERCATO_KAFKA_JVM_OPTS:--Xmx256m -Xms256m}"
here="$(dirname "${BASH_SOURCE[0]}")"
case "${1:-}" in
  start) exec bash "$here/start.sh" ;;
  stop) exec bash "$here/stop.sh" ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
