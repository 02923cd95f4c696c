#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# debug-kernel.sh [--config]
#
# Build the debug test kernel (KERNEL=debug): Debian's linux-source-6.1
# with the config of the installed Debian 6.1 kernel, trimmed by
# 'make localmodconfig' to the modules the test guest loads
# (scripts/debug-kernel.modules), plus scripts/debug-kernel.config (KASAN,
# lockdep, kmemleak, UBSAN, fault injection, BTF, ...). Every option of
# the fragment is checked after olddefconfig: the build fails when one did
# not end up as requested.
#
# The kernel goes into the cache of scripts/kernels.sh, in the same layout:
#
#   $VIC_KERNEL_CACHE/debug-<key>/
#       src/        the kernel source
#       obj/        the build (O=): what external modules build against
#       <kver>/     the root: boot/vmlinuz-KVER, lib/modules/KVER
#                   (build -> obj, source -> src)
#
# and a symlink $VIC_KERNEL_CACHE/debug pointing at the newest root. <key>
# is a hash of every input: the version of linux-source-6.1, the base
# config, the fragment, the module list and this script; cheap when the
# entry exists. An interrupted build resumes where it stopped; the root is
# complete only once .complete is written, last.
#
# With --config, stop once the config is made and checked (seconds): to
# try a change of the fragment.
#
# Base config: $VIC_DEBUG_BASE_CONFIG, else the newest
# /boot/config-6.1.*-amd64. Cache: as for kernels.sh.
set -euo pipefail

here=$(dirname "$(realpath "$0")")
cache=${VIC_KERNEL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vic/kernels}
srcpkg=linux-source-6.1
tarball=/usr/src/$srcpkg.tar.xz
fragment=$here/debug-kernel.config
modlist=$here/debug-kernel.modules
config_only=0
case ${1:-} in
--config) config_only=1 ;;
'') ;;
*) echo "usage: $0 [--config]" >&2 && exit 2 ;;
esac

die() {
	echo "debug-kernel: $*" >&2
	exit 1
}

# make_k ARG...: make in the kernel source, building in obj/.
make_k() {
	make -C "$src" O="$obj" -j"$(nproc)" "$@"
}

pver=$(dpkg-query -W -f='${Version}' "$srcpkg" 2>/dev/null) ||
	die "$srcpkg is not installed; run 'make deps' (as root)"
[[ -f $tarball ]] || die "$tarball not found; run 'make deps' (as root)"
base=${VIC_DEBUG_BASE_CONFIG:-$(
	set +o pipefail
	find /boot -maxdepth 1 -name 'config-6.1.*-amd64' | sort -V | tail -n 1
)}
[[ -n $base && -f $base ]] || die "no base config (/boot/config-6.1.*-amd64; or set VIC_DEBUG_BASE_CONFIG)"
for f in "$fragment" "$modlist"; do
	[[ -f $f ]] || die "$f not found"
done
for t in bc bison flex pahole rsync cpio; do
	command -v "$t" >/dev/null || die "$t not found; run 'make deps' (as root)"
done

key=$(
	{
		echo "$srcpkg $pver"
		sha256sum <"$base"
		sha256sum <"$fragment"
		sha256sum <"$modlist"
		sha256sum <"$0"
	} | sha256sum | cut -c1-16
)
dir=$cache/debug-$key
src=$dir/src
obj=$dir/obj

for r in "$dir"/*/.complete; do
	[[ -f $r ]] || continue
	r=${r%/.complete}
	ln -sfn "debug-$key/${r##*/}" "$cache/debug"
	echo "debug-kernel: ${r##*/} ($srcpkg $pver, $(basename "$base")), cached in $r"
	exit 0
done

echo "debug-kernel: building in $dir ($srcpkg $pver, base $base)"
mkdir -p "$dir"
start=$SECONDS

# The source, once: extracted aside, then moved in place.
if [[ ! -f $src/Makefile ]]; then
	rm -rf "$src" "$src.tmp"
	mkdir -p "$src.tmp"
	tar -xJf "$tarball" -C "$src.tmp" --strip-components=1 ||
		die "cannot extract $tarball"
	mv "$src.tmp" "$src"
fi

# The config: Debian's, only the guest's modules, then the fragment (a
# later assignment of a symbol overrides an earlier one).
mkdir -p "$obj"
cp "$base" "$obj/.config"
lsmod=$dir/lsmod
sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$modlist" >"$lsmod"
make_k -s LSMOD="$lsmod" localmodconfig < <(yes '') >"$dir/config.log" 2>&1 ||
	die "localmodconfig failed (see $dir/config.log)"
cat "$fragment" >>"$obj/.config"
make_k -s olddefconfig >>"$dir/config.log" 2>&1 ||
	die "olddefconfig failed (see $dir/config.log)"

# Check every line of the fragment against the final config.
bad=()
while IFS= read -r line; do
	if [[ $line =~ ^(CONFIG_[A-Za-z0-9_]+)=(.*)$ ]]; then
		grep -qxF -- "$line" "$obj/.config" ||
			bad+=("$line (got: $(grep -E "^(# )?${BASH_REMATCH[1]}[= ]" "$obj/.config" || echo unset))")
	elif [[ $line =~ ^#\ (CONFIG_[A-Za-z0-9_]+)\ is\ not\ set$ ]]; then
		! grep -q "^${BASH_REMATCH[1]}=" "$obj/.config" ||
			bad+=("$line (got: $(grep "^${BASH_REMATCH[1]}=" "$obj/.config"))")
	fi
done <"$fragment"
if ((${#bad[@]})); then
	printf 'debug-kernel: not as requested in %s:\n' "$fragment" >&2
	printf '  %s\n' "${bad[@]}" >&2
	die "fix the fragment (a dependency is missing?) and retry"
fi
echo "debug-kernel: config checked: $(grep -cE '^(CONFIG_|# CONFIG_.* is not set$)' "$fragment") options of $(basename "$fragment") as requested"

if ((config_only)); then
	echo "debug-kernel: $obj/.config"
	exit 0
fi

echo "debug-kernel: make -j$(nproc) (log: $dir/build.log)"
make_k all >"$dir/build.log" 2>&1 || {
	tail -n 30 "$dir/build.log" >&2
	die "build failed (see $dir/build.log)"
}
[[ -f $obj/vmlinux && -f $obj/Module.symvers ]] || die "no vmlinux or Module.symvers in $obj"
kver=$(<"$obj/include/config/kernel.release")
[[ -n $kver ]] || die "cannot get the kernel release"

# The root, staged aside: the image, the modules (stripped of their DWARF;
# BTF stays) and depmod's files.
root=$dir/$kver
stage=$dir/.stage
rm -rf "$stage" "$root"
mkdir -p "$stage/boot"
cp "$obj/arch/x86/boot/bzImage" "$stage/boot/vmlinuz-$kver"
cp "$obj/System.map" "$stage/boot/System.map-$kver"
cp "$obj/.config" "$stage/boot/config-$kver"
make_k -s INSTALL_MOD_PATH="$stage" INSTALL_MOD_STRIP=1 DEPMOD=/sbin/depmod \
	modules_install >>"$dir/build.log" 2>&1 || die "modules_install failed (see $dir/build.log)"
mdir=$stage/lib/modules/$kver
ln -sfn ../../../../obj "$mdir/build"
ln -sfn ../../../../src "$mdir/source"
/sbin/depmod -b "$stage" "$kver" || die "depmod -b failed"
mv "$stage" "$root"
touch "$root/.complete"
ln -sfn "debug-$key/$kver" "$cache/debug"
t=$((SECONDS - start))
echo "debug-kernel: $kver built in $((t / 60))m$((t % 60))s, installed in $root"
