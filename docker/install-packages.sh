#!/usr/bin/env bash
# Installs the Debian packages a target needs: base.txt plus the union of docker/packages/<converter>.txt (Dockerfile and .ci/run).
set -euo pipefail
usage() {
  cat <<'USAGE'
usage: docker/install-packages.sh [--print] [--no-base] [--slim] <target|converter>...
  kitchen-sink | all   every docker/packages/<converter>.txt
  image | empty        no converter packages (sharp ships its own libvips)
  <converter>          docker/packages/<converter>.txt only
  --print    list the packages and exit (nothing installed)
  --no-base  leave out base.txt (CI hosts bring their own Node)
  --slim     image builds only: drop apt lists, caches, docs, man pages and locales afterwards
USAGE
}
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
lists="$here/packages"
print=0 base=1 slim=0 targets=()
for arg in "$@"; do
  case "$arg" in
    --print) print=1 ;;
    --no-base) base=0 ;;
    --slim) slim=1 ;;
    -h|--help) usage; exit 0 ;;
    -*) usage >&2; exit 2 ;;
    *) targets+=("$arg") ;;
  esac
done
[ "${#targets[@]}" -gt 0 ] || { usage >&2; exit 2; }

files=()
[ "$base" = 1 ] && files+=("$lists/base.txt")
for target in "${targets[@]}"; do
  case "$target" in
    kitchen-sink|all) for f in "$lists"/*.txt; do [ "$(basename "$f")" = base.txt ] || files+=("$f"); done ;;
    image|empty|base) ;;
    *) [ -f "$lists/$target.txt" ] || { echo "install-packages: no list docker/packages/$target.txt" >&2; exit 2; }
       files+=("$lists/$target.txt") ;;
  esac
done
# One package per line; '#' starts a comment.
packages=$( [ "${#files[@]}" -gt 0 ] && sed -e 's/#.*//' -e 's/[[:space:]]//g' "${files[@]}" | grep -v '^$' | sort -u || true)
if [ "$print" = 1 ]; then
  [ -z "$packages" ] || echo "$packages"
  exit 0
fi
if [ -n "$packages" ]; then
  export DEBIAN_FRONTEND=noninteractive
  # A fresh image has no package lists; a CI host usually has them already.
  compgen -G '/var/lib/apt/lists/*_Packages*' >/dev/null || apt-get update -qq
  # shellcheck disable=SC2086 # one word per package, on purpose
  apt-get install -y -qq --no-install-recommends $packages
fi
# After pruning, every installed program must still find all its shared libraries.
check_linked() {
  local broken
  broken=$(find /usr/bin /usr/sbin /usr/lib/libreoffice/program -maxdepth 1 -type f -perm -u+x -print0 2>/dev/null \
    | xargs -0 -r -n 50 ldd 2>/dev/null | awk '/^\// { file = $1 } /not found/ { print file, $1 }' || true)
  [ -z "$broken" ] || { echo "install-packages: pruning broke shared libraries:" >&2; echo "$broken" >&2; exit 1; }
}
if [ "$slim" = 1 ]; then
  apt-get clean
  rm -rf /var/lib/apt/lists/* /var/cache/apt/* /var/cache/debconf/*-old /var/log/apt /var/log/dpkg.log /tmp/* \
    /usr/share/man/* /usr/share/info/* /usr/share/lintian /usr/share/linda
  find /usr/share/doc -mindepth 1 -not -name copyright -not -type d -delete 2>/dev/null || true
  find /usr/share/doc -mindepth 1 -type d -empty -delete 2>/dev/null || true
  find /usr/share/locale -mindepth 1 -maxdepth 1 -not -name locale.alias -exec rm -rf {} + 2>/dev/null || true
  # Parts of the converters only their GUIs use (clip-art, templates, wizards, tutorials); headless conversion never reads them.
  rm -rf /usr/lib/libreoffice/share/gallery /usr/lib/libreoffice/share/template /usr/lib/libreoffice/share/wizards \
    /usr/lib/libreoffice/program/wizards /usr/share/inkscape/tutorials /usr/share/inkscape/examples \
    /usr/share/inkscape/templates /usr/share/inkscape/screens /usr/share/inkscape/branding \
    /usr/include /usr/share/gtk-doc /usr/share/help
  # f3d's VTK pulls OpenMPI -> UCX -> the ROCm GPU runtime and its LLVM 17 (200 MB): only UCX's ROCm plugins would load them,
  # and omnic never runs MPI on a GPU. OpenCASCADE's test data: f3d reads STEP/IGES through OCCT and never opens it.
  rm -rf /usr/lib/x86_64-linux-gnu/ucx/*rocm* /usr/lib/x86_64-linux-gnu/libamdhip64.so* /usr/lib/x86_64-linux-gnu/libamd_comgr.so* \
    /usr/lib/x86_64-linux-gnu/libLLVM-17.so* /usr/share/opencascade/data /usr/share/opencascade/samples
  check_linked
fi
echo "install-packages: done (${targets[*]})"
