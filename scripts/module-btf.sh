#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# module-btf.sh VMLINUX MODDIR
#
# Add split BTF (based on VMLINUX) to every module Kbuild built in MODDIR,
# as the kernel's own build does when it has a vmlinux: this gives the
# btf_trace_<event> typedefs that tp_btf/fentry programs need. A module
# that already has a .BTF section is up to date (Kbuild relinks the .ko,
# dropping the section, whenever it changes).
set -euo pipefail

if (($# != 2)); then
	echo "usage: $0 VMLINUX MODDIR" >&2
	exit 2
fi
vmlinux=$1 moddir=$2

[[ -f $moddir/modules.order ]] || exit 0
while IFS= read -r m; do
	m=${m%.o}
	m=${m%.ko}.ko
	[[ $m == /* ]] || m=$moddir/$m
	if readelf -S -W "$m" | grep -q ' \.BTF '; then
		continue
	fi
	printf '  %-7s %s\n' "BTF" "${m#"$PWD"/}"
	pahole -J --btf_gen_floats -j --btf_base "$vmlinux" "$m"
done <"$moddir/modules.order"
