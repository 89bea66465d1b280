#!/bin/bash
# Two-process benchmark: espgw (its worker on one CPU) and espgw-gen (on
# the other) over memif. Prints espgw-gen's CSV lines (espgw-bench format,
# modes memif-out / memif-in / memif-both) and appends them to CSV if given.
#
#   bench/memif.sh [--seconds S] [--sizes "64 1420"] [--flows N] [--engine E]
#                  [--csv FILE] [BUILD_DIR]
set -eu
cd "$(dirname "$0")/.."
SECS=2 SIZES="64 1420 imix" FLOWS=1 CSV="" BUILD=build ENGINE=native
while [ $# -gt 0 ]; do
	case $1 in
	--seconds) SECS=$2; shift ;;
	--sizes) SIZES=$2; shift ;;
	--flows) FLOWS=$2; shift ;;
	--engine) ENGINE=$2; shift ;;
	--csv) CSV=$2; shift ;;
	*) BUILD=$1 ;;
	esac
	shift
done
GEN=$BUILD/bench/espgw-gen ESPGW=$BUILD/control/espgw CTL=$BUILD/control/espgwctl
D=$(mktemp -d /tmp/espgw-memif.XXXXXX)
PID=""
cleanup() {
	[ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
	rm -rf "$D"
}
trap cleanup EXIT
"$GEN" --write-config "$D/espgw.yaml" --flows "$FLOWS" --socket-dir "$D"
echo "crypto_engine: $ENGINE" >> "$D/espgw.yaml"
# a fresh espgw per run: the generator's ESP starts at sequence number 1
start_espgw() {
	rm -f "$D/espgw.sock"
	"$ESPGW" -q -c "$D/espgw.yaml" > "$D/espgw.log" 2>&1 &
	PID=$!
	for i in $(seq 100); do
		[ -S "$D/espgw.sock" ] && return 0
		kill -0 $PID 2>/dev/null || { cat "$D/espgw.log"; exit 1; }
		sleep 0.1
	done
	echo "espgw did not start"; exit 1
}
stop_espgw() {	# espgw must still be alive, and leave cleanly
	local rc=0
	kill "$PID" 2>/dev/null || { echo "FAILED: espgw died during the run"; tail -5 "$D/espgw.log"; fail=1; }
	wait "$PID" 2>/dev/null || rc=$?
	[ $rc = 0 ] || { echo "FAILED: espgw exited with $rc"; tail -30 "$D/espgw.log"; fail=1; }
	PID=""
}
fail=0
for s in $SIZES; do
	for dir in outbound inbound both; do
		start_espgw
		line=$("$GEN" --dir $dir --size $s --flows "$FLOWS" --seconds "$SECS" \
			--socket-dir "$D" --cpu 0 2>"$D/gen.err") || {
			echo "FAILED: espgw-gen --dir $dir --size $s: $line"; cat "$D/gen.err"; fail=1; }
		# espgw's own drops in the run (tx-full: the generator fell behind)
		drops=$("$CTL" -s "$D/espgw.sock" show drops | awk 'NR > 1 && $2 > 0 { printf "%s%s:%s", sep, $1, $2; sep = "/" }')
		stop_espgw
		[ -n "$line" ] || continue
		line="${line/,uniform,cpu,/,uniform,$ENGINE,}"
		line="${line/,zipf,cpu,/,zipf,$ENGINE,},espgw_drops=${drops:-none}"
		echo "$line"
		[ -n "$CSV" ] && echo "$line" |
			awk -F, -v OFS=, '{ e=""; for (i = 12; i <= NF; i++) e = e (e == "" ? "" : ";") $i; NF=11; print $0, e }' >> "$CSV"
	done
done
exit $fail
