#!/usr/bin/env bash
# The main job: a GFSJ filesystem on an image file, made for a 3-node cluster, mounted through FUSE
# and in use. The mount stays up and serving when the script ends; `umount DIR` stops it clean.
# Cluster locking (gfs-lockd) and the HTTP/NFS front are still being wired in, so this node mounts
# with the single-node lock protocol.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
image="${GFSJ_DEMO_IMAGE:-/var/tmp/gfsj-demo.img}"
mnt="${GFSJ_DEMO_MOUNT:-/mnt/gfsj-demo}"
if grep -q " $mnt fuse" /proc/mounts; then
  umount "$mnt"
fi
rm -f "$image"
truncate -s 4G "$image"
echo "== mkfs.gfsj on $image (3 journals, one per node of a local cluster)"
bin/mkfs.gfsj -p lockd -t demo:gfs0 -j 3 -J 64 "$image"
echo
echo "== gfs-tool journals"
bin/gfs-tool journals "$image"
echo
mkdir -p "$mnt"
echo "== mount.gfsj $image $mnt (node 0, journal 0)"
bin/mount.gfsj -o lockproto=nolock,journal=0 "$image" "$mnt"
echo "GFSJ serves $mnt" > "$mnt/hello.txt"
mkdir -p "$mnt/projects/src"
seq 1 100000 > "$mnt/projects/src/numbers.txt"
ln -s ../hello.txt "$mnt/projects/hello-link"
ls -la "$mnt" "$mnt/projects"
cat "$mnt/projects/hello-link"
echo
echo "== gfs-tool df $mnt"
bin/gfs-tool df "$mnt"
echo
echo "Mounted and serving at $mnt (image $image). Stop it with: umount $mnt"
