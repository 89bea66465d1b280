#!/bin/bash
# Integration test: espgw's IKEv2 on the DPDK ports against strongSwan's
# charon, with traffic through the negotiated tunnel (ike_gw.py).
# usage: ike_gw.sh BUILD_DIR
set -u
BUILD=$(cd "$1" && pwd)
cd "$(dirname "$0")"
export EGP=egk$$
. ./netns.sh
trap topo_down EXIT
topo_up || { echo "cannot create namespaces"; exit 1; }
timeout 300 /usr/bin/python3 ./ike_gw.py "$BUILD/control/espgw" "$BUILD/control/espgwctl"
