//! The counters, through the `metrics` facade (feature `metrics`).
//!
//! Two ways to count, both without a `String` per request:
//!
//! * [`count!`](crate::telemetry::counter::count) with literal label values:
//!   the key (name, labels and their hash) is a `static` built at compile
//!   time, so an increment is one call to the recorder, and without a
//!   recorder next to nothing. The paths every request takes (an accepted
//!   credential, a request within its rate limit, a claimed idempotency
//!   key) count this way;
//! * [`count_with!`](crate::telemetry::counter::count_with) with label values
//!   chosen at run time among `&'static str` codes (a refusal's reason): a
//!   small `Vec` of borrowed labels per increment, on refusal paths only.
//!
//! Without the feature both expand to nothing (their arguments are still
//! evaluated as expressions, so nothing becomes unused).

#[cfg(feature = "metrics")]
use metrics::{Key, Label, Level, Metadata};

/// What every apishield counter tells a recorder about where it comes from.
#[cfg(feature = "metrics")]
static METADATA: Metadata<'static> = Metadata::new("apishield", Level::INFO, Some("apishield::telemetry"));

/// Adds one to the counter of `key`, with the current recorder (none: nothing).
#[cfg(feature = "metrics")]
#[inline]
pub(crate) fn increment(key: &'static Key) {
    metrics::with_recorder(|recorder| recorder.register_counter(key, &METADATA).increment(1));
}

/// Adds one to counter `name` with `labels`, every value a bounded code.
#[cfg(feature = "metrics")]
pub(crate) fn increment_labels(name: &'static str, labels: &[(&'static str, &'static str)]) {
    metrics::with_recorder(|recorder| {
        let labels: Vec<Label> = labels.iter().map(|&(key, value)| Label::from_static_parts(key, value)).collect();
        recorder.register_counter(&Key::from_parts(name, labels), &METADATA).increment(1);
    });
}

/// Adds one to counter `$name` (a `const`) with literal labels: the key is
/// a `static`.
macro_rules! count {
    ($name:expr $(, $key:literal => $value:literal)* $(,)?) => {{
        #[cfg(feature = "metrics")]
        {
            static LABELS: &[::metrics::Label] = &[$(::metrics::Label::from_static_parts($key, $value)),*];
            static KEY: ::metrics::Key = ::metrics::Key::from_static_parts($name, LABELS);
            $crate::telemetry::counter::increment(&KEY);
        }
    }};
}

/// Adds one to counter `$name` with labels whose values are `&'static str`
/// expressions (codes from a fixed set, never client text).
macro_rules! count_with {
    ($name:expr $(, $key:literal => $value:expr)* $(,)?) => {{
        #[cfg(feature = "metrics")]
        $crate::telemetry::counter::increment_labels($name, &[$(($key, $value)),*]);
        #[cfg(not(feature = "metrics"))]
        {
            let _ = ($name, $($value,)*);
        }
    }};
}

pub(crate) use {count, count_with};
