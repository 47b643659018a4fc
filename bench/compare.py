#!/usr/bin/env python3
"""Largest share difference between crossbound's parts CSV and the peer's (same zone, unit).

usage: compare.py CROSSBOUND.csv PEER.csv
Also reports the parts over 1e-3 and, for the world layers, the largest difference outside
Antarctica (unit ids starting with ATA): peers that measure planar areas in EPSG:6933 draw edges
straight in that projection, which near the pole is far from crossbound's lon/lat-straight edges.
"""
import csv
import sys


def load(path):
    out = {}
    with open(path, newline="") as f:
        for r in csv.DictReader(f):
            out[(r["zone_id"], r["level"], r["admin_id"])] = float(r["share"])
    return out


ours = load(sys.argv[1])
peer = load(sys.argv[2])
common = ours.keys() & peer.keys()
diffs = sorted(((abs(ours[k] - peer[k]), k) for k in common), reverse=True)
only_ours = ours.keys() - peer.keys()
only_peer = peer.keys() - ours.keys()
print(f"parts: crossbound {len(ours)}, peer {len(peer)}, common {len(common)}")
print(f"only crossbound: {len(only_ours)}, only peer: {len(only_peer)} (parts near the 1 km² sliver limit)")
if diffs:
    d, k = diffs[0]
    print(f"largest share difference: {d:.2e} (zone {k[0]}, level {k[1]}, unit {k[2]}: crossbound {ours[k]:.6f}, peer {peer[k]:.6f})")
    n = len(diffs)
    print(f"parts with difference > 1e-4: {sum(1 for x, _ in diffs if x > 1e-4)} of {n}; > 1e-3: {sum(1 for x, _ in diffs if x > 1e-3)}")
    rest = [(x, k) for x, k in diffs if not k[2].startswith("ATA")]
    if len(rest) < n and rest:
        d, k = rest[0]
        print(f"outside Antarctica: largest {d:.2e} (zone {k[0]}, unit {k[2]}), > 1e-3: {sum(1 for x, _ in rest if x > 1e-3)} of {len(rest)}")
for k in sorted(only_ours | only_peer, key=lambda k: -max(ours.get(k, 0), peer.get(k, 0)))[:5]:
    print(f"  unmatched {k}: crossbound {ours.get(k)}, peer {peer.get(k)}")
