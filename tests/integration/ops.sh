#!/bin/bash
# Integration test: operations on a running espgw (MTU, lifetimes, run-time
# SA/policy changes under traffic, bad requests, reload).
# usage: ops.sh BUILD_DIR [--test-hooks]
set -u
BUILD=$(cd "$1" && pwd)
cd "$(dirname "$0")"
export EGP=ego$$
. ./netns.sh
trap topo_down EXIT
topo_up || { echo "cannot create namespaces"; exit 1; }
timeout 600 /usr/bin/python3 ./ops_test.py "$BUILD/control/espgw" "$BUILD/control/espgwctl" "${2:-}"
