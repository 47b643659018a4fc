//! GeoPackage geometry blobs (header, envelope, WKB) through the layer builder.
#![no_main]
use crossbound::io::decode::Decoded;
use crossbound::io::gpkg::GpkgBlob;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut d = Decoded::new();
    d.push(None, crossbound::model::Properties::default(), GpkgBlob(Some(data.to_vec())));
    let _ = crossbound::io::build(&crossbound::model::LayerSpec::new("fuzz.gpkg"), d);
});
