#!/usr/bin/env bash
# First response of the dashboard host: spawn the binary, then ask for /workflowy/ until it answers 200; the time from
# spawn to that answer, the answer's size, and the process's RSS then. Usage:
#   benchmarks/dashboard/first-response.sh artifacts/dashboard-aot/Workflowy.DashboardHost [runs]
#   benchmarks/dashboard/first-response.sh "dotnet samples/Workflowy.DashboardHost/bin/Release/net10.0/Workflowy.DashboardHost.dll" [runs]
# Prints one line per run and the median. Loopback only; each process is stopped by its own pid.
set -euo pipefail
command="$1"
runs="${2:-7}"
port=$(( 20000 + RANDOM % 20000 ))
times=()
for i in $(seq 1 "$runs"); do
  start=$(date +%s%N)
  $command --urls "http://127.0.0.1:${port}" --demo false >/dev/null 2>&1 &
  pid=$!
  size=""
  for _ in $(seq 1 2000); do
    if size=$(curl -s -o /tmp/dashboard-first-response.html -w '%{http_code} %{size_download}' "http://127.0.0.1:${port}/workflowy/" 2>/dev/null) && [ "${size%% *}" = "200" ]; then
      break
    fi
    size=""
    sleep 0.005
  done
  end=$(date +%s%N)
  rss=$(awk '/VmRSS/ { print $2 }' "/proc/${pid}/status" 2>/dev/null || echo "?")
  kill "$pid"
  wait "$pid" 2>/dev/null || true
  if [ -z "$size" ]; then
    echo "run ${i}: no answer" >&2
    exit 1
  fi
  ms=$(( (end - start) / 1000000 ))
  times+=("$ms")
  echo "run ${i}: first 200 after ${ms} ms, ${size#* } bytes of HTML, RSS ${rss} KiB"
done
sorted=($(printf '%s\n' "${times[@]}" | sort -n))
echo "median: ${sorted[$(( runs / 2 ))]} ms over ${runs} runs"
