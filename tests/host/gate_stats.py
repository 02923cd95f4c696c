#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""The performance gate's decisions on samples whose truth the test sets.

Runs tools/bench/gate.py on vic-bench records written here and checks its
exit status and report (TAP): the exact Mann-Whitney p-values, that the
wall lane tests runs and not samples (a slow stretch of the host during one
run of the base must not make an A/A comparison fail), that a regression
in every run fails, and that a gate with too few runs to ever fail says so
instead of passing.
"""
import json
import math
import os
import subprocess
import sys
import tempfile

ROOT = os.path.realpath(os.path.join(os.path.dirname(__file__), "..", ".."))
GATE = os.path.join(ROOT, "tools", "bench", "gate.py")
sys.path.insert(0, os.path.dirname(GATE))
import gate  # noqa: E402

n = 0
failed = 0


def check(ok, desc):
    global n, failed
    n += 1
    if not ok:
        failed += 1
    print(f"{'ok' if ok else 'not ok'} {n} - {desc}")


def record(label, lane, metrics):
    return json.dumps({"label": label, "lane": lane, "metrics": {
        name: {"unit": "ns/raise", "median": gate.median(s), "samples": s}
        for name, s in metrics.items()}})


def run_gate(tmp, lines, *args):
    path = os.path.join(tmp, "samples.jsonl")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    report = os.path.join(tmp, "report.json")
    if os.path.exists(report):
        os.unlink(report)
    p = subprocess.run([sys.executable, GATE, "--json", report, *args, path],
                       capture_output=True, text=True)
    rep = json.load(open(report)) if os.path.exists(report) else None
    return p.returncode, p.stdout + p.stderr, rep


def metric(rep, name):
    return {m["metric"]: m for m in rep["metrics"]}[name]


def main():
    # Exact p-values, worked by hand.
    p = gate.mann_whitney_greater([7, 8, 9, 10, 11, 12], [1, 2, 3, 4, 5, 6])
    check(math.isclose(p, 1 / 924), f"6 above 6: p = 1/C(12,6) (got {p:.6g})")
    p = gate.mann_whitney_greater([3, 4], [1, 2])
    check(math.isclose(p, 1 / 6), f"2 above 2: p = 1/6 (got {p:.6g})")
    # a = {2, 3}, b = {1, 4}: rank sum 5; of the 6 pairs, {2,3} {1,4} {2,4}
    # {3,4} have a sum >= 5.
    p = gate.mann_whitney_greater([2, 3], [1, 4])
    check(math.isclose(p, 4 / 6), f"interleaved 2 and 2: p = 4/6 (got {p:.6g})")
    p = gate.mann_whitney_greater([5, 5, 5], [5, 5, 5])
    check(math.isclose(p, 1.0), f"all tied: p = 1 (got {p:.6g})")
    # Ties across the sides: a = {2, 2}, b = {1, 2}, midranks 1, 3, 3, 3:
    # a's sum 6; pairs with a sum >= 6: the three of ranks {3, 3}.
    p = gate.mann_whitney_greater([2, 2], [1, 2])
    check(math.isclose(p, 3 / 6), f"ties across the sides: p = 3/6 (got {p:.6g})")
    check(gate.min_units(0.01) == 5, "at alpha 0.01 a test needs 5 units a side")

    with tempfile.TemporaryDirectory() as tmp:
        # An A/A comparison whose candidate had half its runs on a slow
        # stretch of the host, every sample of such a run alike; as in the
        # gate's A/A that failed when it pooled samples (gen_ims_ns of one
        # boot, 4 samples a run, the slow run the base's first).
        slow = [[1225.4, 1207.2, 1332.1, 1125.5], [1395.4, 1119.6, 1223.2, 1127.8],
                [1110.2, 1190.5, 1143.8, 1160.0]]
        quiet = [[800.2, 1004.6, 793.4, 859.5], [897.3, 772.8, 1130.2, 972.9],
                 [868.6, 844.7, 880.3, 876.4], [925.6, 854.9, 852.2, 853.0],
                 [878.0, 862.6, 993.0, 869.9], [903.8, 868.3, 864.5, 866.2],
                 [870.1, 858.3, 884.0, 861.7], [902.5, 850.1, 866.0, 879.9],
                 [859.0, 871.2, 890.4, 848.8]]
        base = quiet[:6]
        aa = slow + quiet[6:]
        lines = [record("base", "wall", {"gen_ims_ns": r}) for r in base]
        lines += [record("aa", "wall", {"gen_ims_ns": r}) for r in aa]
        pb = [v for r in base for v in r]
        pa = [v for r in aa for v in r]
        pooled_p = gate.mann_whitney_greater(pa, pb)
        pooled_change = (gate.median(pa) / gate.median(pb) - 1) * 100
        check(pooled_p < 0.01 and pooled_change > 10,
              f"pooled, these samples would fail the gate (p = "
              f"{pooled_p:.2g}, {pooled_change:+.1f}%)")
        rc, out, rep = run_gate(tmp, lines, "--lane", "wall",
                                "--pair", "base:aa")
        check(rc == 0, f"wall: that A/A comparison passes (exit {rc})")
        m = metric(rep, "gen_ims_ns") if rep else {}
        check(m.get("unit_of_test") == "run" and len(m.get("base", [])) == 6
              and len(m.get("base_runs", [[]])[0]) == 4,
              "the wall lane tests 6 runs a side, not 24 samples")

        # Every run of the candidate 15% slower: fails.
        cand = [[v * 1.15 for v in r] for r in quiet[:6]]
        lines = [record("base", "wall", {"gen_ims_ns": r}) for r in quiet[:6]]
        lines += [record("candidate", "wall", {"gen_ims_ns": r}) for r in cand]
        rc, out, rep = run_gate(tmp, lines, "--lane", "wall")
        check(rc == 1 and metric(rep, "gen_ims_ns")["regressed"],
              f"wall: +15% in every run fails (exit {rc})")
        # ... and at a threshold above the change, passes.
        rc, out, rep = run_gate(tmp, lines, "--lane", "wall",
                                "--threshold", "20")
        check(rc == 0, f"wall: +15% passes a 20% threshold (exit {rc})")

        # Four runs a side can never give p < 0.01: exit 2, not a pass.
        lines = [record("base", "wall", {"gen_ims_ns": r}) for r in quiet[:4]]
        lines += [record("candidate", "wall", {"gen_ims_ns": r})
                  for r in cand[:4]]
        rc, out, rep = run_gate(tmp, lines, "--lane", "wall")
        check(rc == 2 and "needs at least 5 runs a side" in out,
              f"wall: 4 runs a side is refused (exit {rc})")

        # The icount lane tests samples: 2 runs of 3 samples a side is 6.
        lines = [record("base", "icount", {"signal_vic_insn": [97, 97, 97]}),
                 record("base", "icount", {"signal_vic_insn": [97, 97, 98]}),
                 record("candidate", "icount", {"signal_vic_insn": [100, 100, 101]}),
                 record("candidate", "icount", {"signal_vic_insn": [100, 100, 100]})]
        rc, out, rep = run_gate(tmp, lines, "--lane", "icount",
                                "--threshold", "2")
        m = metric(rep, "signal_vic_insn") if rep else {}
        check(rc == 1 and m.get("unit_of_test") == "sample"
              and math.isclose(m.get("p", 0), 1 / 924),
              f"icount: +3% in 6 samples a side fails, p = 1/924 (exit {rc})")
    print(f"1..{n}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
