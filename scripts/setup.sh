#!/usr/bin/env bash
# Installs what GFSJ needs on Debian 12 when it is missing, then builds it.
# Usage: scripts/setup.sh [--skip-build]
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages the tests and the demo use: fuse3 (fusermount3 unmounts; mount.gfsj speaks the
# kernel's FUSE protocol itself and needs no libfuse), the real nbd-server, iproute2 for network namespaces, fio and fuse2fs for the benchmarks, acl
# for setfacl and getfacl in the ACL tests, etcd-server for the lock benchmark's peer (`gfs-tool
# lockd bench --etcd`) and its test.
packages=(fuse3 nbd-server iproute2 e2fsprogs fuse2fs fio acl attr etcd-server)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}" >&2
  SUDO=""
  if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

for tool in java mvn; do
  if ! command -v "$tool" >/dev/null; then
    echo "setup: $tool is missing; install a JDK 17 and Maven (apt-get install openjdk-17-jdk maven)" >&2
    exit 1
  fi
done

# mount(8) runs /sbin/mount.TYPE for `mount -t gfsj DEVICE DIR` and fstab lines of type gfsj.
if [ "$(id -u)" = 0 ]; then
  ln -sfn "$(pwd)/bin/mount.gfsj" /sbin/mount.gfsj
fi

if [ "${1:-}" != "--skip-build" ]; then
  mvn -B -q -ntp -DskipTests install
fi
