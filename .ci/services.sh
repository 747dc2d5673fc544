# Services for the store and report tests; SOURCE this file (it exports variables). Idempotent.
# - installs Debian's postgresql, chromium and fonts when missing (apt-get update first);
# - starts a throwaway PostgreSQL cluster on 127.0.0.1 (free port, data under a temp dir,
#   run as the unprivileged `postgres` user since CI runs as root; fsync off: test data only),
#   creates database `wardtwin_test`, exports WARDTWIN_TEST_PG_URL and WARDTWIN_PG_DATA;
# - exports WARDTWIN_CHROMIUM=/usr/bin/chromium;
# - installs Debian's libreoffice-calc-nogui for the CSV tests (measured: 47 s, about 280 MB);
# - starts ralph's LRS (ralph-malph 5.1.0 from PyPI, in its own virtual environment under
#   ~/.cache/wardtwin-ci/ralph; its file-system backend in append mode, see .ci/ralph_lrs.py) on
#   127.0.0.1 (free port, data under a temp dir), exports WARDTWIN_TEST_LRS_URL and
#   WARDTWIN_TEST_LRS_AUTH.
# WARDTWIN_SERVICES_NO_INSTALL=1 skips the installs. Stop the servers with: wardtwin_services_stop
wardtwin_services_start() {
  local need=()
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
  command -v chromium >/dev/null 2>&1 || need+=(chromium fonts-dejavu-core)
  command -v soffice >/dev/null 2>&1 || need+=(libreoffice-calc-nogui)
  if [ "${#need[@]}" -gt 0 ] && [ -z "${WARDTWIN_SERVICES_NO_INSTALL:-}" ]; then
    if [ "$(id -u)" -eq 0 ]; then
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null \
        || echo "services: could not install ${need[*]}" >&2
    else
      echo "services: not root; cannot install ${need[*]}" >&2
    fi
  fi
  [ -x /usr/bin/chromium ] && export WARDTWIN_CHROMIUM=/usr/bin/chromium
  wardtwin_lrs_start
  if [ -n "${WARDTWIN_TEST_PG_URL:-}" ] && [ -n "${WARDTWIN_PG_DATA:-}" ] && [ -f "$WARDTWIN_PG_DATA/postmaster.pid" ]; then
    return 0  # already running (sourced twice)
  fi
  local bin
  bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  if [ -z "$bin" ]; then echo "services: no PostgreSQL server binaries" >&2; return 0; fi
  local root port run=()
  root=$(mktemp -d /tmp/wardtwin-pg.XXXXXX)
  if [ "$(id -u)" -eq 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
    chown postgres "$root"
    run=(runuser -u postgres --)
  fi
  chmod 700 "$root"
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  (cd "$root" && "${run[@]}" "$bin/initdb" -D "$root/data" -A trust -U wardtwin -E UTF8 --no-sync >"$root/initdb.log" 2>&1) \
    || { echo "services: initdb failed (see $root/initdb.log)" >&2; return 0; }
  (cd "$root" && "${run[@]}" "$bin/pg_ctl" -D "$root/data" -l "$root/server.log" -w -t 60 \
    -o "-h 127.0.0.1 -p $port -k $root -c fsync=off -c max_connections=200" start >/dev/null) \
    || { echo "services: PostgreSQL did not start (see $root/server.log)" >&2; return 0; }
  (cd "$root" && "${run[@]}" "$bin/createdb" -h 127.0.0.1 -p "$port" -U wardtwin wardtwin_test) \
    || { echo "services: createdb failed" >&2; return 0; }
  export WARDTWIN_PG_DATA="$root/data" WARDTWIN_PG_BIN="$bin"
  export WARDTWIN_TEST_PG_URL="postgresql://wardtwin@127.0.0.1:$port/wardtwin_test"
  echo "services: PostgreSQL at $WARDTWIN_TEST_PG_URL; chromium ${WARDTWIN_CHROMIUM:-missing}" >&2
}
wardtwin_lrs_start() {
  if [ -n "${WARDTWIN_LRS_PID:-}" ] && kill -0 "$WARDTWIN_LRS_PID" 2>/dev/null; then return 0; fi
  local venv="${XDG_CACHE_HOME:-$HOME/.cache}/wardtwin-ci/ralph" here root port
  here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
  if ! "$venv/bin/python" -c 'import ralph.api, bcrypt, requests' >/dev/null 2>&1; then
    if [ -n "${WARDTWIN_SERVICES_NO_INSTALL:-}" ]; then echo "services: no ralph LRS ($venv)" >&2; return 0; fi
    { python3 -m venv "$venv" && "$venv/bin/pip" install -q 'ralph-malph[lrs]==5.1.0' 'requests>=2,<3'; } >/dev/null 2>&1 \
      || { echo "services: could not install ralph-malph into $venv" >&2; return 0; }
  fi
  root=$(mktemp -d /tmp/wardtwin-lrs.XXXXXX)
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  "$venv/bin/python" "$here/ralph_lrs.py" "$root/data" "$port" >"$root/lrs.log" 2>&1 &
  export WARDTWIN_LRS_PID=$! WARDTWIN_LRS_ROOT="$root"
  if ! python3 - "$port" <<'PY'
import sys, time, urllib.request
for _ in range(150):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/__heartbeat__", timeout=1):
            sys.exit(0)
    except OSError:
        time.sleep(0.2)
sys.exit(1)
PY
  then
    echo "services: ralph's LRS did not start (see $root/lrs.log)" >&2; return 0
  fi
  export WARDTWIN_TEST_LRS_URL="http://127.0.0.1:$port/xAPI/" WARDTWIN_TEST_LRS_AUTH="wardtwin:wardtwin-test"
  echo "services: ralph LRS at $WARDTWIN_TEST_LRS_URL" >&2
}
wardtwin_services_stop() {
  if [ -n "${WARDTWIN_LRS_PID:-}" ]; then
    # `wait` returns the server's own status (143 after SIGTERM): never let it become ours
    kill "$WARDTWIN_LRS_PID" 2>/dev/null || true
    wait "$WARDTWIN_LRS_PID" 2>/dev/null || true
    [ -n "${WARDTWIN_LRS_ROOT:-}" ] && rm -rf "$WARDTWIN_LRS_ROOT"
    unset WARDTWIN_LRS_PID WARDTWIN_LRS_ROOT WARDTWIN_TEST_LRS_URL WARDTWIN_TEST_LRS_AUTH
  fi
  if [ -n "${WARDTWIN_PG_DATA:-}" ] && [ -f "$WARDTWIN_PG_DATA/postmaster.pid" ]; then
    local run=()
    [ "$(id -u)" -eq 0 ] && run=(runuser -u postgres --)
    (cd / && "${run[@]}" "$WARDTWIN_PG_BIN/pg_ctl" -D "$WARDTWIN_PG_DATA" -m fast -w stop >/dev/null 2>&1) || true
    rm -rf "$(dirname "$WARDTWIN_PG_DATA")"
    unset WARDTWIN_TEST_PG_URL WARDTWIN_PG_DATA
  fi
}
wardtwin_services_start
