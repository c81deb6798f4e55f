#!/usr/bin/env bash
# Container images on a machine that reaches Debian's mirror and Maven Central but no image
# registry (the machines this project is developed and tested on). Needs root. Idempotent: each
# step is skipped when what it makes is already there.
#   1. the engine and tools from Debian (docker.io, debootstrap) when dockerd is missing;
#      the compose v2 and buildx CLI plugins (not in bookworm) from trixie's packages
#   2. dockerd, started in the background when no engine answers (no systemd here)
#   3. local base images standing in for the public ones the Dockerfiles default to:
#        local/debian:bookworm   debootstrap --variant=minbase
#        local/jre:17            for eclipse-temurin:17-jre / 17-jdk (and nvidia/cuda's runtime stage)
#        local/kafka:4.1.2       for apache/kafka (Kafka's jars from Maven Central)
#        local/prometheus:2.42   for prom/prometheus (Debian's package)
#   4. the three service images from */target/quarkus-app (run `mvn -B -DskipTests install` first),
#      inference with CPU libtorch (the GPU flavour stays the Dockerfile's default for users)
# Usage: deploy/local-images.sh [--engine-only | --bases-only]
# Environment: MAVEN_OPTS is passed to Maven (e.g. -Dmaven.repo.local=...);
# TERRITORY_DOCKERD_LOG (default /var/log/territory-dockerd.log).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
mode="${1:-all}"

DEBIAN_IMAGE=local/debian:bookworm
JRE_IMAGE=local/jre:17
KAFKA_IMAGE=local/kafka:4.1.2
PROMETHEUS_IMAGE=local/prometheus:2.42
VERSION=0.1.0-SNAPSHOT
plugins=/usr/local/libexec/docker/cli-plugins

step() { printf 'local-images: %s\n' "$*" >&2; }
timed() { # timed LABEL CMD...: runs CMD and prints how long it took
  local label="$1" t0=$SECONDS; shift
  "$@"; step "$label: $((SECONDS - t0)) s"
}
have_image() { docker image inspect "$1" >/dev/null 2>&1; }

# Debian's mirror as apt is configured here (one-line or deb822 sources)
debian_mirror() {
  local m
  m="$(grep -hsE '^(deb |URIs:)' /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources \
        | grep -v security | sed -E 's/^deb (\[[^]]*\] )?//; s/^URIs: *//' | awk '{print $1; exit}')"
  echo "${m:-http://deb.debian.org/debian}"
}

apt_install() { # apt_install PKG...: without starting services (no system daemon listens anywhere)
  local made_policy=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && made_policy=1
  fi
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
  if [ -n "$made_policy" ]; then rm -f /usr/sbin/policy-rc.d; fi
}

install_engine() {
  if ! command -v dockerd >/dev/null || ! command -v debootstrap >/dev/null; then
    timed "apt-get install docker.io debootstrap" apt_install docker.io debootstrap
  fi
}

# compose v2 and buildx are not packaged in bookworm; trixie's packages are static Go binaries that
# need only libc >= 2.34. Their .debs are fetched with apt under a list directory of their own (the
# system's sources stay untouched) and unpacked where the docker CLI looks for plugins.
install_plugins() {
  if docker compose version >/dev/null 2>&1 && docker buildx version >/dev/null 2>&1; then return; fi
  local tmp; tmp="$(mktemp -d)"
  mkdir -p "$tmp/lists/partial" "$tmp/archives/partial" "$tmp/x"
  echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $(debian_mirror) trixie main" > "$tmp/sources.list"
  local opts=(-o Dir::Etc::SourceList="$tmp/sources.list" -o Dir::Etc::SourceParts=/dev/null
              -o Dir::State::Lists="$tmp/lists" -o Dir::Cache::Archives="$tmp/archives" -o APT::Get::List-Cleanup=0
              -o APT::Sandbox::User=root)
  apt-get "${opts[@]}" update -qq
  (cd "$tmp" && apt-get "${opts[@]}" download docker-compose docker-buildx >/dev/null)
  for deb in "$tmp"/*.deb; do dpkg-deb -x "$deb" "$tmp/x"; done
  mkdir -p "$plugins"
  install -m 755 "$tmp"/x/usr/libexec/docker/cli-plugins/docker-compose "$tmp"/x/usr/libexec/docker/cli-plugins/docker-buildx "$plugins/"
  rm -rf "$tmp"
  docker compose version >&2 && docker buildx version >&2
}

start_dockerd() {
  if docker info >/dev/null 2>&1; then return; fi
  local log="${TERRITORY_DOCKERD_LOG:-/var/log/territory-dockerd.log}"
  step "starting dockerd (log: $log)"
  setsid dockerd > "$log" 2>&1 < /dev/null &
  for _ in $(seq 1 60); do
    if docker info >/dev/null 2>&1; then step "dockerd ready (pid $(cat /var/run/docker.pid 2>/dev/null || echo '?'))"; return; fi
    sleep 0.5
  done
  echo "error: dockerd did not answer within 30 s; see $log" >&2
  exit 1
}

build() { # build IMAGE CONTEXT DOCKERFILE [ARGS...]
  local image="$1" context="$2" file="$3"; shift 3
  DOCKER_BUILDKIT=1 docker build -q -t "$image" -f "$file" "$@" "$context" >/dev/null
  step "$image: $(docker image inspect -f '{{.Size}}' "$image" | awk '{printf "%.0f MB", $1/1e6}')"
}

build_bases() {
  local dir="$root/deploy/docker/local"
  if ! have_image "$DEBIAN_IMAGE"; then
    local rootfs; rootfs="$(mktemp -d)"
    timed "debootstrap bookworm" debootstrap --variant=minbase bookworm "$rootfs" "$(debian_mirror)" >/dev/null
    rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
    timed "docker import $DEBIAN_IMAGE" sh -c "tar -C '$rootfs' -c . | docker import -c 'CMD [\"bash\"]' - '$DEBIAN_IMAGE' >/dev/null"
    rm -rf "$rootfs"
  fi
  have_image "$JRE_IMAGE" || timed "build $JRE_IMAGE" build "$JRE_IMAGE" "$dir" "$dir/jre.Dockerfile" --build-arg DEBIAN_IMAGE="$DEBIAN_IMAGE"
  if ! have_image "$KAFKA_IMAGE"; then
    local ctx; ctx="$(mktemp -d)"
    cp -r "$dir/kafka/bin" "$dir/kafka/run" "$ctx/"
    timed "Kafka jars from Maven Central" mvn -B -q -Dstyle.color=never -f "$dir/kafka/pom.xml" dependency:copy-dependencies \
      -DincludeScope=runtime -DoutputDirectory="$ctx/libs"
    timed "build $KAFKA_IMAGE" build "$KAFKA_IMAGE" "$ctx" "$dir/kafka/Dockerfile" --build-arg JRE_IMAGE="$JRE_IMAGE"
    rm -rf "$ctx"
  fi
  have_image "$PROMETHEUS_IMAGE" || timed "build $PROMETHEUS_IMAGE" build "$PROMETHEUS_IMAGE" "$dir" "$dir/prometheus.Dockerfile" --build-arg DEBIAN_IMAGE="$DEBIAN_IMAGE"
}

# The service images are rebuilt on every call (layer cache: seconds when the jars did not change),
# so they always hold the fast-jars of the last Maven build.
build_services() {
  for svc in inference-service metrics-service report-service; do
    if [ ! -f "$root/$svc/target/quarkus-app/quarkus-run.jar" ]; then
      echo "error: $svc/target/quarkus-app is missing; run mvn -B -DskipTests install first" >&2
      exit 1
    fi
  done
  timed "build territory/inference-service" build "territory/inference-service:$VERSION" "$root" \
    "$root/deploy/docker/inference-service/Dockerfile" \
    --build-arg JDK_IMAGE="$JRE_IMAGE" --build-arg RUNTIME_IMAGE="$JRE_IMAGE" --build-arg PYTORCH_FLAVOR=cpu
  for svc in metrics-service report-service; do
    timed "build territory/$svc" build "territory/$svc:$VERSION" "$root" "$root/deploy/docker/$svc/Dockerfile" \
      --build-arg JRE_IMAGE="$JRE_IMAGE"
  done
}

t0=$SECONDS
install_engine
install_plugins
start_dockerd
if [ "$mode" != "--engine-only" ]; then
  build_bases
  [ "$mode" = "--bases-only" ] || build_services
fi
step "done in $((SECONDS - t0)) s"
