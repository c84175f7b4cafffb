#!/bin/bash
# Prints the first of the given class names that the jars in /opt/kafka/libs contain (tools moved
# between packages across Kafka versions). A jar's central directory holds entry names as plain
# text, so grep finds them without unzip.
for class in "$@"; do
  if grep -qaF "${class//.//}.class" /opt/kafka/libs/kafka-tools-*.jar /opt/kafka/libs/kafka_2.13-*.jar 2>/dev/null; then
    echo "$class"; exit 0
  fi
done
echo "$1"
