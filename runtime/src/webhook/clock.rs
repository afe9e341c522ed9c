//! Where "now" comes from: the system clock, or anything a test injects.

use std::time::{SystemTime, UNIX_EPOCH};

/// A source of the current Unix time in whole seconds.
///
/// Signers stamp deliveries with it, verifiers check timestamps against it and
/// the memory replay store expires records by it. [`SystemClock`] is the
/// default; any `Fn() -> i64 + Send + Sync` closure is a clock too, which is
/// how tests put a delivery exactly one second inside or outside the
/// tolerance without sleeping:
///
/// ```
/// use std::sync::Arc;
/// use std::sync::atomic::{AtomicI64, Ordering};
/// use apishield::webhook::{WebhookSecret, WebhookVerifier};
///
/// let now = Arc::new(AtomicI64::new(1_700_000_000));
/// let clock = Arc::clone(&now);
/// let secret = WebhookSecret::from_bytes(&[7; 32]).unwrap();
/// let verifier = WebhookVerifier::new(secret).with_clock(move || clock.load(Ordering::Relaxed));
/// now.fetch_add(301, Ordering::Relaxed); // five minutes and a second later
/// # let _ = verifier;
/// ```
pub trait Clock: Send + Sync + 'static {
    /// Seconds since 1970-01-01T00:00:00Z.
    fn now(&self) -> i64;
}

impl<F: Fn() -> i64 + Send + Sync + 'static> Clock for F {
    fn now(&self) -> i64 {
        self()
    }
}

/// The operating system's wall clock ([`SystemTime`]), truncated to whole
/// seconds. A clock set before 1970 reads as 0.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> i64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |elapsed| i64::try_from(elapsed.as_secs()).unwrap_or(i64::MAX))
    }
}
