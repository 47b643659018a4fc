#!/usr/bin/env python3
"""Writes a world grid of hexagons (pointy-top, edges straight in lon/lat) as GeoJSON, for the
scale benchmarks. usage: hexgrid.py SPACING_DEG OUT.geojson
SPACING_DEG is the distance between neighbouring centres along a row: 2.0 gives 18.6k zones,
1.0 74.7k, 0.5 299k, 0.25 1.2M. Cells are clipped to latitudes within +-89.9 and longitudes
within +-180 (those crossing the antimeridian are dropped), so every ring is valid."""
import json
import math
import sys

spacing = float(sys.argv[1])
out = sys.argv[2]
r = spacing / math.sqrt(3)  # circumradius
dy = 1.5 * r
n = 0
with open(out, "w") as f:
    f.write('{"type":"FeatureCollection","features":[\n')
    row = 0
    y = -90.0 + r
    first = True
    while y + r <= 89.9:
        x0 = -180.0 + spacing / 2 + (spacing / 2 if row % 2 else 0.0)
        x = x0
        while x + spacing / 2 <= 180.0:
            ring = [[round(x + r * math.cos(math.radians(30 + 60 * k)), 9), round(y + r * math.sin(math.radians(30 + 60 * k)), 9)] for k in range(6)]
            ring.append(ring[0])
            feat = {"type": "Feature", "properties": {"hex": f"h{n}"}, "geometry": {"type": "Polygon", "coordinates": [ring]}}
            f.write(("" if first else ",\n") + json.dumps(feat, separators=(",", ":")))
            first = False
            n += 1
            x += spacing
        y += dy
        row += 1
    f.write("\n]}\n")
print(f"{n} hexagons -> {out}", file=sys.stderr)
