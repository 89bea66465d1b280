#!/bin/bash
# Integration test: misbehaving management clients, signals, second
# instances, secrets and roles (hardening_test.py).
# usage: hardening.sh BUILD_DIR
set -u
BUILD=$(cd "$1" && pwd)
cd "$(dirname "$0")"
export EGP=egh$$
. ./netns.sh
trap topo_down EXIT
topo_up || { echo "cannot create namespaces"; exit 1; }
timeout 300 /usr/bin/python3 ./hardening_test.py "$BUILD/control/espgw" "$BUILD/control/espgwctl"
