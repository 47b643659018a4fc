//! Progress reporting and cancellation for long stages, shared by the CLI (progress bars) and
//! the desktop app (a progress bar and a Cancel button on a background thread).

use std::sync::atomic::{AtomicBool, Ordering};

/// Receives progress from long-running stages. Implementations must be cheap and thread-safe:
/// stages call them from worker threads.
pub trait Progress: Sync {
    /// `done` of `total` steps of `stage` are finished.
    fn update(&self, stage: &str, done: usize, total: usize);
    /// True when the user asked to stop; stages then return [`Cancelled`] soon.
    fn is_cancelled(&self) -> bool {
        false
    }
    /// A handle on the cancellation flag, for code that cannot be given the progress itself
    /// (the GeoJSON document scan checks it between features). `None`: not cancellable.
    fn cancel_token(&self) -> Option<CancelToken> {
        None
    }
}

/// A shared view of a [`CancelFlag`].
pub type CancelToken = std::sync::Arc<AtomicBool>;

/// A [`Progress`] that ignores everything.
pub struct NoProgress;

impl Progress for NoProgress {
    fn update(&self, _: &str, _: usize, _: usize) {}
}

/// The work was cancelled through [`Progress::is_cancelled`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("cancelled")]
pub struct Cancelled;

/// A cancellation flag that can be shared with a [`Progress`] implementation.
#[derive(Debug, Default)]
pub struct CancelFlag(CancelToken);

impl CancelFlag {
    /// Asks the running work to stop.
    pub fn cancel(&self) {
        self.0.store(true, Ordering::Relaxed);
    }
    /// True once [`CancelFlag::cancel`] was called.
    pub fn is_set(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
    /// A handle that sees [`CancelFlag::cancel`].
    pub fn token(&self) -> CancelToken {
        self.0.clone()
    }
}
