#!/usr/bin/env python3
"""Peer for one reform step: what a GeoPandas user does to see a county change states.

The county's state field is changed, the counties are dissolved into states, and the states are
overlaid again with the zones (R-tree candidates, exact intersection, equal-area areas after
densifying in lon/lat, as bench/peer_geopandas.py). crossbound instead relabels the pieces it
already has (no overlay). Prints the step's time (best of --repeat) and the state-level shares
of the given zones as JSON, so bench/scenario.sh can set them beside crossbound's.

Usage: scenario_peer.py --move COUNTY_GEOID:STATE_FIPS [--merge A,B:NEW] --zones-of ID,ID …
"""
import argparse
import json
import time

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

EQUAL_AREA = "+proj=cea +ellps=WGS84 +units=m +no_defs"


def km2(geoms):
    dense = shapely.segmentize(np.asarray(geoms), max_segment_length=0.05)
    return gpd.GeoSeries(dense, crs="EPSG:4326").to_crs(EQUAL_AREA).area.values / 1e6


def read(path):
    df = gpd.read_file(path, engine="pyogrio")
    df = df[df.geometry.notna() & ~df.geometry.is_empty].reset_index(drop=True)
    df["geometry"] = shapely.make_valid(df.geometry.values, method="structure", keep_collapsed=False)
    return df


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--move", help="COUNTY_GEOID:NEW_STATE_FIPS")
    ap.add_argument("--merge", help="FIPS,FIPS:NEW_ID")
    ap.add_argument("--zones-of", default="YELL,GRTE,BICA")
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args()
    counties = read("data/us/counties.geojson")
    zones = pd.concat(
        [read("data/us/huc2_watersheds.geojson").rename(columns={"huc2": "zid"})[["zid", "geometry"]],
         read("data/us/nps_parks.geojson").rename(columns={"unit_code": "zid"})[["zid", "geometry"]]],
        ignore_index=True,
    )
    zones = gpd.GeoDataFrame(zones, geometry="geometry", crs="EPSG:4326")
    zone_area = km2(zones.geometry.values)
    best, shares = float("inf"), {}
    for _ in range(a.repeat):
        t = time.perf_counter()
        c = counties.copy()
        if a.move:
            geoid, fips = a.move.split(":")
            c.loc[c["geoid"] == geoid, "state_fips"] = fips
        if a.merge:
            ids, new = a.merge.split(":")
            c.loc[c["state_fips"].isin(ids.split(",")), "state_fips"] = new
        states = c.dissolve(by="state_fips", as_index=False)
        zi, si = states.sindex.query(zones.geometry.values, predicate="intersects")
        inter = shapely.intersection(zones.geometry.values[zi], states.geometry.values[si])
        area = km2(inter)
        best = min(best, (time.perf_counter() - t) * 1e3)
        want = set(a.zones_of.split(","))
        shares = {}
        for z, s, ar in zip(zi, si, area):
            zid = zones["zid"].values[z]
            if zid in want and ar >= 1.0:
                shares.setdefault(zid, {})[states["state_fips"].values[s]] = ar / zone_area[z]
    print(json.dumps({"step_ms": best, "shares": shares}))


if __name__ == "__main__":
    main()
