//! Repair, overlay and areas on arbitrary polygons: no panic, no NaN in an output, shares
//! within [0, 1 + 1e-9], uncovered share within [0, 1]. The input format and the checks are in
//! tests/support/overlay_input.rs, shared with the stable regression tests.
#![no_main]
use libfuzzer_sys::fuzz_target;

include!("../../tests/support/overlay_input.rs");

fuzz_target!(|data: &[u8]| {
    // crossbound catches panics of third-party kernels (i_overlay, flatgeobuf) and turns them
    // into errors; libfuzzer-sys's panic hook would abort on those caught panics too, so use a
    // silent hook: a panic that escapes still aborts (libfuzzer-sys catches it) and is a crash.
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| std::panic::set_hook(Box::new(|_| {})));
    overlay_input(data);
});
