# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
#
# Kernel-log and taint checks shared by the host side (run-vm, on the whole
# dmesg of a boot) and the guest side (guest-runner, per test).

# Lines of dmesg that fail a run: extended regular expressions for the
# messages of the kernel's detectors (Linux 6.1 to 6.12). Several detectors
# prefix "WARNING:" or "BUG:"; their own text is listed all the same, so
# that each stays covered if the prefix changes. tests/fixtures/splat-lines
# holds a real line of each, which tests/host/harness.sh checks.
VIC_SPLAT_PATTERNS=(
	# WARN(), BUG: ... (bad page state, unable to handle ..., scheduling
	# while atomic, soft lockup, KASAN, Invalid wait context, ...)
	'WARNING:'
	'BUG:'
	# BUG(), and the trap it raises on x86
	'[Kk]ernel BUG at'
	'invalid opcode:'
	'Oops'
	'general protection fault'
	'Kernel panic'
	# sleeping in atomic context: always, and with DEBUG_ATOMIC_SLEEP
	'scheduling while atomic'
	'sleeping function called from invalid context'
	'refcount_t:'
	'list_add corruption'
	'list_del corruption'
	# an interrupt that no handler claims, or a bad handler return value
	'nobody cared'
	'irq event [0-9]+: bogus return value'
	# lockup and hang detectors
	'soft lockup - CPU'
	'Watchdog detected hard LOCKUP'
	'blocked for more than [0-9]+ seconds'
	'INFO: task .* blocked'
	'rcu_.* self-detected stall'
	'INFO: rcu_.* detected (expedited )?stalls'
	# lockdep (PROVE_LOCKING, PROVE_RAW_LOCK_NESTING, PROVE_RCU)
	'possible circular locking dependency detected'
	'possible recursive locking detected'
	'inconsistent lock state'
	'possible irq lock inversion dependency detected'
	'-safe -> [A-Z_-]+-unsafe lock order detected'
	'Invalid wait context'
	'suspicious RCU usage'
	'bad unlock balance detected'
	'held lock freed'
	'lock held when returning to user space'
	# KASAN, KMEMLEAK (the report lines; not its boot messages), UBSAN
	'BUG: KASAN:'
	'kmemleak: [0-9]+ new suspected memory leaks'
	'unreferenced object 0x[0-9a-f]+ \(size [0-9]+\)'
	'UBSAN:'
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
