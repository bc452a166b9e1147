#!/usr/bin/env bash
# Installs Debian's MariaDB server for the Rekor v1 interop test (Trillian's storage and Rekor's
# search index; test/helpers/mariadb.ts, test/helpers/rekor-v1-stack.ts), once: a no-op when
# mariadbd and mariadb-install-db are already on PATH. The tests start their own server
# (mariadb-install-db on a private temp directory, a free loopback port, its own socket, an
# unprivileged user), so the package's own service is not wanted: dpkg is kept from starting it
# (policy-rc.d) and it is never started.
# Needs root (apt-get). Exits non-zero when MariaDB is missing and cannot be installed; the caller
# (scripts/setup-test-tools.mjs) makes that fatal under CI=true.
set -euo pipefail
found() {
  command -v mariadbd >/dev/null 2>&1 && command -v mariadb-install-db >/dev/null 2>&1 && command -v mariadb >/dev/null 2>&1
}
if found; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "setup-mariadb: MariaDB is not installed and this is not root (apt-get needs root)" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# policy-rc.d 101 keeps dpkg from starting any service during the install.
restore_policy=0
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
  chmod 0755 /usr/sbin/policy-rc.d
  restore_policy=1
fi
status=0
if ! apt-cache show mariadb-server >/dev/null 2>&1; then apt-get update -qq || status=$?; fi
if [ "$status" -eq 0 ]; then
  apt-get install -y -qq --no-install-recommends mariadb-server mariadb-client || status=$?
fi
if [ "$restore_policy" -eq 1 ]; then rm -f /usr/sbin/policy-rc.d; fi
if [ "$status" -ne 0 ]; then
  echo "setup-mariadb: apt-get install mariadb-server failed (exit $status)" >&2
  exit "$status"
fi
found || { echo "setup-mariadb: installed, but mariadbd, mariadb-install-db or mariadb is not on PATH" >&2; exit 1; }
