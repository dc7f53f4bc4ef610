#!/bin/sh
# Builds the chat page's tgrid.js into the folder $1: npm ci from the committed lockfile (only when
# it changed), then esbuild. Without npm on the PATH it says so and builds nothing: the page then
# tells the visitor that its script is missing, and everything else still builds.
set -e
out="$1"
cd "$(dirname "$0")"
if ! command -v npm >/dev/null 2>&1 || ! command -v node >/dev/null 2>&1; then
  echo "[wsgrid] node/npm are not on the PATH: the chat page's tgrid.js is not built"
  exit 0
fi
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
node bundle.js "$out"
