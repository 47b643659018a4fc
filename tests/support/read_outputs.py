"""Reads crossbound's outputs with an independent reader (DuckDB + its GDAL-based spatial
extension) and prints what it finds as JSON, for tests/formats.rs.

usage: read_outputs.py gpkg FILE LAYER   -> rows of LAYER (geometry as validity + area km²)
       read_outputs.py parquet FILE      -> rows (geometry as validity + area km² if present)
       read_outputs.py duckdb-geoparquet SRC OUT -> writes SRC (any GDAL layer) as GeoParquet
                                             the way DuckDB writes it, for the reader tests
"""
import glob
import json
import os
import sys

# GDAL 3.8.5 (inside DuckDB spatial 1.5.5) fills a GeoPackage layer's Arrow batches on a worker
# thread that races: ST_Read then segfaults in OGR_GPKG_FillArrowArray_Step, or reports
# "Unsupported geometry type in WKB", on a valid file (gdb backtrace; 2 reads in 60 with three
# readers at once here, and it failed CI once). GDAL reads its config options from the
# environment; this one selects its plain, single-threaded stream: 0 failures in 180 reads.
os.environ["OGR_GPKG_STREAM_BASE_IMPL"] = "YES"

import duckdb  # noqa: E402
import duckdb_extension_spatial  # noqa: E402

ext = glob.glob(os.path.join(os.path.dirname(duckdb_extension_spatial.__file__), "extensions", "*", "spatial.duckdb_extension"))[0]
con = duckdb.connect(config={"autoinstall_known_extensions": "false", "autoload_known_extensions": "false",
                             "allow_unsigned_extensions": "true"})
con.execute(f"LOAD '{ext}'")


def rows(sql, params):
    cur = con.execute(sql, params)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


kind, path = sys.argv[1], sys.argv[2]
if kind == "duckdb-geoparquet":
    con.execute(f"COPY (SELECT * FROM ST_Read(?)) TO '{sys.argv[3]}' (FORMAT parquet)", [path])
    print(json.dumps({"columns": [], "rows": []}))
    sys.exit(0)
if kind == "gpkg":
    layer = sys.argv[3]
    cols = [r["column_name"] for r in rows("DESCRIBE SELECT * FROM ST_Read(?, layer=?)", [path, layer])]
    if "geom" in cols:
        sql = ("SELECT * EXCLUDE (geom), ST_IsValid(geom) AS _valid, "
               "ST_Area_Spheroid(ST_FlipCoordinates(geom)) / 1e6 AS _area_km2, ST_GeometryType(geom)::VARCHAR AS _type "
               "FROM ST_Read(?, layer=?)")
    else:
        sql = "SELECT * FROM ST_Read(?, layer=?)"
    out = rows(sql, [path, layer])
else:
    desc = rows("DESCRIBE SELECT * FROM read_parquet(?)", [path])
    cols = [r["column_name"] for r in desc]
    types = {r["column_name"]: r["column_type"] for r in desc}
    if "geometry" in cols:
        # DuckDB reads a GeoParquet column (metadata "geo") as GEOMETRY with its CRS; a plain
        # binary column would need ST_GeomFromWKB. The type is reported as _geometry_type.
        g = "geometry" if types["geometry"].startswith("GEOMETRY") else "ST_GeomFromWKB(geometry)"
        sql = (f"SELECT * EXCLUDE (geometry), ST_IsValid({g}) AS _valid, "
               f"ST_Area_Spheroid(ST_FlipCoordinates({g})) / 1e6 AS _area_km2, "
               "FROM read_parquet(?)")
    else:
        sql = "SELECT * FROM read_parquet(?)"
    out = rows(sql, [path])
    for r in out:
        r["_geometry_type"] = types.get("geometry")
print(json.dumps({"columns": cols, "rows": out}, default=str))
