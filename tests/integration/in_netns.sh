#!/bin/bash
# Runs one Python integration test in the two-namespace topology of
# netns.sh (made here, removed on exit), with espgw and espgwctl of the
# build, bounded in time.
# usage: in_netns.sh TAG SECONDS TEST.py BUILD_DIR [ARG]
#   TAG: a short name prefix for the namespaces and veths (unique per test)
set -u
TAG=$1 SECS=$2 TEST=$3
BUILD=$(cd "$4" && pwd)
cd "$(dirname "$0")"
export EGP=$TAG$$
. ./netns.sh
trap topo_down EXIT
topo_up || { echo "cannot create namespaces"; exit 1; }
timeout "$SECS" /usr/bin/python3 "./$TEST" "$BUILD/control/espgw" "$BUILD/control/espgwctl" "${5:-}"
