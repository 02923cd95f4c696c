#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# extract-vmlinux.sh VMLINUZ OUT
#
# Extract the ELF vmlinux from an xz-compressed bzImage (Debian's kernels),
# for its .BTF section: pahole needs it as the base when it generates the
# BTF of out-of-tree modules, and Debian's headers ship no vmlinux.
set -euo pipefail

if (($# != 2)); then
	echo "usage: $0 VMLINUZ OUT" >&2
	exit 2
fi
in=$1 out=$2

# Offset of the xz stream magic (FD 37 7A 58 5A 00) inside the bzImage.
off=$(
	set +o pipefail
	LC_ALL=C grep -obUaP '\xFD7zXZ\x00' "$in" | head -n1 | cut -d: -f1
)
if [[ -z $off ]]; then
	echo "extract-vmlinux: no xz stream in $in (not an xz-compressed kernel?)" >&2
	exit 1
fi

tmp=$(mktemp "$out.XXXXXX")
trap 'rm -f "$tmp"' EXIT
# The payload is followed by other data: decode the first stream only (xz
# then stops reading, and tail may die of SIGPIPE: that is fine).
{ tail -c +"$((off + 1))" "$in" || :; } | xz -dc --single-stream >"$tmp"
if ! readelf -h "$tmp" >/dev/null 2>&1; then
	echo "extract-vmlinux: $in did not decompress to an ELF image" >&2
	exit 1
fi
if ! readelf -S -W "$tmp" | grep -q ' \.BTF '; then
	echo "extract-vmlinux: $in has no .BTF section (CONFIG_DEBUG_INFO_BTF off?)" >&2
	exit 1
fi
chmod 0644 "$tmp"
mv "$tmp" "$out"
trap - EXIT
