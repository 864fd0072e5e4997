#!/usr/bin/env bash
# Checks the self-contained binary that `make dist` builds:
#   1. ldd lists only the C runtime (no Swift runtime, no zlib/Brotli shared objects);
#   2. with every Swift toolchain hidden by a mount namespace it still prints its version,
#      collects sample-static/ and serves a hashed file with Brotli.
# Prints "dist: N passed, N failed" and exits non-zero on any failure.
set -uo pipefail
binary=${1:?usage: test_dist.sh PATH/TO/hush}
binary=$(readlink -f "$binary")
cd "$(dirname "$0")/../.."
passed=0 failed=0
check() { # name, then a command; the command's output is shown only when it fails
  local name=$1; shift
  local out
  if out=$("$@" 2>&1); then passed=$((passed + 1)); echo "ok   $name"
  else failed=$((failed + 1)); echo "FAIL $name"; printf '%s\n' "$out" | sed 's/^/     /'; fi
}

only_c_runtime() {
  local libs extra
  libs=$(ldd "$binary") || return 1
  echo "$libs"
  # The C runtime: glibc's libraries, the dynamic loader, the vDSO, and GCC's unwinder.
  extra=$(echo "$libs" | grep -vE '^\s*(linux-vdso\.so|/lib64/ld-linux|lib(c|m|dl|pthread|rt|util|resolv)\.so|libgcc_s\.so)' || true)
  [ -z "$extra" ] || { echo "not C runtime: $extra"; return 1; }
}

# Runs "$@" in a mount namespace where each Swift toolchain directory is an empty tmpfs.
without_swift() {
  local hide=() dir
  for dir in /opt/swift /usr/share/swift "$(dirname "$(dirname "$(readlink -f "$(command -v swift 2>/dev/null || echo /nonexistent/bin/x)")")")"; do
    [ -d "$dir" ] && hide+=("$dir")
  done
  unshare --mount --propagation private bash -c '
    for d in "${@:2:$1}"; do [ -d "$d" ] || continue; mount -t tmpfs tmpfs "$d" || exit 1; done
    shift $(($1 + 1))
    if command -v swift >/dev/null || ls /opt/swift/usr/lib/swift/linux/libswiftCore.so >/dev/null 2>&1; then
      echo "a Swift toolchain is still visible"; exit 1
    fi
    [ -z "${PIDFILE:-}" ] || echo $$ > "$PIDFILE"
    exec "$@"' hide "${#hide[@]}" "${hide[@]}" "$@"
}

runs_without_toolchain() {
  local work port pid status=1
  work=$(mktemp -d)
  without_swift "$binary" --version || { rm -rf "$work"; return 1; }
  without_swift "$binary" collect sample-static/site sample-static/theme vendor=sample-static/vendor \
    --output "$work/root" --quiet || { rm -rf "$work"; return 1; }
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  PIDFILE=$work/pid without_swift "$binary" serve --root "$work/root" --host 127.0.0.1 --port "$port" \
    > "$work/serve.log" 2>&1 &
  hashed=$(python3 -c 'import json,sys; m=json.load(open(sys.argv[1]))["paths"]; print(next(v for k,v in m.items() if k.endswith(".css")))' "$work/root/staticfiles.json")
  for _ in $(seq 1 100); do  # bounded: at most 10 s for the server to listen
    pid=$(cat "$work/pid" 2>/dev/null)
    if headers=$(curl -sS -o /dev/null -D - -H 'Accept-Encoding: br' "http://127.0.0.1:$port/static/$hashed" 2>/dev/null); then
      echo "$headers"
      if echo "$headers" | grep -q '^HTTP/1.1 200' && echo "$headers" | grep -qi '^content-encoding: br'; then status=0; fi
      break
    fi
    [ -z "$pid" ] || kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  [ -z "$pid" ] || kill -TERM "$pid" 2>/dev/null
  wait
  cat "$work/serve.log"
  rm -rf "$work"
  return $status
}

[ "$(id -u)" = 0 ] || { echo "test_dist.sh: needs root for the mount namespace (run: sudo make test-dist)"; exit 1; }
check "ldd lists only the C runtime" only_c_runtime
check "--version, collect and serve with no Swift toolchain visible" runs_without_toolchain
echo "dist: $(du -k "$binary" | cut -f1) KiB stripped"
echo "dist: $passed passed, $failed failed"
[ "$failed" = 0 ]
