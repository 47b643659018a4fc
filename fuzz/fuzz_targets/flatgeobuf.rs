//! FlatGeobuf files (after the magic bytes, so the fuzzer gets past the header check).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // crossbound catches panics of third-party kernels (i_overlay, flatgeobuf) and turns them
    // into errors; libfuzzer-sys's panic hook would abort on those caught panics too, so use a
    // silent hook: a panic that escapes still aborts (libfuzzer-sys catches it) and is a crash.
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| std::panic::set_hook(Box::new(|_| {})));
    let mut bytes = b"fgb\x03fgb\x00".to_vec();
    bytes.extend_from_slice(data);
    if let Ok(d) = crossbound::io::flatgeobuf::decode("fuzz.fgb", &bytes) {
        let _ = crossbound::io::build(&crossbound::model::LayerSpec::new("fuzz.fgb"), d);
    }
});
