#!/bin/sh
# kafka-server-start.sh server.properties: the broker in the foreground, logging at info
KAFKA_HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xmx1g -Xms256m}" \
KAFKA_LOG_OPTS="-Dorg.slf4j.simpleLogger.defaultLogLevel=info -Dorg.slf4j.simpleLogger.showDateTime=true" \
  exec /opt/kafka/bin/kafka-run-class.sh kafka.Kafka "$@"
