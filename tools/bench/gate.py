#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Decide a performance gate from interleaved base/candidate samples.

Reads vic-bench JSON records (one per line, each labelled "base" or
"candidate"), pools the samples of each metric per side, and for each gated
metric runs a one-sided Mann-Whitney U test (normal approximation with tie
correction) for "the candidate is worse", plus a minimum effect size on the
ratio of medians. A metric regresses when p < alpha AND the candidate's
median is worse than the base's by more than the threshold. The change is
reported with a bootstrap 95% confidence interval of the median ratio.

Writes a table to stdout, a JSON report and an SVG strip plot; exits 1 on
any regression, 0 otherwise.
"""
import argparse
import json
import math
import random
import sys

# metric -> True when lower is better. Raw loop times (signal_vic_ns) are
# left out: the machine's load moves them, while the ratio to the floor
# measured in the same sample cancels it.
GATED = {
    "ratio_vic_over_floor": True,
    "gen_emul_ns": True,
    "gen_ims_ns": True,
    "doorbell_rtt_us": True,
}


def median(xs):
    s = sorted(xs)
    n = len(s)
    return s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2


def mann_whitney_greater(a, b):
    """P-value of H1: values in a tend to be greater than in b."""
    n1, n2 = len(a), len(b)
    pooled = sorted([(v, 0) for v in a] + [(v, 1) for v in b])
    ranks = [0.0] * len(pooled)
    ties = 0.0
    i = 0
    while i < len(pooled):
        j = i
        while j + 1 < len(pooled) and pooled[j + 1][0] == pooled[i][0]:
            j += 1
        r = (i + j) / 2 + 1
        for k in range(i, j + 1):
            ranks[k] = r
        t = j - i + 1
        ties += t ** 3 - t
        i = j + 1
    r1 = sum(r for r, (_, side) in zip(ranks, pooled) if side == 0)
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


def load(paths):
    sides = {"base": {}, "candidate": {}}
    units = {}
    for path in paths:
        with open(path) as f:
            for line in f:
                line = line.strip()
                if not line.startswith("{"):
                    continue
                rec = json.loads(line)
                side = sides.get(rec["label"])
                if side is None:
                    continue
                for name, m in rec["metrics"].items():
                    side.setdefault(name, []).extend(m["samples"])
                    units[name] = m["unit"]
    return sides, units


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
    ap.add_argument("--threshold", type=float, default=10.0,
                    help="minimum regression to fail, percent (default 10)")
    ap.add_argument("--alpha", type=float, default=0.01,
                    help="significance level (default 0.01)")
    ap.add_argument("--json", help="write the report here")
    ap.add_argument("--svg", help="write the strip plot here")
    args = ap.parse_args()

    sides, units = load(args.samples)
    results, failed = [], False
    print(f"{'metric':24} {'base med':>11} {'cand med':>11} {'change':>8} "
          f"{'95% CI':>17} {'p':>8}  verdict")
    for name, lower_better in GATED.items():
        base = sides["base"].get(name, [])
        cand = sides["candidate"].get(name, [])
        if len(base) < 3 or len(cand) < 3:
            continue
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
                        "p": p, "regressed": regressed,
                        "base": base, "candidate": cand})
        print(f"{name:24} {mb:11.4g} {mc:11.4g} {(ratio - 1) * 100:+7.1f}% "
              f"[{(lo - 1) * 100:+6.1f},{(hi - 1) * 100:+6.1f}]% {p:8.2g}  "
              f"{'REGRESSION' if regressed else 'ok'}")
    if not results:
        print("perf-gate: no metric has samples from both sides", file=sys.stderr)
        return 2
    print(f"threshold {args.threshold:g}% at alpha {args.alpha:g}: "
          f"{'FAIL' if failed else 'PASS'}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"threshold_pct": args.threshold, "alpha": args.alpha,
                       "pass": not failed, "metrics": results}, f, indent=1)
    if args.svg:
        svg(results, args.svg)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
