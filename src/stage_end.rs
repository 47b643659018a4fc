//! Where a stage has freed what it held for itself: a hook for the program's allocator.
//!
//! The library allocates through whatever global allocator the program sets and never names
//! one. Some allocators keep memory freed on one thread in pages owned by another, and give
//! pages back to the OS only when the thread that owns them next allocates or collects; a
//! stage run on a thread pool then leaves tens of MB of freed pages counted in the process's
//! memory until the pool's threads happen to collect. The crossbound binary (mimalloc)
//! installs a hook that asks every thread of the pool to collect: on the 299k-hexagon
//! benchmark the memory held after the load went from ~190 to ~150 MB (BENCHMARKS.md,
//! fourteenth session).
//!
//! The library calls [`freed`] where a stage's transients are gone and before the next
//! stage allocates: after the layers are loaded and indexed, after the overlay's parallel
//! pass and after the whole overlay, after the shared borders are found (on a thread of their
//! own, beside the overlay), after outlines are released ([`crate::study`]). It calls it from
//! the thread that called the library or from that borders thread, never from inside its own
//! parallel work. Without a hook it does nothing.

use std::sync::OnceLock;

static HOOK: OnceLock<fn()> = OnceLock::new();

/// Installs `hook`, called by [`freed`]. The first hook installed stays. It is called on the
/// thread that called the library, which may be a worker of rayon's pool (a program that
/// runs studies in parallel): there it must not wait on the pool, which may be waiting on it.
pub fn set_hook(hook: fn()) {
    let _ = HOOK.set(hook);
}

/// Tells the program's hook, if any, that a stage's transients have been freed.
pub fn freed() {
    if let Some(hook) = HOOK.get() {
        hook();
    }
}
