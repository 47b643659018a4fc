//! GeoParquet files and bare WKB: the Parquet row reader, the `geo` metadata and the WKB
//! decoder, through the layer builder.
#![no_main]
use crossbound::io::decode::Decoded;
use crossbound::io::wkb::WkbBlob;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let spec = crossbound::model::LayerSpec::new("fuzz.parquet");
    if data.first() == Some(&b'P') {
        if let Ok(d) = crossbound::io::geoparquet::decode("fuzz.parquet", data.to_vec()) {
            let _ = crossbound::io::build(&spec, d);
        }
    } else {
        let mut d = Decoded::new();
        d.push(None, crossbound::model::Properties::default(), Some(WkbBlob(data.to_vec())));
        let _ = crossbound::io::build(&spec, d);
    }
});
