//! FlatGeobuf files (after the magic bytes, so the fuzzer gets past the header check).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut bytes = b"fgb\x03fgb\x00".to_vec();
    bytes.extend_from_slice(data);
    if let Ok(d) = crossbound::io::flatgeobuf::decode("fuzz.fgb", &bytes) {
        let _ = crossbound::io::build(&crossbound::model::LayerSpec::new("fuzz.fgb"), d);
    }
});
