# omnic appliance image: Node and every converter from Debian; targets kitchen-sink (default), image, empty.
# Build: DOCKER_BUILDKIT=0 docker build --network host [--target image] -t omnic .   (see docs/docker.md)
ARG BASE=debian:trixie-slim

# ---- base: Node, tini, CA roots and the unprivileged user every target shares
FROM ${BASE} AS base
COPY docker/install-packages.sh /opt/omnic-build/install-packages.sh
COPY docker/packages/base.txt /opt/omnic-build/packages/base.txt
RUN /opt/omnic-build/install-packages.sh --slim base \
 && groupadd --gid 10001 omnic \
 && useradd --uid 10001 --gid omnic --home-dir /nonexistent --no-create-home --shell /usr/sbin/nologin omnic \
 && mkdir -p /var/cache/omnic /app \
 && chown omnic:omnic /var/cache/omnic

# ---- deps: production node_modules; npm comes from the registry tarball so Debian's large npm package stays out
FROM base AS deps
ARG NPM_VERSION=10.9.4
# Hosts behind a TLS-inspecting proxy pass its CA (PEM text) here; it is used by this build stage only.
ARG EXTRA_CA_CERTS=""
ENV NODE_EXTRA_CA_CERTS=/opt/build-ca.pem
WORKDIR /build
RUN { cat /etc/ssl/certs/ca-certificates.crt; printf '%s\n' "$EXTRA_CA_CERTS"; } > /opt/build-ca.pem \
 && node -e "fetch('https://registry.npmjs.org/npm/-/npm-' + process.argv[1] + '.tgz').then(async (r) => { if (!r.ok) throw new Error('npm tarball: HTTP ' + r.status); process.stdout.write(Buffer.from(await r.arrayBuffer())); })" "$NPM_VERSION" \
      | tar -xz -C /opt \
 && mv /opt/package /opt/npm
COPY package.json package-lock.json ./
RUN node /opt/npm/bin/npm-cli.js ci --omit=dev --no-audit --no-fund --loglevel=warn \
 && rm -rf /root/.npm \
 && find node_modules \( -name '*.md' -o -name '*.map' -o -name '*.d.ts' -o -name '*.d.mts' -o -name '*.d.cts' \) -type f -delete

# ---- runtime: metadata every target shares (the image is configured only by OMNIC_* variables)
FROM base AS runtime
WORKDIR /app
# HOME and every tool's scratch space live on /tmp so the root filesystem can be read-only (--read-only --tmpfs /tmp).
ENV NODE_ENV=production \
    HOME=/tmp \
    TMPDIR=/tmp \
    OMNIC_CACHE_DIR=/var/cache/omnic
EXPOSE 8080
STOPSIGNAL SIGTERM
# Asks the address omnic listens on (loopback when it listens on every interface), with Node alone: no curl in the image.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "const h = process.env.OMNIC_HOST; const host = !h || h === '0.0.0.0' || h === '::' ? '127.0.0.1' : h.includes(':') ? '[' + h + ']' : h; fetch('http://' + host + ':' + (process.env.OMNIC_PORT || 8080) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["/usr/bin/tini", "--", "node", "/app/bin/omnic.js"]
CMD ["serve"]

# ---- empty: no converters; health, readiness, metrics and /formats still answer
FROM runtime AS empty
COPY --from=deps /build/node_modules /app/node_modules
COPY package.json tsconfig.json /app/
COPY bin /app/bin
COPY profiles /app/profiles
COPY src /app/src
ENV OMNIC_PROFILE=empty
USER 10001:10001
VOLUME /var/cache/omnic

# ---- image: sharp only (its prebuilt libvips comes from npm); no system converters
FROM empty AS image
ENV OMNIC_PROFILE=image

# ---- kitchen-sink (default): every converter's Debian packages from docker/packages/*.txt
FROM runtime AS kitchen-sink
COPY docker/install-packages.sh /opt/omnic-build/install-packages.sh
COPY docker/packages /opt/omnic-build/packages
RUN /opt/omnic-build/install-packages.sh --slim kitchen-sink \
 && (command -v fc-cache >/dev/null && fc-cache -f || true)
COPY --from=empty /app /app
ENV OMNIC_PROFILE=kitchen-sink
USER 10001:10001
# Fail the build, not the first boot, when a package list misses a tool the profile needs.
RUN node /app/bin/omnic.js doctor && find /tmp -mindepth 1 -delete
VOLUME /var/cache/omnic
