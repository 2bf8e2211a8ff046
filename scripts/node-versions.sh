#!/usr/bin/env bash
# The Node versions neuradock is tested and benched on, besides the one running npm (>= 20.18).
# Node itself comes from the npm registry (the node-<os>-<arch> packages carry the binary), is
# pinned here and kept in a cache folder, so CI and developers get the same binaries.
#
#   scripts/node-versions.sh install   # fetch the pinned versions (cached), print their bin dirs
#   scripts/node-versions.sh dirs      # print the bin dirs of the installed ones, nothing else
#
# Use one:  PATH="$(scripts/node-versions.sh dirs | grep /24)":$PATH npm test
# Cache: $NEURADOCK_NODE_CACHE, default ${XDG_CACHE_HOME:-~/.cache}/neuradock/node.
set -euo pipefail

NODE_VERSIONS=(22.23.5 24.22.3)
cache="${NEURADOCK_NODE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/neuradock/node}"

platform() {
  local os arch
  case "$(uname -s)" in
    Linux) os=linux ;;
    Darwin) os=darwin ;;
    *) echo "node-versions: unsupported OS $(uname -s)" >&2; return 1 ;;
  esac
  case "$(uname -m)" in
    x86_64 | amd64) arch=x64 ;;
    aarch64 | arm64) arch=arm64 ;;
    *) echo "node-versions: unsupported CPU $(uname -m)" >&2; return 1 ;;
  esac
  echo "$os-$arch"
}

install_one() {
  local version=$1 pkg dir tmp tarball
  pkg="node-$(platform)"
  dir="$cache/$version"
  if [ -x "$dir/bin/node" ] && [ "$("$dir/bin/node" --version)" = "v$version" ]; then
    echo "$dir/bin"
    return
  fi
  tmp=$(mktemp -d "${TMPDIR:-/tmp}/neuradock-node.XXXXXX")
  # npm pack fetches the tarball only (no install scripts run); npm's own cache applies.
  tarball=$(cd "$tmp" && npm pack --silent "$pkg@$version")
  tar -xzf "$tmp/$tarball" -C "$tmp"
  if [ "$("$tmp/package/bin/node" --version)" != "v$version" ]; then
    echo "node-versions: $pkg@$version did not give node v$version" >&2
    rm -rf "$tmp"
    return 1
  fi
  mkdir -p "$cache"
  rm -rf "$dir"
  mv "$tmp/package" "$dir"
  rm -rf "$tmp"
  echo "$dir/bin"
}

case "${1:-install}" in
  install)
    for v in "${NODE_VERSIONS[@]}"; do install_one "$v"; done
    ;;
  dirs)
    for v in "${NODE_VERSIONS[@]}"; do
      if [ -x "$cache/$v/bin/node" ]; then echo "$cache/$v/bin"; fi
    done
    ;;
  *)
    echo "usage: scripts/node-versions.sh [install|dirs]" >&2
    exit 2
    ;;
esac
