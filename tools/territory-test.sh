#!/usr/bin/env bash
# `./territory test`: the whole test suite on a fresh Debian bookworm machine (what .ci/run runs).
# Needs root when something is missing: it installs, from Debian,
#   chromium chromium-driver   report-service's browser test drives headless Chromium
#   prometheus                 deploy-check's live scrape test runs a real Prometheus
#   docker.io debootstrap      the container engine and the base image of the local images
#   curl jq                    the compose smoke's HTTP checks
#   docker compose + buildx    CLI plugins from trixie's packages (deploy/local-images.sh)
# with service starts denied (no system daemon starts); dockerd is started in the background when
# no engine answers, and stopped again at the end if this script started it. Then, timed:
#   1. local base images (deploy/local-images.sh --bases-only; skipped when they exist)
#   2. mvn -B install (every module's tests; the Kafka integration tests of the services run on the
#      Kafka image through Testcontainers; CI=true makes a missing engine an error). install, not
#      verify: step 5 builds one module, which takes the others from the local repository, so they
#      must be this checkout's and not an older build's
#   3. the three service images from the fast-jars step 2 packaged (deploy/local-images.sh)
#   4. deploy/compose-smoke.sh, then deploy/compose-smoke.sh --kill-kafka
#   5. the slow reliability suite (mvn -B -Pslow -pl reliability-tests verify)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

t_total=$SECONDS
timings=()
step() { # step LABEL CMD...: runs CMD, records and prints its duration
  local label="$1" t0=$SECONDS; shift
  echo "territory test: $label" >&2
  "$@"
  timings+=("$(printf '%-44s %5d s' "$label" $((SECONDS - t0)))")
  echo "territory test: $label: $((SECONDS - t0)) s" >&2
}

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v chromedriver >/dev/null 2>&1 || missing+=(chromium-driver)
command -v prometheus >/dev/null 2>&1 || missing+=(prometheus)
command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
command -v debootstrap >/dev/null 2>&1 || missing+=(debootstrap)
command -v curl >/dev/null 2>&1 || missing+=(curl)
command -v jq >/dev/null 2>&1 || missing+=(jq)
plugins_missing=""
docker compose version >/dev/null 2>&1 && docker buildx version >/dev/null 2>&1 || plugins_missing=1
if { [ "${#missing[@]}" -gt 0 ] || [ -n "$plugins_missing" ]; } && [ "$(id -u)" != 0 ]; then
  echo "error: ./territory test needs root to install ${missing[*]}${plugins_missing:+ docker compose/buildx plugins}" >&2
  exit 1
fi

install_packages() {
  local made_policy=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && made_policy=1
  fi
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  if [ -n "$made_policy" ]; then rm -f /usr/sbin/policy-rc.d; fi
}
if [ "${#missing[@]}" -gt 0 ]; then step "apt-get install ${missing[*]}" install_packages; fi

started_dockerd=""
docker info >/dev/null 2>&1 || started_dockerd=1
stop_dockerd() {
  if [ -n "$started_dockerd" ] && [ -f /var/run/docker.pid ]; then
    local pid; pid="$(cat /var/run/docker.pid)"
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
  fi
}
trap stop_dockerd EXIT

step "engine, plugins, local base images" deploy/local-images.sh --bases-only
step "mvn -B install" env CI="${CI:-true}" mvn -B install
step "service images" deploy/local-images.sh
step "compose smoke" deploy/compose-smoke.sh
step "compose smoke --kill-kafka" deploy/compose-smoke.sh --kill-kafka
step "reliability suite (mvn -B -Pslow)" mvn -B -Pslow -pl reliability-tests verify

echo "territory test: all passed in $((SECONDS - t_total)) s" >&2
printf '  %s\n' "${timings[@]}" >&2
docker image ls --format '  {{.Repository}}:{{.Tag}} {{.Size}}' | grep -E 'local/|territory/' >&2 || true
