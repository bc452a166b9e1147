#!/usr/bin/env bash
# Installs Debian's h2load (package nghttp2-client) for `npm run bench`, once: a no-op when it is
# already on PATH. h2load is the gRPC load generator of the benchmark (bench/h2load.ts): a C client
# that takes far less CPU per request than a Node.js client, so the figures measure the server.
# Needs root (apt-get); without h2load `npm run bench` stops and says so.
set -euo pipefail
if command -v h2load >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "setup-h2load: h2load is not installed and this is not root; install Debian's nghttp2-client" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq nghttp2-client
