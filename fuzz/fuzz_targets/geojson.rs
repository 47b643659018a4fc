//! GeoJSON decoder and the layer builder: any bytes give a layer or an error, never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let spec = crossbound::model::LayerSpec::new("fuzz.geojson");
    let _ = crossbound::io::geojson::parse_layer(&spec, data, &crossbound::progress::NoProgress);
});
