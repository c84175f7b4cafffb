#!/bin/bash
exec /opt/kafka/bin/kafka-run-class.sh "$(/opt/kafka/bin/pick-class.sh kafka.tools.StorageTool)" "$@"
