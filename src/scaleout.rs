//! The scale-out path: the overlay handed to Apache Sedona as a self-contained job, whose
//! result (the parts table) crossbound reads back with `--from-parts` (see [`crate::io::parts`]).
//!
//! [`export_job`] writes, into one folder:
//! - `zones.parquet`, `units.parquet`: the layers after crossbound's own loading, repair and
//!   dissolve, as GeoParquet 1.1 (WKB, OGC:CRS84 as PROJJSON), each row with a Hilbert key of
//!   its box centre, sorted by it in row groups, so that a cluster can prune; edges are
//!   densified to `densify_deg` with points on them (the same regions in crossbound's model of
//!   edges straight in lon/lat, and nearly straight in the equal-area projection of the job);
//! - `hierarchy.csv`: unit, level, parent;
//! - `job.sql` (SedonaDB) and `job_spark.sql` (Sedona on Spark): the overlay in SQL;
//! - `run_sedonadb.py`: runs `job.sql` on SedonaDB and writes `parts.parquet`;
//! - `README.md`: how to run it here or on a cluster; `job.json`: what was exported.

use crate::export::parquet::{Column, write_table};
use crate::io::atomic::write_atomic;
use crate::io::wkb::write_multipolygon;
use crate::study::Prepared;
use geo::{Coord, LineString, MultiPolygon, Polygon};
use std::path::{Path, PathBuf};

/// Row group size of the exported layers.
pub const ROW_GROUP: usize = 4096;

/// The Hilbert index of `(x, y)` on a 2^16 × 2^16 grid over lon [-180, 180] × lat [-90, 90].
pub fn hilbert(c: Coord<f64>) -> i64 {
    const N: u64 = 1 << 16;
    let cell =
        |v: f64, lo: f64, hi: f64| (((v - lo) / (hi - lo) * N as f64).floor() as i64).clamp(0, N as i64 - 1) as u64;
    let (mut x, mut y) = (cell(c.x, -180.0, 180.0), cell(c.y, -90.0, 90.0));
    let mut d: u64 = 0;
    let mut s = N / 2;
    while s > 0 {
        let rx = u64::from(x & s > 0);
        let ry = u64::from(y & s > 0);
        d += s * s * ((3 * rx) ^ ry);
        if ry == 0 {
            if rx == 1 {
                x = N - 1 - x;
                y = N - 1 - y;
            }
            std::mem::swap(&mut x, &mut y);
        }
        s /= 2;
    }
    d as i64
}

/// `mp` with points inserted so that no edge is longer than `max_deg` (in lon/lat degrees).
/// The points lie on the edges: the same region where edges are straight in lon/lat.
pub fn densify(mp: &MultiPolygon<f64>, max_deg: f64) -> MultiPolygon<f64> {
    let ring = |r: &LineString<f64>| -> LineString<f64> {
        let mut out = Vec::with_capacity(r.0.len());
        for w in r.0.windows(2) {
            let (a, b) = (w[0], w[1]);
            out.push(a);
            let len = (b.x - a.x).hypot(b.y - a.y);
            let n = (len / max_deg).ceil() as usize;
            for i in 1..n {
                let t = i as f64 / n as f64;
                out.push(Coord { x: a.x + (b.x - a.x) * t, y: a.y + (b.y - a.y) * t });
            }
        }
        out.extend(r.0.last());
        LineString(out)
    };
    MultiPolygon(
        mp.0.iter().map(|p| Polygon::new(ring(p.exterior()), p.interiors().iter().map(ring).collect())).collect(),
    )
}

fn wkb(mp: &MultiPolygon<f64>) -> Option<Vec<u8>> {
    let mut b = Vec::new();
    write_multipolygon(mp, &mut b);
    Some(b)
}

/// What [`export_job`] wrote.
#[derive(Debug, Clone)]
pub struct JobSummary {
    /// Zones exported (all eco layers).
    pub zones: usize,
    /// Admin units exported (all levels).
    pub units: usize,
    /// The files written.
    pub files: Vec<PathBuf>,
}

/// Writes the job for `prepared` into `dir` (created if needed). Every file is atomic.
pub fn export_job(prepared: &Prepared, dir: &Path, densify_deg: f64) -> std::io::Result<JobSummary> {
    std::fs::create_dir_all(dir)?;
    let mut files = Vec::new();

    // Zones, sorted by (layer, Hilbert key).
    let mut zones: Vec<(usize, i64, &crate::model::Unit, &str)> = Vec::new();
    for (e, l) in prepared.eco.iter().enumerate() {
        for u in &l.layer.units {
            zones.push((e, hilbert(u.bbox.center()), u, &l.layer.name));
        }
    }
    zones.sort_by_key(|z| (z.0, z.1));
    let path = dir.join("zones.parquet");
    write_table(
        &path,
        "zones",
        &[
            Column::Str("layer", zones.iter().map(|z| z.3).collect()),
            Column::Str("zone_id", zones.iter().map(|z| z.2.id.as_str()).collect()),
            Column::Str("zone_name", zones.iter().map(|z| z.2.name.as_str()).collect()),
            Column::I64("hilbert", zones.iter().map(|z| z.1).collect()),
            Column::Geometry("geometry", zones.iter().map(|z| wkb(&densify(&z.2.geometry, densify_deg))).collect()),
        ],
        ROW_GROUP,
    )?;
    files.push(path);

    // Units of every level, sorted by (level, Hilbert key), with their parent's id.
    let levels = &prepared.hierarchy.levels;
    let mut units: Vec<(usize, i64, &crate::model::Unit, Option<&str>)> = Vec::new();
    for (li, level) in levels.iter().enumerate() {
        for (ui, u) in level.indexed.layer.units.iter().enumerate() {
            let parent = level.parents[ui].map(|p| levels[li - 1].indexed.layer.units[p].id.as_str());
            units.push((li, hilbert(u.bbox.center()), u, parent));
        }
    }
    units.sort_by_key(|u| (u.0, u.1));
    let path = dir.join("units.parquet");
    write_table(
        &path,
        "units",
        &[
            Column::I32("level", units.iter().map(|u| u.0 as i32).collect()),
            Column::Str("level_name", units.iter().map(|u| levels[u.0].indexed.layer.name.as_str()).collect()),
            Column::Str("unit_id", units.iter().map(|u| u.2.id.as_str()).collect()),
            Column::Str("unit_name", units.iter().map(|u| u.2.name.as_str()).collect()),
            Column::OptStr("parent_id", units.iter().map(|u| u.3).collect()),
            Column::I64("hilbert", units.iter().map(|u| u.1).collect()),
            Column::Geometry("geometry", units.iter().map(|u| wkb(&densify(&u.2.geometry, densify_deg))).collect()),
        ],
        ROW_GROUP,
    )?;
    files.push(path);

    let mut csv = String::from("level,unit_id,parent_id\n");
    let q = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
    for u in &units {
        csv.push_str(&format!("{},{},{}\n", u.0, q(&u.2.id), u.3.map(q).unwrap_or_default()));
    }
    let text_files = [
        ("hierarchy.csv", csv),
        ("job.sql", job_sql(Engine::SedonaDb)),
        ("job_spark.sql", job_sql(Engine::Spark)),
        ("run_sedonadb.py", RUN_SEDONADB.to_string()),
        ("README.md", JOB_README.replace("{version}", env!("CARGO_PKG_VERSION"))),
        (
            "job.json",
            serde_json::to_string_pretty(&serde_json::json!({
                "format": "crossbound.job/1",
                "crossbound": env!("CARGO_PKG_VERSION"),
                "inputs": prepared.inputs,
                "zones": zones.len(),
                "units": units.len(),
                "levels": levels.iter().map(|l| l.indexed.layer.name.as_str()).collect::<Vec<_>>(),
                "eco_layers": prepared.eco.iter().map(|l| l.layer.name.as_str()).collect::<Vec<_>>(),
                "densify_deg": densify_deg,
                "area_crs": AREA_CRS,
            }))
            .map_err(std::io::Error::other)?,
        ),
    ];
    for (name, text) in text_files {
        let path = dir.join(name);
        write_atomic(&path, text.as_bytes())?;
        files.push(path);
    }
    Ok(JobSummary { zones: zones.len(), units: units.len(), files })
}

/// The equal-area CRS the job measures areas in: WGS 84 / NSIDC EASE-Grid 2.0 Global.
pub const AREA_CRS: &str = "EPSG:6933";

/// The SQL dialects the job is written for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    /// SedonaDB (Apache Sedona's single-node engine on DataFusion).
    SedonaDb,
    /// Apache Sedona on Spark (`ST_Transform` takes the source CRS too).
    Spark,
}

/// The overlay job in `engine`'s SQL.
pub fn job_sql(engine: Engine) -> String {
    let transform = |g: &str| match engine {
        Engine::SedonaDb => format!("ST_Transform({g}, '{AREA_CRS}')"),
        Engine::Spark => format!("ST_Transform({g}, 'EPSG:4326', '{AREA_CRS}')"),
    };
    format!(
        "-- crossbound overlay job (crossbound.job/1), crossbound {version}.
-- Every zone x admin unit pair whose geometries intersect, with the area of the intersection.
-- Inputs (GeoParquet 1.1, WKB, OGC:CRS84 lon/lat), as loaded, repaired and dissolved by
-- crossbound, edges densified (see job.json):
--   zones(layer, zone_id, zone_name, hilbert, geometry)
--   units(level, level_name, unit_id, unit_name, parent_id, hilbert, geometry)
-- Output: the parts table, read back by `crossbound analyze --from-parts parts.parquet`:
--   layer, zone_id, zone_name, level, level_name, unit_id, unit_name, area_km2, share
-- Areas are planar in {AREA_CRS} (equal-area on the WGS 84 ellipsoid); crossbound's own are
-- exact on the ellipsoid for edges straight in lon/lat: they agree to about 1e-5 of the area
-- on densified edges (README.md).
WITH zone_area AS (
  SELECT layer, zone_id, ST_Area({zt}) AS zone_m2 FROM zones
),
pairs AS (
  SELECT z.layer, z.zone_id, z.zone_name, u.level, u.level_name, u.unit_id, u.unit_name,
         ST_Area({it}) AS part_m2
  FROM zones z JOIN units u ON ST_Intersects(z.geometry, u.geometry)
)
SELECT p.layer, p.zone_id, p.zone_name, p.level, p.level_name, p.unit_id, p.unit_name,
       p.part_m2 / 1e6 AS area_km2, p.part_m2 / a.zone_m2 AS share
FROM pairs p JOIN zone_area a ON p.layer = a.layer AND p.zone_id = a.zone_id
WHERE p.part_m2 > 0
ORDER BY p.layer, p.zone_id, p.level, p.unit_id
",
        version = env!("CARGO_PKG_VERSION"),
        zt = transform("geometry"),
        it = transform("ST_Intersection(z.geometry, u.geometry)"),
    )
}

const RUN_SEDONADB: &str = r#"#!/usr/bin/env python3
"""Runs the crossbound overlay job (job.sql) on SedonaDB, Apache Sedona's single-node engine
(PyPI `sedonadb`), and writes the parts table.

usage: python run_sedonadb.py [OUT.parquet]     (default: parts.parquet beside this script)
"""
import os
import sys
import time

import sedonadb

here = os.path.dirname(os.path.abspath(__file__))
out = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "parts.parquet"))
threads = os.cpu_count() or 1

sd = sedonadb.connect()
t = time.perf_counter()
zones = sd.read_parquet(os.path.join(here, "zones.parquet"))
units = sd.read_parquet(os.path.join(here, "units.parquet"))
rows = max(zones.count(), units.count())
# Tuning measured on a 2-core machine (see crossbound's BENCHMARKS.md): GEOS with prepared
# build-side geometries and many partitions so every core gets work; batches small enough
# to spread a few thousand rows over the partitions, and no smaller (each batch sets up its
# coordinate transformations once).
partitions = 16 * threads
batch = max(64, min(8192, rows // (4 * partitions)))
for stmt in [
    "SET sedona.spatial_join.spatial_library = 'geos'",
    "SET sedona.spatial_join.execution_mode = 'prepare_build'",
    f"SET datafusion.execution.target_partitions = {partitions}",
    f"SET datafusion.execution.batch_size = {batch}",
]:
    sd.sql(stmt).execute()
zones.to_view("zones")
units.to_view("units")
with open(os.path.join(here, "job.sql")) as f:
    sql = f.read()
tmp = out + ".tmp"
sd.sql(sql).to_parquet(tmp)
os.replace(tmp, out)  # never a half-written parts table
print(f"sedonadb {sedonadb.__version__}: wrote {out} in {time.perf_counter() - t:.2f} s")
"#;

const JOB_README: &str = r#"# A crossbound overlay job

Written by `crossbound export-job` (crossbound {version}). It holds the layers exactly as
crossbound loaded them (repaired, dissolved, in WGS 84 lon/lat) and the overlay in SQL, so that
Apache Sedona can compute the expensive part, the parts table, on one machine or on a cluster.
crossbound then reads the result back and does the rest (analysis, bodies, scenarios, map):

    crossbound analyze --admin … --eco … --from-parts parts.parquet --out report.json
    crossbound app --project my.crossbound.json --parts parts.parquet

## Files

| file | content |
|---|---|
| `zones.parquet` | `layer, zone_id, zone_name, hilbert, geometry` (GeoParquet 1.1, OGC:CRS84) |
| `units.parquet` | `level, level_name, unit_id, unit_name, parent_id, hilbert, geometry` |
| `hierarchy.csv` | `level, unit_id, parent_id` |
| `job.sql` | the overlay for SedonaDB |
| `job_spark.sql` | the same for Sedona on Spark (`ST_Transform` with a source CRS) |
| `run_sedonadb.py` | runs `job.sql` on SedonaDB, writes `parts.parquet` |
| `job.json` | what was exported: inputs, counts, densification, area CRS |

Rows are sorted by a Hilbert key of each geometry's box centre and written in row groups of
4,096 rows, so engines that prune by row-group statistics skip far-away data.

## Run it on SedonaDB (this machine)

    python -m venv venv && venv/bin/pip install sedonadb==0.5.0
    venv/bin/python run_sedonadb.py            # writes parts.parquet

## Run it on Apache Sedona on Spark (a cluster)

```python
from sedona.spark import SedonaContext

sedona = SedonaContext.create(SedonaContext.builder().getOrCreate())
sedona.read.format("geoparquet").load("zones.parquet").createOrReplaceTempView("zones")
sedona.read.format("geoparquet").load("units.parquet").createOrReplaceTempView("units")
parts = sedona.sql(open("job_spark.sql").read())
parts.coalesce(1).write.mode("overwrite").parquet("parts")   # then: crossbound --from-parts parts/part-*.parquet
```

Partitioning, for big inputs (say 100,000 local units against HydroBASINS level 12):
- Let Sedona plan the join spatially: `sedona.join.gridtype=kdbtree`, and set
  `sedona.join.numpartition` to about 2-4 per core of the cluster.
- Put the side with fewer, larger geometries (usually the zones) on the index side; with a
  zone layer that fits in memory, `sedona.join.autoBroadcastJoinThreshold` broadcasts it.
- Read the inputs with one Spark partition per row group (they are Hilbert-sorted, so each
  partition is spatially compact), e.g. `spark.sql.files.maxPartitionBytes=32m`.
- The output is small (one row per zone x unit pair): coalesce it before writing.

## Semantics and tolerance

The parts are the same as crossbound's own overlay: intersections in lon/lat of the same
polygons. Areas differ only in the area model: here planar in EPSG:6933 (equal-area on the
WGS 84 ellipsoid) of edges straight in lon/lat, densified so that they stay nearly straight in
the projection; in crossbound, exact on the ellipsoid. Shares agree within 1e-3 (in practice
about 1e-5); crossbound's test suite checks this against SedonaDB on its demo data.
"#;

#[cfg(test)]
mod tests {
    use super::*;
    use geo::polygon;

    #[test]
    fn hilbert_is_a_space_filling_order() {
        assert_eq!(hilbert(Coord { x: -180.0, y: -90.0 }), 0);
        let a = hilbert(Coord { x: 10.0, y: 10.0 });
        let b = hilbert(Coord { x: 10.001, y: 10.001 });
        let far = hilbert(Coord { x: -120.0, y: 50.0 });
        assert!((a - b).abs() < (a - far).abs());
        assert!(hilbert(Coord { x: 180.0, y: 90.0 }) < 1 << 32);
    }

    #[test]
    fn densify_keeps_the_region_and_bounds_edges() {
        let p = polygon![(x: 0.0, y: 0.0), (x: 1.0, y: 0.0), (x: 1.0, y: 1.0), (x: 0.0, y: 0.0)];
        let mp = MultiPolygon::new(vec![p]);
        let d = densify(&mp, 0.1);
        let ring = &d.0[0].exterior().0;
        assert!(ring.windows(2).all(|w| (w[1].x - w[0].x).hypot(w[1].y - w[0].y) <= 0.1 + 1e-12));
        assert_eq!(ring.first(), ring.last());
        // The same region: the areas agree to the area model's precision along long edges.
        let a = crate::geometry::area_km2(&mp);
        let da = crate::geometry::area_km2(&d);
        assert!((da - a).abs() < 1e-7 * a, "{da} vs {a}: {:e}", (da - a) / a);
    }
}
