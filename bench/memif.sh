#!/bin/bash
# Two-process benchmark: espgw (its worker on one CPU) and espgw-gen (on
# the other) over memif. Prints espgw-gen's CSV lines (espgw-bench format,
# modes memif-out / memif-in / memif-both) and appends them to CSV if given.
#
#   bench/memif.sh [--seconds S] [--sizes "64 1420"] [--flows N] [--engine E]
#                  [--secgw BINARY] [--tag T] [--stages] [--zero-copy] [--csv FILE]
#                  [BUILD_DIR]
#
# --secgw: the gateway is DPDK's ipsec-secgw (bench/secgw.sh builds it) on
# the same CPU, ring size, tunnels and generator instead of espgw; its rows
# carry the engine name "secgw". --tag: T in the rows' distribution column
# instead of "uniform" (bench/secgw.sh marks its side-by-side rounds).
# --stages (a -Dstage_cycles=true BUILD_DIR): espgw's cycles per packet in
# each stage of the run, memif RX and TX included, on a "stages" line.
set -eu
cd "$(dirname "$0")/.."
SECS=2 SIZES="64 1420 imix" FLOWS=1 CSV="" BUILD=build ENGINE=native SECGW="" TAG=uniform STAGES=0 ZC=""
while [ $# -gt 0 ]; do
	case $1 in
	--seconds) SECS=$2; shift ;;
	--sizes) SIZES=$2; shift ;;
	--flows) FLOWS=$2; shift ;;
	--engine) ENGINE=$2; shift ;;
	--secgw) SECGW=$2; ENGINE=secgw; shift ;;
	--tag) TAG=$2; shift ;;
	--stages) STAGES=1 ;;
	--zero-copy) ZC=--zero-copy ;;
	--csv) CSV=$2; shift ;;
	*) BUILD=$1 ;;
	esac
	shift
done
[ -n "$ZC" ] && [ "$TAG" = uniform ] && TAG=zc
GEN=$BUILD/bench/espgw-gen ESPGW=$BUILD/control/espgw CTL=$BUILD/control/espgwctl
D=$(mktemp -d /tmp/espgw-memif.XXXXXX)
PID=""
cleanup() {
	[ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
	rm -rf "$D"
}
trap cleanup EXIT
"$GEN" --write-config "$D/espgw.yaml" --flows "$FLOWS" --socket-dir "$D" $ZC
chmod 600 "$D/espgw.yaml"
[ -n "$SECGW" ] || echo "crypto_engine: $ENGINE" >> "$D/espgw.yaml"
"$GEN" --write-secgw-config "$D/secgw.cfg" --flows "$FLOWS"
# ipsec-secgw: one lcore (CPU 1, as espgw's worker), librte_ipsec path (-l),
# CPU crypto on aesni_gcm, port 1 unprotected, static neighbours (the
# generator's fixed MACs; it takes the gateway's from GW_MAC in espgw_gen.c)
start_secgw() {
	local p vd="" role=server,rsize=14 eal=""
	[ -n "$ZC" ] && role=client,zero-copy=yes,rsize=10 eal=--single-file-segments
	[ -n "$ZC" ] || rm -f "$D"/memif-*.sock
	for p in 0 1; do
		vd="$vd --vdev net_memif$p,role=$role,id=$p,socket=$D/memif-$p.sock,socket-abstract=no,mac=02:00:00:00:01:0$((p + 1))"
	done
	# shellcheck disable=SC2086
	"$SECGW" -l 1 --file-prefix espgw-secgw --no-pci --no-huge $eal -m 1024 --log-level '*:warning' \
		$vd --vdev crypto_aesni_gcm0 -- -p 0x3 -P -u 0x2 -l --config "(0,0,1),(1,0,1)" \
		-f "$D/secgw.cfg" > "$D/espgw.log" 2>&1 &
	PID=$!
	[ -n "$ZC" ] && { sleep 1; kill -0 $PID 2>/dev/null && return 0; cat "$D/espgw.log"; exit 1; }
	for i in $(seq 100); do
		[ -S "$D/memif-0.sock" ] && [ -S "$D/memif-1.sock" ] && return 0
		kill -0 $PID 2>/dev/null || { cat "$D/espgw.log"; exit 1; }
		sleep 0.1
	done
	echo "ipsec-secgw did not start"; cat "$D/espgw.log"; exit 1
}
# a fresh espgw per run: the generator's ESP starts at sequence number 1
start_espgw() {
	# a gateway that died (DPDK 22.11's memif PMD can crash a server whose
	# client leaves mid-poll) leaves its sockets: the next one needs them
	# (zero-copy: the generator is the server, the sockets are its own)
	rm -f "$D/espgw.sock"
	[ -n "$ZC" ] || rm -f "$D"/memif-*.sock
	"$ESPGW" -q -c "$D/espgw.yaml" > "$D/espgw.log" 2>&1 &
	PID=$!
	for i in $(seq 100); do
		[ -S "$D/espgw.sock" ] && return 0
		kill -0 $PID 2>/dev/null || { cat "$D/espgw.log"; exit 1; }
		sleep 0.1
	done
	echo "espgw did not start"; exit 1
}
stop_espgw() {	# the gateway must still be alive; espgw must also leave cleanly
	local rc=0
	if ! kill "$PID" 2>/dev/null; then
		if [ -n "$SECGW" ]; then
			# ipsec-secgw as a zero-copy memif client dies when the
			# generator (server) leaves at the end of its run
			echo "note: ipsec-secgw was gone at the end of the run" >&2
		else
			echo "FAILED: espgw died during the run"; tail -5 "$D/espgw.log"; fail=1
		fi
	fi
	wait "$PID" 2>/dev/null || rc=$?
	if [ $rc != 0 ] && [ -n "$SECGW" ]; then
		# DPDK 22.11's memif PMD crashes some processes on the way out
		# (docs/BENCHMARKS.md); the run was measured before: not ours to fail
		echo "note: ipsec-secgw exited with $rc after the run" >&2
	elif [ $rc != 0 ]; then
		echo "FAILED: espgw exited with $rc"; tail -30 "$D/espgw.log"; fail=1
	fi
	PID=""
}
fail=0
for s in $SIZES; do
	for dir in outbound inbound both; do
		gen() {
			"$GEN" --dir $dir --size $s --flows "$FLOWS" --seconds "$SECS" \
				--socket-dir "$D" --cpu 0 ${SECGW:+--static-gw} $ZC 2>"$D/gen.err"
		}
		if [ -n "$ZC" ]; then	# the generator is the server: it goes first
			rm -f "$D"/memif-*.sock
			gen > "$D/gen.out" & GPID=$!
			for i in $(seq 50); do
				[ -S "$D/memif-0.sock" ] && [ -S "$D/memif-1.sock" ] && break
				sleep 0.1
			done
			sleep 0.3	# both ports started (ports_up())
		fi
		if [ -n "$SECGW" ]; then start_secgw; else start_espgw; fi
		rc=0
		if [ -n "$ZC" ]; then
			wait $GPID || rc=$?
			line=$(cat "$D/gen.out")
		else
			line=$(gen) || rc=$?
		fi
		# espgw-gen fails on a bad or out-of-order ESP frame or no traffic
		[ $rc = 0 ] || { echo "FAILED: espgw-gen --dir $dir --size $s: $line"; cat "$D/gen.err"; fail=1; }
		# espgw's own drops in the run (tx-full: the generator fell behind)
		drops=none
		[ -n "$SECGW" ] || drops=$("$CTL" -s "$D/espgw.sock" show drops | awk 'NR > 1 && $2 > 0 { printf "%s%s:%s", sep, $1, $2; sep = "/" }')
		if [ $STAGES = 1 ] && [ -z "$SECGW" ]; then
			"$CTL" -s "$D/espgw.sock" show workers --json | python3 -c '
import json, sys
w = json.load(sys.stdin)[0]
n = w["esp_in"] + w["esp_out"] + w["bypass"]
c = w.get("stage_cycles", {})
busy = {k: v for k, v in c.items() if k != "other"}
print("stages %s %s B, cycles per packet: " % (sys.argv[1], sys.argv[2]) +
      " ".join("%s %.0f" % (k, v / n) for k, v in busy.items() if v) +
      " | total %.0f" % (sum(busy.values()) / n) if n and c else "stages: not a stage_cycles build")
' "$dir" "$s" >&2
		fi
		stop_espgw
		[ -n "$line" ] || continue
		line="${line/,uniform,cpu,/,$TAG,$ENGINE,}"
		line="${line/,zipf,cpu,/,zipf,$ENGINE,},espgw_drops=${drops:-none}"
		echo "$line"
		[ -n "$CSV" ] && echo "$line" |
			awk -F, -v OFS=, '{ e=""; for (i = 12; i <= NF; i++) e = e (e == "" ? "" : ";") $i; NF=11; print $0, e }' >> "$CSV"
	done
done
exit $fail
