#!/bin/bash
# espgw benchmark suite: runs espgw-bench over sizes, algorithms, SA counts,
# flow distributions and engines, each point 3 times, writes CSV and
# regenerates docs/BENCHMARKS.md with plots. Run as root.
#
#   bench/run.sh [--smoke] [--out DIR] [--seconds S] [BUILD_DIR]
#
# --smoke: a few points for a fraction of a second each (CI checks the
# harness, not speed); results go to --out (default: a temporary folder)
# and docs/ is left alone.
set -eu
cd "$(dirname "$0")/.."
ARGS="$*"
SMOKE=0 OUT="" SECS=1 BUILD=build REPS=3
while [ $# -gt 0 ]; do
	case $1 in
	--smoke) SMOKE=1; SECS=0.2; REPS=1 ;;
	--out) OUT=$2; shift ;;
	--seconds) SECS=$2; shift ;;
	*) BUILD=$1 ;;
	esac
	shift
done
BENCH=$BUILD/bench/espgw-bench
[ -x "$BENCH" ] || { echo "build first: $BENCH missing"; exit 1; }
[ -n "$OUT" ] || OUT=$(mktemp -d /tmp/espgw-bench.XXXXXX)
mkdir -p "$OUT"
CSV=$OUT/results.csv
echo "mode,alg,size,sas,dist,engine,packets,seconds,mpps,gbps,cycles_per_pkt,extra" > "$CSV"
runs=0
ike() {	# ike-bench COUNT [args]: IKE setups between two engines in-process
	local line
	line=$("$BUILD/bench/ike-bench" --count "$@" 2>/dev/null) || { echo "FAILED: ike-bench $*"; exit 1; }
	echo "$line" | awk -F, -v OFS=, '{ e=""; for (i = 12; i <= NF; i++) e = e (e == "" ? "" : ";") $i; NF=11; print $0, e }' >> "$CSV"
	echo "$line"
}
certs() {	# an ECDSA P-256 CA and two end entities, made with strongSwan's pki
	local d=$OUT/certs n
	mkdir -p "$d"
	pki --gen --type ecdsa --size 256 --outform pem > "$d/ca.key" 2>/dev/null
	pki --self --ca --lifetime 30 --in "$d/ca.key" --type ecdsa --dn "CN=bench CA" \
		--outform pem > "$d/ca.crt" 2>/dev/null
	for n in a b; do
		pki --gen --type ecdsa --size 256 --outform pem > "$d/$n.key" 2>/dev/null
		pki --pub --in "$d/$n.key" --type ecdsa 2>/dev/null | pki --issue --lifetime 30 \
			--cacert "$d/ca.crt" --cakey "$d/ca.key" --dn "CN=$n" --outform pem \
			> "$d/$n.crt" 2>/dev/null
	done
}
point() {	# args for espgw-bench
	local r line
	for r in $(seq $REPS); do
		runs=$((runs + 1))
		line=$("$BENCH" --seconds "$SECS" "$@" 2>"$OUT/last.err" | tail -1) || true
		if ! echo "$line" | grep -q ','; then
			echo "FAILED: espgw-bench $*"; cat "$OUT/last.err"; exit 1
		fi
		grep -q "dropped as" "$OUT/last.err" && { echo "DROPS in espgw-bench $*:"; cat "$OUT/last.err"; exit 1; }
		# the fields of install/reload rows after the 11th go to 'extra'
		echo "$line" | awk -F, -v OFS=, '{ e=""; for (i = 12; i <= NF; i++) e = e (e == "" ? "" : ";") $i; NF=11; print $0, e }' >> "$CSV"
		printf "[%3d] %s\n" $runs "$line"
	done
}

if [ $SMOKE = 1 ]; then
	for m in outbound inbound both ipsec-out ipsec-in raw; do point --mode $m --size 64; done
	for m in outbound inbound ipsec-out ipsec-in; do point --mode $m --size 64 --engine cpu; done
	point --mode outbound --size 64 --alg aes-cbc-128-sha256
	point --mode inbound --size 64 --alg chacha20-poly1305
	point --mode raw --size 64 --alg chacha20-poly1305
	point --mode outbound --size imix --sas 16 --dist zipf
	point --mode install --sas 200
	point --mode reload --sas 200
	point --mode tunnels --sas 100
	point --mode outbound --size 64 --sas 16 --tunnel-table
	bash bench/memif.sh --sizes 64 --seconds $SECS --csv "$CSV" "$BUILD"
	bash bench/memif.sh --zero-copy --sizes 64 --seconds $SECS --csv "$CSV" "$BUILD"
	ike 200
	certs
	ike 100 --certs "$OUT/certs"
	python3 bench/ike_setup.py "$BUILD" 50 "$CSV"
	python3 bench/ike_setup.py "$BUILD" 50 "$CSV" 1
	python3 bench/report.py "$CSV" "$OUT" --no-docs
	# the inbound pcap for pktgen: as long as asked, each SA's numbers 1, 2, ..., real MACs
	"$BENCH" --mode inbound --size 64 --sas 3 --write-pcap "$OUT/in.pcap" --pcap-count 10000 \
		--pcap-src-mac 02:00:00:00:00:0a --pcap-dst-mac 02:00:00:00:00:0b >/dev/null 2>&1 ||
		{ echo "FAILED: espgw-bench --write-pcap"; exit 1; }
	python3 - "$OUT/in.pcap" <<'PY' || { echo "FAILED: the inbound pcap"; exit 1; }
import struct, sys
d = open(sys.argv[1], "rb").read()
off, n, last = 24, 0, {}
while off < len(d):
    incl = struct.unpack_from("<I", d, off + 8)[0]
    f = d[off + 16:off + 16 + incl]
    assert f[:12] == bytes.fromhex("02000000000b02000000000a"), "MACs"
    spi, seq = struct.unpack_from(">II", f, 14 + 20)
    assert seq == last.get(spi, 0) + 1, "sequence %d after %d" % (seq, last.get(spi, 0))
    last[spi] = seq
    off += 16 + incl
    n += 1
assert n == 10000 and len(last) == 3, (n, len(last))
print("inbound pcap: %d frames, %d SAs numbered 1..%d" % (n, len(last), max(last.values())))
PY
	# pktgen's IMIX replay (bench/pktgen/run.sh): 7:4:1 frames of three sizes;
	# and its 64-byte rows: 60-byte frames (pktgen counts the FCS)
	"$BENCH" --mode inbound --size imix --sas 1 --write-pcap "$OUT/imix.pcap" --pcap-count 1200 \
		>/dev/null 2>&1 && "$BENCH" --mode inbound --size 60 --sas 1 --write-pcap "$OUT/60.pcap" \
		--pcap-count 10 >/dev/null 2>&1 || { echo "FAILED: espgw-bench --write-pcap imix, 60"; exit 1; }
	python3 - "$OUT/imix.pcap" <<'PY' || { echo "FAILED: the IMIX pcap"; exit 1; }
import collections, struct, sys
d = open(sys.argv[1], "rb").read()
off, sizes = 24, collections.Counter()
while off < len(d):
    incl = struct.unpack_from("<I", d, off + 8)[0]
    sizes[incl] += 1
    off += 16 + incl
assert sorted(sizes.values()) == [100, 400, 700], sizes
print("IMIX pcap: %s" % dict(sizes))
PY
	echo "smoke OK: $CSV"
	exit 0
fi

SIZES="64 128 256 512 1024 1420 imix"
# 1. throughput vs size, AES-GCM-128, one SA, and the same-run references
# (the native engine alone, librte_ipsec's ceiling, raw IPsec-MB)
for s in $SIZES; do
	for m in outbound inbound both ipsec-out ipsec-in raw; do point --mode $m --size $s; done
	for m in ipsec-out ipsec-in; do point --mode $m --size $s --engine cpu; done
done
# 2. algorithms
for a in aes-gcm-256 aes-cbc-128-sha256 aes-cbc-256-sha256 chacha20-poly1305; do
	for s in 64 1420; do
		for m in outbound inbound ipsec-out ipsec-in raw; do point --mode $m --alg $a --size $s; done
		for m in ipsec-out ipsec-in; do point --mode $m --alg $a --size $s --engine cpu; done
	done
done
# 3. SAs and policies, uniform and Zipf flows
for n in 1 16 1000 10000 100000; do
	for d in uniform zipf; do
		for m in outbound inbound; do point --mode $m --size 64 --sas $n --dist $d; done
	done
done
# 3b. two workers against one, interleaved (both unpinned)
for r in $(seq $REPS); do
	for m in outbound inbound; do
		point --mode $m --size 64
		point --mode $m --size 64 --workers 2
	done
done
# 4. the librte_ipsec engines (cpu: synchronous CPU crypto; lookaside)
for e in cpu lookaside; do
	for s in 64 1420; do
		for m in outbound inbound ipsec-out ipsec-in; do point --mode $m --size $s --engine $e; done
	done
done
# 5. control plane
for n in 1000 100000; do
	point --mode install --sas $n
	point --mode reload --sas $n
done
for n in 1000 2000 4000 20000 100000; do
	point --mode tunnels --sas $n
done
# the same outbound traffic with the policies in the per-tunnel table (IKE's)
for n in 1 100000; do
	point --mode outbound --size 64 --sas $n
	point --mode outbound --size 64 --sas $n --tunnel-table
done
# 6. two processes over memif: espgw's worker on one CPU, espgw-gen on the other
for r in $(seq $REPS); do
	echo "memif round $r"
	bash bench/memif.sh --sizes "64 1420 imix" --seconds $SECS --csv "$CSV" "$BUILD"
	bash bench/memif.sh --sizes 64 --flows 1000 --seconds $SECS --csv "$CSV" "$BUILD"
done
# 6b. the same two-process setup with DPDK's ipsec-secgw as the gateway,
# interleaved with espgw per size and round
bash bench/secgw.sh --rounds $REPS --seconds $SECS --sizes "64 512 1420 imix" --csv "$CSV" "$BUILD"
# 6c. both gateways as zero-copy memif clients (the generator copies)
bash bench/secgw.sh --zero-copy --rounds $REPS --seconds $SECS --sizes "64 512 1420 imix" \
	--csv "$CSV" "$BUILD"
# 7. IKE: setups in-process (responder CPU per setup), 100k held, over UDP
# against charon on the same cores, and the data plane while tunnels are set up
certs
for r in $(seq $REPS); do
	ike 10000
	ike 5000 --ike aes128gcm16-prfsha256-ecp256
	ike 2000 --certs "$OUT/certs"
	python3 bench/ike_setup.py "$BUILD" 2000 "$CSV"
	# IKEv1 main + quick mode against IKEv2 with the same algorithms
	python3 bench/ike_setup.py "$BUILD" 2000 "$CSV" 2 aes128-sha256-x25519
	python3 bench/ike_setup.py "$BUILD" 2000 "$CSV" 1 aes128-sha256-x25519
	# 10k road warriors: EAP-MSCHAPv2 and a virtual IP each, PSK as reference
	python3 bench/ike_setup.py "$BUILD" 10000 "$CSV" eap
done
ike 100000
for r in $(seq $REPS); do
	line=$(taskset -c 1 "$BENCH" --mode outbound --size 64 --seconds 3 2>/dev/null | tail -1)
	echo "${line/outbound,/dp-alone,}" >> "$CSV"; echo "dp alone: $line"
	taskset -c 0 "$BUILD/bench/ike-bench" --count 1000000 > /dev/null &
	sleep 0.5
	line=$(taskset -c 1 "$BENCH" --mode outbound --size 64 --seconds 3 2>/dev/null | tail -1)
	kill $! 2>/dev/null; wait $! 2>/dev/null || true
	echo "${line/outbound,/dp-during-ike,}" >> "$CSV"; echo "dp during IKE setups: $line"
done
python3 bench/report.py "$CSV" "$OUT" --cmd "bench/run.sh $ARGS"
cp "$CSV" docs/bench/results.csv
echo "wrote docs/BENCHMARKS.md and docs/bench/"
