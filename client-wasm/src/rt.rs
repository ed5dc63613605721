//! The runtime seam: spawning, sleeping and reading the clock. Natively this is tokio (so
//! tests can pause time); in the browser, the page's event loop and `setTimeout`. Nothing else
//! in the crate names a runtime.

use std::future::Future;
use std::time::Duration;

/// A boxed future the runtime can run: `Send` natively (tokio may move it between threads),
/// not in the browser, where the websocket handles are tied to the page's one thread.
#[cfg(not(target_arch = "wasm32"))]
pub(crate) type BoxFuture<T> = std::pin::Pin<Box<dyn Future<Output = T> + Send + 'static>>;
#[cfg(target_arch = "wasm32")]
pub(crate) type BoxFuture<T> = std::pin::Pin<Box<dyn Future<Output = T> + 'static>>;

/// Runs `future` in the background.
#[cfg(not(target_arch = "wasm32"))]
pub(crate) fn spawn(future: impl Future<Output = ()> + Send + 'static) {
    tokio::spawn(future);
}

/// Runs `future` in the background.
#[cfg(target_arch = "wasm32")]
pub(crate) fn spawn(future: impl Future<Output = ()> + 'static) {
    wasm_bindgen_futures::spawn_local(future);
}

/// Completes after `duration`.
#[cfg(not(target_arch = "wasm32"))]
pub(crate) async fn sleep(duration: Duration) {
    tokio::time::sleep(duration).await;
}

/// Completes after `duration`.
#[cfg(target_arch = "wasm32")]
pub(crate) async fn sleep(duration: Duration) {
    // setTimeout takes an i32 of milliseconds; longer waits are clamped, which no timer of
    // this crate needs.
    let millis = u32::try_from(duration.as_millis()).unwrap_or(i32::MAX as u32);
    gloo_timers::future::TimeoutFuture::new(millis.min(i32::MAX as u32)).await;
}

/// A monotonic instant, for round trips. Natively tokio's clock, which paused tests control.
#[cfg(not(target_arch = "wasm32"))]
#[derive(Debug, Clone, Copy)]
pub(crate) struct Instant(tokio::time::Instant);

/// A monotonic instant, for round trips: `performance.now()`-like milliseconds from `Date`.
#[cfg(target_arch = "wasm32")]
#[derive(Debug, Clone, Copy)]
pub(crate) struct Instant(f64);

impl Instant {
    pub(crate) fn now() -> Self {
        #[cfg(not(target_arch = "wasm32"))]
        return Instant(tokio::time::Instant::now());
        #[cfg(target_arch = "wasm32")]
        return Instant(js_sys::Date::now());
    }

    pub(crate) fn elapsed(&self) -> Duration {
        #[cfg(not(target_arch = "wasm32"))]
        return self.0.elapsed();
        #[cfg(target_arch = "wasm32")]
        return Duration::from_secs_f64(((js_sys::Date::now() - self.0) / 1000.0).max(0.0));
    }
}

/// A seed for the backoff jitter: not cryptographic, only different between clients so that
/// they do not reconnect in lockstep after a server restart.
pub(crate) fn seed() -> u64 {
    #[cfg(not(target_arch = "wasm32"))]
    {
        use std::hash::{BuildHasher, Hasher};
        // RandomState is seeded from the OS per process and per instance.
        let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
        hasher.write_u64(0x9e37_79b9_7f4a_7c15);
        hasher.finish()
    }
    #[cfg(target_arch = "wasm32")]
    {
        (js_sys::Math::random() * u64::MAX as f64) as u64
    }
}
