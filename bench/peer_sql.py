#!/usr/bin/env python3
"""SQL peers for crossbound's benchmark: the same overlay on SedonaDB or DuckDB spatial.

The job, as in ../shared/design/formats-and-scale-notes.md ("tuned peers"): read the same
GeoJSON files, repair (ST_MakeValid), join zones to units on ST_Intersects, intersect, and
measure areas planar in EPSG:6933 (equal-area on the WGS 84 ellipsoid, edges straight in the
projection; crossbound's are exact on the ellipsoid with edges straight in lon/lat, so shares
differ by up to ~1e-3 on long edges). share = part area / zone area; parts under
--min-area-km2 are slivers (not listed), as crossbound and the GeoPandas peer do.

Tuning (measured on 2 cores, see the notes):
- SedonaDB: GeoJSON read with pyogrio.read_arrow (faster than its own reader), GEOS with
  prepared build-side geometries, 16 partitions per thread, small batches;
- DuckDB: read_json + ST_GeomFromGeoJSON (faster than ST_Read), the zones split across one
  cursor per thread (DuckDB parallelises over 122,880-row blocks, so a few thousand polygons
  would run on one thread), ST_Transform with always_xy.

usage: peer_sql.py --engine sedonadb|duckdb --admin PATH:ID [--admin ...] --zones PATH:ID --csv OUT
Prints one line of JSON: stage timings (ms), parts, peak memory (MB), versions.
"""
import argparse
import glob
import json
import os
import resource
import threading
import time

import pyarrow as pa
import pyarrow.csv as pacsv

AREA_CRS = "EPSG:6933"
THREADS = os.cpu_count() or 1


def split(spec):
    path, field = spec.rsplit(":", 1)
    return path, field


def sedonadb_run(admins, zones, min_km2):
    import pyogrio
    import sedonadb

    t = {}
    t0 = time.perf_counter()
    sd = sedonadb.connect()

    def read(spec, view):
        path, field = split(spec)
        _, table = pyogrio.read_arrow(path, columns=[field])
        table = table.rename_columns(["id", "geometry"]).set_column(0, "id", table.column(0).cast(pa.string()))
        sd.create_data_frame(table).to_view(view)
        return table.num_rows

    rows = read(zones, "zones_raw")
    for i, s in enumerate(admins):
        rows = max(rows, read(s, f"units{i}_raw"))
    t["load_ms"] = (time.perf_counter() - t0) * 1e3
    partitions = 16 * THREADS
    batch = max(64, min(8192, rows // (4 * partitions)))
    for stmt in [
        "SET sedona.spatial_join.spatial_library = 'geos'",
        "SET sedona.spatial_join.execution_mode = 'prepare_build'",
        f"SET datafusion.execution.target_partitions = {partitions}",
        f"SET datafusion.execution.batch_size = {batch}",
    ]:
        sd.sql(stmt).execute()
    t1 = time.perf_counter()
    tables = []
    for i in range(len(admins)):
        sql = f"""
WITH z AS (SELECT id AS zone_id, ST_MakeValid(geometry) AS g FROM zones_raw),
     u AS (SELECT id AS unit_id, ST_MakeValid(geometry) AS g FROM units{i}_raw),
     za AS (SELECT zone_id, ST_Area(ST_Transform(g, '{AREA_CRS}')) AS zm2 FROM z),
     p AS (SELECT z.zone_id, u.unit_id,
                  ST_Area(ST_Transform(ST_Intersection(z.g, u.g), '{AREA_CRS}')) AS m2
           FROM z JOIN u ON ST_Intersects(z.g, u.g))
SELECT p.zone_id, {i} AS level, p.unit_id AS admin_id, p.m2 / 1e6 AS area_km2, p.m2 / za.zm2 AS share
FROM p JOIN za ON p.zone_id = za.zone_id
WHERE p.m2 / 1e6 >= {min_km2}"""
        tables.append(sd.sql(sql).to_arrow_table())
    t["overlay_ms"] = (time.perf_counter() - t1) * 1e3
    return t, pa.concat_tables(tables), {"sedonadb": sedonadb.__version__}


def duckdb_run(admins, zones, min_km2):
    import duckdb
    import duckdb_extension_spatial

    ext = glob.glob(os.path.join(os.path.dirname(duckdb_extension_spatial.__file__), "extensions", "*",
                                 "spatial.duckdb_extension"))[0]
    con = duckdb.connect(config={"autoinstall_known_extensions": "false", "autoload_known_extensions": "false",
                                 "allow_unsigned_extensions": "true"})
    con.execute(f"LOAD '{ext}'")
    t = {}
    t0 = time.perf_counter()

    def read(spec, name):
        path, field = split(spec)
        # One row per feature; repaired, projected and repaired again (projection can make a valid
        # ring invalid), once; the join runs on lon/lat, the areas on the projected form.
        con.execute(f"""
CREATE TABLE {name} AS
SELECT row_number() OVER () AS rn, CAST(f.properties.{field} AS VARCHAR) AS id, g,
       ST_MakeValid(ST_Transform(g, 'EPSG:4326', '{AREA_CRS}', always_xy := true)) AS pg
FROM (SELECT unnest(features) AS f FROM read_json(?, maximum_object_size=1000000000)),
     LATERAL (SELECT ST_MakeValid(ST_GeomFromGeoJSON(to_json(f.geometry))) AS g)""", [path])

    read(zones, "zones")
    for i, s in enumerate(admins):
        read(s, f"units{i}")
    t["load_ms"] = (time.perf_counter() - t0) * 1e3
    t1 = time.perf_counter()
    n = con.execute("SELECT count(*) FROM zones").fetchone()[0]
    out, errors = [], []

    def work(k):
        try:
            cur = con.cursor()
            for i in range(len(admins)):
                # The zones split by row number across cursors (one per thread).
                out.append(cur.execute(f"""
SELECT zone_id, {i} AS level, admin_id, m2 / 1e6 AS area_km2, m2 / zm2 AS share
FROM (SELECT z.id AS zone_id, u.id AS admin_id, ST_Area(z.pg) AS zm2,
             ST_Area(ST_Intersection(z.pg, u.pg)) AS m2
      FROM zones z JOIN units{i} u ON ST_Intersects(z.g, u.g)
      WHERE z.rn % {THREADS} = {k})
WHERE m2 / 1e6 >= {min_km2}""").to_arrow_table())
        except Exception as e:  # reported, never swallowed
            errors.append(e)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(THREADS)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    if errors:
        raise errors[0]
    t["overlay_ms"] = (time.perf_counter() - t1) * 1e3
    t["zones"] = int(n)
    return t, pa.concat_tables(out), {"duckdb": duckdb.__version__}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--engine", choices=["sedonadb", "duckdb"], required=True)
    ap.add_argument("--admin", action="append", required=True)
    ap.add_argument("--zones", required=True)
    ap.add_argument("--min-area-km2", type=float, default=1.0)
    ap.add_argument("--csv")
    a = ap.parse_args()
    t0 = time.perf_counter()
    run = sedonadb_run if a.engine == "sedonadb" else duckdb_run
    t, table, versions = run(a.admin, a.zones, a.min_area_km2)
    t["total_ms"] = (time.perf_counter() - t0) * 1e3
    if a.csv:
        pacsv.write_csv(table.select(["zone_id", "level", "admin_id", "area_km2", "share"]), a.csv)
    t["parts"] = table.num_rows
    t["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    t["versions"] = versions
    print(json.dumps({k: (round(v, 1) if isinstance(v, float) else v) for k, v in t.items()}))


if __name__ == "__main__":
    main()
