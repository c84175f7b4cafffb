#!/bin/bash
exec /opt/kafka/bin/kafka-run-class.sh "$(/opt/kafka/bin/pick-class.sh org.apache.kafka.tools.TopicCommand kafka.admin.TopicCommand)" "$@"
