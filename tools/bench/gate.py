#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Decide a performance gate from interleaved base/candidate samples.

Reads vic-bench JSON records (one per line, labelled with their side, e.g.
"base" or "candidate", or SIDE/TRACER for the generator with a tracer
attached). One record is one run: the samples of one module load. For each
gated metric of the lane (icount: instruction counts; wall: wall-clock
time) it runs a one-sided Mann-Whitney U test for "the candidate is worse"
on the lane's unit of observation, plus a minimum effect size on the ratio
of medians:

  icount  the sample: an instruction count does not depend on the host, so
          the samples of one run are as independent as those of two;
  wall    the run, by its median: the host's load moves all the samples of
          one run together, so pooling them would count one slow stretch of
          the host as many independent observations.

A metric regresses when p < alpha AND the candidate's median is worse than
the base's by more than the threshold. The change is reported with a
bootstrap 95% confidence interval of the median ratio, resampling units.
The p-value is exact (every assignment of the units to the two sides) when
there are few enough of them, else the normal approximation with tie
correction.

Writes a table to stdout, a JSON report and an SVG strip plot; exits 1 on
any regression, 0 otherwise.
"""
import argparse
import json
import math
import random
import sys

# lane -> metric -> True when lower is better. A tracer's metrics are
# TRACER:METRIC.
#
# icount: every metric with a target, as instructions per operation; the
# host's load cannot move them.
#
# wall: raw loop times (signal_vic_ns) are left out: the machine's load
# moves them, while the ratio to the floor measured in the same sample
# cancels it. Scaling needs two vCPUs, which the icount lane does not have.
GATED = {
    "icount": {
        "signal_vic_insn": True,
        "cookie_set_insn": True,
        "gen_emul_insn": True,
        "gen_ims_insn": True,
        "doorbell_rtt_insn": True,
        "set_irqs_256_insn": True,
        "set_irqs_2048_insn": True,
        "imstop:gen_emul_insn_traced": True,
        "bpftrace:gen_emul_insn_traced": True,
    },
    "wall": {
        "ratio_vic_over_floor": True,
        "gen_emul_ns": True,
        "gen_ims_ns": True,
        "doorbell_rtt_us": True,
        "ratio_2cpu_over_1cpu": False,
    },
}

# lane -> what one observation of the test is (see above).
UNIT = {"icount": "sample", "wall": "run"}

# Up to this many assignments of the units to the sides, the Mann-Whitney
# p-value is computed exactly (C(16, 8) = 12870).
EXACT_MAX = 20000

# What each piece of the instrument times: when it differs between the
# two sides, those metrics are not compared.
INSTRUMENT = {
    "kmod/vic_test/bench.c": ("signal_", "cookie_set_", "ratio_vic_"),
    "kmod/vic_mdev/gen.c": ("gen_",),
}

# icount: the floor (a bare eventfd_signal in the same loop) is the same
# code on both sides; when it moved more than this, the instrument did.
FLOOR_TOLERANCE_PCT = 1.0


def median(xs):
    s = sorted(xs)
    n = len(s)
    return s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2


def midranks(values):
    """Ranks from 1 (ties get their mean rank) and the tie term sum(t^3-t)."""
    order = sorted(range(len(values)), key=lambda k: values[k])
    ranks = [0.0] * len(values)
    ties = 0.0
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            ranks[order[k]] = (i + j) / 2 + 1
        t = j - i + 1
        ties += t ** 3 - t
        i = j + 1
    return ranks, ties


def exact_greater(ranks, n1, r1):
    """P(rank sum of n1 units drawn from ranks >= r1), every draw alike.

    Counts the subsets by their rank sum, on doubled (integral) midranks.
    """
    twice = [round(2 * r) for r in ranks]
    ways = [dict() for _ in range(n1 + 1)]  # ways[k][sum]: subsets of k
    ways[0][0] = 1
    for r in twice:
        for k in range(n1, 0, -1):
            for total, w in ways[k - 1].items():
                ways[k][total + r] = ways[k].get(total + r, 0) + w
    want = round(2 * r1)
    hits = sum(w for total, w in ways[n1].items() if total >= want)
    return hits / math.comb(len(ranks), n1)


def min_p(n1, n2):
    """The smallest p-value n1 and n2 units can give: 1 / C(n1 + n2, n1)."""
    return 1 / math.comb(n1 + n2, n1)


def min_units(alpha):
    """The fewest units a side (as many on both) that can give p < alpha."""
    n = 1
    while min_p(n, n) >= alpha:
        n += 1
    return n


def mann_whitney_greater(a, b):
    """P-value of H1: values in a tend to be greater than in b."""
    n1, n2 = len(a), len(b)
    ranks, ties = midranks(list(a) + list(b))
    r1 = sum(ranks[:n1])
    if math.comb(n1 + n2, n1) <= EXACT_MAX:
        return exact_greater(ranks, n1, r1)
    u1 = r1 - n1 * (n1 + 1) / 2
    mu = n1 * n2 / 2
    n = n1 + n2
    var = n1 * n2 / 12 * ((n + 1) - ties / (n * (n - 1)))
    if var <= 0:
        return 1.0
    z = (u1 - mu - 0.5) / math.sqrt(var)  # continuity correction
    return 0.5 * math.erfc(z / math.sqrt(2))


def bootstrap_ci(base, cand, rounds=2000, seed=1):
    rng = random.Random(seed)
    ratios = []
    for _ in range(rounds):
        b = median([rng.choice(base) for _ in base])
        c = median([rng.choice(cand) for _ in cand])
        if b > 0:
            ratios.append(c / b)
    ratios.sort()
    return ratios[int(0.025 * len(ratios))], ratios[int(0.975 * len(ratios)) - 1]


def load(paths, base, cand, lane):
    sides = {base: {}, cand: {}}
    units = {}
    for path in paths:
        with open(path) as f:
            for line in f:
                line = line.strip()
                if not line.startswith("{"):
                    continue
                rec = json.loads(line)
                label, _, tracer = rec["label"].partition("/")
                side = sides.get(label)
                if side is None:
                    continue
                if rec.get("lane", "wall") != lane:
                    raise SystemExit(f"gate: a {rec.get('lane', 'wall')} "
                                     f"record in the {lane} lane: {path}")
                for name, m in rec["metrics"].items():
                    key = f"{tracer}:{name}" if tracer else name
                    if m["samples"]:
                        side.setdefault(key, []).append(m["samples"])
                    units[key] = m["unit"]
    return sides[base], sides[cand], units


def observations(runs, lane):
    """A metric's runs (lists of samples) as the lane's units."""
    if UNIT[lane] == "run":
        return [median(r) for r in runs]
    return [v for r in runs for v in r]


def not_compared(lane, base, cand, changed):
    """metric prefix -> why the two sides cannot be compared on it."""
    why = {}
    for path in changed:
        for prefix in INSTRUMENT.get(path, ()):
            why[prefix] = f"the instrument differs ({path})"
    fb = observations(base.get("signal_floor_insn", []), lane)
    fc = observations(cand.get("signal_floor_insn", []), lane)
    if lane == "icount" and fb and fc:
        moved = (median(fc) / median(fb) - 1) * 100
        if abs(moved) > FLOOR_TOLERANCE_PCT:
            for prefix in INSTRUMENT["kmod/vic_test/bench.c"]:
                why[prefix] = f"the floor moved {moved:+.2f}%"
    return why


def reason(why, name):
    metric = name.partition(":")[2] or name
    for prefix, text in why.items():
        if metric.startswith(prefix):
            return text
    return None


def svg(results, path):
    rows = [r for r in results if r["base"] and r["candidate"]]
    w, rh, left = 720, 70, 190
    h = 40 + rh * len(rows)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" '
           'font-family="sans-serif" font-size="12">',
           '<text x="10" y="20" font-weight="bold">vic performance gate: '
           'base (blue) vs candidate (orange), samples per metric</text>']
    for i, r in enumerate(rows):
        y0 = 40 + i * rh
        allv = r["base"] + r["candidate"]
        lo, hi = min(allv), max(allv)
        span = (hi - lo) or 1.0
        color = "#c00" if r["regressed"] else "#222"
        out.append(f'<text x="10" y="{y0 + 25}" fill="{color}">{r["metric"]}</text>')
        out.append(f'<text x="10" y="{y0 + 42}" fill="{color}">'
                   f'{r["change_pct"]:+.1f}% p={r["p"]:.3g}</text>')
        for j, (side, col) in enumerate((("base", "#1f77b4"), ("candidate", "#ff7f0e"))):
            y = y0 + 18 + j * 20
            for v in r[side]:
                x = left + (v - lo) / span * (w - left - 60)
                out.append(f'<circle cx="{x:.1f}" cy="{y}" r="3" fill="{col}" '
                           'fill-opacity="0.6"/>')
            mx = left + (median(r[side]) - lo) / span * (w - left - 60)
            out.append(f'<line x1="{mx:.1f}" x2="{mx:.1f}" y1="{y - 7}" '
                       f'y2="{y + 7}" stroke="{col}" stroke-width="2"/>')
        out.append(f'<text x="{w - 55}" y="{y0 + 30}">{lo:.4g}..</text>')
        out.append(f'<text x="{w - 55}" y="{y0 + 45}">{hi:.4g}</text>')
    out.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("samples", nargs="+", help="files of vic-bench JSON lines")
    ap.add_argument("--lane", choices=sorted(GATED), default="wall",
                    help="which metrics to gate (default wall)")
    ap.add_argument("--pair", default="base:candidate",
                    help="the labels compared, BASE:CANDIDATE "
                         "(default base:candidate)")
    ap.add_argument("--instrument-changed", action="append", default=[],
                    metavar="FILE",
                    help="a file of the instrument that differs between "
                         "the sides: the metrics it times are not compared")
    ap.add_argument("--threshold", type=float, default=10.0,
                    help="minimum regression to fail, percent (default 10)")
    ap.add_argument("--alpha", type=float, default=0.01,
                    help="significance level (default 0.01)")
    ap.add_argument("--json", help="write the report here")
    ap.add_argument("--svg", help="write the strip plot here")
    args = ap.parse_args()

    base_label, _, cand_label = args.pair.partition(":")
    base_all, cand_all, units = load(args.samples, base_label, cand_label,
                                     args.lane)
    why = not_compared(args.lane, base_all, cand_all,
                       args.instrument_changed)
    unit = UNIT[args.lane]
    compared = []
    for name, lower_better in GATED[args.lane].items():
        base_runs = base_all.get(name, [])
        cand_runs = cand_all.get(name, [])
        if base_runs and cand_runs:
            compared.append((name, lower_better, base_runs, cand_runs))
    weak = [f"{name} ({len(observations(b, args.lane))} and "
            f"{len(observations(c, args.lane))} {unit}s)"
            for name, _, b, c in compared if not reason(why, name) and
            min_p(len(observations(b, args.lane)),
                  len(observations(c, args.lane))) >= args.alpha]
    if weak:
        # A gate that cannot fail is no gate: say so instead of passing.
        print(f"gate: too few {unit}s to reach p < {args.alpha:g} on "
              f"{', '.join(weak)}: the {args.lane} lane needs at least "
              f"{min_units(args.alpha)} {unit}s a side (more rounds)",
              file=sys.stderr)
        return 2

    results, failed, skipped = [], False, []
    print(f"{'metric':30} {'base med':>11} {'cand med':>11} {'change':>8} "
          f"{'95% CI':>17} {'p':>8}  verdict")
    for name, lower_better, base_runs, cand_runs in compared:
        text = reason(why, name)
        if text:
            print(f"{name:30} not compared: {text}")
            skipped.append({"metric": name, "not_compared": text})
            continue
        base = observations(base_runs, args.lane)
        cand = observations(cand_runs, args.lane)
        mb, mc = median(base), median(cand)
        ratio = mc / mb if mb else float("inf")
        lo, hi = bootstrap_ci(base, cand)
        worse = ratio - 1 if lower_better else 1 - ratio
        p = mann_whitney_greater(cand, base) if lower_better \
            else mann_whitney_greater(base, cand)
        regressed = p < args.alpha and worse * 100 > args.threshold
        failed |= regressed
        results.append({"metric": name, "unit": units.get(name, ""),
                        "lower_is_better": lower_better,
                        "base_median": mb, "candidate_median": mc,
                        "change_pct": (ratio - 1) * 100,
                        "ci95_pct": [(lo - 1) * 100, (hi - 1) * 100],
                        "p": p, "regressed": regressed, "unit_of_test": unit,
                        "base": base, "candidate": cand,
                        "base_runs": base_runs, "candidate_runs": cand_runs})
        print(f"{name:30} {mb:11.4g} {mc:11.4g} {(ratio - 1) * 100:+7.1f}% "
              f"[{(lo - 1) * 100:+6.1f},{(hi - 1) * 100:+6.1f}]% {p:8.2g}  "
              f"{'REGRESSION' if regressed else 'ok'}")
    if not results and not skipped:
        print("perf-gate: no metric has samples from both sides", file=sys.stderr)
        return 2
    print(f"{args.lane} lane, threshold {args.threshold:g}% at alpha "
          f"{args.alpha:g}: {'FAIL' if failed else 'PASS'}"
          f"{f' ({len(skipped)} not compared)' if skipped else ''}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"lane": args.lane, "threshold_pct": args.threshold,
                       "alpha": args.alpha, "pass": not failed,
                       "metrics": results, "not_compared": skipped}, f,
                      indent=1)
    if args.svg:
        svg(results, args.svg)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
