#!/usr/bin/env python3
"""Reference peer for crossbound's benchmark: the same overlay with GeoPandas + Shapely 2.

Same semantics as crossbound (see README "Semantics"): candidate pairs from bounding boxes,
exact intersection in lon/lat, areas on the WGS 84 ellipsoid (here: in PROJ's ellipsoidal
cylindrical equal-area projection, +proj=cea +ellps=WGS84, after densifying edges to 0.05° in
lon/lat so that edges straight in lon/lat are measured as such), share = part area / zone area,
parts below --min-area-km2 are slivers (not listed).

Usage: peer_geopandas.py --admin STATES.geojson:state_fips [--admin COUNTIES.geojson:geoid]
                         --zones HUC2.geojson:huc2 --csv OUT.csv
Prints one line of stage timings as JSON.
"""
import argparse
import json
import time

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

EQUAL_AREA = "+proj=cea +ellps=WGS84 +units=m +no_defs"
DENSIFY_DEG = 0.05


def equal_area_km2(geoms):
    # crossbound's polygons have edges straight in lon/lat; densify them in lon/lat first so the
    # equal-area projection measures the same regions (not straight-in-projection edges).
    dense = shapely.segmentize(np.asarray(geoms), max_segment_length=DENSIFY_DEG)
    return gpd.GeoSeries(dense, crs="EPSG:4326").to_crs(EQUAL_AREA).area.values / 1e6


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--admin", action="append", required=True, help="PATH:ID_FIELD, coarse to fine; repeatable")
    ap.add_argument("--zones", required=True, help="PATH:ID_FIELD")
    ap.add_argument("--min-area-km2", type=float, default=1.0)
    ap.add_argument("--csv")
    ap.add_argument("--equal-area", action="store_true",
                    help="the cheaper job: project to EPSG:6933 first, overlay there, planar areas (no densify)")
    a = ap.parse_args()

    def read(spec):
        path, field = spec.rsplit(":", 1)
        df = gpd.read_file(path, engine="pyogrio")
        df = df[df.geometry.notna() & ~df.geometry.is_empty].reset_index(drop=True)
        return df, field

    t = {}
    t0 = time.perf_counter()
    admins = [read(s) for s in a.admin]
    zones, zone_id = read(a.zones)
    t["load_ms"] = (time.perf_counter() - t0) * 1e3

    t1 = time.perf_counter()

    def repair(df, field):
        # "structure" repair, as crossbound: rings rebuilt even-odd, overlapping parts unioned.
        df["geometry"] = shapely.make_valid(df.geometry.values, method="structure", keep_collapsed=False)
        # Dissolve features sharing an id, as crossbound does.
        return df.dissolve(by=field, as_index=False)

    admins = [(repair(df, f), f) for df, f in admins]
    zones = repair(zones, zone_id)
    t["repair_ms"] = (time.perf_counter() - t1) * 1e3

    t["index_ms"] = t["overlay_ms"] = t["areas_ms"] = 0.0
    t4 = time.perf_counter()
    if a.equal_area:
        # Edges straight in the projection, as the SQL peers measure them.
        def to_ea(df):
            df = df.copy()
            df["geometry"] = df.geometry.set_crs("EPSG:4326", allow_override=True).to_crs("EPSG:6933")
            # Projection can make a valid ring invalid (near-coincident vertices): repair again.
            df["geometry"] = shapely.make_valid(df.geometry.values, method="structure", keep_collapsed=False)
            return df

        admins = [(to_ea(df), f) for df, f in admins]
        zones = to_ea(zones)

        def area_km2(g):
            return shapely.area(g) / 1e6
    else:
        area_km2 = equal_area_km2
    zone_area = area_km2(zones.geometry.values)
    t["areas_ms"] += (time.perf_counter() - t4) * 1e3
    frames = []
    pairs = 0
    for level, (admin, admin_id) in enumerate(admins):
        t2 = time.perf_counter()
        zi, ai = admin.sindex.query(zones.geometry.values, predicate="intersects")
        t["index_ms"] += (time.perf_counter() - t2) * 1e3
        t3 = time.perf_counter()
        inter = shapely.intersection(zones.geometry.values[zi], admin.geometry.values[ai])
        t["overlay_ms"] += (time.perf_counter() - t3) * 1e3
        t4 = time.perf_counter()
        part_area = area_km2(inter)
        t["areas_ms"] += (time.perf_counter() - t4) * 1e3
        share = part_area / zone_area[zi]
        keep = part_area >= a.min_area_km2
        pairs += len(zi)
        frames.append(
            pd.DataFrame(
                {
                    "zone_id": zones[zone_id].astype(str).values[zi][keep],
                    "level": level,
                    "admin_id": admin[admin_id].astype(str).values[ai][keep],
                    "area_km2": part_area[keep],
                    "share": share[keep],
                }
            )
        )
    t["total_ms"] = (time.perf_counter() - t0) * 1e3
    df = pd.concat(frames)
    if a.csv:
        df.to_csv(a.csv, index=False)
    t["pairs"] = int(pairs)
    t["parts"] = int(len(df))
    import resource

    t["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    t["mode"] = "equal-area planar (EPSG:6933)" if a.equal_area else "lon/lat overlay, ellipsoidal areas"
    t["versions"] = {"geopandas": gpd.__version__, "shapely": shapely.__version__, "geos": shapely.geos_version_string}
    print(json.dumps({k: (round(v, 1) if isinstance(v, float) else v) for k, v in t.items()}))


if __name__ == "__main__":
    main()
