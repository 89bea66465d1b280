#!/bin/bash
# The pktgen matrix: Pktgen-DPDK in front of espgw, and in front of DPDK's
# own port-to-port forwarder as the harness's ceiling (basicfwd, the
# skeleton example: rx burst on one port, tx burst on the other, what
# testpmd's io mode does; Debian 12 ships no dpdk-testpmd, so it is built
# from the dpdk-doc package's examples), over memif on this machine, in the
# same run. Prints one table row per gateway,
# direction and frame size: what pktgen sent, what came back, and who
# limited the rate.
#
#   bench/pktgen/run.sh [--pktgen BIN] [--seconds S] [--sizes "64 512 1420 imix"]
#                       [--dirs "out in both"] [--targets "fwd espgw"] [--arp]
#                       [--search LOSS [--steps N]] [BUILD_DIR]
#
#   --pktgen  the binary bench/pktgen/build.sh made (default
#             /tmp/espgw-pktgen/build/app/pktgen)
#   out: pktgen port 0 sends UDP 198.18.1.2 -> 198.18.2.2 into the
#        gateway's inside; espgw encrypts (SA o0) and sends ESP out of
#        its outside to pktgen port 1.
#   in:  pktgen port 1 replays an ESP pcap (espgw-bench --write-pcap: SA
#        i0, sequence numbers 1..N, N = 8192, looped) into the outside;
#        espgw decrypts and sends the inner packets to pktgen port 0. A
#        looped pcap repeats its sequence numbers, so i0 has no replay
#        window here (espgw-gen in bench/memif.sh makes fresh ESP for a
#        run with the window on).
#   both: the two at once.
#   --arp: espgw has no static neighbours for pktgen's ports: pktgen
#        answers espgw's ARP requests (its ports' process mode) and a
#        first run of 64 packets makes espgw ask; espgw's drop counters
#        are cleared after it, and the row fails unless espgw learned the
#        next hops it needed. The forwarder needs no next hop.
#   --search LOSS: RFC 2544 throughput instead of one trial at 100 %: the
#        highest rate whose loss is at most LOSS percent (0 is zero loss),
#        found by N bisections (default 6) between 0 and what pktgen sent
#        at 100 %; each trial lasts --seconds.
# CPUs: pktgen's main, RX and TX lcores all on CPU 0 (--lcores 0@0,1@0,2@0),
# the gateway (espgw's worker and control thread; basicfwd's one lcore) on
# CPU 1. On a machine with more CPUs change PKTGEN_CPU/GW_CPU.
set -eu
cd "$(dirname "$0")/../.."
PKTGEN=/tmp/espgw-pktgen/build/app/pktgen SECS=5 SIZES="64 512 1420 imix" DIRS="out in both"
TARGETS="fwd espgw" BUILD=build ARP=0 SEARCH="" STEPS=6 PKTGEN_CPU=${PKTGEN_CPU:-0} GW_CPU=${GW_CPU:-1}
while [ $# -gt 0 ]; do
	case $1 in
	--pktgen) PKTGEN=$2; shift ;;
	--seconds) SECS=$2; shift ;;
	--sizes) SIZES=$2; shift ;;
	--dirs) DIRS=$2; shift ;;
	--targets) TARGETS=$2; shift ;;
	--arp) ARP=1 ;;
	--search) SEARCH=$2; shift ;;
	--steps) STEPS=$2; shift ;;
	-h|--help) sed -n '2,38p' "$0"; exit 0 ;;
	*) BUILD=$1 ;;
	esac
	shift
done
[ -x "$PKTGEN" ] || { echo "no pktgen at $PKTGEN: bench/pktgen/build.sh builds it" >&2; exit 2; }
ESPGW=$BUILD/control/espgw CTL=$BUILD/control/espgwctl BENCH=$BUILD/bench/espgw-bench
FWD_DIR=$(cd "$(dirname "$PKTGEN")/../.." && pwd)/basicfwd FWD=$FWD_DIR/build/basicfwd
if [ ! -x "$FWD" ]; then	# DPDK's skeleton example, next to the pktgen build
	dpkg-query -W -f='${Status}' dpdk-doc 2>/dev/null | grep -q "install ok installed" ||
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends dpdk-doc
	ex=$(dpkg -L dpdk-doc | grep '/examples/skeleton$' | head -1)
	rm -rf "$FWD_DIR" && cp -r "$ex" "$FWD_DIR"
	make -s -C "$FWD_DIR" > /dev/null
fi
LUA=$(pwd)/bench/pktgen/espgw.lua
D=$(mktemp -d /tmp/espgw-pktgen-run.XXXXXX)
GWPID="" PGPID=""
cleanup() {
	[ -n "$PGPID" ] && kill "$PGPID" 2>/dev/null
	[ -n "$GWPID" ] && kill "$GWPID" 2>/dev/null
	wait 2>/dev/null || true
	[ -n "${PG_KEEP:-}" ] || rm -rf "$D"
}
trap cleanup EXIT
# fixed MACs: the gateway's ports ...:00:0P, pktgen's ...:01:0P
GWMAC0=02:00:00:00:00:01 GWMAC1=02:00:00:00:00:02 PGMAC0=02:00:00:00:01:01 PGMAC1=02:00:00:00:01:02
memif() {	# memif PORT ROLE MAC
	echo "net_memif$1,role=$2,id=$1,socket=$D/memif-$1.sock,socket-abstract=no,rsize=14,mac=$3"
}
cat > "$D/espgw.yaml" <<YAML
workers: 1
mgmt_socket: $D/espgw.sock
eal: { file_prefix: espgw-pg, hugepages: false, memory_mb: 1024 }
ports:
  - { name: inside, devargs: "$(memif 0 server $GWMAC0)", mtu: 2000, addresses: [198.18.1.1/24] }
  - { name: outside, devargs: "$(memif 1 server $GWMAC1)", mtu: 2000, addresses: [198.18.0.1/24] }
routes:
  - { prefix: 198.18.2.0/23, via: 198.18.0.2, port: outside }
$([ "$ARP" = 1 ] || cat <<NEIGH
neighbours:
  - { address: 198.18.1.2, mac: "$PGMAC0", port: inside }
  - { address: 198.18.0.2, mac: "$PGMAC1", port: outside }
NEIGH
)
sas:
  - { name: o0, direction: outbound, spi: 0x10000, algorithm: aes-gcm-128,
      key: 0x0102030405060708090a0b0c0d0e0f1011121314, local: 198.18.0.1, remote: 198.18.0.2 }
  - { name: i0, direction: inbound, spi: 0x20000, algorithm: aes-gcm-128,
      key: 0x0102030405060708090a0b0c0d0e0f1011121314, local: 198.18.0.1, remote: 198.18.0.2,
      replay_window: 0, selector: { dst: 198.18.1.0/24 } }
policies:
  - { name: p0, src: 198.18.1.0/24, dst: 198.18.2.0/23, action: protect, sa: o0 }
YAML
chmod 600 "$D/espgw.yaml"

start_gw() {	# start_gw TARGET
	rm -f "$D"/memif-*.sock "$D/espgw.sock"
	if [ "$1" = espgw ]; then
		taskset -c "$GW_CPU" "$ESPGW" -q -c "$D/espgw.yaml" > "$D/gw.log" 2>&1 &
	else
		# port 0 <-> port 1 as they come: the harness without a gateway
		"$FWD" -l "$GW_CPU" --file-prefix fwd-pg --no-pci --no-huge -m 1024 \
			--vdev "$(memif 0 server $GWMAC0)" --vdev "$(memif 1 server $GWMAC1)" \
			> "$D/gw.log" 2>&1 &
	fi
	GWPID=$!
	for _ in $(seq 100); do
		[ -S "$D/memif-0.sock" ] && [ -S "$D/memif-1.sock" ] && return 0
		kill -0 "$GWPID" 2>/dev/null || break
		sleep 0.1
	done
	echo "FAILED: $1 did not start"; tail -20 "$D/gw.log"; exit 1
}
DIED=""
stop_gw() {	# sets DIED when the gateway was no longer running
	local rc=0
	DIED=""
	if kill "$GWPID" 2>/dev/null; then
		wait "$GWPID" 2>/dev/null || true
	else
		wait "$GWPID" 2>/dev/null || rc=$?
		DIED="exit status $rc"
		[ "$rc" -gt 128 ] && DIED="killed by signal $((rc - 128))$([ "$rc" = 139 ] && echo ": SIGSEGV")"
	fi
	GWPID=""
}
# the inbound pcaps: ESP of SA i0 as pktgen port 1 sends it. espgw-bench's
# sizes are frames without the FCS, pktgen's (and this table's) with it; its
# imix is 64/576/1500 without FCS, 4 bytes above pktgen's sequence's.
pcap() {	# pcap SIZE -> file
	local f="$D/esp-$1.pcap" s=$1
	[ "$s" = imix ] || s=$((s - 4))
	[ -f "$f" ] || "$BENCH" --mode inbound --size "$s" --sas 1 --write-pcap "$f" \
		--pcap-count 8192 --pcap-src-mac "$PGMAC1" --pcap-dst-mac "$GWMAC1" > /dev/null 2>&1
	echo "$f"
}
run_pktgen() {	# run_pktgen TARGET SIZE TX [PCAP]
	local s=() after="" done=""
	[ -n "${4:-}" ] && s=(-s "1:$4")
	if [ "$1" = espgw ]; then
		after="$CTL -s $D/espgw.sock clear counters drops > /dev/null"
		# read before pktgen leaves: DPDK 22.11's memif server can crash then
		done="$CTL -s $D/espgw.sock show drops > $D/drops; $CTL -s $D/espgw.sock show neigh > $D/neigh"
	fi
	shift
	rm -f "$D/result" "$D/result.err" "$D/drops" "$D/neigh"
	PG_ARP=$ARP PG_AFTER_ARP=$after PG_AFTER_RUN=$done PG_SEARCH=$SEARCH PG_SEARCH_STEPS=$STEPS PG_SIZE=$1 PG_TX=$2 PG_SECONDS=$SECS PG_RESULT=$D/result PG_DMAC0=$GWMAC0 PG_DMAC1=$GWMAC1 \
	timeout $(( (SECS + 2) * (${SEARCH:+STEPS + 2} + 1) + 40 )) script -qfec "$PKTGEN --lcores 0@$PKTGEN_CPU,1@$PKTGEN_CPU,2@$PKTGEN_CPU \
		--file-prefix pktgen-pg --no-pci --no-huge -m 3072 \
		--vdev $(memif 0 client $PGMAC0) --vdev $(memif 1 client $PGMAC1) \
		-- -P -T -m 1.0 -m 2.1 ${s[*]} -f $LUA" /dev/null > "$D/pktgen.log" 2>&1 || true
	if [ ! -s "$D/result" ]; then
		[ -s "$D/result.err" ] && { echo "FAILED: espgw.lua ($1 B, ports $2): $(cat "$D/result.err")" >&2; return 1; }
		{ echo "FAILED: pktgen gave no result ($1 B, ports $2); its log's end:"
		  tail -c 1500 "$D/pktgen.log" | tr -d '\033'; echo; } >&2
		return 1
	fi
	cat "$D/result"
}
# the ceiling's delivered and sent rates per direction and size, and what
# pktgen could send it at 100 %
declare -A CEIL CEIL_TX CEIL_100
near() { awk -v a="$1" -v c="${2:-0}" 'BEGIN { exit !(c && a >= 0.95 * c) }'; }	# a >= 95 % of c
pct() { awk -v a="$1" -v c="$2" 'BEGIN { printf "%.0f", 100 * a / c }'; }	# a as % of c
printf "%-8s %-5s %-5s %8s %12s %12s %8s  %s\n" GATEWAY DIR SIZE RATE% TX-PPS DELIVERED LOSS LIMIT
for t in $TARGETS; do
	for dir in $DIRS; do
		for size in $SIZES; do
			case $dir in
			out) tx=0 file="" ;;
			in) tx=1 file=$(pcap "$size") ;;
			both) tx=0,1 file=$(pcap "$size") ;;
			esac
			start_gw "$t"
			if [ -n "${PG_CAPTURE:-}" ] && [ "$t" = espgw ]; then	# what espgw receives
				"$CTL" -s "$D/espgw.sock" capture point=rx count=20 seconds=5 \
					file="$PG_CAPTURE-$dir-$size.pcapng" 2>/dev/null &
			fi
			r=$(run_pktgen "$t" "$size" "$tx" "$file") ||
				{ stop_gw; [ -n "$DIED" ] && echo "FAILED: $t died: $DIED"; continue; }
			drops="" unresolved=""
			[ "$t" = espgw ] && drops=$(awk 'NR > 1 && $2 > 0 { printf "%s%s:%s", sep, $1, $2; sep = "," }' "$D/drops")
			if [ "$t" = espgw ] && [ "$ARP" = 1 ]; then	# the next hops espgw learned
				neigh=$(cat "$D/neigh")
				case $dir in out) need=198.18.0.2 ;; in) need=198.18.1.2 ;; *) need="198.18.0.2 198.18.1.2" ;; esac
				for a in $need; do
					grep -Eq "^$a +[0-9a-f:]{17} .* learned" <<<"$neigh" || unresolved="$unresolved $a"
				done
			fi
			stop_gw
			read -r tx0 rx0 tx1 rx1 full rate sent100 <<<"$r"
			sent=0 got=0
			case $dir in
			out) sent=$tx0 got=$rx1 ;;
			in) sent=$tx1 got=$rx0 ;;
			both) sent=$((tx0 + tx1)) got=$((rx0 + rx1)) ;;
			esac
			loss=$(awk -v s="$sent" -v g="$got" 'BEGIN { printf "%.3f%%", s ? 100 * (s - g) / s : 0 }')
			# who limited the delivered rate. All loss in this loop shows in
			# espgw's drops: pktgen's TX never drops (it retries while the
			# ring to the gateway is full), and a ring to pktgen that its RX
			# does not drain makes espgw count tx-full.
			key=$dir-$size
			if [ "$t" = fwd ]; then
				CEIL[$key]=$got CEIL_TX[$key]=$sent CEIL_100[$key]=$sent100
				limit="harness ceiling"
			elif [ -n "$unresolved" ]; then
				limit="ARP: espgw did not learn$unresolved"
			elif [[ "$drops" == *spd-no-match* ]] || [[ "$drops" == *punt-full* ]]; then
				# what unpatched pktgen 24.07.1 did in pcap and sequence
				# mode (build.sh patches 4 and 5); see it with PG_CAPTURE
				limit="pktgen sent packets the script did not set ($drops)"
			elif [ -n "$SEARCH" ] && [ "$full" = 1 ] && [ -n "${CEIL_100[$key]:-}" ] &&
			     ! near "$sent100" "${CEIL_100[$key]}"; then
				limit="espgw (no loss at 100 %: pktgen could send it $(pct "$sent100" "${CEIL_100[$key]}") % of what it sent the ceiling)"
			elif [ -n "$SEARCH" ] && [ "$full" = 1 ]; then
				limit="pktgen TX (no loss at 100 %)"
			elif near "$got" "${CEIL[$key]:-}"; then
				limit="harness (as the ceiling)${drops:+; espgw: $drops}"
			elif [ -n "$SEARCH" ]; then	# the drops are those of the lossy trials above
				if [[ "$drops" == tx-full* ]] && [[ "$drops" != *,* ]]; then
					limit="pktgen RX (above this rate espgw tx-full: its memif ring to pktgen full)"
				else
					limit="espgw (above this rate: ${drops:-no drops counted})"
				fi
			elif [ -n "${CEIL_TX[$key]:-}" ] && ! near "$sent" "${CEIL_TX[$key]}"; then
				# pktgen sent less than to the forwarder: it waited on espgw
				limit="espgw (took $(pct "$sent" "${CEIL_TX[$key]}") % of what the ceiling took)${drops:+; espgw: $drops}"
			elif [[ "$drops" == tx-full* ]] && [[ "$drops" != *,* ]]; then
				limit="pktgen RX (espgw tx-full: its memif ring to pktgen full)"
			elif [ -n "$drops" ]; then
				limit="espgw ($drops)"
			elif [ -z "${CEIL[$key]:-}" ]; then
				limit="no loss counted (no ceiling in this run to compare with)"
			else
				limit=espgw
			fi
			printf "%-8s %-5s %-5s %8s %12d %12d %8s  %s\n" "$t" "$dir" "$size" "$rate" "$sent" "$got" "$loss" "$limit"
			# after the measurement (its counters were read before pktgen left)
			[ -z "$DIED" ] || echo "  note: $t died as pktgen left ($DIED): DPDK 22.11's memif server, docs/pktgen.md"
		done
	done
done
