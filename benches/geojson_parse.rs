//! GeoJSON parsing: crossbound's decoder against the `geojson` crate, on the same
//! file, in the same run. Only parsing into polygon rings / geo-types and properties is timed
//! (no reprojection, repair or dissolve, which are the same whichever parser is used).
//!
//!     CROSSBOUND_BENCH_DATA=../shared/data/bench cargo bench --bench geojson_parse
//!
//! 1. crossbound: the document is split into feature slices by a structural scan (on both
//!    threads for a big file), then each feature is read in parallel (rayon) by the hand-written
//!    reader of `io::geojson::fast` (serde_json for anything unusual), as `io::geojson` does.
//! 2. geojson crate, `de::deserialize_feature_collection_str_to_vec` with `deserialize_geometry`
//!    into `geo::Geometry` and the properties flattened into a map (the crate's serde
//!    helpers; sequential, each feature goes through a `serde_json::Value` first).
//! 3. geojson crate, `FeatureCollection` object model parsed whole, then each geometry converted
//!    to `geo_types` in parallel.

use crossbound::io::decode::GeometrySource;
use rayon::prelude::*;
use serde::Deserialize;
use std::path::PathBuf;
use std::time::Instant;

#[derive(Deserialize)]
struct Feat {
    #[serde(deserialize_with = "geojson::de::deserialize_geometry")]
    geometry: geo::Geometry<f64>,
    #[serde(flatten)]
    properties: serde_json::Map<String, serde_json::Value>,
}

fn best(repeat: usize, mut f: impl FnMut() -> usize) -> (f64, usize) {
    let mut best = f64::INFINITY;
    let mut n = 0;
    for _ in 0..repeat {
        let t = Instant::now();
        n = std::hint::black_box(f());
        best = best.min(t.elapsed().as_secs_f64() * 1e3);
    }
    (best, n)
}

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        println!("geojson_parse bench: run it with `cargo bench --bench geojson_parse`");
        return;
    }
    let dir = PathBuf::from(std::env::var("CROSSBOUND_BENCH_DATA").unwrap_or_else(|_| "../shared/data/bench".into()));
    let file = dir.join("world_provinces_full.geojson");
    let Ok(text) = std::fs::read_to_string(&file) else {
        eprintln!("geojson_parse bench skipped: {} not found (set CROSSBOUND_BENCH_DATA)", file.display());
        return;
    };
    let mb = text.len() as f64 / 1e6;
    println!("{} ({mb:.0} MB), {} threads, best of 3", file.display(), rayon::current_num_threads());
    let (ours, n1) = best(3, || {
        let d = crossbound::io::geojson::decode("bench", &text).expect("parses");
        let geoms: Vec<_> = d.geometries.into_par_iter().map(|g| g.decode().expect("geometry")).collect();
        geoms.len() + d.features.len()
    });
    let (serde_helpers, n2) = best(3, || {
        let v: Vec<Feat> = geojson::de::deserialize_feature_collection_str_to_vec(&text).expect("parses");
        std::hint::black_box(v.iter().map(|f| f.properties.len()).sum::<usize>());
        v.iter().filter(|f| matches!(f.geometry, geo::Geometry::Polygon(_) | geo::Geometry::MultiPolygon(_))).count()
            + v.len()
    });
    let (object_model, n3) = best(3, || {
        let fc: geojson::FeatureCollection = text.parse().expect("parses");
        let geoms: Vec<geo::Geometry<f64>> = fc
            .features
            .par_iter()
            .filter_map(|f| f.geometry.clone().map(|g| geo::Geometry::try_from(g).expect("converts")))
            .collect();
        geoms.len() + fc.features.len()
    });
    assert!(n1 == n2 && n2 == n3, "all parse the same features: {n1} {n2} {n3}");
    println!("{:<58} {:>9} {:>8} {:>7}", "parser", "ms", "MB/s", "ratio");
    for (name, ms) in [
        ("crossbound (structural split + features parsed in parallel)", ours),
        ("geojson::de helpers into geo_types (sequential)", serde_helpers),
        ("geojson::FeatureCollection + parallel to geo_types", object_model),
    ] {
        println!("{name:<58} {ms:>9.0} {:>8.0} {:>7.2}", mb / (ms / 1e3), ms / ours);
    }
}
