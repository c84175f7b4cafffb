#!/bin/bash
# java -cp /opt/kafka/libs/* <class> <args>, with the image's logging config.
set -euo pipefail
class="$1"; shift
# shellcheck disable=SC2086 # KAFKA_HEAP_OPTS / KAFKA_OPTS are lists of options
exec java ${KAFKA_HEAP_OPTS:--Xmx256m} ${KAFKA_OPTS:-} \
  -Dlog4j.configuration=file:/opt/kafka/config/tools-log4j.properties \
  -Dlog4j2.configurationFile=/opt/kafka/config/log4j2.properties \
  -cp '/opt/kafka/libs/*' "$class" "$@"
