#!/bin/bash
# Test topology shared by the demo and the integration tests.
#
#   [NS-h] h0 198.18.1.2 ---- eg-in [NS-gw: espgw] eg-out ---- r0 198.18.0.2 [NS-r]
#          fd00:1::2                                            fd00::2
#
# NS-r plays the remote site: scapy as the peer gateway, or a second espgw.
# Every name carries the prefix $EGP so parallel runs do not collide.
EGP=${EGP:-eg$$}
NS_H=${EGP}-h
NS_GW=${EGP}-gw
NS_R=${EGP}-r

topo_up() {
	topo_down 2>/dev/null
	ip netns add "$NS_H" && ip netns add "$NS_GW" && ip netns add "$NS_R" || return 1
	ip link add h0 netns "$NS_H" type veth peer name eg-in netns "$NS_GW" || return 1
	ip link add r0 netns "$NS_R" type veth peer name eg-out netns "$NS_GW" || return 1
	for ns in "$NS_H" "$NS_GW" "$NS_R"; do
		ip -n "$ns" link set lo up
	done
	# the gateway's veth ends carry no kernel addresses: DPDK owns them
	for i in eg-in eg-out; do
		ip netns exec "$NS_GW" sysctl -qw net.ipv6.conf.$i.disable_ipv6=1
		ip -n "$NS_GW" link set $i up
	done
	ip netns exec "$NS_H" sysctl -qw net.ipv6.conf.h0.accept_dad=0
	ip netns exec "$NS_R" sysctl -qw net.ipv6.conf.r0.accept_dad=0
	ip -n "$NS_H" addr add 198.18.1.2/24 dev h0
	ip -n "$NS_H" addr add fd00:1::2/64 dev h0 nodad
	ip -n "$NS_H" link set h0 up
	ip -n "$NS_H" route add default via 198.18.1.1
	ip -n "$NS_H" -6 route add default via fd00:1::1
	ip -n "$NS_R" addr add 198.18.0.2/24 dev r0
	ip -n "$NS_R" addr add fd00::2/64 dev r0 nodad
	ip -n "$NS_R" link set r0 up
	# offloads would hand AF_PACKET partial checksums
	for x in "$NS_H h0" "$NS_R r0" "$NS_GW eg-in" "$NS_GW eg-out"; do
		set -- $x
		ip netns exec "$1" ethtool -K "$2" tx off rx off >/dev/null 2>&1 || true
	done
}

topo_down() {
	for ns in "$NS_H" "$NS_GW" "$NS_R"; do
		ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null
		ip netns del "$ns" 2>/dev/null
	done
	return 0
}

# wait_sock PATH SECONDS: wait for espgw's management socket, then (with
# $BUILD set) until espgw answers on it: the socket is bound before EAL
# starts, so its file alone does not mean the ports pass traffic yet
wait_sock() {
	local i
	for i in $(seq 1 $(($2 * 10))); do
		if [ -S "$1" ]; then
			[ -x "${BUILD:-}/control/espgwctl" ] || return 0
			"$BUILD/control/espgwctl" -s "$1" --timeout "$2" show version >/dev/null 2>&1
			return
		fi
		sleep 0.1
	done
	return 1
}
