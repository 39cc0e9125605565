#!/bin/sh
# One command from a fresh Debian 12 checkout to a built wimpatch:
# installs the build and test dependencies (when missing, needs root or
# sudo), then configures and builds.  Extra arguments go to ./configure.
set -eu
cd "$(dirname "$0")"

PKGS="build-essential autoconf automake pkg-config libhivex-dev libwim-dev ntfs-3g-dev ntfs-3g libfuse-dev libxml2-dev libjson-c-dev libssl-dev jq \
libxml2-utils wimtools libhivex-bin libwin-hivex-perl reglookup xz-utils mandoc \
7zip genisoimage xorriso \
qemu-system-x86 ovmf nasm gnu-efi mtools python3-pycdlib udftools time python3 strace"

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
	echo "build.sh: installing:$missing"
	SUDO=""
	[ "$(id -u)" -eq 0 ] || SUDO=sudo
	$SUDO apt-get update -q
	# shellcheck disable=SC2086
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends $missing
fi

[ -x configure ] || ./autogen.sh
# Arguments always reach configure (a new --prefix in a configured tree);
# without any, an existing configuration is kept.
if [ $# -gt 0 ] || [ ! -f Makefile ]; then
	./configure "$@"
fi
make -j"$(nproc)"
