#!/usr/bin/env python3
"""Load-time peer for crossbound's format benchmark: GDAL through pyogrio. pyogrio's GDAL
wheel has no Parquet driver, so GeoParquet is written and read by GeoPandas through pyarrow.

usage: peer_load.py FILE... [--convert SRC.geojson OUTDIR]
  FILE...   : prints, per file, the best of 3 wall times of pyogrio.read_dataframe (GDAL
              decodes, builds Shapely geometries and a GeoDataFrame) and of pyogrio.read_arrow
              (GDAL decodes to Arrow/WKB only), in ms.
  --convert : writes SRC as Shapefile, GeoPackage, FlatGeobuf and GeoParquet into OUTDIR with
              GDAL (once; existing files are kept).
"""
import os
import sys
import time

import pyogrio


def convert(src, outdir):
    os.makedirs(outdir, exist_ok=True)
    stem = os.path.splitext(os.path.basename(src))[0]
    df = None
    for ext, driver, opts in [("geojson", "GeoJSON", {}), ("shp", "ESRI Shapefile", {"ENCODING": "UTF-8"}),
                              ("gpkg", "GPKG", {}), ("fgb", "FlatGeobuf", {}), ("parquet", "Parquet", {})]:
        out = os.path.join(outdir, f"{stem}.{ext}")
        if os.path.exists(out):
            continue
        if df is None:
            df = pyogrio.read_dataframe(src)
        try:
            if ext == "parquet":
                df.to_parquet(out)  # GeoParquet 1.x, WKB, snappy (pyarrow)
            else:
                pyogrio.write_dataframe(df, out, driver=driver, layer_options=opts or None)
            print(f"wrote {out}", file=sys.stderr)
        except Exception as e:  # a GDAL build without the driver
            print(f"could not write {out}: {e}", file=sys.stderr)


def best(f, n=3):
    t = []
    for _ in range(n):
        s = time.perf_counter()
        f()
        t.append((time.perf_counter() - s) * 1e3)
    return min(t)


if __name__ == "__main__":
    args = sys.argv[1:]
    if args and args[0] == "--convert":
        convert(args[1], args[2])
        sys.exit(0)
    print(f"{'file':<60} {'read_dataframe ms':>18} {'read_arrow ms':>14}")
    for f in args:
        if f.endswith(".parquet"):
            import geopandas
            import pyarrow.parquet as pq
            df_ms = best(lambda: geopandas.read_parquet(f))
            ar_ms = best(lambda: pq.read_table(f))
            print(f"{f:<60} {df_ms:>18.0f} {ar_ms:>14.0f}  (geopandas.read_parquet / pyarrow)")
            continue
        df_ms = best(lambda: pyogrio.read_dataframe(f))
        ar_ms = best(lambda: pyogrio.read_arrow(f))
        print(f"{f:<60} {df_ms:>18.0f} {ar_ms:>14.0f}")
