#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# kernels.sh [--print NAME] [NAME...]
#
# Fetch Debian's kernel packages for the test kernels (6.12, rt) and unpack
# them into a cache, without installing them: nothing is written to /boot
# or /lib/modules. Each kernel gets a root directory
#
#   $VIC_KERNEL_CACHE/<package version>/<kernel version>/
#       boot/vmlinuz-KVER, lib/modules/KVER (modules, build -> headers),
#       usr/src/linux-headers-KVER*, usr/lib/linux-kbuild-*
#
# keyed by the package version, so an apt update gives a new entry, and a
# symlink $VIC_KERNEL_CACHE/NAME pointing at the newest one. Cheap when
# the entry exists. With --print NAME, only print the root of NAME (no
# download); exit 1 when it is not in the cache.
#
# NAME debug is not fetched but built from linux-source-6.1, by
# debug-kernel.sh (see there), into the same cache and layout; it takes
# long the first time, so it is not among the default NAMEs (6.12 rt).
#
# Cache: $VIC_KERNEL_CACHE, else $XDG_CACHE_HOME/vic/kernels, else
# ~/.cache/vic/kernels.
set -euo pipefail

here=$(dirname "$(realpath "$0")")
cache=${VIC_KERNEL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vic/kernels}

die() {
	echo "kernels: $*" >&2
	exit 1
}

# Meta packages of each kernel: they depend on the versioned image and
# headers of the newest kernel of their line.
declare -A meta_image=([6.12]=linux-image-6.12-amd64 [rt]=linux-image-rt-amd64)
declare -A meta_headers=([6.12]=linux-headers-6.12-amd64 [rt]=linux-headers-rt-amd64)

if [[ ${1:-} == --print ]]; then
	name=${2:?usage: kernels.sh --print NAME}
	[[ -d $cache/$name/ ]] || exit 1
	realpath "$cache/$name"
	exit 0
fi

names=("$@")
((${#names[@]})) || names=(6.12 rt)

command -v apt-cache >/dev/null || die "apt-cache not found (not a Debian system?)"

# first_dep PKG PATTERN: the first dependency of PKG matching PATTERN.
first_dep() {
	apt-cache depends --no-recommends --no-suggests --no-enhances "$1" 2>/dev/null |
		sed -n 's/^ *|\{0,1\}Depends: //p' | grep -E "$2" | head -n 1
}

# cand PKG: its candidate version.
cand() {
	apt-cache policy "$1" 2>/dev/null | sed -n 's/^ *Candidate: //p'
}

fetch() {
	local name=$1 image headers kver pver root tmp pkgs p deb
	[[ -n ${meta_image[$name]:-} ]] || die "unknown kernel '$name' (known: ${!meta_image[*]})"
	image=$(first_dep "${meta_image[$name]}" '^linux-image-') ||
		die "no package ${meta_image[$name]}; run 'apt-get update'"
	headers=$(first_dep "${meta_headers[$name]}" '^linux-headers-') ||
		die "no package ${meta_headers[$name]}; run 'apt-get update'"
	[[ -n $image && -n $headers ]] || die "cannot resolve ${meta_image[$name]} / ${meta_headers[$name]}"
	kver=${image#linux-image-}
	pver=$(cand "$image")
	[[ -n $pver && $pver != '(none)' ]] || die "$image has no candidate version"
	root=$cache/$pver/$kver
	if [[ -f $root/.complete ]]; then
		ln -sfn "$pver/$kver" "$cache/$name"
		echo "kernels: $name: $kver ($pver), cached in $root"
		return 0
	fi

	# The image, the headers and what they need to build modules: the
	# common headers and kbuild (scripts, tools), found in their Depends.
	pkgs=("$image" "$headers")
	while IFS= read -r p; do
		pkgs+=("$p")
	done < <(apt-cache depends --no-recommends --no-suggests "$headers" |
		sed -n 's/^ *|\{0,1\}Depends: //p' |
		grep -E '^linux-(headers-.*-common.*|kbuild-.*)$' | sort -u)

	echo "kernels: $name: $kver ($pver): ${pkgs[*]}"
	mkdir -p "$cache/debs"
	(cd "$cache/debs" && apt-get download -q "${pkgs[@]}") ||
		die "apt-get download failed"

	tmp=$(mktemp -d "$cache/.unpack.XXXXXX")
	# shellcheck disable=SC2064 # expand now
	trap "rm -rf '$tmp'" EXIT
	for p in "${pkgs[@]}"; do
		deb=$(find "$cache/debs" -maxdepth 1 -name "${p}_*.deb" | sort -V | tail -n 1)
		[[ -n $deb ]] || die "$p: downloaded .deb not found in $cache/debs"
		dpkg-deb -x "$deb" "$tmp"
	done

	# The headers' Makefile includes the common headers by absolute path,
	# and lib/modules/KVER/{build,source} point at /usr/src: make them
	# point into the root.
	local hdir=$tmp/usr/src/linux-headers-$kver
	[[ -f $hdir/Makefile ]] || die "$headers has no Makefile in usr/src/linux-headers-$kver"
	sed -i -E "s|^include /usr/src/|include $root/usr/src/|" "$hdir/Makefile"
	local mdir=$tmp/lib/modules/$kver
	[[ -d $mdir ]] || die "$image has no lib/modules/$kver"
	ln -sfn "../../../usr/src/linux-headers-$kver" "$mdir/build"
	[[ -L $mdir/source || -e $mdir/source ]] &&
		ln -sfn "../../../usr/src/linux-headers-$kver" "$mdir/source"
	[[ -f $tmp/boot/vmlinuz-$kver ]] || die "$image has no boot/vmlinuz-$kver"
	/sbin/depmod -b "$tmp" "$kver" || die "depmod -b failed"

	mkdir -p "$(dirname "$root")"
	rm -rf "$root"
	mv "$tmp" "$root"
	trap - EXIT
	touch "$root/.complete"
	ln -sfn "$pver/$kver" "$cache/$name"
	echo "kernels: $name: $kver ($pver), unpacked in $root"
}

for n in "${names[@]}"; do
	if [[ $n == debug ]]; then
		"$here/debug-kernel.sh"
	else
		fetch "$n"
	fi
done
