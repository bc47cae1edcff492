#!/usr/bin/env bash
# The main job: a GFSJ filesystem on an image file, made and inspected with the project's tools.
# Mounting it (mount.gfsj over FUSE) and serving it come with the filesystem issue still open.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
image="${GFSJ_DEMO_IMAGE:-/var/tmp/gfsj-demo.img}"
truncate -s 4G "$image"
echo "== mkfs.gfsj on $image (3 journals, one per node of a local cluster)"
bin/mkfs.gfsj -O -p lockd -t demo:gfs0 -j 3 -J 64 "$image"
echo
echo "== gfs-tool sb"
bin/gfs-tool sb "$image"
echo
echo "== gfs-tool journals"
bin/gfs-tool journals "$image"
echo
echo "The image stays at $image. mount.gfsj and the serving nodes are not built yet."
