#!/usr/bin/env bash
# Installs Debian's PostgreSQL server for the tests of the PostgreSQL state store
# (test/integration/postgres-*.test.ts), once: a no-op when initdb and postgres are already in
# /usr/lib/postgresql/<version>/bin. The tests start their own server (test/helpers/postgres.ts:
# initdb on a private temp directory, a free loopback port, an unprivileged user), so the package's
# default cluster is not wanted: it is switched off before the install and never started.
# Needs root (apt-get). Exits non-zero when PostgreSQL is missing and cannot be installed; the
# caller (scripts/setup-test-tools.mjs) makes that fatal under CI=true.
set -euo pipefail
found() {
  for d in /usr/lib/postgresql/*/bin; do
    if [ -x "$d/initdb" ] && [ -x "$d/postgres" ] && [ -x "$d/pg_ctl" ]; then
      return 0
    fi
  done
  return 1
}
if found; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "setup-postgres: PostgreSQL is not installed and this is not root (apt-get needs root)" >&2
  exit 1
fi
# postgresql-common reads this directory before creating the "main" cluster on install.
mkdir -p /etc/postgresql-common/createcluster.d
printf '# certus-trust tests start their own throwaway servers\ncreate_main_cluster = false\n' \
  > /etc/postgresql-common/createcluster.d/certus-trust-no-main-cluster.conf
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# policy-rc.d 101 keeps dpkg from starting any service during the install.
restore_policy=0
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
  chmod 0755 /usr/sbin/policy-rc.d
  restore_policy=1
fi
status=0
apt-get install -y -qq --no-install-recommends postgresql postgresql-client || status=$?
if [ "$restore_policy" -eq 1 ]; then rm -f /usr/sbin/policy-rc.d; fi
if [ "$status" -ne 0 ]; then
  echo "setup-postgres: apt-get install postgresql failed (exit $status)" >&2
  exit "$status"
fi
found || { echo "setup-postgres: installed, but no initdb/postgres under /usr/lib/postgresql/*/bin" >&2; exit 1; }
