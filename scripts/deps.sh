#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Install the Debian 12 packages the build and the test VM need.
# Quick and silent when everything is already installed.
set -euo pipefail

pkgs=(
	linux-image-amd64 linux-headers-amd64 linux-source-6.1
	qemu-system-x86 busybox-static
	libbpf-dev bpftool bpftrace clang llvm dwarves libelf-dev zlib1g-dev
	sparse xz-utils gcc make libc6-dev pkg-config uuid-runtime
	bc bison flex libssl-dev rsync cpio kmod
	clang-format shellcheck
	libmicrohttpd-dev
	prometheus python3-prometheus-client curl
)

missing=()
for p in "${pkgs[@]}"; do
	st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null) || st=
	[[ $st == installed ]] || missing+=("$p")
done

if ((${#missing[@]} == 0)); then
	echo "deps: all ${#pkgs[@]} packages installed"
	exit 0
fi

echo "deps: missing: ${missing[*]}"
if ((EUID != 0)); then
	echo "deps: installing packages needs root; run 'sudo make deps'" >&2
	exit 1
fi
if ! command -v apt-get >/dev/null; then
	echo "deps: apt-get not found; install the packages above by hand" >&2
	exit 1
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
