#!/bin/bash
# Build Pktgen-DPDK 24.07.1 against the installed DPDK (Debian 12's 22.11),
# outside the repository. The source is not ours and is not kept here:
# give its directory, or let this clone the public repository (online).
#
#   bench/pktgen/build.sh [--src DIR] [--out DIR]
#     --src DIR  an unpacked Pktgen-DPDK 24.07.1 (default: clone tag
#                pktgen-24.07.1 of https://github.com/pktgen/Pktgen-DPDK)
#     --out DIR  where the copy and the build go (default /tmp/espgw-pktgen)
# Prints the path of the pktgen binary. Installs its build dependencies
# (Debian packages) when they are missing. Run as root.
set -eu
SRC="" OUT=/tmp/espgw-pktgen TAG=pktgen-24.07.1
while [ $# -gt 0 ]; do
	case $1 in
	--src) SRC=$2; shift ;;
	--out) OUT=$2; shift ;;
	*) echo "usage: $0 [--src DIR] [--out DIR]" >&2; exit 2 ;;
	esac
	shift
done
missing=""
for p in libdpdk-dev dpdk liblua5.4-dev libpcap-dev libnuma-dev meson ninja-build pkg-config; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
if [ -n "$missing" ]; then
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing
fi
mkdir -p "$OUT"
rm -rf "$OUT/src"
if [ -n "$SRC" ]; then
	cp -a "$SRC" "$OUT/src"
else
	git clone -q --depth 1 --branch "$TAG" https://github.com/pktgen/Pktgen-DPDK "$OUT/src"
fi
cd "$OUT/src"
grep -q '24.07.1' VERSION 2>/dev/null || echo "warning: not Pktgen-DPDK 24.07.1 ($(cat VERSION 2>/dev/null))" >&2

# The changes 24.07.1 needs for DPDK 22.11 (ours; applied to the copy):
# 1. DPDK 23.11 renamed the bonding API's slaves to members; 22.11 has the
#    old names (rte_eth_bond_slaves_get, ..._8023ad_slave_info).
sed -i 's/rte_eth_bond_members_get/rte_eth_bond_slaves_get/g;
	s/rte_eth_bond_active_members_get/rte_eth_bond_active_slaves_get/g;
	s/rte_eth_bond_8023ad_member_info/rte_eth_bond_8023ad_slave_info/g' app/pktgen-cmds.c
# 2. rte_thread_set_name(pthread_t, ...) is 23.x's; 22.11 has
#    rte_thread_setname() in rte_lcore.h (the Lua socket thread's name).
sed -i 's/^int rte_thread_set_name(pthread_t id, const char \*name);$//;
	s/rte_thread_set_name(\*pthread,/rte_thread_setname(*pthread,/;
	0,/#include "lua_config.h"/s//#include <rte_lcore.h>\n#include "lua_config.h"/' \
	lib/lua/lua_socket.c
# 3. The pcap loader keeps the port's NUMA socket in a uint16_t: a vdev
#    (memif) has none, rte_eth_dev_socket_id() says -1 (SOCKET_ID_ANY),
#    stored as 65535 every allocation on it fails ("Cannot create mbuf
#    pool (pcap-1) ... socket_id 65535"), and -s PORT:FILE exits at start.
sed -i '0,/^    uint16_t sid;$/s//    int sid;/' app/pktgen-pcap.c
# 4. -s PORT:FILE is read while the options are parsed, but a port becomes
#    known (l2p ports[].pid) only when the -m mappings are parsed after
#    them; l2p_set_pcap_info() refused every port then, its result was not
#    checked, and the pcap was silently dropped: pcap mode ("pcap on") was
#    refused as well and the port sent its default single packet. The pcap
#    is kept for any valid port number (l2p_get_pcap still checks the port).
perl -0pi -e 's/(l2p_set_pcap_info\(uint16_t pid, pcap_info_t \*pcap_info\)\n\{\n.*?\n)    if \(pid >= RTE_MAX_ETHPORTS \|\| l2p->ports\[pid\]\.pid >= RTE_MAX_ETHPORTS\)/$1    if (pid >= RTE_MAX_ETHPORTS)/s' app/l2p.h
grep -q '^    int sid;$' app/pktgen-pcap.c || { echo "patch 3 did not apply" >&2; exit 1; }
grep -q rte_eth_bond_members_get app/pktgen-cmds.c && { echo "patch 1 did not apply" >&2; exit 1; }
grep -q 'rte_thread_set_name(' lib/lua/lua_socket.c && { echo "patch 2 did not apply" >&2; exit 1; }
grep -A4 '^l2p_set_pcap_info' app/l2p.h | grep -q 'if (pid >= RTE_MAX_ETHPORTS)$' ||
	{ echo "patch 4 did not apply" >&2; exit 1; }
# 5. The Lua binding's pktgen_get_portlist(L, index) parses argument 1
#    whatever index it is given: pktgen.seqTable(N, "0", {...}) set
#    sequence packet N on port N (port 0 only for N = 0; no port at all
#    from N = 2 on), so a sequence (IMIX) sent pktgen's default packet.
sed -i 's/portlist_parse(luaL_checkstring(L, 1), pktgen.nb_ports, &portlist)/portlist_parse(luaL_checkstring(L, index), pktgen.nb_ports, \&portlist)/' app/lpktgenlib.c
grep -q 'portlist_parse(luaL_checkstring(L, index)' app/lpktgenlib.c ||
	{ echo "patch 5 did not apply" >&2; exit 1; }
# 6. A pcap's rate is paced by its largest frame plus the 128 B of mbuf
#    headroom, rounded up to a cache line (pcap->max_pkt_size is the pool's
#    buffer size): 100 % of a small-frame or IMIX pcap is far below line
#    rate on a real NIC. It is paced by the pcap's mean frame instead.
sed -i 's/^\(    uint32_t max_pkt_size; .*\)$/\1\n    uint64_t pkt_bytes; \/**< espgw: sum of the frame sizes *\//' app/pktgen-pcap.h
sed -i 's/^        pcap->pkt_count++;$/&\n        pcap->pkt_bytes += hdr.incl_len;/' app/pktgen-pcap.c
sed -i 's/^        size = WIRE_SIZE(pcap->max_pkt_size, uint64_t);$/        size = WIRE_SIZE(pcap->pkt_bytes \/ RTE_MAX(pcap->pkt_count, 1u), uint64_t);/' app/pktgen.c
grep -q 'pkt_bytes += hdr.incl_len' app/pktgen-pcap.c && grep -q 'uint64_t pkt_bytes;' app/pktgen-pcap.h &&
	grep -q 'WIRE_SIZE(pcap->pkt_bytes' app/pktgen.c || { echo "patch 6 did not apply" >&2; exit 1; }
# 7. pktgen's timer thread (port counters once a second, the screen) spins
#    on rte_pause() between its deadlines: on a machine where pktgen's
#    lcores share a CPU it takes a third of that CPU from them. It sleeps
#    a millisecond instead (the deadlines are a second and a screen tick).
perl -0pi -e 's/(pktgen_page_display\(\);\n        \}\n\n        )rte_pause\(\);/$1rte_delay_us_sleep(1000);/' app/pktgen.c
grep -q 'rte_delay_us_sleep(1000);' app/pktgen.c || { echo "patch 7 did not apply" >&2; exit 1; }

rm -rf "$OUT/build"
if ! { meson setup "$OUT/build" -Denable_lua=true --buildtype=release &&
       ninja -C "$OUT/build"; } > "$OUT/build.log" 2>&1; then
	tail -20 "$OUT/build.log" >&2
	echo "pktgen build failed: $OUT/build.log" >&2
	exit 1
fi
echo "$OUT/build/app/pktgen"
