# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
#
# Kernel-log and taint checks shared by the host side (run-vm, on the whole
# dmesg of a boot) and the guest side (guest-runner, per test).

# Lines of dmesg that fail a run.
VIC_SPLAT_PATTERNS=(
	'WARNING:'
	'BUG:'
	'Oops'
	'sleeping function called from invalid context'
	'refcount_t:'
	'list_add corruption'
	'list_del corruption'
	'general protection fault'
	'Kernel panic'
	'RCU stall'
	'rcu_.* self-detected stall'
	'rcu: INFO: .* detected stalls'
	'INFO: task .* blocked'
	'kmemleak'
	'UBSAN'
)

# Taint bits that are expected: O (12, out-of-tree module) and E (13,
# unsigned module).
VIC_TAINT_OK=$(((1 << 12) | (1 << 13)))

# vic_splats [FILE]: print the lines of FILE (stdin) that match a pattern;
# true when there is at least one.
vic_splats() {
	local args=() p
	for p in "${VIC_SPLAT_PATTERNS[@]}"; do
		args+=(-e "$p")
	done
	grep -E "${args[@]}" "$@"
}

# vic_taint_letters VALUE: the letters of the taint bits set in VALUE, as in
# an oops report (e.g. "WOE"); one letter per bit 0..17.
vic_taint_letters() {
	local letters=PFSRMBUDAWCIOELKXT out='' i
	for ((i = 0; i < ${#letters}; i++)); do
		(($1 & (1 << i))) && out+=${letters:i:1}
	done
	echo "$out"
}

# vic_bad_taint VALUE: the taint bits of VALUE other than O and E.
vic_bad_taint() {
	echo $(($1 & ~VIC_TAINT_OK))
}
