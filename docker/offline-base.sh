#!/usr/bin/env bash
# Builds debian:trixie-slim locally (debootstrap → docker import) for hosts that reach Debian's mirror but no container registry.
set -euo pipefail
tag="${1:-debian:trixie-slim}"
suite="${SUITE:-trixie}"
mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
if docker image inspect "$tag" >/dev/null 2>&1 && [ "${FORCE:-0}" != 1 ]; then
  echo "offline-base: $tag already present"; exit 0
fi
command -v debootstrap >/dev/null || { echo "offline-base: needs debootstrap (apt-get install debootstrap)" >&2; exit 1; }
root=$(mktemp -d /tmp/omnic-base.XXXXXX)
trap 'rm -rf "$root"' EXIT
debootstrap --variant=minbase "$suite" "$root" "$mirror"
# Slim it the way the official -slim images are: no docs, man pages or apt lists.
rm -rf "$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/usr/share/info/* "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb
find "$root"/usr/share/locale -mindepth 1 -maxdepth 1 -not -name locale.alias -exec rm -rf {} +
cat > "$root/etc/dpkg/dpkg.cfg.d/docker-slim" <<'CFG'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
CFG
printf 'APT::Install-Recommends "false";\nAPT::Install-Suggests "false";\n' > "$root/etc/apt/apt.conf.d/99-no-recommends"
tar -C "$root" -c . | docker import --change 'CMD ["bash"]' - "$tag"
echo "offline-base: built $tag"
