#!/bin/bash
# Integration test: data-plane edge cases and anti-replay on the wire
# against a model (dataplane_test.py). ESPGW_SEED=N repeats a run.
# usage: dataplane.sh BUILD_DIR
set -u
BUILD=$(cd "$1" && pwd)
cd "$(dirname "$0")"
export EGP=egd$$
. ./netns.sh
trap topo_down EXIT
topo_up || { echo "cannot create namespaces"; exit 1; }
timeout 300 /usr/bin/python3 ./dataplane_test.py "$BUILD/control/espgw" "$BUILD/control/espgwctl"
