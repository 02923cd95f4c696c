# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
#
# Helpers for guest shell tests (tests/guest/*.sh), which run as root in the
# test VM with VIC_ROOT (the checkout, also the working directory),
# VIC_BUILD (the build directory) and KVER set. Source this file:
#
#	. "$VIC_ROOT/tests/lib/guest.sh"
#	vic_load
#	tap_ok "[ -d /sys/module/vic ]" "vic is loaded"
#	tap_done
#
# TAP: each check prints "ok N - DESC" or "not ok N - DESC"; tap_done prints
# the plan and exits 1 if a check failed, else 0. Exit 77 (tap_skip_all) to
# report the whole test as skipped.

TAP_COUNT=0
TAP_FAILED=0

# tap_ok COND DESC: COND is an exit status (a number; 0 passes) or a shell
# command, evaluated (e.g. "[ -e /dev/vfio/vfio ]").
tap_ok() {
	local cond=$1 desc=$2 rc
	if [[ $cond =~ ^[0-9]+$ ]]; then
		rc=$cond
	else
		rc=0
		eval "$cond" || rc=$?
	fi
	TAP_COUNT=$((TAP_COUNT + 1))
	if ((rc == 0)); then
		echo "ok $TAP_COUNT - $desc"
	else
		echo "not ok $TAP_COUNT - $desc"
		TAP_FAILED=$((TAP_FAILED + 1))
	fi
	return "$rc"
}

# tap_is GOT WANT DESC: passes when GOT and WANT are the same string.
tap_is() {
	local rc=0
	[[ $1 == "$2" ]] || rc=1
	tap_ok "$rc" "$3" || {
		tap_diag "got:  '$1'"
		tap_diag "want: '$2'"
	}
	return "$rc"
}

# tap_diag MSG...: a diagnostic line.
tap_diag() {
	echo "# $*"
}

# tap_skip_all REASON: skip the whole test (exit 77).
tap_skip_all() {
	echo "1..0 # SKIP $*"
	exit 77
}

# tap_done: print the plan; exit 1 if a check failed, else 0.
tap_done() {
	echo "1..$TAP_COUNT"
	((TAP_FAILED == 0)) || {
		tap_diag "$TAP_FAILED of $TAP_COUNT checks failed"
		exit 1
	}
	exit 0
}

# vic_module_path NAME: the built NAME.ko (e.g. vic_mdev); false if not built.
vic_module_path() {
	local ko=$VIC_BUILD/kmod/$1.ko
	[[ -f $ko ]] && echo "$ko"
}

# vic_insmod NAME [PARAM=VALUE...]: insmod the built NAME.ko unless loaded,
# after the modules it depends on (ours by vic_insmod, the kernel's by
# modprobe); on failure, show the end of the kernel log.
vic_insmod() {
	local name=$1 ko dep
	shift
	[[ -d /sys/module/$name ]] && return 0
	ko=$(vic_module_path "$name") || {
		tap_diag "$name.ko is not built ($VIC_BUILD/kmod; run 'make')"
		return 1
	}
	for dep in $(modinfo -F depends "$ko" | tr , ' '); do
		if vic_module_path "$dep" >/dev/null; then
			vic_insmod "$dep" || return 1
		else
			modprobe "$dep" || {
				tap_diag "modprobe $dep (needed by $name) failed"
				return 1
			}
		fi
	done
	insmod "$ko" "$@" || {
		tap_diag "insmod $name.ko failed; kernel log:"
		dmesg | tail -n 10 | sed 's/^/#   /'
		return 1
	}
}

# vic_load [mdev|test [PARAM=VALUE...]]: load the kernel modules vic.ko
# needs (irqbypass, vfio, vfio_iommu_type1, mdev) and vic.ko; with "mdev",
# also vic_mdev.ko, with "test" also vic_test.ko, passing the PARAMs.
# Returns 1 (with a diagnostic) when a module is missing or fails to load.
vic_load() {
	local m
	for m in irqbypass vfio vfio_iommu_type1 mdev; do
		modprobe "$m" || {
			tap_diag "modprobe $m failed"
			return 1
		}
	done
	vic_insmod vic || return 1
	case ${1:-} in
	'') ;;
	mdev | test)
		m=vic_$1
		shift
		vic_insmod "$m" "$@"
		;;
	*)
		tap_diag "vic_load: unknown module '$1' (want mdev or test)"
		return 1
		;;
	esac
}

# vic_unload: unload vic_test, vic_mdev, vic_msix and vic (those loaded, in
# this order).
vic_unload() {
	local m rc=0
	for m in vic_test vic_mdev vic_msix vic; do
		[[ -d /sys/module/$m ]] || continue
		rmmod "$m" || {
			tap_diag "rmmod $m failed"
			rc=1
		}
	done
	return "$rc"
}
