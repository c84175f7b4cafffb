#!/bin/bash
exec /opt/kafka/bin/kafka-run-class.sh "$(/opt/kafka/bin/pick-class.sh org.apache.kafka.tools.consumer.group.ConsumerGroupCommand kafka.admin.ConsumerGroupCommand)" "$@"
