//! Scenario files (`crossbound.scenario/1`): parse, validate, apply to a small study, analyse
//! and propose: no panic, shares within [0, 1 + 1e-9], costs adding up to 1. The study and the
//! checks are in tests/support/scenario_input.rs, shared with the stable tests.
#![no_main]
use libfuzzer_sys::fuzz_target;

include!("../../tests/support/scenario_input.rs");

fuzz_target!(|data: &[u8]| {
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| std::panic::set_hook(Box::new(|_| {})));
    scenario_input(data);
});
