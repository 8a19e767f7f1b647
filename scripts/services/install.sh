#!/usr/bin/env bash
# Installs the Debian packages the tests need when they are missing: influxd, mosquitto and its clients,
# openssl (a village CA for the MQTTS tests), chromium, ping.
set -euo pipefail
missing=()
command -v influxd >/dev/null 2>&1 || missing+=(influxdb influxdb-client)
command -v mosquitto >/dev/null 2>&1 || missing+=(mosquitto)
command -v mosquitto_pub >/dev/null 2>&1 || missing+=(mosquitto-clients)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v ping >/dev/null 2>&1 || missing+=(iputils-ping)
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "Installing test services from Debian: ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO=sudo; else
    echo "Missing packages ${missing[*]} and not root: install them with apt-get, then run again." >&2
    exit 1
  fi
else
  SUDO=
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "Installed: ${missing[*]}"
