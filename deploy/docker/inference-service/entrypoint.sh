#!/bin/sh
# Points DJL at the libtorch flavor fetched at image build time (see the Dockerfile), if any;
# otherwise DJL uses the CPU libtorch jar on the classpath.
set -eu
dir="${DJL_CACHE_DIR:-/opt/djl}/pytorch/${PYTORCH_VERSION}-${PYTORCH_FLAVOR}-linux-x86_64"
if [ "${PYTORCH_FLAVOR}" != "cpu" ] && [ -f "$dir/libtorch.so" ]; then
  export PYTORCH_LIBRARY_PATH="$dir"
fi
# shellcheck disable=SC2086
exec java ${JAVA_OPTS:-} -jar /deployments/quarkus-run.jar "$@"
