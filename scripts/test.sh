#!/usr/bin/env bash
# Runs the whole GFSJ test suite: unit tests, real nbd-server, FUSE mounts and network namespaces.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --skip-build
exec mvn -B -ntp verify "$@"
