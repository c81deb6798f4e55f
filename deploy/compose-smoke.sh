#!/usr/bin/env bash
# docker-compose.yml for real: brings the stack up (less Grafana), sends one run with Kafka's
# console producer exactly as docs/deploy.md ("Trigger a run") shows it, waits for its
# RunCompleted, then runs every query of the Grafana dashboard against the stack's Prometheus and
# requires data from each. Everything is torn down (volumes too) on exit, failed or not.
#
#   deploy/compose-smoke.sh [--kill-kafka]
#
# --kill-kafka: once the run has produced its first vectors, the broker's process is killed
# (SIGKILL, a crash); compose's restart policy brings the container back on its volume and the
# run must still complete. Prints the broker's recovery time. (`docker kill` is not used for
# this: Docker counts it as a manual stop, which no restart policy undoes.)
#
# Needs the images: deploy/local-images.sh builds them where no registry is reachable, and this
# script then uses its local Kafka and Prometheus stand-ins (override with TERRITORY_KAFKA_IMAGE /
# TERRITORY_PROMETHEUS_IMAGE, e.g. with the public images elsewhere). Host ports are offset from
# the README's so that the smoke runs beside a stack on the defaults (TERRITORY_*_PORT override
# them); everything is published on 127.0.0.1. Needs docker with the compose plugin, curl, jq.
# Last line on success:
#   compose smoke: COMPLETED run <id> in <s> s; <n>/<n> dashboard queries answered
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

kill_kafka=""
case "${1:-}" in
  --kill-kafka) kill_kafka=1 ;;
  "") ;;
  *) echo "usage: $0 [--kill-kafka]" >&2; exit 2 ;;
esac

export COMPOSE_FILE="$root/docker-compose.yml"
export COMPOSE_PROJECT_NAME="${TERRITORY_SMOKE_PROJECT:-territory-smoke}"
export TERRITORY_KAFKA_IMAGE="${TERRITORY_KAFKA_IMAGE:-local/kafka:4.1.2}"
export TERRITORY_PROMETHEUS_IMAGE="${TERRITORY_PROMETHEUS_IMAGE:-local/prometheus:2.42}"
export TERRITORY_KAFKA_PORT="${TERRITORY_KAFKA_PORT:-29092}"
export TERRITORY_INFERENCE_PORT="${TERRITORY_INFERENCE_PORT:-28081}"
export TERRITORY_METRICS_PORT="${TERRITORY_METRICS_PORT:-28082}"
export TERRITORY_REPORT_PORT="${TERRITORY_REPORT_PORT:-28083}"
export TERRITORY_PROMETHEUS_PORT="${TERRITORY_PROMETHEUS_PORT:-29090}"
TERRITORY_OUT="$(mktemp -d)"
export TERRITORY_OUT
chown 1001:1001 "$TERRITORY_OUT"   # report-service runs as uid 1001 and writes results there

STACK=(kafka kafka-topics inference-service metrics-service report-service prometheus)
READY_TIMEOUT_S="${TERRITORY_SMOKE_READY_TIMEOUT_S:-600}"
RUN_TIMEOUT_S="${TERRITORY_SMOKE_RUN_TIMEOUT_S:-900}"
prom="http://127.0.0.1:$TERRITORY_PROMETHEUS_PORT"

say() { printf 'compose smoke: %s\n' "$*" >&2; }
fail() { say "FAILED: $*"; exit 1; }

teardown() {
  local rc=$?
  if [ "$rc" -ne 0 ]; then
    say "logs of the stack (last 30 lines each):"
    for s in "${STACK[@]}"; do docker compose logs --no-color --tail 30 "$s" >&2 2>&1 || true; done
  fi
  docker compose down --volumes --remove-orphans --timeout 20 >/dev/null 2>&1 || true
  rm -rf "$TERRITORY_OUT"
  exit "$rc"
}
trap teardown EXIT
trap 'exit 130' INT TERM

for image in "$TERRITORY_KAFKA_IMAGE" "$TERRITORY_PROMETHEUS_IMAGE" territory/inference-service:0.1.0-SNAPSHOT \
             territory/metrics-service:0.1.0-SNAPSHOT territory/report-service:0.1.0-SNAPSHOT; do
  docker image inspect "$image" >/dev/null 2>&1 || fail "image $image is missing (deploy/local-images.sh builds it)"
done

say "Grafana is left out: no Grafana image can be pulled without a registry and neither Debian nor npm packages it;" \
    "every query of its dashboard runs against the stack's Prometheus instead"
t_start=$SECONDS
docker compose up -d --no-build "${STACK[@]}" >/dev/null 2>&1 || fail "docker compose up failed: $(docker compose up -d --no-build "${STACK[@]}" 2>&1 | tail -5)"

ready() { curl -fsS -o /dev/null "http://127.0.0.1:$1/q/health/ready"; }
deadline=$((SECONDS + READY_TIMEOUT_S))
until ready "$TERRITORY_INFERENCE_PORT" && ready "$TERRITORY_METRICS_PORT" && ready "$TERRITORY_REPORT_PORT"; do
  [ "$SECONDS" -lt "$deadline" ] || fail "services not ready within $READY_TIMEOUT_S s"
  sleep 2
done
up_s=$((SECONDS - t_start))
say "stack up and ready in $up_s s (Kafka 127.0.0.1:$TERRITORY_KAFKA_PORT, services :$TERRITORY_INFERENCE_PORT/:$TERRITORY_METRICS_PORT/:$TERRITORY_REPORT_PORT, Prometheus :$TERRITORY_PROMETHEUS_PORT)"

# The trigger is the documented command itself (docs/deploy.md, "Trigger a run", the compose
# example), with a fresh run id in place of run-001 (the event id is derived from it).
run_id="smoke-$(date +%s)"
trigger="$(awk '/^# compose; /{on=1; next} on && /^$/{exit} on' docs/deploy.md)"
[[ "$trigger" == *"kafka-console-producer.sh"* ]] || fail "docs/deploy.md has no compose console-producer example"
t_run=$SECONDS
sent="$(bash -o pipefail -c "${trigger//run-001/$run_id}" 2>&1)" || fail "the documented console-producer command failed: $sent"
say "sent RunRequested $run_id with the documented console-producer command"

# The run's outcome: its RunCompleted or RunFailed (key = run id) on the outcome topics.
outcome() {
  docker compose exec -T kafka /opt/kafka/bin/kafka-console-consumer.sh --bootstrap-server kafka:19092 \
    --include 'territory\.runs\.(completed|failed)' --from-beginning --timeout-ms 5000 \
    --property print.key=true --property key.separator='|' 2>/dev/null | grep "^$run_id|" || true
}
progress_done() { # prompts done of the run so far, from report-service's run page
  curl -fsS "http://127.0.0.1:$TERRITORY_REPORT_PORT/runs/$run_id" 2>/dev/null \
    | jq -r '[.progress[]?.done] | add // 0' 2>/dev/null || echo 0
}

recovery=""
if [ -n "$kill_kafka" ]; then
  deadline=$((SECONDS + RUN_TIMEOUT_S))
  until [ "$(progress_done)" -gt 0 ] 2>/dev/null; do
    [ "$SECONDS" -lt "$deadline" ] || fail "no progress of $run_id within $RUN_TIMEOUT_S s"
    sleep 1
  done
  kafka_container="$(docker compose ps -q kafka)"
  restarts_before="$(docker inspect -f '{{.RestartCount}}' "$kafka_container")"
  kafka_pid="$(docker inspect -f '{{.State.Pid}}' "$kafka_container")"
  say "run in flight ($(progress_done) prompts done): kill -9 of the broker (pid $kafka_pid, container ${kafka_container:0:12})"
  t_kill=$SECONDS
  kill -9 "$kafka_pid"
  deadline=$((SECONDS + 120))
  until [ "$(docker inspect -f '{{.RestartCount}}' "$kafka_container")" -gt "$restarts_before" ] \
        && docker compose exec -T kafka /opt/kafka/bin/kafka-broker-api-versions.sh --bootstrap-server kafka:19092 >/dev/null 2>&1; do
    [ "$SECONDS" -lt "$deadline" ] || fail "the broker did not come back within 120 s of the kill"
    sleep 1
  done
  recovery=$((SECONDS - t_kill))
  say "broker restarted by compose's restart policy and answering again $recovery s after the kill"
fi

deadline=$((t_run + RUN_TIMEOUT_S))
result=""
until [ -n "$result" ]; do
  [ "$SECONDS" -lt "$deadline" ] || fail "no RunCompleted for $run_id within $RUN_TIMEOUT_S s"
  result="$(outcome)"
done
run_s=$((SECONDS - t_run))
[[ "$result" == *'"type":"RunCompleted"'* ]] || fail "run $run_id did not complete: ${result#*|}"
say "RunCompleted $run_id after $run_s s"
keys="$(curl -fsS "http://127.0.0.1:$TERRITORY_REPORT_PORT/runs/$run_id/files/results.json" | jq -r 'keys | length' 2>/dev/null || echo 0)"
[ "$keys" -gt 0 ] || fail "report-service serves no results.json for $run_id"

# Every query of the Grafana dashboard, as Grafana would send it: $run is the run's id, the
# interval variables a window that covers the whole run. Evaluated once Prometheus has scraped the
# finished run (its progress query reads 1), each must return at least one series.
window="$((SECONDS - t_start + 60))s"
deadline=$((SECONDS + 90))
until [ "$(curl -fsS --data-urlencode "query=sum(territory_run_prompts_done{run=\"$run_id\"}) / sum(territory_run_prompts_expected{run=\"$run_id\"})" \
        "$prom/api/v1/query" | jq -r '.data.result[0].value[1] // 0')" = "1" ]; do
  [ "$SECONDS" -lt "$deadline" ] || fail "Prometheus did not see $run_id complete within 90 s"
  sleep 3
done
mapfile -t queries < <(jq -r '.. | objects | select(has("expr")) | .expr' deploy/grafana/dashboards/territory.json)
answered=0
for q in "${queries[@]}"; do
  expr="${q//\$run/$run_id}"
  expr="${expr//\$__rate_interval/$window}"
  expr="${expr//\$__range/$window}"
  series="$(curl -fsS --data-urlencode "query=$expr" "$prom/api/v1/query" | jq -r 'if .status == "success" then (.data.result | length) else -1 end')"
  if [ "$series" -gt 0 ]; then
    answered=$((answered + 1))
  else
    say "no data: $expr"
  fi
done
[ "$answered" -eq "${#queries[@]}" ] || fail "$answered/${#queries[@]} dashboard queries answered"
[ -z "$recovery" ] || say "kill -9 of Kafka mid-run: broker back in $recovery s, run completed"
echo "compose smoke: COMPLETED run $run_id in $run_s s; $answered/${#queries[@]} dashboard queries answered"
