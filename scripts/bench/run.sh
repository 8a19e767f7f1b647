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
# Uplink replay: a 1-hour backlog of a village (10 devices every 3 s) to Mosquitto over a link throttled
# to 1 Mbit/s (budget 60 s; the run fails over it).
node --import tsx scripts/bench/uplink.ts
# The same over a 200 ms round trip: the broker's Receive Maximum (max_inflight_messages) raised to 1000.
node --import tsx scripts/bench/uplink.ts --rtt-ms 200 --broker-inflight 1000
