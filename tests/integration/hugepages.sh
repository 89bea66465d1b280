#!/bin/bash
# Integration test: espgw on hugepages (the other tests run --no-huge).
# Reserves what it needs, runs the built-in configuration with
# eal.hugepages: true, checks ARP/ping/ND and the CLI, and puts the
# machine's hugepage settings back as they were.
# usage: hugepages.sh BUILD_DIR
set -u
BUILD=$(cd "$1" && pwd)
cd "$(dirname "$0")"
export EGP=egh$$
. ./netns.sh
SOCK=/tmp/$EGP.sock
NR0=$(cat /proc/sys/vm/nr_hugepages)
MOUNTED=0
fails=0 passes=0
# a failing check shows what the command said
ok() {
	local out
	if out=$("$@" 2>&1); then
		passes=$((passes + 1))
	else
		echo "FAIL: $*"; echo "$out" | tail -8 | sed 's/^/    /'; fails=$((fails + 1))
	fi
}
cleanup() {
	topo_down
	[ -n "${GW:-}" ] && kill -9 $GW 2>/dev/null
	rm -f /dev/hugepages/${EGP}map_* 2>/dev/null
	echo $NR0 > /proc/sys/vm/nr_hugepages
	[ $MOUNTED = 1 ] && umount /dev/hugepages
	rm -f $SOCK
}
trap cleanup EXIT
if ! mount | grep -q "^hugetlbfs on /dev/hugepages"; then
	mkdir -p /dev/hugepages && mount -t hugetlbfs nodev /dev/hugepages && MOUNTED=1
fi
# 768 MB of EAL memory in 2 MB pages, and some slack
echo $((NR0 + 448)) > /proc/sys/vm/nr_hugepages
ok test "$(cat /proc/sys/vm/nr_hugepages)" -ge $((NR0 + 448))
topo_up || { echo "cannot create namespaces"; exit 1; }
"$BUILD/control/espgw" --print-default |
	sed "s/hugepages: false/hugepages: true/; s|/run/espgw/espgw.sock|$SOCK|; s/file_prefix: espgw/file_prefix: $EGP/" \
	> /tmp/$EGP.yaml
ip netns exec $NS_GW "$BUILD/control/espgw" -c /tmp/$EGP.yaml > /tmp/$EGP.log 2>&1 &
GW=$!
wait_sock $SOCK 20
ok test -S $SOCK
ok ip netns exec $NS_H ping -c 3 -i 0.2 -W 2 198.18.1.1
ok ip netns exec $NS_H ping -6 -c 3 -i 0.2 -W 2 fd00:1::1
ok "$BUILD/control/espgwctl" -s $SOCK show sas
FREE=$(grep HugePages_Free /proc/meminfo | awk '{print $2}')
ok test "$FREE" -lt "$(cat /proc/sys/vm/nr_hugepages)"   # pages really in use
kill -TERM $GW
wait $GW
rc=$?
GW=
ok test $rc -eq 0
rm -f /tmp/$EGP.yaml
[ $fails = 0 ] || tail -20 /tmp/$EGP.log
rm -f /tmp/$EGP.log
echo "$passes passed, $fails failed"
[ $fails = 0 ]
