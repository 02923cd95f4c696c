# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
#
# The nested guest (L2) of the nested lane, seen from the test VM (L1):
# QEMU's vfio-pci gives a vic_mdev instance to a Linux guest that boots the
# same kernel from a busybox initramfs (/init: tests/nested/l2-init) with
# the guest driver vic_guest.ko. Sourced by tests/guest/vmm_nested.sh and
# tests/nested/demo.sh:
#
#	. "$VIC_ROOT/tests/nested/l2.sh"
#	l2_start "$workdir" "$uuid"
#	l2_wait_ready 1 300
#	l2_run vg_counts
#	l2_stop
#
# Channels, all files in the work directory:
#   console.log   L2's serial console (ttyS0): its whole kernel log
#   ctl.in/.out   L2's second serial port (ttyS1), FIFOs: commands in,
#                 answers out (logged to ctl.log), see tests/nested/l2-init
#   qmp.in/.out   QEMU's QMP monitor, FIFOs (replies and events: qmp.log)
#   qemu.log      QEMU's own output

# L2_START_NS: when QEMU was started (l2_ns), for the boot time.
# shellcheck disable=SC2034
L2_DIR="" L2_QEMU_PID="" L2_START_NS=0
L2_CTL='' L2_QMP='' L2_READERS=()

# l2_ns: CLOCK_REALTIME in nanoseconds.
l2_ns() {
	date +%s%N
}

# l2_initramfs OUT: build L2's initramfs (busybox, l2-init, vic_guest.ko),
# uncompressed: inflating it took L2's kernel about 13 s under TCG in TCG.
l2_initramfs() {
	local adds=()
	[[ -f $VIC_BUILD/kmod/vic_guest.ko ]] &&
		adds=(--add "$VIC_BUILD/kmod/vic_guest.ko:/lib/vic_guest.ko")
	"$VIC_ROOT/tests/vm/mkinitramfs" --init "$VIC_ROOT/tests/nested/l2-init" \
		--modules '' "${adds[@]}" "$KVER" "$1.gz" >/dev/null &&
		gzip -dc "$1.gz" >"$1"
}

# L2's kernel command line. The console prints up to KERN_NOTICE: every
# pattern of the splat scan and the "Linux version" banner, without the
# flood of ignore_loglevel on the emulated UART. The rest drops what L2
# does not need and what costs most of its boot under TCG in TCG (from an
# initcall_debug profile, docs/testing.md): crypto self-tests, IPv6, the
# read-only marking and W+X check, and four initcalls (the first tracer's
# tracefs setup, system certificates, the CMOS RTC, the KDF self-test).
L2_CMDLINE="console=ttyS0 loglevel=6 panic=-1 mitigations=off"
L2_CMDLINE+=" cryptomgr.notests ipv6.disable=1 rodata=off"
L2_CMDLINE+=" initcall_blacklist=init_blk_tracer,load_system_certificate_list,cmos_init,crypto_kdf108_init"

# l2_qemu_cmd INITRD UUID...: the QEMU command line (one word per line), also
# shown by the demo. L2_ACCEL (kvm or tcg) overrides the choice of
# accelerator; L2_APPEND is added to L2's kernel command line.
l2_qemu_cmd() {
	local accel=${L2_ACCEL:-} initrd=$1 i=0 uuid devs=()
	shift
	for uuid in "$@"; do
		devs+=(-device "pcie-root-port,id=rp$i,chassis=$((i + 1))"
			-device "vfio-pci,sysfsdev=/sys/bus/mdev/devices/$uuid,bus=rp$i,id=vic$i")
		i=$((i + 1))
	done
	if [[ -z $accel ]]; then
		accel=tcg
		if [[ -r /dev/kvm && -w /dev/kvm ]] && grep -qwE 'vmx|svm' /proc/cpuinfo; then
			accel=kvm
		fi
	fi
	# The ELF vmlinux (make extracts it for BTF) boots through PVH: no
	# firmware, no decompression, which takes most of the first two
	# minutes of an L2 boot under TCG in TCG.
	local kernel=$VIC_BUILD/vmlinux-$KVER
	[[ -f $kernel ]] || kernel=${KROOT:-}/boot/vmlinuz-$KVER
	printf '%s\n' qemu-system-x86_64 -accel "$accel" -machine q35,sata=off,smbus=off \
		-smp 1 -m 256M -nodefaults -display none \
		-kernel "$kernel" -initrd "$initrd" \
		-append "$L2_CMDLINE ${L2_APPEND:-}" \
		-serial "file:$L2_DIR/console.log" \
		-chardev "pipe,id=ctl,path=$L2_DIR/ctl" -serial chardev:ctl \
		-chardev "pipe,id=qmp,path=$L2_DIR/qmp" -mon chardev=qmp,mode=control \
		"${devs[@]}"
}

# l2_start DIR UUID...: boot L2 with the mdevs UUID..., channels in DIR.
# Each mdev gets a PCIe root port of its own (rpN, QEMU device id vicN), so
# that it can be unplugged alone.
l2_start() {
	local f cmd=()
	L2_DIR=$1
	shift
	mkdir -p "$L2_DIR"
	l2_initramfs "$L2_DIR/initramfs.cpio" || return 1
	for f in ctl.in ctl.out qmp.in qmp.out; do
		rm -f "${L2_DIR:?}/$f"
		mkfifo "$L2_DIR/$f"
	done
	: >"$L2_DIR/ctl.log"
	: >"$L2_DIR/qmp.log"
	rm -f "$L2_DIR/seq"
	mapfile -t cmd <<<"$(l2_qemu_cmd "$L2_DIR/initramfs.cpio" "$@")"
	L2_START_NS=$(l2_ns)
	setpriv --pdeathsig KILL "${cmd[@]}" </dev/null >"$L2_DIR/qemu.log" 2>&1 &
	L2_QEMU_PID=$!
	# Read-write opens: they never block, and a write never gets SIGPIPE
	# when QEMU is gone.
	exec {L2_CTL}<>"$L2_DIR/ctl.in"
	exec {L2_QMP}<>"$L2_DIR/qmp.in"
	cat <>"$L2_DIR/ctl.out" >>"$L2_DIR/ctl.log" &
	L2_READERS+=($!)
	cat <>"$L2_DIR/qmp.out" >>"$L2_DIR/qmp.log" &
	L2_READERS+=($!)
	echo '{"execute": "qmp_capabilities"}' >&"$L2_QMP"
}

# l2_alive: QEMU still runs.
l2_alive() {
	[[ -n $L2_QEMU_PID ]] && kill -0 "$L2_QEMU_PID" 2>/dev/null
}

# l2_why: why L2 stopped answering (for a diagnostic).
l2_why() {
	if ! l2_alive; then
		echo "QEMU exited: $(tail -n 3 "$L2_DIR/qemu.log" | tr '\n' ' ')"
	elif grep -q 'Kernel panic' "$L2_DIR/console.log" 2>/dev/null; then
		echo "L2 panicked: $(grep -m1 'Kernel panic' "$L2_DIR/console.log")"
	else
		echo "last console line: $(tail -n 1 "$L2_DIR/console.log" 2>/dev/null)"
	fi
}

# l2_wait FILE REGEX SECONDS: wait until a complete line of FILE matches
# REGEX (extended); false on timeout or when QEMU is gone.
l2_wait() {
	local deadline=$((SECONDS + $3))
	until grep -qE "$2" "$1"; do
		if ((SECONDS >= deadline)) || ! l2_alive; then
			return 1
		fi
		sleep 0.2
	done
}

# l2_wait_ready N SECONDS: wait for L2's Nth "ready" (the Nth boot).
l2_wait_ready() {
	local deadline=$((SECONDS + $2))
	while (($(grep -cE '^l2: ready .* end$' "$L2_DIR/ctl.log") < $1)); do
		if ((SECONDS >= deadline)) || ! l2_alive; then
			return 1
		fi
		sleep 0.2
	done
}

# l2_ready_line N: the Nth "l2: ready ..." line.
l2_ready_line() {
	grep -E '^l2: ready .* end$' "$L2_DIR/ctl.log" | sed -n "${1}p"
}

# l2_next_id: a new request id, unique over the lane. The counter is a
# file, not a variable, because most calls of l2_run run in a command
# substitution, whose increments of a variable the caller never sees: ids
# repeated, and a request took an earlier request's answer.
l2_next_id() {
	local id
	id=$(($(cat "$L2_DIR/seq" 2>/dev/null || echo 0) + 1))
	echo "$id" >"$L2_DIR/seq"
	echo "$id"
}

# l2_run [-t SECONDS] COMMAND...: run COMMAND in L2 (default limit 60 s);
# print its output, return its status (124: no answer in time, 125: QEMU
# is gone).
l2_run() {
	local t=60 id rc
	if [[ $1 == -t ]]; then
		t=$2
		shift 2
	fi
	id=$(l2_next_id)
	printf '%s %s\n' "$id" "$*" >&"$L2_CTL"
	if ! l2_wait "$L2_DIR/ctl.log" "^l2: $id rc [0-9]+ end\$" "$t"; then
		echo "l2_run: no answer to '$*' in ${t}s; $(l2_why)" >&2
		l2_alive || return 125
		return 124
	fi
	sed -n "s/^l2: $id | //p" "$L2_DIR/ctl.log"
	rc=$(sed -nE "s/^l2: $id rc ([0-9]+) end\$/\\1/p" "$L2_DIR/ctl.log")
	return "$rc"
}

# l2_qmp COMMAND [ARGUMENTS-JSON]: send a QMP command (the reply lands in
# qmp.log).
l2_qmp() {
	if (($# > 1)); then
		printf '{"execute": "%s", "arguments": %s}\n' "$1" "$2" >&"$L2_QMP"
	else
		printf '{"execute": "%s"}\n' "$1" >&"$L2_QMP"
	fi
}

# l2_qmp_event NAME SECONDS: wait for QMP event NAME.
l2_qmp_event() {
	l2_wait "$L2_DIR/qmp.log" "\"event\": \"$1\"" "$2"
}

# l2_splats: the splat lines of L2's kernel log (its console, every boot);
# true when there is one. Patterns: tests/vm/common.sh.
l2_splats() {
	vic_splats "$L2_DIR/console.log"
}

# l2_wait_exit SECONDS: wait until QEMU exited by itself.
l2_wait_exit() {
	local deadline=$((SECONDS + $1))
	while l2_alive; do
		((SECONDS < deadline)) || return 1
		sleep 0.2
	done
	wait "$L2_QEMU_PID" 2>/dev/null
	L2_QEMU_PID=''
}

# l2_stop: stop QEMU (if still running) and the channel readers.
l2_stop() {
	local p
	if l2_alive; then
		kill -TERM "$L2_QEMU_PID" 2>/dev/null
		l2_wait_exit 10 || kill -KILL "$L2_QEMU_PID" 2>/dev/null
	fi
	[[ -n $L2_QEMU_PID ]] && wait "$L2_QEMU_PID" 2>/dev/null
	L2_QEMU_PID=''
	# A reader killed here ends with status 143: not an error (callers
	# may run under set -e, as demo.sh does).
	for p in "${L2_READERS[@]}"; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null || :
	done
	L2_READERS=()
	[[ -n $L2_CTL ]] && exec {L2_CTL}>&-
	[[ -n $L2_QMP ]] && exec {L2_QMP}>&-
	L2_CTL='' L2_QMP=''
	return 0
}
