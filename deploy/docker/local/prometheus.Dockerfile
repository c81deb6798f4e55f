# Stand-in for prom/prometheus on a machine without an image registry: Debian's prometheus package,
# laid out as the public image (entrypoint the server, working directory /prometheus for its data).
# Debian's build defaults --storage.tsdb.path to /var/lib/prometheus/metrics2 (upstream: data/), so
# the server runs as the package's user, who owns it (compose passes only the config file and the
# retention).
ARG DEBIAN_IMAGE=local/debian:bookworm
FROM ${DEBIAN_IMAGE}
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends prometheus \
    && rm -rf /var/lib/apt/lists/* /var/cache/apt/archives/*.deb \
    && mkdir -p /prometheus /etc/prometheus && chown prometheus:prometheus /prometheus
USER prometheus
WORKDIR /prometheus
EXPOSE 9090
ENTRYPOINT ["/usr/bin/prometheus"]
CMD ["--config.file=/etc/prometheus/prometheus.yml", "--storage.tsdb.path=/prometheus"]
