#!/usr/bin/env bash
# A real Prometheus (Debian's `prometheus` package) scrapes a local Territory run and answers the
# dashboard's run-progress query through its HTTP API.
#
#   deploy/prometheus/scrape-check.sh [--timeout SECONDS] HOST:PORT HOST:PORT HOST:PORT
#
# The three targets are inference-service, metrics-service and report-service (in that order),
# e.g. the ports `./territory up` prints. Start a run (./territory submit ...) before or while
# this runs: the progress series exist from the first model job on.
# Checks, in order: every target is up; every metric the dashboard queries has series; the
# progress query returns data. Exits 0 when all hold, 1 otherwise (with what was missing).
#
# The package is installed when missing with service starts denied (policy-rc.d), so no system
# Prometheus listens anywhere; this script runs its own on 127.0.0.1 and stops it on exit.
set -euo pipefail

PROGRESS_QUERY='sum by (run) (territory_run_prompts_done) / sum by (run) (territory_run_prompts_expected)'
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
timeout=180
port="${PROMETHEUS_PORT:-19090}"
if [ "${1:-}" = "--timeout" ]; then timeout="$2"; shift 2; fi
if [ "$#" -ne 3 ]; then
  echo "usage: $0 [--timeout SECONDS] INFERENCE_HOST:PORT METRICS_HOST:PORT REPORT_HOST:PORT" >&2
  exit 2
fi
targets=("$@")
jobs=(inference-service metrics-service report-service)

if ! command -v prometheus >/dev/null 2>&1; then
  echo "scrape-check: installing Debian's prometheus (service start denied)" >&2
  made_policy=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && made_policy=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q prometheus >/dev/null
  [ -n "$made_policy" ] && rm -f /usr/sbin/policy-rc.d
fi

work="$(mktemp -d)"
pid=""
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

{
  echo "global:"
  echo "  scrape_interval: 2s"
  echo "scrape_configs:"
  for i in 0 1 2; do
    echo "  - job_name: ${jobs[$i]}"
    echo "    metrics_path: /q/metrics"
    echo "    static_configs:"
    echo "      - targets: [\"${targets[$i]}\"]"
  done
} > "$work/prometheus.yml"

prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/data" \
  --web.listen-address="127.0.0.1:$port" --log.level=warn >"$work/prometheus.log" 2>&1 &
pid=$!
api="http://127.0.0.1:$port"

query() { # prints the number of result series of a PromQL query
  curl -fsS --get "$api/api/v1/query" --data-urlencode "query=$1" \
    | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["status"]=="success", d; print(len(d["data"]["result"]))'
}

deadline=$((SECONDS + timeout))
until curl -fsS "$api/-/ready" >/dev/null 2>&1; do
  if ! kill -0 "$pid" 2>/dev/null; then echo "scrape-check: prometheus exited:" >&2; cat "$work/prometheus.log" >&2; exit 1; fi
  [ $SECONDS -lt $deadline ] || { echo "scrape-check: prometheus not ready" >&2; exit 1; }
  sleep 1
done
echo "scrape-check: prometheus $(prometheus --version 2>&1 | head -1 | awk '{print $3}') on $api"

for job in "${jobs[@]}"; do
  until [ "$(query "up{job=\"$job\"} == 1")" = "1" ]; do
    [ $SECONDS -lt $deadline ] || { echo "scrape-check: target $job is not up" >&2; curl -fsS "$api/api/v1/targets" >&2; exit 1; }
    sleep 2
  done
  echo "scrape-check: $job up"
done

missing=()
for name in $(grep -o '\b\(territory\|kafka\)_[a-z0-9_]*' "$root/deploy/grafana/dashboards/territory.json" | sort -u); do
  n=0
  until n="$(query "count({__name__=\"$name\"})")" && [ "$n" != "0" ]; do
    [ $SECONDS -lt $deadline ] || break
    sleep 2
  done
  [ "$n" != "0" ] || missing+=("$name")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "scrape-check: dashboard metrics with no series: ${missing[*]}" >&2
  exit 1
fi
echo "scrape-check: every metric the dashboard queries has series"

until [ "$(query "$PROGRESS_QUERY")" != "0" ]; do
  [ $SECONDS -lt $deadline ] || { echo "scrape-check: the progress query returned no data: $PROGRESS_QUERY" >&2; exit 1; }
  sleep 2
done
curl -fsS --get "$api/api/v1/query" --data-urlencode "query=$PROGRESS_QUERY" \
  | python3 -c 'import json,sys; [print("scrape-check: progress", r["metric"].get("run"), r["value"][1]) for r in json.load(sys.stdin)["data"]["result"]]'
echo "scrape-check: ok"
