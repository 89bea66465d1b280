#!/bin/bash
# espgw side by side with DPDK 22.11's ipsec-secgw (librte_ipsec, CPU crypto
# on aesni_gcm): the same generator (espgw-gen), memif links and ring size,
# CPUs (gateway worker on CPU 1, generator on CPU 0), AES-GCM-128 tunnel SAs
# and frame sizes; interleaved rounds (espgw, then ipsec-secgw, per size and
# round). Builds ipsec-secgw from the dpdk-doc package's examples (installed
# if missing) with bench/secgw/*.patch, in BUILD_DIR/ipsec-secgw. Prints the
# CSV lines; --csv appends them (engine column: native or secgw; "sbs" in
# the distribution column; "sbs-zc" with --zero-copy, where both gateways are
# zero-copy memif clients, see bench/memif.sh).
#
#   bench/secgw.sh [--rounds R] [--seconds S] [--sizes "64 512 1420 imix"]
#                  [--zero-copy] [--csv FILE] [BUILD_DIR]
set -eu
cd "$(dirname "$0")/.."
ROUNDS=3 SECS=2 SIZES="64 512 1420 imix" CSV="" BUILD=build ZC="" TAG=sbs
while [ $# -gt 0 ]; do
	case $1 in
	--rounds) ROUNDS=$2; shift ;;
	--seconds) SECS=$2; shift ;;
	--sizes) SIZES=$2; shift ;;
	--csv) CSV=$2; shift ;;
	--zero-copy) ZC=--zero-copy TAG=sbs-zc ;;
	*) BUILD=$1 ;;
	esac
	shift
done
SRC=$(cd "$BUILD" && pwd)/ipsec-secgw
BIN=$SRC/examples/ipsec-secgw/build/ipsec-secgw

build_secgw() {
	local ex
	[ -x "$BIN" ] && return 0
	ex=$(dpkg -L dpdk-doc 2>/dev/null | grep '/examples/ipsec-secgw$' | head -1 || true)
	if [ -z "$ex" ]; then
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q dpdk-doc > /dev/null
		ex=$(dpkg -L dpdk-doc | grep '/examples/ipsec-secgw$' | head -1)
	fi
	rm -rf "$SRC"
	mkdir -p "$SRC/examples"
	cp -r "$ex" "$(dirname "$ex")/common" "$SRC/examples/"
	# Debian compresses the larger example sources
	find "$SRC" -name '*.gz' -exec gunzip -f {} +
	for p in bench/secgw/*.patch; do
		patch -s -d "$SRC" -p1 < "$p"
	done
	make -s -C "$SRC/examples/ipsec-secgw" > "$SRC/build.log" 2>&1 || {
		echo "ipsec-secgw does not build:"; tail -20 "$SRC/build.log"; exit 1; }
}

build_secgw
fail=0
for r in $(seq "$ROUNDS"); do
	for s in $SIZES; do
		echo "round $r, $s B: espgw" >&2
		bash bench/memif.sh --sizes "$s" --seconds "$SECS" --tag $TAG $ZC ${CSV:+--csv "$CSV"} "$BUILD" || fail=1
		echo "round $r, $s B: ipsec-secgw" >&2
		bash bench/memif.sh --sizes "$s" --seconds "$SECS" --secgw "$BIN" --tag $TAG $ZC ${CSV:+--csv "$CSV"} \
			"$BUILD" || fail=1
	done
done
exit $fail
