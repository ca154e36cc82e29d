#!/usr/bin/env bash
# README's test command: the browser the dashboard tests drive (Debian's chromium, and fonts-liberation for readable
# screenshots) is installed when missing, then the whole suite runs. Extra arguments go to `dotnet test`.
set -euo pipefail
cd "$(dirname "$0")"

missing=()
for package in chromium fonts-liberation; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done

if [ "${#missing[@]}" -gt 0 ]; then
  echo "== installing ${missing[*]} for the dashboard's browser tests (apt-get) =="
  as_root=()
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
      as_root=(sudo)
    else
      echo "test.sh: ${missing[*]} missing, and this is not root (and there is no sudo) to install them: run" >&2
      echo "  apt-get install -y --no-install-recommends ${missing[*]}" >&2
      exit 1
    fi
  fi
  if ! "${as_root[@]}" apt-get update \
    || ! DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y --no-install-recommends "${missing[@]}"; then
    echo "test.sh: installing ${missing[*]} failed; the dashboard's browser tests need them (see docs/dashboard.md)." >&2
    exit 1
  fi
fi

exec dotnet test Workflowy.sln "$@"
