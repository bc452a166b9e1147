#!/usr/bin/env bash
# Installs Debian's chromium for the browser test (test/browser/), once: a no-op when it is
# already on PATH. Needs root (apt-get); without chromium the browser test says why and skips,
# except in CI (CI=true), where a chromium that cannot be installed fails here.
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  if [ "${CI:-}" = "true" ]; then
    echo "setup-chromium: chromium is not installed and this is not root (apt-get needs root); required under CI=true" >&2
    exit 1
  fi
  echo "setup-chromium: chromium is not installed and this is not root; the browser test will skip" >&2
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq chromium
