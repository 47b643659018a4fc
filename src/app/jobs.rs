//! Background work for the app: loading and overlaying run on a worker thread with progress and
//! cancellation, so the UI never freezes; results come back through a channel.

use crate::progress::{CancelFlag, Progress};
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, TryRecvError, channel};

/// Progress shared between the worker and the UI.
#[derive(Default)]
pub struct JobProgress {
    stage: Mutex<String>,
    done: AtomicUsize,
    total: AtomicUsize,
    /// Set by the Cancel button.
    pub cancel: CancelFlag,
}

impl JobProgress {
    /// (stage, fraction done 0..1).
    pub fn snapshot(&self) -> (String, f32) {
        let total = self.total.load(Ordering::Relaxed).max(1);
        let done = self.done.load(Ordering::Relaxed).min(total);
        (self.stage.lock().map(|s| s.clone()).unwrap_or_default(), done as f32 / total as f32)
    }
}

impl Progress for JobProgress {
    fn update(&self, stage: &str, done: usize, total: usize) {
        if let Ok(mut s) = self.stage.lock()
            && *s != stage
        {
            *s = stage.to_string();
        }
        self.done.store(done, Ordering::Relaxed);
        self.total.store(total, Ordering::Relaxed);
    }
    fn is_cancelled(&self) -> bool {
        self.cancel.is_set()
    }
    fn cancel_token(&self) -> Option<crate::progress::CancelToken> {
        Some(self.cancel.token())
    }
}

/// A piece of work running on its own thread.
pub struct Job<T> {
    /// What it is doing, for the status bar.
    pub label: String,
    /// Its progress.
    pub progress: Arc<JobProgress>,
    rx: Receiver<T>,
    handle: Option<std::thread::JoinHandle<()>>,
}

impl<T: Send + 'static> Job<T> {
    /// Starts `work` on a new thread; `ctx` is asked to repaint when it finishes.
    pub fn spawn(
        label: impl Into<String>,
        ctx: &egui::Context,
        work: impl FnOnce(&JobProgress) -> T + Send + 'static,
    ) -> Self {
        let (tx, rx) = channel();
        let progress = Arc::new(JobProgress::default());
        let p = progress.clone();
        let ctx = ctx.clone();
        // The task runs on a worker thread; if the OS refuses one, it runs here instead (the UI
        // waits, but the work is done and nothing is lost).
        type Task = Box<dyn FnOnce() + Send>;
        let task: Arc<std::sync::Mutex<Option<Task>>> = Arc::new(std::sync::Mutex::new(Some(Box::new(move || {
            let r = work(&p);
            let _ = tx.send(r);
            ctx.request_repaint();
        }))));
        fn run(t: &std::sync::Mutex<Option<Task>>) {
            let f = t.lock().unwrap_or_else(|e| e.into_inner()).take();
            if let Some(f) = f {
                f();
            }
        }
        let t2 = task.clone();
        let handle = std::thread::Builder::new().name("crossbound-job".into()).spawn(move || run(&t2)).ok();
        if handle.is_none() {
            run(&task);
        }
        Job { label: label.into(), progress, rx, handle }
    }

    /// The result, once finished.
    pub fn poll(&mut self) -> Option<T> {
        match self.rx.try_recv() {
            Ok(v) => {
                if let Some(h) = self.handle.take() {
                    let _ = h.join();
                }
                Some(v)
            }
            Err(TryRecvError::Empty) => None,
            Err(TryRecvError::Disconnected) => None,
        }
    }

    /// Blocks until the result is there (tests and shutdown).
    pub fn wait(&mut self) -> Option<T> {
        let r = self.rx.recv().ok();
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
        r
    }
}
