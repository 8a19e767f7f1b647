#!/usr/bin/env bash
# `npm run bench`: provisions the services, builds the hub once, then measures it as a village runs it
# (`node dist/hub/cli.js start`, a process of its own) with load from generator processes of their own:
# ingest (with durability on and off), push to 100 dashboards, memory, recovery, uplink replay, central
# mode, the uptime report and the dashboard's first load. Figures are ratios
# against baselines measured in the same run (bare aedes, bare socket.io, direct InfluxDB writes, an
# earlier commit); they go to docs/benchmarks.md. About 25 minutes on 2 cores.
# `npm run bench -- --all` then runs the older benchmarks too (alerts, MQTT security, pollers, login,
# storage size).
set -euo pipefail
cd "$(dirname "$0")/../.."
bash scripts/services/install.sh
LANGSO_BENCH_OUT="$(mktemp -d)"
LANGSO_BENCH_COMMIT="$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- . ':!docs/benchmarks.md' || echo '+changes')"
export LANGSO_BENCH_OUT LANGSO_BENCH_COMMIT
trap 'rm -rf "$LANGSO_BENCH_OUT"' EXIT
# The pollers' last commit with a connection per polled device: the "before" of the memory benchmark.
POLLERS_BEFORE='18d632b^'
npx tsc -p tsconfig.build.json && node scripts/build/bundle.mjs
status=0
node --import tsx scripts/bench/ingest.ts --no-build || status=1
node --import tsx scripts/bench/push.ts --no-build || status=1
node --import tsx scripts/bench/memory.ts --no-build --before "$POLLERS_BEFORE" || status=1
node --import tsx scripts/bench/recovery.ts --no-build || status=1
# Uplink replay: a 1-hour backlog of a village (10 devices every 3 s) to Mosquitto over a link throttled
# to 1 Mbit/s (budget 60 s; the run fails over it).
node --import tsx scripts/bench/uplink.ts || status=1
# The same over a 200 ms round trip: the broker's Receive Maximum (max_inflight_messages) raised to 1000.
node --import tsx scripts/bench/uplink.ts --rtt-ms 200 --broker-inflight 1000 || status=1
# Central mode: village uplinks → Mosquitto → 1 and 2 central instances → InfluxDB, against a bare
# subscriber in the same run; readings lost fail the run (its options are its own, see the file).
node --import tsx scripts/bench/central.ts || status=1
# The record commune IT reviews: a 30-day uptime report of 1 000 devices from SQLite and from a real
# InfluxDB (target ≤ 300 ms), and the overview with its uptime figures on a throttled phone (≤ 1 s).
node --import tsx scripts/bench/uptime-report.ts || status=1
node --import tsx scripts/bench/dashboard-load.ts --baseline scripts/bench/dashboard-load.baseline.json || status=1
node --import tsx scripts/bench/write-doc.ts "$LANGSO_BENCH_OUT"
if [[ "${1:-}" == "--all" ]]; then
  node --import tsx scripts/bench/alerts.ts || status=1
  # MQTT security: throughput with accounts + ACL + checks in the hook against an open hub, and a flooder
  # beside 20 normal devices; the load in child processes. Its options are its own (see the file).
  node --import tsx scripts/bench/security.ts || status=1
  # Pollers: 200 simulated cameras + 200 APs in a child process; its options are its own (see the file).
  node --import tsx scripts/bench/pollers.ts || status=1
  # Login + first page on localhost (budget 1 s; the run fails over it).
  node --import tsx scripts/bench/login-load.ts || status=1
  # Storage: the SQLite store's size for a village-month and -year, and its upkeep's effect on the event loop.
  node --import tsx scripts/bench/storage-size.ts || status=1
fi
exit "$status"
