# Stand-in for eclipse-temurin:17-jre/-jdk on a machine that reaches Debian's mirror but no image
# registry (built by deploy/local-images.sh FROM the debootstrapped Debian base).
ARG DEBIAN_IMAGE=local/debian:bookworm
FROM ${DEBIAN_IMAGE}
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      openjdk-17-jre-headless ca-certificates passwd \
    && rm -rf /var/lib/apt/lists/* /var/cache/apt/archives/*.deb
ENV LANG=C.UTF-8
CMD ["bash"]
