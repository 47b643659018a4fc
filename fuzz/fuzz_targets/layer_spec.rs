//! The layer-spec parser (`FILE[,key=value…]`) and project files.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(s) = std::str::from_utf8(data) {
        let _ = crossbound::model::LayerSpec::parse(s);
        let _ = serde_json::from_str::<crossbound::project::Project>(s);
    }
});
