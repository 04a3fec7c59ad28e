#!/bin/sh
# Runs a command with a throwaway PostgreSQL server: installs Debian's postgresql where no server
# binaries are found (as root), makes a cluster in a temporary folder on a free port, exports its
# URL as QINGLIAN_TEST_PG_URL, runs the command and removes the cluster whatever the outcome.
# Usage: scripts/pg-test-server.sh COMMAND [ARGS...]
set -eu

if [ -n "${QINGLIAN_TEST_PG_URL:-}" ]; then
  exec "$@"  # a server given from outside (CI service)
fi

find_bin() {
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && [ -x "$d/postgres" ]; then echo "$d"; return 0; fi
  done
  d=$(dirname "$(command -v initdb 2>/dev/null || echo /nonexistent/initdb)")
  if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then echo "$d"; return 0; fi
  return 1
}

bin=$(find_bin || true)
if [ -z "$bin" ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "pg-test-server: no PostgreSQL server found; install it as root: apt-get install postgresql" >&2
    exit 1
  fi
  echo "installing Debian packages: postgresql"
  # policy-rc.d keeps the package from starting its own cluster as a service (one already there,
  # as in container images, is left alone).
  made_policy=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && made_policy=1
  fi
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >/dev/null
  [ -z "$made_policy" ] || rm -f /usr/sbin/policy-rc.d
  bin=$(find_bin)
fi

# initdb refuses root: the cluster belongs to the postgres account (made by the package; made here
# where it is missing).
as=""
if [ "$(id -u)" = 0 ]; then
  id postgres >/dev/null 2>&1 || useradd --system --home-dir /nonexistent --shell /usr/sbin/nologin postgres
  as="runuser -u postgres --"
fi

dir=$(mktemp -d /tmp/qinglian-pg.XXXXXX)
chmod 755 "$dir"
[ -z "$as" ] || chown postgres "$dir"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

stop() {
  $as "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap stop EXIT
trap 'exit 130' INT TERM

$as "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --no-locale --no-sync >/dev/null
# Durability is of no use to a throwaway cluster: fsync off keeps CREATE DATABASE per test module fast.
$as "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
  -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
  start >/dev/null || { cat "$dir/server.log" >&2; exit 1; }

export QINGLIAN_TEST_PG_URL="postgresql+psycopg://postgres@127.0.0.1:$port/postgres"
echo "PostgreSQL $("$bin/postgres" --version | awk '{print $3}') for the tests on port $port"
"$@"
