#!/usr/bin/python3
"""The native engine against librte_ipsec in one run: espgw-bench's
pipeline and each engine alone (one SA, no lookups, routing or TX), per
algorithm and size, in interleaved rounds on one CPU, with raw IPsec-MB as
the ceiling. Prints a markdown table of medians and ratios; --csv appends
every run in espgw-bench's format.

usage: engines.py [--build DIR] [--rounds N] [--seconds S] [--cpu C]
                  [--algs a,b] [--sizes 64,1420] [--csv FILE]
"""
import argparse
import statistics
import subprocess
import sys

MODES = [  # (label, mode, engine)
    ("native out", "outbound", "native"), ("librte out", "outbound", "cpu"),
    ("native alone out", "ipsec-out", "native"), ("librte ceiling out", "ipsec-out", "cpu"),
    ("native in", "inbound", "native"), ("librte in", "inbound", "cpu"),
    ("native alone in", "ipsec-in", "native"), ("librte ceiling in", "ipsec-in", "cpu"),
    ("raw", "raw", "native"),
]


def run(a, mode, engine, alg, size, csv):
    cmd = ["taskset", "-c", a.cpu, a.build + "/bench/espgw-bench", "--mode", mode,
           "--engine", engine, "--alg", alg, "--size", size, "--seconds", a.seconds]
    p = subprocess.run(cmd, capture_output=True, text=True)
    line = p.stdout.strip().splitlines()[-1] if p.stdout.strip() else ""
    if p.returncode != 0 or "," not in line or "dropped as" in p.stderr:
        sys.exit("FAILED: %s\n%s%s" % (" ".join(cmd), p.stdout, p.stderr))
    if csv:
        f = line.split(",")
        csv.write(",".join(f[:11] + [";".join(f[11:])]) + "\n")
    return float(line.split(",")[8])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--seconds", default="1")
    ap.add_argument("--cpu", default="1")
    ap.add_argument("--algs", default="aes-gcm-128,aes-cbc-128-sha256,chacha20-poly1305")
    ap.add_argument("--sizes", default="64,1420")
    ap.add_argument("--csv")
    a = ap.parse_args()
    csv = open(a.csv, "a") if a.csv else None
    mpps = {}
    for r in range(a.rounds):
        for alg in a.algs.split(","):
            for size in a.sizes.split(","):
                for label, mode, engine in MODES:
                    v = run(a, mode, engine, alg, size, csv)
                    mpps.setdefault((alg, size, label), []).append(v)
                    print("round %d %s %s %-18s %.2f Mpps" % (r + 1, alg, size, label, v),
                          file=sys.stderr)
    med = {k: statistics.median(v) for k, v in mpps.items()}
    head = [lbl for lbl, _, _ in MODES]
    print("| algorithm | size | " + " | ".join(head) +
          " | native/librte out | native/librte ceiling out | native/librte in"
          " | native/librte ceiling in | native alone/raw |")
    print("|---|---|" + "---|" * (len(head) + 5))
    for alg in a.algs.split(","):
        for size in a.sizes.split(","):
            g = lambda lbl: med[(alg, size, lbl)]
            cells = ["%.2f" % g(lbl) for lbl in head]
            ratios = [g("native out") / g("librte out"), g("native out") / g("librte ceiling out"),
                      g("native in") / g("librte in"), g("native in") / g("librte ceiling in"),
                      g("native alone out") / g("raw")]
            print("| %s | %s | %s | %s |" % (alg, size, " | ".join(cells),
                                            " | ".join("%.2fx" % x for x in ratios)))


if __name__ == "__main__":
    main()
