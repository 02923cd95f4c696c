#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Print vic-bench records as tables, per lane, and each target's verdict."""
import json
import sys

# (lane, label, metric, comparison, target, what). A metric "A-B" is the
# difference of two medians.
TARGETS = [
    ("icount", "suite", "signal_vic_insn-signal_floor_insn", "<=", 20,
     "emulated send_signal over bare eventfd_signal, instructions"),
    ("wall", "suite", "ratio_vic_over_floor", "<=", 1.15,
     "emulated send_signal vs bare eventfd_signal"),
    ("wall", "suite", "ratio_2cpu_over_1cpu", ">=", 1.8,
     "2 vCPUs vs 1, distinct vectors"),
    ("icount", "suite", "ratio_2048_over_256", "<=", 8.5,
     "SET_IRQS enable, 2048 vs 256 vectors (instructions)"),
    ("wall", "suite", "ratio_2048_over_256", "<=", 8.5,
     "SET_IRQS enable, 2048 vs 256 vectors (time)"),
    ("icount", "imstop", "ratio_traced_throughput", ">=", 0.85,
     "generator with imstop attached (instructions)"),
    ("wall", "imstop", "ratio_traced_throughput", ">=", 0.85,
     "generator with imstop attached (time)"),
    ("icount", "bpftrace", "ratio_traced_throughput", ">=", 0.85,
     "generator with the bpftrace script attached (instructions)"),
    ("wall", "bpftrace", "ratio_traced_throughput", ">=", 0.85,
     "generator with the bpftrace script attached (time)"),
]


# (lane, tracer A, tracer B, comparison, target, what): A's cost per
# emulated raise over B's (traced - untraced of each, see tracer_cost()).
COST_TARGETS = [
    ("icount", "imstop-all", "floor", "<=", 2,
     "imstop timing every raise / empty programs, cost per raise"),
    ("icount", "bpftrace", "imstop", ">=", 5,
     "bpftrace script / imstop, cost per raise"),
    ("wall", "bpftrace", "imstop", ">=", 5,
     "bpftrace script / imstop, cost per raise (time)"),
]


def value(rec, name):
    metrics = rec.get("metrics", {})
    if "-" in name:
        a, b = (metrics.get(n) for n in name.split("-"))
        return a["median"] - b["median"] if a and b else None
    m = metrics.get(name)
    return m["median"] if m else None


def tracer_cost(recs, lane, label):
    """A tracer's own cost per emulated raise: traced - untraced."""
    rec = recs.get((lane, label), {})
    unit = "insn" if lane == "icount" else "ns"
    t = value(rec, f"gen_emul_{unit}_traced")
    u = value(rec, f"gen_emul_{unit}_untraced")
    return t - u if t is not None and u is not None else None


def main():
    recs = {}
    for path in sys.argv[1:]:
        with open(path) as f:
            for line in f:
                if line.startswith("{"):
                    rec = json.loads(line)
                    recs[(rec.get("lane", "wall"), rec["label"])] = rec
    for (lane, label), rec in recs.items():
        print(f"== {lane} lane: {label} (kernel {rec['kernel']})")
        for name, m in rec["metrics"].items():
            s = m["samples"]
            print(f"  {name:30} {m['median']:12.6g} {m['unit']:10} "
                  f"min {min(s):.6g} max {max(s):.6g} n={len(s)}")
    print("== targets")
    for lane, label, name, cmp, target, what in TARGETS:
        v = value(recs.get((lane, label), {}), name)
        if v is None:
            print(f"  {lane:6} {what:60} not measured")
            continue
        ok = v <= target if cmp == "<=" else v >= target
        print(f"  {lane:6} {what:60} {v:8.3f} (target {cmp} {target}) "
              f"{'met' if ok else 'MISSED'}")
    for lane, a, b, cmp, target, what in COST_TARGETS:
        ca, cb = tracer_cost(recs, lane, a), tracer_cost(recs, lane, b)
        if ca is None or cb is None or cb <= 0:
            print(f"  {lane:6} {what:60} not measured")
            continue
        v = ca / cb
        ok = v <= target if cmp == "<=" else v >= target
        print(f"  {lane:6} {what:60} {v:8.3f} (target {cmp} {target}) "
              f"{'met' if ok else 'MISSED'} ({a} {ca:.4g}, {b} {cb:.4g})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
