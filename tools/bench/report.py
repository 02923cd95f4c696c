#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Print vic-bench records as a table, each ratio against its target."""
import json
import sys

# (label, metric, comparison, target, what)
TARGETS = [
    ("suite", "ratio_vic_over_floor", "<=", 1.15,
     "emulated send_signal vs bare eventfd_signal"),
    ("suite", "ratio_2cpu_over_1cpu", ">=", 1.8,
     "2 vCPUs vs 1, distinct vectors"),
    ("suite", "ratio_2048_over_256", "<=", 9.0,
     "SET_IRQS enable, 2048 vs 256 vectors"),
    ("imstop", "ratio_traced_throughput", ">=", 0.85,
     "generator throughput with imstop attached"),
    ("bpftrace", "ratio_traced_throughput", ">=", 0.85,
     "generator throughput with the bpftrace script attached"),
]


def main():
    recs = {}
    for path in sys.argv[1:]:
        with open(path) as f:
            for line in f:
                if line.startswith("{"):
                    rec = json.loads(line)
                    recs[rec["label"]] = rec
    for label, rec in recs.items():
        print(f"== {label} (kernel {rec['kernel']})")
        for name, m in rec["metrics"].items():
            s = m["samples"]
            print(f"  {name:28} {m['median']:12.4g} {m['unit']:9} "
                  f"min {min(s):.4g} max {max(s):.4g} n={len(s)}")
    print("== targets (ratios measured in one boot)")
    for label, name, cmp, target, what in TARGETS:
        m = recs.get(label, {}).get("metrics", {}).get(name)
        if not m:
            print(f"  {what:55} not measured")
            continue
        v = m["median"]
        ok = v <= target if cmp == "<=" else v >= target
        print(f"  {what:55} {v:6.3f} (target {cmp} {target}) "
              f"{'met' if ok else 'MISSED'}")
    im = recs.get("imstop", {}).get("metrics", {}).get("ratio_traced_throughput")
    bt = recs.get("bpftrace", {}).get("metrics", {}).get("ratio_traced_throughput")
    if im and bt:
        better = im["median"] > bt["median"]
        print(f"  {'imstop costs less than the bpftrace script':55} "
              f"{'met' if better else 'MISSED'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
