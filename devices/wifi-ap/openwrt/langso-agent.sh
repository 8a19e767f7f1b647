#!/bin/sh
# Làng Số agent for an OpenWrt access point: every INTERVAL seconds it publishes the number of Wi-Fi
# clients, the interface's receive/transmit rates and the uptime to the village hub over MQTT, and it
# keeps the AP's online status with an MQTT Last Will (DESIGN.md §3):
#
#   langso/<village>/<device>/telemetry  {"clients":N,"rxBps":B,"txBps":B,"uptimeS":S}   (bytes/s)
#   langso/<village>/<device>/status     {"state":"online"} retained; the Last Will makes it
#                                        {"state":"offline","reason":"lwt"} when the AP dies
#
# POSIX sh (BusyBox ash, dash): no bash-isms. Needs mosquitto_pub and mosquitto_sub (opkg package
# mosquitto-client-nossl, or mosquitto-client-ssl for TLS) and, for the client count, ubus with
# rpcd-mod-iwinfo.
#
# Settings come from the environment (the procd init script fills it from /etc/config/langso), after
# an optional file of KEY=value lines (LANGSO_CONF, default /etc/langso-agent.conf):
#   HUB       hub address (required)            PORT      MQTT port (1883; 8883 with CAFILE)
#   VILLAGE   village id (required, a slug)     DEVICE    device id (required, a slug)
#   IFACE     interface to measure (wlan0)      WIFI_DEVICES  interfaces whose stations are counted
#   INTERVAL  seconds between reports (3)                     (default: IFACE; e.g. "wlan0 wlan1")
#   PASSWORD_FILE  file holding the MQTT password that "langso device credentials VILLAGE/DEVICE"
#             printed on the hub (PASSWORD in the environment works too; never put it on a command line)
#   USERNAME  MQTT user name (VILLAGE/DEVICE when a password is given)
#   CAFILE    the village CA certificate (PEM): MQTT over TLS to the hub's MQTTS port
#   PREFIX    topic prefix (langso)             KEEPALIVE MQTT keepalive seconds (5)
#   SYSFS_ROOT, PROC_ROOT, STATE_DIR  where /sys, /proc and the agent's scratch files are (tests)
#
# `langso-agent.sh --once` reports once and exits (for cron). There is no Last Will then: the hub
# notices a dead AP only by its heartbeat timeout, so give the device a `timeoutS` of a few cron
# periods. The procd service (langso-agent.init) is the better way.

conf=${LANGSO_CONF:-/etc/langso-agent.conf}
if [ -r "$conf" ]; then
	# Only KEY=value lines; the environment given by procd or the shell wins over the file.
	while IFS='=' read -r key value; do
		case "$key" in
		'' | \#*) continue ;;
		*[!A-Z_]*) continue ;;
		esac
		eval "current=\${$key-}"
		# shellcheck disable=SC2154
		[ -n "$current" ] || eval "$key=\$value"
	done <"$conf"
fi

IFACE=${IFACE:-wlan0}
WIFI_DEVICES=${WIFI_DEVICES:-$IFACE}
# Every 3 s: the hub's 7 s heartbeat timeout for APs never trips on a live AP and catches a dead one
# within 7 s; the Last Will follows within 1.5 × keepalive (MQTT-3.1.2-24; mosquitto allows 5 s at least).
INTERVAL=${INTERVAL:-3}
PREFIX=${PREFIX:-langso}
KEEPALIVE=${KEEPALIVE:-5}
SYSFS_ROOT=${SYSFS_ROOT:-/sys}
PROC_ROOT=${PROC_ROOT:-/proc}
STATE_DIR=${STATE_DIR:-/tmp/langso-agent}

log() {
	echo "langso-agent: $*" >&2
	command -v logger >/dev/null 2>&1 && logger -t langso-agent "$*"
	return 0
}

die() {
	log "$*"
	exit 78 # EX_CONFIG: procd does not respawn a misconfigured agent in a tight loop
}

is_slug() {
	case "$1" in
	'' | *[!a-z0-9-]*) return 1 ;;
	esac
	[ "${#1}" -le 64 ]
}

[ -n "${HUB:-}" ] || die "HUB is not set (the hub's address)"
is_slug "${VILLAGE:-}" || die "VILLAGE must be a lowercase slug (a-z, 0-9, -), got '${VILLAGE:-}'"
is_slug "${DEVICE:-}" || die "DEVICE must be a lowercase slug (a-z, 0-9, -), got '${DEVICE:-}'"
case "$INTERVAL" in '' | *[!0-9]* | 0) die "INTERVAL must be a whole number of seconds, got '$INTERVAL'" ;; esac
case "$KEEPALIVE" in '' | *[!0-9]* | [0-4]) die "KEEPALIVE must be a whole number of seconds, 5 or more (mosquitto's minimum), got '$KEEPALIVE'" ;; esac
command -v mosquitto_pub >/dev/null 2>&1 || die "mosquitto_pub not found: opkg install mosquitto-client-nossl"
command -v mosquitto_sub >/dev/null 2>&1 || die "mosquitto_sub not found: opkg install mosquitto-client-nossl"
if [ -n "${PASSWORD_FILE:-}" ]; then
	[ -r "$PASSWORD_FILE" ] || die "PASSWORD_FILE $PASSWORD_FILE cannot be read"
	PASSWORD=
	read -r PASSWORD <"$PASSWORD_FILE"
	[ -n "$PASSWORD" ] || die "PASSWORD_FILE $PASSWORD_FILE is empty: put the password from 'langso device credentials $VILLAGE/$DEVICE' in it"
fi
if [ -n "${PASSWORD:-}" ]; then
	USERNAME=${USERNAME:-$VILLAGE/$DEVICE}
fi
if [ -n "${CAFILE:-}" ]; then
	[ -r "$CAFILE" ] || die "CAFILE $CAFILE cannot be read"
	PORT=${PORT:-8883}
fi
PORT=${PORT:-1883}

BASE="$PREFIX/$VILLAGE/$DEVICE"
CLIENT_ID="agent-$VILLAGE-$DEVICE"
LWT='{"state":"offline","reason":"lwt"}'
mkdir -p "$STATE_DIR" || die "cannot create $STATE_DIR"
STATUS_SEEN="$STATE_DIR/$VILLAGE-$DEVICE.status"
SUB_PID=

# Credentials and the CA reach mosquitto_pub/_sub through their options files ($XDG_CONFIG_HOME/<tool>,
# one option per line), readable by this user only: on a command line every process on the AP sees them.
OPTIONS_DIR="$STATE_DIR/mqtt-$VILLAGE-$DEVICE"
(umask 077 && mkdir -p "$OPTIONS_DIR" && chmod 700 "$OPTIONS_DIR") || die "cannot create $OPTIONS_DIR"
for tool in mosquitto_pub mosquitto_sub; do
	(
		umask 077
		: >"$OPTIONS_DIR/$tool"
		if [ -n "${USERNAME:-}" ]; then echo "-u $USERNAME" >>"$OPTIONS_DIR/$tool"; fi
		if [ -n "${PASSWORD:-}" ]; then echo "-P $PASSWORD" >>"$OPTIONS_DIR/$tool"; fi
		if [ -n "${CAFILE:-}" ]; then echo "--cafile $CAFILE" >>"$OPTIONS_DIR/$tool"; fi
	) || die "cannot write $OPTIONS_DIR/$tool"
done
XDG_CONFIG_HOME=$OPTIONS_DIR
export XDG_CONFIG_HOME

# Runs an MQTT tool with the hub's address (credentials come from the options files above);
# `mqtt exec TOOL ...` replaces the shell with it (so a background job's $! is the tool itself, and
# killing it ends the connection).
mqtt() {
	run=
	if [ "$1" = exec ]; then
		run=exec
		shift
	fi
	tool=$1
	shift
	$run "$tool" -h "$HUB" -p "$PORT" "$@"
}

publish_status() {
	mqtt mosquitto_pub -i "$CLIENT_ID-pub" -q 1 -r -t "$BASE/status" -m "$1" ||
		log "cannot publish status to $HUB:$PORT (if the hub refused the credentials: 'langso device credentials $VILLAGE/$DEVICE' on the hub, then PASSWORD_FILE here)"
}

# The Last Will lives on a long-lived MQTT connection: a mosquitto_sub subscribed to our own status
# topic. If the AP dies, the broker publishes the will. If the connection only dropped, mosquitto_sub
# reconnects and receives the retained "offline" the broker published meanwhile; the main loop sees it
# and says "online" again.
start_presence() {
	: >"$STATUS_SEEN"
	(mqtt exec mosquitto_sub -i "$CLIENT_ID" -k "$KEEPALIVE" -q 1 -t "$BASE/status" \
		--will-topic "$BASE/status" --will-payload "$LWT" --will-qos 1 --will-retain) >>"$STATUS_SEEN" &
	SUB_PID=$!
}

presence_alive() {
	[ -n "$SUB_PID" ] && kill -0 "$SUB_PID" 2>/dev/null
}

stop() {
	trap - TERM INT HUP
	[ -n "${SLEEP_PID:-}" ] && kill "$SLEEP_PID" 2>/dev/null
	if presence_alive; then
		kill "$SUB_PID" 2>/dev/null
		wait "$SUB_PID" 2>/dev/null
	fi
	# A stop on purpose is not a failure: say so rather than leave the will's "lwt".
	publish_status '{"state":"offline","code":"agent-stopped","reason":"agent stopped"}'
	rm -f "$STATUS_SEEN"
	exit 0
}
trap stop TERM INT HUP

# Stations associated on each WLAN interface, from rpcd's iwinfo over ubus.
count_clients() {
	total=0
	found=
	for dev in $WIFI_DEVICES; do
		out=$(ubus call iwinfo assoclist "{\"device\":\"$dev\"}" 2>/dev/null) || continue
		found=1
		n=$(printf '%s\n' "$out" | grep -o '"mac"' | wc -l)
		total=$((total + n))
	done
	[ -n "$found" ] && echo "$total"
}

read_number() {
	[ -r "$1" ] || return 1
	read -r v <"$1" || return 1
	case "$v" in '' | *[!0-9]*) return 1 ;; esac
	echo "$v"
}

# Bytes per second from two counter readings; nothing when the counter went backwards (interface
# re-created or counters reset) unless it was near the top of a 32-bit counter (a wrap: 32-bit
# kernels keep 32-bit interface statistics).
rate() {
	cur=$1 prev=$2 centis=$3
	if [ "$cur" -ge "$prev" ]; then
		delta=$((cur - prev))
	elif [ "$prev" -lt 4294967296 ] && [ "$prev" -ge 3221225472 ]; then
		delta=$((cur + 4294967296 - prev))
	else
		return 1
	fi
	echo $((delta * 100 / centis))
}

prev_rx= prev_tx= prev_cs=
PREV_FILE="$STATE_DIR/$VILLAGE-$DEVICE.prev"

report() {
	read -r up _ <"$PROC_ROOT/uptime" || up=
	uptime_s=${up%%.*}
	# /proc/uptime has centiseconds: "12345.67"
	cs=$(echo "$up" | tr -d '.')
	json=
	if [ -n "$uptime_s" ]; then json="\"uptimeS\":$uptime_s"; fi
	clients=$(count_clients) && json="$json${json:+,}\"clients\":$clients"

	stats="$SYSFS_ROOT/class/net/$IFACE/statistics"
	rx=$(read_number "$stats/rx_bytes") || rx=
	tx=$(read_number "$stats/tx_bytes") || tx=
	if [ -n "$rx" ] && [ -n "$tx" ] && [ -n "$cs" ]; then
		if [ -n "$prev_cs" ] && [ "$cs" -gt "$prev_cs" ]; then
			elapsed=$((cs - prev_cs))
			r=$(rate "$rx" "$prev_rx" "$elapsed") && json="$json${json:+,}\"rxBps\":$r"
			t=$(rate "$tx" "$prev_tx" "$elapsed") && json="$json${json:+,}\"txBps\":$t"
		fi
		prev_rx=$rx prev_tx=$tx prev_cs=$cs
	elif [ -z "$rx" ]; then
		log "no counters for $IFACE under $stats"
	fi
	mqtt mosquitto_pub -i "$CLIENT_ID-pub" -q 0 -t "$BASE/telemetry" -m "{$json}" || log "cannot publish telemetry to $HUB:$PORT"
}

if [ "${1:-}" = "--once" ]; then
	# The previous sample survives between cron runs in a file, so rates need no resident process.
	[ -r "$PREV_FILE" ] && read -r prev_rx prev_tx prev_cs <"$PREV_FILE"
	publish_status '{"state":"online"}'
	report
	[ -n "$prev_cs" ] && echo "$prev_rx $prev_tx $prev_cs" >"$PREV_FILE"
	exit 0
fi

start_presence
publish_status '{"state":"online"}'
while :; do
	if ! presence_alive; then
		log "MQTT presence connection ended; starting it again"
		start_presence
		publish_status '{"state":"online"}'
	elif [ "$(tail -n 1 "$STATUS_SEEN" 2>/dev/null)" != '{"state":"online"}' ] && [ -s "$STATUS_SEEN" ]; then
		# The broker holds something else (our will after a dropped connection, or a stale status).
		publish_status '{"state":"online"}'
		: >"$STATUS_SEEN"
	fi
	report
	# Sleep in the background so TERM is handled at once, not after the sleep.
	sleep "$INTERVAL" &
	SLEEP_PID=$!
	wait "$SLEEP_PID"
	SLEEP_PID=
done
