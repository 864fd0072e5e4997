#!/usr/bin/env bash
# For humans, not CI: collect every fixture under Tests/HushCollectTests/Fixtures with Django
# (django_collect.py) and check the verdict against expected-errors.txt — cases listed there
# must fail, all others must succeed. Output goes to a temp dir that is removed afterwards.
#
#   Tests/Support/verify_fixtures.sh [PYTHON] [CASE...]
#   PYTHON defaults to $HUSH_DJANGO_PYTHON, then .venv-django/bin/python, then python3.
#   -v in HUSH_VERIFY_VERBOSE=1 also prints each case's Django message.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
fixtures="$root/Tests/HushCollectTests/Fixtures"
py=${1:-${HUSH_DJANGO_PYTHON:-}}
[ $# -gt 0 ] && shift
if [ -z "$py" ]; then
  if [ -x "$root/.venv-django/bin/python" ]; then py="$root/.venv-django/bin/python"; else py=python3; fi
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

declare -A expected
while IFS= read -r line; do
  case "$line" in ''|'#'*) continue ;; esac
  expected["${line%%:*}"]=1
done < "$fixtures/expected-errors.txt"

cases=("$@")
if [ ${#cases[@]} -eq 0 ]; then
  for d in "$fixtures"/*/; do cases+=("$(basename "$d")"); done
fi

bad=0
for name in "${cases[@]}"; do
  dir="$fixtures/$name"
  args=()
  if [ -f "$dir/args.txt" ]; then
    while IFS= read -r a; do [ -n "$a" ] && args+=("$a"); done < "$dir/args.txt"
  else
    args=(.)
  fi
  out="$tmp/$name"
  if msg=$(cd "$dir" && "$py" "$here/django_collect.py" --output "$out" "${args[@]}" 2>&1); then
    verdict=ok
  else
    verdict=error
  fi
  want=ok; [ -n "${expected[$name]:-}" ] && want=error
  if [ "$verdict" = "$want" ]; then mark="  "; else mark="!!"; bad=1; fi
  printf '%s %-32s %s\n' "$mark" "$name" "$verdict"
  if [ "${HUSH_VERIFY_VERBOSE:-}" = 1 ] || [ "$verdict" != "$want" ]; then
    [ -n "$msg" ] && printf '      %s\n' "$msg"
  fi
done
exit $bad
