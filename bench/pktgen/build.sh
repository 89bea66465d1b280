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
grep -q '^    int sid;$' app/pktgen-pcap.c || { echo "patch 3 did not apply" >&2; exit 1; }
grep -q rte_eth_bond_members_get app/pktgen-cmds.c && { echo "patch 1 did not apply" >&2; exit 1; }
grep -q 'rte_thread_set_name(' lib/lua/lua_socket.c && { echo "patch 2 did not apply" >&2; exit 1; }

rm -rf "$OUT/build"
if ! { meson setup "$OUT/build" -Denable_lua=true --buildtype=release &&
       ninja -C "$OUT/build"; } > "$OUT/build.log" 2>&1; then
	tail -20 "$OUT/build.log" >&2
	echo "pktgen build failed: $OUT/build.log" >&2
	exit 1
fi
echo "$OUT/build/app/pktgen"
