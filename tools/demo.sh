#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# A tour of vic, run by 'make run' inside the test VM: load the modules,
# show the vic tracepoints, create and remove a vic_mdev device with the
# tracepoints on, and print what they recorded; then imstop live over a
# device with traffic, and the core's debugfs counters.
set -euo pipefail
. "$VIC_ROOT/tests/lib/guest.sh" # vic_load, vic_unload

tracing=/sys/kernel/tracing
events=$tracing/events/vic

step() {
	printf '\n== %s\n' "$*"
}

step "Linux $(uname -r) in the test VM; vic.ko from $VIC_BUILD/kmod"
mdev=0
if vic_module_path vic_mdev >/dev/null; then
	mdev=1
	vic_load mdev nvec=4 nr_emulated=2
else
	vic_load
fi
lsmod | grep -E '^(vic|vic_mdev|irqbypass|mdev|vfio) ' || :

step "The vic tracepoints ($events)"
for e in "$events"/*/; do
	printf '  vic:%-22s %s\n' "$(basename "$e")" \
		"$(sed -n 's/^print fmt: "\(.*\)",.*/\1/p' "$e/format")"
done

echo 0 >"$tracing/tracing_on"
echo >"$tracing/trace"
echo 1 >"$events/enable"
echo 1 >"$tracing/tracing_on"

if ((mdev)); then
	create=$(echo /sys/class/mdev_bus/vic_mdev/mdev_supported_types/*/create)
	uuid=$(uuidgen)
	step "Create a vic_mdev device (4 MSI-X vectors, 0-1 emulated, 2-3 IMS)"
	echo "  echo $uuid > $create"
	echo "$uuid" >"$create"
	echo "  /sys/bus/mdev/devices/$uuid -> $(readlink -f "/sys/bus/mdev/devices/$uuid")"
	for d in /sys/kernel/debug/vic/*/; do
		echo "  $d: $(cat "$d/name")"
		sed 's/^/    /' "$d/vectors"
	done
	step "Remove it"
	echo "  echo 1 > /sys/bus/mdev/devices/$uuid/remove"
	echo 1 >"/sys/bus/mdev/devices/$uuid/remove"
else
	step "vic_mdev.ko is not built: nothing creates a vic context"
fi

echo 0 >"$tracing/tracing_on"
echo 0 >"$events/enable"
step "What the tracepoints recorded ($tracing/trace)"
grep -v '^#' "$tracing/trace" | sed 's/^ *//; s/^/  /' || echo "  (nothing)"

step "Unload"
vic_unload
echo "  vic modules unloaded; tracepoints gone: $([ -e "$events" ] && echo no || echo yes)"

if ((mdev)) && [[ -x $VIC_BUILD/imstop ]]; then
	step "imstop over live traffic: a vic_mdev device (16 vectors, 0-1 emulated), a trigger on every vector, the generator running, doorbells, a vector masked now and then"
	"$VIC_ROOT/tools/imstop-demo.sh" 5
fi
