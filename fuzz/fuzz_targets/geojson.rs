//! GeoJSON decoder and the layer builder: any bytes give a layer or an error, never a panic;
//! and the fast path (structural split, features parsed in parallel) gives exactly what the
//! whole-document parse gives.
#![no_main]
use libfuzzer_sys::fuzz_target;

fn show(r: Result<crossbound::model::Layer, crossbound::io::LoadError>) -> String {
    match r {
        Ok(l) => format!("{:?} {:?} {} {}", l.units, l.warnings, l.crs, l.feature_count),
        Err(e) => format!("error: {e}"),
    }
}

fuzz_target!(|data: &[u8]| {
    let spec = crossbound::model::LayerSpec::new("fuzz.geojson");
    let progress = crossbound::progress::NoProgress;
    let fast = crossbound::io::geojson::parse_layer(&spec, data, &progress);
    let whole = crossbound::io::geojson::parse_layer_whole_document(&spec, data, &progress);
    assert_eq!(show(fast), show(whole));
});
