#!/bin/sh
# kafka-run-class.sh MAIN ARGS...: runs one of Kafka's mains on the image's jars. Tools log
# warnings only (slf4j-simple writes to stderr); the broker sets KAFKA_LOG_OPTS to log at info.
exec java ${KAFKA_HEAP_OPTS:--Xmx256m} ${KAFKA_LOG_OPTS:--Dorg.slf4j.simpleLogger.defaultLogLevel=warn} ${KAFKA_OPTS:-} \
  -cp '/opt/kafka/libs/*' "$@"
