#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# mirror-tree.sh SRC DST
#
# Mirror the files of SRC into DST as symlinks, so that Kbuild can build in
# DST and no output lands next to the sources. Links for files that left SRC
# are removed; build output in DST is left alone.
set -euo pipefail

if (($# != 2)); then
	echo "usage: $0 SRC DST" >&2
	exit 2
fi
src=$(realpath -e "$1")
mkdir -p "$2"
dst=$(realpath -e "$2")

# Drop links whose source is gone (a file deleted or renamed in SRC).
find "$dst" -type l ! -exec test -e {} \; -delete

(cd "$src" && find . -type f ! -name '.*' -printf '%P\n') |
while IFS= read -r f; do
	want="$src/$f"
	link="$dst/$f"
	[[ -L $link && $(readlink "$link") == "$want" ]] && continue
	mkdir -p "$(dirname "$link")"
	ln -sfn "$want" "$link"
done
