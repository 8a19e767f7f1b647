#!/usr/bin/env bash
# `npm run bench`: provisions the services, then runs each benchmark. Figures are ratios against
# baselines measured in the same run (bare aedes, direct InfluxDB writes).
set -euo pipefail
cd "$(dirname "$0")/../.."
bash scripts/services/install.sh
node --import tsx scripts/bench/throughput.ts "$@"
node --import tsx scripts/bench/alerts.ts "$@"
# MQTT security: throughput with accounts + ACL + checks in the hook against an open hub, and a flooder
# beside 20 normal devices; the load in child processes. Its options are its own (see the file).
node --import tsx scripts/bench/security.ts
# Pollers: 200 simulated cameras + 200 APs in a child process; its options are its own (see the file).
node --import tsx scripts/bench/pollers.ts
# Dashboard first load on a throttled phone profile, against the figures recorded before compression.
node --import tsx scripts/bench/dashboard-load.ts --baseline scripts/bench/dashboard-load.baseline.json
# Login + first page on localhost (budget 1 s; the run fails over it).
node --import tsx scripts/bench/login-load.ts
# Storage: the SQLite store's size for a village-month and -year, and its upkeep's effect on the event loop.
node --import tsx scripts/bench/storage-size.ts
# Uptime report: 30 days of 1 000 devices from SQLite and from a real InfluxDB (target ≤ 300 ms).
node --import tsx scripts/bench/uptime-report.ts
# Central mode: village uplinks → Mosquitto → 1 and 2 central instances → InfluxDB, against a bare
# subscriber in the same run; readings lost fail the run (its options are its own, see the file).
node --import tsx scripts/bench/central.ts
