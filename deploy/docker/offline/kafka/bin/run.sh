#!/bin/bash
# Entrypoint of the Kafka stand-in: what the official apache/kafka image does with its environment.
set -euo pipefail
props=/opt/kafka/config/server.properties
: >"$props"
have_env=0
# KAFKA_* variables that are JVM or launcher options, not broker properties.
skip=" KAFKA_HEAP_OPTS KAFKA_JVM_PERFORMANCE_OPTS KAFKA_OPTS KAFKA_LOG4J_OPTS KAFKA_JMX_OPTS KAFKA_GC_LOG_OPTS KAFKA_VERSION_STANDIN "
while IFS='=' read -r name value; do
  [[ "$name" == KAFKA_* ]] || continue
  [[ "$skip" == *" $name "* ]] && continue
  key="${name#KAFKA_}"
  key="${key,,}"
  key="${key//___/-}"
  key="${key//__/@}"
  key="${key//_/.}"
  key="${key//@/_}"
  printf '%s=%s\n' "$key" "$value" >>"$props"
  have_env=1
done < <(env)
if [[ "$have_env" == 0 ]]; then
  # Like the official image without configuration: a single KRaft node on localhost.
  cat >"$props" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@localhost:9093
listeners=PLAINTEXT://:9092,CONTROLLER://:9093
advertised.listeners=PLAINTEXT://localhost:9092
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=/tmp/kraft-combined-logs
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
PROPS
fi
grep -q '^log.dirs=' "$props" || echo 'log.dirs=/tmp/kraft-combined-logs' >>"$props"
log_dirs="$(sed -n 's/^log.dirs=//p' "$props" | head -n 1)"
first_dir="${log_dirs%%,*}"
if [[ ! -f "$first_dir/meta.properties" ]]; then
  echo "kafka: formatting $log_dirs (cluster id ${CLUSTER_ID:-5L6g3nShT-eMCtK--X86sw})"
  /opt/kafka/bin/kafka-storage.sh format -t "${CLUSTER_ID:-5L6g3nShT-eMCtK--X86sw}" -c "$props" --ignore-formatted
fi
echo "kafka: starting Apache Kafka ${KAFKA_VERSION_STANDIN:-} (stand-in image)"
# shellcheck disable=SC2086
exec java ${KAFKA_HEAP_OPTS:--Xmx512m -Xms512m} ${KAFKA_JVM_PERFORMANCE_OPTS:--XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true} ${KAFKA_OPTS:-} \
  -Dlog4j.configuration=file:/opt/kafka/config/log4j.properties \
  -Dlog4j2.configurationFile=/opt/kafka/config/log4j2.properties \
  -cp '/opt/kafka/libs/*' kafka.Kafka "$props"
