#!/bin/bash
# Integration test: the ESP matrix against scapy and tshark.
# usage: esp_matrix.sh BUILD_DIR [cpu|lookaside] [af_packet|af_xdp] [WORKERS]
set -u
BUILD=$(cd "$1" && pwd)
cd "$(dirname "$0")"
export EGP=egm$$
export ESPGW_PMD=${3:-af_packet} ESPGW_WORKERS=${4:-1}
. ./netns.sh
trap topo_down EXIT
topo_up || { echo "cannot create namespaces"; exit 1; }
timeout 600 /usr/bin/python3 ./esp_peer.py "$BUILD/control/espgw" "$BUILD/control/espgwctl" "${2:-cpu}"
